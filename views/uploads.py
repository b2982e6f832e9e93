"""Attachments of any form: check each file, keep the good ones as drafts across failed posts.

Uploads are read with a bounded buffer (`UploadRequest`), so a post far over the limits still comes back
as the form with everything typed and each file's reason, not as a bare 413.
"""

from __future__ import annotations

from dataclasses import dataclass
from tempfile import SpooledTemporaryFile

from flask import Request
from flask import current_app
from werkzeug.datastructures import FileStorage
from wtforms import Field

from tickets import current_policy
from tickets import current_store
from tickets import service
from tickets.attachments import AttachmentError
from tickets.attachments import DraftQuota
from tickets.attachments import check_file
from tickets.attachments import too_big
from tickets.models import Attachment
from tickets.models import User
from tickets.storage import StoreUnavailable
from views.forms import PortalForm

SPOOL_IN_MEMORY = 512 * 1024  # bytes of one file kept in RAM before it spills to a temporary file
STORE_DOWN = ("Не удалось сохранить файлы {names}: хранилище файлов сейчас недоступно. Все, что вы ввели, осталось "
              "в форме — приложите эти файлы еще раз через несколько минут.")


class CappedUpload(SpooledTemporaryFile):
    """An uploaded file that keeps at most `limit` bytes, discards the rest and counts the real size."""

    def __init__(self, limit: int) -> None:
        super().__init__(max_size=SPOOL_IN_MEMORY, mode="w+b")
        self.limit = limit
        self.received = 0

    @property
    def skipped(self) -> bool:
        """True when the file came beyond the number of files allowed and nothing of it was kept."""
        return self.limit == 0

    @property
    def overflowed(self) -> bool:
        return self.received > self.limit

    def write(self, data) -> int:
        room = self.limit - self.received
        self.received += len(data)
        if room > 0:
            super().write(bytes(data[:room]))
        return len(data)


class UploadRequest(Request):
    """A request whose multipart files never buffer more than one attachment's limit plus a byte."""

    _files_seen = 0

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        policy = current_policy()
        if not filename:  # an empty file input: nothing was chosen
            return CappedUpload(0)
        self._files_seen += 1
        # One byte over the limit is enough to know the file is too big; files over the count keep nothing.
        over_count = self._files_seen > policy.max_attachments
        return CappedUpload(0 if over_count else policy.max_attachment_size + 1)


def _quota() -> DraftQuota:
    policy = current_policy()
    return DraftQuota(policy.draft_max_files, policy.draft_max_bytes, policy.draft_ttl_hours)


def _checked(upload: FileStorage, max_size: int):
    stream = upload.stream
    if isinstance(stream, CappedUpload) and stream.overflowed:
        raise too_big(upload.filename or "", stream.received, max_size)
    return check_file(upload.filename or "", upload.read(), max_size)


def collect(field: Field, user: User, company_id: int, draft_key: str, kept_ids: list[int]) -> list[Attachment]:
    """Return the kept drafts plus the newly uploaded files that pass the checks; errors go on the field."""
    policy, store = current_policy(), current_store()
    field.errors = list(field.errors)
    service.discard_unkept_drafts(user, draft_key, kept_ids, store)
    kept = service.draft_attachments(user, draft_key, kept_ids)
    files = [f for f in (field.data or []) if isinstance(f, FileStorage) and f.filename]
    room = max(policy.max_attachments - len(kept), 0)
    quota = _quota()
    used_files, used_bytes = service.draft_usage(user)
    surplus: list[str] = []
    unsaved: list[str] = []
    for upload in files:
        if room == 0 or (isinstance(upload.stream, CappedUpload) and upload.stream.skipped):
            surplus.append(upload.filename)
            continue
        if unsaved:  # the store is down: do not make the customer wait for it once per file
            unsaved.append(upload.filename)
            continue
        try:
            checked = _checked(upload, policy.max_attachment_size)
            quota.check(checked.filename, len(checked.data), used_files, used_bytes)
            kept.append(service.save_draft(user, company_id, draft_key, checked, store))
        except AttachmentError as exc:
            field.errors.append(str(exc))
            continue
        except StoreUnavailable as exc:
            current_app.logger.error("Upload not stored: %s", exc)
            unsaved.append(upload.filename)
            continue
        room, used_files, used_bytes = room - 1, used_files + 1, used_bytes + len(checked.data)
    if unsaved:
        field.errors.append(STORE_DOWN.format(names=", ".join(f"«{name}»" for name in unsaved)))
    if surplus:
        field.errors.append(
            f"Можно приложить не больше {policy.max_attachments} файлов; лишние не сохранены: {', '.join(surplus)}"
        )
    return kept


@dataclass
class Checked:
    """A posted form after validation: its fields' verdict and the files kept for it."""

    valid: bool
    kept: list[Attachment]
    draft_key: str


def validate_with_attachments(form: PortalForm, user: User, company_id: int, kept_ids: list[int]) -> Checked:
    """Validate a form carrying `submission_id` and `attachments`, then keep its good files as drafts.

    In this order only: `form.validate()` resets every field's errors, the file errors included.
    The submission id is always a short token here (views.forms.SubmissionIdField), so it can name the drafts.
    """
    valid = form.validate()
    kept = collect(form.attachments, user, company_id, form.submission_id.data, kept_ids)
    return Checked(valid and not form.attachments.errors, kept, form.submission_id.data)
