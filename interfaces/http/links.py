"""Upload links for staff: create, list, revoke, unlock, send by e-mail."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from msgspec import UNSET

from application.command import Recorded
from application.principal import Principal
from application.upload_links import KEEP, UploadLinks
from interfaces.http import schemas
from interfaces.http.consistency import Reads
from interfaces.http.dependencies import CustomerRecord
from interfaces.http.presenters import LinkPresenter


class LinkAnswer:
    """A link command's answer (the dependency `answer` of `LinkController`): the link as
    it stands after the command, with the command's position."""

    def __init__(
        self, links: UploadLinks, reads: Reads, principal: Principal, presenter: LinkPresenter
    ) -> None:
        self._links = links
        self._reads = reads
        self._principal = principal
        self._presenter = presenter

    def __call__(self, recorded: Recorded, status_code: int = 200) -> Response[schemas.Link]:
        body = self._presenter.aggregate(self._links.get(self._principal, recorded.id))
        return self._reads.recorded(recorded, body, status_code)


def provide_link_answer(
    links: NamedDependency[UploadLinks],
    reads: NamedDependency[Reads],
    principal: NamedDependency[Principal],
    link_presenter: NamedDependency[LinkPresenter],
) -> LinkAnswer:
    return LinkAnswer(links, reads, principal, link_presenter)


class CustomerLinkController(Controller):
    path = "/api/v1/customers/{customer_id:uuid}/links"
    tags = ["upload links"]

    @post("/", status_code=201, sync_to_thread=True)
    def create_link(
        self,
        links: NamedDependency[UploadLinks],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        link_presenter: NamedDependency[LinkPresenter],
        customer_id: FromPath[UUID],
        data: JSONBody[schemas.CreateLinkRequest],
    ) -> Response[schemas.Link]:
        """Create an upload link for the customer; `url` is the page to give the client."""
        recorded = links.create(
            principal,
            customer_id,
            title=data.title,
            message=data.message,
            expires_at=data.expires_at,
            max_file_size=data.max_file_size,
            max_files=data.max_files,
            allowed_types_value=data.allowed_types,
            password=data.password,
            due_at=data.due_at,
            template_id=data.template_id,
            reminders_enabled=data.reminders.enabled if data.reminders else True,
            requested_items_value=(
                None
                if data.requested_items is None
                else [
                    {"label": item.label, "hint": item.hint}
                    if isinstance(item, schemas.RequestedItemRequest)
                    else item
                    for item in data.requested_items
                ]
            ),
        )
        body = link_presenter.aggregate(links.get(principal, recorded.id))
        return reads.recorded(recorded, body, status_code=201)

    @get("/", sync_to_thread=True)
    def list_links(
        self,
        customer_record: NamedDependency[CustomerRecord],
        reads: NamedDependency[Reads],
        link_presenter: NamedDependency[LinkPresenter],
        customer_id: FromPath[UUID],
    ) -> Response[schemas.LinkList]:
        """All of the customer's links, newest first, with their status."""
        items = [link_presenter.row(r) for r in customer_record.links()]
        return reads.answer(schemas.LinkList(items=items))


class LinkController(Controller):
    path = "/api/v1/links/{link_id:uuid}"
    tags = ["upload links"]
    dependencies = {"answer": Provide(provide_link_answer, sync_to_thread=False)}

    @get("/", sync_to_thread=True)
    def get_link(
        self,
        links: NamedDependency[UploadLinks],
        principal: NamedDependency[Principal],
        link_presenter: NamedDependency[LinkPresenter],
        link_id: FromPath[UUID],
    ) -> schemas.Link:
        """One link as it stands now."""
        return link_presenter.aggregate(links.get(principal, link_id))

    @patch("/", sync_to_thread=True)
    def change_link(
        self,
        links: NamedDependency[UploadLinks],
        principal: NamedDependency[Principal],
        answer: NamedDependency[LinkAnswer],
        link_id: FromPath[UUID],
        data: JSONBody[schemas.ChangeLinkRequest],
    ) -> Response[schemas.Link]:
        """Change the due date (null clears it; the reminders follow the new date), switch
        the reminders, give the link its own schedule or (null) the organisation's again."""
        reminders = data.reminders
        schedule: object = KEEP
        if reminders is not UNSET and reminders.schedule is not UNSET:
            own = reminders.schedule
            schedule = None if own is None else own.plain()
        recorded = links.change(
            principal,
            link_id,
            due_at=KEEP if data.due_at is UNSET else data.due_at,
            reminders_enabled=(
                KEEP if reminders is UNSET or reminders.enabled is UNSET else reminders.enabled
            ),
            schedule=schedule,
        )
        return answer(recorded)

    @post("/revoke", status_code=200, sync_to_thread=True)
    def revoke(
        self,
        links: NamedDependency[UploadLinks],
        principal: NamedDependency[Principal],
        answer: NamedDependency[LinkAnswer],
        link_id: FromPath[UUID],
    ) -> Response[schemas.Link]:
        """Stop the link at once."""
        return answer(links.revoke(principal, link_id))

    @post("/extend", status_code=200, sync_to_thread=True)
    def extend(
        self,
        links: NamedDependency[UploadLinks],
        principal: NamedDependency[Principal],
        answer: NamedDependency[LinkAnswer],
        link_id: FromPath[UUID],
        data: JSONBody[schemas.LinkExpiryRequest],
    ) -> Response[schemas.Link]:
        """Move an active link's expiry later. 409 when the link is revoked or expired
        (reactivate it instead)."""
        return answer(links.extend(principal, link_id, data.expires_at))

    @post("/reactivate", status_code=200, sync_to_thread=True)
    def reactivate(
        self,
        links: NamedDependency[UploadLinks],
        principal: NamedDependency[Principal],
        answer: NamedDependency[LinkAnswer],
        link_id: FromPath[UUID],
        data: JSONBody[schemas.LinkExpiryRequest],
    ) -> Response[schemas.Link]:
        """Make a revoked or expired link valid again until `expires_at`; the client's page
        opens again under the same address. 409 when the link is still active."""
        return answer(links.reactivate(principal, link_id, data.expires_at))

    @post("/unlock", status_code=200, sync_to_thread=True)
    def unlock(
        self,
        links: NamedDependency[UploadLinks],
        principal: NamedDependency[Principal],
        answer: NamedDependency[LinkAnswer],
        link_id: FromPath[UUID],
    ) -> Response[schemas.Link]:
        """Let clients try the password again after too many wrong ones locked the link."""
        return answer(links.unlock(principal, link_id))

    @post("/send", status_code=202, sync_to_thread=True)
    def send(
        self,
        links: NamedDependency[UploadLinks],
        principal: NamedDependency[Principal],
        answer: NamedDependency[LinkAnswer],
        link_id: FromPath[UUID],
        data: JSONBody[schemas.SendLinkRequest | None] = None,
    ) -> Response[schemas.Link]:
        """E-mail the link to `to` or to the customer's address; a job delivers it."""
        request = data or schemas.SendLinkRequest()
        return answer(links.request_send(principal, link_id, request.to, request.message), 202)

    @put("/reminders", status_code=200, sync_to_thread=True)
    def switch_reminders(
        self,
        links: NamedDependency[UploadLinks],
        principal: NamedDependency[Principal],
        answer: NamedDependency[LinkAnswer],
        link_id: FromPath[UUID],
        data: JSONBody[schemas.SwitchRemindersRequest],
    ) -> Response[schemas.Link]:
        """Switch the link's automatic reminders on or off."""
        return answer(links.switch_reminders(principal, link_id, data.enabled))

    @post("/remind", status_code=202, sync_to_thread=True)
    def remind(
        self,
        links: NamedDependency[UploadLinks],
        principal: NamedDependency[Principal],
        answer: NamedDependency[LinkAnswer],
        link_id: FromPath[UUID],
    ) -> Response[schemas.Link]:
        """Send the client one reminder now, naming what is still missing; a job delivers it.
        409 when the link is not active, was never sent by e-mail, or nothing is missing."""
        return answer(links.remind_by_hand(principal, link_id), 202)
