"""The staff web pages: server-rendered HTML over the application and the read models."""

from __future__ import annotations

from interfaces.web.auth import StaffAuthPages
from interfaces.web.customer_detail import CustomerDetailPages, FilePages
from interfaces.web.customers import CustomerPages
from interfaces.web.document_templates import ReminderSettingsPages, TemplatePages
from interfaces.web.inbox import InboxPages
from interfaces.web.invitations import InvitationPages
from interfaces.web.link_reminders import LinkReminderPages
from interfaces.web.links import LinkPages
from interfaces.web.settings import SettingsPages
from interfaces.web.webhooks import WebhookPages

#: The controllers `create_app` registers for the staff pages.
STAFF_PAGES = [
    StaffAuthPages,
    CustomerPages,
    CustomerDetailPages,
    FilePages,
    LinkPages,
    LinkReminderPages,
    SettingsPages,
    WebhookPages,
    TemplatePages,
    ReminderSettingsPages,
    InvitationPages,
    InboxPages,
]
