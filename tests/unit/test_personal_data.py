"""Which aggregates hold a customer's personal data (`domain.personal_data`): every
aggregate is in exactly one group, every event of a customer's aggregate names its
customer, and the events of every other aggregate have only fields judged to hold no
customer's words (a new field there fails here until it is judged)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import domain
from domain.customer import Customer
from domain.personal_data import CUSTOMER_AGGREGATES, NON_CUSTOMER_AGGREGATES

#: Fields every event has (from the library).
LIBRARY_FIELDS = {
    "originator_id",
    "originator_id_type",
    "originator_topic",
    "originator_version",
    "timestamp",
}

#: Fields of the other aggregates' events, each judged to hold no customer's words: ids,
#: kinds, times, hashes, and the organisation's or its members' own data.
JUDGED_NOT_CUSTOMERS = {
    "actor_id": "id",
    "customer_id": "id (the organisation's slot for a customer)",
    "delivery_id": "id",
    "invitation_id": "id",
    "member_id": "id",
    "notice_ids": "ids",
    "organization_id": "id",
    "owner_id": "id",
    "token_id": "id",
    "user_id": "id",
    "secret_id": "id",
    "name": "the organisation's, a member's or an API token's name",
    "email": "a member's (or invitee's) address",
    "role": "a member's role",
    "new_role": "a member's role",
    "old_role": "a member's role",
    "plan": "the organisation's plan",
    "new_plan": "the organisation's plan",
    "old_plan": "the organisation's plan",
    "language": "the organisation's language",
    "time_zone": "the organisation's time zone",
    "changes": "the organisation's permission settings",
    "retention": "the organisation's retention periods (numbers of days)",
    "enabled": "a member's notification switch",
    "expires_at": "a time",
    "rotated_at": "a time",
    "previous_expire_at": "a time",
    "token_hash": "a hash",
    "password_hash": "a hash",
    "sealed_secret": "a webhook secret, sealed",
    "template_id": "id",
    "items": "a template's document names and hints, the organisation's own words",
    "schedule": "a reminder schedule: whole numbers of days and a count",
    "sealed": "webhook secrets, sealed anew (secret id -> sealed secret)",
    "url": "the organisation's webhook receiver",
    "event_types": "kinds of events",
    "reason": "why a webhook endpoint stopped (by staff, or gone)",
    "accent_color": "the organisation's colour",
    "sender_name": "the display name of the organisation's client mails",
    "reply_to": "the organisation's (or a member's) reply address",
    "logo": "the organisation's logo: its stored name, type, size and hash",
}


def domain_aggregates() -> set[type]:
    modules = [
        importlib.import_module(f"{domain.__name__}.{module.name}")
        for module in pkgutil.iter_modules(domain.__path__)
    ]
    return {
        found
        for module in modules
        for _, found in inspect.getmembers(module, inspect.isclass)
        if found.__module__ == module.__name__
        and hasattr(found, "Event")
        and any(base.__name__ == "BaseAggregate" for base in found.__mro__)
    }


def event_classes(aggregate: type) -> dict[str, type]:
    return {
        name: value
        for name, value in vars(aggregate).items()
        if inspect.isclass(value)
        and issubclass(value, aggregate.Event)  # type: ignore[attr-defined]
        and name not in {"Event", "Created"}
    }


def fields_of(event_class: type) -> set[str]:
    annotations: dict[str, Any] = {}
    for klass in reversed(event_class.__mro__):
        annotations.update(getattr(klass, "__annotations__", {}))
    return set(annotations) - LIBRARY_FIELDS


def test_every_aggregate_is_in_exactly_one_group() -> None:
    customers, others = set(CUSTOMER_AGGREGATES), set(NON_CUSTOMER_AGGREGATES)
    assert not customers & others
    unlisted = domain_aggregates() - customers - others
    assert not unlisted, f"list these in domain/personal_data.py: {unlisted}"
    assert domain_aggregates() == customers | others


def test_every_event_of_a_customers_aggregate_names_its_customer() -> None:
    for aggregate in CUSTOMER_AGGREGATES:
        if aggregate is Customer:
            continue  # its own id is the customer's
        for name, event_class in event_classes(aggregate).items():
            assert "customer_id" in fields_of(event_class), f"{aggregate.__name__}.{name}"


def test_other_aggregates_carry_no_field_for_a_customers_words() -> None:
    unjudged = {
        f"{aggregate.__name__}.{name}.{field}"
        for aggregate in NON_CUSTOMER_AGGREGATES
        for name, event_class in event_classes(aggregate).items()
        for field in fields_of(event_class) - set(JUDGED_NOT_CUSTOMERS)
    }
    assert not unjudged, (
        "fields of events stored in plain text: judge whether they can hold a customer's"
        f" words (then the aggregate belongs to a customer): {sorted(unjudged)}"
    )
