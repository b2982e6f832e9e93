"""Our faster widgets write exactly what WTForms' own would, for every field of every form the portal renders."""

from __future__ import annotations

import pytest
from markupsafe import Markup
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import widgets
from wtforms.fields.choices import SelectChoice

from kb import current_catalog
from views import forms
from views.forms import PortalForm
from views.request_form import form_class_for
from views.widgets import FAST
from views.widgets import html_params

ODD = 'a "quoted" <b>&amp; \'value\''
LIVE = {"aria_invalid": "false", "aria_describedby": "x-hint x-error", "hx-post": "/c/a/b?validate=1&x=1",
        "hx-select": "#field-x", "maxlength": 150, "rows": 8, "autocomplete": "name", "data_max": 3}


def wtforms_render(field, **kwargs) -> str:
    own = type(field).widget  # WTForms' widget, the field class's default
    return str(own(field, **kwargs))


def check_form(form) -> int:
    checked = 0
    for field in form:
        if type(field.widget) not in {type(w) for w in FAST.values()}:
            continue
        for kwargs in ({}, LIVE, {"class_": "x", "required": True, "disabled": False, "title": Markup('a "b"')}):
            assert str(field(**kwargs)) == wtforms_render(field, **kwargs), field.name
        checked += 1
    return checked


def test_every_topic_form_renders_as_with_wtforms(app):
    catalog = current_catalog()
    with app.test_request_context("/", method="POST"):
        checked = 0
        for topic in catalog.topics():
            form_class = form_class_for(topic, catalog)
            empty = form_class(lk_number="", summary="", search_phrase="", author_name="")
            checked += check_form(empty)
            filled = form_class(formdata=None, data=dict.fromkeys(form_class.topic_fields, ODD))
            checked += check_form(filled)
        assert checked > len(catalog.topics()) * 4


FIXED_FORMS = [n for n, v in vars(forms).items()
               if isinstance(v, type) and issubclass(v, PortalForm) and v is not PortalForm]


@pytest.mark.parametrize("name", FIXED_FORMS)
def test_every_fixed_form_renders_as_with_wtforms(app, name):
    form_class = getattr(forms, name)
    with app.test_request_context("/", method="POST"):
        form = form_class(formdata=None)
        if hasattr(form, "target"):
            form.target.choices = [SelectChoice("a", "A"), SelectChoice("b", ODD)]
        check_form(form)


def test_selected_choice_groups_and_odd_values(app):
    class Odd(PortalForm):
        text = StringField(default=ODD)
        area = TextAreaField(default=ODD)
        pick = SelectField(choices=[SelectChoice("", "— выберите —"), SelectChoice(ODD, ODD), SelectChoice("b", "B")],
                           default=ODD)
        grouped = SelectField(choices=[SelectChoice("a", "A", optgroup="Группа"), SelectChoice("b", ODD, optgroup="Группа"),
                                       SelectChoice("c", "C", optgroup="Другая")], default="b")

    with app.test_request_context("/", method="POST"):
        form = Odd(formdata=None)
        assert check_form(form) == 4
        assert "selected" in str(form.pick())


def test_html_params_matches_wtforms():
    for kwargs in ({}, LIVE, {"checked": True, "readonly": False, "name": "t", "abc": ODD},
                   {"value": Markup('<i>"x"</i>'), "for_": "a", "class__": "c", "data_a_b": 1, "aria_x_y": None}):
        assert html_params(**kwargs) == widgets.html_params(**kwargs)
