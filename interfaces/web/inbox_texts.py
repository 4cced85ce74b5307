"""The inbox's words, in German (default) and English (`inbox_words` on every staff page)."""

from __future__ import annotations

INBOX_TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "nav": "Eingang",
        "unread": "ungelesen",
        "title": "Eingang",
        "intro": (
            "Was Ihre Kunden hochgeladen haben, Antworten auf Rückfragen, versendete "
            "Erinnerungen, Link-E-Mails, die nicht zugestellt werden konnten, und Dateien "
            "mit Schadsoftware. Uploads und Antworten erscheinen hier, "
            "solange Ihre Upload-Benachrichtigungen eingeschaltet sind."
        ),
        "empty": "Keine Meldungen.",
        "all_read": "Alle als gelesen markieren",
        "open": "Ansehen",
        "new": "Neu",
        "kind_upload": "{customer} hat „{filename}“ hochgeladen",
        "kind_answer": "{customer} hat auf Ihre Rückfrage geantwortet: „{filename}“",
        "kind_link_send_failed": "Die Link-E-Mail an {customer} konnte nicht zugestellt werden",
        "kind_reminder_sent": "Erinnerung an {customer} versendet",
        "kind_file_infected": "Schadsoftware in „{filename}“ von {customer} gefunden",
        "kind_upload_gone": "{customer} hat eine Datei hochgeladen, die inzwischen gelöscht ist",
        "kind_answer_gone": "{customer} hat auf Ihre Rückfrage geantwortet; die Datei ist"
        " inzwischen gelöscht",
        "kind_file_infected_gone": "Schadsoftware in einer Datei von {customer} gefunden;"
        " die Datei ist gelöscht",
        "link": "Link: {title}",
        "link_untitled": "Upload-Link",
        "done_read": "Alle Meldungen als gelesen markiert.",
    },
    "en": {
        "nav": "Inbox",
        "unread": "unread",
        "title": "Inbox",
        "intro": (
            "What your customers uploaded, answers to your queries, reminders sent, link "
            "e-mails that could not be delivered and files with malware. Uploads and answers "
            "appear here while your upload "
            "notifications are on."
        ),
        "empty": "No notices.",
        "all_read": "Mark all as read",
        "open": "View",
        "new": "New",
        "kind_upload": "{customer} uploaded “{filename}”",
        "kind_answer": "{customer} answered your query: “{filename}”",
        "kind_link_send_failed": "The link e-mail to {customer} could not be delivered",
        "kind_reminder_sent": "Reminder sent to {customer}",
        "kind_file_infected": "Malware found in “{filename}” from {customer}",
        "kind_upload_gone": "{customer} uploaded a file that has since been deleted",
        "kind_answer_gone": "{customer} answered your query; the file has since been deleted",
        "kind_file_infected_gone": "Malware found in a file from {customer}; the file is deleted",
        "link": "Link: {title}",
        "link_untitled": "Upload link",
        "done_read": "All notices marked as read.",
    },
}
