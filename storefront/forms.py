"""Shared form helpers."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField

from storefront.i18n import gettext as _
from storefront.numbers import refusal, whole_number
from storefront.services.errors import InvalidInput


def add_error(form: FlaskForm, field: str | None, message: str) -> None:
    """Attach a message to the field it names (or to the form when it names none of its fields)."""
    target = getattr(form, field, None) if field else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, message] if isinstance(target.errors, list) else [message]
    else:
        form.form_errors.append(message)


def show_refusal(form: FlaskForm, error: InvalidInput) -> None:
    """Every message of a service's InvalidInput next to the field it names."""
    for field, message in error.field_errors():
        add_error(form, field, message)


class WholeNumberField(IntegerField):
    """A whole number typed in the digits 0-9 (WTForms' IntegerField reads it with `int()`, which
    takes any script's digits). Anything else is this field's error, in plain words."""

    def process_formdata(self, valuelist: list) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        self.data = whole_number(valuelist[0], signed=True)
        if self.data is None:
            raise ValueError(refusal(valuelist[0], _("Enter a whole number, e.g. 10.")))
