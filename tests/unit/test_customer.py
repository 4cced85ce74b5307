"""The customer aggregate and its value objects, without any I/O."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.customer import Customer
from domain.errors import CustomerAlreadyDeleted, InvalidValue, PlanLimitReached
from domain.organization import Organization, Role
from domain.values import CustomerStatus, email_address

ACTOR = uuid4()


def new_customer(**overrides: object) -> Customer:
    fields: dict[str, object] = {"name": "Anna", "email": None, "company": None}
    fields.update(overrides)
    return Customer.create(uuid4(), fields["name"], fields["email"], fields["company"], ACTOR)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Anna@Example.COM", "Anna@example.com"), ("  a.b+c@sub.example.de ", "a.b+c@sub.example.de")],
)
def test_email_addresses_are_trimmed_and_domains_lowercased(raw: str, expected: str) -> None:
    assert email_address(raw) == expected


@pytest.mark.parametrize("raw", ["anna", "anna@", "@example.com", "a@b", "a@@b.de", "a b@c.de"])
def test_bad_email_addresses_are_refused(raw: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        email_address(raw)
    assert "email" in refused.value.fields


def test_a_new_customer_is_open_and_trimmed() -> None:
    customer = new_customer(name="  Anna  ", company="  ")
    assert customer.name == "Anna"
    assert customer.company is None
    assert customer.status == CustomerStatus.OPEN


def test_the_first_upload_moves_open_to_partial_once() -> None:
    customer = new_customer()
    assert customer.mark_first_upload(None) is True
    assert customer.status == CustomerStatus.PARTIAL
    assert customer.mark_first_upload(None) is False
    events = customer.collect_events()
    automatic = [e for e in events if isinstance(e, Customer.StatusChanged)]
    assert [(e.old_status, e.new_status, e.reason) for e in automatic] == [
        ("open", "partial", "automatic")
    ]


@pytest.mark.parametrize("status", [CustomerStatus.PARTIAL, CustomerStatus.COMPLETE])
def test_the_first_upload_never_touches_partial_or_complete(status: CustomerStatus) -> None:
    customer = new_customer()
    customer.set_status(status, ACTOR)
    assert customer.mark_first_upload(None) is False
    assert customer.status == status


def test_changing_nothing_records_nothing() -> None:
    customer = new_customer(email="anna@example.com")
    customer.collect_events()
    assert customer.change_details(ACTOR, name=" Anna ", email="anna@EXAMPLE.com") is False
    assert customer.set_status(CustomerStatus.OPEN, ACTOR) is False
    assert customer.collect_events() == []


def test_a_deleted_customer_refuses_every_change() -> None:
    customer = new_customer()
    customer.delete(ACTOR)
    for change in (
        lambda: customer.change_details(ACTOR, name="B"),
        lambda: customer.set_status(CustomerStatus.COMPLETE, ACTOR),
        lambda: customer.add_note("x", ACTOR),
        lambda: customer.delete(ACTOR),
    ):
        with pytest.raises(CustomerAlreadyDeleted):
            change()


def test_every_event_names_its_actor() -> None:
    customer = new_customer()
    customer.change_details(ACTOR, company="Firma")
    customer.set_status(CustomerStatus.COMPLETE, ACTOR)
    customer.add_note("Notiz", ACTOR)
    customer.delete(ACTOR)
    assert all(e.actor_id == ACTOR for e in customer.collect_events())


def test_the_organisation_caps_customers_by_plan() -> None:
    owner = uuid4()
    organization = Organization(name="K", plan="solo", owner_id=owner, actor_id=owner)
    assert organization.role_of(owner) == Role.OWNER
    for _ in range(10):
        organization.take_customer_slot(uuid4(), owner)
    with pytest.raises(PlanLimitReached):
        organization.take_customer_slot(uuid4(), owner)
    organization.release_customer_slot(uuid4(), owner)
    organization.take_customer_slot(uuid4(), owner)
    assert organization.customer_count == 10
