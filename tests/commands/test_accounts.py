"""Signing up, logging in (limited), issuing and authenticating API tokens."""

from __future__ import annotations

import pytest

from application.accounts import LoginRateLimited
from application.docintake import DocIntake
from application.errors import Conflict, Unauthenticated
from application.principal import Principal
from domain.errors import InvalidValue
from domain.organization import Organization, Role
from tests.commands.conftest import PASSWORD
from tests.support.memory import memory_app


def test_sign_up_creates_an_organisation_with_its_owner(app: DocIntake) -> None:
    signed = app.accounts.sign_up("Kanzlei Groß", "chef@example.com", PASSWORD, "pro")
    principal = app.accounts.authenticate(signed.token)
    assert principal.user_id == signed.user_id == signed.id
    assert principal.role is Role.OWNER
    organization = app.load(signed.organization_id, Organization)
    assert (organization.name, organization.plan) == ("Kanzlei Groß", "pro")
    assert signed.position == app.head()


def test_sign_up_names_every_bad_field_and_refuses_a_taken_address(app: DocIntake) -> None:
    with pytest.raises(InvalidValue) as refused:
        app.accounts.sign_up("", "keine-adresse", "kurz", "riesig")
    assert {"organization_name", "email", "password", "plan"} <= set(refused.value.fields)
    app.accounts.sign_up("Eins", "chef@example.com", PASSWORD, "solo")
    with pytest.raises(Conflict):
        app.accounts.sign_up("Zwei", "Chef@Example.com", PASSWORD, "solo")


def test_sign_in_issues_a_new_token(app: DocIntake, owner: Principal) -> None:
    issued = app.accounts.sign_in("chef@example.com", PASSWORD, "Laptop")
    assert app.accounts.authenticate(issued.token).user_id == owner.user_id
    with pytest.raises(Unauthenticated):
        app.accounts.sign_in("chef@example.com", "falsches Passwort", "Laptop")
    with pytest.raises(Unauthenticated):
        app.accounts.authenticate("dit_unbekannt")


def test_failed_logins_are_limited_per_account() -> None:
    from application.attempt_limiter import AttemptLimiter
    from application.collaborators import AttemptCounters

    app = memory_app(attempts=AttemptCounters(logins_by_account=AttemptLimiter(2, 900)))
    app.accounts.sign_up("Kanzlei", "chef@example.com", PASSWORD, "solo")
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            app.accounts.sign_in("chef@example.com", "falsch falsch falsch", "x", "192.0.2.1")
    with pytest.raises(LoginRateLimited):
        app.accounts.sign_in("chef@example.com", PASSWORD, "x", "192.0.2.1")
    app.close()
