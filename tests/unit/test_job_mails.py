"""The link mail and the upload notice as messages, and the identities jobs are keyed by."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from uuid import uuid4

import pytest

from application.jobs.kinds import Job, JobKind, notify_upload_job, request_id_for, send_link_job
from application.link_mail import LinkMail, link_message
from application.upload_notice_mail import ArrivedFile, UploadNotice, upload_notice_message

URL = "https://docs.example.com/u/AbC123"
EXPIRES = datetime(2025, 3, 31, 22, 30, tzinfo=UTC)  # 1 April, 00:30 in Germany (summer time)


def link_mail(**overrides: object) -> EmailMessage:
    values: dict[str, object] = {
        "to": "anna@example.com",
        "language": "de",
        "organization_name": "Kanzlei <Groß> & Co",
        "customer_name": "Anna Schmidt",
        "link_url": URL,
        "link_title": "Steuer 2024",
        "expires_at": EXPIRES,
        "requested_items": ["Lohnsteuerbescheinigung"],
        "password_protected": False,
        "personal_message": None,
        "sender_name": "Olga Owner",
        "sender_email": "olga@kanzlei.example",
    }
    values.update(overrides)
    return link_message(LinkMail(**values), message_id="<link-1@docs.example.com>")  # type: ignore[arg-type]


def body(message: EmailMessage, kind: str) -> str:
    part = message.get_body(preferencelist=(kind,))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def test_the_link_mail_in_german_shows_the_plain_url_and_names_the_organisation() -> None:
    message = link_mail()

    assert message["Subject"] == "Kanzlei <Groß> & Co: Steuer 2024"
    assert message["Message-ID"] == "<link-1@docs.example.com>"
    assert message["Reply-To"] == "olga@kanzlei.example"
    assert message["Content-Language"] == "de"
    assert message["Auto-Submitted"] is None
    text, html = body(message, "plain"), body(message, "html")
    assert URL in text.splitlines()
    assert f'<a href="{URL}">{URL}</a>' in html
    assert "Kanzlei &lt;Groß&gt; &amp; Co bittet Sie" in html
    assert "gültig bis 01.04.2025" in text
    assert "- Lohnsteuerbescheinigung" in text
    assert "niemals nach Passwörtern" in text
    assert "Passwort erhalten" not in text


def test_the_link_mail_names_the_due_date_where_the_organisation_is() -> None:
    """The due date the upload page shows is in the mail too (1 April in Germany)."""
    text = body(link_mail(due_at=EXPIRES), "plain")
    assert "Bitte senden Sie Ihre Unterlagen bis zum 01.04.2025." in text
    english = body(link_mail(due_at=EXPIRES, language="en"), "plain")
    assert "Please send your documents by 1 April 2025." in english
    # Sent again after the day has passed, it says when they were due.
    late = body(link_mail(due_at=EXPIRES, due_passed=True), "plain")
    assert "Ihre Unterlagen waren bis zum 01.04.2025 erbeten." in late
    assert "bis zum" not in body(link_mail(), "plain")


def test_the_question_mail_says_one_question_or_several() -> None:
    one = body(link_mail(questions=(("Kontoauszug", "Seite 2 fehlt."),)), "plain")
    assert "Kanzlei <Groß> & Co hat eine Rückfrage zu Ihren Unterlagen:" in one
    assert "- Kontoauszug: Seite 2 fehlt." in one
    two = (("Kontoauszug", "Seite 2 fehlt."), ("Mietvertrag", "Unterschrift?"))
    assert "hat Rückfragen zu Ihren Unterlagen:" in body(link_mail(questions=two), "plain")
    english = body(link_mail(language="en", questions=two[:1]), "plain")
    assert "Kanzlei <Groß> & Co has a question about your documents:" in english
    assert "has questions about" in body(link_mail(language="en", questions=two), "plain")
    # One subject for one or several: "a question" misled when there were two.
    assert link_mail(language="en", questions=two)["Subject"].endswith(
        ": questions about your documents"
    )


def test_a_question_of_several_lines_stays_one_list_entry() -> None:
    message = link_mail(questions=(("Kontoauszug", "Seite 2 fehlt.\nDanke!"), ("Mietvertrag", "?")))

    assert "- Kontoauszug: Seite 2 fehlt.\n  Danke!\n- Mietvertrag: ?" in body(message, "plain")
    assert "<li>Kontoauszug: Seite 2 fehlt.<br>Danke!</li>" in body(message, "html")


def test_a_title_with_line_breaks_makes_a_one_line_subject() -> None:
    assert link_mail(link_title="Steuer\n 2024")["Subject"] == "Kanzlei <Groß> & Co: Steuer 2024"


def test_a_protected_link_says_the_password_comes_another_way() -> None:
    text = body(link_mail(password_protected=True), "plain")

    assert "Das Passwort erhalten Sie von Kanzlei <Groß> & Co auf anderem Weg" in text
    english = body(link_mail(language="en", password_protected=True), "plain")
    assert "will give you the password separately, never by e-mail." in english


def test_the_personal_message_is_text_never_markup() -> None:
    message = link_mail(personal_message="Hallo,\n<b>bitte</b> bis {morgen}.")

    assert "<b>bitte</b> bis {morgen}." in body(message, "plain")
    assert "Hallo,<br>&lt;b&gt;bitte&lt;/b&gt; bis {morgen}." in body(message, "html")


def test_the_link_mail_in_english_without_title_or_reply_address() -> None:
    message = link_mail(language="en", link_title=None, sender_email=None)

    assert message["Subject"] == "Kanzlei <Groß> & Co: please upload your documents"
    assert message["Reply-To"] is None
    text = body(message, "plain")
    assert text.startswith("Hello Anna Schmidt,")
    assert "valid until 1 April 2025" in text
    assert "just reply" not in text


def notice(**overrides: object) -> EmailMessage:
    files = [
        ArrivedFile("beleg.pdf", 1536, "Anna", EXPIRES),
        ArrivedFile("scan.png", 20, None, EXPIRES),
    ]
    values: dict[str, object] = {
        "to": "kim@kanzlei.example",
        "member_name": "Kim",
        "language": "de",
        "organization_name": "Kanzlei Groß",
        "customer_name": "Anna Schmidt",
        "customer_url": "https://docs.example.com/customers/1",
        "link_title": None,
        "link_created_at": EXPIRES,
        "files": files,
    }
    values.update(overrides)
    return upload_notice_message(UploadNotice(**values), message_id="<upload-1@x>")  # type: ignore[arg-type]


def test_the_upload_notice_names_customer_link_and_files() -> None:
    message = notice()

    assert message["Subject"] == "2 neue Dateien für Anna Schmidt"
    assert message["Auto-Submitted"] == "auto-generated"
    text = body(message, "plain")
    assert "über den Upload-Link vom 01.04.2025 (ohne Titel)" in text
    assert "- beleg.pdf (1,5 KB), von Anna, am 01.04.2025, 00:30" in text
    assert "- scan.png (20 Byte), am 01.04.2025, 00:30" in text
    assert "https://docs.example.com/customers/1" in text.splitlines()
    # Switched off in the settings page, never by an API call a person cannot make.
    assert "Einstellungen: https://docs.example.com/settings#notifications" in text
    assert "/api/" not in text


def test_one_file_in_english() -> None:
    message = notice(
        language="en",
        member_name=None,
        link_title="Receipts",
        files=[ArrivedFile("a.pdf", 3 * 1024 * 1024, None, EXPIRES)],
    )

    assert message["Subject"] == "New file for Anna Schmidt"
    text = body(message, "plain")
    assert text.startswith("Hello,")
    assert "a new file for Anna Schmidt arrived through the upload link “Receipts”" in text
    assert "- a.pdf (3.0 MB), on 1 April 2025, 00:30" in text


def test_a_job_is_known_by_its_event() -> None:
    link_id, file_id = uuid4(), uuid4()

    assert send_link_job(link_id, 7).key == f"send_link:link_id={link_id}:version=7"
    assert send_link_job(link_id, 7) == send_link_job(link_id, 7)
    assert notify_upload_job(file_id).key == f"notify_upload:file_id={file_id}"
    assert Job(JobKind.EXPIRE_LINKS).key == "expire_links"
    assert request_id_for(link_id, 7) == request_id_for(link_id, 7) != request_id_for(link_id, 8)


@pytest.mark.parametrize("language", ["de", "en"])
def test_both_mails_exist_in_each_language(language: str) -> None:
    assert link_mail(language=language)["Content-Language"] == language
    assert notice(language=language)["Content-Language"] == language


def test_an_internationalised_domain_is_written_in_ascii() -> None:
    # Stored as typed (Unicode); an encoded word inside an address is undeliverable.
    message = link_mail(to="joerg@müller-steuer.de", sender_email="buero@kanzlei-groß.de")

    assert message["To"] == "joerg@xn--mller-steuer-dlb.de"
    # IDNA 2008, as .de writes it: ß stays (not "gross").
    assert message["Reply-To"] == "buero@xn--kanzlei-gro-56a.de"
    assert b"To: joerg@xn--mller-steuer-dlb.de\n" in bytes(message)
