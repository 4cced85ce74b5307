"""Words of the template pages and of the reminder schedule on the settings page (German
first, English second); `tt` in their templates."""

from __future__ import annotations

TEMPLATE_TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "title": "Vorlagen für Unterlagen",
        "intro": (
            "Listen angeforderter Unterlagen, die Sie beim Erstellen eines Upload-Links"
            " übernehmen können. Ein Link behält seine eigene Kopie: spätere Änderungen an"
            " der Vorlage ändern ihn nicht."
        ),
        "settings_hint": "Wiederkehrende Listen angeforderter Unterlagen, z. B. für die"
        " Einkommensteuer.",
        "settings_link": "Vorlagen verwalten",
        "new": "Neue Vorlage",
        "none": "Noch keine Vorlagen.",
        "documents": "Unterlagen",
        "count_one": "1 Unterlage",
        "count_many": "{count} Unterlagen",
        "edit": "Bearbeiten",
        "delete": "Löschen",
        "delete_confirm": "Vorlage „{name}“ löschen? Links, die daraus erstellt wurden,"
        " behalten ihre Unterlagen.",
        "name": "Name der Vorlage",
        "items": "Angeforderte Unterlagen",
        "items_hint": (
            "Eine Zeile je Unterlage. Leere Zeilen werden nicht gespeichert. Der Hinweis"
            " erscheint für Ihren Kunden unter der Unterlage."
        ),
        "row": "Unterlage {number}",
        "label": "Bezeichnung",
        "hint": "Hinweis (optional)",
        "remove_row": "Entfernen",
        "more_rows": "Weitere Zeilen",
        "save": "Vorlage speichern",
        "back": "Zurück zu den Vorlagen",
        "edit_title": "Vorlage „{name}“ bearbeiten",
        "done_template_saved": "Die Vorlage wurde gespeichert.",
        "done_template_deleted": "Die Vorlage wurde gelöscht.",
        "problems": "Bitte prüfen Sie die markierten Angaben.",
        # The organisation's reminder schedule (settings page).
        "reminders": "Automatische Erinnerungen",
        "reminders_hint": (
            "Für Links mit Fälligkeitsdatum, die per E-Mail versandt wurden: gesendet werktags"
            " von 8 bis 18 Uhr, solange Unterlagen fehlen. Für einzelne Links können Sie auf"
            " der Seite des Kunden einen eigenen Plan festlegen."
        ),
        "reminders_on": "Automatische Erinnerungen senden",
        "days_before": "Tage vor dem Fälligkeitsdatum",
        "days_before_hint": "Ganze Tage, durch Kommas getrennt, z. B. 7, 2. Leer: keine.",
        "every_days_after": "Danach alle … Tage",
        "every_days_after_hint": "0: nach dem Fälligkeitsdatum keine weiteren.",
        "max_count": "Höchstens … Erinnerungen",
        "reminders_off": "Ausgeschaltet",
        "save_reminders": "Erinnerungen speichern",
        # One link's reminders (customer page).
        "link_due": "Fällig bis",
        "link_due_hint": "Leer lassen: kein Fälligkeitsdatum. Die Erinnerungen richten"
        " sich nach dem neuen Datum.",
        "change_due": "Fälligkeitsdatum ändern",
        "link_schedule": "Erinnerungsplan für diesen Link",
        "schedule_organization": "Plan der Organisation",
        "schedule_own": "Eigener Plan",
        "schedule_off": "Keine automatischen Erinnerungen",
        "save_link_reminders": "Erinnerungen für diesen Link speichern",
        "next_reminder": "Nächste Erinnerung: {date}",
        "no_next_reminder": "Keine weitere Erinnerung geplant.",
    },
    "en": {
        "title": "Document templates",
        "intro": (
            "Lists of requested documents you can take over when creating an upload link."
            " A link keeps its own copy: later changes to the template do not change it."
        ),
        "settings_hint": "Recurring lists of requested documents, e.g. for the income tax.",
        "settings_link": "Manage templates",
        "new": "New template",
        "none": "No templates yet.",
        "documents": "Documents",
        "count_one": "1 document",
        "count_many": "{count} documents",
        "edit": "Edit",
        "delete": "Delete",
        "delete_confirm": "Delete the template “{name}”? Links made from it keep their documents.",
        "name": "Template name",
        "items": "Requested documents",
        "items_hint": (
            "One row per document. Empty rows are not saved. The hint is shown to your"
            " client below the document."
        ),
        "row": "Document {number}",
        "label": "Name",
        "hint": "Hint (optional)",
        "remove_row": "Remove",
        "more_rows": "More rows",
        "save": "Save template",
        "back": "Back to the templates",
        "edit_title": "Edit the template “{name}”",
        "done_template_saved": "The template was saved.",
        "done_template_deleted": "The template was deleted.",
        "problems": "Please check the marked entries.",
        "reminders": "Automatic reminders",
        "reminders_hint": (
            "For links with a due date that were sent by e-mail: sent on weekdays from 8 to"
            " 18 o'clock while documents are missing. You can give a single link its own"
            " schedule on the client's page."
        ),
        "reminders_on": "Send automatic reminders",
        "days_before": "Days before the due date",
        "days_before_hint": "Whole days, separated by commas, e.g. 7, 2. Empty: none.",
        "every_days_after": "Then every … days",
        "every_days_after_hint": "0: none after the due date.",
        "max_count": "At most … reminders",
        "reminders_off": "Switched off",
        "save_reminders": "Save reminders",
        "link_due": "Due by",
        "link_due_hint": "Leave empty: no due date. The reminders follow the new date.",
        "change_due": "Change the due date",
        "link_schedule": "Reminder schedule for this link",
        "schedule_organization": "The organisation's schedule",
        "schedule_own": "Own schedule",
        "schedule_off": "No automatic reminders",
        "save_link_reminders": "Save the reminders for this link",
        "next_reminder": "Next reminder: {date}",
        "no_next_reminder": "No further reminder planned.",
    },
}
