"""Forms of the request thread: the customer's reply and the agent's answer or status change."""

from __future__ import annotations

from wtforms import HiddenField
from wtforms import MultipleFileField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from tickets.status import AGENT_LABELS
from tickets.status import TRANSITIONS
from tickets.status import Status
from tickets.validators import AUTHOR_NAME_MAX
from views.forms import PortalForm
from views.forms import SubmissionIdField

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
