"""Headers on every answer: no framing, no sniffing, JSON never cached; OPTIONS tells
every method a path has."""

from __future__ import annotations

import re
import uuid

import httpx

from infrastructure.bootstrap import Services
from interfaces.http.app import create_app
from tests.support.api import Account
from tests.support.uploads import create_link


def test_json_answers_are_not_cached_sniffed_or_framed(
    account: Account, http: httpx.Client
) -> None:
    customer = account.create_customer()
    answers = [
        account.get("/api/v1/customers"),
        account.get(f"/api/v1/customers/{customer['id']}"),
        account.post("/api/v1/customers", json={"name": ""}),
        account.get(f"/api/v1/customers/{uuid.uuid4()}"),
        http.get("/api/v1/customers"),
        http.get("/health"),
    ]
    assert [a.status_code for a in answers] == [200, 200, 422, 404, 401, 200]
    for answer in answers:
        assert answer.headers["content-type"].startswith("application/json")
        assert answer.headers["cache-control"] == "no-store", answer.request.url
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_pages_are_not_framed(account: Account, http: httpx.Client) -> None:
    customer = account.create_customer()
    link = create_link(account, customer["id"])
    for page in [http.get("/login"), http.get("/" + link["url"].split("/", 3)[3])]:
        assert page.status_code == 200
        assert page.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["x-content-type-options"] == "nosniff"
        # Every page names our own icon, so no browser asks for a /favicon.ico that is not.
        [icon] = re.findall(r'<link rel="icon" href="([^"]+)"', page.text)
        served = http.get(icon)
        assert served.status_code == 200
        assert served.headers["content-type"].startswith("image/svg+xml")


def test_options_lists_every_method_of_every_path(services: Services, http: httpx.Client) -> None:
    app = create_app(services, start_services=False)
    checked = 0
    for route in app.routes:
        methods = getattr(route, "methods", None)
        if not methods or route.path.startswith(("/static", "/schema")):
            continue
        path = re.sub(r"\{\w+:uuid\}", lambda _: str(uuid.uuid4()), route.path)
        path = re.sub(r"\{\w+:str\}", "some-token", path)
        answer = http.options(path)
        assert answer.status_code == 204, (route.path, answer.text)
        assert set(answer.headers["allow"].split(", ")) == set(methods), route.path
        checked += 1
    assert checked > 40
    assert set(http.options("/api/v1/sessions/current").headers["allow"].split(", ")) == {
        "GET",
        "DELETE",
        "OPTIONS",
    }
