"""Every role against every command endpoint, as the organisation's settings say.

The endpoints come from the application's route table: a command endpoint
(any method but GET, HEAD and OPTIONS) without a line in `RULES` fails the
tests, naming it. Adding an endpoint means adding one line there: the
permission it needs (a key of `ROLES_WITH`, or `PUBLIC`) and how to call it
successfully (a `Call` built from a fresh `Team`).

Who may do what is written out here from the contract (API.md "Organisation
and team") and the product page, independently of `application.permissions`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from infrastructure.bootstrap import Services, bootstrap
from infrastructure.settings import Settings
from interfaces.http.app import create_app
from tests.support.api import Account
from tests.support.images import png_logo
from tests.support.team import add_member
from tests.support.uploads import create_link, pdf_bytes, upload

QUERY_METHODS = {"GET", "HEAD", "OPTIONS"}
PUBLIC = "public"

#: Who may do what with the default switches. `member` is further limited by the switch of
#: MEMBER_SWITCHES where an action has one.
ROLES_WITH: dict[str, set[str]] = {
    "manage_customers": {"owner", "admin", "member"},
    "delete_customers": {"owner", "admin", "member"},
    "manage_links": {"owner", "admin", "member"},
    "send_links": {"owner", "admin", "member"},
    "review_files": {"owner", "admin", "member"},
    "send_files": {"owner", "admin", "member"},
    "manage_members": {"owner", "admin"},
    "manage_settings": {"owner", "admin"},
    "change_plan": {"owner"},
    "own_tokens": {"owner", "admin", "member", "viewer"},
    "own_settings": {"owner", "admin", "member", "viewer"},
}
MEMBER_SWITCHES = {
    "delete_customers": "members_can_delete_customers",
    "send_links": "members_can_send_links",
    "review_files": "members_can_review_files",
    "manage_links": "members_can_manage_links",
}
DEFAULT_SWITCHES = {
    "members_can_delete_customers": False,
    "members_can_send_links": True,
    "members_can_review_files": True,
    "members_can_manage_links": True,
}
FLIPPED_SWITCHES = {name: not on for name, on in DEFAULT_SWITCHES.items()}


@dataclass(frozen=True)
class Call:
    """One request that succeeds (with `expect`) when the actor may do it."""

    path: str
    json: Any = None
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None
    expect: int = 200


@dataclass
class Team:
    """An organisation with one account per role; resources are made by the owner."""

    owner: Account
    admin: Account
    member: Account
    viewer: Account
    data_dir: Path
    by_role: dict[str, Account] = field(default_factory=dict)
    spare: str | None = None

    def __post_init__(self) -> None:
        self.by_role = {
            "owner": self.owner,
            "admin": self.admin,
            "member": self.member,
            "viewer": self.viewer,
        }

    def customer(self) -> str:
        return str(self.owner.create_customer("Matrix Kunde", email="kunde@example.com")["id"])

    def link(self) -> str:
        return str(create_link(self.owner, self.customer())["id"])

    def revoked_link(self) -> str:
        link = self.link()
        assert self.owner.post(f"/api/v1/links/{link}/revoke").status_code == 200
        return link

    def received_file(self) -> str:
        link = create_link(self.owner, self.customer())
        response = upload(self.owner.client, link, ("beleg.pdf", pdf_bytes(2_000)))
        assert response.status_code == 201, response.text
        return str(response.json()["files"][0]["id"])

    def spare_member(self) -> str:
        """A member the owner added for being changed or removed: the same one until an
        allowed removal took it (joining costs a password hash, the slowest step here)."""
        members = {m["user_id"] for m in self.owner.get("/api/v1/members").json()["items"]}
        if self.spare is None or self.spare not in members:
            self.spare = add_member(self.owner, self.data_dir, "viewer").user_id
        return self.spare

    def note_of(self, actor: Account) -> str:
        """A customer's note path, the note written by `actor` where it may write one (a
        note's author may change it), else by the owner."""
        customer = self.customer()
        path = f"{C}/{customer}/notes"
        written = actor.post(path, json={"text": "Eigene Notiz"})
        if written.status_code != 201:
            written = self.owner.post(path, json={"text": "Notiz der Inhaberin"})
        assert written.status_code == 201, written.text
        return f"{path}/{written.json()['id']}"

    def webhook(self) -> str:
        response = self.owner.post(WEBHOOKS, json=WEBHOOK)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def invitation(self) -> str:
        response = self.owner.post(
            "/api/v1/invitations",
            json={"email": f"offen-{uuid.uuid4().hex[:8]}@example.com", "role": "viewer"},
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def template(self) -> str:
        response = self.owner.post("/api/v1/templates", json=TEMPLATE)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def token_of(self, actor: Account) -> str:
        response = actor.post("/api/v1/tokens", json={"name": "wegwerf"})
        assert response.status_code == 201, response.text
        return str(response.json()["id"])


Prepare = Callable[[Team, Account], Call]


@dataclass(frozen=True)
class Rule:
    method: str
    route: str  # as in the route table, path parameters with their types
    permission: str  # a key of ROLES_WITH, or PUBLIC (no bearer token involved)
    prepare: Prepare | None = None


def _later(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def _file_part() -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("file", ("antwort.pdf", pdf_bytes(2_000), "application/pdf"))]


C = "/api/v1/customers"
WEBHOOKS = "/api/v1/webhooks"
# A global address (no name to resolve); the suite's sender refuses to connect to it anyway,
# and no event of this type happens in these tests.
WEBHOOK = {"url": "https://93.184.215.14/docintake", "events": ["link.expired"]}
TEMPLATES = "/api/v1/templates"
TEMPLATE = {"name": "Einkommensteuer 2025", "items": [{"label": "Lohnsteuerbescheinigung"}]}
BRANDING = "/api/v1/organization/branding"
# fmt: off
RULES: list[Rule] = [
    Rule("POST", "/api/v1/signup", PUBLIC),
    Rule("POST", "/api/v1/auth/token", PUBLIC),
    Rule("POST", "/api/v1/invitations/{token:str}/accept", PUBLIC),
    Rule("POST", "/api/v1/sessions", PUBLIC),
    # Cookie and CSRF token rather than a bearer token: see test_staff_sessions.py.
    Rule("DELETE", "/api/v1/sessions/current", PUBLIC),
    Rule("POST", "/u/{token:str}/files", PUBLIC),
    Rule("POST", "/u/{token:str}/files/{file_id:uuid}/remove", PUBLIC),
    Rule("POST", "/u/{token:str}/access", PUBLIC),
    # tus: the link's token (and password) on every request, like the multipart upload.
    Rule("POST", "/u/{token:str}/tus", PUBLIC),
    Rule("PATCH", "/u/{token:str}/tus/{upload_id:str}", PUBLIC),
    Rule("DELETE", "/u/{token:str}/tus/{upload_id:str}", PUBLIC),
    # The staff pages: session cookie and CSRF token rather than a bearer token. Their
    # CSRF checks and role refusals: tests/e2e/test_staff_pages_http.py walks these routes.
    *[Rule("POST", path, PUBLIC) for path in (
        "/login", "/logout", "/customers/new",
        "/customers/{customer_id:uuid}/details", "/customers/{customer_id:uuid}/status",
        "/customers/{customer_id:uuid}/notes", "/customers/{customer_id:uuid}/delete",
        "/customers/{customer_id:uuid}/notes/{note_id:uuid}/edit",
        "/customers/{customer_id:uuid}/notes/{note_id:uuid}/delete",
        "/customers/{customer_id:uuid}/sent-files", "/customers/{customer_id:uuid}/links/new",
        "/files/{file_id:uuid}/review", "/links/{link_id:uuid}/send",
        "/links/{link_id:uuid}/revoke", "/links/{link_id:uuid}/unlock",
        "/links/{link_id:uuid}/extend", "/links/{link_id:uuid}/reactivate",
        "/links/{link_id:uuid}/reminders",
        "/settings/organization", "/settings/permissions", "/settings/plan",
        "/settings/retention",
        "/settings/invitations", "/settings/members/{user_id:uuid}/role",
        "/settings/members/{user_id:uuid}/remove", "/settings/tokens",
        "/settings/tokens/{token_id:uuid}/revoke",
        "/settings/webhooks", "/settings/webhooks/{webhook_id:uuid}/rotate",
        "/settings/webhooks/{webhook_id:uuid}/switch",
        "/settings/webhooks/{webhook_id:uuid}/remove",
        "/settings/webhooks/{webhook_id:uuid}/deliveries/{delivery_id:uuid}/send-again",
        "/inbox/read", "/inbox/{notice_id:uuid}/open",
        "/invitations/{token:str}", "/settings/notifications",
        "/settings/invitations/{invitation_id:uuid}/resend",
        "/settings/invitations/{invitation_id:uuid}/withdraw",
        "/settings/branding", "/settings/branding/logo", "/settings/branding/logo/remove",
        "/settings/reminders", "/settings/templates/new",
        "/settings/templates/{template_id:uuid}", "/settings/templates/{template_id:uuid}/delete",
    )],
    Rule("POST", C, "manage_customers", lambda t, a: Call(C, {"name": "Neu"}, expect=201)),
    Rule("PATCH", C + "/{customer_id:uuid}", "manage_customers",
         lambda t, a: Call(f"{C}/{t.customer()}", {"name": "Umbenannt"})),
    Rule("PUT", C + "/{customer_id:uuid}/status", "manage_customers",
         lambda t, a: Call(f"{C}/{t.customer()}/status", {"status": "complete"})),
    Rule("POST", C + "/{customer_id:uuid}/notes", "manage_customers",
         lambda t, a: Call(f"{C}/{t.customer()}/notes", {"text": "Notiz"}, expect=201)),
    # Another's note: only admins and owners (test_customer_numbers_and_notes.py).
    Rule("PATCH", C + "/{customer_id:uuid}/notes/{note_id:uuid}", "manage_customers",
         lambda t, a: Call(t.note_of(a), {"text": "Geändert"})),
    Rule("DELETE", C + "/{customer_id:uuid}/notes/{note_id:uuid}", "manage_customers",
         lambda t, a: Call(t.note_of(a), expect=204)),
    Rule("DELETE", C + "/{customer_id:uuid}", "delete_customers",
         lambda t, a: Call(f"{C}/{t.customer()}", expect=204)),
    Rule("POST", C + "/{customer_id:uuid}/links", "manage_links",
         lambda t, a: Call(f"{C}/{t.customer()}/links", {}, expect=201)),
    Rule("POST", "/api/v1/links/{link_id:uuid}/revoke", "manage_links",
         lambda t, a: Call(f"/api/v1/links/{t.link()}/revoke")),
    Rule("POST", "/api/v1/links/{link_id:uuid}/unlock", "manage_links",
         lambda t, a: Call(f"/api/v1/links/{t.link()}/unlock")),
    Rule("POST", "/api/v1/links/{link_id:uuid}/extend", "manage_links",
         lambda t, a: Call(f"/api/v1/links/{t.link()}/extend", {"expires_at": _later(40)})),
    Rule("POST", "/api/v1/links/{link_id:uuid}/reactivate", "manage_links",
         lambda t, a: Call(f"/api/v1/links/{t.revoked_link()}/reactivate",
                           {"expires_at": _later(10)})),
    Rule("POST", "/api/v1/links/{link_id:uuid}/send", "send_links",
         lambda t, a: Call(f"/api/v1/links/{t.link()}/send", {}, expect=202)),
    Rule("PUT", "/api/v1/files/{file_id:uuid}/review", "review_files",
         lambda t, a: Call(f"/api/v1/files/{t.received_file()}/review", {"state": "checked"})),
    # Deleting a received file counts as managing links (application/files.py).
    Rule("DELETE", "/api/v1/files/{file_id:uuid}", "manage_links",
         lambda t, a: Call(f"/api/v1/files/{t.received_file()}", expect=204)),
    Rule("POST", C + "/{customer_id:uuid}/sent-files", "send_files",
         lambda t, a: Call(f"{C}/{t.customer()}/sent-files", files=_file_part(), expect=201)),
    Rule("PATCH", "/api/v1/organization", "manage_settings",
         lambda t, a: Call("/api/v1/organization", {"name": "Kanzlei Neu"})),
    Rule("PATCH", "/api/v1/organization", "change_plan",
         lambda t, a: Call("/api/v1/organization", {"plan": "team"})),
    Rule("POST", "/api/v1/invitations", "manage_members",
         lambda t, a: Call("/api/v1/invitations",
                           {"email": f"neu-{uuid.uuid4().hex[:8]}@example.com", "role": "viewer"},
                           expect=201)),
    Rule("PATCH", "/api/v1/members/{user_id:uuid}", "manage_members",
         lambda t, a: Call(f"/api/v1/members/{t.spare_member()}", {"role": "member"})),
    Rule("DELETE", "/api/v1/members/{user_id:uuid}", "manage_members",
         lambda t, a: Call(f"/api/v1/members/{t.spare_member()}", expect=204)),
    Rule("POST", "/api/v1/tokens", "own_tokens",
         lambda t, a: Call("/api/v1/tokens", {"name": "Integration"}, expect=201)),
    Rule("DELETE", "/api/v1/tokens/{token_id:uuid}", "own_tokens",
         lambda t, a: Call(f"/api/v1/tokens/{t.token_of(a)}", expect=204)),
    Rule("POST", WEBHOOKS, "manage_settings", lambda t, a: Call(WEBHOOKS, WEBHOOK, expect=201)),
    Rule("PATCH", WEBHOOKS + "/{webhook_id:uuid}", "manage_settings",
         lambda t, a: Call(f"{WEBHOOKS}/{t.webhook()}", {"events": ["reminder.sent"]})),
    Rule("DELETE", WEBHOOKS + "/{webhook_id:uuid}", "manage_settings",
         lambda t, a: Call(f"{WEBHOOKS}/{t.webhook()}", expect=204)),
    Rule("POST", WEBHOOKS + "/{webhook_id:uuid}/rotate-secret", "manage_settings",
         lambda t, a: Call(f"{WEBHOOKS}/{t.webhook()}/rotate-secret")),
    # No delivery exists here: the role is checked first (403), an allowed one gets 404.
    Rule("POST", WEBHOOKS + "/{webhook_id:uuid}/deliveries/{delivery_id:uuid}/send-again",
         "manage_settings",
         lambda t, a: Call(f"{WEBHOOKS}/{t.webhook()}/deliveries/{uuid.uuid4()}/send-again",
                           expect=404)),
    Rule("DELETE", "/api/v1/invitations/{token:str}", "manage_members",
         lambda t, a: Call(f"/api/v1/invitations/{t.invitation()}", expect=204)),
    Rule("POST", "/api/v1/invitations/{token:str}/resend", "manage_members",
         lambda t, a: Call(f"/api/v1/invitations/{t.invitation()}/resend", expect=201)),
    Rule("PATCH", "/api/v1/links/{link_id:uuid}", "manage_links",
         lambda t, a: Call(f"/api/v1/links/{t.link()}", {"reminders": {"enabled": False}})),
    Rule("PATCH", "/api/v1/organization", "manage_settings",
         lambda t, a: Call("/api/v1/organization", {"reminder_schedule": {"max_count": 3}})),
    Rule("PUT", "/api/v1/links/{link_id:uuid}/reminders", "manage_links",
         lambda t, a: Call(f"/api/v1/links/{t.link()}/reminders", {"enabled": False})),
    # A link never sent by e-mail: the role is checked first (403), an allowed one gets 409.
    Rule("POST", "/api/v1/links/{link_id:uuid}/remind", "send_links",
         lambda t, a: Call(f"/api/v1/links/{t.link()}/remind", expect=409)),
    Rule("POST", TEMPLATES, "manage_settings",
         lambda t, a: Call(TEMPLATES, TEMPLATE, expect=201)),
    Rule("PATCH", TEMPLATES + "/{template_id:uuid}", "manage_settings",
         lambda t, a: Call(f"{TEMPLATES}/{t.template()}", {"name": "Umbenannt"})),
    Rule("DELETE", TEMPLATES + "/{template_id:uuid}", "manage_settings",
         lambda t, a: Call(f"{TEMPLATES}/{t.template()}", expect=204)),
    Rule("PUT", BRANDING, "manage_settings",
         lambda t, a: Call(BRANDING, {"accent_color": "#1f4e79", "sender_name": "Kanzlei"})),
    Rule("PUT", BRANDING + "/logo", "manage_settings",
         lambda t, a: Call(BRANDING + "/logo",
                           files=[("file", ("logo.png", png_logo(60, 30), "image/png"))])),
    Rule("DELETE", BRANDING + "/logo", "manage_settings",
         lambda t, a: Call(BRANDING + "/logo", expect=204)),
    Rule("POST", "/api/v1/inbox/read", "own_settings",
         lambda t, a: Call("/api/v1/inbox/read", {})),
    Rule("PUT", "/api/v1/members/me/notifications", "own_settings",
         lambda t, a: Call("/api/v1/members/me/notifications", {"uploads": True})),
]
# fmt: on


def command_endpoints(services: Services) -> set[tuple[str, str]]:
    """(method, route) of every command endpoint in the application's route table."""
    app = create_app(services, start_services=False)
    return {
        (method, route.path)
        for route in app.routes
        for method in getattr(route, "methods", set())
        if method not in QUERY_METHODS
    }


def unruled(services: Services) -> list[str]:
    ruled = {(rule.method, rule.route) for rule in RULES}
    return sorted(f"{m} {p}" for m, p in command_endpoints(services) - ruled)


def expected_allowed(rule: Rule, role: str, switches: dict[str, bool]) -> bool:
    if role not in ROLES_WITH[rule.permission]:
        return False
    switch = MEMBER_SWITCHES.get(rule.permission)
    return role != "member" or switch is None or switches[switch]


def send(actor: Account | None, client: httpx.Client, method: str, call: Call) -> httpx.Response:
    headers = {"Authorization": f"Bearer {actor.token}"} if actor else {}
    return client.request(
        method,
        call.path,
        json=call.json,
        files=call.files,
        headers=headers,
    )


def walk(team: Team, roles: list[str | None], switches: dict[str, bool]) -> list[str]:
    """Call every ruled endpoint as each role (None: without a token); the differences
    from what is expected."""
    problems: list[str] = []
    for rule in RULES:
        if rule.permission == PUBLIC:
            continue
        assert rule.prepare is not None, f"{rule.method} {rule.route} needs a prepare function"
        for role in roles:
            actor = team.by_role[role] if role else None
            call = rule.prepare(team, actor or team.owner)
            response = send(actor, team.owner.client, rule.method, call)
            allowed = role is not None and expected_allowed(rule, role, switches)
            wanted = call.expect if allowed else 403 if role else 401
            refusal = "forbidden" if role else "unauthenticated"
            code_ok = allowed or response.json().get("error", {}).get("code") == refusal
            if response.status_code != wanted or not code_ok:
                problems.append(
                    f"{role or 'nobody':>7} {rule.method} {rule.route} ({rule.permission}): "
                    f"expected {wanted}, got {response.status_code} {response.text[:200]}"
                )
    return problems


@pytest.fixture
def team(account: Account, services: Services) -> Team:
    data_dir = services.settings.data_dir
    return Team(
        owner=account,
        admin=add_member(account, data_dir, "admin"),
        member=add_member(account, data_dir, "member"),
        viewer=add_member(account, data_dir, "viewer"),
        data_dir=data_dir,
    )


@pytest.fixture
def route_table_services(tmp_path: Path) -> Iterator[Services]:
    services = bootstrap(Settings(data_dir=tmp_path / "routes"))
    yield services
    services.close()


def test_every_command_endpoint_has_a_rule(route_table_services: Services) -> None:
    missing = unruled(route_table_services)
    assert not missing, (
        "command endpoints without a permission rule in tests/e2e/test_permissions.py RULES "
        "(add one line each): " + ", ".join(missing)
    )
    stale = {(r.method, r.route) for r in RULES} - command_endpoints(route_table_services)
    assert not stale, f"rules for endpoints that do not exist: {sorted(stale)}"
    assert all(r.permission == PUBLIC or r.permission in ROLES_WITH for r in RULES)


def test_every_role_against_every_command(team: Team, services: Services) -> None:
    missing = unruled(services)
    assert not missing, f"command endpoints without a permission rule: {', '.join(missing)}"
    organization = team.owner.get("/api/v1/organization").json()
    assert organization["permissions"] == DEFAULT_SWITCHES

    problems = walk(team, ["owner", "admin", "member", "viewer", None], DEFAULT_SWITCHES)

    # Flipping every switch changes what members may do from the very next request on.
    response = team.owner.patch("/api/v1/organization", json={"permissions": FLIPPED_SWITCHES})
    assert response.status_code == 200, response.text
    assert response.json()["permissions"] == FLIPPED_SWITCHES
    problems += walk(team, ["member", "admin"], FLIPPED_SWITCHES)
    assert not problems, "\n".join(problems)


def test_a_switch_applies_to_the_next_request(team: Team) -> None:
    first, second = team.customer(), team.customer()
    assert team.member.delete(f"/api/v1/customers/{first}").status_code == 403

    allow = {"permissions": {"members_can_delete_customers": True}}
    assert team.admin.patch("/api/v1/organization", json=allow).status_code == 200
    assert team.member.delete(f"/api/v1/customers/{first}").status_code == 204

    deny = {"permissions": {"members_can_delete_customers": False}}
    assert team.owner.patch("/api/v1/organization", json=deny).status_code == 200
    refused = team.member.delete(f"/api/v1/customers/{second}")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"


def test_a_refused_role_learns_403_before_its_values_are_judged(team: Team) -> None:
    """Values are parsed in the interface, but only once the caller may run the command:
    a viewer's unknown status, role (of a member or an invitation) or review state is 403
    like any of theirs; a caller who may is told 422 naming the field."""
    customer = team.customer()
    received = team.received_file()
    for field_name, allowed, path, body, method in (
        ("status", team.member, f"{C}/{customer}/status", {"status": "erledigt"}, "put"),
        ("role", team.admin, f"/api/v1/members/{team.spare_member()}", {"role": "chef"}, "patch"),
        ("state", team.member, f"/api/v1/files/{received}/review", {"state": "fertig"}, "put"),
        (
            "role",
            team.admin,
            "/api/v1/invitations",
            {"email": "neu@example.com", "role": "chef"},
            "post",
        ),
    ):
        refused = getattr(team.viewer, method)(path, json=body)
        assert refused.status_code == 403, refused.text
        judged = getattr(allowed, method)(path, json=body)
        assert judged.status_code == 422, judged.text
        assert field_name in judged.json()["error"]["fields"]
