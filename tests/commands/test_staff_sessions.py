"""Staff sessions: start, recognise, end."""

from __future__ import annotations

import pytest

from application.docintake import DocIntake
from application.errors import Unauthenticated
from application.principal import Principal
from application.staff_sessions import CsrfRefused, check_csrf
from tests.commands.conftest import PASSWORD


def test_a_session_speaks_for_its_member_until_it_ends(app: DocIntake, owner: Principal) -> None:
    started = app.sessions.start("chef@example.com", PASSWORD, "192.0.2.1")
    principal = app.sessions.principal(started.session_token)
    assert (principal.user_id, principal.organization_id) == (owner.user_id, owner.organization_id)
    check_csrf(started.session_token, started.csrf_token)
    with pytest.raises(CsrfRefused):
        check_csrf(started.session_token, "gefälscht")
    app.sessions.end(started.session_token)
    with pytest.raises(Unauthenticated):
        app.sessions.principal(started.session_token)
    app.sessions.end(started.session_token)  # ending twice does nothing
    app.sessions.end("unbekannt")


def test_a_wrong_password_starts_no_session(app: DocIntake, owner: Principal) -> None:
    with pytest.raises(Unauthenticated):
        app.sessions.start("chef@example.com", "falsch falsch falsch", "192.0.2.1")
    with pytest.raises(Unauthenticated):
        app.sessions.principal(None)
