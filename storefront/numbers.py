"""Numbers as people type them into forms and links: the ASCII digits 0-9, nothing else.

Python's `int()`, `Decimal()`, `str.isdigit()` and the regex `\\d` all take the digits of every
script, so "٦٩" (Arabic-Indic) would be a price and "２" (full-width) a number of years; "²" even
passes `isdigit()` and then breaks `int()`. Every number typed by a person is read here.
"""

from __future__ import annotations

import re
from decimal import Decimal

from storefront.i18n import gettext as _

_WHOLE = re.compile(r"-?[0-9]+")  # [0-9], not \d: \d matches any script's digits
_DECIMAL = re.compile(r"-?([0-9]+([.,][0-9]*)?|[.,][0-9]+)")


def whole_number(text: object, *, max_digits: int = 9, signed: bool = False) -> int | None:
    """`text` (surrounding spaces ignored) as an int when it is written in the digits 0-9, with a
    leading minus only when `signed`; None otherwise."""
    raw = str(text if text is not None else "").strip()
    if not _WHOLE.fullmatch(raw) or (raw.startswith("-") and not signed):
        return None
    if len(raw.lstrip("-")) > max_digits:
        return None
    return int(raw)


def decimal_number(text: object, *, max_length: int = 20) -> Decimal | None:
    """`text` as a Decimal when it is written in the digits 0-9 with a decimal point or comma
    ("39", "39.99", "39,99", "-5"), else None. Grouping spaces are the caller's business."""
    raw = str(text if text is not None else "").strip()
    if len(raw) > max_length or not _DECIMAL.fullmatch(raw):
        return None
    return Decimal(raw.replace(",", "."))


def refusal(text: object, usual: str) -> str:
    """The message for a number that could not be read: `usual`, unless `text` was written in
    another script's digits, which would puzzle a person who sees a number there."""
    if any(ch.isdigit() and not ch.isascii() for ch in str(text or "")):
        return _("Type numbers with the digits 0-9; “%(text)s” has other digits.",
                 text=str(text).strip()[:20])
    return usual
