"""Translations (Flask-Babel). Only the frames speak another language for now: a frame takes its
`locale` deep-link parameter; every other page is English, because storefront pages are cached by
host and path and so must not vary by Accept-Language.

Services and the pure domain-name parser translate their visitor-facing messages with `gettext`
below at raise time. It works with no app context at all (unit tests, scripts): the message comes
back in English, formatted the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import flask_babel
from babel.lists import format_list
from flask import Flask, current_app, has_app_context, has_request_context, request

from storefront import ROOT

DEFAULT_LOCALE = "en"
LOCALES = ("en", "pl")  # a locale here needs storefront/translations/<locale>/LC_MESSAGES
TRANSLATIONS = ROOT / "storefront" / "translations"


def frame_locale() -> str:
    """The validated `locale` parameter of a frame request ("en" when absent or unknown)."""
    locale = request.values.get("locale", DEFAULT_LOCALE).strip().lower()[:5]
    return locale if locale in LOCALES else DEFAULT_LOCALE


def select_locale() -> str:
    if has_request_context() and request.blueprint == "frames":
        return frame_locale()
    return DEFAULT_LOCALE


def gettext(message: str, **variables: Any) -> str:
    """`message` in the current locale, `%(name)s` placeholders filled from `variables`."""
    if has_app_context() and "babel" in current_app.extensions:
        return flask_babel.gettext(message, **variables)
    return message % variables if variables else message


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The form for `num` (Polish has three), with `%(num)d` and `variables` filled in."""
    if has_app_context() and "babel" in current_app.extensions:
        return flask_babel.ngettext(singular, plural, num, **variables)
    return (singular if num == 1 else plural) % {"num": num, **variables}


def join(items: Sequence[str]) -> str:
    """`a, b and c` in the current locale (`a, b i c` in Polish)."""
    locale = flask_babel.get_locale() if has_request_context() else None
    return format_list(list(items), locale=str(locale or DEFAULT_LOCALE))


def N_(message: str) -> str:
    """Marks a module-level message for extraction (pybabel knows `N_`); translate it with
    `gettext` where it is shown."""
    return message


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    flask_babel.Babel(app, locale_selector=select_locale)
