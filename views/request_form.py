"""The request form of a topic: WTForms class built from the topic's fields in content."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field

from wtforms import Field
from wtforms import HiddenField
from wtforms import MultipleFileField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import StopValidation

from kb.catalog import Catalog
from kb.catalog import FieldDef
from kb.catalog import Topic
from search.log import scrub
from search.text import STORED_QUERY_LENGTH
from tickets import service
from tickets.models import Attachment
from tickets.models import User
from tickets.validators import AUTHOR_NAME_MAX
from tickets.validators import check_description
from tickets.validators import check_summary
from tickets.validators import check_value
from tickets.validators import normalize_value
from views import uploads
from views.forms import PortalForm
from views.forms import SubmissionIdField


class FormatCheck:
    """WTForms validator running the domain format check of a content field."""

    def __init__(self, field_def: FieldDef) -> None:
        self.field_def = field_def

    def __call__(self, form: PortalForm, field: Field) -> None:
        if field.data:
            message = check_value(self.field_def, field.data)
            if message:
                raise StopValidation(message)


class OneOfFilled:
    """At least one field of a one_of group is filled; the same message stands beside each of them."""

    def __init__(self, field_def: FieldDef, group: tuple[FieldDef, ...]) -> None:
        self.keys = tuple(f.key for f in group)
        self.message = "Заполните хотя бы одно из полей: " + " или ".join(f"«{f.label}»" for f in group)
        # Read by the field macro: the label says which other field would do instead.
        self.field_flags = {"one_of": " или ".join(f"«{f.label}»" for f in group if f.key != field_def.key)}

    def __call__(self, form: PortalForm, field: Field) -> None:
        if not any(form[key].data for key in self.keys):
            raise StopValidation(self.message)


def _normalizer(field_def: FieldDef):
    return lambda value: normalize_value(field_def, value) if isinstance(value, str) else value


class RequestForm(PortalForm):
    """Common fields of every request form; topic fields are added by `form_class_for`."""

    submission_id = SubmissionIdField()
    # The words searched before the form was opened (the suggestion link's q): learning from use records them.
    search_phrase = HiddenField(filters=[lambda v: v[:STORED_QUERY_LENGTH] if isinstance(v, str) else ""])
    author_name = StringField(
        "Кто пишет",
        validators=[DataRequired("Укажите имя и контакт того, кто пишет: учетной записью пользуется вся компания"),
                    Length(max=AUTHOR_NAME_MAX, message=f"Не длиннее {AUTHOR_NAME_MAX} символов")],
        description="Имя и телефон или почта сотрудника. Запомним в этом браузере.",
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    summary = StringField("Краткий смысл: в чем заключается проблема",
                          description="Суть проблемы без излишне подробного описания.",
                          filters=[lambda v: v.strip() if isinstance(v, str) else v])
    description = TextAreaField(
        "Подробное описание проблемы",
        description="Что вы делали, что ожидали и что произошло — чтобы специалист смог повторить ваш путь.",
    )
    attachments = MultipleFileField("Вложения")

    topic_fields: tuple[str, ...] = ()

    def validate_summary(self, field: Field) -> None:
        message = check_summary(field.data or "")
        if message:
            raise StopValidation(message)

    def validate_description(self, field: Field) -> None:
        message = check_description(field.data or "")
        if message:
            raise StopValidation(message)


def _wtf_field(field_def: FieldDef, required: bool, one_of: tuple[FieldDef, ...] = ()) -> Field:
    presence = DataRequired(f"Заполните поле «{field_def.label}»") if required else Optional()
    group = [OneOfFilled(field_def, one_of)] if one_of else []
    kwargs = {
        "label": field_def.label,
        "description": field_def.hint,
        "validators": [*group, presence, FormatCheck(field_def)],
        "filters": [_normalizer(field_def)],
    }
    if field_def.format == "choice":
        choices = [SelectChoice("", "— выберите —")] + [SelectChoice(c) for c in field_def.choices]
        # FormatCheck words the wrong-choice message; WTForms' own would come second.
        return SelectField(choices=choices, validate_choice=False, **kwargs)
    if field_def.format in ("textarea", "phone_list"):
        return TextAreaField(**kwargs)
    return StringField(**kwargs)


def form_class_for(topic: Topic, catalog: Catalog) -> type[RequestForm]:
    """Build the form class: ЛК number first, then the topic's own fields, then the common ones."""
    attrs: dict = {"lk_number": _wtf_field(catalog.fields["lk_number"], True)}
    for topic_field in topic.fields:
        group = tuple(f.field for f in topic.fields if topic_field.one_of and f.one_of == topic_field.one_of)
        attrs[topic_field.field.key] = _wtf_field(topic_field.field, topic_field.required, group)
    attrs["topic_fields"] = tuple(attrs)
    return type(f"RequestForm_{topic.fieldset}", (RequestForm,), attrs)


@dataclass
class Submission:
    """Outcome of handling a posted request form."""

    form: RequestForm
    kept: list[Attachment] = dc_field(default_factory=list)
    ticket_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.ticket_id is not None


def handle_post(form: RequestForm, topic: Topic, catalog: Catalog, user: User, kept_ids: list[int],
                validate_only: bool) -> Submission:
    """Validate the posted form; keep uploads; file the request when everything is right."""
    if validate_only:
        form.validate()
        return Submission(form, service.draft_attachments(user, form.submission_id.data, kept_ids))
    checked = uploads.validate_with_attachments(form, user, user.company_id, kept_ids)
    if not checked.valid:
        return Submission(form, checked.kept)
    values = [(key, form[key].label.text, form[key].data) for key in form.topic_fields if form[key].data]
    request = service.NewRequest(
        category=catalog.category(topic.category_slug),
        topic=topic,
        summary=form.summary.data,
        description=form.description.data,
        author_name=form.author_name.data,
        submission_id=checked.draft_key,
        field_values=values,
        search_phrase=scrub(form.search_phrase.data or ""),
    )
    ticket, _created = service.create_ticket(user, request, checked.kept)
    return Submission(form, checked.kept, ticket.id)
