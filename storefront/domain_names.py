"""What a visitor typed into a domain search, as a name and a TLD. Pure functions, no database.

The catalogue comes in as a set of ASCII TLD names ("pl", "com.pl", "xn--p1ai"). A query is split by
the longest catalogue suffix that leaves a name, so `example.com.pl` is `example` under `com.pl`.
IDN follows UTS 46 / IDNA 2008 (the `idna` package); names are kept in punycode and in unicode.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import idna

from storefront.i18n import N_, ngettext
from storefront.i18n import gettext as _

MAX_QUERY_LENGTH = 1000  # refused before any parsing: a URL with a path fits, a 10 KB paste not
MAX_NAME_LENGTH = 253
MAX_LABEL_LENGTH = 63

_LDH = re.compile(r"^[a-z0-9-]+$")
_SPACES = re.compile(r"\s+")
_ONLY_PUNCTUATION = re.compile(r"^[\s.\-]+$")

# Scripts that legitimately share one label; any other mix is a look-alike risk.
_COMPATIBLE_SCRIPTS = (
    frozenset({"HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"HAN", "HANGUL"}),
    frozenset({"HAN", "BOPOMOFO"}),
)
# Cyrillic and Greek letters that render like Latin ones: a label made only of these reads as a
# Latin word (аррӏе → apple) and is flagged even though it is a single script.
_LATIN_LOOKALIKES = frozenset("аесіјорѕхуԁһӏԛԝьвнкмтαεικνορτυχ")


class DomainQueryError(ValueError):
    """A query that cannot be searched. `message` is shown to the visitor; `code` is for tests
    and for views that want to react (e.g. show `closest` as links)."""

    def __init__(self, message: str, code: str, closest: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.closest = tuple(closest)


@dataclass(frozen=True)
class ParsedDomain:
    """A searchable name. `name` is one ASCII label (punycode for IDN); `tld` is the typed,
    offered TLD or None when the visitor typed only a name. `alternatives` are other spellings of
    the query (e.g. `my-shop` for `my shop`); `warnings` are shown next to the results."""

    query: str
    name: str
    name_unicode: str
    tld: str | None = None
    tld_unicode: str | None = None
    alternatives: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def is_idn(self) -> bool:
        return self.name.startswith("xn--")

    @property
    def domain(self) -> str | None:
        return f"{self.name}.{self.tld}" if self.tld else None

    @property
    def domain_unicode(self) -> str | None:
        return f"{self.name_unicode}.{self.tld_unicode}" if self.tld else None

    def under(self, tld: str) -> str:
        """The ASCII domain of this name under another TLD."""
        return f"{self.name}.{tld}"


def parse_query(
    query: str,
    tlds: Collection[str],
    idn_allowed: Mapping[str, bool] | None = None,
) -> ParsedDomain:
    """Parse a visitor's query against the offered TLDs, or raise DomainQueryError.

    `idn_allowed` maps a TLD to whether it takes IDN labels (a TLD missing from it does not);
    without the mapping every TLD takes them.
    """
    if not isinstance(query, str) or len(query) > MAX_QUERY_LENGTH:
        raise DomainQueryError(
            _("That search is far too long for a domain name."), "query_too_long"
        )
    original = query.strip()
    if not original:
        raise _nothing_typed()
    if _ONLY_PUNCTUATION.match(original):
        raise DomainQueryError(
            _("A domain name needs letters or digits, not only dots and hyphens."), "no_name"
        )
    words = [w for w in _SPACES.split(re.sub(r"\s*\.\s*", ".", _host_of(original))) if w]
    warnings: list[str] = []
    if len(words) > 1:
        warnings.append(_("Domain names can't contain spaces, so we searched without them."))
    labels = _labels("".join(words))
    name_labels, tld = _split_tld(labels, {t.lower() for t in tlds})
    if len(name_labels) > 1:
        dropped = ".".join(_unicode(label) for label in name_labels[:-1])
        warnings.append(_(
            "Only the name right before the extension can be registered, "
            "so we left out “%(dropped)s”.", dropped=dropped
        ))
    name = name_labels[-1]
    name_unicode = _unicode(name)
    warnings.extend(_check_scripts(name_unicode))
    if tld is not None and name.startswith("xn--") and not _idn_ok(tld, idn_allowed):
        raise DomainQueryError(
            _("Names with accented or non-Latin letters can't be registered under .%(tld)s.",
              tld=_unicode_tld(tld)),
            "idn_not_allowed",
        )
    if tld is not None and (script := tld_script_clash(name, tld)):
        raise DomainQueryError(
            _("“%(domain)s” can't be registered: .%(tld)s accepts %(script)s names only.",
              domain=f"{name_unicode}.{_unicode_tld(tld)}", tld=_unicode_tld(tld), script=script),
            "script_not_accepted",
        )
    alternatives: tuple[str, ...] = ()
    if len(words) > 1:
        alternatives = tuple(dict.fromkeys([name, *_hyphenated_name(words, tlds)]))
    return ParsedDomain(
        query=original,
        name=name,
        name_unicode=name_unicode,
        tld=tld,
        tld_unicode=_unicode_tld(tld) if tld else None,
        alternatives=alternatives,
        warnings=tuple(warnings),
    )


def parse_domain(
    text: str,
    tlds: Collection[str],
    idn_allowed: Mapping[str, bool] | None = None,
) -> ParsedDomain:
    """Exactly one domain under an offered TLD, as a cart or an order takes it, or
    DomainQueryError. Unlike a search query, nothing is joined or left out: spaces, a URL or a
    sub-domain are refused, so what is ordered is exactly what was asked for."""
    parsed = parse_query(text, tlds, idn_allowed)
    if parsed.tld is None:
        raise DomainQueryError(_("Choose a domain with its extension, e.g. example.pl."), "no_tld")
    typed = text.strip()
    if _SPACES.search(typed):
        raise DomainQueryError(_("Domain names can't contain spaces."), "spaces")
    if any(c in typed for c in "/:?#@") or ".".join(_labels(typed)) != parsed.domain:
        raise DomainQueryError(
            _("Give one domain name, such as example.pl, without a sub-domain or an address."),
            "not_one_domain",
        )
    return parsed


def name_allowed_under(name: str, tld: str, idn_allowed: Mapping[str, bool]) -> bool:
    """Whether an (ASCII) name label may be registered under a TLD: IDN needs idn_allowed, and a
    TLD written in a script other than Latin takes names in its own script only."""
    return idn_allowed_under(name, tld, idn_allowed) and tld_script_clash(name, tld) is None


def idn_allowed_under(name: str, tld: str, idn_allowed: Mapping[str, bool]) -> bool:
    return not name.startswith("xn--") or _idn_ok(tld, idn_allowed)


def tld_script_clash(name: str, tld: str) -> str | None:
    """The script a TLD takes names in (as a visitor reads it), when the (ASCII) name's letters
    are of another: registries refuse a domain that mixes scripts, like a Latin name under the
    Cyrillic .онлайн or .рф. None when they agree, and for every Latin or ASCII TLD."""
    tld_scripts = _scripts(_unicode_tld(tld))
    if not tld_scripts or tld_scripts == {"LATIN"}:
        return None
    takes = next((ok for ok in _COMPATIBLE_SCRIPTS if tld_scripts <= ok), tld_scripts)
    if _scripts(_unicode(name)) <= takes:
        return None
    return _(" and ").join(sorted(_script_name(script) for script in tld_scripts))


def to_ascii_label(label: str) -> str:
    """One label as stored (lower-case LDH, IDN in punycode), or DomainQueryError."""
    label = label.strip()
    if not label:
        raise _empty_label()
    if any(_is_emoji(ch) for ch in label):
        raise DomainQueryError(_("Domain names can't contain emoji."), "emoji")
    if label.isascii():
        ascii_label = label.lower()
    else:
        try:
            ascii_label = idna.encode(label, uts46=True, std3_rules=True).decode("ascii")
        except (idna.IDNAError, UnicodeError) as error:
            if "too long" in str(error).lower():
                raise _label_too_long() from None
            bad = next((ch for ch in label if not _is_allowed_char(ch)), label[0])
            raise _invalid_characters(bad) from None
    _check_ldh(ascii_label)
    return ascii_label


def suggestions(name: str, tlds: Sequence[str], *, limit: int = 24) -> list[str]:
    """Alternative domains for a name, variant by variant across `tlds`, in a fixed order.

    `name` is a label in unicode or punycode, or words separated by spaces or hyphens. The name
    itself is left out (the search shows it already); variants that are not valid labels are
    skipped, so an IDN name gets IDN variants.
    """
    text = name.strip().lower()
    if text.startswith("xn--"):
        text = _unicode(text)
    words = [w for w in re.split(r"[\s\-]+", text) if w]
    if not words:
        return []
    joined, hyphenated = "".join(words), _hyphenated(words)
    variants = [joined, hyphenated]
    variants += [f"{p}{joined}" for p in ("my", "get", "go", "the") if not joined.startswith(p)]
    suffixes = [s for s in ("online", "shop", "app", "24", "hq") if not joined.endswith(s)]
    variants += [f"{joined}{suffix}" for suffix in suffixes]
    variants += [f"{joined}-{suffix}" for suffix in suffixes[:2]]
    original = _safe_ascii(text)
    labels: list[str] = []
    for variant in dict.fromkeys(variants):
        label = _safe_ascii(variant)
        if label and label != original and label not in labels:
            labels.append(label)
    result = [f"{label}.{tld}" for label in labels for tld in tlds]
    return result[:limit]


# -- parsing steps -----------------------------------------------------------------------------


def _host_of(text: str) -> str:
    """The host part of a URL or of `host/path`; anything else unchanged."""
    if "://" in text or text.startswith("//"):
        try:
            host = urlsplit(text if "://" in text else f"http:{text}").hostname
        except ValueError:
            host = None
        if not host:
            raise DomainQueryError(_("That address has no domain name in it."), "invalid_url")
        return host
    for separator in "/?#":
        text = text.split(separator, 1)[0]
    if not text.strip():
        raise _nothing_typed()
    return text


def _labels(host: str) -> list[str]:
    """The host's labels in ASCII, a leading `www` dropped, or DomainQueryError."""
    if any(_is_emoji(ch) for ch in host):
        raise DomainQueryError(_("Domain names can't contain emoji."), "emoji")
    # UTS 46 mapping first: ideographic full stops become dots, capitals and full-width forms fold.
    if not host.isascii():
        try:
            host = idna.uts46_remap(host, std3_rules=True, transitional=False)
        except (idna.IDNAError, UnicodeError):
            bad = next((ch for ch in host if not _is_allowed_char(ch)), host[0])
            raise _invalid_characters(bad) from None
    host = host.lower()
    if host.endswith(".") and not host.endswith(".."):
        host = host[:-1]
    if host.startswith("."):
        raise DomainQueryError(_("Type a name before the extension, e.g. example.pl."), "no_name")
    parts = host.split(".")
    if any(not part for part in parts):
        raise _empty_label()
    labels = [to_ascii_label(part) for part in parts]
    if labels[0] == "www" and len(labels) > 2:
        labels = labels[1:]
    if sum(len(label) for label in labels) + len(labels) - 1 > MAX_NAME_LENGTH:
        raise DomainQueryError(
            ngettext("A domain name is at most %(num)d character long.",
                     "A domain name is at most %(num)d characters long.", MAX_NAME_LENGTH),
            "too_long",
        )
    return labels


def _check_ldh(label: str) -> None:
    if len(label) > MAX_LABEL_LENGTH:
        raise _label_too_long()
    if not _LDH.match(label):
        bad = next(ch for ch in label if not (ch.isascii() and (ch.isalnum() or ch == "-")))
        raise _invalid_characters(bad)
    if label.startswith("-") or label.endswith("-"):
        raise DomainQueryError(
            _("A domain name can't start or end with a hyphen."), "hyphen_at_edge"
        )
    if label[2:4] == "--":
        if not label.startswith("xn--"):
            raise DomainQueryError(
                _("A domain name can't have two hyphens in its third and fourth places."),
                "double_hyphen",
            )
        try:
            idna.decode(label)
        except (idna.IDNAError, UnicodeError):
            raise DomainQueryError(
                _("“%(label)s” is not a valid internationalised (xn--) name.", label=label),
                "invalid_punycode",
            ) from None


def _split_tld(labels: list[str], tlds: set[str]) -> tuple[list[str], str | None]:
    """(name labels, tld) by the longest offered suffix that leaves a name."""
    if len(labels) == 1:
        return labels, None
    for start in range(1, len(labels)):
        suffix = ".".join(labels[start:])
        if suffix in tlds:
            return labels[:start], suffix
    typed = labels[-1]
    closest = _closest_tlds(typed, tlds)
    tld = _unicode_tld(typed)
    if not closest:
        raise DomainQueryError(_("We don't offer .%(tld)s.", tld=tld), "tld_not_offered")
    shown = ", ".join("." + _unicode_tld(t) for t in closest)
    raise DomainQueryError(
        _("We don't offer .%(tld)s. Try %(closest)s.", tld=tld, closest=shown),
        "tld_not_offered",
        closest,
    )


def _closest_tlds(typed: str, tlds: set[str], count: int = 3) -> list[str]:
    ranked = sorted(tlds)  # a fixed order, so ties always come out the same way
    close = difflib.get_close_matches(typed, ranked, n=count, cutoff=0.5)
    if len(close) < count:
        close += [t for t in ranked if t.split(".")[-1].startswith(typed[:2]) and t not in close]
    return close[:count]


def _check_scripts(label: str) -> list[str]:
    """Raise for a label that mixes scripts; warn for one made only of Latin look-alikes."""
    scripts = _scripts(label)
    if len(scripts) > 1 and not any(scripts <= ok for ok in _COMPATIBLE_SCRIPTS):
        names = _(" and ").join(sorted(_script_name(s) for s in scripts))
        raise DomainQueryError(
            _("“%(label)s” mixes %(scripts)s letters, which look alike and are used to imitate "
              "other names. Use one alphabet.", label=label, scripts=names),
            "mixed_script",
        )
    if scripts and scripts <= {"CYRILLIC", "GREEK"} and set(label) - set("-0123456789") <= (
        _LATIN_LOOKALIKES
    ):
        return [
            _("“%(label)s” is written in %(script)s letters that look like Latin ones; visitors "
              "may take it for a different name.", label=label,
              script=_script_name(next(iter(scripts))))
        ]
    return []


# Unicode script names as a visitor reads them; a script missing here shows as its title-cased name.
_SCRIPT_NAMES = {
    "LATIN": N_("Latin"),
    "CYRILLIC": N_("Cyrillic"),
    "GREEK": N_("Greek"),
    "HAN": N_("Han"),
    "HIRAGANA": N_("Hiragana"),
    "KATAKANA": N_("Katakana"),
    "HANGUL": N_("Hangul"),
    "BOPOMOFO": N_("Bopomofo"),
    "ARABIC": N_("Arabic"),
    "HEBREW": N_("Hebrew"),
    "ARMENIAN": N_("Armenian"),
    "GEORGIAN": N_("Georgian"),
    "THAI": N_("Thai"),
    "DEVANAGARI": N_("Devanagari"),
}


def _script_name(script: str) -> str:
    return _(_SCRIPT_NAMES.get(script, script.title()))


def _scripts(text: str) -> set[str]:
    """The scripts of the letters in `text` (digits and hyphens have none)."""
    return {script for ch in text if (script := _script(ch))}


def _script(ch: str) -> str | None:
    if not unicodedata.category(ch).startswith("L"):
        return None
    word = unicodedata.name(ch, "UNKNOWN").split()[0]
    return "HAN" if word == "CJK" else word


# -- small helpers -----------------------------------------------------------------------------


def _is_emoji(ch: str) -> bool:
    code = ord(ch)
    return (
        unicodedata.category(ch) == "So"
        or 0x1F000 <= code <= 0x1FAFF
        or 0x2600 <= code <= 0x27BF
        or code in (0x200D, 0xFE0F)
    )


def _is_allowed_char(ch: str) -> bool:
    try:
        idna.uts46_remap(ch, std3_rules=True, transitional=False)
    except (idna.IDNAError, UnicodeError):
        return False
    return True


def _invalid_characters(bad: str) -> DomainQueryError:
    shown = bad if bad.isprintable() and not bad.isspace() else f"U+{ord(bad[0]):04X}"
    return DomainQueryError(
        _("Domain names may contain only letters, digits and hyphens, not “%(char)s”.",
          char=shown),
        "invalid_characters",
    )


def _nothing_typed() -> DomainQueryError:
    return DomainQueryError(_("Type a name to search for, e.g. example or example.pl."), "empty")


def _empty_label() -> DomainQueryError:
    return DomainQueryError(
        _("A domain name can't have an empty part between dots."), "empty_label"
    )


def _label_too_long() -> DomainQueryError:
    return DomainQueryError(
        ngettext("Each part of a domain name is at most %(num)d character long.",
                 "Each part of a domain name is at most %(num)d characters long.",
                 MAX_LABEL_LENGTH),
        "label_too_long",
    )


def _hyphenated_name(words: Sequence[str], tlds: Collection[str]) -> list[str]:
    """The name as `my-shop` when the visitor typed `my shop` (empty if that is no valid name)."""
    try:
        parsed = parse_query(_hyphenated(words), tlds)
    except DomainQueryError:
        return []
    return [parsed.name]


def _hyphenated(words: Sequence[str]) -> str:
    return "-".join(w.strip("-") for w in words if w.strip("-"))


def _safe_ascii(label: str) -> str | None:
    try:
        return to_ascii_label(label)
    except DomainQueryError:
        return None


def _unicode(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return idna.decode(label)
    except (idna.IDNAError, UnicodeError):
        return label


def _unicode_tld(tld: str) -> str:
    return ".".join(_unicode(label) for label in tld.split("."))


def _idn_ok(tld: str, idn_allowed: Mapping[str, bool] | None) -> bool:
    return True if idn_allowed is None else idn_allowed.get(tld, False)
