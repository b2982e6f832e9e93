"""Signed-in sessions kept server-side, so logout and a new password revoke a copied cookie."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from extensions import db
from tickets.models import LoginSession
from tickets.models import User
from tickets.validators import DIGITS_RE


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _split(session_id: str) -> tuple[int, str] | None:
    user_id, _, token = session_id.partition(".")
    if not DIGITS_RE.fullmatch(user_id) or len(user_id) > 18 or not token:
        return None
    return int(user_id), token


def start(user: User, lifetime: timedelta, now: datetime | None = None) -> str:
    """Open a session for the account; return its id "<user id>.<token>" (set on user.session_id too)."""
    now = _now(now)
    token = secrets.token_urlsafe(32)
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.expires_at <= now))
    db.session.add(LoginSession(user_id=user.id, token_hash=_digest(token), created_at=now, expires_at=now + lifetime))
    db.session.commit()
    user.session_id = f"{user.id}.{token}"
    return user.session_id


def resume(session_id: str, now: datetime | None = None) -> User | None:
    """The active account of a live session, or None when it was ended, expired or never existed."""
    parts = _split(session_id)
    if parts is None:
        return None
    user_id, token = parts
    # One query on every signed-in request: the live session, its active account and the company pages show.
    user = db.session.scalar(
        select(User).join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == _digest(token), LoginSession.user_id == user_id,
               LoginSession.expires_at > _now(now), User.active.is_(True))
        .options(joinedload(User.company))
    )
    if user is None:
        return None
    user.session_id = session_id
    return user


def end(session_id: str) -> None:
    """End one session (logout)."""
    parts = _split(session_id)
    if parts is not None:
        db.session.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(parts[1])))
        db.session.commit()


def end_all(user: User, keep: str = "") -> None:
    """End every session of the account except `keep`; no commit (it goes with the password change)."""
    query = delete(LoginSession).where(LoginSession.user_id == user.id)
    parts = _split(keep)
    if parts is not None:
        query = query.where(LoginSession.token_hash != _digest(parts[1]))
    db.session.execute(query)
