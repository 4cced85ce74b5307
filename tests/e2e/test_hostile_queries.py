"""Control characters in query parameters: 422 naming the parameter, never a 500 (NUL is
what PostgreSQL cannot take), on the API and on the staff overview."""

from __future__ import annotations

import pytest

from tests.e2e.test_staff_pages_http import signed_in
from tests.support.api import Account


@pytest.mark.parametrize("value", ["\x00", "Anna\x00", "\x07", "a\x1fb", "\x7f"])
@pytest.mark.parametrize("parameter", ["q", "cursor"])
def test_the_customer_list_refuses_control_characters(
    account: Account, parameter: str, value: str
) -> None:
    account.create_customer("Anna Schmidt")
    response = account.get("/api/v1/customers", params={parameter: value})
    assert response.status_code == 422, response.text
    assert list(response.json()["error"]["fields"]) == [parameter]


def test_the_activity_cursor_refuses_control_characters(account: Account) -> None:
    customer = account.create_customer()
    response = account.get(
        f"/api/v1/customers/{customer['id']}/activity", params={"cursor": "x\x00"}
    )
    assert response.status_code == 422, response.text
    assert list(response.json()["error"]["fields"]) == ["cursor"]


def test_the_overview_says_in_german_that_the_search_is_refused(
    account: Account, base_url: str
) -> None:
    account.create_customer("Anna Schmidt")
    with signed_in(base_url, account.email) as browser:
        response = browser.get("/customers?q=%00")
        assert response.status_code == 422
        assert "Der Suchbegriff enthält Steuerzeichen" in response.text
        assert 'aria-invalid="true"' in response.text
        assert "\x00" not in response.text
        fragment = browser.get("/customers?q=Anna%07", headers={"X-Fragment": "results"})
        assert fragment.status_code == 422
        foreign_cursor = browser.get("/customers?cursor=%00&trail=%00")
        assert foreign_cursor.status_code == 200
        assert "Anna Schmidt" in foreign_cursor.text
