"""Knowledge base: the request catalog and help articles from the content folder."""

from kb.catalog import Article
from kb.catalog import Catalog
from kb.catalog import Category
from kb.catalog import ContentError
from kb.catalog import FieldDef
from kb.catalog import Topic
from kb.catalog import TopicField
from kb.catalog import load_catalog
from kb.flask_glue import current_catalog
from kb.flask_glue import init_app

__all__ = [
    "Article", "Catalog", "Category", "ContentError", "FieldDef", "Topic", "TopicField",
    "current_catalog", "init_app", "load_catalog",
]
