"""WTForms' widgets writing their attributes with plain string formatting: the same HTML, a few times faster.

WTForms formats every attribute through Markup.format; a request form has about a hundred of them, which was
most of the topic form's server time. tests/web/test_widgets.py checks the output is WTForms' own, byte for byte.
"""

from __future__ import annotations

from markupsafe import Markup
from markupsafe import escape
from wtforms import widgets
from wtforms.widgets.core import clean_key


def html_params(**kwargs) -> str:
    """wtforms.widgets.html_params: sorted attributes, `True` bare, `False` left out, values escaped."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = clean_key(key)
        if value is True:
            params.append(key)
        elif value is not False:
            # escape() leaves a Markup value as it is: its quotes still have to be escaped inside the attribute.
            params.append(f'{escape(key)}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return " ".join(params)


class TextInput(widgets.TextInput):
    html_params = staticmethod(html_params)


class HiddenInput(widgets.HiddenInput):
    html_params = staticmethod(html_params)


class PasswordInput(widgets.PasswordInput):
    html_params = staticmethod(html_params)


class EmailInput(widgets.EmailInput):
    html_params = staticmethod(html_params)


class TextArea(widgets.TextArea):
    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        return Markup(f"<textarea {html_params(name=field.name, **kwargs)}>\r\n{escape(field._value())}</textarea>")


class Select(widgets.Select):
    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        if self.multiple:
            kwargs["multiple"] = True
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        if field.has_groups():
            for optgroup, choices in field._iter_groups_normalized():
                if optgroup is not None:
                    html.append(f"<optgroup {html_params(label=optgroup)}>")
                html.extend(self.render_option(choice) for choice in choices)
                if optgroup is not None:
                    html.append("</optgroup>")
        else:
            html.extend(self.render_option(choice) for choice in field._iter_choices_normalized())
        html.append("</select>")
        return Markup("".join(html))

    @classmethod
    def render_option(cls, choice, **kwargs):
        value = choice.value
        if isinstance(value, bool):
            value = str(value)
        options = {"value": value, **(choice.render_kw or {}), **kwargs}
        if choice.selected:
            options["selected"] = True
        return Markup(f"<option {html_params(**options)}>{escape(choice.label or choice.value)}</option>")


# WTForms' widget class → ours; any other widget (radio lists, files) stays WTForms' own.
FAST = {
    widgets.TextInput: TextInput(), widgets.HiddenInput: HiddenInput(), widgets.PasswordInput: PasswordInput(),
    widgets.EmailInput: EmailInput(), widgets.TextArea: TextArea(), widgets.Select: Select(),
}


def fast_widget(field_class) -> widgets.Input | None:
    """Our widget for a field class whose default widget is one of WTForms' plain ones, else None."""
    widget = getattr(field_class, "widget", None)
    if type(widget) is widgets.Select and widget.multiple:
        return None
    return FAST.get(type(widget))
