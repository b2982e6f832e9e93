"""The base of every form: Russian built-in messages, one-line fields kept on one line, safe submission ids."""

from __future__ import annotations

import re
import uuid

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms import PasswordField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import Length

from tickets.accounts import MIN_PASSWORD
from tickets.validators import single_line

SUBMISSION_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _single_line(value):
    return single_line(value) if isinstance(value, str) else value


class PortalForm(FlaskForm):
    """A Flask-WTF form (CSRF included) whose built-in messages are in Russian."""

    class Meta:
        locales = ("ru_RU", "ru")

        def bind_field(self, form, unbound_field, options):
            # A line break in a one-line value (a summary, a name) would start a new header line in mail.
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, TextAreaField | PasswordField):
                options["filters"] = [_single_line, *unbound_field.kwargs.get("filters", ()),
                                      *options.get("filters", ())]
            return unbound_field.bind(form=form, **options)


class NewPasswordForm(PortalForm):
    """A new password typed twice, by the account rules (tickets.accounts.MIN_PASSWORD)."""

    new = PasswordField(
        "Новый пароль",
        validators=[DataRequired("Придумайте новый пароль"),
                    Length(min=MIN_PASSWORD, message=f"Не короче {MIN_PASSWORD} символов")],
        description="После смены пароля все остальные браузеры выйдут из учетной записи.",
    )
    confirm = PasswordField("Новый пароль еще раз",
                            validators=[DataRequired("Повторите новый пароль"),
                                        EqualTo("new", message="Пароли не совпадают")])


def _submission_id(value):
    return value if isinstance(value, str) and SUBMISSION_ID_RE.fullmatch(value) else uuid.uuid4().hex


class SubmissionIdField(HiddenField):
    """The id that makes a double-posted form count once; anything but a short token gets a fresh one."""

    def __init__(self, label=None, validators=None, **kwargs) -> None:
        kwargs.setdefault("default", lambda: uuid.uuid4().hex)
        kwargs["filters"] = [_submission_id, *kwargs.get("filters", ())]
        super().__init__(label, validators, **kwargs)
