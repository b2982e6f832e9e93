"""Search page: the home page's results region, as a full page or as live suggestions."""

from __future__ import annotations

from flask import Blueprint
from flask import request

from kb import current_catalog
from search import run_search
from views.rendering import render

bp = Blueprint("search", __name__)

MIN_CHARS = 2
MAX_QUERY = 200
FIELD_HELP = 2


@bp.get("/search")
def page():
    """Search topics, articles and categories; htmx gets only the results region."""
    q = request.args.get("q", "")[:MAX_QUERY]
    exact = request.args.get("exact") == "1"
    result = run_search(q, limit=5, exact=exact) if len(q.strip()) >= MIN_CHARS else None
    catalog = current_catalog()
    fallback = [(c, c.topic("inoe")) for c in catalog.categories if c.topic("inoe")]
    # Where to find the IDs the best topic's form will ask for, before the customer opens it.
    field_help = catalog.field_help(result.topics[0].topic)[:FIELD_HELP] if result and result.topics else []
    articles = [hit for hit in result.articles if hit.article not in field_help] if result else []
    return render("home.html", "search_results", q=q, result=result, categories=catalog.categories,
                  fallback=fallback, field_help=field_help, articles=articles)
