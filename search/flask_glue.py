"""Flask wiring of search: the index and the learnt pairs in app.extensions, the search log and the `search` CLI."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import Flask
from flask import current_app
from flask import session
from sqlalchemy.exc import IntegrityError
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
from search.log import LogEntry
from search.log import log_entry
from search.log import write_entries
from search.log_writer import BatchWriter
from search.memo import Memo
from search.results import SearchResult
from search.text import MAX_QUERY_LENGTH

LAST_SEARCH = "last_search"
LOG_WRITER = "search_log"
MEMO = "search_memo"


def current_index() -> SearchIndex:
    """The search index of the running app."""
    return current_app.extensions["search"]


def log_search(result: SearchResult) -> None:
    """Log the search unless SEARCH_LOG is off: in this request, or queued for the batch writer when it has one."""
    if not current_app.config.get("SEARCH_LOG", True):
        return
    now = utcnow()
    entry = log_entry(result, _previous_search(), now)
    if entry is None:
        return
    writer: BatchWriter[LogEntry] | None = current_app.extensions.get(LOG_WRITER)
    if writer is not None:
        writer.add(entry)
    else:
        try:
            store_entries([entry])
        except SQLAlchemyError:
            db.session.rollback()
            current_app.logger.exception("search log row not written")
            return
    session[LAST_SEARCH] = [entry.token, entry.query, now.isoformat()]


def store_entries(entries: list[LogEntry]) -> None:
    """Write the entries and commit; once more when another process's batch has just written one of the tokens."""
    try:
        write_entries(entries)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        write_entries(entries)
        db.session.commit()


def _previous_search() -> tuple[str, str, datetime] | None:
    """This browser's last logged search (token, query, when), if it is readable."""
    try:
        token, text, at = session.get(LAST_SEARCH) or ()
        return str(token), str(text), datetime.fromisoformat(at)
    except (TypeError, ValueError):
        return None


def learnt_prior(text: str) -> Prior:
    """Topic key → weight 0..1 that requests filed after searching something like `text` give it."""
    learning = current_app.extensions.get("search_learning")
    return learning.pairs().prior(text) if learning is not None else {}


def remembered(key: tuple, compute):
    """compute() once per key while the index and the learnt pairs stay the same (a bounded store per process)."""
    learning = current_app.extensions.get("search_learning")
    generation = (current_index(), learning.pairs() if learning is not None else None)
    return current_app.extensions[MEMO].get(generation, key, compute)


def search_quietly(text: str, limit: int = 5, exact: bool = False, prior: Prior | None = None) -> SearchResult:
    """Search with the app's index and the learnt prior (unless one is given), without logging.

    With the learnt prior the result depends only on the text and the generation: a repeated search is remembered.
    """
    if prior is None and len(text) <= MAX_QUERY_LENGTH:  # a longer text is not kept: its size has no bound
        return remembered(("result", text, limit, exact),
                          lambda: search_quietly(text, limit, exact, learnt_prior(text)))
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


def _writer_for(app: Flask):
    def write(entries: list[LogEntry]) -> None:
        with app.app_context():
            try:
                store_entries(entries)
            except SQLAlchemyError:
                db.session.rollback()
                raise

    return write


def init_app(app: Flask) -> None:
    """Set up the learning and (re)build the index whenever the catalog is (re)loaded."""
    synonyms_path = Path(app.config["CONTENT_DIR"]) / "synonyms.yaml"
    # Learning from use: the guards and how often each process reloads what it learnt.
    app.config.setdefault("SEARCH_LEARN_MIN_COMPANIES", 3)
    app.config.setdefault("SEARCH_LEARN_HALF_LIFE_DAYS", 90)
    app.config.setdefault("SEARCH_LEARN_REFRESH_SECONDS", 60)
    # The search log leaves the request path: rows are written by a thread per process in batches, at most
    # this many seconds after a search (and at exit); 0 writes each row in its request.
    app.config.setdefault("SEARCH_LOG_BATCH_SECONDS", 2.0)
    app.config.setdefault("SEARCH_LOG_BATCH_SIZE", 200)
    if float(app.config["SEARCH_LOG_BATCH_SECONDS"]) > 0:
        app.extensions[LOG_WRITER] = BatchWriter(_writer_for(app), int(app.config["SEARCH_LOG_BATCH_SIZE"]),
                                                 float(app.config["SEARCH_LOG_BATCH_SECONDS"]))
    app.extensions[MEMO] = Memo()
    app.extensions["search_learning"] = PriorCache(_load_pairs, float(app.config["SEARCH_LEARN_REFRESH_SECONDS"]))

    def rebuild(catalog: Catalog) -> None:
        app.extensions["search"] = build_index(catalog, synonyms_path)

    app.extensions["kb"].on_reload(rebuild)
