"""The archive's face in datasette for people who don't write SQL.

Jinja filters the templates in datasette-ui/templates use (marked search matches, dates in the
portal's own zone, paragraphs), long cells wrapped so CSS can cut them in lists, the linked
data of an article page (authors, tags, revisions) and menu links to search and the dashboard.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from datasette import hookimpl
from datasette.utils import escape_fts
from markupsafe import Markup, escape

DATABASE = "news"
LONG_CELL = 160  # characters; longer text is shown cut in lists, whole on its row's page
MARKED = re.compile(r"«([^«»]*)»")
# Indonesia's three zones (and UTC, the archive's own clock); any other is shown as UTC±hh:mm.
ZONES = {"+07:00": "WIB", "+08:00": "WITA", "+09:00": "WIT", "+00:00": "UTC"}


def marked(text: str | None) -> Markup:
    """A snippet with its «matches» as <mark>, everything else escaped."""
    return Markup(MARKED.sub(r"<mark>\1</mark>", str(escape(text or ""))))


def portal_time(value: str | None) -> str:
    """'2020-11-26T14:30:00+07:00' as '26 Nov 2020, 14:30 WIB': the time the portal printed."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if len(value) <= 10:
        return moment.strftime("%d %b %Y")
    numeric = moment.strftime("%z")  # '+0700', or '' for a time without offset
    offset = f"{numeric[:3]}:{numeric[3:5]}" if numeric else ""
    zone = ZONES.get(offset, f"UTC{offset}" if offset else "")
    return f"{moment:%d %b %Y, %H:%M} {zone}".rstrip()


def paragraphs(body: str | None) -> list[str]:
    """The body's paragraphs (the archive separates them with blank lines)."""
    return [part.strip() for part in re.split(r"\n\s*\n", body or "") if part.strip()]


def json_list(value: str | None) -> list[Any]:
    """A JSON list column as a list; anything else as an empty list."""
    try:
        decoded = json.loads(value or "[]")
    except ValueError:
        return []
    return decoded if isinstance(decoded, list) else []


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    env.filters.update(marked=marked, portal_time=portal_time, paragraphs=paragraphs,
                       json_list=json_list)


@hookimpl
def render_cell(value: Any, column: str) -> Markup | None:
    """Long text in a wrapper that the stylesheet cuts to a few lines in tables and queries
    (a click on it shows it whole)."""
    if isinstance(value, str) and len(value) > LONG_CELL and not value.startswith("http"):
        return Markup('<div class="long-text" tabindex="0">{}</div>').format(value)
    return None


def without_empty_search(query_string: str) -> str | None:
    """The query string less table searches with no words (a lone ", a blank), which FTS5 would
    refuse with HTTP 400; None when there is nothing to drop. Raw searches are the user's own."""
    params = parse_qsl(query_string, keep_blank_values=True)
    if ("_searchmode", "raw") in params:
        return None
    kept = [(k, v) for k, v in params if not (k.startswith("_search") and k != "_searchmode"
                                               and v and not escape_fts(v))]
    return urlencode(kept) if len(kept) < len(params) else None


ASGIApp = Callable[[dict, Callable, Callable], Awaitable[None]]


@hookimpl
def asgi_wrapper() -> Callable[[ASGIApp], ASGIApp]:
    """A table search with no words answers with the table (a redirect), not an FTS5 error."""
    def wrap(app: ASGIApp) -> ASGIApp:
        async def searched(scope: dict, receive: Callable, send: Callable) -> None:
            query_string = scope.get("query_string", b"").decode("utf-8", "replace")
            cleaned = without_empty_search(query_string) if scope["type"] == "http" else None
            if cleaned is None:
                await app(scope, receive, send)
                return
            location = quote(scope["path"]) + (f"?{cleaned}" if cleaned else "")
            await send({"type": "http.response.start", "status": 302,
                        "headers": [(b"location", location.encode("ascii"))]})
            await send({"type": "http.response.body", "body": b""})
        return searched
    return wrap


@hookimpl
def extra_css_urls() -> list[str]:
    return ["/assets/newscrawler.css"]


@hookimpl
def menu_links(datasette: Any) -> list[dict[str, str]]:
    return [{"href": datasette.urls.path("/news/search"), "label": "Search articles"},
            {"href": datasette.urls.path("/dashboard"), "label": "Dashboard"}]


ARTICLE_REVISIONS = """
    select id, title, seen_from, seen_until, replaced_at, cause
    from article_revisions where article = :id order by replaced_at desc"""
PORTAL_NAME = "select name from portals where id = (select portal from articles where id = :id)"


@hookimpl
def extra_template_vars(view_name: str, database: str | None, table: str | None, request: Any,
                        datasette: Any) -> Any:
    """An article's page gets its portal's name and its earlier versions."""
    if view_name != "row" or database != DATABASE or table != "articles":
        return {}

    async def article_links() -> dict[str, Any]:
        db = datasette.get_database(DATABASE)
        params = {"id": request.url_vars["pks"]}
        portal = (await db.execute(PORTAL_NAME, params)).first()
        return {"article_revisions": (await db.execute(ARTICLE_REVISIONS, params)).rows,
                "article_portal_name": portal[0] if portal else None}

    return article_links
