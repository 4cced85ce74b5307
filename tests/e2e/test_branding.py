"""The organisation's branding over HTTP, on both backends: colour (contrast-checked),
sender name and reply address (no header injection), the logo (type from its bytes,
size and pixel limits, re-encoded without metadata, served from a hashed public URL,
replaced and removed), who may change it, and tenancy."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from PIL import Image

from domain.branding import Branding
from infrastructure.bootstrap import Services
from tests.e2e.test_staff_pages_http import csrf_token_of, signed_in
from tests.support.api import Account
from tests.support.images import SECRET, SVG, gif_image, jpeg_with_exif, png_bomb, png_logo
from tests.support.uploads import create_link

BRANDING = "/api/v1/organization/branding"
LOGO = f"{BRANDING}/logo"


def put_logo(account: Account, data: bytes, filename: str = "logo.png") -> httpx.Response:
    return account.put(LOGO, files={"file": (filename, data, "image/png")})


def branding(account: Account) -> dict[str, Any]:
    response = account.get(BRANDING)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def public_path(http: httpx.Client, url: str) -> str:
    return url.removeprefix(str(http.base_url).rstrip("/"))


def public(http: httpx.Client, url: str) -> httpx.Response:
    return http.get(public_path(http, url))


def test_colour_sender_and_reply_address_are_set_and_cleared(account: Account) -> None:
    assert branding(account) == {
        "accent_color": None,
        "text_color": "#ffffff",
        "sender_name": None,
        "reply_to": None,
        "logo": None,
    }
    chosen = {
        "accent_color": "#1F4E79",
        "sender_name": 'Kanzlei Müller & Partner – "Steuern" 🧾',
        "reply_to": "Büro@Müller-Steuer.de".replace("Büro", "buero"),
    }
    changed = account.put(BRANDING, json=chosen)
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["accent_color"] == "#1f4e79"
    assert body["sender_name"] == chosen["sender_name"]
    assert body["reply_to"] == "buero@müller-steuer.de"
    assert branding(account) == body
    # PUT replaces: what is left out is cleared.
    cleared = account.put(BRANDING, json={"accent_color": "#1f4e79"})
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["sender_name"] is None and cleared.json()["reply_to"] is None


def test_a_colour_white_text_does_not_read_on_is_refused_with_its_ratio(account: Account) -> None:
    account.put(BRANDING, json={"accent_color": "#0b5cad"})
    refused = account.put(BRANDING, json={"accent_color": "#ffcc00", "sender_name": "Kanzlei"})
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert list(error["fields"]) == ["accent_color"]
    assert "1.51:1" in error["fields"]["accent_color"]
    assert "4.5:1" in error["fields"]["accent_color"]
    # Just below the line (4.47:1) is refused too; nothing of the request was kept.
    assert account.put(BRANDING, json={"accent_color": "#777777"}).status_code == 422
    assert branding(account)["accent_color"] == "#0b5cad"
    assert branding(account)["sender_name"] is None
    for not_a_colour in ("red", "#fff", "#12345g", " #1f4e79", "#1f4e79\n", 12):
        answer = account.put(BRANDING, json={"accent_color": not_a_colour})
        assert answer.status_code == 422, not_a_colour
        assert "accent_color" in answer.json()["error"]["fields"]


def test_sender_name_and_reply_address_cannot_smuggle_headers(account: Account) -> None:
    hostile = {
        "reply_to": "buero@example.com\r\nBcc: alle@example.net",
        "sender_name": "Kanzlei\r\nBcc: alle@example.net",
    }
    refused = account.put(BRANDING, json=hostile)
    assert refused.status_code == 422, refused.text
    assert set(refused.json()["error"]["fields"]) == {"reply_to", "sender_name"}
    for name in ("Kanzlei\u2028Müller", "Kanzlei \u202eredöM", "x" * 101):
        answer = account.put(BRANDING, json={"sender_name": name})
        assert answer.status_code == 422 and "sender_name" in answer.json()["error"]["fields"]
    for address in ("Anna <anna@example.com>", "anna@", "anna müller@example.com"):
        answer = account.put(BRANDING, json={"reply_to": address})
        assert answer.status_code == 422 and "reply_to" in answer.json()["error"]["fields"]
    assert branding(account)["reply_to"] is None


def test_a_jpeg_is_served_re_encoded_without_its_metadata(
    account: Account, http: httpx.Client
) -> None:
    original = jpeg_with_exif()
    assert SECRET.encode() in original and b"Exif" in original
    uploaded = put_logo(account, original, "Foto Büro.png")
    assert uploaded.status_code == 200, uploaded.text
    logo = uploaded.json()["logo"]
    assert logo["content_type"] == "image/jpeg"
    # Turned upright by its EXIF orientation, scaled to the stored height.
    assert (logo["width"], logo["height"]) == (96, 192)
    served = public(http, logo["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "immutable" in served.headers["cache-control"]
    assert "max-age=31536000" in served.headers["cache-control"]
    data = served.content
    assert len(data) == logo["size"]
    assert SECRET.encode() not in data and b"Exif" not in data and b"M\xc3\xbcller" not in data
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (96, 192)
    assert not image.getexif()
    # Another name than the upload's; the URL carries a hash of the content.
    assert "Foto" not in logo["url"] and logo["url"].endswith(".jpg")


def test_hostile_files_are_refused_naming_the_field(account: Account) -> None:
    cases = [
        (png_bomb(), 422, "a PNG that claims 50,000 x 50,000 pixels"),
        (png_logo(4001, 10), 422, "one side over 4000 pixels"),
        (gif_image(), 415, "a GIF named .png"),
        (SVG, 415, "an SVG"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, 422, "a PNG signature and nothing behind it"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024), 413, "more than 1 MiB"),
        (b"", 422, "empty"),
    ]
    for data, status, what in cases:
        refused = put_logo(account, data)
        assert refused.status_code == status, (what, refused.text)
        assert "file" in refused.json()["error"]["fields"], what
    no_file = account.put(LOGO, files={"bild": ("logo.png", png_logo(), "image/png")})
    assert no_file.status_code == 422 and "bild" in no_file.json()["error"]["fields"]
    as_json = account.put(LOGO, json={"file": "logo.png"})
    assert as_json.status_code == 422
    assert branding(account)["logo"] is None


def test_a_new_logo_replaces_the_old_one_and_removal_ends_it(
    account: Account, http: httpx.Client
) -> None:
    first = put_logo(account, png_logo())
    assert first.status_code == 200, first.text
    first_url = first.json()["logo"]["url"]
    assert first.json()["logo"]["content_type"] == "image/png"
    assert (first.json()["logo"]["width"], first.json()["logo"]["height"]) == (384, 192)
    served = public(http, first_url)
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    # The same picture again changes nothing.
    again = put_logo(account, png_logo())
    assert again.json()["logo"]["url"] == first_url
    second = put_logo(account, png_logo(color="#7a1f1f"))
    assert second.status_code == 200, second.text
    second_url = second.json()["logo"]["url"]
    assert second_url != first_url
    assert public(http, first_url).status_code == 404
    assert public(http, second_url).status_code == 200
    removed = account.delete(LOGO)
    assert removed.status_code == 204, removed.text
    assert branding(account)["logo"] is None
    assert public(http, second_url).status_code == 404
    assert account.delete(LOGO).status_code == 204
    for name in ("../logos/x.png", "x" * 32 + ".svg", "%2e%2e%2fsecret.png"):
        assert http.get(f"/logos/{name}").status_code == 404


def test_another_organisation_neither_sees_nor_changes_the_branding(
    account: Account, other_account: Account, http: httpx.Client
) -> None:
    set_up = account.put(BRANDING, json={"accent_color": "#1f4e79", "sender_name": "Kanzlei A"})
    assert set_up.status_code == 200
    logo_url = put_logo(account, png_logo()).json()["logo"]["url"]
    assert branding(other_account)["accent_color"] is None
    assert branding(other_account)["logo"] is None
    # Its own changes and removals touch its own branding only.
    assert other_account.put(BRANDING, json={"accent_color": "#7a1f1f"}).status_code == 200
    assert other_account.delete(LOGO).status_code == 204
    mine = branding(account)
    assert mine["accent_color"] == "#1f4e79" and mine["sender_name"] == "Kanzlei A"
    assert mine["logo"]["url"] == logo_url
    assert public(http, logo_url).status_code == 200
    # The same picture uploaded by another organisation is another object.
    theirs = put_logo(other_account, png_logo()).json()["logo"]["url"]
    assert theirs != logo_url
    assert other_account.delete(LOGO).status_code == 204
    assert public(http, logo_url).status_code == 200


def test_the_client_pages_carry_the_logo_and_colour_of_their_organisation_only(
    account: Account, other_account: Account, http: httpx.Client
) -> None:
    account.put(BRANDING, json={"accent_color": "#1F4E79"})
    logo_path = (
        put_logo(account, png_logo())
        .json()["logo"]["url"]
        .removeprefix(str(http.base_url).rstrip("/"))
    )
    mine = create_link(account, account.create_customer("Jürgen Weiß")["id"])
    theirs = create_link(other_account, other_account.create_customer("Ayşe Yılmaz")["id"])
    page = http.get(public_path(http, mine["url"])).text
    assert '<link rel="stylesheet" href="/accent/1f4e79.css">' in page
    assert f'<img class="brand-logo" src="{logo_path}" alt="Kanzlei Test"' in page
    other_page = http.get(public_path(http, theirs["url"])).text
    assert "/accent/" not in other_page and "brand-logo" not in other_page
    stylesheet = http.get("/accent/1f4e79.css")
    assert stylesheet.status_code == 200
    assert stylesheet.headers["content-type"].startswith("text/css")
    assert stylesheet.text.strip() == ":root { --accent: #1f4e79; }"
    for name in ("1F4E79.css", "1f4e7.css", "1f4e79;}body{x.css", "red.css"):
        assert http.get(f"/accent/{name}").status_code == 404
    # A revoked link's page still shows whose it was.
    assert account.post(f"/api/v1/links/{mine['id']}/revoke").status_code == 200
    gone = http.get(public_path(http, mine["url"]))
    assert gone.status_code == 410
    assert "brand-logo" in gone.text and "/accent/1f4e79.css" in gone.text


def test_the_settings_page_sets_the_branding_in_german(
    account: Account, base_url: str, http: httpx.Client
) -> None:
    with signed_in(base_url, account.email) as browser:
        page = browser.get("/settings")
        assert page.status_code == 200
        assert "Erscheinungsbild" in page.text and "Noch kein Logo" in page.text
        token = csrf_token_of(page)
        refused = browser.post(
            "/settings/branding",
            data={"csrf_token": token, "accent_color": "#ffcc00", "sender_name": "Kanzlei Weiß"},
        )
        assert refused.status_code == 422
        assert "Kontrast von 1,51 : 1; nötig sind mindestens 4,5 : 1" in refused.text
        # The input is kept beside the problem.
        assert 'value="Kanzlei Weiß"' in refused.text
        saved = browser.post(
            "/settings/branding",
            data={
                "csrf_token": token,
                "accent_color": "#1f4e79",
                "sender_name": "Kanzlei Weiß",
                "reply_to": "buero@example.com",
            },
        )
        assert saved.status_code == 303, saved.text
        gif = browser.post(
            "/settings/branding/logo",
            data={"csrf_token": token},
            files={"file": ("logo.png", gif_image(), "image/png")},
        )
        assert gif.status_code == 422
        assert "Das Logo muss ein PNG- oder JPEG-Bild sein." in gif.text
        uploaded = browser.post(
            "/settings/branding/logo",
            data={"csrf_token": token},
            files={"file": ("Logo Weiß.png", png_logo(), "image/png")},
        )
        assert uploaded.status_code == 303, uploaded.text
        shown = browser.get("/settings").text
        logo_url = branding(account)["logo"]["url"]
        assert f'src="{public_path(http, logo_url)}"' in shown
        assert branding(account)["sender_name"] == "Kanzlei Weiß"
        removed = browser.post("/settings/branding/logo/remove", data={"csrf_token": token})
        assert removed.status_code == 303
        assert branding(account)["logo"] is None


def test_each_change_is_an_event_of_the_organisation_with_its_author(
    account: Account, services: Services, base_url: str, tmp_path: Path
) -> None:
    organization_id = UUID(account.organization_id)
    account.put(BRANDING, json={"accent_color": "#1f4e79", "reply_to": "buero@example.com"})
    account.put(BRANDING, json={"accent_color": "#1f4e79", "reply_to": "buero@example.com"})
    put_logo(account, png_logo())
    account.delete(LOGO)
    history = list(services.app.events.get(Branding.id_for(organization_id)))
    assert [type(e).__name__ for e in history] == [
        "BrandingStarted",
        "AccentColorChanged",
        "SenderChanged",
        "LogoChanged",
        "LogoRemoved",
    ]
    assert {str(getattr(e, "actor_id", account.user_id)) for e in history} == {account.user_id}
    assert history[0].organization_id == organization_id  # type: ignore[attr-defined]
    # The settings say who changed it last; the organisation's audit export carries it all.
    with signed_in(base_url, account.email) as browser:
        assert "Zuletzt geändert am" in browser.get("/settings").text
    services.audit_log().export(tmp_path / "export", organization_id=organization_id)
    lines = (tmp_path / "export" / "events.jsonl").read_text(encoding="utf-8")
    assert "AccentColorChanged" in lines and "LogoRemoved" in lines
