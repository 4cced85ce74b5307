"""A small client for the JSON API: sign up organisations and call endpoints as them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

PASSWORD = "correct horse battery staple"


@dataclass
class Account:
    organization_id: str
    user_id: str
    token: str
    email: str
    client: httpx.Client

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, headers=self._auth(kwargs), **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.post(path, headers=self._auth(kwargs), **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.put(path, headers=self._auth(kwargs), **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.patch(path, headers=self._auth(kwargs), **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.delete(path, headers=self._auth(kwargs), **kwargs)

    def _auth(self, kwargs: dict[str, Any]) -> dict[str, str]:
        headers = dict(kwargs.pop("headers", {}) or {})
        headers.setdefault("Authorization", f"Bearer {self.token}")
        return headers

    def create_customer(self, name: str = "Anna Schmidt", **fields: Any) -> dict[str, Any]:
        response = self.post("/api/v1/customers", json={"name": name, **fields})
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body


def signup(client: httpx.Client, plan: str = "solo", name: str = "Kanzlei Test") -> Account:
    email = f"owner-{uuid.uuid4().hex[:10]}@example.com"
    response = client.post(
        "/api/v1/signup",
        json={"organization_name": name, "email": email, "password": PASSWORD, "plan": plan},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(body["organization_id"], body["user_id"], body["token"], email, client)
