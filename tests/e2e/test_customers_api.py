"""The contract's customer flow over real HTTP, on SQLite and on PostgreSQL."""

from __future__ import annotations

import httpx

from tests.support.api import PASSWORD, Account, signup


def test_health_and_ready(http: httpx.Client) -> None:
    assert http.get("/health").json() == {"status": "ok"}
    ready = http.get("/ready")
    assert ready.status_code == 200, ready.text


def test_openapi_document_lists_the_customer_endpoints(http: httpx.Client) -> None:
    paths = http.get("/schema/openapi.json").json()["paths"]
    assert "/api/v1/customers" in paths
    assert "/api/v1/customers/{customer_id}/history" in paths


def test_signup_then_token_then_customer_flow(http: httpx.Client) -> None:
    owner = signup(http)
    token = http.post("/api/v1/auth/token", json={"email": owner.email, "password": PASSWORD})
    assert token.status_code == 200
    owner.token = token.json()["token"]

    created = owner.create_customer(
        "Schmidt, Bernd", email="bernd@Gmail.COM", company="Schmidt GmbH"
    )
    assert created["status"] == "open"
    assert created["email"] == "bernd@gmail.com"
    assert created["link_count"] == 0 and created["file_count"] == 0
    assert created["last_upload_at"] is None

    listed = owner.get("/api/v1/customers").json()
    assert [c["id"] for c in listed["items"]] == [created["id"]]
    assert listed["total"] == 1 and listed["next_cursor"] is None

    detail = owner.get(f"/api/v1/customers/{created['id']}").json()
    assert detail["name"] == "Schmidt, Bernd"
    assert detail["notes"] == [] and detail["received_files"] == []


def test_wrong_password_and_unknown_email_get_the_same_401(http: httpx.Client) -> None:
    owner = signup(http)
    wrong = http.post("/api/v1/auth/token", json={"email": owner.email, "password": "x" * 20})
    unknown = http.post(
        "/api/v1/auth/token", json={"email": "nobody@example.com", "password": "x" * 20}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "unauthenticated"


def test_signup_with_a_taken_email_is_a_conflict(http: httpx.Client) -> None:
    owner = signup(http)
    again = http.post(
        "/api/v1/signup",
        json={"organization_name": "X", "email": owner.email.upper(), "password": PASSWORD},
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"


def test_api_needs_a_valid_bearer_token(http: httpx.Client) -> None:
    assert http.get("/api/v1/customers").status_code == 401
    bad = http.get("/api/v1/customers", headers={"Authorization": "Bearer dit_nope"})
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "unauthenticated"


def test_search_matches_name_email_or_company_case_insensitively(account: Account) -> None:
    schmidt = account.create_customer("Bernd Schmidt", company="Bau AG")
    gmail = account.create_customer("Clara Weber", email="clara@gmail.com")
    company = account.create_customer("Dora Klein", company="SCHMIDT Immobilien")
    account.create_customer("Emil Braun", email="emil@web.de")

    def ids(q: str) -> set[str]:
        body = account.get("/api/v1/customers", params={"q": q}).json()
        assert body["total"] == len(body["items"])
        return {c["id"] for c in body["items"]}

    assert ids("schmidt") == {schmidt["id"], company["id"]}
    assert ids("@GMAIL.com") == {gmail["id"]}
    assert ids("immobilien") == {company["id"]}
    assert ids("nobody") == set()
    # LIKE wildcards in the search term are plain characters.
    assert ids("%") == set()
    assert ids("_") == set()


def test_status_filter_sort_and_keyset_pages(account: Account) -> None:
    names = ["delta", "Alpha", "charlie", "Bravo", "echo"]
    created = {n: account.create_customer(n) for n in names}
    account.put(f"/api/v1/customers/{created['charlie']['id']}/status", json={"status": "complete"})

    complete = account.get("/api/v1/customers", params={"status": "complete"}).json()
    assert [c["name"] for c in complete["items"]] == ["charlie"]
    assert complete["total"] == 1

    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, "sort": "name"}
        if cursor:
            params["cursor"] = cursor
        page = account.get("/api/v1/customers", params=params).json()
        assert page["total"] == 5
        seen += [c["name"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["Alpha", "Bravo", "charlie", "delta", "echo"]

    backwards = account.get("/api/v1/customers", params={"sort": "-name"}).json()
    assert [c["name"] for c in backwards["items"]] == seen[::-1]
    newest = account.get("/api/v1/customers", params={"sort": "-created_at", "limit": 1}).json()
    assert newest["items"][0]["name"] == "echo"
    by_upload = account.get("/api/v1/customers", params={"sort": "-last_upload_at"}).json()
    assert len(by_upload["items"]) == 5

    counts = account.get("/api/v1/customers/status-counts").json()
    assert counts == {"open": 4, "partial": 0, "complete": 1, "all": 5}


def test_patch_changes_given_fields_and_null_clears(account: Account) -> None:
    customer = account.create_customer("Anna", email="anna@example.com", company="Firma")
    path = f"/api/v1/customers/{customer['id']}"
    renamed = account.patch(path, json={"name": "  Anna Maier  "})
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Anna Maier"
    assert renamed.json()["email"] == "anna@example.com"
    cleared = account.patch(path, json={"email": None, "company": None}).json()
    assert cleared["email"] is None and cleared["company"] is None
    assert account.get(path).json()["name"] == "Anna Maier"


def test_status_can_move_from_any_status_to_any_other(account: Account) -> None:
    customer = account.create_customer()
    path = f"/api/v1/customers/{customer['id']}/status"
    for status in ["complete", "open", "partial", "open", "complete", "partial"]:
        response = account.put(path, json={"status": status})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status
    history = account.get(f"/api/v1/customers/{customer['id']}/history").json()
    reasons = [e["data"]["reason"] for e in history["events"] if e["type"] == "StatusChanged"]
    assert reasons == ["manual"] * 6


def test_notes_are_listed_on_the_detail(account: Account) -> None:
    customer = account.create_customer()
    note = account.post(
        f"/api/v1/customers/{customer['id']}/notes", json={"text": "Ruft Montag an"}
    )
    assert note.status_code == 201
    assert note.json()["text"] == "Ruft Montag an"
    assert note.json()["author_id"] == account.user_id
    detail = account.get(f"/api/v1/customers/{customer['id']}").json()
    assert [n["text"] for n in detail["notes"]] == ["Ruft Montag an"]


def test_delete_removes_the_customer_and_frees_its_plan_slot(http: httpx.Client) -> None:
    solo = signup(http, plan="solo")
    customers = [solo.create_customer(f"Kunde {i}") for i in range(10)]
    refused = solo.post("/api/v1/customers", json={"name": "Elfter"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "plan_limit_reached"

    gone = customers[0]["id"]
    assert solo.delete(f"/api/v1/customers/{gone}").status_code == 204
    for method, path in [
        ("get", f"/api/v1/customers/{gone}"),
        ("patch", f"/api/v1/customers/{gone}"),
        ("delete", f"/api/v1/customers/{gone}"),
        ("get", f"/api/v1/customers/{gone}/history"),
    ]:
        kwargs = {"json": {"name": "x"}} if method == "patch" else {}
        assert getattr(solo, method)(path, **kwargs).status_code == 404
    listed = solo.get("/api/v1/customers").json()
    assert gone not in {c["id"] for c in listed["items"]}
    assert listed["total"] == 9
    assert solo.post("/api/v1/customers", json={"name": "Neu"}).status_code == 201


def test_history_lists_events_and_state_as_of_each_version(account: Account) -> None:
    customer = account.create_customer("Anna", email="anna@example.com")
    cid = customer["id"]
    account.patch(f"/api/v1/customers/{cid}", json={"company": "Firma"})
    account.put(f"/api/v1/customers/{cid}/status", json={"status": "complete"})
    account.post(f"/api/v1/customers/{cid}/notes", json={"text": "Notiz"})

    history = account.get(f"/api/v1/customers/{cid}/history").json()
    assert history["customer_id"] == cid
    assert [e["type"] for e in history["events"]] == [
        "CustomerCreated",
        "CustomerDetailsChanged",
        "StatusChanged",
        "NoteAdded",
    ]
    assert [e["version"] for e in history["events"]] == [1, 2, 3, 4]
    assert {e["actor_id"] for e in history["events"]} == {account.user_id}
    assert "state" not in history

    expected = [
        {"company": None, "status": "open", "notes": 0},
        {"company": "Firma", "status": "open", "notes": 0},
        {"company": "Firma", "status": "complete", "notes": 0},
        {"company": "Firma", "status": "complete", "notes": 1},
    ]
    for version, want in enumerate(expected, start=1):
        state = account.get(f"/api/v1/customers/{cid}/history", params={"version": version}).json()[
            "state"
        ]
        assert state["version"] == version
        assert state["company"] == want["company"]
        assert state["status"] == want["status"]
        assert state["note_count"] == want["notes"]

    too_far = account.get(f"/api/v1/customers/{cid}/history", params={"version": 5})
    assert too_far.status_code == 422
    assert "version" in too_far.json()["error"]["fields"]
    at_third = history["events"][2]["timestamp"]
    state = account.get(f"/api/v1/customers/{cid}/history", params={"at": at_third}).json()["state"]
    assert state["version"] == 3
