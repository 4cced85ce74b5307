"""Organisation settings: name, plan and usage, permission switches, members, API tokens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID
from zoneinfo import available_timezones

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from application.accounts import IssuedToken
from application.api_tokens import token_name
from application.command import Recorded
from application.texts.languages import LANGUAGES
from domain.errors import DomainError
from domain.organization import PERMISSION_DEFAULTS, Role
from domain.retention import RETENTION_DEFAULTS, RETENTION_MAX_DAYS
from domain.values import Plan
from interfaces.http.sync import run_sync
from interfaces.request_values import value_for
from interfaces.web.form_post import FormPost
from interfaces.web.pages import (
    PAGE_EXCEPTION_HANDLERS,
    StaffPage,
    field,
    see_other,
)
from interfaces.web.template_texts import TEMPLATE_TEXTS
from interfaces.web.webhook_texts import WEBHOOK_TEXTS
from projections.activity_texts import schedule_words

#: A logo form may carry more than the logo's limit, so that a too large logo is refused
#: beside the form (naming the limit) rather than by the server's body cap.
LOGO_FORM_LIMIT = 8 * 1024 * 1024


class SettingsPages(Controller):
    """`/settings` and its forms; each form needs the role its command needs."""

    path = "/settings"
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/", sync_to_thread=True)
    def settings(self, staff_page: NamedDependency[StaffPage]) -> Template:
        return settings_page(staff_page)

    def _attempt(
        self,
        form: FormPost,
        command: Callable[[], Recorded],
        section: str,
        done: str,
        values: dict[str, str] | None = None,
    ) -> Template | Redirect:
        """Run a settings command: on success back to the page with a notice; on a
        refusal the page again with the problem beside the form, input kept."""

        def again(
            *, errors: dict[str, str] | None, alert: str | None, status_code: int
        ) -> Template:
            return settings_page(
                form.page,
                errors={section: errors} if errors is not None else None,
                values={section: values or {}},
                alert=alert,
                status_code=status_code,
            )

        return form.run(
            command,
            again=again,
            then=lambda _: see_other("/settings", done=done, anchor=section),
            alerts=(DomainError,),
        )

    @post("/organization", sync_to_thread=True)
    def rename(
        self,
        form: NamedDependency[FormPost],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        changes = {
            name: field(data, name)
            for name in ("name", "language", "time_zone")
            if name == "name" or field(data, name)
        }
        return self._attempt(
            form,
            lambda: form.app.organization.change(form.principal, changes),
            "organization",
            "saved",
            changes,
        )

    @post("/retention", sync_to_thread=True)
    def retention(
        self,
        form: NamedDependency[FormPost],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        """How long received files are kept: days, an empty field is off."""
        values = {name: field(data, name) for name in RETENTION_DEFAULTS}
        return self._attempt(
            form,
            lambda: form.app.organization.change(form.principal, {"retention": values}),
            "retention",
            "saved",
            values,
        )

    @post("/permissions", sync_to_thread=True)
    def permissions(
        self,
        form: NamedDependency[FormPost],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        """The switches as ticked: an unticked box is sent by no browser, so it means off."""
        switches = {name: bool(field(data, name)) for name in PERMISSION_DEFAULTS}
        return self._attempt(
            form,
            lambda: form.app.organization.change(form.principal, {"permissions": switches}),
            "permissions",
            "saved",
        )

    @post("/notifications", sync_to_thread=True)
    def notifications(
        self,
        form: NamedDependency[FormPost],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        """One's own upload notices on or off (every role; an unticked box means off)."""
        uploads = bool(field(data, "uploads"))
        return self._attempt(
            form,
            lambda: form.app.notifications.change(form.principal, uploads),
            "notifications",
            "saved",
        )

    @post("/branding", sync_to_thread=True)
    def branding(
        self,
        form: NamedDependency[FormPost],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        """Accent colour, sender name and reply address of client mails (blank clears)."""
        values = {name: field(data, name) for name in ("accent_color", "sender_name", "reply_to")}
        return self._attempt(
            form,
            lambda: form.app.branding.change(
                form.principal,
                values["accent_color"] or None,
                values["sender_name"] or None,
                values["reply_to"] or None,
            ),
            "branding",
            "saved",
            values,
        )

    @post("/branding/logo", request_max_body_size=LOGO_FORM_LIMIT)
    async def branding_logo(
        self, request: Request[Any, Any, Any], form: NamedDependency[FormPost]
    ) -> Template | Redirect:
        """A new logo from the form's file field (checked and re-encoded like the API's)."""
        chosen = (await request.form()).get("file")
        data = await chosen.read() if isinstance(chosen, UploadFile) else b""
        return await run_sync(
            self._attempt,
            form,
            lambda: form.app.branding.upload_logo(form.principal, data),
            "branding_logo",
            "saved",
        )

    @post("/branding/logo/remove", sync_to_thread=True)
    def remove_branding_logo(self, form: NamedDependency[FormPost]) -> Template | Redirect:
        return self._attempt(
            form,
            lambda: form.app.branding.remove_logo(form.principal),
            "branding_logo",
            "saved",
        )

    @post("/plan", sync_to_thread=True)
    def plan(
        self,
        form: NamedDependency[FormPost],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        plan = field(data, "plan")
        return self._attempt(
            form,
            lambda: form.app.organization.change(form.principal, {"plan": plan}),
            "plan",
            "saved",
            {"plan": plan},
        )

    @post("/invitations", sync_to_thread=True)
    def invite(
        self,
        form: NamedDependency[FormPost],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        """Invite by e-mail; the invitation mail carries the only copy of its token."""
        values = {"email": field(data, "email"), "role": field(data, "role")}
        invite = form.app.members.invite
        return self._attempt(
            form,
            lambda: invite(
                form.principal,
                values["email"],
                value_for(invite, form.principal, Role.parse, values["role"]),
            ),
            "invite",
            "invited",
            values,
        )

    @post("/invitations/{invitation_id:uuid}/withdraw", sync_to_thread=True)
    def withdraw_invitation(
        self, form: NamedDependency[FormPost], invitation_id: FromPath[UUID]
    ) -> Template | Redirect:
        """Take an open invitation back: its link stops working."""
        return self._attempt(
            form,
            lambda: form.app.members.withdraw_invitation(form.principal, invitation_id),
            "invitations",
            "invitation_withdrawn",
        )

    @post("/invitations/{invitation_id:uuid}/resend", sync_to_thread=True)
    def resend_invitation(
        self, form: NamedDependency[FormPost], invitation_id: FromPath[UUID]
    ) -> Template | Redirect:
        """Send the invitation again with a new link (7 more days); the old link stops."""
        return self._attempt(
            form,
            lambda: form.app.members.resend_invitation(form.principal, invitation_id),
            "invitations",
            "invitation_resent",
        )

    @post("/members/{user_id:uuid}/role", sync_to_thread=True)
    def change_role(
        self,
        form: NamedDependency[FormPost],
        user_id: FromPath[UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        change_role = form.app.members.change_role
        raw = field(data, "role")
        return self._attempt(
            form,
            lambda: change_role(
                form.principal, user_id, value_for(change_role, form.principal, Role.parse, raw)
            ),
            "members",
            "role_changed",
        )

    @post("/members/{user_id:uuid}/remove", sync_to_thread=True)
    def remove_member(
        self,
        form: NamedDependency[FormPost],
        user_id: FromPath[UUID],
    ) -> Template | Redirect:
        return self._attempt(
            form,
            lambda: form.app.members.remove(form.principal, user_id),
            "members",
            "member_removed",
        )

    @post("/tokens", sync_to_thread=True)
    def create_token(
        self, form: NamedDependency[FormPost], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        """Issue a token and show its secret on this answer only (never in a URL)."""
        name = field(data, "name")

        def shown(issued: IssuedToken) -> Template:
            view = form.app.api_tokens.get(form.principal, issued.token_id)
            return form.page.render(
                "staff/token_created.html",
                {"token_name": view.name, "secret": issued.token},
                section="settings",
            )

        def again(
            *, errors: dict[str, str] | None, alert: str | None, status_code: int
        ) -> Template:
            return settings_page(
                form.page,
                errors={"tokens": errors or {}},
                values={"tokens": {"name": name}},
                status_code=status_code,
            )

        return form.run(
            lambda: form.app.api_tokens.create(form.principal, token_name(name)),
            again=again,
            then=shown,
        )

    @post("/tokens/{token_id:uuid}/revoke", sync_to_thread=True)
    def revoke_token(
        self,
        form: NamedDependency[FormPost],
        token_id: FromPath[UUID],
    ) -> Template | Redirect:
        return self._attempt(
            form,
            lambda: form.app.api_tokens.revoke(form.principal, token_id),
            "tokens",
            "token_revoked",
        )


def zone_choices(current: str) -> list[str]:
    """The zones offered: Europe's (where our offices are), and the chosen one (any IANA
    zone can be set through the API)."""
    zones = sorted(z for z in available_timezones() if z.startswith("Europe/"))
    return zones if current in zones else [current, *zones]


def settings_page(
    frame: StaffPage,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    alert: str | None = None,
    status_code: int = 200,
) -> Template:
    principal = frame.principal
    app = frame.app
    organization = app.organization.get(principal)
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
        "retention_periods": list(RETENTION_DEFAULTS),
        "retention_max_days": RETENTION_MAX_DAYS,
        "members": app.members.all(principal),
        "invitations": app.members.pending_invitations(principal),
        "names": {str(k): v for k, v in app.members.names(principal.organization_id).items()},
        "now": datetime.now(UTC),
        "roles": [role.value for role in Role],
        "tokens": app.api_tokens.live(principal),
        "notifications": app.notifications.settings(principal),
        "branding": app.branding.get(principal),
        "tt": TEMPLATE_TEXTS[frame.language],
        "schedule_words": schedule_words(organization.reminder_schedule.to_plain(), frame.language),
        "errors": errors or {},
        "values": values or {},
        "alert": alert,
        "is_owner": principal.role == Role.OWNER,
        "webhooks_hint": WEBHOOK_TEXTS[frame.language]["settings_hint"],
        "webhooks_link": WEBHOOK_TEXTS[frame.language]["settings_link"],
    }
    return frame.render("staff/settings.html", context, status_code=status_code, section="settings")
