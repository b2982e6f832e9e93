"""The customer's requests: list, confirmation, details and attached files."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from tickets import current_notifier
from tickets import lifecycle
from tickets import queue
from tickets import service
from tickets.validators import AUTHOR_NAME_MAX
from tickets.validators import single_line
from views import limits
from views.files import send_stored
from views.forms import CloseForm
from views.forms import ReplyForm
from views.rendering import redirect_to
from views.rendering import render
from views.replies import post_reply

AUTHOR_COOKIE = "author_name"


def author_from_cookie() -> str:
    """The "who is writing" this browser remembered, cleaned like a typed one-line value."""
    return single_line(request.cookies.get(AUTHOR_COOKIE, "")).strip()[:AUTHOR_NAME_MAX]


def remember_author(response, name: str) -> None:
    """Remember "who is writing" in this browser: the company shares one account."""
    response.set_cookie(AUTHOR_COOKIE, name, max_age=365 * 86400, samesite="Lax", httponly=True)

bp = Blueprint("requests", __name__, url_prefix="/requests")


def _ticket_or_404(ticket_id: int):
    ticket = service.ticket_for(current_user, ticket_id)
    if ticket is None:
        abort(404)
    return ticket


@bp.get("/")
@login_required
def index():
    """List the company's requests, newest first, one tab of them at a time."""
    views = service.ticket_views(service.company_tickets(current_user))
    view = request.args.get("show", "all")
    view = view if view in views else "all"
    return render("requests_list.html", views=views, view=view, tickets=views[view], waiting=views["waiting"])


@bp.get("/<int:ticket_id>/created")
@login_required
def created(ticket_id: int):
    """Confirm a new request with its number."""
    ticket = _ticket_or_404(ticket_id)
    return render("request_created.html", ticket=ticket, position=queue.queue_position(ticket))


def _detail(ticket, form: ReplyForm, kept: list, status: int = 200, block: str | None = None):
    return render("request_detail.html", block, status, ticket=ticket, form=form, kept=kept,
                  comments=service.thread(ticket, include_internal=False), history=service.history(ticket),
                  position=queue.queue_position(ticket))


@bp.get("/<int:ticket_id>")
@login_required
def detail(ticket_id: int):
    """Show one request: everything submitted, the thread and the reply form."""
    form = ReplyForm(author_name=author_from_cookie())
    return _detail(_ticket_or_404(ticket_id), form, [])


@bp.post("/<int:ticket_id>/reply")
@login_required
@limits.reply
def reply(ticket_id: int):
    """Add the customer's reply; it brings a waiting or closed request back to support."""
    ticket = _ticket_or_404(ticket_id)
    form = ReplyForm()

    def done(added):
        target, comment = added
        response = redirect_to(url_for("requests.detail", ticket_id=target.id, _anchor=f"comment-{comment.id}"))
        remember_author(response, form.author_name.data)
        return response

    return post_reply(
        ticket, form, form.body,
        lambda checked: lifecycle.add_customer_reply(ticket, current_user, form.author_name.data, form.body.data,
                                                     checked.kept, checked.draft_key, notifier=current_notifier()),
        done, lambda kept: _detail(ticket, form, kept, 422, "reply_form"))


@bp.post("/<int:ticket_id>/close")
@login_required
def close(ticket_id: int):
    """Close the request at the customer's word: the question is solved."""
    ticket = _ticket_or_404(ticket_id)
    form = CloseForm()
    lifecycle.close_by_customer(ticket, current_user, form.author_name.data or author_from_cookie())
    return redirect_to(url_for("requests.detail", ticket_id=ticket.id))


@bp.get("/files/<int:attachment_id>/<path:filename>")
@login_required
def attachment(attachment_id: int, filename: str):
    """Send an attached file to an account allowed to see it."""
    found = service.attachment_for(current_user, attachment_id)
    if found is None:
        abort(404)
    inline = found.content_type.startswith("image/") or found.content_type == "application/pdf"
    response = send_stored(found.storage_name, found.filename, found.content_type, inline, etag=found.sha256)
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response
