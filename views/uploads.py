"""Attachments of any form: check each file, keep the good ones as drafts across failed posts."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from werkzeug.datastructures import FileStorage
from wtforms import Field

from tickets import service
from tickets.attachments import AttachmentError
from tickets.attachments import CheckedFile
from tickets.attachments import check_file
from tickets.models import Attachment
from tickets.models import User


def _check(field: Field, files: list[FileStorage], already: int) -> list[CheckedFile]:
    config = current_app.config
    checked: list[CheckedFile] = []
    for upload in files:
        try:
            checked.append(check_file(upload.filename or "", upload.read(), config["MAX_ATTACHMENT_SIZE"]))
        except AttachmentError as exc:
            field.errors.append(str(exc))
    room = max(config["MAX_ATTACHMENTS"] - already, 0)
    if len(checked) > room:
        field.errors.append(
            f"Можно приложить не больше {config['MAX_ATTACHMENTS']} файлов; "
            f"лишние не сохранены: {', '.join(c.filename for c in checked[room:])}"
        )
        checked = checked[:room]
    return checked


def collect(field: Field, user: User, company_id: int, draft_key: str, kept_ids: list[int]) -> list[Attachment]:
    """Return the kept drafts plus the newly uploaded files that pass the checks; errors go on the field."""
    field.errors = list(field.errors)
    kept = service.draft_attachments(user, draft_key, kept_ids)
    files = [f for f in (field.data or []) if isinstance(f, FileStorage) and f.filename]
    checked = _check(field, files, len(kept))
    if checked:
        upload_dir = Path(current_app.config["UPLOAD_DIR"])
        kept += service.save_drafts(user, company_id, draft_key, checked, upload_dir)
    return kept
