"""Flask wiring of search: the index in app.extensions, the search log and the `search` CLI."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from extensions import db
from kb.catalog import Catalog
from search.engine import query
from search.index import SearchIndex
from search.index import build_index
from search.log import log_row
from search.results import SearchResult


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
    try:
        db.session.add(row)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("search log row not written")


def run_search(text: str, limit: int = 5, exact: bool = False) -> SearchResult:
    """Search with the app's index and log the query."""
    result = query(current_index(), text, limit, exact=exact)
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
