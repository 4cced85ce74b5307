"""The activity history in plain words: German and English texts keyed by event type.

Texts are rendered when the history is read, from the data each row keeps, so
the language is the reader's choice and a better wording needs no rebuild.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from application.texts.formats import Formats
from application.texts.formats import file_size as size_text
from application.texts.languages import DEFAULT_LANGUAGE, LANGUAGES, from_accept_language

STATUS = {
    "de": {"open": "offen", "partial": "teilweise", "complete": "vollständig"},
    "en": {"open": "open", "partial": "partial", "complete": "complete"},
}
REVIEW = {
    "de": {"pending": "ausstehend", "checked": "geprüft", "query": "Rückfrage"},
    "en": {"pending": "pending", "checked": "checked", "query": "query"},
}
FIELDS = {
    "de": {
        "name": "Name",
        "email": "E-Mail",
        "company": "Firma",
        "customer_number": "Mandantennummer",
    },
    "en": {
        "name": "name",
        "email": "e-mail",
        "company": "company",
        "customer_number": "client number",
    },
}
UNTITLED = {"de": "ohne Titel", "en": "untitled"}
AUTOMATIC = {"de": " (automatisch, erster Upload)", "en": " (automatically, first upload)"}
# Back to open by itself: the last received file was taken back or deleted.
REOPENED = {
    "de": " (automatisch, keine Datei mehr vorhanden)",
    "en": " (automatically, no file left)",
}
BY_CLIENT = {"de": " von {who}", "en": " by {who}"}
BY_MEMBER = {"de": " – {who}", "en": " – {who}"}
COMMENT = {"de": ": {comment}", "en": ": {comment}"}

TEXTS: dict[str, dict[str, str]] = {
    "CustomerCreated": {
        "de": "Kunde „{name}“ angelegt",
        "en": "Customer “{name}” created",
    },
    "CustomerDetailsChanged": {
        "de": "Kundendaten geändert: {fields}",
        "en": "Customer details changed: {fields}",
    },
    "StatusChanged": {
        "de": "Status von „{old_status}“ auf „{new_status}“ geändert{how}",
        "en": "Status changed from “{old_status}” to “{new_status}”{how}",
    },
    "NoteAdded": {
        "de": "Interne Notiz hinzugefügt",
        "en": "Internal note added",
    },
    "NoteEdited": {
        "de": "Interne Notiz geändert",
        "en": "Internal note changed",
    },
    "NoteDeleted": {
        "de": "Interne Notiz gelöscht",
        "en": "Internal note deleted",
    },
    "UploadLinkCreated": {
        "de": "Upload-Link „{title}“ erstellt, gültig bis {expires_at}",
        "en": "Upload link “{title}” created, valid until {expires_at}",
    },
    "UploadLinkSendRequested": {
        "de": "Versand des Upload-Links „{title}“ an {to} angestoßen",
        "en": "Upload link “{title}” queued for sending to {to}",
    },
    "QuestionsSendRequested": {
        "de": "Rückfragen zum Upload-Link „{title}“ per E-Mail an {to}",
        "en": "Questions about upload link “{title}” e-mailed to {to}",
    },
    "QueryAnswered": {
        "de": "Rückfrage beantwortet (neue Datei): {question}",
        "en": "Query answered (new file): {question}",
    },
    "FileQueryAnswered": {
        "de": "Rückfrage zu „{filename}“ beantwortet (neue Datei): {question}",
        "en": "Query about “{filename}” answered (new file): {question}",
    },
    "UploadLinkSent": {
        "de": "Upload-Link „{title}“ an {to} gesendet",
        "en": "Upload link “{title}” sent to {to}",
    },
    "UploadLinkSendFailed": {
        "de": "Upload-Link „{title}“ konnte nicht an {to} gesendet werden",
        "en": "Upload link “{title}” could not be sent to {to}",
    },
    "UploadLinkRevoked": {
        "de": "Upload-Link „{title}“ widerrufen",
        "en": "Upload link “{title}” revoked",
    },
    "UploadLinkExpired": {
        "de": "Upload-Link „{title}“ abgelaufen",
        "en": "Upload link “{title}” expired",
    },
    "UploadLinkExtended": {
        "de": "Upload-Link „{title}“ verlängert bis {expires_at}",
        "en": "Upload link “{title}” extended until {expires_at}",
    },
    "UploadLinkReactivated": {
        "de": "Upload-Link „{title}“ reaktiviert, gültig bis {expires_at}",
        "en": "Upload link “{title}” reactivated, valid until {expires_at}",
    },
    "PasswordAttemptFailed": {
        "de": "Falsches Passwort für Upload-Link „{title}“",
        "en": "Wrong password for upload link “{title}”",
    },
    "UploadLinkLocked": {
        "de": "Upload-Link „{title}“ nach zu vielen falschen Passwörtern gesperrt",
        "en": "Upload link “{title}” locked after too many wrong passwords",
    },
    "UploadLinkUnlocked": {
        "de": "Upload-Link „{title}“ entsperrt",
        "en": "Upload link “{title}” unlocked",
    },
    "TemplateUsed": {
        "de": "Upload-Link „{title}“ aus einer Vorlage erstellt",
        "en": "Upload link “{title}” made from a template",
    },
    "DueDateSet": {
        "de": "Upload-Link „{title}“: fällig bis {due_at}",
        "en": "Upload link “{title}”: due by {due_at}",
    },
    "RemindersSwitched": {
        "de": "Upload-Link „{title}“: automatische Erinnerungen {enabled}",
        "en": "Upload link “{title}”: automatic reminders {enabled}",
    },
    "ReminderScheduleSet": {
        "de": "Upload-Link „{title}“: Erinnerungen {schedule}",
        "en": "Upload link “{title}”: reminders {schedule}",
    },
    "ReminderSent": {
        "de": "{how} an {to} gesendet ({title}){missing}",
        "en": "{how} sent to {to} ({title}){missing}",
    },
    "FileUploaded": {
        "de": "Datei „{filename}“ ({size}) hochgeladen{by}",
        "en": "File “{filename}” ({size}) uploaded{by}",
    },
    "FileReviewed": {
        "de": "Datei „{filename}“ als „{state}“ markiert{comment}",
        "en": "File “{filename}” marked “{state}”{comment}",
    },
    "FileDeleted": {
        "de": "Datei „{filename}“ {how}",
        "en": "File “{filename}” {how}",
    },
    "FileFoundClean": {
        "de": "Datei „{filename}“ auf Viren geprüft: sauber",
        "en": "File “{filename}” scanned for viruses: clean",
    },
    "FileQuarantined": {
        "de": "Datei „{filename}“ enthält Schadsoftware ({signature}) und wurde gesperrt",
        "en": "File “{filename}” contains malware ({signature}) and was quarantined",
    },
    "FileScanFailed": {
        "de": "Virenprüfung der Datei „{filename}“ fehlgeschlagen, sie wird wiederholt",
        "en": "Virus scan of file “{filename}” failed; it will be retried",
    },
    "FileSent": {
        "de": "Datei „{filename}“ ({size}) an den Kunden gesendet, abrufbar bis {expires_at}",
        "en": "File “{filename}” ({size}) sent to the customer, available until {expires_at}",
    },
    "SentFileDownloaded": {
        "de": "Gesendete Datei „{filename}“ vom Kunden heruntergeladen",
        "en": "Sent file “{filename}” downloaded by the customer",
    },
    "SentFileRevoked": {
        "de": "Gesendete Datei „{filename}“ zurückgezogen",
        "en": "Sent file “{filename}” withdrawn",
    },
}


def language(value: str | None) -> str:
    """`en`, `en-GB`, `de-DE, en;q=0.5` ... -> the first supported language, else German."""
    return from_accept_language(value) or DEFAULT_LANGUAGE


def file_size(size: Any, lang: str) -> str:
    return size_text(size, lang) if isinstance(size, int) else "?"


def date(value: Any, lang: str, zone: str | None = None) -> str:
    if not isinstance(value, str):
        return "?"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return Formats(lang, zone).date(moment)


def _status_how(data: dict[str, Any], lang: str) -> str:
    if not data.get("automatic"):
        return ""
    return REOPENED[lang] if data.get("new_status") == "open" else AUTOMATIC[lang]


def _status_changed(data: dict[str, Any], lang: str, zone: str | None) -> dict[str, Any]:
    return {
        "old_status": STATUS[lang].get(data.get("old_status", ""), data.get("old_status")),
        "new_status": STATUS[lang].get(data.get("new_status", ""), data.get("new_status")),
        "how": _status_how(data, lang),
    }


def _details_changed(data: dict[str, Any], lang: str, zone: str | None) -> dict[str, Any]:
    names = [FIELDS[lang].get(name, name) for name in sorted(data.get("changes", {}))]
    return {"fields": ", ".join(names)}


def _upload(data: dict[str, Any], lang: str, zone: str | None) -> dict[str, Any]:
    who = data.get("uploader_name")
    return {
        "size": file_size(data.get("size"), lang),
        "by": BY_CLIENT[lang].format(who=who) if who else "",
    }


def _review(data: dict[str, Any], lang: str, zone: str | None) -> dict[str, Any]:
    comment = data.get("comment")
    return {
        "state": REVIEW[lang].get(data.get("state", ""), data.get("state")),
        "comment": COMMENT[lang].format(comment=comment) if comment else "",
    }


def _sent(data: dict[str, Any], lang: str, zone: str | None) -> dict[str, Any]:
    return {
        "size": file_size(data.get("size"), lang),
        "expires_at": date(data.get("expires_at"), lang, zone),
    }


def _file_deleted(data: dict[str, Any], lang: str, zone: str | None) -> dict[str, Any]:
    if data.get("by_client"):
        how = {
            "de": "vom Absender innerhalb von 15 Minuten zurückgenommen",
            "en": "taken back by its sender within 15 minutes",
        }
    elif data.get("reason") == "retention":
        how = {
            "de": "automatisch gelöscht nach Aufbewahrungsfrist",
            "en": "deleted automatically after the retention period",
        }
    else:
        how = {"de": "gelöscht", "en": "deleted"}
    return {"how": how[lang]}


def _link_created(data: dict[str, Any], lang: str, zone: str | None) -> dict[str, Any]:
    return {"expires_at": date(data.get("expires_at"), lang, zone)}


def _due_date_set(data: dict[str, Any], lang: str, zone: str | None) -> dict[str, Any]:
    if data.get("due_at") is None:
        return {"due_at": {"de": "kein Fälligkeitsdatum", "en": "no due date"}[lang]}
    return {"due_at": date(data.get("due_at"), lang, zone)}


def _reminders_switched(data: dict[str, Any], lang: str, zone: str | None) -> dict[str, Any]:
    on = {"de": ("eingeschaltet", "ausgeschaltet"), "en": ("switched on", "switched off")}[lang]
    return {"enabled": on[0] if data.get("enabled") else on[1]}


def _reminder_schedule_set(data: dict[str, Any], lang: str, zone: str | None) -> dict[str, Any]:
    plan = data.get("schedule")
    if not plan:
        return {
            "schedule": {
                "de": "nach dem Plan der Organisation",
                "en": "by the organisation's schedule",
            }[lang]
        }
    return {"schedule": schedule_words(plan, lang)}


def schedule_words(plan: dict[str, Any], lang: str) -> str:
    """`7 und 2 Tage vor dem Fälligkeitsdatum, danach alle 3 Tage, höchstens 5`."""
    before = [str(day) for day in plan.get("days_before") or []]
    after = int(plan.get("every_days_after") or 0)
    most = int(plan.get("max_count") or 0)
    joined = {"de": " und ", "en": " and "}[lang]
    parts: list[str] = []
    if before:
        days = ", ".join(before[:-1]) + joined + before[-1] if len(before) > 1 else before[0]
        one = before == ["1"]
        parts.append(
            {
                "de": f"{days} {'Tag' if one else 'Tage'} vor dem Fälligkeitsdatum",
                "en": f"{days} {'day' if one else 'days'} before the due date",
            }[lang]
        )
    if after:
        parts.append(
            {
                "de": "danach täglich" if after == 1 else f"danach alle {after} Tage",
                "en": "then daily" if after == 1 else f"then every {after} days",
            }[lang]
        )
    parts.append({"de": f"höchstens {most}", "en": f"at most {most}"}[lang])
    return ", ".join(parts)


def _reminder(data: dict[str, Any], lang: str, zone: str | None) -> dict[str, Any]:
    how = {
        "de": ("Erinnerung von Hand", "Automatische Erinnerung"),
        "en": ("Reminder by hand", "Automatic reminder"),
    }[lang]
    missing = [str(item) for item in data.get("missing") or []]
    named = {"de": "; es fehlen: {items}", "en": "; missing: {items}"}[lang]
    return {
        "how": how[0] if data.get("by_hand") else how[1],
        "missing": named.format(items=", ".join(missing)) if missing else "",
    }


# Values that need more than copying from the row's data, per event type.
DERIVED: dict[str, Callable[[dict[str, Any], str, str | None], dict[str, Any]]] = {
    "StatusChanged": _status_changed,
    "CustomerDetailsChanged": _details_changed,
    "UploadLinkCreated": _link_created,
    "UploadLinkExtended": _link_created,
    "UploadLinkReactivated": _link_created,
    "FileUploaded": _upload,
    "FileReviewed": _review,
    "FileSent": _sent,
    "FileDeleted": _file_deleted,
    "DueDateSet": _due_date_set,
    "RemindersSwitched": _reminders_switched,
    "ReminderScheduleSet": _reminder_schedule_set,
    "ReminderSent": _reminder,
}


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def summary(
    event_type: str, data: dict[str, Any], lang: str = DEFAULT_LANGUAGE, zone: str | None = None
) -> str:
    """One line in `lang` (German unless `en`) saying what happened."""
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    texts = TEXTS.get(event_type)
    if texts is None:
        return event_type
    values = _Missing({k: v for k, v in data.items() if v is not None})
    values.setdefault("title", UNTITLED[lang])
    derive = DERIVED.get(event_type)
    if derive:
        values.update(derive(data, lang, zone))
    return texts[lang].format_map(values)


def signed(text: str, who: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The summary with the name of the team member who did it, where there is one."""
    if not who:
        return text
    return text + BY_MEMBER[lang if lang in LANGUAGES else DEFAULT_LANGUAGE].format(who=who)
