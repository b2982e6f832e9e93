"""Every fixed form of the portal on one base: Russian built-in messages, one-line fields on one line, safe ids.

The topic request forms are built from content by views/request_form.py.
"""

from __future__ import annotations

import re
import uuid

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import EmailField
from wtforms import HiddenField
from wtforms import MultipleFileField
from wtforms import PasswordField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import Optional

from search.text import STORED_QUERY_LENGTH
from tickets.accounts import MIN_PASSWORD
from tickets.accounts import TIMEZONES
from tickets.status import AGENT_LABELS
from tickets.status import TRANSITIONS
from tickets.status import Status
from tickets.validators import AUTHOR_NAME_MAX
from tickets.validators import single_line
from views.widgets import fast_widget

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
            widget = fast_widget(field_class)
            if widget is not None and "widget" not in unbound_field.kwargs:
                options["widget"] = widget
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


# --- Sign-in, password and account ---------------------------------------------------------------


class LoginForm(PortalForm):
    email = EmailField("Электронная почта учетной записи",
                       validators=[DataRequired("Укажите адрес электронной почты")])
    password = PasswordField("Пароль", validators=[DataRequired("Введите пароль")])
    remember = BooleanField("Запомнить меня на этом устройстве")
    next = HiddenField()


class ForgotForm(PortalForm):
    email = EmailField("Электронная почта учетной записи",
                       validators=[DataRequired("Укажите адрес электронной почты"),
                                   Length(max=254, message="Адрес не длиннее 254 символов")],
                       description="Письмо со ссылкой придет на адрес учетной записи компании.")


class TimezoneForm(PortalForm):
    # set_timezone words the wrong-choice message.
    timezone = SelectField("Часовой пояс", choices=[SelectChoice(zone, label) for zone, label in TIMEZONES],
                           validate_choice=False, description="В нем показываются даты на портале и в письмах.")


class PasswordForm(NewPasswordForm):
    current = PasswordField("Текущий пароль", validators=[DataRequired("Введите текущий пароль")])


# --- The request thread ----------------------------------------------------------------------------

BODY_MAX = 10_000


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ReplyForm(PortalForm):
    """The customer's reply."""

    submission_id = SubmissionIdField()
    author_name = StringField(
        "Кто пишет",
        validators=[DataRequired("Укажите имя и контакт того, кто пишет"),
                    Length(max=AUTHOR_NAME_MAX, message=f"Не длиннее {AUTHOR_NAME_MAX} символов")],
        description="Имя и телефон или почта сотрудника. Запомним в этом браузере.",
        filters=[_strip],
    )
    body = TextAreaField(
        "Ваш ответ",
        validators=[DataRequired("Напишите ответ специалисту"),
                    Length(max=BODY_MAX, message=f"Не длиннее {BODY_MAX} символов; длинные логи приложите файлом")],
        filters=[_strip],
    )
    attachments = MultipleFileField("Вложения")


class CloseForm(PortalForm):
    """The customer's "question solved"."""

    author_name = HiddenField(filters=[_strip, lambda v: v[:AUTHOR_NAME_MAX] if isinstance(v, str) else v])


class AgentReplyForm(PortalForm):
    """The agent's public reply or internal note."""

    submission_id = SubmissionIdField()
    body = TextAreaField(
        "Текст", validators=[DataRequired("Напишите текст ответа или заметки"), Length(max=BODY_MAX)], filters=[_strip]
    )
    mode = RadioField(
        "Как отправить",
        choices=[
            SelectChoice("public", "Ответить клиенту"),
            SelectChoice("wait", "Ответить и ждать ответа клиента"),
            SelectChoice("internal", "Внутренняя заметка (клиент не увидит)"),
        ],
        default="public",
    )
    attachments = MultipleFileField("Вложения")


class StatusForm(PortalForm):
    """The agent's status change."""

    target = SelectField("Новый статус", validators=[DataRequired("Выберите статус")])
    reason = StringField("Причина", validators=[Optional(), Length(max=500)], filters=[_strip])

    @classmethod
    def for_status(cls, current: str, **kwargs) -> StatusForm:
        form = cls(**kwargs)
        allowed = sorted(TRANSITIONS[Status(current)], key=list(Status).index)
        form.target.choices = [SelectChoice(s.value, AGENT_LABELS[s]) for s in allowed]
        return form


# --- Console ----------------------------------------------------------------------------------------


class RemovePairForm(PortalForm):
    """Remove a wrong phrase → topic pair; it never counts again."""

    phrase = HiddenField(validators=[DataRequired("Не указан запрос"), Length(max=STORED_QUERY_LENGTH)])
    topic = HiddenField(validators=[DataRequired("Не указана тема"), Length(max=201)])
    days = HiddenField()
