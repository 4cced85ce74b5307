"""The customer endpoints of the contract: create, list, read, change, status, notes, delete."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar
from uuid import UUID

from litestar import Controller, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Stream
from msgspec import UNSET

from application.customer_export import CustomerExport
from application.customers import CustomerCommands, CustomerRecorded
from application.errors import NotFound
from application.history import History, PartCounts, plain
from application.principal import Principal
from domain.customer import Customer
from domain.errors import InvalidValue, Problem
from domain.values import CustomerStatus, text_value
from interfaces.http import schemas
from interfaces.http.consistency import Reads
from interfaces.http.dependencies import ReadModels
from interfaces.http.downloads import zip_stream
from interfaces.http.presenters import (
    LinkPresenter,
    file_from_row,
    sent_file_from_row,
    shaped,
)
from interfaces.request_values import value_for
from projections.customer_detail import NoteRow
from projections.customer_list import SORTS
from projections.customer_list import CustomerSummary as SummaryRow

log = logging.getLogger(__name__)

T = TypeVar("T")

# Longer query values are refused by their own limits before this check.
QUERY_TEXT_MAX_LENGTH = 10_000


def summary(row: SummaryRow) -> schemas.CustomerSummary:
    return shaped(schemas.CustomerSummary, row)


def summary_from_aggregate(
    customer: Customer, counted: SummaryRow | PartCounts
) -> schemas.CustomerSummary:
    """A customer's summary from the aggregate itself, with the counts of the list's row
    (perhaps behind) or, where there is none, counted in the event store."""
    return shaped(
        schemas.CustomerSummary,
        counted,
        id=customer.id,
        name=customer.name,
        email=customer.email,
        company=customer.company,
        status=customer.status,
        created_at=customer.created_on,
        customer_number=customer.customer_number,
    )


def read_after_commit(read: Callable[[], T], what: str) -> T | None:
    """Read an answer after a command was recorded; None if it cannot be read.

    The command is recorded whatever happens here: a failing read (the database
    restarting, say) must not turn its answer into an error, or the client would
    send it again. The caller answers from what was recorded instead.
    """
    try:
        return read()
    except Exception:
        log.warning(
            "%s could not be read after recording; answering from the record", what, exc_info=True
        )
        return None


def note_body(note: NoteRow) -> schemas.Note:
    return shaped(schemas.Note, note)


def control_problems(**parameters: str | None) -> dict[str, str | Problem]:
    """Query parameters are checked like stored text: a control character (NUL for one,
    which PostgreSQL cannot compare) is refused naming the parameter."""
    problems: dict[str, str | Problem] = {}
    for name, value in parameters.items():
        try:
            text_value(value, name, max_length=QUERY_TEXT_MAX_LENGTH)
        except InvalidValue as invalid:
            problems.update(invalid.problems)
    return problems


class CustomerController(Controller):
    path = "/api/v1/customers"
    tags = ["customers"]

    def _summary_after(
        self,
        reads: Reads,
        read_models: ReadModels,
        history: History,
        principal: Principal,
        recorded: CustomerRecorded,
    ) -> Response[schemas.CustomerSummary]:
        """The customer's row once the list shows the command (it has link and file counts);
        the customer as recorded when the list lags behind or cannot be read."""
        fresh = reads.caught_up(recorded, "customer_list")
        row = read_after_commit(
            lambda: read_models.customer_list.get(principal.organization_id, recorded.id),
            "the customer's row",
        )
        if row is not None and fresh:
            body = summary(row)
        else:
            reads.behind()
            counted = row or history.part_counts(recorded.customer.id)
            body = summary_from_aggregate(recorded.customer, counted)
        return reads.answer(body)

    @post("/", status_code=201, sync_to_thread=True)
    def create_customer(
        self,
        customers: NamedDependency[CustomerCommands],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        data: JSONBody[schemas.CreateCustomerRequest],
    ) -> Response[schemas.CustomerSummary]:
        """Create a customer (name required; the plan caps how many)."""
        recorded = customers.create(
            principal, data.name, data.email, data.company, data.customer_number
        )
        # A new customer's row is exactly what was recorded: no need to wait for the list.
        # The client's next query still waits until the list shows it.
        assert recorded.customer is not None
        # Just created: nothing counted yet.
        body = summary_from_aggregate(recorded.customer, PartCounts(0, 0, None))
        return reads.recorded(recorded, body, status_code=201)

    @get("/", sync_to_thread=True)
    def list_customers(
        self,
        read_models: NamedDependency[ReadModels],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        status: FromQuery[str | None] = None,
        sort: FromQuery[str] = "name",
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, QueryParameter(max_length=2000)] = None,
        overdue: FromQuery[bool] = False,
    ) -> Response[schemas.CustomerPage]:
        """Search name, e-mail, company and customer number at once; filter by status and by
        `overdue=true` ("überfällig": an active link past its due date with documents
        missing); sort (`name` by family name); page by cursor."""
        problems: dict[str, str | Problem] = {}
        if status is not None and status not in {s.value for s in CustomerStatus}:
            problems["status"] = "must be one of open, partial, complete"
        if sort not in SORTS:
            problems["sort"] = f"must be one of {', '.join(SORTS)}"
        problems.update(control_problems(q=q, cursor=cursor))
        if problems:
            raise InvalidValue(problems)
        try:
            page = read_models.customer_list.search(
                principal.organization_id,
                q=q,
                status=status,
                sort=sort,
                limit=limit,
                cursor=cursor,
                overdue=overdue,
            )
        except ValueError:
            raise InvalidValue.single("cursor", "is not a cursor from this list") from None
        body = schemas.CustomerPage(
            items=[summary(row) for row in page.items],
            next_cursor=page.next_cursor,
            total=page.total,
            total_capped=page.total_capped,
        )
        return reads.answer(body)

    @get("/status-counts", sync_to_thread=True)
    def status_counts(
        self,
        read_models: NamedDependency[ReadModels],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> Response[schemas.StatusCounts]:
        """How many customers have each status (for filter tabs); with `q`, of those the
        search finds."""
        problems = control_problems(q=q)
        if problems:
            raise InvalidValue(problems)
        counts = read_models.customer_list.status_counts(principal.organization_id, q=q)
        return reads.answer(schemas.StatusCounts(all=sum(counts.values()), **counts))

    @get("/{customer_id:uuid}", sync_to_thread=True)
    def get_customer(
        self,
        read_models: NamedDependency[ReadModels],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        base_url: NamedDependency[str],
        link_presenter: NamedDependency[LinkPresenter],
        customer_id: FromPath[UUID],
    ) -> Response[schemas.CustomerDetail]:
        """The customer with notes, files, sent files and active links."""
        row = read_models.customer_list.get(principal.organization_id, customer_id)
        if row is None:
            raise NotFound(f"No customer with id {customer_id}.")
        detail = read_models.customer_detail
        files = detail.files(customer_id)
        retention = read_models.retention.schedule(principal.organization_id, customer_id)
        body = shaped(
            schemas.CustomerDetail,
            row,
            notes=[note_body(n) for n in detail.notes(customer_id)],
            received_files=[file_from_row(f, retention) for f in files],
            sent_files=[sent_file_from_row(f, base_url) for f in detail.sent_files(customer_id)],
            active_links=[link_presenter.row(link) for link in detail.active_links(customer_id)],
            recent_files=[file_from_row(f, retention) for f in files[:5]],
        )
        return reads.answer(body)

    @patch("/{customer_id:uuid}", sync_to_thread=True)
    def change_customer(
        self,
        customers: NamedDependency[CustomerCommands],
        read_models: NamedDependency[ReadModels],
        history: NamedDependency[History],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        customer_id: FromPath[UUID],
        data: JSONBody[schemas.ChangeCustomerRequest],
    ) -> Response[schemas.CustomerSummary]:
        """Change name, e-mail, company or customer number; null clears all but the name."""
        changes = {
            name: value
            for name in ("name", "email", "company", "customer_number")
            if (value := getattr(data, name)) is not UNSET
        }
        recorded = customers.change_details(principal, customer_id, changes)
        return self._summary_after(reads, read_models, history, principal, recorded)

    @put("/{customer_id:uuid}/status", sync_to_thread=True)
    def set_status(
        self,
        customers: NamedDependency[CustomerCommands],
        read_models: NamedDependency[ReadModels],
        history: NamedDependency[History],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        customer_id: FromPath[UUID],
        data: JSONBody[schemas.StatusRequest],
    ) -> Response[schemas.CustomerSummary]:
        """Set the status by hand (any status to any other)."""
        status = value_for(customers.set_status, principal, CustomerStatus.parse, data.status)
        recorded = customers.set_status(principal, customer_id, status)
        return self._summary_after(reads, read_models, history, principal, recorded)

    @post("/{customer_id:uuid}/notes", status_code=201, sync_to_thread=True)
    def add_note(
        self,
        customers: NamedDependency[CustomerCommands],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        customer_id: FromPath[UUID],
        data: JSONBody[schemas.NoteRequest],
    ) -> Response[schemas.Note]:
        """Add an internal note (never shown to the client)."""
        recorded = customers.add_note(principal, customer_id, data.text)
        # The note as recorded is the answer: no need to wait for the detail read model.
        [added] = [e for e in recorded.events if isinstance(e, Customer.NoteAdded)]
        body = schemas.Note(
            id=str(added.note_id),
            text=added.text,
            author_id=str(added.actor_id),
            created_at=added.timestamp,
        )
        return reads.recorded(recorded, body, status_code=201)

    @patch("/{customer_id:uuid}/notes/{note_id:uuid}", sync_to_thread=True)
    def edit_note(
        self,
        customers: NamedDependency[CustomerCommands],
        read_models: NamedDependency[ReadModels],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        customer_id: FromPath[UUID],
        note_id: FromPath[UUID],
        data: JSONBody[schemas.NoteRequest],
    ) -> Response[schemas.Note]:
        """New words for a note (its author, an admin or an owner; others: 403)."""
        recorded = customers.edit_note(principal, customer_id, note_id, data.text)
        fresh = reads.caught_up(recorded, "customer_detail")
        [edited] = [e for e in recorded.events if isinstance(e, Customer.NoteEdited)]
        found = read_after_commit(
            lambda: read_models.customer_detail.note(customer_id, note_id), "the note"
        )
        if found is not None and fresh:
            return reads.answer(note_body(found))
        # The detail lags behind: the edit as recorded (the first words' time unknown).
        reads.behind()
        body = schemas.Note(
            id=str(note_id),
            text=edited.text,
            author_id=str(found.author_id) if found and found.author_id else None,
            created_at=found.created_at if found else edited.timestamp,
            edited_at=edited.timestamp,
        )
        return reads.answer(body)

    @delete("/{customer_id:uuid}/notes/{note_id:uuid}", status_code=204, sync_to_thread=True)
    def delete_note(
        self,
        customers: NamedDependency[CustomerCommands],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        customer_id: FromPath[UUID],
        note_id: FromPath[UUID],
    ) -> Response[None]:
        """Delete a note (its author, an admin or an owner); the history keeps that it was."""
        recorded = customers.delete_note(principal, customer_id, note_id)
        return reads.recorded(recorded, None, status_code=204)

    @delete("/{customer_id:uuid}", status_code=204, sync_to_thread=True)
    def delete_customer(
        self,
        customers: NamedDependency[CustomerCommands],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        customer_id: FromPath[UUID],
    ) -> Response[None]:
        """Delete the customer for good: its links stop working, its files are removed."""
        return reads.recorded(customers.delete(principal, customer_id), None, status_code=204)

    @get("/{customer_id:uuid}/export", sync_to_thread=True, media_type="application/zip")
    def export(
        self,
        customer_export: NamedDependency[CustomerExport],
        principal: NamedDependency[Principal],
        customer_id: FromPath[UUID],
    ) -> Stream:
        """Everything stored about the customer in one ZIP (GDPR Art. 15), streamed."""
        return zip_stream(*customer_export.export(principal, customer_id))

    @get("/{customer_id:uuid}/history", sync_to_thread=True)
    def history(
        self,
        history: NamedDependency[History],
        principal: NamedDependency[Principal],
        customer_id: FromPath[UUID],
        version: Annotated[int | None, QueryParameter(ge=1)] = None,
        at: FromQuery[datetime | None] = None,
    ) -> schemas.CustomerHistory:
        """The stored events themselves, oldest first; `version` or `at` adds the state then."""
        events = history.for_principal(principal, customer_id)
        state: dict[str, Any] | None = None
        if version is not None:
            # Raises validation_failed for a version the customer never reached.
            state = history.customer_state_at(customer_id, version=version)
        elif at is not None:
            moment = at if at.tzinfo else at.replace(tzinfo=events[0].timestamp.tzinfo)
            state = history.customer_state_at(customer_id, at=moment)
        return schemas.CustomerHistory(
            customer_id=str(customer_id),
            events=[
                schemas.HistoryEvent(
                    aggregate_type=e.aggregate_type,
                    aggregate_id=str(e.aggregate_id),
                    version=e.version,
                    type=e.type,
                    timestamp=e.timestamp,
                    actor_id=str(e.actor_id) if e.actor_id else None,
                    data=plain(e.data),
                )
                for e in events
            ],
            state=state,
        )
