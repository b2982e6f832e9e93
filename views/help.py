"""Help centre: field-finding instructions and how-to articles."""

from __future__ import annotations

from flask import Blueprint
from flask import abort

from kb import current_catalog
from views.page_cache import cached_for_anonymous
from views.rendering import render

bp = Blueprint("help", __name__, url_prefix="/help")


@bp.get("/")
@cached_for_anonymous
def index():
    """List every help article, field instructions first."""
    catalog = current_catalog()
    return render("help_index.html", fields=catalog.articles_of_kind("field"),
                  guides=catalog.articles_of_kind("guide"))


@bp.get("/<slug>")
@cached_for_anonymous
def article(slug: str):
    """Show one article; htmx gets only the article body for inline help."""
    found = current_catalog().article(slug)
    if found is None:
        abort(404)
    return render("article.html", "article", article=found)
