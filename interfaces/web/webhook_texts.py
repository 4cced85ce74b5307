"""The webhook pages' words, in German (default) and English (`w` in their templates)."""

from __future__ import annotations

WEBHOOK_TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "title": "Webhooks",
        "intro": (
            "Webhooks melden Ereignisse Ihrer Organisation an andere Programme (Kanzlei"
            "software, Dokumentenablage, Automatisierung). Sie enthalten nur Kennungen, "
            "Art und Zeit – nie Namen, E-Mail-Adressen oder Dateinamen; das empfangende "
            "Programm fragt den Rest über die API ab. Jede Zustellung ist nach Standard "
            "Webhooks signiert."
        ),
        "settings_link": "Webhooks verwalten",
        "settings_hint": "Ereignisse an andere Programme melden, signiert.",
        "none": "Noch keine Webhooks.",
        "url": "Adresse (URL)",
        "url_hint": "Beginnt mit https://; Adressen in internen Netzen sind nicht erlaubt.",
        "events": "Ereignisse",
        "register": "Webhook anlegen",
        "new": "Neuer Webhook",
        "enabled": "Aktiv",
        "disabled_by_staff": "Abgeschaltet",
        "disabled_gone": "Abgeschaltet: der Empfänger meldete, dass es ihn nicht mehr gibt (410)",
        "switch_off": "Abschalten",
        "switch_on": "Wieder einschalten",
        "rotate": "Neues Geheimnis",
        "rotate_confirm": (
            "Ein neues Geheimnis erzeugen? Das bisherige gilt noch 24 Stunden weiter."
        ),
        "remove": "Entfernen",
        "remove_confirm": "Diesen Webhook wirklich entfernen? Es wird nichts mehr zugestellt.",
        "log": "Zustellungen ansehen",
        "created": "Angelegt",
        "secret_title": "Signiergeheimnis",
        "secret_text": (
            "Kopieren Sie das Geheimnis jetzt in das empfangende Programm: es wird nur dieses "
            "eine Mal angezeigt."
        ),
        "secret_rotated_text": (
            "Das neue Geheimnis gilt ab sofort; 24 Stunden lang tragen Zustellungen "
            "zusätzlich die Signatur mit dem bisherigen."
        ),
        "secret": "Geheimnis",
        "back": "Zurück zu den Webhooks",
        "log_title": "Zustellungen",
        "log_intro": "Die letzten 100 Zustellungen mit jedem Versuch, neueste zuerst.",
        "log_empty": "Noch keine Zustellungen.",
        "event": "Ereignis",
        "occurred": "Zeitpunkt",
        "state": "Stand",
        "attempts": "Versuche",
        "next_attempt": "Nächster Versuch",
        "answer": "Antwort {status}",
        "send_again": "Erneut senden",
        "to_customer": "Zum Kunden",
        "error_refused": "Adresse gesperrt (internes Netz)",
        "error_unreachable": "Nicht erreichbar oder keine Antwort in 15 Sekunden",
        "error_redirect": "Weiterleitung (wird nicht verfolgt)",
        "state_pending": "Ausstehend",
        "state_delivered": "Zugestellt",
        "state_failed": "Fehlgeschlagen",
        "state_stopped": "Angehalten",
        "done_saved": "Gespeichert.",
        "done_removed": "Webhook entfernt.",
        "done_queued": "Die Zustellung wird erneut gesendet.",
        "type_customer.created": "Kunde angelegt",
        "type_customer.updated": "Kundendaten geändert",
        "type_customer.status_changed": "Status geändert",
        "type_customer.deleted": "Kunde gelöscht",
        "type_link.created": "Upload-Link erstellt",
        "type_link.sent": "Upload-Link versendet",
        "type_link.revoked": "Upload-Link zurückgezogen",
        "type_link.expired": "Upload-Link abgelaufen",
        "type_file.uploaded": "Datei hochgeladen",
        "type_file.reviewed": "Datei geprüft",
        "type_file.infected": "Schadsoftware in Datei gefunden",
        "type_reminder.sent": "Erinnerung versendet",
    },
    "en": {
        "title": "Webhooks",
        "intro": (
            "Webhooks tell other programs (practice software, document storage, automation) "
            "about your organisation's events. They carry ids, type and time only – never "
            "names, e-mail addresses or file names; the receiving program asks the API for "
            "the rest. Every delivery is signed per Standard Webhooks."
        ),
        "settings_link": "Manage webhooks",
        "settings_hint": "Tell other programs about events, signed.",
        "none": "No webhooks yet.",
        "url": "Address (URL)",
        "url_hint": "Starts with https://; addresses in internal networks are not allowed.",
        "events": "Events",
        "register": "Add webhook",
        "new": "New webhook",
        "enabled": "Active",
        "disabled_by_staff": "Switched off",
        "disabled_gone": "Switched off: the receiver said it no longer exists (410)",
        "switch_off": "Switch off",
        "switch_on": "Switch on again",
        "rotate": "New secret",
        "rotate_confirm": "Create a new secret? The current one stays valid for 24 hours.",
        "remove": "Remove",
        "remove_confirm": "Really remove this webhook? Nothing more will be delivered.",
        "log": "View deliveries",
        "created": "Added",
        "secret_title": "Signing secret",
        "secret_text": (
            "Copy the secret into the receiving program now: it is shown this one time only."
        ),
        "secret_rotated_text": (
            "The new secret applies at once; for 24 hours deliveries also carry the signature "
            "made with the previous one."
        ),
        "secret": "Secret",
        "back": "Back to the webhooks",
        "log_title": "Deliveries",
        "log_intro": "The last 100 deliveries with every attempt, newest first.",
        "log_empty": "No deliveries yet.",
        "event": "Event",
        "occurred": "Time",
        "state": "State",
        "attempts": "Attempts",
        "next_attempt": "Next attempt",
        "answer": "Answer {status}",
        "send_again": "Send again",
        "to_customer": "To the customer",
        "error_refused": "Address blocked (internal network)",
        "error_unreachable": "Unreachable, or no answer within 15 seconds",
        "error_redirect": "Redirect (not followed)",
        "state_pending": "Pending",
        "state_delivered": "Delivered",
        "state_failed": "Failed",
        "state_stopped": "Stopped",
        "done_saved": "Saved.",
        "done_removed": "Webhook removed.",
        "done_queued": "The delivery is being sent again.",
        "type_customer.created": "Customer added",
        "type_customer.updated": "Customer details changed",
        "type_customer.status_changed": "Status changed",
        "type_customer.deleted": "Customer deleted",
        "type_link.created": "Upload link created",
        "type_link.sent": "Upload link sent",
        "type_link.revoked": "Upload link revoked",
        "type_link.expired": "Upload link expired",
        "type_file.uploaded": "File uploaded",
        "type_file.reviewed": "File reviewed",
        "type_file.infected": "Malware found in a file",
        "type_reminder.sent": "Reminder sent",
    },
}


def attempt_problem(error: str | None, texts: dict[str, str]) -> str | None:
    """The delivery log's words for what went wrong (the log keeps technical detail)."""
    if error is None:
        return None
    if error.startswith("refused"):
        return texts["error_refused"]
    if error.startswith("redirect"):
        return texts["error_redirect"]
    return texts["error_unreachable"]
