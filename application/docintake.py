"""The whole application: every command and the auditor's queries, on one event log."""

from __future__ import annotations

from application.accounts import AccountCommands
from application.customers import CustomerCommands
from application.history import HistoryQueries


class DocIntake(AccountCommands, CustomerCommands, HistoryQueries):
    """docintake's event-sourced application (one event log for all aggregates)."""
