"""The refusal catalogue: every refusal and validation problem people can meet, by its stable
code, in German and English, with its values written for people.

Errors carry a code and values (`DomainError.code`/`params`, `Problem.code`/`params`); this
is the one place that turns them into sentences. A code without an entry reads as a general
sentence in the reader's language, never as the server's English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from application.texts.formats import file_size, file_types
from application.texts.languages import DEFAULT_LANGUAGE, LANGUAGES
from domain.errors import DomainError, InvalidValue, Problem

#: A sentence, or (singular, plural) chosen by the value `count`.
Sentence = str | tuple[str, str]

#: Refusals of a whole request, by `DomainError.code`.
REFUSALS: dict[str, dict[str, Sentence]] = {
    "file_too_large": {
        "de": "„{filename}“ ist zu groß: höchstens {max_size} pro Datei.",
        "en": "“{filename}” is too large: at most {max_size} per file.",
    },
    "file_type_not_allowed": {
        "de": "„{filename}“ kann hier nicht hochgeladen werden: nur {types}.",
        "en": "“{filename}” cannot be uploaded here: only {types}.",
    },
    "max_files_reached": {
        "de": (
            "Über diesen Link ist höchstens 1 Datei möglich; sie ist schon da.",
            "Über diesen Link sind höchstens {count} Dateien möglich; sie sind schon alle da.",
        ),
        "en": (
            "This link takes at most 1 file, and it has arrived.",
            "This link takes at most {count} files, and all of them have arrived.",
        ),
    },
    "too_many_files": {
        "de": ("Es ist nur noch 1 Datei möglich.", "Es sind nur noch {count} Dateien möglich."),
        "en": ("Only 1 more file is possible.", "Only {count} more files are possible."),
    },
    "password_required": {
        "de": "Bitte geben Sie das Passwort ein.",
        "en": "Please enter the password.",
    },
    "password_invalid": {
        "de": "Das Passwort stimmt nicht.",
        "en": "The password is not correct.",
    },
    "link_expired": {
        "de": "Dieser Upload-Link ist abgelaufen.",
        "en": "This upload link has expired.",
    },
    "link_revoked": {
        "de": "Dieser Upload-Link wurde zurückgezogen.",
        "en": "This upload link has been revoked.",
    },
    "link_locked": {
        "de": "Nach zu vielen falschen Passwörtern ist dieser Link gesperrt.",
        "en": "This link is locked after too many wrong passwords.",
    },
    "not_found": {
        "de": "Das gibt es nicht (mehr), oder es gehört nicht zu Ihrer Organisation.",
        "en": "This does not exist (any more), or it is not your organisation's.",
    },
    # The same 404 on the client's pages: a client has no organisation.
    "not_found_for_people": {
        "de": "Das gibt es hier nicht (mehr). Bitte prüfen Sie die Adresse.",
        "en": "This is not here (any more). Please check the address.",
    },
    "forbidden": {
        "de": "Dafür fehlt Ihrer Rolle die Berechtigung.",
        "en": "Your role is not allowed to do this.",
    },
    "note_not_yours": {
        "de": "Eine Notiz ändern oder löschen kann nur, wer sie geschrieben hat, oder ein Admin.",
        "en": "Only the note's author or an admin can change or delete it.",
    },
    "csrf_failed": {
        "de": (
            "Das Formular ist veraltet oder kam nicht von dieser Seite. Bitte laden Sie die "
            "Seite neu und versuchen Sie es noch einmal."
        ),
        "en": (
            "The form is out of date or was not sent from this site. Please reload the page "
            "and try again."
        ),
    },
    "plan_limit_reached": {
        "de": (
            "Ihr Tarif erlaubt keine weiteren Kunden. Wechseln Sie den Tarif in den Einstellungen."
        ),
        "en": "Your plan allows no more customers. Change the plan in the settings.",
    },
    "conflict": {
        "de": "Das hat sich gerade überschnitten. Bitte versuchen Sie es noch einmal.",
        "en": "Something changed at the same moment. Please try again.",
    },
    "account_exists": {
        "de": "Mit dieser E-Mail-Adresse gibt es bereits ein Konto. Bitte laden Sie eine"
        " andere Adresse ein.",
        "en": "There is an account with this e-mail address already. Please invite another"
        " address.",
    },
    "already_invited": {
        "de": "Diese Adresse ist bereits eingeladen. Unter „Offene Einladungen“ können Sie die"
        " Einladung erneut senden.",
        "en": "This address has an open invitation already. You can send it again under"
        " “Open invitations”.",
    },
    "already_member": {
        "de": "Diese Person gehört bereits zu Ihrem Team.",
        "en": "This person is a member of your team already.",
    },
    "link_not_extendable": {
        "de": "Dieser Link ist abgelaufen oder widerrufen; reaktivieren Sie ihn stattdessen.",
        "en": "This link has expired or been revoked; reactivate it instead.",
    },
    "link_already_active": {
        "de": "Dieser Link ist noch gültig; verlängern Sie ihn stattdessen.",
        "en": "This link is still valid; extend it instead.",
    },
    "last_owner": {
        "de": "Die Organisation braucht mindestens einen Inhaber.",
        "en": "The organisation needs at least one owner.",
    },
    "mail_not_sent": {
        "de": (
            "Die Einladung ist gespeichert, aber die E-Mail konnte nicht versendet werden. "
            "Bitte laden Sie erneut ein."
        ),
        "en": "The invitation is recorded but its e-mail could not be sent. Please invite again.",
    },
    "rate_limited": {
        "de": "Zu viele Versuche. Bitte warten Sie einen Moment und versuchen Sie es erneut.",
        "en": "Too many attempts. Please wait a moment and try again.",
    },
    "request_too_large": {
        "de": "Die Sendung ist zu groß.",
        "en": "What was sent is too large.",
    },
    "file_not_on_link": {
        "de": "Diese Datei gibt es über diesen Link nicht (mehr).",
        "en": "This file is not (or no longer) on this link.",
    },
    "removal_refused": {
        "de": "Diese Datei kann von hier aus nicht entfernt werden.",
        "en": "This file cannot be removed from here.",
    },
    "removal_too_late": {
        "de": (
            "Eine Datei kann nur innerhalb von {minutes} Minuten nach dem Hochladen entfernt"
            " werden. Bitte wenden Sie sich an die Kanzlei, wenn sie nicht dorthin gehört."
        ),
        "en": (
            "A file can be removed only within {minutes} minutes of its upload. Please"
            " contact the office if it does not belong there."
        ),
    },
    "file_gone": {
        "de": "Diese Datei wurde bereits entfernt.",
        "en": "This file was removed already.",
    },
    "file_not_scanned": {
        "de": "Die Datei wird noch auf Viren geprüft. Bitte versuchen Sie es gleich noch einmal.",
        "en": "The file is still being scanned for viruses. Please try again shortly.",
    },
    "file_infected": {
        "de": "In dieser Datei wurde Schadsoftware gefunden; sie ist gesperrt.",
        "en": "Malware was found in this file; it is blocked.",
    },
    "preview_not_available": {
        "de": "Diese Art von Datei kann nicht im Browser angezeigt werden; bitte herunterladen.",
        "en": "This kind of file cannot be shown in the browser; please download it.",
    },
    "invitation_used": {
        "de": "Diese Einladung wurde schon angenommen.",
        "en": "This invitation has already been accepted.",
    },
    "invitation_expired": {
        "de": "Diese Einladung ist abgelaufen. Bitte lassen Sie sich erneut einladen.",
        "en": "This invitation has expired. Please ask for a new one.",
    },
    "invitation_unknown": {
        "de": "Diese Einladung gibt es nicht. Bitte prüfen Sie den Link aus der E-Mail.",
        "en": "This invitation does not exist. Please check the link from the e-mail.",
    },
    "invitation_withdrawn": {
        "de": "Diese Einladung wurde zurückgenommen. Bitte lassen Sie sich erneut einladen.",
        "en": "This invitation has been withdrawn. Please ask for a new one.",
    },
    "validation_failed": {
        "de": "Die Eingabe ist nicht gültig.",
        "en": "The input is not valid.",
    },
    "internal_error": {
        "de": "Etwas ist schiefgegangen. Bitte versuchen Sie es noch einmal.",
        "en": "Something went wrong. Please try again.",
    },
}

#: Problems with one field, by `Problem.code`.
PROBLEMS: dict[str, dict[str, Sentence]] = {
    "webhook_url": {
        "de": "Bitte eine vollständige Adresse angeben, z. B. https://beispiel.de/webhook.",
        "en": "Please give a complete address, e.g. https://example.com/webhook.",
    },
    "webhook_url_blanks": {
        "de": "Die Adresse darf keine Leer- oder Steuerzeichen enthalten.",
        "en": "The address must not contain blanks or control characters.",
    },
    "webhook_url_scheme": {
        "de": "Die Adresse muss mit https:// (oder http://) beginnen.",
        "en": "The address must start with https:// (or http://).",
    },
    "webhook_url_credentials": {
        "de": "Die Adresse darf keinen Benutzernamen und kein Passwort enthalten.",
        "en": "The address must not contain a user name or password.",
    },
    "webhook_url_fragment": {
        "de": "Die Adresse darf keinen Anker (#…) enthalten.",
        "en": "The address must not contain an anchor (#…).",
    },
    "webhook_address_refused": {
        "de": "Diese Adresse liegt in einem internen Netz; Webhooks gehen nur ins Internet.",
        "en": "This address is in an internal network; webhooks go to the internet only.",
    },
    "webhook_events": {
        "de": "Bitte mindestens ein Ereignis wählen.",
        "en": "Please choose at least one event.",
    },
    "webhook_event_unknown": {
        "de": "Unbekanntes Ereignis.",
        "en": "Unknown event.",
    },
    "required": {"de": "Bitte ausfüllen.", "en": "Please fill this in."},
    "not_text": {"de": "Bitte als Text angeben.", "en": "Please give this as text."},
    "too_long": {
        "de": ("Höchstens 1 Zeichen.", "Höchstens {count} Zeichen."),
        "en": ("At most 1 character.", "At most {count} characters."),
    },
    "too_short": {
        "de": ("Mindestens 1 Zeichen.", "Mindestens {count} Zeichen."),
        "en": ("At least 1 character.", "At least {count} characters."),
    },
    "length_range": {
        "de": "Zwischen {low} und {high} Zeichen.",
        "en": "Between {low} and {high} characters.",
    },
    "control_characters": {
        "de": "Enthält unzulässige Steuerzeichen.",
        "en": "Contains control characters that are not allowed.",
    },
    "not_unicode": {"de": "Enthält ungültige Zeichen.", "en": "Contains invalid characters."},
    "invalid_email": {"de": "Keine gültige E-Mail-Adresse.", "en": "Not a valid e-mail address."},
    "query_needs_comment": {
        "de": "Für eine Rückfrage bitte einen Kommentar angeben.",
        "en": "A query needs a comment for the client.",
    },
    "too_many_items": {
        "de": ("Höchstens 1 Unterlage.", "Höchstens {count} Unterlagen."),
        "en": ("At most 1 document.", "At most {count} documents."),
    },
    "item_without_label": {
        "de": "Jede Unterlage braucht eine Bezeichnung.",
        "en": "Every document needs a label.",
    },
    "item_twice": {
        "de": "„{label}“ steht doppelt in der Liste.",
        "en": "“{label}” is listed twice.",
    },
    "not_requested_item": {
        "de": "Diese Unterlage wird über diesen Link nicht angefordert.",
        "en": "This document is not requested through this link.",
    },
    "not_in_future": {"de": "Muss in der Zukunft liegen.", "en": "Must be in the future."},
    "beyond_a_year": {"de": "Höchstens ein Jahr im Voraus.", "en": "At most a year ahead."},
    "due_after_expiry": {
        "de": "Darf nicht nach dem Ablauf des Links liegen; verlängern Sie dazu auch „Gültig bis“.",
        "en": "Must not be after the link expires; to allow it, extend “Valid until” as well.",
    },
    "no_open_question": {
        "de": "Zu dieser Datei ist keine Rückfrage offen.",
        "en": "There is no open question about this file.",
    },
    "not_later": {
        "de": "Muss nach dem bisherigen Ablaufdatum liegen.",
        "en": "Must be later than the current expiry.",
    },
    "before_due": {
        "de": "Darf nicht vor dem Fälligkeitsdatum liegen.",
        "en": "Must not be before the due date.",
    },
    "size_not_positive": {"de": "Eine Zahl über 0.", "en": "A number above 0."},
    "size_above_ceiling": {
        "de": "Höchstens {max_size} (Grenze dieses Systems).",
        "en": "At most {max_size} (the limit of this system).",
    },
    "schedule_days": {
        "de": "Ganze Tage von 1 bis {high}, durch Kommas getrennt, jeder nur einmal.",
        "en": "Whole days from 1 to {high}, separated by commas, each only once.",
    },
    "number_range": {
        "de": "Eine ganze Zahl von {low} bis {high}.",
        "en": "A whole number from {low} to {high}.",
    },
    "customer_without_email": {
        "de": "Der Kunde hat keine E-Mail-Adresse; bitte eine angeben.",
        "en": "The customer has no e-mail address; please give one.",
    },
    "invalid_date": {"de": "Kein gültiges Datum.", "en": "Not a valid date."},
    "invalid_time_zone": {
        "de": "Keine bekannte Zeitzone (z. B. Europe/Berlin).",
        "en": "Not a known time zone (e.g. Europe/Berlin).",
    },
    "choose_file": {"de": "Bitte eine Datei auswählen.", "en": "Please choose a file."},
    "not_a_color": {
        "de": "Bitte eine Farbe als #rrggbb angeben, z. B. #0b5cad.",
        "en": "Please give a colour as #rrggbb, e.g. #0b5cad.",
    },
    "contrast_too_low": {
        "de": (
            "Weiße Schrift auf {color} hat nur einen Kontrast von {ratio} : 1; nötig sind"
            " mindestens {minimum} : 1. Bitte eine dunklere Farbe wählen."
        ),
        "en": (
            "White text on {color} has a contrast of only {ratio} : 1; at least {minimum} : 1"
            " is needed. Please choose a darker colour."
        ),
    },
    "logo_type": {
        "de": "Das Logo muss ein PNG- oder JPEG-Bild sein.",
        "en": "The logo must be a PNG or JPEG image.",
    },
    "logo_too_large": {
        "de": "Das Logo ist zu groß: höchstens {max_size}.",
        "en": "The logo is too large: at most {max_size}.",
    },
    "logo_too_many_pixels": {
        "de": "Das Logo ist zu groß: höchstens {count} × {count} Pixel.",
        "en": "The logo is too large: at most {count} × {count} pixels.",
    },
    "logo_unreadable": {
        "de": "Das Bild lässt sich nicht lesen; bitte als PNG oder JPEG neu speichern.",
        "en": "The image cannot be read; please save it again as PNG or JPEG.",
    },
    "empty_file": {
        "de": "„{filename}“ ist leer.",
        "en": "“{filename}” is empty.",
    },
    "not_a_choice": {
        "de": "Bitte eine der Möglichkeiten wählen.",
        "en": "Please pick one of the choices.",
    },
    "invalid": {"de": "Diese Angabe ist nicht gültig.", "en": "This is not valid."},
}


def _lang(lang: str) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def _values(params: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Values written for people: sizes in KB/MB, MIME types in words, counts as numbers."""
    values = dict(params)
    for name, value in params.items():
        if name.endswith("_size") and isinstance(value, int):
            values[name] = file_size(value, lang)
    if "types" in params and not isinstance(params["types"], str):
        values["types"] = file_types(params["types"], lang)
    if "limit" in params and "count" not in params:
        values["count"] = params["limit"]
    for name in ("ratio", "minimum"):
        # Contrast ratios, written with the reader's decimal mark (4,5 : 1).
        if isinstance(params.get(name), float):
            shown = f"{params[name]:.2f}".rstrip("0").rstrip(".")
            values[name] = shown.replace(".", ",") if lang == "de" else shown
    return values


def sentence(entry: Mapping[str, Sentence], lang: str, params: Mapping[str, Any]) -> str:
    """One catalogue entry in `lang`, singular or plural by `count`, values filled in."""
    lang = _lang(lang)
    values = _values(params, lang)
    chosen = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    if isinstance(chosen, tuple):
        chosen = chosen[0] if values.get("count") == 1 else chosen[1]
    try:
        return chosen.format(**values)
    except (KeyError, IndexError, ValueError):
        return chosen


def refusal_text(code: str, lang: str, params: Mapping[str, Any] | None = None) -> str:
    """A refusal by its stable code, in `lang`."""
    entry = REFUSALS.get(code) or REFUSALS["internal_error"]
    return sentence(entry, lang, params or {})


def problem_text(found: Problem, lang: str) -> str:
    """One field's problem in `lang`."""
    entry = PROBLEMS.get(found.code) or PROBLEMS["invalid"]
    return sentence(entry, lang, found.params)


def problems_text(invalid: InvalidValue, lang: str) -> dict[str, str]:
    """Every field's problem in `lang`, by field name."""
    return {name: problem_text(found, lang) for name, found in invalid.problems.items()}


#: The fields of the client's upload page, by their names in a refusal.
CLIENT_FIELDS: dict[str, dict[str, str]] = {
    "uploader_name": {"de": "Ihr Name", "en": "Your name"},
    "uploader_email": {"de": "Ihre E-Mail-Adresse", "en": "Your e-mail address"},
}


def people_error_text(error: DomainError, lang: str) -> str:
    """A refusal for the client's pages, which show one sentence per file: a problem with
    a field the client typed names that field ("Ihr Name: …")."""
    if isinstance(error, InvalidValue) and error.problems:
        return " ".join(
            f"{CLIENT_FIELDS[name].get(lang, CLIENT_FIELDS[name]['de'])}: {text}"
            if name in CLIENT_FIELDS
            else text
            for name, text in problems_text(error, lang).items()
        )
    if error.text_code is None and error.code == "not_found":
        return refusal_text("not_found_for_people", lang)
    return error_text(error, lang)


def error_text(error: DomainError, lang: str) -> str:
    """A refusal for people: the first field's problem for a validation, else by its code."""
    if isinstance(error, InvalidValue) and error.problems:
        return " ".join(problems_text(error, lang).values())
    return refusal_text(error.text_code or error.code, lang, error.params)
