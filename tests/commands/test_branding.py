"""The organisation's branding: accent colour, sender name and reply address of client
mails, and its logo (checked, re-encoded, stored; a replaced or removed one is gone)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from application.branding import logo_key
from application.docintake import DocIntake
from application.errors import Forbidden
from application.logo_image import LogoTooLarge, LogoTypeNotAllowed
from application.principal import Principal
from domain.branding import Branding
from domain.errors import InvalidValue
from tests.commands.conftest import member
from tests.commands.test_uploads import PDF, objects


def png(width: int, height: int, color: tuple[int, int, int] = (11, 92, 173)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def test_change_the_colour_and_the_sender_of_client_mails(app: DocIntake, owner: Principal) -> None:
    changed = app.branding.change(owner, "#0B5CAD", "Kanzlei Groß & Söhne 🧾", "Post@Example.com")
    assert changed.position == app.head()
    assert changed.id == Branding.id_for(owner.organization_id)
    view = app.branding.get(owner)
    assert (view.accent_color, view.sender_name, view.reply_to) == (
        "#0b5cad",
        "Kanzlei Groß & Söhne 🧾",
        "Post@example.com",
    )
    # Blank clears: the pages' own colour, the organisation's name, the sending member.
    app.branding.change(owner, "", None, None)
    cleared = app.branding.of_organization(owner.organization_id)
    assert (cleared.accent_color, cleared.sender_name, cleared.reply_to) == (None, None, None)


def test_a_colour_white_text_cannot_be_read_on_and_bad_values_are_refused(
    app: DocIntake, owner: Principal
) -> None:
    before = app.head()
    with pytest.raises(InvalidValue) as refused:
        app.branding.change(owner, "#ffd700", "Zeile\u202eumgedreht", "keine-adresse")
    assert set(refused.value.fields) == {"accent_color", "sender_name", "reply_to"}
    assert "contrast" in str(refused.value.problems["accent_color"])
    with pytest.raises(InvalidValue):
        app.branding.change(owner, "blau", None, None)
    assert app.head() == before


def test_a_logo_is_reencoded_stored_and_replaced(app: DocIntake, owner: Principal) -> None:
    first = app.branding.upload_logo(owner, png(1600, 400))
    logo = first.branding.logo
    assert logo is not None and logo.content_type == "image/png"
    # Stored smaller than sent (at most 768 x 192), under a name of its own.
    assert (logo.width, logo.height) == (768, 192)
    stored = app.branding.logo_bytes(logo.name)
    assert stored is not None and stored.startswith(b"\x89PNG")
    second = app.branding.upload_logo(owner, png(200, 100, (0, 0, 0)))
    assert second.branding.logo is not None and second.branding.logo.name != logo.name
    assert app.branding.logo_bytes(logo.name) is None
    assert list(objects(app)) == [logo_key(second.branding.logo.name)]
    removed = app.branding.remove_logo(owner)
    assert removed.branding.logo is None and objects(app) == {}
    # Removing again records nothing.
    assert app.branding.remove_logo(owner).position == app.head() == removed.position


def test_what_is_not_a_small_png_or_jpeg_is_refused_and_nothing_stored(
    app: DocIntake, owner: Principal
) -> None:
    for data, refusal in (
        (PDF, LogoTypeNotAllowed),
        (b"", InvalidValue),
        (b"\x89PNG\r\n\x1a\n" + b"kaputt" * 10, InvalidValue),
        (png(4001, 10), InvalidValue),
        (b"\xff\xd8\xff" + b"\0" * (1024 * 1024), LogoTooLarge),
    ):
        with pytest.raises(refusal) as refused:
            app.branding.upload_logo(owner, data)
        assert set(refused.value.fields) == {"file"}
    assert objects(app) == {} and app.branding.get(owner).logo is None


def test_only_owners_and_admins_change_the_branding(app: DocIntake, owner: Principal) -> None:
    colleague = member(app, owner, "member", "kollegin@example.com")
    app.branding.upload_logo(owner, png(100, 100))
    before, stored = app.head(), objects(app)
    for attempt in (
        lambda: app.branding.change(colleague, "#0b5cad", None, None),
        lambda: app.branding.upload_logo(colleague, png(100, 100, (0, 0, 0))),
        lambda: app.branding.remove_logo(colleague),
    ):
        with pytest.raises(Forbidden):
            attempt()
    assert app.head() == before and objects(app) == stored
    # Everyone may read it; another organisation's branding is its own.
    assert app.branding.get(colleague).logo is not None


def test_each_organisation_has_its_own_branding(
    app: DocIntake, owner: Principal, stranger: Principal
) -> None:
    app.branding.change(owner, "#0b5cad", "Kanzlei Groß", None)
    assert app.branding.get(stranger).accent_color is None
    assert app.branding.get(stranger).sender_name is None
