"""Login and logout of company and agent accounts."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user

from tickets import sessions
from tickets.accounts import authenticate
from tickets.models import User
from views import limits
from views.forms import LoginForm
from views.rendering import redirect_to
from views.rendering import render

bp = Blueprint("auth", __name__)



def safe_next(target: str | None) -> str | None:
    """The target if it is a path on this site, else None: an open redirect would lend our login to phishing."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read a backslash as a slash and drop tabs and line breaks: "/\\evil" and "/\t/evil" leave the site.
    if "\\" in target or not target.isprintable():
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def sign_in(user: User, remember: bool = False) -> None:
    """Open a server-side session for this browser and sign it in."""
    sessions.start(user, current_app.config["REMEMBER_COOKIE_DURATION"])
    login_user(user, remember=remember)


def sign_out() -> None:
    """End this browser's session server-side, so a copied cookie stops working too."""
    if current_user.is_authenticated:
        sessions.end(current_user.session_id)
    logout_user()


@bp.route("/login", methods=["GET", "POST"])
@limits.login
def login():
    """Log in and go back to where the visitor was going."""
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            sign_in(user, remember=form.remember.data)
            default = url_for("console.queue") if user.is_agent else url_for("requests.index")
            return redirect_to(safe_next(form.next.data) or default)
        form.password.errors.append("Неверная почта или пароль")
    status = 422 if request.method == "POST" else 200
    return render("login.html", "login_form", status, form=form)


@bp.post("/logout")
def logout():
    """Log out."""
    sign_out()
    return redirect(url_for("catalog.home"), 303)
