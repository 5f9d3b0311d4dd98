"""What billing's forms share: one-line text fields (names, addresses, references), checked."""

from __future__ import annotations

import re
from collections.abc import Mapping

from storefront.services.errors import InvalidInput

PRINTABLE = re.compile(r"^[^\x00-\x1f\x7f]*$")  # no control characters, line breaks included


def one_line(values: Mapping[str, str], limits: Mapping[str, int]) -> dict[str, str]:
    """Each field named in `limits` on one line, runs of spaces made one; InvalidInput names the
    first with a control character or longer than its limit."""
    kept = {}
    for name, limit in limits.items():
        if not PRINTABLE.match(values[name]):
            raise InvalidInput("Use letters, digits and punctuation only.", name)
        text = " ".join(values[name].split())
        if len(text) > limit:
            raise InvalidInput(f"At most {limit} characters, please.", name)
        kept[name] = text
    return kept
