"""The one text catalogue: refusals by code and values in German and English, sizes with one
base, times in the organisation's zone, languages negotiated once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from application.staging import FileTooLarge, FileTypeNotAllowed
from application.texts.catalogue import (
    PROBLEMS,
    REFUSALS,
    error_text,
    people_error_text,
    problems_text,
)
from application.texts.formats import Formats, file_size, file_types
from application.texts.languages import LANGUAGES, negotiate
from domain.errors import InvalidValue, problem
from domain.organization import time_zone
from domain.upload_link import MaxFilesReached, TooManyFiles

MIME_OR_BYTES = ("application/", "image/", "text/plain", "bytes", "1048576")


def test_every_entry_speaks_every_language() -> None:
    for entries in (REFUSALS, PROBLEMS):
        for code, entry in entries.items():
            assert set(entry) == set(LANGUAGES), code


@pytest.mark.parametrize(
    ("error", "german", "english"),
    [
        (
            FileTooLarge("x", filename="Kündigung – 2024.pdf", max_size=1_048_576),
            "„Kündigung – 2024.pdf“ ist zu groß: höchstens 1,0 MB pro Datei.",
            "“Kündigung – 2024.pdf” is too large: at most 1.0 MB per file.",
        ),
        (
            FileTypeNotAllowed("x", filename="notizen.txt", types=["application/pdf", "image/*"]),
            "„notizen.txt“ kann hier nicht hochgeladen werden: nur PDF-Dokumente und Bilder"
            " (JPEG, PNG).",
            "“notizen.txt” cannot be uploaded here: only PDF documents and images (JPEG, PNG).",
        ),
        (
            MaxFilesReached("x", count=1),
            "Über diesen Link ist höchstens 1 Datei möglich; sie ist schon da.",
            "This link takes at most 1 file, and it has arrived.",
        ),
        (
            MaxFilesReached("x", count=3),
            "Über diesen Link sind höchstens 3 Dateien möglich; sie sind schon alle da.",
            "This link takes at most 3 files, and all of them have arrived.",
        ),
        (
            TooManyFiles("x", count=1),
            "Es ist nur noch 1 Datei möglich.",
            "Only 1 more file is possible.",
        ),
    ],
)
def test_refusals_read_with_values_for_people(error: Exception, german: str, english: str) -> None:
    assert error_text(error, "de") == german  # type: ignore[arg-type]
    assert error_text(error, "en") == english  # type: ignore[arg-type]
    for text in (german, english):
        assert not any(raw in text for raw in MIME_OR_BYTES)


def test_field_problems_are_translated_by_code_not_by_their_english() -> None:
    invalid = InvalidValue(
        {
            "name": problem("too_long", "must be at most 200 characters", limit=200),
            "items": problem("item_twice", "'Ausweis' is listed twice", label="Ausweis"),
            "other": "something the catalogue does not know",
        }
    )
    assert problems_text(invalid, "de") == {
        "name": "Höchstens 200 Zeichen.",
        "items": "„Ausweis“ steht doppelt in der Liste.",
        "other": "Diese Angabe ist nicht gültig.",
    }
    # The API keeps its English words.
    assert invalid.fields["name"] == "must be at most 200 characters"


def test_a_clients_refusal_names_the_field_of_the_upload_page() -> None:
    """The upload page shows one sentence per file: a problem with the name or address
    the client typed says which field it is in (the staff pages mark the field itself)."""
    invalid = InvalidValue(
        {
            "uploader_email": problem("invalid_email", "is not a valid e-mail address"),
            "uploader_name": problem("control_characters", "must not contain control characters"),
        }
    )
    assert people_error_text(invalid, "de") == (
        "Ihre E-Mail-Adresse: Keine gültige E-Mail-Adresse."
        " Ihr Name: Enthält unzulässige Steuerzeichen."
    )
    assert people_error_text(invalid, "en").startswith("Your e-mail address: ")
    # Other refusals read as before.
    too_many = TooManyFiles("x", count=1)
    assert people_error_text(too_many, "de") == error_text(too_many, "de")


def test_an_unknown_code_reads_as_a_general_sentence_never_as_server_english() -> None:

    from domain.errors import DomainError

    class NewRefusal(DomainError):
        code = "something_new"

    assert error_text(NewRefusal("Some English."), "de") == (
        "Etwas ist schiefgegangen. Bitte versuchen Sie es noch einmal."
    )


@pytest.mark.parametrize(
    ("size", "german", "english"),
    [
        (0, "0 Byte", "0 bytes"),
        (1, "1 Byte", "1 byte"),
        (1023, "1023 Byte", "1023 bytes"),
        (50_500, "49,3 KB", "49.3 KB"),
        (1_048_576, "1,0 MB", "1.0 MB"),
        (2_500_000, "2,4 MB", "2.4 MB"),
        (1_048_575, "1,0 MB", "1.0 MB"),
        (5 * 1024**3, "5,0 GB", "5.0 GB"),
    ],
)
def test_one_size_formatter_with_one_base(size: int, german: str, english: str) -> None:
    assert file_size(size, "de") == german
    assert file_size(size, "en") == english


def test_file_types_in_words() -> None:
    assert file_types(["application/pdf"], "de") == "PDF-Dokumente"
    assert file_types(["application/pdf", "image/jpeg", "image/png"], "de") == (
        "PDF-Dokumente, JPEG-Bilder und PNG-Bilder"
    )
    assert file_types(["application/x-unheard-of"], "en") == "other documents"


def test_times_in_the_organisations_zone() -> None:
    late = datetime(2027, 1, 1, 23, 59, tzinfo=UTC)
    assert Formats("de").datetime(late) == "02.01.2027, 00:59"
    assert Formats("de").date(late) == "02.01.2027"
    assert Formats("en").datetime(late) == "2 January 2027, 00:59"
    assert Formats("de", "Europe/London").datetime(late) == "01.01.2027, 23:59"
    summer = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
    assert Formats("de", "Europe/Berlin").time(summer) == "14:00"
    assert Formats("de").iso(late) == "2027-01-01T23:59:00+00:00"


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Europe/Vienna", "UTC", "America/New_York"])
def test_known_time_zones_are_accepted(zone: str) -> None:
    assert time_zone(zone) == zone


@pytest.mark.parametrize(
    "zone", ["", "Mars/Olympus", "../../etc/passwd", "Europe/Berlin\x00", 3, None, "x" * 65]
)
def test_unknown_time_zones_are_refused_naming_the_field(zone: object) -> None:
    with pytest.raises(InvalidValue) as refused:
        time_zone(zone)
    assert refused.value.problems["time_zone"].code == "invalid_time_zone"


@pytest.mark.parametrize(
    ("choices", "header", "chosen"),
    [
        ((None, None), None, "de"),
        (("en", None), "de-DE", "en"),
        ((None, "en"), "de-DE", "en"),
        (("fr", None), "fr-FR, en;q=0.8, de;q=0.9", "de"),
        ((None, None), "en-GB,en;q=0.9", "en"),
        ((None, None), "de;q=0, en;q=0.1", "en"),
        (("xx", "yy"), "garbage;;q=abc", "de"),
    ],
)
def test_one_language_negotiation(
    choices: tuple[str | None, str | None], header: str | None, chosen: str
) -> None:
    assert negotiate(*choices, accept_language=header) == chosen
