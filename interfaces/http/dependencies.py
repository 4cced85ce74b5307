"""What handlers receive, each by its parameter's name (registered once in `create_app`):

- `principal`: the authenticated caller (Bearer token);
- `reads`: read your writes for this request (`interfaces/http/consistency.py`): a query
  has waited for the read models by the time it gets it; a command's answer goes through
  it;
- `read_models`: the read models queries read (asking for them implies `reads`), and
  what is built on them: `customer_export`, `files_archive`;
- the application's contexts by their names on `DocIntake` (`customers: CustomerCommands`,
  `links: UploadLinks`, `files: ReceivedFiles`, ...), and for the presenters `base_url`
  and `link_presenter` (links as the caller's organisation shows them);
- `resumable_uploads`: tus uploads on a link (`interfaces/public/tus.py`);
- `link_files`: what arrived through an upload link, for the client's pages;
- `services`: everything wired, still taken by the staff pages' frame (`StaffPage` in
  `interfaces/web/pages.py`, `FormPost`: the navigation reads members, links and inbox)
  and the staff pages built on it (customers, customer detail, links, document
  templates), and by operations (`ready`, `metrics`) and the bench's baseline route.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

import anyio.to_thread
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath

from application.customer_export import CustomerExport
from application.docintake import DocIntake
from application.errors import Unauthenticated
from application.files_archive import FilesArchive
from application.members import OrganizationSettings
from application.principal import Principal
from application.resumable_uploads import ResumableUploads
from domain.upload_link import UploadLink
from infrastructure.bootstrap import Services
from interfaces.http.consistency import Reads, ReadYourWrites
from interfaces.http.presenters import LinkPresenter, ReminderSetting
from interfaces.http.sessions import provide_session_cookie
from projections.activity import ActivityView
from projections.customer_detail import CustomerDetailView, FileRow, LinkRow, SentFileRow
from projections.customer_list import CustomerListView
from projections.retention import RetentionSchedule, RetentionView

T = TypeVar("T")

#: The application's contexts handed to handlers, by the parameter name they ask for.
CONTEXTS: dict[str, Callable[[DocIntake], object]] = {
    "accounts": lambda app: app.accounts,
    "api_tokens": lambda app: app.api_tokens,
    "branding": lambda app: app.branding,
    "customers": lambda app: app.customers,
    "files": lambda app: app.files,
    "history": lambda app: app.history,
    "inbox": lambda app: app.inbox,
    "links": lambda app: app.links,
    "members": lambda app: app.members,
    "notifications": lambda app: app.notifications,
    "organization": lambda app: app.organization,
    "sent_files": lambda app: app.sent_files,
    "sessions": lambda app: app.sessions,
    "templates": lambda app: app.templates,
    "uploads": lambda app: app.uploads,
    "webhooks": lambda app: app.webhooks,
}


class ReadModels:
    """The read models the JSON API's queries read.

    A plain class on purpose: Litestar would try to validate a dataclass handed to
    handlers as a dependency.
    """

    def __init__(
        self,
        customer_list: CustomerListView,
        customer_detail: CustomerDetailView,
        activity: ActivityView,
        retention: RetentionView,
    ) -> None:
        self.customer_list = customer_list
        self.customer_detail = customer_detail
        self.activity = activity
        self.retention = retention


class CustomerRecord:
    """One of the caller's customers as the read models show it (dependency
    `customer_record`, for routes under `/customers/{customer_id}`): resolved only for a
    customer of the caller's organisation that is not deleted, else 404."""

    def __init__(self, read_models: ReadModels, principal: Principal, customer_id: UUID) -> None:
        self._read_models = read_models
        self._principal = principal
        self.id = customer_id

    def links(self) -> list[LinkRow]:
        return self._read_models.customer_detail.links(self.id)

    def files(self) -> list[FileRow]:
        return self._read_models.customer_detail.files(self.id)

    def sent_files(self) -> list[SentFileRow]:
        return self._read_models.customer_detail.sent_files(self.id)

    def retention(self) -> RetentionSchedule:
        return self._read_models.retention.schedule(self._principal.organization_id, self.id)


class LinkFiles:
    """What arrived through an upload link, for whoever holds the link (dependency
    `link_files`, for the client's pages, which have no principal): read once the read
    model shows everything recorded up to now (the client reads their own upload of a
    moment ago)."""

    def __init__(self, consistency: ReadYourWrites, customer_detail: CustomerDetailView) -> None:
        self._consistency = consistency
        self._customer_detail = customer_detail

    def of(self, link: UploadLink) -> list[FileRow]:
        self._consistency.caught_up_now("customer_detail")
        return self._customer_detail.files_of_link(link.customer_id, link.id)


def provide_link_files(state: State) -> LinkFiles:
    read_models: ReadModels = state.read_models
    return LinkFiles(state.consistency, read_models.customer_detail)


def provide_customer_record(
    state: State,
    read_models: NamedDependency[ReadModels],
    principal: NamedDependency[Principal],
    customer_id: FromPath[UUID],
) -> CustomerRecord:
    services: Services = state.services
    services.app.customers.get(principal, customer_id)
    return CustomerRecord(read_models, principal, customer_id)


def provide_services(state: State) -> Services:
    services: Services = state.services
    return services


def provide_consistency(state: State) -> ReadYourWrites:
    consistency: ReadYourWrites = state.consistency
    return consistency


def provide_principal(request: Request[Any, Any, Any], state: State) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Send Authorization: Bearer <token>.")
    services: Services = state.services
    return services.app.accounts.authenticate(token.strip())


async def provide_reads(
    request: Request[Any, Any, Any],
    consistency: NamedDependency[ReadYourWrites],
    principal: NamedDependency[Principal],
) -> Reads:
    """Read your writes for the request; a query (GET) waits here for the read models."""
    reads = Reads(consistency, principal)
    if request.method == "GET":
        await anyio.to_thread.run_sync(reads.wait)
    return reads


def provide_read_models(reads: NamedDependency[Reads], state: State) -> ReadModels:
    """The read models, handed out after `reads` (a query's wait) was resolved."""
    read_models: ReadModels = state.read_models
    return read_models


def provide_customer_export(
    read_models: NamedDependency[ReadModels], state: State
) -> CustomerExport:
    services: Services = state.services
    return CustomerExport(services.app, read_models.customer_detail, read_models.activity)


def provide_files_archive(read_models: NamedDependency[ReadModels], state: State) -> FilesArchive:
    services: Services = state.services
    return FilesArchive(services.app, read_models.customer_detail)


def provide_resumable_uploads(state: State) -> ResumableUploads:
    services: Services = state.services
    return services.resumable_uploads


def provide_base_url(state: State) -> str:
    services: Services = state.services
    return services.app.base_url


def provide_link_presenter(
    principal: NamedDependency[Principal],
    organization: NamedDependency[OrganizationSettings],
    base_url: NamedDependency[str],
) -> LinkPresenter:
    return LinkPresenter(base_url, lambda: ReminderSetting.of(organization.get(principal)))


def _context(read: Callable[[DocIntake], object]) -> Provide:
    def provide_context(state: State) -> Any:
        services: Services = state.services
        return read(services.app)

    return Provide(provide_context, sync_to_thread=False)


def handler_dependencies() -> dict[str, Provide]:
    """Every dependency a handler may ask for, by name."""
    return {
        "services": Provide(provide_services, sync_to_thread=False),
        "consistency": Provide(provide_consistency, sync_to_thread=False),
        "principal": Provide(provide_principal, sync_to_thread=True),
        "reads": Provide(provide_reads),
        "read_models": Provide(provide_read_models, sync_to_thread=False),
        "customer_export": Provide(provide_customer_export, sync_to_thread=False),
        "files_archive": Provide(provide_files_archive, sync_to_thread=False),
        "resumable_uploads": Provide(provide_resumable_uploads, sync_to_thread=False),
        "link_files": Provide(provide_link_files, sync_to_thread=False),
        "base_url": Provide(provide_base_url, sync_to_thread=False),
        "link_presenter": Provide(provide_link_presenter, sync_to_thread=False),
        "customer_record": Provide(provide_customer_record, sync_to_thread=True),
        "session_cookie": Provide(provide_session_cookie, sync_to_thread=False),
        **{name: _context(read) for name, read in CONTEXTS.items()},
    }


def read_models_of(services: Services) -> ReadModels:
    return ReadModels(
        services.customer_list, services.customer_detail, services.activity, services.retention
    )
