"""«Забыли пароль?»: a mailed link that sets a new password once, within an hour."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app
from itsdangerous import BadData
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from extensions import db
from tickets.accounts import normalize_email
from tickets.accounts import set_password
from tickets.models import User
from tickets.outbox import enqueue

MAX_AGE_SECONDS = 3600
SUBJECT = "Смена пароля на портале техподдержки"
_SALT = "password-reset"


class ResetLinkError(ValueError):
    """The link is forged, expired or already used."""


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def _fingerprint(user: User) -> str:
    # The password hash changes when the link is used, so a used link no longer matches: single use.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_token(user: User, secret_key: str) -> str:
    """A signed token naming the account and its current password."""
    return _serializer(secret_key).dumps([user.id, _fingerprint(user)])


def account_for(token: str, secret_key: str, max_age: int = MAX_AGE_SECONDS) -> User:
    """The active account the token was made for; ResetLinkError when it cannot be used."""
    try:
        user_id, fingerprint = _serializer(secret_key).loads(token, max_age=max_age)
    except (BadData, TypeError, ValueError) as exc:
        raise ResetLinkError("Ссылка недействительна или устарела") from exc
    user = db.session.get(User, user_id) if isinstance(user_id, int) and 0 < user_id < 2**31 else None
    if user is None or not user.active or fingerprint != _fingerprint(user):
        raise ResetLinkError("Ссылка недействительна или устарела")
    return user


def request_reset(email: str, base_url: str, secret_key: str) -> None:
    """Mail a reset link to the active account with this address; do nothing, silently, otherwise."""
    user = db.session.scalar(select(User).filter_by(email=normalize_email(email)[:254]))
    if user is None or not user.active:
        return
    url = f"{base_url.rstrip('/')}/password/reset/{make_token(user, secret_key)}"
    context: dict[str, Any] = {"url": url, "email": user.email, "name": user.company.name if user.company else user.name,
                               "hours": MAX_AGE_SECONDS // 3600}
    enqueue(user.email, SUBJECT, _render("mail/password_reset.txt", context), _render("mail/password_reset.html", context))
    db.session.commit()


def reset_password(token: str, new: str, secret_key: str) -> User:
    """Set the new password and sign out every session of the account."""
    user = account_for(token, secret_key)
    set_password(user, new)
    return user


def _render(name: str, context: dict[str, Any]) -> str:
    return current_app.jinja_env.get_template(name).render(context)
