"""Public JSON API: the search the portal's pages use."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import request
from flask import url_for

from kb import current_catalog
from search import SearchResult
from search import log_search
from search.flask_glue import remembered
from search.flask_glue import search_quietly
from search.results import MORE_WORDS_HINT
from search.results import best_is_clear
from search.results import describes_enough
from search.results import group_topics
from search.text import MAX_QUERY_LENGTH
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


def _groups(result: SearchResult) -> list[dict]:
    """The topics merged by need, as the search page shows them: each need once, with all its categories."""
    catalog = current_catalog()
    groups = group_topics(result, catalog)
    best = best_is_clear(result, groups)
    return [
        {"need": g.need.slug if g.need else None, "title": g.title, "choose": g.need.choose if g.need else None,
         "best": best and number == 0, "score": round(g.score, 3),
         "topics": [{"category": catalog.category(t.category_slug).title, "title": t.title,
                     "url": url_for("catalog.topic", category=t.category_slug, topic=t.slug, q=result.understood)}
                    for t in g.topics]}
        for number, g in enumerate(groups)
    ]


def _json(result: SearchResult, enough: bool = True) -> dict:
    """The answer; `enough` is False (with a hint when something was typed) for too little to search."""
    # The topic form pre-fills its summary from q, so it gets the repaired words, not a layout mix-up.
    typed = result.understood
    return {
        "query": result.query,
        "corrected": result.corrected,
        "confident": result.confident,
        "enough": enough,
        "hint": MORE_WORDS_HINT if not enough and result.query.strip() else None,
        "groups": _groups(result),
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
    q = request.args.get("q", "")
    if not describes_enough(q):
        return jsonify(_json(SearchResult(query=q[:MAX_QUERY_LENGTH]), enough=False))
    # The answer is the same for everyone asking the same: built once per search generation, logged every time.
    if len(q) > MAX_QUERY_LENGTH:
        result, body = _answer(q, limit)
    else:
        result, body = remembered(("api", q, limit, request.script_root), lambda: _answer(q, limit))
    log_search(result)
    return current_app.response_class(body, mimetype=current_app.json.mimetype)


def _answer(q: str, limit: int) -> tuple[SearchResult, bytes]:
    """The result and its JSON answer, serialised as jsonify would."""
    result = search_quietly(q, limit)
    return result, jsonify(_json(result)).get_data()
