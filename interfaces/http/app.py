"""The Litestar application: routes, dependencies, error shapes, OpenAPI."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Response
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from domain.errors import DomainError
from infrastructure.bootstrap import Services
from interfaces.http.accounts import AccountController
from interfaces.http.activity import ActivityController
from interfaces.http.api_docs import SwaggerUIFromOwnFiles
from interfaces.http.baseline import bare_save, constant_page
from interfaces.http.branding import BrandingController, accent_stylesheet, logo_file
from interfaces.http.consistency import ReadYourWrites
from interfaces.http.customers import CustomerController
from interfaces.http.dependencies import handler_dependencies, read_models_of
from interfaces.http.errors import (
    domain_error_handler,
    http_error_handler,
    internal_error_handler,
    validation_error_handler,
)
from interfaces.http.files import CustomerFileController, FileController
from interfaces.http.idempotency import idempotency_middleware
from interfaces.http.inbox import InboxController
from interfaces.http.json_body import CheckedRequest
from interfaces.http.links import CustomerLinkController, LinkController
from interfaces.http.metrics import metrics, request_metrics, upload_metrics
from interfaces.http.notifications import NotificationController
from interfaces.http.openapi_document import TruthfulOpenAPIJson
from interfaces.http.operations import health, ready
from interfaces.http.organization import (
    InvitationController,
    MemberController,
    OrganizationController,
)
from interfaces.http.request_ids import request_id_middleware
from interfaces.http.response_headers import response_headers
from interfaces.http.sessions import SessionController, provide_staff_session
from interfaces.http.slow_clients import body_idle_middleware
from interfaces.http.templates import TemplateController
from interfaces.http.tokens import TokenController
from interfaces.http.webhooks import WebhookController
from interfaces.public.tus import TusController
from interfaces.public.upload import DownloadPageController, UploadPageController
from interfaces.web import STAFF_PAGES
from interfaces.web.form_post import provide_form_post
from interfaces.web.pages import http_error_page, provide_staff_page

INTERFACES = Path(__file__).resolve().parents[1]

JSON_BODY_LIMIT = 1024 * 1024


def page_or_json_http_error(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """A browser that asks for an address no route has (a mistyped or cut-off link: a
    customer's id that is not one) gets the error page in its language; programs, the API
    and the client's pages' scripts get JSON as ever."""
    wants_page = (
        request.method in ("GET", "HEAD")
        and not request.url.path.startswith("/api/")
        and "text/html" in request.headers.get("accept", "")
    )
    if wants_page and isinstance(error, HTTPException) and error.status_code == 404:
        return http_error_page(request, error)
    return http_error_handler(request, error)


def create_app(services: Services, *, start_services: bool = True) -> Litestar:
    """The HTTP application around already wired services.

    With `start_services` the followers start with the app and stop with it.
    """

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncGenerator[None, None]:
        if start_services:
            services.runtime.start()
        try:
            yield
        finally:
            if start_services:
                services.close()

    consistency = ReadYourWrites(
        services.positions, services.settings.read_wait_seconds, head=services.app.head
    )
    return Litestar(
        route_handlers=[
            health,
            ready,
            metrics,
            AccountController,
            CustomerController,
            ActivityController,
            OrganizationController,
            BrandingController,
            logo_file,
            accent_stylesheet,
            InvitationController,
            MemberController,
            NotificationController,
            TokenController,
            WebhookController,
            TemplateController,
            InboxController,
            SessionController,
            CustomerLinkController,
            LinkController,
            CustomerFileController,
            FileController,
            UploadPageController,
            TusController,
            DownloadPageController,
            *STAFF_PAGES,
            create_static_files_router(path="/static", directories=[INTERFACES / "static"]),
            # Only for `make bench`: its baseline, never on by default.
            *([constant_page, bare_save] if services.settings.bench_routes else []),
        ],
        template_config=TemplateConfig(
            directory=INTERFACES / "templates", engine=JinjaTemplateEngine
        ),
        dependencies={
            **handler_dependencies(),
            "staff_session": Provide(provide_staff_session),
            "form": Provide(provide_form_post, sync_to_thread=False),
            "staff_page": Provide(provide_staff_page),
        },
        exception_handlers={
            DomainError: domain_error_handler,
            ValidationException: validation_error_handler,
            HTTPException: page_or_json_http_error,
            Exception: internal_error_handler,
        },
        state=State(
            {
                "services": services,
                "consistency": consistency,
                "read_models": read_models_of(services),
            }
        ),
        lifespan=[lifespan],
        request_max_body_size=JSON_BODY_LIMIT,
        request_class=CheckedRequest,
        openapi_config=OpenAPIConfig(
            title="docintake",
            version="1",
            path="/schema",
            components=Components(
                security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}
            ),
            security=[{"bearer": []}],
            render_plugins=[SwaggerUIFromOwnFiles(), TruthfulOpenAPIJson()],
        ),
        before_send=[response_headers],
        middleware=[
            request_id_middleware(),
            *([request_metrics()] if services.settings.metrics_token else []),
            upload_metrics(),
            body_idle_middleware(services.settings.body_idle_seconds),
            idempotency_middleware(services.idempotency, JSON_BODY_LIMIT),
        ],
        debug=False,
        # The process sets up logging (JSON lines, infrastructure/json_logs.py), not Litestar.
        logging_config=None,
    )
