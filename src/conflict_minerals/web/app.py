"""The app factory: routes, middleware (sessions, security headers, body limit) and static files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from conflict_minerals.program.workspace import Workspace, open_workspace
from conflict_minerals.service.consolidated import wait_for_refresh, warm_up
from conflict_minerals.service.users import prepare_secrets
from conflict_minerals.web import account, actions, minerals, pages, reference, report, smelters, upload
from conflict_minerals.web.guard import MAX_UPLOAD_FILES, is_guarded
from conflict_minerals.web.security import BodyLimit, SecurityHeaders

HERE = Path(__file__).parent
SESSION_HOURS = 8
MAX_BODY = MAX_UPLOAD_FILES * 4 * 1024 * 1024 + 1024 * 1024  # a batch of typical CMRTs; one file may be larger
OPEN = {"/login", "/setup"}  # GET pages anyone may see


def routes() -> list[BaseRoute]:
    """Every route of the app."""
    return [
        Route("/", pages.dashboard_page),
        Route("/login", account.login_page),
        Route("/login", account.login, methods=["POST"]),
        Route("/logout", account.logout, methods=["POST"]),
        Route("/setup", account.setup_page),
        Route("/setup", account.setup, methods=["POST"]),
        Route("/users", account.users_page),
        Route("/users", account.add_user, methods=["POST"]),
        Route("/users/change", account.change_user, methods=["POST"]),
        Route("/users/password", account.set_password, methods=["POST"]),
        Route("/suppliers", pages.suppliers_page),
        Route("/suppliers/names", pages.supplier_names_json),
        Route("/suppliers/remind", actions.remind_action, methods=["POST"]),
        Route("/suppliers/{supplier_id:int}", pages.supplier_page),
        Route("/suppliers/{supplier_id:int}/messages/{message_id:int}", pages.message_page),
        Route("/suppliers/{supplier_id:int}/decide", actions.decide_action, methods=["POST"]),
        Route("/suppliers/{supplier_id:int}/waive", actions.waive_action, methods=["POST"]),
        Route("/suppliers/{supplier_id:int}/correction", actions.correction_action, methods=["POST"]),
        Route("/suppliers/{supplier_id:int}/remind", actions.remind_supplier_action, methods=["POST"]),
        Route("/submissions/{submission:int}/original", pages.original),
        Route("/submissions/{submission:int}/assign", upload.assign_action, methods=["POST"]),
        Route("/submissions/{submission:int}/discard", upload.discard_action, methods=["POST"]),
        Route("/upload", upload.upload_page),
        Route("/upload", upload.upload, methods=["POST"]),
        Route("/audit", pages.audit_page),
        Route("/audit.csv", pages.audit_csv),
        Route("/smelters", smelters.smelters_page),
        Route("/smelters/facility", smelters.facility_page),
        Route("/smelters/resolve", smelters.resolve_action, methods=["POST"]),
        Route("/smelters/decisions/{decision_id:int}/withdraw", smelters.withdraw_action, methods=["POST"]),
        Route("/reference", reference.reference_page),
        Route("/reference/status", reference.status_upload, methods=["POST"]),
        Route("/reference/status/confirm", reference.status_confirm, methods=["POST"]),
        Route("/reference/lookup", reference.lookup_upload, methods=["POST"]),
        Route("/reference/remove", reference.remove_action, methods=["POST"]),
        Route("/minerals", minerals.minerals_page),
        *report.routes(),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]


def check_routes(found: list[BaseRoute]) -> None:
    """Refuse a route that skips the role and CSRF checks (every route but sign-in and first-run pages)."""
    for route in found:
        if isinstance(route, Route) and not is_guarded(route.endpoint) and route.path not in OPEN:
            raise RuntimeError(f"route {route.path} is not guarded by page() or action()")
        if isinstance(route, Route) and "POST" in (route.methods or ()) and not is_guarded(route.endpoint):
            raise RuntimeError(f"POST route {route.path} is not an action()")


@asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    """At start, consolidate the campaign in the background; on shutdown, let that finish before closing."""
    if app.state.warm_up:
        await run_in_threadpool(warm_up, app.state.workspace)
    yield
    await run_in_threadpool(wait_for_refresh, 30.0)
    app.state.workspace.close()


def create_app(
    workspace_root: Path, secure_cookies: bool = False, workspace: Workspace | None = None, warm: bool = False
) -> Starlette:
    """The web app on a workspace; `secure_cookies` when it is served behind HTTPS; `warm` to consolidate at start."""
    opened = workspace or open_workspace(workspace_root)
    secret = prepare_secrets(opened)
    found = routes()
    check_routes(found)
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(BodyLimit, limit=MAX_BODY),
        Middleware(
            SessionMiddleware,
            secret_key=secret,
            session_cookie="cm_session",
            max_age=SESSION_HOURS * 3600,
            same_site="lax",
            https_only=secure_cookies,
        ),
    ]
    app = Starlette(routes=found, middleware=middleware, lifespan=_lifespan)
    app.state.workspace = opened
    app.state.warm_up = warm
    app.state.secret = secret
    return app
