"""A customer's activity history: what happened, newest first, in plain words."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from application.errors import NotFound
from application.members import Members
from application.principal import Principal
from application.upload_links import UploadLinks
from domain.errors import InvalidValue
from interfaces.http import schemas
from interfaces.http.consistency import Reads
from interfaces.http.customers import control_problems
from interfaces.http.dependencies import ReadModels
from projections.activity_texts import language, signed


class ActivityController(Controller):
    path = "/api/v1/customers/{customer_id:uuid}/activity"
    tags = ["customers"]

    @get("/", sync_to_thread=True)
    def activity(
        self,
        request: Request[Any, Any, Any],
        read_models: NamedDependency[ReadModels],
        links: NamedDependency[UploadLinks],
        members: NamedDependency[Members],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        customer_id: FromPath[UUID],
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, QueryParameter(max_length=2000)] = None,
        lang: Annotated[str | None, QueryParameter(max_length=20)] = None,
    ) -> Response[schemas.ActivityPage]:
        """Every event of the customer and its links and files, newest first, keyset-paged;
        summaries in German, or English with `?lang=en` or Accept-Language."""
        problems = control_problems(cursor=cursor, lang=lang)
        if problems:
            raise InvalidValue(problems)
        if read_models.customer_list.get(principal.organization_id, customer_id) is None:
            raise NotFound(f"No customer with id {customer_id}.")
        chosen = language(lang or request.headers.get("accept-language"))
        try:
            zone = links.organization_face(principal.organization_id).time_zone
            page = read_models.activity.page(
                customer_id, limit=limit, cursor=cursor, lang=chosen, zone=zone
            )
        except ValueError:
            raise InvalidValue.single("cursor", "is not a cursor from this list") from None
        # Names of everyone who is or was a member: loaded only when someone is named.
        names = (
            members.names(principal.organization_id)
            if any(item.actor_id for item in page.items)
            else {}
        )
        body = schemas.ActivityPage(
            items=[
                schemas.ActivityItem(
                    at=item.at,
                    type=item.type,
                    actor_id=str(item.actor_id) if item.actor_id else None,
                    actor_name=names.get(item.actor_id) if item.actor_id else None,
                    summary=signed(
                        item.summary, names.get(item.actor_id) if item.actor_id else None, chosen
                    ),
                    data=item.data,
                )
                for item in page.items
            ],
            next_cursor=page.next_cursor,
        )
        return reads.answer(body, headers={"Content-Language": chosen})
