"""Mail fetched from the support mailbox, for agents: the raw messages and the list of mail not posted."""

from __future__ import annotations

from flask import Blueprint
from flask import abort

from extensions import db
from tickets import inbound
from tickets.models import InboundMail
from views.console import agent_required
from views.files import send_stored
from views.rendering import render

bp = Blueprint("inbound_mail", __name__, url_prefix="/console/mail")

OUTCOME_LABELS = {inbound.REJECTED: "Отклонено", inbound.AUTO: "Автоматическое", inbound.BOUNCE: "Отчет о недоставке"}


@bp.get("/")
@agent_required
def unposted():
    """List the newest mail that did not become a comment, and why."""
    return render("console_mail.html", mails=inbound.unposted(), labels=OUTCOME_LABELS)


@bp.get("/<int:mail_id>.eml")
@agent_required
def raw(mail_id: int):
    """Send the message exactly as it arrived, as an .eml file."""
    mail = db.session.get(InboundMail, mail_id)
    if mail is None:
        abort(404)
    return send_stored(mail.storage_name, f"mail-{mail.id}.eml", "message/rfc822", inline=False)
