"""Searching the customer list: a substring of one field (name, e-mail or company), case
ignored, never across fields; a count capped at 1,000; the same answers from SQLite's FTS5
trigram index and from PostgreSQL's trigram index; accents ignored on both (`search_key`)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from uuid import UUID, uuid4

import pytest

from domain.customer import Customer
from infrastructure.bootstrap import Services
from projections.customer_list import FOLDING, TOTAL_CAP, CustomerListProjection
from projections.tracking import position_of
from tests.support.read_models import populate, wait_until

PEOPLE = [
    ("Kunde Müller", "lk@example.org", "Straße & Söhne GmbH"),
    ("Anna Schmidt", "anna.schmidt@gmail.com", None),
    ("Jörg O'Neil", None, "100% Treuhand_AG"),
    ("李小龍", "li@example.cn", 'Drachen "Tor" KG'),
    ("Zoë Weiß", "zoe@example.de", "Nord"),
    ("Ute Mu\u0308nch", None, None),  # typed decomposed (u + U+0308): stored as "Münch"
    ("Ömer Çelik", "omer@çelik.example", "Łódź Søn Ærø"),
    ("Hiroshi ハシ", None, None),  # kana: the dakuten of バ is no accent
]


@pytest.fixture
def searchable(lean_services: Callable[..., Services]) -> tuple[Services, UUID]:
    services = lean_services()
    services.runtime.start()
    organization_id, actor_id = uuid4(), uuid4()
    services.app.save(*[Customer.create(organization_id, n, e, c, actor_id) for n, e, c in PEOPLE])
    head = services.app.head()
    wait_until(lambda: services.positions.lowest() >= head, what="the list")
    return services, organization_id


def names(services: Services, organization_id: UUID, q: str) -> set[str]:
    page = services.customer_list.search(organization_id, q=q, limit=200)
    assert page.total == len(page.items) and not page.total_capped
    return {item.name for item in page.items}


def test_q_matches_a_substring_of_one_field(searchable: tuple[Services, UUID]) -> None:
    services, org = searchable
    assert names(services, org, "schmidt") == {"Anna Schmidt"}
    assert names(services, org, "@GMAIL.com") == {"Anna Schmidt"}
    assert names(services, org, "müller") == {"Kunde Müller"}
    assert names(services, org, "MÜLLER") == {"Kunde Müller"}
    assert names(services, org, "strasse") == {"Kunde Müller"}  # ß is ss, as case-folded
    assert names(services, org, "o'neil") == {"Jörg O'Neil"}
    assert names(services, org, "100%") == {"Jörg O'Neil"}
    assert names(services, org, "d_a") == {"Jörg O'Neil"}
    assert names(services, org, '"tor"') == {"李小龍"}
    assert names(services, org, "小龍") == {"李小龍"}
    assert names(services, org, "zoë") == {"Zoë Weiß"}
    assert names(services, org, "zoe\u0308") == {"Zoë Weiß"}  # a decomposed query too
    assert names(services, org, "münch") == {"Ute Münch"}
    assert names(services, org, "no") == {"Zoë Weiß"}  # shorter than a trigram
    assert names(services, org, "q") == set()
    assert len(names(services, org, "a")) == 6


def test_q_ignores_accents_typed_or_not(searchable: tuple[Services, UUID]) -> None:
    services, org = searchable
    assert names(services, org, "celik") == {"Ömer Çelik"}
    assert names(services, org, "ÇELIK") == {"Ömer Çelik"}
    assert names(services, org, "omer@celik") == {"Ömer Çelik"}  # a domain in Unicode
    assert names(services, org, "ÇELİK") == {"Ömer Çelik"}  # İ is i
    assert names(services, org, "lodz son aero") == {"Ömer Çelik"}  # ł ø æ: no decomposition
    assert names(services, org, "muller") == {"Kunde Müller"}
    assert names(services, org, "müller") == {"Kunde Müller"}
    assert names(services, org, "Mu\u0308ller") == {"Kunde Müller"}
    assert names(services, org, "straße & sohne") == {"Kunde Müller"}
    assert names(services, org, "zoe") == {"Zoë Weiß"}
    assert names(services, org, "weiss") == {"Zoë Weiß"}
    assert names(services, org, "ce") == {"Ömer Çelik"}  # shorter than a trigram
    # Not the German spelling without umlauts, nor marks of other scripts.
    assert names(services, org, "mueller") == set()
    assert names(services, org, "ハシ") == {"Hiroshi ハシ"}
    assert names(services, org, "バシ") == set()


def test_a_list_of_another_folding_is_built_again(searchable: tuple[Services, UUID]) -> None:
    services, org = searchable
    database = services.customer_list.database

    class Undone(Exception):
        pass

    with database.transaction() as tx, contextlib.suppress(Undone), tx.savepoint():
        CustomerListProjection().create_tables(tx)  # the current folding: kept
        assert position_of(tx, "customer_list") > 0
        tx.execute("UPDATE customer_list SET folding = %s", (FOLDING - 1,))
        CustomerListProjection().create_tables(tx)
        assert position_of(tx, "customer_list") == 0
        assert (tx.fetchone("SELECT count(*) AS n FROM customer_list") or {})["n"] == 0
        raise Undone
    assert names(services, org, "celik") == {"Ömer Çelik"}


def test_q_never_matches_across_fields(searchable: tuple[Services, UUID]) -> None:
    services, org = searchable
    # The old search kept the fields in one text, joined by U+001F.
    assert names(services, org, "\x1f") == set()
    assert names(services, org, "kunde müller\x1flk@") == set()
    assert names(services, org, "müllerlk@") == set()
    assert names(services, org, "gmbh nord") == set()


def test_the_count_stops_at_the_cap(lean_services: Callable[..., Services]) -> None:
    services = lean_services()
    services.runtime.start()
    organization_id = populate(services.app, TOTAL_CAP + 5, chunk=500)
    head = services.app.head()
    wait_until(lambda: services.positions.lowest() >= head, timeout=60, what="the list")
    everyone = services.customer_list.search(organization_id, limit=20)
    assert (everyone.total, everyone.total_capped) == (TOTAL_CAP, True)
    some = services.customer_list.search(organization_id, q="kunde 0000", limit=20)
    assert (some.total, some.total_capped) == (10, False)
    assert len(some.items) == 10
