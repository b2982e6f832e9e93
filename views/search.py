"""Search page: the home page's results region, as a full page or as live suggestions."""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import request
from flask import url_for
from flask_htmx import make_response

from kb import current_catalog
from search import SearchResult
from search import run_search
from search.results import MORE_WORDS_HINT
from search.results import best_is_clear
from search.results import describes_enough
from search.results import group_topics
from views.page_cache import rendered_for_anonymous
from views.rendering import render

bp = Blueprint("search", __name__)

MAX_QUERY = 200
FIELD_HELP = 2


@bp.get("/search")
def page():
    """Search topics, articles and categories; htmx gets only the results region."""
    q = request.args.get("q", "")[:MAX_QUERY]
    result = run_search(q, limit=5, exact=request.args.get("exact") == "1") if describes_enough(q) else None
    response = rendered_for_anonymous(result, lambda: _results_page(q, result))
    # An emptied search box leaves the address bar at the home page, not at the last search.
    return response if q.strip() else make_response(response, replace_url=url_for("catalog.home"))


def _results_page(q: str, result: SearchResult | None) -> Response:
    """Render the home page with the results of q (or only the results region for htmx)."""
    catalog = current_catalog()
    groups = group_topics(result, catalog) if result else []
    # Where to find the IDs the best topic's form will ask for, before the customer opens it.
    field_help = catalog.field_help(result.topics[0].topic)[:FIELD_HELP] if result and result.topics else []
    articles = [hit for hit in result.articles if hit.article not in field_help] if result else []
    return render("home.html", "search_results", q=q, result=result, groups=groups, field_help=field_help,
                  best=bool(result) and best_is_clear(result, groups), articles=articles,
                  hint=MORE_WORDS_HINT if q.strip() and result is None else None,
                  categories=catalog.categories, fallback=_fallback(catalog),
                  lost=catalog.article("esli-ne-znaete-chto-delat"))


def _fallback(catalog):
    """Each category with its «Иное» topic, if it has one: where a request that fits nothing else goes."""
    return [(c, c.topic("inoe")) for c in catalog.categories]
