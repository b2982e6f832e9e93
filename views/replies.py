"""The one way a reply form is posted, by a customer or an agent: files kept, errors beside the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response
from flask_login import current_user
from wtforms import Field

from tickets.models import Attachment
from tickets.models import Ticket
from tickets.status import WorkflowError
from views import uploads
from views.forms import PortalForm
from views.inputs import form_ids
from views.uploads import Checked


def post_reply(ticket: Ticket, form: PortalForm, error_field: Field, add: Callable[[Checked], Any],
               done: Callable[[Any], Response], again: Callable[[list[Attachment]], Response]) -> Response:
    """Validate the form and its files, `add` the reply and answer with `done`; else `again` with what was kept."""
    checked = uploads.validate_with_attachments(form, current_user, ticket.company_id, form_ids("keep"))
    if checked.valid:
        try:
            added = add(checked)
        except WorkflowError as exc:
            error_field.errors.append(str(exc))
        else:
            return done(added)
    return again(checked.kept)
