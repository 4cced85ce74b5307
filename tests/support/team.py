"""Build teams through the API: invite (the token comes from the mail), accept, sign in."""

from __future__ import annotations

import re
import uuid
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from tests.support.api import PASSWORD, Account

INVITATION_LINK = re.compile(r"https?://\S+/invitations/(inv_[A-Za-z0-9_-]+)")


def parse_mail(raw: bytes) -> EmailMessage:
    message = BytesParser(_class=EmailMessage, policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def outbox(data_dir: Path, to: str | None = None) -> list[EmailMessage]:
    """The messages the outbox mailer wrote, oldest first; with `to`, those to that address.

    The shared test server's outbox holds every test's mail (hundreds by the end of a run)
    and parsing one costs milliseconds: with `to`, only a message whose bytes hold the
    address is parsed (all are where the address is not ASCII, as a header may encode it).
    """
    paths = sorted((data_dir / "outbox").glob("*.eml"))
    if to is None:
        return [parse_mail(path.read_bytes()) for path in paths]
    needle = to.encode() if to.isascii() else b""
    found = []
    for path in paths:
        raw = path.read_bytes()
        if needle in raw:
            message = parse_mail(raw)
            if message["To"] == to:
                found.append(message)
    return found


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def invitation_token(message: EmailMessage) -> str:
    found = INVITATION_LINK.search(text_of(message))
    assert found, text_of(message)
    return found.group(1)


def invite(inviter: Account, data_dir: Path, role: str, email: str | None = None) -> str:
    """Invite someone (a fresh address unless given); returns the token from their mail."""
    address = email or f"staff-{uuid.uuid4().hex[:10]}@example.com"
    response = inviter.post("/api/v1/invitations", json={"email": address, "role": role})
    assert response.status_code == 201, response.text
    mails = outbox(data_dir, to=address)
    assert mails, f"no invitation mail to {address}"
    return invitation_token(mails[-1])


def accept(inviter: Account, token: str, email: str, name: str = "Erika Muster") -> Account:
    response = inviter.client.post(
        f"/api/v1/invitations/{token}/accept", json={"name": name, "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(inviter.organization_id, body["user_id"], body["token"], email, inviter.client)


def add_member(inviter: Account, data_dir: Path, role: str, name: str = "Erika Muster") -> Account:
    """A new member of the inviter's organisation with `role`, signed in with an API token."""
    email = f"staff-{uuid.uuid4().hex[:10]}@example.com"
    token = invite(inviter, data_dir, role, email)
    return accept(inviter, token, email, name)
