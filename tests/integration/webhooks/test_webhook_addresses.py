"""SSRF: where a webhook may not go is decided before any connection is opened.

The sender is the real one with its connector replaced by a guard that fails the
test on any non-loopback address, and (for names) its resolver by a table: no
packet leaves 127.0.0.1, whatever the code under test would do.
"""

from __future__ import annotations

import pytest

from application.webhook_ports import WebhookRefused, WebhookRequest
from domain.errors import InvalidValue
from domain.webhook_address import literal_address, refused_address, webhook_url
from tests.support.webhooks import (
    ConnectionGuard,
    Receiver,
    loopback_only_sender,
    receiving,
)

NAMES = {
    "metadata.example.net": ["169.254.169.254"],
    "intranet.example.net": ["10.0.0.1"],
    "mixed.example.net": ["93.184.215.14", "10.0.0.1"],
    "loopback.example.net": ["127.0.0.1"],
}

REQUEST = WebhookRequest(url="", headers={"content-type": "application/json"}, body=b"{}")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://10.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "http://metadata.example.net/hook",
        "http://intranet.example.net:8080/hook",
        "http://mixed.example.net/hook",
        "http://loopback.example.net/hook",
        "http://[::1]/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "http://[fe80::1]/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
        "http://192.168.178.1/hook",
        "http://172.16.5.4/hook",
        "http://224.0.0.1/hook",
    ],
)
def test_refused_before_any_connection(url: str) -> None:
    guard = ConnectionGuard()
    sender = loopback_only_sender(guard, allow_private=False, names=NAMES)
    with pytest.raises(WebhookRefused):
        sender.check(url)
    with pytest.raises(WebhookRefused):
        sender.post(WebhookRequest(url, REQUEST.headers, REQUEST.body))
    assert guard.opened == [] and guard.refused == []


def test_a_public_address_passes_the_check_and_the_guard_stops_the_connection() -> None:
    """Proof that the guard is in the path: a global address is allowed by the rules, and
    the guard (not the network) is what the sender reaches."""
    guard = ConnectionGuard()
    sender = loopback_only_sender(guard, allow_private=False, names=NAMES)
    sender.check("https://hooks.example.org/x")  # does not resolve here: checked at send
    with pytest.raises(AssertionError):
        sender.post(WebhookRequest("http://93.184.215.14/hook", REQUEST.headers, REQUEST.body))
    assert guard.refused == [("93.184.215.14", 80)] and guard.opened == []


def test_the_test_setting_lets_loopback_through_to_a_real_receiver() -> None:
    guard = ConnectionGuard()
    with receiving(Receiver([204])) as receiver:
        sender = loopback_only_sender(guard, allow_private=True)
        assert sender.post(WebhookRequest(receiver.url, REQUEST.headers, REQUEST.body)) == 204
        refused = loopback_only_sender(guard, allow_private=False)
        with pytest.raises(WebhookRefused):
            refused.post(WebhookRequest(receiver.url, REQUEST.headers, REQUEST.body))
    assert len(receiver.requests) == 1 and guard.refused == []


def test_a_redirect_is_an_answer_never_followed() -> None:
    guard = ConnectionGuard()
    with receiving(Receiver([302])) as receiver:
        sender = loopback_only_sender(guard, allow_private=True)
        assert sender.post(WebhookRequest(receiver.url, REQUEST.headers, REQUEST.body)) == 302
    assert len(guard.opened) == 1 and guard.refused == []


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("ftp://example.org/x", "https://"),
        ("https://user:pw@example.org/x", "user name"),
        ("https:///nohost", "host"),
        ("https://example.org/x#frag", "fragment"),
        ("https://exa mple.org/", "blanks"),
        ("https://example.org/\x00", "control"),
        ("", "empty"),
        ("https://example.org/" + "a" * 2000, "at most"),
        ("https://example.org:99999/", "valid URL"),
    ],
)
def test_url_rules_name_the_problem(value: str, problem: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        webhook_url(value)
    assert problem in refused.value.fields["url"]


def test_address_kinds() -> None:
    def kind(text: str) -> str | None:
        address = literal_address(text)
        assert address is not None
        return refused_address(address)

    assert kind("127.0.0.1") == "loopback"
    assert kind("169.254.169.254") == "link-local"
    assert kind("10.0.0.1") == "private"
    assert kind("::ffff:127.0.0.1") == "loopback"
    assert kind("64:ff9b::a00:1") == "private"
    assert kind("93.184.215.14") is None
    assert kind("2606:4700::1111") is None
    assert literal_address("example.org") is None
