"""Shared form helpers."""

from __future__ import annotations

from flask_wtf import FlaskForm

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
