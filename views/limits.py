"""Rate limits: the one policy, the keys they count by, and the decorators the views wear."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Response
from flask import request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from extensions import limiter
from tickets.accounts import normalize_email


@dataclass(frozen=True)
class RateLimitPolicy:
    """How often each action may happen (Flask-Limiter notation); the check runs before any costly work."""

    # Wrong passwords only (a 422 answer): after 10, even the right password waits for the window.
    login_per_account: str = "10 per 15 minutes"
    login_per_client: str = "10 per 15 minutes"
    reset_request_per_client: str = "5 per hour"
    reset_request_per_address: str = "3 per hour"
    reset_per_client: str = "10 per 15 minutes"
    filing_per_account: str = "10 per minute; 100 per day"
    reply_per_account: str = "20 per minute; 300 per day"
    # A person typing in the search box sends a few requests a second at most, and only in bursts.
    search_api_per_client: str = "120 per minute"


POLICY = RateLimitPolicy()


def _posted_address() -> str:
    # Hashed: a megabyte of "e-mail" must not become a megabyte key, and Redis needs no addresses.
    address = normalize_email(request.form.get("email", ""))
    return "address:" + hashlib.sha256(address.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _account() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else get_remote_address()


def _refused(response: Response) -> bool:
    return response.status_code == 422


def _live_validation() -> bool:
    return bool(request.args.get("validate"))


def _stack(*decorators: Callable) -> Callable:
    def apply(view: Callable) -> Callable:
        for decorator in reversed(decorators):
            view = decorator(view)
        return view
    return apply


login = _stack(
    limiter.limit(POLICY.login_per_account, key_func=_posted_address, methods=["POST"], deduct_when=_refused),
    limiter.limit(POLICY.login_per_client, methods=["POST"], deduct_when=_refused),
)
reset_request = _stack(
    limiter.limit(POLICY.reset_request_per_address, key_func=_posted_address, methods=["POST"]),
    limiter.limit(POLICY.reset_request_per_client, methods=["POST"]),
)
reset = limiter.limit(POLICY.reset_per_client, methods=["POST"])
filing = limiter.limit(POLICY.filing_per_account, key_func=_account, methods=["POST"],
                       exempt_when=_live_validation)
reply = limiter.limit(POLICY.reply_per_account, key_func=_account)
search_api = limiter.limit(POLICY.search_api_per_client)


def retry_after() -> int:
    """Seconds until the limit breached by this request lets the next one through."""
    breached = limiter.current_limit
    if breached is None:
        return 60
    return max(1, math.ceil(breached.window[0] - time.time()))
