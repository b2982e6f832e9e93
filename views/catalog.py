"""Home, categories and topic request forms."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import redirect
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from kb import current_catalog
from search import usage
from search.deflection import ARTICLE_OPENED
from search.deflection import TOPIC_SWITCHED
from tickets.validators import SUMMARY_MAX
from views import limits
from views import uploads
from views.deflection import suggestions_for
from views.forms import SUBMISSION_ID_RE
from views.inputs import form_ids
from views.page_cache import cached_for_anonymous
from views.rendering import redirect_to
from views.rendering import render
from views.request_form import form_class_for
from views.request_form import handle_post
from views.requests import author_from_cookie
from views.requests import remember_author

bp = Blueprint("catalog", __name__)
TOPIC_KEY_MAX = 201


def _topic_or_404(category: str, topic: str):
    catalog = current_catalog()
    found = catalog.topic(category, topic)
    if found is None:
        abort(404)
    return catalog, catalog.category(category), found


@bp.get("/")
@cached_for_anonymous
def home():
    """Show the search box and the request categories."""
    return render("home.html", categories=current_catalog().categories, q="", result=None, fallback=[],
                  field_help=[])


@bp.get("/c/<category>")
@cached_for_anonymous
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
    q = request.args.get("q", "")
    form = form_class_for(top, catalog)(
        lk_number=current_user.company.lk_number if current_user.company else "",
        summary=q[:SUMMARY_MAX],
        search_phrase=q,
        author_name=author_from_cookie(),
    )
    if request.method == "GET":
        return render("topic.html", category=cat, topic=top, form=form, kept=[], suggest=None)
    validate_only = bool(request.args.get("validate"))
    result = handle_post(form, top, catalog, current_user, form_ids("keep"), validate_only)
    if result.ok:
        response = redirect_to(url_for("requests.created", ticket_id=result.ticket_id))
        remember_author(response, form.author_name.data)
        return response
    # A live check of one field answers 200 without suggestions; a failed submit is 422 with them.
    return render("topic.html", "request_form", 200 if validate_only else 422, category=cat, topic=top, form=form,
                  kept=result.kept, suggest=None if validate_only else suggestions_for(form, top))


@bp.route("/c/<category>/<topic>/draft", methods=["GET", "POST"])
@login_required
@limits.search_api
def draft(category: str, topic: str):
    """Show the topic's form with what was typed (files kept) and the suggestions; file nothing."""
    catalog, cat, top = _topic_or_404(category, topic)
    if request.method == "GET":
        return redirect(url_for("catalog.topic", category=category, topic=topic), 303)
    form = form_class_for(top, catalog)()
    kept = uploads.collect(form.attachments, current_user, current_user.company_id, form.submission_id.data,
                           form_ids("keep"))
    switched_from = request.args.get("switch", "")[:TOPIC_KEY_MAX]
    if switched_from:
        usage.record_form_event(TOPIC_SWITCHED, form.submission_id.data, current_user.company_id, switched_from,
                                top.key)
    return render("topic.html", None if switched_from else "suggestions", category=cat, topic=top, form=form,
                  kept=kept, suggest=suggestions_for(form, top))


@bp.get("/c/<category>/<topic>/read/<slug>")
@login_required
def read(category: str, topic: str, slug: str):
    """Open a help article suggested in the form, counting it for the deflection figures."""
    _catalog, _cat, top = _topic_or_404(category, topic)
    if current_catalog().article(slug) is None:
        abort(404)
    submission = request.args.get("s", "")
    if SUBMISSION_ID_RE.fullmatch(submission):
        usage.record_form_event(ARTICLE_OPENED, submission, current_user.company_id, top.key, slug)
    return redirect(url_for("help.article", slug=slug))
