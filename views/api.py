"""Public JSON API: the search the portal's pages use."""

from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from flask import request
from flask import url_for

from search import SearchResult
from search import run_search
from views import limits

bp = Blueprint("api", __name__, url_prefix="/api")

DEFAULT_LIMIT = 5
MAX_LIMIT = 20


def _limit(raw: str | None) -> int | None:
    """The requested number of results clamped to 1..20; None when it is not an integer."""
    if raw is None or raw.strip() == "":
        return DEFAULT_LIMIT
    try:
        return min(max(int(raw.strip()), 1), MAX_LIMIT)
    except ValueError:
        return None


def _json(result: SearchResult) -> dict:
    # The topic form pre-fills its summary from q, so it gets the repaired words, not a layout mix-up.
    typed = result.understood
    return {
        "query": result.query,
        "corrected": result.corrected,
        "confident": result.confident,
        "categories": [
            {"title": h.category.title, "url": url_for("catalog.category", category=h.category.slug),
             "score": round(h.score, 3)}
            for h in result.categories
        ],
        "topics": [
            {"category": h.category.title, "title": h.topic.title,
             "url": url_for("catalog.topic", category=h.category.slug, topic=h.topic.slug, q=typed),
             "score": round(h.score, 3)}
            for h in result.topics
        ],
        "articles": [
            {"title": h.article.title, "url": url_for("help.article", slug=h.article.slug),
             "score": round(h.score, 3)}
            for h in result.articles
        ],
    }


@bp.get("/search")
@limits.search_api
def search():
    """Return the best categories, topics and help articles for `q` as JSON."""
    limit = _limit(request.args.get("limit"))
    if limit is None:
        return jsonify(error=f"Параметр limit должен быть целым числом от 1 до {MAX_LIMIT}."), 400
    return jsonify(_json(run_search(request.args.get("q", ""), limit)))
