"""The four starter templates every organisation begins with, for the use cases the product
page names (tax advisors, lawyers and notaries, property management, HR onboarding), in German
and English. Organisations change or delete them like their own."""

from __future__ import annotations

from typing import Any

_STARTERS: dict[str, list[dict[str, Any]]] = {
    "de": [
        {
            "key": "tax",
            "name": "Einkommensteuer 2025",
            "items": [
                ("Lohnsteuerbescheinigung 2025", "Vom Arbeitgeber, meist im Februar erhalten."),
                ("Spendenquittungen", "Zuwendungsbestätigungen; bis 300 € genügt der Kontoauszug."),
                ("Kontoauszüge mit Zinsen und Kapitalerträgen", None),
                ("Belege über Handwerkerleistungen", "Rechnung und Überweisungsbeleg."),
                ("Nachweise zur Kranken- und Pflegeversicherung", None),
            ],
        },
        {
            "key": "legal",
            "name": "Mandat und Beurkundung",
            "items": [
                ("Personalausweis oder Reisepass", "Vorder- und Rückseite."),
                ("Grundbuchauszug", "Nicht älter als drei Monate."),
                ("Vollmacht", None),
                ("Bisheriger Schriftverkehr", "Briefe, E-Mails und Bescheide zur Sache."),
            ],
        },
        {
            "key": "property",
            "name": "Mieterselbstauskunft",
            "items": [
                ("Gehaltsnachweise der letzten drei Monate", None),
                ("Mietschuldenfreiheitsbescheinigung", "Vom bisherigen Vermieter."),
                ("SCHUFA-Auskunft", None),
                ("Personalausweis", "Vorder- und Rückseite."),
            ],
        },
        {
            "key": "hr",
            "name": "Onboarding neuer Mitarbeiter",
            "items": [
                ("Arbeitsvertrag, unterschrieben", None),
                ("Steuer-ID", "Elfstellige Nummer, steht auf dem Brief des Bundeszentralamts."),
                ("Sozialversicherungsausweis", None),
                ("Nachweis der Krankenkasse", "Mitgliedsbescheinigung."),
                ("Bankverbindung (IBAN)", None),
            ],
        },
    ],
    "en": [
        {
            "key": "tax",
            "name": "Income tax 2025",
            "items": [
                ("Wage tax certificate 2025", "From your employer, usually in February."),
                ("Donation receipts", None),
                ("Bank statements with interest and capital gains", None),
                ("Invoices for household services", "Invoice and proof of payment."),
                ("Health and care insurance statements", None),
            ],
        },
        {
            "key": "legal",
            "name": "Mandate and notarisation",
            "items": [
                ("Identity card or passport", "Front and back."),
                ("Land register extract", "Not older than three months."),
                ("Power of attorney", None),
                ("Previous correspondence", "Letters, e-mails and notices on the matter."),
            ],
        },
        {
            "key": "property",
            "name": "Tenant self-disclosure",
            "items": [
                ("Payslips of the last three months", None),
                ("Confirmation of no rent arrears", "From your current landlord."),
                ("Credit report", None),
                ("Identity card", "Front and back."),
            ],
        },
        {
            "key": "hr",
            "name": "Onboarding a new employee",
            "items": [
                ("Employment contract, signed", None),
                ("Tax ID", None),
                ("Social security card", None),
                ("Health insurance certificate", None),
                ("Bank details (IBAN)", None),
            ],
        },
    ],
}


def starter_templates(language: str) -> list[dict[str, Any]]:
    """The starters in `language` (German unless English): {key, name, items: [{label, hint}]}."""
    chosen = _STARTERS.get(language, _STARTERS["de"])
    return [
        {
            "key": starter["key"],
            "name": starter["name"],
            "items": [{"label": label, "hint": hint} for label, hint in starter["items"]],
        }
        for starter in chosen
    ]
