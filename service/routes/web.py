"""The browser pages: upload photos, read results, confirm or correct them, list and erase.

Server-rendered Jinja2 pages with one small plain script (upload progress, in-page
feedback and delete); every page also works as plain HTML forms. The pages call the JSON
API's own handlers in :mod:`service.routes.analyses` with the clinic resolved from the
session cookie, so the browser and the API share one code path for analysing, storing,
labelling and erasing.

Sign-in: with clinic keys in the store, a browser signs in once per session with its key
in a POST form; the session cookie (signed, HttpOnly, SameSite=Strict) then carries the
key's id, never the key. Without keys (the loopback-only start) the pages are the
``local`` clinic, exactly as the API is. Every form that changes something carries the
session's CSRF token.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Coroutine
from functools import cache
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from model.errors import ModelArtifactError, NoSoleFound, SolescanError
from service import metrics, web
from service.deps import (
    AnalyzerDep,
    Caller,
    PoolDep,
    SettingsDep,
    StoreDep,
    authenticate,
)
from service.errors import status_for
from service.exceptions import AnalysisNotFound, AuthError, ServiceBusy, ServiceError
from service.routes import analyses
from service.schemas import (
    SUBJECT_REF_MAX,
    AnalysisOut,
    ClinicianLabel,
    FeedbackFoot,
    FeedbackIn,
    SideParam,
    ViewParam,
)
from service.web import SESSION_COOKIE, WebSession

# The page script asks for a fragment of HTML (a result card) rather than a whole page.
FRAGMENT_HEADER = "x-solescan-fragment"
# Mounted at /static by the app.
STATIC_DIR = web.STATIC_DIR
PAGE_SIZE = 20

# Pages carry patient data: no caching, no framing, no third-party anything.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' blob:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class SignInRequired(Exception):
    """The browser has no valid session for a clinic key while keys are in use."""


class CsrfRejected(Exception):
    """A state-changing form came without this session's token."""


@cache
def _asset_version(name: str) -> str:
    return hashlib.sha256((web.STATIC_DIR / name).read_bytes()).hexdigest()[:10]


def static_url(name: str) -> str:
    """The URL of a static file, versioned by its content so browsers may cache it."""
    return f"/static/{name}?v={_asset_version(name)}"


templates = Jinja2Templates(directory=web.TEMPLATES_DIR)
templates.env.globals.update(
    static_url=static_url,
    LABEL_NAMES=web.LABEL_NAMES,
    LABEL_HINTS=web.LABEL_HINTS,
    REASON_TEXTS=web.REASON_TEXTS,
    VIEW_NAMES=web.VIEW_NAMES,
    overlay_alt=web.overlay_alt,
    closest_reading=web.closest_reading,
    wear_grid=web.wear_grid,
    measures=web.measures,
    SUBJECT_REF_MAX=SUBJECT_REF_MAX,
)
templates.env.filters["pct"] = web.pct


# -- session -------------------------------------------------------------------------------


def _secret(request: Request) -> bytes:
    secret: bytes | None = getattr(request.app.state, "web_session_secret", None)
    if secret is None:
        secret = web.resolve_session_secret(request.app.state.settings)
        request.app.state.web_session_secret = secret
    return secret


def current_session(request: Request) -> WebSession:
    """This request's browser session (a new one when the cookie is absent or invalid)."""
    session: WebSession | None = getattr(request.state, "web_session", None)
    if session is None:
        session = (
            web.decode_session(request.cookies.get(SESSION_COOKIE), secret=_secret(request))
            or WebSession.new()
        )
        request.state.web_session = session
    return session


def _set_session(request: Request, session: WebSession) -> None:
    request.state.web_session = session


async def web_caller(request: Request, settings: SettingsDep, store: StoreDep) -> Caller:
    """The clinic of the signed-in key; the ``local`` clinic when the API allows it."""
    session = current_session(request)
    if session.key_id is not None:
        keys = await run_in_threadpool(store.list_keys)
        info = next(
            (
                k
                for k in keys
                if k.id == session.key_id and k.prefix == session.key_prefix and k.active
            ),
            None,
        )
        if info is not None:
            request.state.clinic = info.clinic  # for the access log, as the API does
            request.state.signed_in = True
            return Caller(clinic=info.clinic, key_prefix=info.prefix)
        _set_session(request, session.signed_out())  # the key was revoked
    try:
        # No key in the session: the API's own rule decides (loopback without keys).
        return await authenticate(request, settings, store, None)
    except AuthError as error:
        raise SignInRequired from error


CallerDep = Annotated[Caller, Depends(web_caller)]


async def require_csrf(request: Request) -> None:
    """Refuse a state-changing form without this session's token."""
    form = await request.form()  # already parsed for the route's fields: the cached form
    token = form.get("csrf_token")
    if not current_session(request).csrf_matches(token if isinstance(token, str) else None):
        raise CsrfRejected


CsrfDep = Depends(require_csrf)


# -- rendering -----------------------------------------------------------------------------


def wants_fragment(request: Request) -> bool:
    return request.headers.get(FRAGMENT_HEADER) == "1"


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """A template with what every page needs (session token, clinic, model version)."""
    analyzer = getattr(request.app.state, "analyzer", None)
    values = {
        "csrf_token": current_session(request).csrf,
        "clinic": getattr(request.state, "clinic", None),
        "signed_in": getattr(request.state, "signed_in", False),
        "model_version": analyzer.version if analyzer is not None else None,
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, values, status_code=status)


def _problem(
    request: Request,
    status: int,
    *,
    code: str,
    title: str,
    message: str,
    remedy: tuple[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    tips_title, tips = remedy or ("", [])
    problem = {"code": code, "title": title, "message": message, "tips_title": tips_title}
    context = {"problem": {**problem, "tips": tips}}
    name = "_problem.html" if wants_fragment(request) else "problem.html"
    response = render(request, name, context, status=status)
    response.headers.update(headers or {})
    return response


def _error_page(request: Request, error: SolescanError | ServiceError) -> HTMLResponse:
    """The API's status and message for ``error``, as HTML with what to retake."""
    status = status_for(error)
    headers: dict[str, str] = {}
    if isinstance(error, SolescanError) and not isinstance(error, ModelArtifactError):
        # The API's handler counts rejections; photos rejected on the page count the same.
        reason = error.reason if isinstance(error, NoSoleFound) else ""
        metrics.REJECTIONS.labels(code=error.code, reason=reason).inc()
    if isinstance(error, ServiceBusy):
        metrics.BUSY.inc()
        headers["Retry-After"] = str(error.retry_after_s)
    if isinstance(error, AnalysisNotFound):
        title = "Analysis not found"
    else:
        title = web.REJECTION_TITLES.get(error.code, "Something went wrong")
    return _problem(
        request,
        status,
        code=error.code,
        title=title,
        message=error.message,
        remedy=web.REMEDIES.get(error.code),
        headers=headers,
    )


def _validation_page(request: Request, error: RequestValidationError | ValidationError) -> Response:
    problems = error.errors()
    if any(tuple(p.get("loc", ()))[:1] == ("path",) for p in problems):
        return _problem(
            request,
            404,
            code="analysis_not_found",
            title="Analysis not found",
            message="This address does not name an analysis. Open it from the list of "
            "recent analyses.",
        )
    fields = sorted({str(p.get("loc", ("", ""))[-1]) for p in problems})
    return _problem(
        request,
        422,
        code="validation_error",
        title="Please check the form",
        message=f"These fields are not valid: {', '.join(fields)}. Correct them and retry.",
    )


def _sign_in_page(request: Request) -> Response:
    if wants_fragment(request) or request.method != "GET":
        return _problem(
            request,
            401,
            code="sign_in_required",
            title="Please sign in again",
            message="Your session has ended. Sign in with the clinic's key, then retry.",
        )
    target = quote(request.url.path)  # not the query: it may carry a patient reference
    return RedirectResponse(f"/signin?next={target}", status_code=303)


def _finish(request: Request, response: Response) -> None:
    session: WebSession | None = getattr(request.state, "web_session", None)
    if session is not None and session.dirty:
        # No Max-Age: the cookie ends with the browser session (and the server's 12 h).
        response.set_cookie(
            SESSION_COOKIE,
            web.encode_session(session, secret=_secret(request)),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Cache-Control", "no-store")


class WebRoute(APIRoute):
    """A page route: errors become HTML pages (or fragments), and the session is saved."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_page(request: Request) -> Response:
            try:
                response = await handle(request)
            except SignInRequired:
                response = _sign_in_page(request)
            except CsrfRejected:
                response = _problem(
                    request,
                    403,
                    code="csrf_failed",
                    title="This form has expired",
                    message="The page was open too long or in another session. Reload the "
                    "page and try again.",
                )
            except (SolescanError, ServiceError) as error:
                response = _error_page(request, error)
            except (RequestValidationError, ValidationError) as error:
                response = _validation_page(request, error)
            _finish(request, response)
            return response

        return handle_page


router = APIRouter(route_class=WebRoute, include_in_schema=False)


_SIDES: dict[str, Literal["left", "right"]] = {"left": "left", "right": "right"}
SideCorrection = Literal["", "left", "right"]
ViewCorrection = Literal["", "outsole", "insole", "print"]


def _feedback_in(
    analysis: AnalysisOut,
    labels: list[ClinicianLabel | None],
    sides: list[str],
    view: ViewCorrection,
    note: str,
    clinician: str,
) -> FeedbackIn:
    feet = []
    for index, foot in enumerate(analysis.feet):
        label = labels[index] if index < len(labels) else None
        if label is None:
            continue
        side = _SIDES.get(sides[index]) if index < len(sides) else None
        # Only a changed side is a correction worth sending.
        if side == foot.side:
            side = None
        feet.append(FeedbackFoot(index=index, label=label, side=side))
    return FeedbackIn(
        feet=feet,
        # Only a changed view is a correction worth sending, as for the side.
        view=view if view and view != analysis.view else None,
        note=note.strip() or None,
        clinician=clinician.strip() or None,
    )


# -- pages ---------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def upload_page(request: Request, caller: CallerDep, settings: SettingsDep) -> Response:
    """The upload form."""
    return render(request, "index.html", {"max_upload_mb": settings.max_upload_mb})


@router.post("/analyses", dependencies=[CsrfDep])
async def upload(
    request: Request,
    caller: CallerDep,
    settings: SettingsDep,
    store: StoreDep,
    analyzer: AnalyzerDep,
    pool: PoolDep,
    image: Annotated[UploadFile, File()],
    view: Annotated[ViewParam, Form()] = "auto",
    side: Annotated[SideParam, Form()] = "auto",
    subject_ref: Annotated[str, Form(max_length=SUBJECT_REF_MAX)] = "",
) -> Response:
    """Analyse one photo through the API's handler; a result card, or its page."""
    created = await analyses.create_analysis(
        request,
        Response(),
        caller,
        settings,
        store,
        analyzer,
        pool,
        image,
        view,
        side,
        subject_ref.strip() or None,
    )
    if wants_fragment(request):
        return render(request, "_result.html", {"analysis": created, "fresh": True}, status=201)
    return RedirectResponse(f"/analyses/{created.id}", status_code=303)


@router.get("/analyses", response_class=HTMLResponse)
def list_page(
    request: Request,
    caller: CallerDep,
    store: StoreDep,
    subject_ref: Annotated[str, Query(max_length=SUBJECT_REF_MAX)] = "",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    deleted: bool = False,
) -> Response:
    """The clinic's analyses, newest first, optionally for one patient reference."""
    page = analyses.list_analyses(caller, store, subject_ref.strip() or None, PAGE_SIZE, cursor)
    return render(
        request,
        "analyses.html",
        {"page": page, "subject_ref": subject_ref.strip(), "deleted": deleted},
    )


@router.get("/analyses/{analysis_id}", response_class=HTMLResponse)
def result_page(
    request: Request, caller: CallerDep, store: StoreDep, analysis_id: uuid.UUID
) -> Response:
    """One analysis: overlay, reading per foot, explanation, review form."""
    analysis = analyses.get_analysis(caller, store, analysis_id)
    return render(request, "result.html", {"analysis": analysis})


@router.get("/analyses/{analysis_id}/overlay.png")
def overlay(caller: CallerDep, store: StoreDep, analysis_id: uuid.UUID) -> Response:
    """The overlay picture (the API's, for a browser signed in by cookie)."""
    return analyses.get_overlay(caller, store, analysis_id)


@router.post("/analyses/{analysis_id}/feedback", dependencies=[CsrfDep])
def feedback(
    request: Request,
    caller: CallerDep,
    store: StoreDep,
    analysis_id: uuid.UUID,
    label_0: Annotated[ClinicianLabel | None, Form()] = None,
    label_1: Annotated[ClinicianLabel | None, Form()] = None,
    side_0: Annotated[SideCorrection, Form()] = "",
    side_1: Annotated[SideCorrection, Form()] = "",
    view: Annotated[ViewCorrection, Form()] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    clinician: Annotated[str, Form(max_length=SUBJECT_REF_MAX)] = "",
) -> Response:
    """Store the clinician's labels through the API's handler."""
    analysis = analyses.get_analysis(caller, store, analysis_id)
    given = _feedback_in(analysis, [label_0, label_1], [side_0, side_1], view, note, clinician)
    analyses.put_feedback(caller, store, analysis_id, given)
    if not wants_fragment(request):
        return RedirectResponse(f"/analyses/{analysis_id}?saved=1#review", status_code=303)
    analysis = analyses.get_analysis(caller, store, analysis_id)
    return render(request, "_feedback.html", {"analysis": analysis, "just_saved": True})


@router.post("/analyses/{analysis_id}/delete", dependencies=[CsrfDep])
def delete(
    request: Request, caller: CallerDep, store: StoreDep, analysis_id: uuid.UUID
) -> Response:
    """Erase an analysis through the API's handler."""
    analyses.delete_analysis(caller, store, analysis_id)
    if wants_fragment(request):
        return render(request, "_deleted.html", {"analysis_id": str(analysis_id)})
    return RedirectResponse("/analyses?deleted=true", status_code=303)


# -- sign-in -------------------------------------------------------------------------------


@router.get("/signin", response_class=HTMLResponse)
async def sign_in_page(request: Request, store: StoreDep, next: str = "/") -> Response:
    """The sign-in form (only when clinic keys are in use)."""
    if not await run_in_threadpool(store.has_active_keys):
        return RedirectResponse("/", status_code=303)
    return render(request, "signin.html", {"next": web.safe_next(next), "error": None})


@router.post("/signin", dependencies=[CsrfDep])
async def sign_in(
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    key: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the clinic key (the API's check) and start a session holding its id."""
    info = await run_in_threadpool(store.authenticate, key.strip()) if key.strip() else None
    if info is None:
        return render(
            request,
            "signin.html",
            {
                "next": web.safe_next(next),
                "error": "That key is not valid or was revoked. "
                "Check it (it starts with ssk_) and try again.",
            },
            status=401,
        )
    # A new session (new CSRF token) at sign-in: a token seen before it is worthless.
    _set_session(request, WebSession.new(key_id=info.id, key_prefix=info.prefix))
    return RedirectResponse(web.safe_next(next), status_code=303)


@router.post("/signout", dependencies=[CsrfDep])
def sign_out(request: Request) -> Response:
    """End the browser session."""
    _set_session(request, WebSession.new())
    return RedirectResponse("/signin", status_code=303)
