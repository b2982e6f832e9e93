"""The customer's requests: list, confirmation, details and attached files."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import send_file
from flask_login import current_user
from flask_login import login_required

from tickets import service
from views.rendering import render

bp = Blueprint("requests", __name__, url_prefix="/requests")


def _ticket_or_404(ticket_id: int):
    ticket = service.ticket_for(current_user, ticket_id)
    if ticket is None:
        abort(404)
    return ticket


@bp.get("/")
@login_required
def index():
    """List the company's requests, newest first."""
    return render("requests_list.html", tickets=service.company_tickets(current_user))


@bp.get("/<int:ticket_id>/created")
@login_required
def created(ticket_id: int):
    """Confirm a new request with its number."""
    return render("request_created.html", ticket=_ticket_or_404(ticket_id))


@bp.get("/<int:ticket_id>")
@login_required
def detail(ticket_id: int):
    """Show one request with everything submitted."""
    return render("request_detail.html", ticket=_ticket_or_404(ticket_id))


@bp.get("/files/<int:attachment_id>/<path:filename>")
@login_required
def attachment(attachment_id: int, filename: str):
    """Send an attached file to an account allowed to see it."""
    found = service.attachment_for(current_user, attachment_id)
    if found is None:
        abort(404)
    path = Path(current_app.config["UPLOAD_DIR"]) / found.storage_name
    inline = found.content_type.startswith("image/") or found.content_type == "application/pdf"
    response = send_file(path, mimetype=found.content_type, as_attachment=not inline,
                         download_name=found.filename, max_age=0)
    # User files are served from our origin: never let a browser sniff them into HTML.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "private, no-store"
    return response
