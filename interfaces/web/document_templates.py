"""Template pages (`/settings/templates`): list, create, edit and delete the organisation's
templates of requested documents, and the organisation's reminder schedule
(`/settings/reminders`, a form on the settings page).

Everything works without JavaScript: a template's documents are rows of two fields;
"Weitere Zeilen" posts the form and shows it again with more empty rows, a row's
"Entfernen" box drops it when the form is posted. A problem is shown at its row
(the domain names it `items[1].label`; the page maps that back to the row).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from application.command import Recorded
from application.errors import NotFound
from domain.errors import DomainError
from domain.upload_link import ITEM_HINT_MAX_LENGTH, ITEM_LABEL_MAX_LENGTH, MAX_REQUESTED_ITEMS
from infrastructure.bootstrap import Services
from interfaces.http.consistency import ReadYourWrites
from interfaces.http.language import reader_language
from interfaces.http.sessions import StaffSessionContext
from interfaces.web.form_post import FormPost
from interfaces.web.pages import (
    PAGE_EXCEPTION_HANDLERS,
    StaffPage,
    field,
    see_other,
)
from interfaces.web.settings import settings_page
from interfaces.web.template_texts import TEMPLATE_TEXTS

HOME = "/settings/templates"
NOTICES = ("template_saved", "template_deleted")
#: Empty rows a form offers below the documents, and how many "Weitere Zeilen" adds.
SPARE_ROWS = 3
_ITEM_PROBLEM = re.compile(r"^items\[(\d+)\]\.(label|hint)$")

Row = dict[str, str]


def texts(request: Request[Any, Any, Any]) -> dict[str, str]:
    return TEMPLATE_TEXTS[reader_language(request)]


def posted_rows(data: dict[str, Any]) -> list[Row]:
    """The rows of a posted form as typed, without those ticked "Entfernen"."""
    try:
        count = min(int(field(data, "rows")), MAX_REQUESTED_ITEMS + 50)
    except ValueError:
        count = 0
    return [
        {"label": field(data, f"label_{i}"), "hint": field(data, f"hint_{i}")}
        for i in range(max(count, 0))
        if not field(data, f"remove_{i}")
    ]


def filled(rows: list[Row]) -> tuple[list[dict[str, str]], list[int]]:
    """The items to save (rows with a label or a hint) and the row each came from."""
    items: list[dict[str, str]] = []
    origin: list[int] = []
    for number, row in enumerate(rows):
        if row["label"].strip() or row["hint"].strip():
            items.append({"label": row["label"], "hint": row["hint"]})
            origin.append(number)
    return items, origin


def at_rows(problems: dict[str, str], origin: list[int]) -> dict[str, str]:
    """The domain's `items[k].label` as the form's `label_<row>`; others as they are."""
    shown: dict[str, str] = {}
    for name, text in problems.items():
        match = _ITEM_PROBLEM.match(name)
        if match and int(match.group(1)) < len(origin):
            shown[f"{match.group(2)}_{origin[int(match.group(1))]}"] = text
        else:
            shown[name] = text
    return shown


class TemplatePages(Controller):
    path = HOME
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/", sync_to_thread=True)
    def templates(self, staff_page: NamedDependency[StaffPage]) -> Template:
        listed = staff_page.app.templates.all(staff_page.principal).templates
        entries = sorted(
            ({"id": key, **value} for key, value in listed.items()),
            key=lambda entry: (str(entry["name"]).casefold(), entry["id"]),
        )
        done = staff_page.request.query_params.get("done")
        tt = texts(staff_page.request)
        return staff_page.render(
            "staff/templates.html",
            {
                "tt": tt,
                "entries": entries,
                "notice": tt[f"done_{done}"] if done in NOTICES else None,  # the frame shows it
            },
            section="settings",
        )

    @get("/new", sync_to_thread=True)
    def new(
        self,
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
    ) -> Template:
        """A new template's form (it shows nothing the read models hold: no wait)."""
        frame = StaffPage(request, services, staff_session, consistency)
        return edit_page(frame, None, "", [])

    @post("/new", sync_to_thread=True)
    def create(
        self, form: NamedDependency[FormPost], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        return self._post(form, data, None)

    @get("/{template_id:uuid}", sync_to_thread=True)
    def edit(self, staff_page: NamedDependency[StaffPage], template_id: FromPath[UUID]) -> Template:
        template = staff_page.app.templates.get(staff_page.principal, template_id)
        rows = [
            {"label": str(item["label"]), "hint": str(item.get("hint") or "")}
            for item in template["items"]
        ]
        return edit_page(staff_page, template_id, template["name"], rows)

    @post("/{template_id:uuid}", sync_to_thread=True)
    def change(
        self,
        form: NamedDependency[FormPost],
        data: URLEncodedBody[dict[str, Any]],
        template_id: FromPath[UUID],
    ) -> Template | Redirect:
        return self._post(form, data, template_id)

    @post("/{template_id:uuid}/delete", sync_to_thread=True)
    def delete(self, form: NamedDependency[FormPost], template_id: FromPath[UUID]) -> Redirect:
        form.wrote(form.app.templates.delete(form.principal, template_id))
        return see_other(HOME, done="template_deleted")

    def _post(
        self, form: FormPost, data: dict[str, Any], template_id: UUID | None
    ) -> Template | Redirect:
        name = field(data, "name")
        rows = posted_rows(data)
        if field(data, "action") == "more":
            return edit_page(form.page, template_id, name, rows, spare=SPARE_ROWS)
        items, origin = filled(rows)

        def saved() -> Recorded:
            return form.app.templates.save(form.principal, template_id, name, items)

        def again(
            *, errors: dict[str, str] | None, alert: str | None, status_code: int
        ) -> Template:
            return edit_page(
                form.page, template_id, name, rows,
                errors=at_rows(errors or {}, origin), alert=alert, status_code=status_code,
            )  # fmt: skip

        return form.run(
            saved,
            again=again,
            then=lambda _: see_other(HOME, done="template_saved"),
            alerts=(DomainError,),
        )


def edit_page(
    frame: StaffPage,
    template_id: UUID | None,
    name: str,
    rows: list[Row],
    *,
    spare: int = SPARE_ROWS,
    errors: dict[str, str] | None = None,
    alert: str | None = None,
    status_code: int = 200,
) -> Template:
    """The form of one template (`template_id` None: a new one), its rows and `spare`
    empty ones."""
    shown = [*rows, *({"label": "", "hint": ""} for _ in range(spare))]
    # The heading names the template as stored, not the name field as typed (emptied); a
    # refusal of a template that is not there (gone, another's, a forged post) keeps its own.
    stored = ""
    if template_id is not None:
        try:
            stored = frame.app.templates.get(frame.principal, template_id)["name"]
        except NotFound:
            stored = name
    return frame.render(
        "staff/template_edit.html",
        {
            "tt": texts(frame.request),
            "template_id": str(template_id) if template_id else None,
            "name": name,
            "stored_name": stored,
            "rows": shown[: MAX_REQUESTED_ITEMS + SPARE_ROWS * 2],
            "errors": errors or {},
            "alert": alert,
            "label_max": ITEM_LABEL_MAX_LENGTH,
            "hint_max": ITEM_HINT_MAX_LENGTH,
        },
        status_code=status_code,
        section="settings",
    )


def schedule_days(text: str) -> list[object]:
    """`7, 2` as [7, 2]; a part that is no whole number is kept as typed (the domain
    refuses it, naming the field)."""
    parts = [part for part in re.split(r"[,;\s]+", text.strip()) if part]
    return [int(part) if part.isdigit() and len(part) < 6 else part for part in parts]


def whole(text: str) -> object:
    stripped = text.strip()
    return int(stripped) if stripped.isdigit() and len(stripped) < 6 else stripped


class ReminderSettingsPages(Controller):
    """The organisation's reminder schedule, a form on the settings page."""

    path = "/settings/reminders"
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @post("/", sync_to_thread=True)
    def save(
        self, form: NamedDependency[FormPost], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        values = {
            name: field(data, name) for name in ("days_before", "every_days_after", "max_count")
        }
        change: dict[str, object] = {
            "enabled": bool(field(data, "enabled")),
            "days_before": schedule_days(values["days_before"]),
            "every_days_after": whole(values["every_days_after"]),
            "max_count": whole(values["max_count"]),
        }
        command: Callable[[], Recorded] = lambda: form.app.organization.change(  # noqa: E731
            form.principal, {"reminder_schedule": change}
        )

        def again(
            *, errors: dict[str, str] | None, alert: str | None, status_code: int
        ) -> Template:
            named = {
                key.removeprefix("reminder_schedule."): text for key, text in (errors or {}).items()
            }
            return settings_page(
                form.page,
                errors={"reminders": named} if errors is not None else None,
                values={"reminders": {**values, "enabled": "1" if change["enabled"] else ""}},
                alert=alert, status_code=status_code,
            )  # fmt: skip

        return form.run(
            command,
            again=again,
            then=lambda _: see_other("/settings", done="saved", anchor="reminders"),
            alerts=(DomainError,),
        )
