"""Every event class has a version, and every version above 1 can be reached by upcasts."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from eventsourcing.domain import Aggregate, CanMutateAggregate

import domain


def event_classes() -> list[type]:
    found: set[type] = set()
    for module_info in pkgutil.iter_modules(domain.__path__):
        module = importlib.import_module(f"domain.{module_info.name}")
        for _, aggregate in inspect.getmembers(module, inspect.isclass):
            if not issubclass(aggregate, Aggregate) or aggregate.__module__ != module.__name__:
                continue
            for _, member in inspect.getmembers(aggregate, inspect.isclass):
                if issubclass(member, CanMutateAggregate) and member.__module__ == module.__name__:
                    found.add(member)
    return sorted(found, key=lambda cls: cls.__qualname__)


def test_the_domain_has_events_to_check() -> None:
    names = {cls.__qualname__ for cls in event_classes()}
    assert {"Customer.CustomerCreated", "Customer.NoteAdded"} <= names


def test_every_version_above_one_has_its_upcasts() -> None:
    for cls in event_classes():
        version = getattr(cls, "class_version", 1)
        assert isinstance(version, int) and version >= 1, cls.__qualname__
        for step in range(1, version):
            upcast = getattr(cls, f"upcast_v{step}_v{step + 1}", None)
            assert callable(upcast), (
                f"{cls.__qualname__} v{version} lacks upcast_v{step}_v{step + 1}"
            )


def test_customer_created_upcast_gives_old_customers_german() -> None:
    from domain.customer import Customer

    state: dict[str, object] = {"name": "Altkunde"}
    Customer.CustomerCreated.upcast_v1_v2(state)
    assert state == {"name": "Altkunde", "language": "de"}
    assert Customer.CustomerCreated.class_version >= 2


def test_customers_created_before_customer_numbers_have_none() -> None:
    from domain.customer import Customer

    state: dict[str, object] = {"name": "Altkunde"}
    Customer.CustomerCreated.upcast_v1_v2(state)
    Customer.CustomerCreated.upcast_v2_v3(state)
    assert state == {"name": "Altkunde", "language": "de", "customer_number": None}


def test_a_customer_snapshotted_before_note_authors_reads_them_later() -> None:
    """A snapshot of version 1 has no `note_authors`: None says "read them from the
    events" (the note commands do), never "there are no notes"."""
    from domain.customer import Customer

    state: dict[str, object] = {"name": "Altkunde", "note_count": 2}
    Customer.upcast_v1_v2(state)
    assert state["note_authors"] is None
    assert Customer.customer_number is None
