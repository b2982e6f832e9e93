"""The base of every form: WTForms' own Russian messages for the checks we do not word ourselves."""

from __future__ import annotations

from flask_wtf import FlaskForm


class PortalForm(FlaskForm):
    """A Flask-WTF form (CSRF included) whose built-in messages are in Russian."""

    class Meta:
        locales = ("ru_RU", "ru")
