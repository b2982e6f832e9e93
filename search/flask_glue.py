"""Flask wiring of search: the index in app.extensions, the search log and the `search` CLI."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from flask import Flask
from flask import current_app
from flask import session
from sqlalchemy.exc import SQLAlchemyError

from extensions import db
from kb.catalog import Catalog
from search.engine import query
from search.index import SearchIndex
from search.index import build_index
from search.log import log_row
from search.log import write
from search.results import SearchResult
from tickets.models import utcnow

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


def run_search(text: str, limit: int = 5, exact: bool = False,
               prior: Mapping[str, float] | None = None) -> SearchResult:
    """Search with the app's index and log the query.

    prior: topic key («category/topic») → 0..1 learnt from what customers filed after this phrase.
    """
    result = query(current_index(), text, limit, exact=exact, prior=prior)
    log_search(result)
    return result


def init_app(app: Flask) -> None:
    """Register the `search` CLI and (re)build the index whenever the catalog is (re)loaded."""
    from search.cli import search_cli

    synonyms_path = Path(app.config["CONTENT_DIR"]) / "synonyms.yaml"

    def rebuild(catalog: Catalog) -> None:
        app.extensions["search"] = build_index(catalog, synonyms_path)

    app.cli.add_command(search_cli)
    app.extensions["kb"].on_reload(rebuild)
