"""The support console: the queue and the agent's view of a request."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint
from flask import abort
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from kb import current_catalog
from tickets import current_notifier
from tickets import lifecycle
from tickets import outbox
from tickets import service
from tickets.queue import QueueFilters
from tickets.queue import queue_query
from tickets.queue import queue_size
from tickets.queue import status_counts
from tickets.status import Status
from views import limits
from views.forms import AgentReplyForm
from views.forms import StatusForm
from views.inputs import query_int
from views.rendering import redirect_to
from views.rendering import render
from views.replies import post_reply

bp = Blueprint("console", __name__, url_prefix="/console")
# Far beyond any real queue; keeps the OFFSET a small number on every database.
MAX_PAGE = 100_000


def agent_required(view):
    """Only support agents; customers get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_agent:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _filters() -> QueueFilters:
    args = request.args
    status = args.get("status", "")
    assignee = args.get("assignee", "")
    return QueueFilters(
        category=args.get("category", ""),
        topic=args.get("topic", ""),
        status=status if status in set(Status) else "",
        assignee_id=current_user.id if assignee == "me" else None,
        unassigned=assignee == "none",
        page=query_int(args.get("page"), 1, high=MAX_PAGE),
    )


@bp.get("/")
@agent_required
def queue():
    """Open requests by priority, then oldest first, with filters and counts per status."""
    filters = _filters()
    counts = status_counts(filters)
    return render("console_queue.html", "queue", tickets=queue_query(filters), counts=counts,
                  total=queue_size(counts, filters), filters=filters, args=request.args,
                  categories=current_catalog().categories)


def _ticket_page(ticket, reply_form=None, status_form=None, kept=(), code: int = 200, block: str | None = None):
    return render("console_ticket.html", block, code, ticket=ticket,
                  reply_form=reply_form or AgentReplyForm(),
                  status_form=status_form or StatusForm.for_status(ticket.status), kept=list(kept),
                  comments=service.thread(ticket, include_internal=True), history=service.history(ticket),
                  failed_mail=outbox.failed_messages(ticket.id))


def _ticket_or_404(ticket_id: int):
    ticket = service.ticket_for(current_user, ticket_id)
    if ticket is None:
        abort(404)
    return ticket


@bp.get("/requests/<int:ticket_id>")
@agent_required
def ticket(ticket_id: int):
    """Show everything the customer submitted, the whole thread and the agent's actions."""
    return _ticket_page(_ticket_or_404(ticket_id))


@bp.post("/requests/<int:ticket_id>/take")
@agent_required
def take(ticket_id: int):
    """Assign the request to the current agent."""
    lifecycle.take(_ticket_or_404(ticket_id), current_user)
    return redirect_to(url_for("console.ticket", ticket_id=ticket_id))


@bp.post("/requests/<int:ticket_id>/reply")
@agent_required
@limits.reply
def reply(ticket_id: int):
    """Reply publicly (optionally waiting for the customer) or add an internal note."""
    found = _ticket_or_404(ticket_id)
    form = AgentReplyForm()
    return post_reply(
        found, form, form.mode,
        lambda checked: lifecycle.add_agent_reply(
            found, current_user, form.body.data, checked.kept, wait_for_customer=form.mode.data == "wait",
            internal=form.mode.data == "internal", submission_id=checked.draft_key, notifier=current_notifier()),
        lambda comment: redirect_to(url_for("console.ticket", ticket_id=comment.ticket_id,
                                            _anchor=f"comment-{comment.id}")),
        lambda kept: _ticket_page(found, reply_form=form, kept=kept, code=422, block="agent_reply"))


@bp.post("/requests/<int:ticket_id>/status")
@agent_required
def status(ticket_id: int):
    """Change the status, recording who, when and why."""
    found = _ticket_or_404(ticket_id)
    form = StatusForm.for_status(found.status)
    if form.validate():
        try:
            lifecycle.change_status(found, current_user, form.target.data, form.reason.data or "",
                                   notifier=current_notifier())
            return redirect_to(url_for("console.ticket", ticket_id=ticket_id))
        except lifecycle.WorkflowError as exc:
            form.target.errors.append(str(exc))
    return _ticket_page(found, status_form=form, code=422, block="agent_status")
