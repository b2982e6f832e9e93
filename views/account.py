"""The account page: the company's time zone and the shared password."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from tickets.accounts import AccountError
from tickets.accounts import change_password
from tickets.accounts import set_timezone
from views.forms import PasswordForm
from views.forms import TimezoneForm
from views.rendering import redirect_to
from views.rendering import render

bp = Blueprint("account", __name__, url_prefix="/account")




def _page(status: int = 200, block: str | None = None, timezone_form=None, password_form=None):
    timezone_form = timezone_form or TimezoneForm(timezone=current_user.timezone)
    return render("account.html", block, status, timezone_form=timezone_form,
                  password_form=password_form or PasswordForm(), can_set_timezone=current_user.company is not None)


@bp.get("/")
@login_required
def index():
    """Show the account's settings."""
    return _page()


@bp.post("/timezone")
@login_required
def timezone():
    """Set the company's time zone."""
    form = TimezoneForm()
    if form.validate_on_submit():
        try:
            set_timezone(current_user, form.timezone.data)
        except AccountError as exc:
            form.timezone.errors.append(str(exc))
        else:
            flash("Часовой пояс сохранен.", "info")
            return redirect_to(url_for("account.index"))
    return _page(422, "timezone_form", timezone_form=form)


@bp.post("/password")
@login_required
def password():
    """Change the shared password; other browsers are signed out."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            change_password(user, form.current.data, form.new.data, keep_session=user.session_id)
        except AccountError as exc:
            form.current.errors.append(str(exc))
        else:
            flash("Пароль изменен. В других браузерах нужно войти заново.", "info")
            return redirect_to(url_for("account.index"))
    return _page(422, "password_form", password_form=form)
