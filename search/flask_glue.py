"""Flask wiring of search: the index and the learnt pairs in app.extensions, the search log and the `search` CLI."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import Flask
from flask import current_app
from flask import session
from sqlalchemy.exc import SQLAlchemyError

from db_types import utcnow
from extensions import db
from kb.catalog import Catalog
from search.engine import query
from search.index import SearchIndex
from search.index import build_index
from search.learning import LearningPolicy
from search.learning import LearntPairs
from search.learning import Prior
from search.learning import PriorCache
from search.learning import learn
from search.log import log_row
from search.log import write
from search.results import SearchResult

LAST_SEARCH = "last_search"


def current_index() -> SearchIndex:
    """The search index of the running app."""
    return current_app.extensions["search"]


def log_search(result: SearchResult) -> None:
    """Write the search log row, unless SEARCH_LOG is off; a database problem never breaks search."""
    if not current_app.config.get("SEARCH_LOG", True):
        return
    row = log_row(result)
    if row is None:
        return
    now = utcnow()
    try:
        row = write(row, _previous_search(), now)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("search log row not written")
        return
    session[LAST_SEARCH] = [row.id, row.query, now.isoformat()]


def _previous_search() -> tuple[int, str, datetime] | None:
    """This browser's last logged search (row id, query, when), if it is readable."""
    try:
        row_id, text, at = session.get(LAST_SEARCH) or ()
        return int(row_id), str(text), datetime.fromisoformat(at)
    except (TypeError, ValueError):
        return None


def learnt_prior(text: str) -> Prior:
    """Topic key → weight 0..1 that requests filed after searching something like `text` give it."""
    learning = current_app.extensions.get("search_learning")
    return learning.pairs().prior(text) if learning is not None else {}


def search_quietly(text: str, limit: int = 5, exact: bool = False, prior: Prior | None = None) -> SearchResult:
    """Search with the app's index and the learnt prior (unless one is given), without logging."""
    return query(current_index(), text, limit, exact=exact, prior=learnt_prior(text) if prior is None else prior)


def run_search(text: str, limit: int = 5, exact: bool = False, prior: Prior | None = None) -> SearchResult:
    """Search with the app's index and the learnt prior, and log the query."""
    result = search_quietly(text, limit, exact, prior)
    log_search(result)
    return result


def learning_policy(app: Flask) -> LearningPolicy:
    return LearningPolicy(int(app.config["SEARCH_LEARN_MIN_COMPANIES"]),
                          float(app.config["SEARCH_LEARN_HALF_LIFE_DAYS"]))


def _load_pairs() -> LearntPairs | None:
    """The pairs that count now; None (keep the old ones) when the database does not answer."""
    from search import usage

    policy = learning_policy(current_app)
    now = utcnow()
    try:
        return learn(usage.filings(now - policy.horizon), usage.removed_pairs(), now, policy)
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("learnt search pairs not loaded")
        return None


def init_app(app: Flask) -> None:
    """Set up the learning and (re)build the index whenever the catalog is (re)loaded."""
    synonyms_path = Path(app.config["CONTENT_DIR"]) / "synonyms.yaml"
    # Learning from use: the guards and how often each process reloads what it learnt.
    app.config.setdefault("SEARCH_LEARN_MIN_COMPANIES", 3)
    app.config.setdefault("SEARCH_LEARN_HALF_LIFE_DAYS", 90)
    app.config.setdefault("SEARCH_LEARN_REFRESH_SECONDS", 60)
    app.extensions["search_learning"] = PriorCache(_load_pairs, float(app.config["SEARCH_LEARN_REFRESH_SECONDS"]))

    def rebuild(catalog: Catalog) -> None:
        app.extensions["search"] = build_index(catalog, synonyms_path)

    app.extensions["kb"].on_reload(rebuild)
