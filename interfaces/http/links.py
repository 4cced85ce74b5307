"""Upload links for staff: create, list, revoke, unlock, send by e-mail."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from msgspec import UNSET

from application.principal import Principal
from application.upload_links import KEEP
from infrastructure.bootstrap import Services
from interfaces.http import schemas
from interfaces.http.consistency import POSITION_HEADER, ReadYourWrites, client_of
from interfaces.http.customers import fresh_headers
from interfaces.http.presenters import ReminderSetting, link_from_aggregate, link_from_row


def setting(services: Services, principal: Principal) -> ReminderSetting:
    """The organisation's time zone and reminder schedule, which a link's reminders follow."""
    return ReminderSetting.of(services.app.organization.get(principal))


class CustomerLinkController(Controller):
    path = "/api/v1/customers/{customer_id:uuid}/links"
    tags = ["upload links"]

    @post("/", status_code=201, sync_to_thread=True)
    def create_link(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        principal: NamedDependency[Principal],
        customer_id: FromPath[UUID],
        data: JSONBody[schemas.CreateLinkRequest],
    ) -> Response[schemas.Link]:
        """Create an upload link for the customer; `url` is the page to give the client."""
        recorded = services.app.links.create(
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
        consistency.wrote(client_of(principal), recorded.position)
        link = services.app.links.get(principal, recorded.id)
        return Response(
            link_from_aggregate(link, services.app.base_url, setting(services, principal)),
            status_code=201,
            headers={POSITION_HEADER: str(recorded.position)},
        )

    @get("/", sync_to_thread=True)
    def list_links(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        principal: NamedDependency[Principal],
        customer_id: FromPath[UUID],
    ) -> Response[schemas.LinkList]:
        """All of the customer's links, newest first, with their status."""
        fresh = consistency.wait(client_of(principal))
        services.app.customer_of(principal, customer_id)
        rows = services.customer_detail.links(customer_id)
        found = setting(services, principal)
        body = schemas.LinkList(
            items=[link_from_row(r, services.app.base_url, found) for r in rows]
        )
        return Response(body, headers=fresh_headers(fresh))


class LinkController(Controller):
    path = "/api/v1/links/{link_id:uuid}"
    tags = ["upload links"]

    def _answer(
        self,
        services: Services,
        consistency: ReadYourWrites,
        principal: Principal,
        link_id: UUID,
        position: int,
        status_code: int = 200,
    ) -> Response[schemas.Link]:
        consistency.wrote(client_of(principal), position)
        link = services.app.links.get(principal, link_id)
        return Response(
            link_from_aggregate(link, services.app.base_url, setting(services, principal)),
            status_code=status_code,
            headers={POSITION_HEADER: str(position)},
        )

    @get("/", sync_to_thread=True)
    def get_link(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        link_id: FromPath[UUID],
    ) -> schemas.Link:
        """One link as it stands now."""
        return link_from_aggregate(
            services.app.links.get(principal, link_id),
            services.app.base_url,
            setting(services, principal),
        )

    @patch("/", sync_to_thread=True)
    def change_link(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        principal: NamedDependency[Principal],
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
        recorded = services.app.links.change(
            principal,
            link_id,
            due_at=KEEP if data.due_at is UNSET else data.due_at,
            reminders_enabled=(
                KEEP if reminders is UNSET or reminders.enabled is UNSET else reminders.enabled
            ),
            schedule=schedule,
        )
        return self._answer(services, consistency, principal, link_id, recorded.position)

    @post("/revoke", status_code=200, sync_to_thread=True)
    def revoke(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        principal: NamedDependency[Principal],
        link_id: FromPath[UUID],
    ) -> Response[schemas.Link]:
        """Stop the link at once."""
        recorded = services.app.links.revoke(principal, link_id)
        return self._answer(services, consistency, principal, link_id, recorded.position)

    @post("/extend", status_code=200, sync_to_thread=True)
    def extend(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        principal: NamedDependency[Principal],
        link_id: FromPath[UUID],
        data: JSONBody[schemas.LinkExpiryRequest],
    ) -> Response[schemas.Link]:
        """Move an active link's expiry later. 409 when the link is revoked or expired
        (reactivate it instead)."""
        recorded = services.app.links.extend(principal, link_id, data.expires_at)
        return self._answer(services, consistency, principal, link_id, recorded.position)

    @post("/reactivate", status_code=200, sync_to_thread=True)
    def reactivate(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        principal: NamedDependency[Principal],
        link_id: FromPath[UUID],
        data: JSONBody[schemas.LinkExpiryRequest],
    ) -> Response[schemas.Link]:
        """Make a revoked or expired link valid again until `expires_at`; the client's page
        opens again under the same address. 409 when the link is still active."""
        recorded = services.app.links.reactivate(principal, link_id, data.expires_at)
        return self._answer(services, consistency, principal, link_id, recorded.position)

    @post("/unlock", status_code=200, sync_to_thread=True)
    def unlock(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        principal: NamedDependency[Principal],
        link_id: FromPath[UUID],
    ) -> Response[schemas.Link]:
        """Let clients try the password again after too many wrong ones locked the link."""
        recorded = services.app.links.unlock(principal, link_id)
        return self._answer(services, consistency, principal, link_id, recorded.position)

    @post("/send", status_code=202, sync_to_thread=True)
    def send(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        principal: NamedDependency[Principal],
        link_id: FromPath[UUID],
        data: JSONBody[schemas.SendLinkRequest | None] = None,
    ) -> Response[schemas.Link]:
        """E-mail the link to `to` or to the customer's address; a job delivers it."""
        request = data or schemas.SendLinkRequest()
        recorded = services.app.links.request_send(principal, link_id, request.to, request.message)
        return self._answer(services, consistency, principal, link_id, recorded.position, 202)

    @put("/reminders", status_code=200, sync_to_thread=True)
    def switch_reminders(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        principal: NamedDependency[Principal],
        link_id: FromPath[UUID],
        data: JSONBody[schemas.SwitchRemindersRequest],
    ) -> Response[schemas.Link]:
        """Switch the link's automatic reminders on or off."""
        recorded = services.app.links.switch_reminders(principal, link_id, data.enabled)
        return self._answer(services, consistency, principal, link_id, recorded.position)

    @post("/remind", status_code=202, sync_to_thread=True)
    def remind(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        principal: NamedDependency[Principal],
        link_id: FromPath[UUID],
    ) -> Response[schemas.Link]:
        """Send the client one reminder now, naming what is still missing; a job delivers it.
        409 when the link is not active, was never sent by e-mail, or nothing is missing."""
        recorded = services.app.links.remind_by_hand(principal, link_id)
        return self._answer(services, consistency, principal, link_id, recorded.position, 202)
