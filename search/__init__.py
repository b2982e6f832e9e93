"""Site search over request topics, help articles and categories.

Plain functions `build_index` and `query`; `init_app` is the only Flask-aware entry.
"""

from search.engine import query
from search.flask_glue import current_index
from search.flask_glue import init_app
from search.flask_glue import log_search
from search.flask_glue import run_search
from search.index import SearchIndex
from search.index import build_index
from search.results import ArticleHit
from search.results import CategoryHit
from search.results import SearchResult
from search.results import TopicHit

__all__ = [
    "ArticleHit", "CategoryHit", "SearchIndex", "SearchResult", "TopicHit",
    "build_index", "current_index", "init_app", "log_search", "query", "run_search",
]
