"""The fast ring: every command on the library's in-memory persistence (POPO), no I/O.

Each test gets a fresh application; `owner` has signed up an organisation of
its own, `stranger` another one (for tenancy).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher, profiles

from application import passwords
from application.docintake import DocIntake
from application.principal import Principal
from domain.organization import Role
from tests.support.memory import MemoryMailer, memory_app

PASSWORD = "correct horse battery"

# Passwords hashed at argon2's cheapest cost, as tests/conftest.py does for the whole
# suite: said here as well, so this ring also runs on its own, without the root conftest
# and its servers' imports (`pytest --confcutdir=tests/commands tests/commands`).
passwords._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)


@pytest.fixture
def app() -> Iterator[DocIntake]:
    application = memory_app()
    yield application
    application.close()


def sign_up(app: DocIntake, organization: str, email: str, plan: str = "team") -> Principal:
    signed = app.accounts.sign_up(organization, email, PASSWORD, plan, name="Jürgen Müller")
    return app.accounts.authenticate(signed.token)


@pytest.fixture
def owner(app: DocIntake) -> Principal:
    return sign_up(app, "Kanzlei Groß & Söhne", "chef@example.com")


@pytest.fixture
def stranger(app: DocIntake) -> Principal:
    return sign_up(app, "Andere Kanzlei", "fremd@example.org")


def invitation_token(app: DocIntake) -> str:
    mailer = app.mailer
    assert isinstance(mailer, MemoryMailer)
    body = mailer.sent[-1].get_body(("plain",))
    assert body is not None
    found = re.search(r"/invitations/(\S+)", body.get_content())
    assert found is not None
    return found.group(1)


def member(app: DocIntake, owner: Principal, role: str, email: str) -> Principal:
    """A second member of the owner's organisation, with `role`."""
    app.members.invite(owner, email, Role(role))
    joined = app.members.accept_invitation(invitation_token(app), "Zoë Çelik", PASSWORD)
    return app.accounts.authenticate(joined.token)
