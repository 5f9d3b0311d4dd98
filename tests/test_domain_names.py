"""Parsing what a visitor types into a domain search: accepted inputs, and a clear error for each
bad one. Pure functions: no app, no database."""

import time

import pytest

from storefront.domain_names import (
    DomainQueryError,
    ParsedDomain,
    name_allowed_under,
    parse_query,
    suggestions,
    tld_script_clash,
    to_ascii_label,
)

TLDS = {"pl", "com.pl", "waw.pl", "com", "net", "eu", "de", "xn--p1ai"}
IDN = {"pl": True, "com": True, "eu": True, "de": True, "xn--p1ai": True,
       "com.pl": False, "waw.pl": False, "net": False}


def parse(query: str) -> ParsedDomain:
    return parse_query(query, TLDS, IDN)


def refused(query: str, tlds=TLDS) -> DomainQueryError:
    with pytest.raises(DomainQueryError) as caught:
        parse_query(query, tlds, IDN)
    assert caught.value.message  # every refusal says why, in words
    return caught.value


@pytest.mark.parametrize(
    ("query", "name", "tld"),
    [
        ("example", "example", None),
        ("example.pl", "example", "pl"),
        ("www.Example.COM", "example", "com"),
        ("  EXAMPLE.pl  ", "example", "pl"),
        ("https://example.com/path", "example", "com"),
        ("http://user@Example.com:8080/a?b=c#d", "example", "com"),
        ("//example.com/x", "example", "com"),
        ("example.pl/oferta", "example", "pl"),
        ("example.com.pl", "example", "com.pl"),
        ("example.waw.pl", "example", "waw.pl"),
        ("example.pl.", "example", "pl"),
        ("example\u3002pl", "example", "pl"),  # an ideographic full stop is a dot (UTS 46)
        ("com.pl", "com", "pl"),  # the longest suffix must leave a name
        ("www.pl", "www", "pl"),
        ("123.pl", "123", "pl"),
        ("a-b.pl", "a-b", "pl"),
    ],
)
def test_accepted_inputs(query, name, tld):
    parsed = parse(query)
    assert (parsed.name, parsed.tld) == (name, tld)
    assert parsed.domain == (f"{name}.{tld}" if tld else None)
    assert parsed.warnings == ()


def test_a_name_without_tld_is_searched_across_the_group():
    parsed = parse("example")
    assert parsed.tld is None and parsed.domain is None
    assert parsed.under("pl") == "example.pl"


@pytest.mark.parametrize("query", ["żółw.pl", "ŻÓŁW.PL", "xn--w-uga1v8h.pl", "XN--W-UGA1V8H.pl"])
def test_idn_shows_unicode_and_punycode(query):
    parsed = parse(query)
    assert parsed.name == "xn--w-uga1v8h"
    assert parsed.name_unicode == "żółw"
    assert parsed.domain == "xn--w-uga1v8h.pl"
    assert parsed.domain_unicode == "żółw.pl"
    assert parsed.is_idn


def test_idn_tld_in_unicode_and_punycode():
    for query in ("пример.рф", "xn--e1afmkfd.xn--p1ai"):
        parsed = parse(query)
        assert (parsed.name, parsed.tld) == ("xn--e1afmkfd", "xn--p1ai")
        assert parsed.domain_unicode == "пример.рф"


def test_uts46_keeps_sharp_s_as_idna_2008_does():
    assert parse("straße.de").name_unicode == "straße"


def test_a_name_with_spaces_becomes_joined_and_hyphenated():
    parsed = parse("my shop")
    assert parsed.name == "myshop"
    assert parsed.alternatives == ("myshop", "my-shop")
    assert any("spaces" in w for w in parsed.warnings)
    with_tld = parse("my  shop .pl")
    assert (with_tld.name, with_tld.tld, with_tld.alternatives) == (
        "myshop", "pl", ("myshop", "my-shop"))


def test_a_subdomain_is_left_out_with_a_warning():
    parsed = parse("shop.example.com.pl")
    assert (parsed.name, parsed.tld) == ("example", "com.pl")
    assert "shop" in parsed.warnings[0]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("...", "no_name"),
        ("---", "no_name"),
        ("-.-", "no_name"),
        (".pl", "no_name"),
        ("example..pl", "empty_label"),
        ("a" * 64 + ".pl", "label_too_long"),
        ("ż" * 64 + ".pl", "label_too_long"),
        (".".join(["a" * 63] * 4) + ".pl", "too_long"),
        ("exa_mple.pl", "invalid_characters"),
        ("exa$mple", "invalid_characters"),
        ("exa mple!.pl", "invalid_characters"),
        ("<script>alert(1)</script>", "invalid_characters"),
        ("' OR 1=1 --", "invalid_characters"),
        ("shop😀.pl", "emoji"),
        ("😀", "emoji"),
        ("❤️.pl", "emoji"),
        ("-example.pl", "hyphen_at_edge"),
        ("example-.pl", "hyphen_at_edge"),
        ("ab--cd.pl", "double_hyphen"),
        ("xn--abc-.pl", "hyphen_at_edge"),
        ("xn--zzzzzzz9.pl", "invalid_punycode"),
        ("http://", "invalid_url"),
        ("/path/only", "empty"),
    ],
)
def test_bad_inputs_are_refused_with_a_code(query, code):
    assert refused(query).code == code


def test_a_63_character_label_and_a_253_character_name_are_fine():
    assert parse("a" * 63 + ".pl").name == "a" * 63
    long_name = ".".join(["a" * 62] * 4)[:250 - 3] + ".pl"
    assert len(long_name) <= 253
    assert parse(long_name).tld == "pl"


def test_a_10_kb_query_is_refused_early_and_cheaply():
    start = time.perf_counter()
    error = refused("a" * 10_240)
    assert error.code == "query_too_long"
    assert refused("żółw." * 2048).code == "query_too_long"
    assert time.perf_counter() - start < 0.05


def test_a_tld_not_offered_names_the_closest_offers():
    error = refused("example.con")
    assert error.code == "tld_not_offered"
    assert error.message.startswith("We don't offer .con.")
    assert "com" in error.closest
    assert ".com" in error.message
    assert refused("example.xyz").message.startswith("We don't offer .xyz")
    assert refused("example.рус").message.startswith("We don't offer .рус")


def test_a_disabled_tld_is_simply_not_offered():
    assert refused("example.pl", tlds=TLDS - {"pl"}).code == "tld_not_offered"


def test_mixed_script_look_alikes_are_refused():
    error = refused("pаypal.com")  # the second letter is Cyrillic
    assert error.code == "mixed_script"
    assert "Cyrillic and Latin" in error.message


def test_single_script_look_alikes_are_flagged():
    parsed = parse("аррӏе.com")  # all Cyrillic, reads as "apple"
    assert parsed.name == "xn--80ak6aa92e"
    assert any("look like Latin" in w for w in parsed.warnings)
    assert parse("пример.рф").warnings == ()  # an ordinary Cyrillic word is not flagged


def test_japanese_may_mix_its_scripts():
    assert parse("日本語ひらがなカタカナ.com").is_idn


def test_idn_under_a_tld_without_idn_is_refused():
    error = refused("żółw.com.pl")
    assert error.code == "idn_not_allowed"
    assert ".com.pl" in error.message
    assert not name_allowed_under("xn--w-uga1v8h", "com.pl", IDN)
    assert name_allowed_under("xn--w-uga1v8h", "pl", IDN)
    assert name_allowed_under("example", "com.pl", IDN)
    assert not name_allowed_under("xn--w-uga1v8h", "unknown", IDN)


@pytest.mark.parametrize(
    ("name", "tld", "clash"),
    [
        ("xn--w-uga1v8h", "xn--p1ai", "Cyrillic"),  # żółw: Latin (Polish letters) under .рф
        ("example", "xn--p1ai", "Cyrillic"),  # ASCII is Latin too
        ("xn--e1afmkfd", "xn--p1ai", None),  # пример.рф
        ("2024", "xn--p1ai", None),  # digits and hyphens belong to no script
        ("example", "com", None),
        ("xn--w-uga1v8h", "pl", None),
        ("xn--e1afmkfd", "com", None),  # a Latin TLD takes what its IDN table allows
    ],
)
def test_a_tld_in_another_script_takes_names_in_its_own(name, tld, clash):
    assert tld_script_clash(name, tld) == clash
    assert name_allowed_under(name, tld, IDN) is (clash is None)


def test_a_latin_name_under_a_cyrillic_tld_is_refused_with_the_reason():
    for query in ("żółw.рф", "example.рф", "example.xn--p1ai"):
        error = refused(query)
        assert error.code == "script_not_accepted"
        assert error.message.endswith("can't be registered: .рф accepts Cyrillic names only.")
    assert refused("żółw.рф").message.startswith("“żółw.рф”")


def test_to_ascii_label():
    assert to_ascii_label("Żółw") == "xn--w-uga1v8h"
    assert to_ascii_label("Example") == "example"
    with pytest.raises(DomainQueryError):
        to_ascii_label("a.b")


def test_suggestions_are_variants_across_the_tlds_in_a_fixed_order():
    found = suggestions("my shop", ["pl", "com"])
    assert found[:4] == ["myshop.pl", "myshop.com", "my-shop.pl", "my-shop.com"]
    assert "getmyshop.pl" in found and "myshoponline.com" in found
    assert "mymyshop.pl" not in found and "myshopshop.pl" not in found
    assert found == suggestions("my shop", ["pl", "com"])
    assert len(found) == len(set(found)) <= 24


def test_suggestions_leave_out_the_name_itself():
    found = suggestions("example", ["pl"], limit=100)
    assert "example.pl" not in found
    assert found[:2] == ["myexample.pl", "getexample.pl"]
    assert "example-online.pl" in found and "example24.pl" in found


def test_suggestions_for_an_idn_name_stay_valid_idn():
    found = suggestions("xn--w-uga1v8h", ["pl"], limit=3)
    assert found == suggestions("żółw", ["pl"], limit=3)
    assert found[0] == f"{to_ascii_label('myżółw')}.pl"
    for domain in found:
        parse(domain)


def test_suggestions_skip_variants_that_are_not_valid_labels():
    assert all(len(d.split(".")[0]) <= 63 for d in suggestions("a" * 62, ["pl"], limit=100))
    assert suggestions("   ", ["pl"]) == []
