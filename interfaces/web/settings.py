"""Organisation settings: name, plan and usage, permission switches, members, API tokens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID
from zoneinfo import available_timezones

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from application.errors import Unauthenticated
from application.texts.catalogue import error_text
from application.texts.languages import LANGUAGES
from domain.errors import DomainError, InvalidValue
from domain.organization import PERMISSION_DEFAULTS, Role
from domain.values import Plan
from infrastructure.bootstrap import Services
from interfaces.http.consistency import ReadYourWrites
from interfaces.http.language import reader_language
from interfaces.http.sessions import StaffSessionContext
from interfaces.web.pages import (
    PAGE_EXCEPTION_HANDLERS,
    client_of,
    field,
    page,
    problems_of,
    see_other,
    status_of,
    wait_for_writes,
)
from interfaces.web.webhook_texts import WEBHOOK_TEXTS


class SettingsPages(Controller):
    """`/settings` and its forms; each form needs the role its command needs."""

    path = "/settings"
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/", sync_to_thread=True)
    def settings(
        self,
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
    ) -> Template:
        fresh = wait_for_writes(consistency, staff_session.principal)
        return settings_page(request, services, staff_session, fresh=fresh)

    def _attempt(
        self,
        request: Request[Any, Any, Any],
        services: Services,
        consistency: ReadYourWrites,
        staff_session: StaffSessionContext,
        command: Callable[[], int],
        form: str,
        values: dict[str, str],
        done: str,
    ) -> Template | Redirect:
        """Run a settings command: on success back to the page with a notice; on a
        refusal the page again with the problem beside the form, input kept."""
        lang = reader_language(request)
        try:
            position = command()
        except InvalidValue as invalid:
            return settings_page(
                request,
                services,
                staff_session,
                errors={form: problems_of(invalid, lang)},
                values={form: values},
                status_code=422,
            )
        except Unauthenticated:
            raise
        except DomainError as refused:
            return settings_page(
                request,
                services,
                staff_session,
                alert=error_text(refused, lang),
                values={form: values},
                status_code=status_of(refused),
            )
        consistency.wrote(client_of(staff_session.principal), position)
        return see_other("/settings", done=done, anchor=form)

    @post("/organization", sync_to_thread=True)
    def rename(
        self,
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        changes = {
            name: field(data, name)
            for name in ("name", "language", "time_zone")
            if name == "name" or field(data, name)
        }

        def command() -> int:
            _, position = services.app.change_organization(staff_session.principal, changes)
            return position

        return self._attempt(
            request,
            services,
            consistency,
            staff_session,
            command,
            "organization",
            changes,
            "saved",
        )

    @post("/permissions", sync_to_thread=True)
    def permissions(
        self,
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        """The switches as ticked: an unticked box is sent by no browser, so it means off."""
        switches = {name: bool(field(data, name)) for name in PERMISSION_DEFAULTS}

        def command() -> int:
            _, position = services.app.change_organization(
                staff_session.principal, {"permissions": switches}
            )
            return position

        return self._attempt(
            request, services, consistency, staff_session, command, "permissions", {}, "saved"
        )

    @post("/plan", sync_to_thread=True)
    def plan(
        self,
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        plan = field(data, "plan")

        def command() -> int:
            _, position = services.app.change_organization(staff_session.principal, {"plan": plan})
            return position

        return self._attempt(
            request,
            services,
            consistency,
            staff_session,
            command,
            "plan",
            {"plan": plan},
            "saved",
        )

    @post("/invitations", sync_to_thread=True)
    def invite(
        self,
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        """Invite by e-mail; the invitation mail carries the only copy of its token."""
        values = {"email": field(data, "email"), "role": field(data, "role")}

        def command() -> int:
            issued = services.app.invite_member(
                staff_session.principal, values["email"], values["role"]
            )
            return issued.position

        return self._attempt(
            request, services, consistency, staff_session, command, "invite", values, "invited"
        )

    @post("/invitations/{invitation_id:uuid}/withdraw", sync_to_thread=True)
    def withdraw_invitation(
        self,
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
        invitation_id: FromPath[UUID],
    ) -> Template | Redirect:
        """Take an open invitation back: its link stops working."""

        def command() -> int:
            return services.app.withdraw_invitation(staff_session.principal, invitation_id)

        return self._attempt(
            request,
            services,
            consistency,
            staff_session,
            command,
            "invitations",
            {},
            "invitation_withdrawn",
        )

    @post("/invitations/{invitation_id:uuid}/resend", sync_to_thread=True)
    def resend_invitation(
        self,
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
        invitation_id: FromPath[UUID],
    ) -> Template | Redirect:
        """Send the invitation again with a new link (7 more days); the old link stops."""

        def command() -> int:
            return services.app.resend_invitation(staff_session.principal, invitation_id).position

        return self._attempt(
            request,
            services,
            consistency,
            staff_session,
            command,
            "invitations",
            {},
            "invitation_resent",
        )

    @post("/members/{user_id:uuid}/role", sync_to_thread=True)
    def change_role(
        self,
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
        user_id: FromPath[UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        role = field(data, "role")

        def command() -> int:
            return services.app.change_member_role(staff_session.principal, user_id, role)

        return self._attempt(
            request,
            services,
            consistency,
            staff_session,
            command,
            "members",
            {},
            "role_changed",
        )

    @post("/members/{user_id:uuid}/remove", sync_to_thread=True)
    def remove_member(
        self,
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
        user_id: FromPath[UUID],
    ) -> Template | Redirect:
        def command() -> int:
            return services.app.remove_member(staff_session.principal, user_id)

        return self._attempt(
            request,
            services,
            consistency,
            staff_session,
            command,
            "members",
            {},
            "member_removed",
        )

    @post("/tokens", sync_to_thread=True)
    def create_token(
        self,
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template:
        """Issue a token and show its secret on this answer only (never in a URL)."""
        principal = staff_session.principal
        name = field(data, "name")
        try:
            issued = services.app.create_token(principal, name)
        except InvalidValue as invalid:
            return settings_page(
                request,
                services,
                staff_session,
                errors={"tokens": problems_of(invalid, reader_language(request))},
                values={"tokens": {"name": name}},
                status_code=422,
            )
        consistency.wrote(client_of(principal), issued.position)
        view = services.app.token_view(principal, issued.token_id)
        return page(
            request,
            services,
            staff_session,
            "staff/token_created.html",
            {"token_name": view.name, "secret": issued.token},
            section="settings",
        )

    @post("/tokens/{token_id:uuid}/revoke", sync_to_thread=True)
    def revoke_token(
        self,
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
        token_id: FromPath[UUID],
    ) -> Template | Redirect:
        def command() -> int:
            return services.app.revoke_token(staff_session.principal, token_id)

        return self._attempt(
            request,
            services,
            consistency,
            staff_session,
            command,
            "tokens",
            {},
            "token_revoked",
        )


def zone_choices(current: str) -> list[str]:
    """The zones offered: Europe's and UTC (where our offices are), and the chosen one."""
    zones = [*sorted(z for z in available_timezones() if z.startswith("Europe/")), "UTC"]
    return zones if current in zones else [current, *zones]


def settings_page(
    request: Request[Any, Any, Any],
    services: Services,
    staff_session: StaffSessionContext,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    alert: str | None = None,
    status_code: int = 200,
    fresh: bool = True,
) -> Template:
    principal = staff_session.principal
    organization = services.app.organization(principal)
    limit = organization.customer_limit
    context = {
        "organization": organization,
        "usage_percent": min(100, round(100 * organization.customer_count / limit))
        if limit
        else None,
        "plans": [plan.value for plan in Plan],
        "time_zones": zone_choices(organization.time_zone),
        "languages": list(LANGUAGES),
        "switches": list(PERMISSION_DEFAULTS),
        "members": services.app.members(principal),
        "invitations": services.app.pending_invitations(principal),
        "names": {
            str(k): v for k, v in services.app.member_names(principal.organization_id).items()
        },
        "now": datetime.now(UTC),
        "roles": [role.value for role in Role],
        "tokens": services.app.tokens(principal),
        "errors": errors or {},
        "values": values or {},
        "alert": alert,
        "is_owner": principal.role == Role.OWNER,
        "webhooks_hint": WEBHOOK_TEXTS[reader_language(request)]["settings_hint"],
        "webhooks_link": WEBHOOK_TEXTS[reader_language(request)]["settings_link"],
    }
    return page(
        request,
        services,
        staff_session,
        "staff/settings.html",
        context,
        status_code=status_code,
        fresh=fresh,
        section="settings",
    )
