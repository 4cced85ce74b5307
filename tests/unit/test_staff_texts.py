"""The staff pages' words: both languages complete, every text a template asks for exists,
and where a sign-in may lead (refusals: test_text_catalogue)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from application.permissions import Action
from domain.organization import PERMISSION_DEFAULTS, Role
from domain.received_file import ReviewState
from domain.values import CustomerStatus, Plan
from interfaces.web.customers import SORTS
from interfaces.web.pages import safe_next
from interfaces.web.texts import TEXTS

TEMPLATES = Path(__file__).resolve().parents[2] / "interfaces" / "templates" / "staff"
# `t.key` and `t['key']` with a literal key.
LITERAL_KEYS = re.compile(r"\bt\.([a-z_]+)\b|\bt\['([a-z_]+)'\]")


def test_both_languages_have_the_same_texts() -> None:
    assert set(TEXTS["de"]) == set(TEXTS["en"])


def test_no_text_is_shadowed_by_a_dict_method() -> None:
    # Jinja looks up `t.copy` as an attribute first: it would print the dict's method.
    assert [key for key in TEXTS["de"] if hasattr(dict, key)] == []


def test_every_text_a_template_names_exists() -> None:
    used: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        for attribute, item in LITERAL_KEYS.findall(template.read_text()):
            used.add(attribute or item)
    assert len(used) > 100
    assert sorted(used - set(TEXTS["de"])) == []


def test_texts_composed_from_values_exist() -> None:
    families = {
        "status_": [s.value for s in CustomerStatus],
        "review_": [s.value for s in ReviewState],
        "role_": [r.value for r in Role],
        "plan_": [p.value for p in Plan],
        "perm_": list(PERMISSION_DEFAULTS),
        "sort_": list(SORTS),
        "link_status_": ["active", "revoked", "expired"],
    }
    missing = [
        prefix + value
        for prefix, values in families.items()
        for value in values
        if prefix + value not in TEXTS["de"]
    ]
    assert missing == []


def test_every_permission_a_template_asks_for_is_an_action() -> None:
    # `can.x` of an unknown action would be undefined, hiding the control from everyone.
    asked = {
        name
        for template in TEMPLATES.glob("*.html")
        for name in re.findall(r"\bcan\.([a-z_]+)", template.read_text())
    }
    assert len(asked) >= 8
    assert sorted(asked - {a.value for a in Action}) == []


@pytest.mark.parametrize(
    ("target", "goes_to"),
    [
        ("/customers/1?status=open", "/customers/1?status=open"),
        (None, "/customers"),
        ("", "/customers"),
        ("//evil.example/", "/customers"),
        ("https://evil.example/", "/customers"),
        ("/\\evil.example", "/customers"),
        ("/customers\r\nSet-Cookie: x=1", "/customers"),
        ("customers", "/customers"),
    ],
)
def test_sign_in_leads_only_to_our_own_pages(target: str | None, goes_to: str) -> None:
    assert safe_next(target) == goes_to
