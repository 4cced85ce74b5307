"""The whole application: every command and the auditor's queries, on one event log."""

from __future__ import annotations

from application.accounts import AccountCommands
from application.api_tokens import TokenCommands
from application.customers import CustomerCommands
from application.file_cleanup import StorageSweeper
from application.files import FileCommands
from application.history import HistoryQueries
from application.inbox import InboxCommands
from application.members import MemberCommands
from application.notifications import NotificationCommands
from application.staff_sessions import StaffSessionCommands
from application.webhooks import WebhookCommands


class DocIntake(
    # The team mixins build on AccountCommands, so they come before it.
    MemberCommands,
    NotificationCommands,
    TokenCommands,
    StaffSessionCommands,
    AccountCommands,
    CustomerCommands,
    FileCommands,
    HistoryQueries,
    StorageSweeper,
    WebhookCommands,
    InboxCommands,
):
    """docintake's event-sourced application (one event log for all aggregates)."""
