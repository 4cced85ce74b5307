"""Staff sessions for the web pages: sign in with e-mail and password, a server-side
session behind a cookie, a CSRF token bound to it, sign out.

The session token (256 bits) lives only in the browser's cookie; the store
keeps a `StaffSession` aggregate addressed by its hash, like API tokens. Every
request checks the session against the organisation, so removing a member ends
their sessions at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from typing import NamedTuple

from application.accounts import new_token, token_hash
from application.command import Context
from application.errors import NotFound, Unauthenticated
from application.principal import Principal
from domain.errors import DomainError
from domain.staff_session import SESSION_LIFETIME, StaffSession

_CSRF_PURPOSE = b"docintake staff-session csrf v1"


class CsrfRefused(DomainError):
    """A form post without the CSRF token of the session it came with."""

    code = "csrf_failed"


class StartedSession(NamedTuple):
    session_token: str
    csrf_token: str


def csrf_token_for(session_token: str) -> str:
    """The session's CSRF token: derived from the session secret, so it needs no storage,
    is bound to that one session, and cannot be computed by another site (the cookie is
    HttpOnly and never readable by script)."""
    digest = hmac.new(session_token.encode(), _CSRF_PURPOSE, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def check_csrf(session_token: str, submitted: str | None) -> None:
    """Raise `CsrfRefused` unless `submitted` is the session's CSRF token."""
    expected = csrf_token_for(session_token).encode()
    # As bytes: a forged token with non-ASCII characters is refused, not an error.
    if not submitted or not hmac.compare_digest(expected, submitted.encode()):
        raise CsrfRefused("The form is out of date or was not sent from this site; reload it.")


class StaffSessions(Context):
    """Staff sign in to the web pages, are recognised by their cookie, and sign out."""

    def start(self, email: str, password: str, client_address: str | None) -> StartedSession:
        """Sign a member in: a new session token (for the cookie) and its CSRF token.

        Failed attempts are limited like API logins (per account and address).
        """
        user, organization = self.app.accounts.check_login(email, password, client_address)
        session_token = new_token("dis_")
        session = StaffSession(
            token_hash=token_hash(session_token),
            user_id=user.id,
            organization_id=organization.id,
            expires_at=datetime.now(UTC) + SESSION_LIFETIME,
            actor_id=user.id,
        )
        self.app.record(session)
        return StartedSession(session_token, csrf_token_for(session_token))

    def principal(self, session_token: str | None) -> Principal:
        """The member a session cookie speaks for, as of the head of the event log now
        (session and membership from the principal cache, see `authenticate`)."""
        refused = Unauthenticated("Not signed in, or the session has ended.")
        if not session_token or len(session_token) > 200:
            raise refused
        session_id = StaffSession.id_for(token_hash(session_token))
        head = self.app.principals.catch_up()
        try:
            session = self.app.principals.get(
                session_id, lambda: self.app.load(session_id, StaffSession)
            )
        except NotFound:
            raise refused from None
        if not session.is_live(datetime.now(UTC)):
            raise refused
        membership = self.app.accounts.membership(session.organization_id)
        role, since = membership.members.get(session.user_id, (None, None))
        # A session from before the current membership (removed, invited back) stays dead.
        if role is None or since is None or session.created_on < since:
            raise refused
        return Principal(
            session.user_id, session.organization_id, role, session.id, membership.permissions, head
        )

    def end(self, session_token: str | None) -> None:
        """Sign out; ending an unknown or ended session does nothing."""

        def attempt() -> None:
            session = self._session(session_token)
            if session is not None and session.end(session.user_id):
                self.app.record(session)

        self.app.retrying(attempt)

    def _session(self, session_token: str | None) -> StaffSession | None:
        if not session_token or len(session_token) > 200:
            return None
        try:
            return self.app.load(StaffSession.id_for(token_hash(session_token)), StaffSession)
        except NotFound:
            return None
