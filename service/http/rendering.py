"""Responses both api/ and web/ render: problem documents and server-rendered HTML pages.

An error on a hosted route (pages, the sandbox's sign-in, callbacks) is a readable page for a
browser and a problem document for everyone else.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from service.errors import PROBLEM_MEDIA_TYPE, ProblemError

_SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "img-src data:; form-action *; frame-ancestors 'none'",
}
_BROWSER_PREFIXES = ("/web/", "/sandbox/", "/callbacks/")


class HtmlPages:
    """The page templates (service/templates), rendered with headers that keep tokens private."""

    def __init__(self) -> None:
        self._env = Environment(
            loader=PackageLoader("service", "templates"),
            autoescape=select_autoescape(["html"]),
            enable_async=False,
        )

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """A page from a template, kept out of caches and referrers."""
        html = self._env.get_template(template).render(**context)
        return HTMLResponse(html, status_code=status_code, headers=_SECURITY_HEADERS)


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
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )
