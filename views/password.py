"""«Забыли пароль?»: ask for a link by mail, then set a new password with it."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import request
from flask import url_for
from flask_login import logout_user

from tickets.password_reset import ResetLinkError
from tickets.password_reset import account_for
from tickets.password_reset import request_reset
from tickets.password_reset import reset_password
from views import limits
from views.forms import ForgotForm
from views.forms import NewPasswordForm
from views.rendering import redirect_to
from views.rendering import render

bp = Blueprint("password", __name__, url_prefix="/password")

SENT = ("Если такая учетная запись есть, мы отправили на ее адрес письмо со ссылкой для смены пароля. "
        "Ссылка действует 1 час. Письма нет несколько минут — проверьте папку «Спам».")



@bp.route("/forgot", methods=["GET", "POST"])
@limits.reset_request
def forgot():
    """Mail a link for a new password; the answer is the same whether the account exists or not."""
    form = ForgotForm()
    if form.validate_on_submit():
        request_reset(form.email.data, current_app.config["PORTAL_BASE_URL"], current_app.config["SECRET_KEY"])
        flash(SENT, "info")
        return redirect_to(url_for("auth.login"))
    status = 422 if request.method == "POST" else 200
    return render("password_forgot.html", "forgot_form", status, form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limits.reset
def reset(token: str):
    """Set a new password with the mailed link and sign out every session of the account."""
    secret = current_app.config["SECRET_KEY"]
    try:
        account = account_for(token, secret)
    except ResetLinkError:
        if request.method == "POST":  # show the explanation as a page, htmx or not
            return redirect_to(url_for("password.reset", token=token))
        return _no_store(render("password_reset.html", status=410, form=None, account=None, token=token))
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            reset_password(token, form.new.data, secret)
        except ResetLinkError:  # used by a parallel submit a moment ago
            return redirect_to(url_for("password.reset", token=token))
        logout_user()
        flash("Пароль изменен. Войдите с новым паролем.", "info")
        return redirect_to(url_for("auth.login"))
    status = 422 if request.method == "POST" else 200
    return _no_store(render("password_reset.html", "reset_form", status, form=form, account=account, token=token))


def _no_store(response):
    # The page's address carries the token: keep it out of caches.
    response.headers["Cache-Control"] = "no-store"
    return response
