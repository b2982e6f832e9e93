"""Site search over request topics, help articles and categories.

Plain functions `build_index` and `query`; `init_app` is the only Flask-aware entry.
"""

from flask import Flask

from search import flask_glue
from search.cli import search_cli
from search.engine import query
from search.flask_glue import current_index
from search.flask_glue import log_search
from search.flask_glue import run_search
from search.index import SearchIndex
from search.index import build_index
from search.results import ArticleHit
from search.results import CategoryHit
from search.results import SearchResult
from search.results import TopicHit


def init_app(app: Flask) -> None:
    """Register the `search` CLI and (re)build the index whenever the catalog is (re)loaded."""
    flask_glue.init_app(app)
    app.cli.add_command(search_cli)


__all__ = [
    "ArticleHit", "CategoryHit", "SearchIndex", "SearchResult", "TopicHit",
    "build_index", "current_index", "init_app", "log_search", "query", "run_search",
]
