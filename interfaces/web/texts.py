"""The staff pages' words, in German (default) and English, and how values are shown."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC
from datetime import datetime as Moment
from typing import Any

from litestar import Request

from interfaces.public.texts import human_size

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"
LANGUAGE_COOKIE = "docintake_lang"

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "app": "docintake",
        "skip": "Zum Inhalt springen",
        "nav_customers": "Kunden",
        "nav_settings": "Einstellungen",
        "nav_main": "Hauptnavigation",
        "language_switch": "English",
        "language_switch_label": "Switch to English",
        "signed_in_as": "Angemeldet als {who}",
        "logout": "Abmelden",
        "stale": "Die Anzeige ist möglicherweise noch nicht ganz aktuell; bitte gleich neu laden.",
        # Login
        "login_title": "Anmelden",
        "login_intro": "Melden Sie sich mit Ihrer E-Mail-Adresse und Ihrem Passwort an.",
        "email": "E-Mail",
        "password": "Passwort",
        "login_button": "Anmelden",
        "login_failed": "E-Mail oder Passwort ist falsch.",
        "login_limited": (
            "Zu viele fehlgeschlagene Anmeldungen. Bitte versuchen Sie es später erneut."
        ),
        # Customer list
        "customers_title": "Kunden",
        "customers_intro": "Alle Kontakte mit Status, Links, Dateien und letztem Upload.",
        "new_customer": "Neuer Kunde",
        "search": "Suche",
        "search_placeholder": "Name, E-Mail oder Firma, z. B. „Schmidt“ oder „@gmail.com“",
        "search_refused": "Der Suchbegriff enthält Steuerzeichen. Bitte geben Sie ihn neu ein.",
        "search_button": "Suchen",
        "sort": "Sortierung",
        "sort_name": "Name (A–Z)",
        "sort_created": "Zuletzt angelegt",
        "sort_last_upload": "Letzter Upload",
        "filter": "Nach Status filtern",
        "filter_all": "Alle",
        "col_customer": "Kunde",
        "col_status": "Status",
        "col_links": "Links",
        "col_files": "Dateien",
        "col_last_upload": "Letzter Upload",
        "col_created": "Angelegt",
        "never": "–",
        "results": "{shown} von {total} Kunden",
        "results_total_capped": "1.000+",
        "results_none": "Keine Kunden gefunden",
        "no_match": "Kein Kunde passt zu dieser Suche oder diesem Filter.",
        "clear_search": "Suche und Filter zurücksetzen",
        "empty_title": "Noch keine Kunden",
        "empty_text": (
            "Legen Sie als Erstes einen Kunden an. Auf seiner Seite erstellen Sie dann einen "
            "Upload-Link und senden ihn per E-Mail oder kopieren ihn."
        ),
        "empty_viewer": "Sobald Ihr Team Kunden anlegt, erscheinen sie hier.",
        "pages": "Seiten",
        "previous": "Zurück",
        "next": "Weiter",
        "first_page": "Erste Seite",
        # Status
        "status_open": "Offen",
        "status_partial": "Teilweise",
        "status_complete": "Vollständig",
        # New customer
        "new_customer_title": "Neuen Kunden anlegen",
        "new_customer_intro": "Fügen Sie einen neuen Kontakt zu Ihrer Organisation hinzu.",
        "name": "Name",
        "company": "Firma",
        "required": "Pflichtfeld",
        "optional": "optional",
        "email_hint": (
            "Tipp: Eine E-Mail-Adresse ermöglicht das direkte Versenden von "
            "Upload-Links per E-Mail."
        ),
        "create": "Anlegen",
        "cancel": "Abbrechen",
        "form_has_errors": "Bitte prüfen Sie die markierten Felder.",
        # Detail
        "back_to_list": "Zur Kundenübersicht",
        "customer_info": "Kundeninformationen",
        "edit": "Bearbeiten",
        "save": "Speichern",
        "no_email": "keine E-Mail-Adresse",
        "no_company": "keine Firma",
        "created_on": "Angelegt am {date}",
        "status_switch": "Status",
        "status_set": "Status auf „{status}“ setzen",
        "current_status": "aktueller Status",
        "received_files": "Empfangene Dateien",
        "no_received_files": "Noch keine Dateien eingegangen.",
        "col_file": "Datei",
        "col_size": "Größe",
        "col_date": "Datum",
        "col_uploader": "Von",
        "col_item": "Unterlage",
        "col_review": "Prüfung",
        "col_actions": "Aktionen",
        "unknown_uploader": "unbekannt",
        "download": "Herunterladen",
        "download_file": "{name} herunterladen",
        "review_pending": "Ausstehend",
        "review_checked": "Geprüft",
        "review_query": "Rückfrage",
        "mark_checked": "Als geprüft markieren",
        "mark_checked_short": "Geprüft",
        "query": "Rückfrage stellen",
        "query_comment": "Kommentar zur Rückfrage",
        "reset_review": "Zurücksetzen",
        "sent_files": "Gesendete Dateien",
        "no_sent_files": "Noch keine Dateien an den Kunden gesendet.",
        "send_file": "Datei für den Kunden hochladen",
        "send_file_hint": "Der Kunde erhält einen eigenen Download-Link (30 Tage gültig).",
        "choose_file": "Datei",
        "upload": "Hochladen",
        "download_link": "Download-Link",
        "downloaded": "Heruntergeladen",
        "downloaded_at": "heruntergeladen am {date}",
        "not_downloaded": "noch nicht heruntergeladen",
        "expires": "gültig bis {date}",
        "active_links": "Aktive Links",
        "no_active_links": "Keine aktiven Upload-Links.",
        "new_link": "Neuer Upload-Link",
        "untitled": "Upload-Link ohne Titel",
        "link_url": "Link-Adresse",
        "copy_button": "Kopieren",
        "copied": "Kopiert",
        "copy_failed": "Kopieren nicht möglich – bitte markieren und kopieren.",
        "uploads": "{count} Uploads",
        "uploads_one": "1 Upload",
        "password_protected": "passwortgeschützt",
        "locked": "gesperrt nach falschen Passwörtern",
        "unlock": "Entsperren",
        "revoke": "Widerrufen",
        "revoke_confirm": (
            "Diesen Upload-Link wirklich widerrufen? Der Kunde kann ihn danach nicht mehr nutzen."
        ),
        "requested_items": "Angeforderte Unterlagen",
        "item_received": "erhalten",
        "item_missing": "fehlt noch",
        "send_by_email": "Per E-Mail senden",
        "send_to": "An",
        "send_message": "Nachricht (optional)",
        "send": "Senden",
        "last_sent": "zuletzt gesendet an {to} am {date}",
        "send_failed": "Versand fehlgeschlagen: {reason}",
        "recent_files": "Letzte Dateien",
        "notes": "Interne Notizen",
        "notes_hint": "Nur für Ihr Team sichtbar, nie für den Kunden.",
        "no_notes": "Noch keine Notizen.",
        "note": "Neue Notiz",
        "add_note": "Notiz speichern",
        "activity": "Aktivitätsverlauf",
        "no_activity": "Noch keine Aktivität.",
        "older": "Ältere Einträge",
        "newest": "Neueste Einträge",
        "by": "von {who}",
        "client": "Kunde",
        "system": "System",
        "delete_customer": "Kunden löschen",
        "data_access": "Datenauskunft",
        "data_access_text": "Alles, was zu diesem Kunden gespeichert ist – Angaben, Notizen,"
        " Links, Verlauf und alle Dateien – als ein ZIP-Archiv (Auskunft nach Art. 15 DSGVO).",
        "export_customer": "Alles als ZIP herunterladen",
        "danger_zone": "Löschen",
        "danger_text": "Löscht den Kunden mit allen Links und Dateien endgültig.",
        # Delete confirmation
        "delete_title": "„{name}“ löschen?",
        "delete_intro": "Damit werden endgültig entfernt:",
        "delete_customer_item": "der Kunde „{name}“ mit Kontaktdaten und internen Notizen",
        "delete_links_item": "{count} Upload-Links (sie funktionieren sofort nicht mehr)",
        "delete_links_item_one": "1 Upload-Link (er funktioniert sofort nicht mehr)",
        "delete_files_item": "{count} empfangene Dateien",
        "delete_files_item_one": "1 empfangene Datei",
        "delete_sent_item": "{count} gesendete Dateien (ihre Download-Links enden sofort)",
        "delete_sent_item_one": "1 gesendete Datei (ihr Download-Link endet sofort)",
        "delete_warning": "Diese Aktion kann nicht rückgängig gemacht werden.",
        "delete_confirm": "Endgültig löschen",
        # New link
        "new_link_title": "Neuer Upload-Link für {name}",
        "new_link_intro": "Der Link wird diesem Kunden fest zugeordnet.",
        "link_title": "Titel",
        "link_title_hint": (
            "Sieht der Kunde als Überschrift, z. B. „Unterlagen Steuererklärung 2025“."
        ),
        "link_message": "Nachricht an den Kunden",
        "link_expiry": "Gültig bis",
        "link_expiry_hint": "Standard: 30 Tage, höchstens ein Jahr.",
        "link_limits": "Grenzen",
        "link_max_files": "Höchstzahl Dateien",
        "link_max_files_hint": "Leer lassen für unbegrenzt.",
        "link_max_size": "Höchstgröße je Datei (MB)",
        "link_max_size_hint": "Leer lassen für die Höchstgröße dieses Systems ({size}).",
        "link_types": "Erlaubte Dateitypen",
        "type_pdf": "PDF",
        "type_images": "Bilder",
        "link_types_hint": "Nichts angekreuzt: alle Dateitypen.",
        "link_password": "Passwort (optional)",
        "link_password_hint": "Mindestens 6 Zeichen. Teilen Sie es dem Kunden auf anderem Weg mit.",
        "link_items": "Angeforderte Unterlagen",
        "link_items_hint": "Eine Unterlage je Zeile, z. B. „Lohnsteuerbescheinigung 2025“.",
        "create_link": "Link erstellen",
        # Link created
        "link_created_title": "Upload-Link erstellt",
        "link_created_intro": (
            "Kopieren Sie den Link oder senden Sie ihn direkt per E-Mail an {name}."
        ),
        "link_inactive": "Dieser Link ist nicht mehr aktiv ({status}).",
        "link_status_revoked": "widerrufen",
        "link_status_expired": "abgelaufen",
        "link_status_active": "aktiv",
        "to_customer": "Zur Kundenseite",
        # Settings
        "settings_title": "Organisationseinstellungen",
        "organization": "Organisation",
        "organization_name": "Name der Organisation",
        "plan": "Tarif",
        "plan_solo": "Solo",
        "plan_pro": "Pro",
        "plan_team": "Team",
        "plan_usage": "{count} von {limit} Kunden",
        "plan_usage_unlimited": "{count} Kunden (unbegrenzt)",
        "change_plan": "Tarif ändern",
        "plan_owner_only": "Nur Inhaber können den Tarif ändern.",
        "permissions": "Berechtigungen für Mitglieder",
        "permissions_hint": (
            "Gilt für die Rolle „Mitglied“; Inhaber und Administratoren dürfen alles."
        ),
        "perm_members_can_delete_customers": "Mitglieder dürfen Kunden löschen",
        "perm_members_can_send_links": "Mitglieder dürfen Upload-Links per E-Mail versenden",
        "perm_members_can_review_files": "Mitglieder dürfen Dateien prüfen",
        "perm_members_can_manage_links": "Mitglieder dürfen Upload-Links erstellen und widerrufen",
        "members": "Mitglieder",
        "col_member": "Name",
        "col_role": "Rolle",
        "col_joined": "Dabei seit",
        "you": "(Sie)",
        "change_role": "Rolle ändern",
        "role_for": "Rolle von {who}",
        "remove": "Entfernen",
        "remove_confirm": "{who} wirklich aus der Organisation entfernen?",
        "invite": "Mitglied einladen",
        "invite_button": "Einladung senden",
        "role": "Rolle",
        "role_owner": "Inhaber",
        "role_admin": "Administrator",
        "role_member": "Mitglied",
        "role_viewer": "Betrachter (nur lesen)",
        "tokens": "API-Tokens",
        "tokens_hint": "Für Integrationen; ein Token handelt mit Ihrer Rolle.",
        "no_tokens": "Keine API-Tokens.",
        "token_name": "Name des Tokens",
        "create_token": "Token erstellen",
        "token_created_title": "API-Token erstellt",
        "token_created_text": (
            "Kopieren Sie den Token jetzt: er wird nur dieses eine Mal angezeigt."
        ),
        "token": "Token",
        "back_to_settings": "Zurück zu den Einstellungen",
        "revoke_token_confirm": "Diesen Token wirklich widerrufen?",
        # Done notices
        "done_created": "Kunde angelegt.",
        "done_saved": "Gespeichert.",
        "done_status": "Status geändert.",
        "done_note": "Notiz gespeichert.",
        "done_reviewed": "Prüfung gespeichert.",
        "done_file_sent": "Datei hochgeladen; der Download-Link steht unter „Gesendete Dateien“.",
        "done_link_revoked": "Upload-Link widerrufen.",
        "done_link_sent": "Der Upload-Link wird per E-Mail versendet.",
        "done_link_unlocked": "Upload-Link entsperrt.",
        "done_deleted": "Kunde gelöscht.",
        "done_invited": "Einladung versendet.",
        "done_role_changed": "Rolle geändert.",
        "done_member_removed": "Mitglied entfernt.",
        "done_token_revoked": "Token widerrufen.",
        "done_logged_out": "Sie sind abgemeldet.",
        # Errors
        "error_title": "Das hat nicht geklappt",
        "error_back": "Zurück",
        "error_not_found": "Das gibt es nicht (mehr), oder es gehört nicht zu Ihrer Organisation.",
        "error_forbidden": "Dafür fehlt Ihrer Rolle die Berechtigung.",
        "error_csrf_failed": (
            "Das Formular ist veraltet oder kam nicht von dieser Seite. Bitte laden Sie die "
            "Seite neu und versuchen Sie es noch einmal."
        ),
        "error_plan_limit_reached": (
            "Ihr Tarif erlaubt keine weiteren Kunden. Wechseln Sie den Tarif in den Einstellungen."
        ),
        "error_conflict": "Das hat sich gerade überschnitten. Bitte versuchen Sie es noch einmal.",
        "error_last_owner": "Die Organisation braucht mindestens einen Inhaber.",
        "error_mail_not_sent": (
            "Die Einladung ist gespeichert, aber die E-Mail konnte nicht versendet werden. "
            "Bitte laden Sie erneut ein."
        ),
        "error_file_too_large": "Die Datei ist zu groß.",
        "error_validation_failed": "Die Eingabe ist nicht gültig.",
        "error_generic": "Etwas ist schiefgegangen. Bitte versuchen Sie es noch einmal.",
    },
    "en": {
        "app": "docintake",
        "skip": "Skip to content",
        "nav_customers": "Customers",
        "nav_settings": "Settings",
        "nav_main": "Main navigation",
        "language_switch": "Deutsch",
        "language_switch_label": "Auf Deutsch umschalten",
        "signed_in_as": "Signed in as {who}",
        "logout": "Sign out",
        "stale": "This page may not be fully up to date yet; please reload in a moment.",
        "login_title": "Sign in",
        "login_intro": "Sign in with your e-mail address and password.",
        "email": "E-mail",
        "password": "Password",
        "login_button": "Sign in",
        "login_failed": "E-mail or password is wrong.",
        "login_limited": "Too many failed sign-ins. Please try again later.",
        "customers_title": "Customers",
        "customers_intro": "All contacts with status, links, files and last upload.",
        "new_customer": "New customer",
        "search": "Search",
        "search_placeholder": "Name, e-mail or company, e.g. “Schmidt” or “@gmail.com”",
        "search_refused": "The search contains control characters. Please type it again.",
        "search_button": "Search",
        "sort": "Sort by",
        "sort_name": "Name (A–Z)",
        "sort_created": "Recently created",
        "sort_last_upload": "Last upload",
        "filter": "Filter by status",
        "filter_all": "All",
        "col_customer": "Customer",
        "col_status": "Status",
        "col_links": "Links",
        "col_files": "Files",
        "col_last_upload": "Last upload",
        "col_created": "Created",
        "never": "–",
        "results": "{shown} of {total} customers",
        "results_total_capped": "1,000+",
        "results_none": "No customers found",
        "no_match": "No customer matches this search or filter.",
        "clear_search": "Clear search and filter",
        "empty_title": "No customers yet",
        "empty_text": (
            "Start by creating a customer. On its page you then create an upload link and "
            "send it by e-mail or copy it."
        ),
        "empty_viewer": "Customers appear here as soon as your team creates them.",
        "pages": "Pages",
        "previous": "Previous",
        "next": "Next",
        "first_page": "First page",
        "status_open": "Open",
        "status_partial": "Partial",
        "status_complete": "Complete",
        "new_customer_title": "Create a new customer",
        "new_customer_intro": "Add a new contact to your organisation.",
        "name": "Name",
        "company": "Company",
        "required": "required",
        "optional": "optional",
        "email_hint": "Tip: an e-mail address lets you send upload links directly by e-mail.",
        "create": "Create",
        "cancel": "Cancel",
        "form_has_errors": "Please check the marked fields.",
        "back_to_list": "Back to the customer list",
        "customer_info": "Customer information",
        "edit": "Edit",
        "save": "Save",
        "no_email": "no e-mail address",
        "no_company": "no company",
        "created_on": "Created on {date}",
        "status_switch": "Status",
        "status_set": "Set status to “{status}”",
        "current_status": "current status",
        "received_files": "Received files",
        "no_received_files": "No files received yet.",
        "col_file": "File",
        "col_size": "Size",
        "col_date": "Date",
        "col_uploader": "From",
        "col_item": "Document",
        "col_review": "Review",
        "col_actions": "Actions",
        "unknown_uploader": "unknown",
        "download": "Download",
        "download_file": "Download {name}",
        "review_pending": "Pending",
        "review_checked": "Checked",
        "review_query": "Query",
        "mark_checked": "Mark as checked",
        "mark_checked_short": "Checked",
        "query": "Raise a query",
        "query_comment": "Comment for the query",
        "reset_review": "Reset",
        "sent_files": "Sent files",
        "no_sent_files": "No files sent to the customer yet.",
        "send_file": "Upload a file for the customer",
        "send_file_hint": "The customer gets a download link of its own (valid for 30 days).",
        "choose_file": "File",
        "upload": "Upload",
        "download_link": "Download link",
        "downloaded": "Downloaded",
        "downloaded_at": "downloaded on {date}",
        "not_downloaded": "not downloaded yet",
        "expires": "valid until {date}",
        "active_links": "Active links",
        "no_active_links": "No active upload links.",
        "new_link": "New upload link",
        "untitled": "Untitled upload link",
        "link_url": "Link address",
        "copy_button": "Copy",
        "copied": "Copied",
        "copy_failed": "Copying is not possible here – please select and copy.",
        "uploads": "{count} uploads",
        "uploads_one": "1 upload",
        "password_protected": "password protected",
        "locked": "locked after wrong passwords",
        "unlock": "Unlock",
        "revoke": "Revoke",
        "revoke_confirm": "Really revoke this upload link? The customer cannot use it afterwards.",
        "requested_items": "Requested documents",
        "item_received": "received",
        "item_missing": "still missing",
        "send_by_email": "Send by e-mail",
        "send_to": "To",
        "send_message": "Message (optional)",
        "send": "Send",
        "last_sent": "last sent to {to} on {date}",
        "send_failed": "Sending failed: {reason}",
        "recent_files": "Recent files",
        "notes": "Internal notes",
        "notes_hint": "Visible to your team only, never to the customer.",
        "no_notes": "No notes yet.",
        "note": "New note",
        "add_note": "Save note",
        "activity": "Activity",
        "no_activity": "No activity yet.",
        "older": "Older entries",
        "newest": "Newest entries",
        "by": "by {who}",
        "client": "Client",
        "system": "System",
        "delete_customer": "Delete customer",
        "data_access": "Data access",
        "data_access_text": "Everything stored about this customer – details, notes, links,"
        " history and every file – as one ZIP archive (access request, GDPR Art. 15).",
        "export_customer": "Download everything as ZIP",
        "danger_zone": "Delete",
        "danger_text": "Deletes the customer with all links and files for good.",
        "delete_title": "Delete “{name}”?",
        "delete_intro": "This removes for good:",
        "delete_customer_item": "the customer “{name}” with contact details and internal notes",
        "delete_links_item": "{count} upload links (they stop working at once)",
        "delete_links_item_one": "1 upload link (it stops working at once)",
        "delete_files_item": "{count} received files",
        "delete_files_item_one": "1 received file",
        "delete_sent_item": "{count} sent files (their download links end at once)",
        "delete_sent_item_one": "1 sent file (its download link ends at once)",
        "delete_warning": "This cannot be undone.",
        "delete_confirm": "Delete for good",
        "new_link_title": "New upload link for {name}",
        "new_link_intro": "The link belongs to this customer for good.",
        "link_title": "Title",
        "link_title_hint": "The customer sees it as the heading, e.g. “Tax return 2025 documents”.",
        "link_message": "Message to the customer",
        "link_expiry": "Valid until",
        "link_expiry_hint": "Default: 30 days, at most one year.",
        "link_limits": "Limits",
        "link_max_files": "Maximum number of files",
        "link_max_files_hint": "Leave empty for no limit.",
        "link_max_size": "Maximum size per file (MB)",
        "link_max_size_hint": "Leave empty for this system's maximum ({size}).",
        "link_types": "Allowed file types",
        "type_pdf": "PDF",
        "type_images": "Images",
        "link_types_hint": "Nothing ticked: every file type.",
        "link_password": "Password (optional)",
        "link_password_hint": "At least 6 characters. Tell the customer by another channel.",
        "link_items": "Requested documents",
        "link_items_hint": "One document per line, e.g. “Payslip December”.",
        "create_link": "Create link",
        "link_created_title": "Upload link created",
        "link_created_intro": "Copy the link or send it to {name} by e-mail right away.",
        "link_inactive": "This link is no longer active ({status}).",
        "link_status_revoked": "revoked",
        "link_status_expired": "expired",
        "link_status_active": "active",
        "to_customer": "To the customer page",
        "settings_title": "Organisation settings",
        "organization": "Organisation",
        "organization_name": "Organisation name",
        "plan": "Plan",
        "plan_solo": "Solo",
        "plan_pro": "Pro",
        "plan_team": "Team",
        "plan_usage": "{count} of {limit} customers",
        "plan_usage_unlimited": "{count} customers (unlimited)",
        "change_plan": "Change plan",
        "plan_owner_only": "Only owners can change the plan.",
        "permissions": "Permissions for members",
        "permissions_hint": "Apply to the role “member”; owners and admins may do everything.",
        "perm_members_can_delete_customers": "Members may delete customers",
        "perm_members_can_send_links": "Members may send upload links by e-mail",
        "perm_members_can_review_files": "Members may review files",
        "perm_members_can_manage_links": "Members may create and revoke upload links",
        "members": "Members",
        "col_member": "Name",
        "col_role": "Role",
        "col_joined": "Member since",
        "you": "(you)",
        "change_role": "Change role",
        "role_for": "Role of {who}",
        "remove": "Remove",
        "remove_confirm": "Really remove {who} from the organisation?",
        "invite": "Invite a member",
        "invite_button": "Send invitation",
        "role": "Role",
        "role_owner": "Owner",
        "role_admin": "Admin",
        "role_member": "Member",
        "role_viewer": "Viewer (read only)",
        "tokens": "API tokens",
        "tokens_hint": "For integrations; a token acts with your role.",
        "no_tokens": "No API tokens.",
        "token_name": "Token name",
        "create_token": "Create token",
        "token_created_title": "API token created",
        "token_created_text": "Copy the token now: it is shown this one time only.",
        "token": "Token",
        "back_to_settings": "Back to the settings",
        "revoke_token_confirm": "Really revoke this token?",
        "done_created": "Customer created.",
        "done_saved": "Saved.",
        "done_status": "Status changed.",
        "done_note": "Note saved.",
        "done_reviewed": "Review saved.",
        "done_file_sent": "File uploaded; its download link is listed under “Sent files”.",
        "done_link_revoked": "Upload link revoked.",
        "done_link_sent": "The upload link is being sent by e-mail.",
        "done_link_unlocked": "Upload link unlocked.",
        "done_deleted": "Customer deleted.",
        "done_invited": "Invitation sent.",
        "done_role_changed": "Role changed.",
        "done_member_removed": "Member removed.",
        "done_token_revoked": "Token revoked.",
        "done_logged_out": "You are signed out.",
        "error_title": "That did not work",
        "error_back": "Back",
        "error_not_found": "This does not exist (any more), or it is not your organisation's.",
        "error_forbidden": "Your role is not allowed to do this.",
        "error_csrf_failed": (
            "The form is out of date or was not sent from this site. Please reload the page "
            "and try again."
        ),
        "error_plan_limit_reached": (
            "Your plan allows no more customers. Change the plan in the settings."
        ),
        "error_conflict": "Something changed at the same moment. Please try again.",
        "error_last_owner": "The organisation needs at least one owner.",
        "error_mail_not_sent": (
            "The invitation is recorded but its e-mail could not be sent. Please invite again."
        ),
        "error_file_too_large": "The file is too large.",
        "error_validation_failed": "The input is not valid.",
        "error_generic": "Something went wrong. Please try again.",
    },
}

# The application's validation messages (English, stable) and their German wording.
_GERMAN_PROBLEMS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^(is required|must not be empty)$"), lambda m: "Bitte ausfüllen."),
    (re.compile(r"^is not a valid e-mail address$"), lambda m: "Keine gültige E-Mail-Adresse."),
    (
        re.compile(r"^must be at most (\d+) characters$"),
        lambda m: f"Höchstens {m.group(1)} Zeichen.",
    ),
    (
        re.compile(r"^must not contain control characters$"),
        lambda m: "Enthält unzulässige Steuerzeichen.",
    ),
    (
        re.compile(r"^a query needs a comment for the follow-up$"),
        lambda m: "Für eine Rückfrage bitte einen Kommentar angeben.",
    ),
    (re.compile(r"^must be in the future$"), lambda m: "Muss in der Zukunft liegen."),
    (re.compile(r"^must be within a year$"), lambda m: "Höchstens ein Jahr im Voraus."),
    (
        re.compile(r"^must be (\d+)\.\.(\d+) characters$"),
        lambda m: f"Zwischen {m.group(1)} und {m.group(2)} Zeichen.",
    ),
    (
        re.compile(r"^must be a whole number 1\.\.(\d+)$"),
        lambda m: f"Eine ganze Zahl von 1 bis {m.group(1)}.",
    ),
    (
        re.compile(r"^must be a whole number of bytes above 0$"),
        lambda m: "Eine Zahl über 0.",
    ),
    (
        re.compile(r"^must be at most (\d+) bytes \(this deployment\)$"),
        lambda m: f"Höchstens {human_size(int(m.group(1)))} (Grenze dieses Systems).",
    ),
    (
        re.compile(r"^every item needs a non-empty label$"),
        lambda m: "Jede Unterlage braucht eine Bezeichnung.",
    ),
    (re.compile(r"^(.+) is listed twice$"), lambda m: f"{m.group(1)} steht doppelt in der Liste."),
    (
        re.compile(r"^the customer has no e-mail address; give one$"),
        lambda m: "Der Kunde hat keine E-Mail-Adresse; bitte eine angeben.",
    ),
    (re.compile(r"^is not a valid date$"), lambda m: "Kein gültiges Datum."),
    (re.compile(r"^choose a file$"), lambda m: "Bitte eine Datei auswählen."),
]


def problem_text(problem: str, lang: str) -> str:
    """A validation problem in the reader's language (unknown ones stay as they are)."""
    if lang != "de":
        return problem[:1].upper() + problem[1:] + ("" if problem.endswith(".") else ".")
    for pattern, german in _GERMAN_PROBLEMS:
        match = pattern.match(problem)
        if match:
            return german(match)
    return problem


def error_text(code: str, message: str, lang: str) -> str:
    """A refusal in the reader's language: by its stable code, else the application's words."""
    return TEXTS[lang].get(f"error_{code}", message)


def language_of(request: Request[Any, Any, Any]) -> str:
    """The reader's choice (the header switch sets a cookie), then Accept-Language, else
    German."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return str(chosen)
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


class Formats:
    """Dates, times and sizes as the reader's language writes them (templates call these).

    Times are shown in UTC with the zone named; staff.js rewrites each `<time>` into the
    browser's own time zone.
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def date(self, moment: Moment | None) -> str:
        if moment is None:
            return TEXTS[self.lang]["never"]
        utc = moment.astimezone(UTC)
        return utc.strftime("%d.%m.%Y" if self.lang == "de" else "%Y-%m-%d")

    def datetime(self, moment: Moment | None) -> str:
        if moment is None:
            return TEXTS[self.lang]["never"]
        utc = moment.astimezone(UTC)
        return utc.strftime("%d.%m.%Y %H:%M UTC" if self.lang == "de" else "%Y-%m-%d %H:%M UTC")

    @staticmethod
    def iso(moment: Moment | None) -> str:
        return moment.astimezone(UTC).isoformat() if moment else ""

    def size(self, size: int) -> str:
        text = human_size(size)
        return text.replace(".", ",") if self.lang == "de" else text
