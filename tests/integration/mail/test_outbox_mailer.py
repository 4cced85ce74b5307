"""OutboxMailer and the choice between SMTP and outbox."""

from __future__ import annotations

import hashlib
import os
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from application.mail_message import compose_message
from infrastructure.mail import (
    MailDeliveryError,
    OutboxMailer,
    SmtpMailer,
    mailer_from_settings,
)

FROM = "Docintake <noreply@docintake.example>"


def _message(subject: str = "Ihre Unterlagen: Lohnsteuerbescheinigung") -> EmailMessage:
    return compose_message(
        to="Änne Öztürk <aenne@example.com>",
        subject=subject,
        text="Liebe Änne,\ndanke für die Übermittlung.",
        html="<p>Liebe Änne,<br>danke für die Übermittlung.</p>",
        message_id_domain="docintake.example",
        auto_submitted=False,
    )


def _parse(path: Path) -> EmailMessage:
    message = BytesParser(_class=EmailMessage, policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(message, EmailMessage)
    return message


def test_writes_parseable_eml_files(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"  # created on first use
    mailer = OutboxMailer(outbox, FROM)
    sent = _message()

    mailer.send(sent)

    [file] = outbox.iterdir()
    received = _parse(file)
    assert received["Message-ID"] == sent["Message-ID"]
    assert received["From"] == FROM
    assert received["To"] == "Änne Öztürk <aenne@example.com>"
    assert received["Subject"] == "Ihre Unterlagen: Lohnsteuerbescheinigung"
    plain = received.get_body(("plain",))
    html = received.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content() == "Liebe Änne,\ndanke für die Übermittlung.\n"
    assert html.get_content() == "<p>Liebe Änne,<br>danke für die Übermittlung.</p>\n"


def test_file_names_sort_by_time_and_carry_the_message_id_hash(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path, FROM)
    messages = [_message(f"Nachricht {n}") for n in range(5)]

    for message in messages:
        mailer.send(message)

    names = sorted(path.name for path in tmp_path.iterdir())
    assert len(names) == 5
    for name, message in zip(names, messages, strict=True):
        digest = hashlib.sha256(message["Message-ID"].encode()).hexdigest()[:16]
        assert re.fullmatch(rf"\d{{8}}T\d{{12}}Z-{digest}\.eml", name), name
    # Sorted by name is sending order.
    assert [_parse(tmp_path / name)["Subject"] for name in names] == [
        f"Nachricht {n}" for n in range(5)
    ]


def test_leaves_no_temporary_files(tmp_path: Path) -> None:
    OutboxMailer(tmp_path, FROM).send(_message())

    assert [path.suffix for path in tmp_path.iterdir()] == [".eml"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_unwritable_outbox_raises_delivery_error(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(MailDeliveryError, match="outbox"):
            OutboxMailer(tmp_path / "outbox", FROM).send(_message())
    finally:
        tmp_path.chmod(0o700)


def test_outbox_that_is_a_file_raises_delivery_error(tmp_path: Path) -> None:
    # Works as root too, unlike permissions.
    blocker = tmp_path / "outbox"
    blocker.write_text("not a folder")

    with pytest.raises(MailDeliveryError, match="outbox"):
        OutboxMailer(blocker, FROM).send(_message())


def test_settings_without_url_give_an_outbox_in_the_data_dir(tmp_path: Path) -> None:
    for url in (None, ""):
        mailer = mailer_from_settings(url, tmp_path, FROM)

        assert isinstance(mailer, OutboxMailer)
        assert mailer.folder == tmp_path / "outbox"
        assert mailer.from_address == FROM


def test_settings_with_url_give_smtp(tmp_path: Path) -> None:
    mailer = mailer_from_settings("smtps://u:p@mail.example", tmp_path, FROM)

    assert isinstance(mailer, SmtpMailer)
    assert (mailer.host, mailer.port, mailer.implicit_tls) == ("mail.example", 465, True)
    assert mailer.from_address == FROM
    assert not (tmp_path / "outbox").exists()
