"""Responses both api/ and web/ render: problem documents and server-rendered HTML pages.

An error on a hosted route (pages, the sandbox's sign-in, callbacks) is a readable page for a
browser and a problem document for everyone else.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from service.errors import JSON_MEDIA_TYPE, PROBLEM_MEDIA_TYPE, ProblemError

_SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
_BROWSER_PREFIXES = ("/web/", "/sandbox/", "/callbacks/")


def form_source(url: str) -> str:
    """The CSP source of a URL a form may lead to: its origin, or `scheme:` for an app's own
    scheme (`myapp://connected`)."""
    parts = urlsplit(url.rstrip("*"))
    if parts.scheme in ("http", "https"):
        return f"{parts.scheme}://{parts.netloc}"
    return f"{parts.scheme}:"


def content_security_policy(form_targets: list[str]) -> str:
    """The pages' CSP: nothing loads from elsewhere; forms (and the redirects that answer
    them) lead only to our origin and these URLs' origins."""
    sources = " ".join(["'self'", *sorted({form_source(url) for url in form_targets})])
    return (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"form-action {sources}; frame-ancestors 'none'"
    )


class HtmlPages:
    """The page templates (service/templates), rendered with headers that keep tokens private."""

    def __init__(self, form_targets: list[str], app_targets: dict[str, list[str]]) -> None:
        """`form_targets`: ours and the providers' pages; `app_targets`: per API client, the
        redirect URIs it allow-lists (where a finished hosted leg sends the browser)."""
        self._env = Environment(
            loader=PackageLoader("service", "templates"),
            autoescape=select_autoescape(["html"]),
            enable_async=False,
        )
        self._headers = self._with_policy(form_targets)
        self._client_headers = {
            client_id: self._with_policy(form_targets + targets)
            for client_id, targets in app_targets.items()
        }

    @staticmethod
    def _with_policy(form_targets: list[str]) -> dict[str, str]:
        return {
            **_SECURITY_HEADERS,
            "Content-Security-Policy": content_security_policy(form_targets),
        }

    def render(
        self, template: str, status_code: int = 200, *, client_id: str | None = None, **context: Any
    ) -> HTMLResponse:
        """A page from a template, kept out of caches and referrers; a page of one client's
        session lets its forms end at that client's redirect URIs."""
        html = self._env.get_template(template).render(**context)
        headers = self._client_headers.get(client_id or "", self._headers)
        return HTMLResponse(html, status_code=status_code, headers=headers)


def app_html_pages(request: Request) -> HtmlPages:
    """The app's page renderer (made once in main.create_app)."""
    pages: HtmlPages = request.app.state.html_pages
    return pages


async def html_pages(request: Request) -> HtmlPages:
    """The page renderer, as a dependency (async: a plain function would run in a thread)."""
    return app_html_pages(request)


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.url.path.startswith(_BROWSER_PREFIXES) and "text/html" in accept


def problem_media_type(request: Request) -> str:
    """`application/json` for a client that asks for it and not for problem+json (the Jedlix
    SDK reads error bodies only under that type); `application/problem+json` otherwise."""
    accept = request.headers.get("accept", "")
    if JSON_MEDIA_TYPE in accept and PROBLEM_MEDIA_TYPE not in accept:
        return JSON_MEDIA_TYPE
    return PROBLEM_MEDIA_TYPE


def problem_response(request: Request, error: ProblemError) -> Response:
    """Render error as problem+json, or as a readable page for a browser on a hosted route."""
    headers = dict(error.headers)
    if error.status == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    if _wants_html(request):
        page = app_html_pages(request).render(
            "error.html",
            status_code=error.status,
            title=error.title,
            detail=error.detail,
            code=error.code,
        )
        page.headers.update(headers)
        return page
    return JSONResponse(
        error.to_problem(request.url.path),
        status_code=error.status,
        media_type=problem_media_type(request),
        headers=headers,
    )
