"""The organisation's mail language and each member's upload-notice switch, and old
snapshots of both aggregates read back with the defaults."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.utils import get_topic

from domain.errors import InvalidValue
from domain.organization import Organization
from domain.user import User

OWNER = uuid4()


def restored_without(aggregate: Aggregate, *keys: str, class_version: int) -> Any:
    """The aggregate as a snapshot taken at `class_version`, before `keys` existed, reads it."""
    state = {k: v for k, v in vars(aggregate).items() if k not in {"_pending_events", *keys}}
    state["class_version"] = class_version
    snapshot = Snapshot(  # type: ignore[call-arg]
        originator_id=aggregate.id,
        originator_version=aggregate.version,
        timestamp=datetime.now(UTC),
        topic=get_topic(type(aggregate)),
        state=state,
    )
    return snapshot.mutate(None)


def test_the_organisation_writes_german_until_it_chooses_english() -> None:
    organization = Organization(name="Kanzlei", plan="team", owner_id=OWNER, actor_id=OWNER)
    assert organization.language == "de"

    assert organization.change_language("en", OWNER) is True
    assert organization.change_language("en", OWNER) is False
    assert organization.language == "en"
    with pytest.raises(InvalidValue) as refused:
        organization.change_language("fr", OWNER)
    assert "language" in refused.value.fields


def test_a_member_switches_upload_notices() -> None:
    user = User(
        id=uuid4(),
        email="kim@example.com",
        name="Kim",
        password_hash="x",
        organization_id=uuid4(),
        actor_id=None,
    )
    assert user.upload_notifications is True
    assert user.notify_about_uploads(False, user.id) is True
    assert user.notify_about_uploads(False, user.id) is False
    assert user.upload_notifications is False


def test_snapshots_from_before_the_settings_read_back_with_the_defaults() -> None:
    organization = Organization(name="Kanzlei", plan="team", owner_id=OWNER, actor_id=OWNER)
    organization.change_language("en", OWNER)
    old = restored_without(organization, "language", class_version=2)
    assert isinstance(old, Organization) and old.language == "de"

    user = User(
        id=uuid4(),
        email="a@example.com",
        name=None,
        password_hash="x",
        organization_id=uuid4(),
        actor_id=None,
    )
    user.notify_about_uploads(False, user.id)
    old_user = restored_without(user, "upload_notifications", class_version=1)
    assert isinstance(old_user, User) and old_user.upload_notifications is True
