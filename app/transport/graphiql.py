"""GraphiQL, served from Strawberry's page, pointed at `/graphql` with the API's example."""

from __future__ import annotations

import json

from strawberry.http.ides import get_graphql_ide_html

_FETCH_URL_LINE = 'const fetchURL = window.location.href.split("?")[0];'
_EXAMPLE_START = "const EXAMPLE_QUERY = `"


def graphiql_html(endpoint: str, example_query: str | None) -> str:
    """The GraphiQL page; raises RuntimeError at start-up if Strawberry's page changed shape."""
    html = get_graphql_ide_html("graphiql")
    if _FETCH_URL_LINE not in html or _EXAMPLE_START not in html:
        raise RuntimeError("unexpected GraphiQL page layout in this Strawberry release")
    fetch = f"const fetchURL = new URL({json.dumps(endpoint)}, window.location.href).toString();"
    html = html.replace(_FETCH_URL_LINE, fetch)
    if example_query is not None:
        start = html.index(_EXAMPLE_START) + len(_EXAMPLE_START)
        end = html.index("`;", start)
        escaped = example_query.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${")
        html = html[:start] + escaped + html[end:]
    return html
