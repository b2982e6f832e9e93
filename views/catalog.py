"""Home, categories and topic request forms."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from kb import current_catalog
from views import limits
from views.inputs import form_ids
from views.rendering import redirect_to
from views.rendering import render
from views.request_form import form_class_for
from views.request_form import handle_post
from views.requests import author_from_cookie
from views.requests import remember_author

bp = Blueprint("catalog", __name__)

def _topic_or_404(category: str, topic: str):
    catalog = current_catalog()
    found = catalog.topic(category, topic)
    if found is None:
        abort(404)
    return catalog, catalog.category(category), found


@bp.get("/")
def home():
    """Show the search box and the request categories."""
    return render("home.html", categories=current_catalog().categories, q="", result=None, fallback=[],
                  field_help=[])


@bp.get("/c/<category>")
def category(category: str):
    """List the topics of one category."""
    found = current_catalog().category(category)
    if found is None:
        abort(404)
    return render("category.html", category=found)


@bp.route("/c/<category>/<topic>", methods=["GET", "POST"])
@login_required
@limits.filing
def topic(category: str, topic: str):
    """Show the topic's request form and file the request."""
    catalog, cat, top = _topic_or_404(category, topic)
    form = form_class_for(top, catalog)(
        lk_number=current_user.company.lk_number if current_user.company else "",
        summary=request.args.get("q", "")[:150],
        author_name=author_from_cookie(),
    )
    if request.method == "GET":
        return render("topic.html", category=cat, topic=top, form=form, kept=[])
    validate_only = bool(request.args.get("validate"))
    result = handle_post(form, top, catalog, current_user, form_ids("keep"), validate_only)
    if result.ok:
        response = redirect_to(url_for("requests.created", ticket_id=result.ticket_id))
        remember_author(response, form.author_name.data)
        return response
    status = 200 if validate_only else 422
    return render("topic.html", "request_form", status, category=cat, topic=top, form=form, kept=result.kept)
