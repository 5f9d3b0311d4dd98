"""Shared form helpers."""

from __future__ import annotations

from flask_wtf import FlaskForm


def add_error(form: FlaskForm, field: str | None, message: str) -> None:
    """Attach a service's InvalidInput message to the field it names (or to the form)."""
    target = getattr(form, field, None) if field else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, message] if isinstance(target.errors, list) else [message]
    else:
        form.form_errors.append(message)
