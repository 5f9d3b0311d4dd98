"""Frames in Polish: `locale=pl` (embed.js's data-locale) makes every frame speak Polish, anything
else English; storefront pages stay English whatever the browser asks for. Also: the committed
Polish catalogue is complete and its compiled .mo is up to date."""

from __future__ import annotations

import contextvars
import re
from datetime import datetime
from io import BytesIO

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask import has_app_context

from storefront import domain_names
from storefront.db import db
from storefront.i18n import TRANSLATIONS, gettext, ngettext
from storefront.registrars.models import SandboxRegistration
from storefront.services import catalog, subscribers

PARTNER_SITE = "https://www.acme-shop.example"
PASSWORD = "a long password"
PO = TRANSLATIONS / "pl" / "LC_MESSAGES" / "messages.po"


@pytest.fixture
def shops(two_partners, host_client):
    catalog.import_demo_catalogue()
    for partner in (two_partners["acme"], two_partners["globex"]):
        for tld in ("pl", "com", "eu"):
            catalog.set_retail_prices(partner, tld, register="58.99", renew="70", transfer="60")
    catalog.create_group(two_partners["acme"], "Popular", ["pl", "com", "eu"])
    catalog.create_group(two_partners["globex"], "Globex only", ["pl", "com"])
    two_partners["acme"].frame_origins = [PARTNER_SITE]
    db.session.commit()
    return {"acme": host_client("acme.localhost"), "globex": host_client("globex.localhost"),
            "acme_partner": two_partners["acme"]}


def _token(body: str) -> str:
    return re.search(r'name="frame_token" value="([^"]+)"', body).group(1)


# -- the five frames -------------------------------------------------------------------------------


def test_login_frame_in_polish_and_in_english(shops):
    polish = shops["acme"].get("/frames/user-login?locale=pl").text
    assert '<html lang="pl">' in polish
    assert "Logowanie do serwisu" in polish and "Zaloguj się</button>" in polish
    assert "Hasło" in polish and "Załóż konto" in polish and "Log in" not in polish
    english = shops["acme"].get("/frames/user-login").text
    assert '<html lang="en">' in english and "Log in</button>" in english
    assert "Zaloguj" not in english


def test_a_wrong_password_is_told_in_the_frames_language(shops):
    subscribers.register(shops["acme_partner"], "ann@example.com", PASSWORD, "Ann")
    db.session.commit()
    frame = shops["acme"].get("/frames/user-login?locale=pl").text
    wrong = shops["acme"].post("/frames/user-login?locale=pl", data={
        "email": "ann@example.com", "password": "nope", "frame_token": _token(frame)})
    assert wrong.status_code == 400 and "Nieprawidłowy e-mail lub hasło." in wrong.text
    # The form posts back to itself with the locale, so the next answer is Polish too.
    assert 'action="/frames/user-login?locale=pl"' in wrong.text
    done = shops["acme"].post("/frames/user-login?locale=pl", data={
        "email": "ann@example.com", "password": PASSWORD, "frame_token": _token(wrong.text)})
    assert "Witaj, Ann!" in done.text and "Przejdź do swojego konta" in done.text


def test_signup_frame_says_what_is_wrong_in_polish(shops):
    subscribers.register(shops["acme_partner"], "ann@example.com", PASSWORD, "Ann")
    db.session.commit()
    frame = shops["acme"].get("/frames/user-register?locale=pl").text
    assert "Załóż konto w serwisie" in frame and "Imię i nazwisko" in frame
    token = _token(frame)
    short = shops["acme"].post("/frames/user-register?locale=pl", data={
        "name": "Bo", "email": "bo@example.com", "password": "short", "frame_token": token})
    assert short.status_code == 400 and "Hasło musi mieć co najmniej 10 znaków." in short.text
    nameless = shops["acme"].post("/frames/user-register?locale=pl", data={
        "name": " ", "email": "bo@example.com", "password": PASSWORD, "frame_token": token})
    assert "Podaj swoje imię i nazwisko." in nameless.text
    taken = shops["acme"].post("/frames/user-register?locale=pl", data={
        "name": "Ann", "email": "ann@example.com", "password": PASSWORD, "frame_token": token})
    assert "Istnieje już konto z tym adresem e-mail." in taken.text
    bad_email = shops["acme"].post("/frames/user-register?locale=pl", data={
        "name": "Bo", "email": "bo@", "password": PASSWORD, "frame_token": token})
    assert "Ten adres e-mail jest nieprawidłowy." in bad_email.text
    # The same mistake in an English frame: the English words, unchanged.
    english = shops["acme"].post("/frames/user-register", data={
        "name": "Bo", "email": "bo@example.com", "password": "short", "frame_token": token})
    assert "Choose a password of at least 10 characters." in english.text


def test_domain_search_frame_in_polish(shops):
    body = shops["acme"].get("/frames/domain-search?locale=pl&q=taken-abc&group=popular").text
    assert "Szukaj</button>" in body and "Znajdź swoją domenę" in body
    assert "zajęta" in body and "Transfer 60,00" in body and "zł" in body
    # the name is taken everywhere in the group, so variants are suggested
    assert "Nazwa taken-abc jest zajęta we wszystkich rozszerzeniach tutaj" in body
    assert "Dodaj</a>" in body and "Add</a>" not in body and "taken<" not in body
    # Every link inside the frame keeps the locale.
    links = re.findall(r'href="(/frames/[^"]+)"', body)
    assert links and all("locale=pl" in link for link in links)
    english = shops["acme"].get("/frames/domain-search?q=taken-abc&group=popular").text
    assert "Search</button>" in english and "taken" in english and "zajęta" not in english


def test_where_a_name_is_taken_is_told_in_polish(shops):
    for name in ("free-abc.pl", "free-abc.com"):
        db.session.add(SandboxRegistration(name=name, auth_code="x",
                                           expires_at=datetime(2030, 1, 1)))
    db.session.commit()
    body = shops["acme"].get("/frames/domain-search?locale=pl&q=free-abc&group=popular").text
    assert ("Nazwa free-abc jest zajęta w .pl i .com, ale wolna w 1 innym rozszerzeniu powyżej."
            in body)


def test_a_latin_name_left_out_of_a_cyrillic_extension_is_told_in_polish(shops):
    catalog.set_retail_prices(shops["acme_partner"], "xn--80asehdb", register="150",
                              renew="150", transfer="150")
    catalog.create_group(shops["acme_partner"], "Mixed", ["pl", "xn--80asehdb"])
    db.session.commit()
    body = shops["acme"].get("/frames/domain-search?locale=pl&q=żółw&group=mixed").text
    assert ("Pominęliśmy .онлайн: ta domena przyjmuje tylko nazwy w swoim piśmie (cyrylica)."
            in body)
    assert "żółw.pl" in body and "żółw.онлайн" not in body
    typed = shops["acme"].get("/frames/domain-search?locale=pl&q=żółw.онлайн").text
    assert "„żółw.онлайн” nie da się zarejestrować: domena .онлайн przyjmuje tylko" in typed


def test_a_bad_query_is_refused_in_polish(shops):
    body = shops["acme"].get("/frames/domain-search?locale=pl&q=free-abc.xyz").text
    assert "Nie oferujemy domen .xyz." in body
    body = shops["acme"].get("/frames/domain-search?locale=pl&q=-abc.pl").text
    assert "Nazwa domeny nie może zaczynać się ani kończyć myślnikiem." in body
    body = shops["acme"].get("/frames/domain-search?locale=pl&q=my shop.pl").text
    assert "Nazwy domen nie mogą zawierać spacji, więc szukaliśmy bez nich." in body
    english = shops["acme"].get("/frames/domain-search?q=-abc.pl").text
    assert "A domain name can&#39;t start or end with a hyphen." in english


def test_order_frame_in_polish_with_totals_in_zloty(shops):
    body = shops["acme"].get("/frames/order?locale=pl&add=free-abc.pl&years=2").text
    assert "Twoje zamówienie" in body and "Razem z VAT" in body
    assert "128,99\xa0zł" in body  # 58.99 + a renewal at 70.00
    assert "Przejdź do kasy" in body
    refused = shops["acme"].get("/frames/order?locale=pl&add=free-abc.pl&years=20")
    assert refused.status_code == 400
    assert "Domenę .pl można zarejestrować na okres od 1 do 10 lat." in refused.text
    empty = shops["acme"].get("/frames/order?locale=pl").text
    assert "Twój koszyk jest pusty." in empty
    english = shops["acme"].get("/frames/order?add=free-abc.pl&years=2").text
    assert "Your order" in english and "Total, VAT included" in english and "zł" not in english


def test_pricing_frame_in_polish(shops):
    body = shops["acme"].get("/frames/pricing?locale=pl&group=popular").text
    assert "Popular: ceny za rok" in body and "Rozszerzenie" in body and "Odnowienie" in body
    assert "58,99\xa0zł" in body
    # A partner without groups: the table of everything it sells has a Polish name too.
    globex = shops["globex"].get("/frames/pricing?locale=pl").text
    assert "Globex only: ceny za rok" in globex
    english = shops["acme"].get("/frames/pricing?group=popular").text
    assert "Popular: prices for one year" in english


def test_a_refused_frame_explains_in_polish(shops):
    response = shops["acme"].get("/frames/pricing?locale=pl&parent_origin=https://evil.example")
    assert response.status_code == 400
    assert "Witryna https://evil.example nie może wyświetlać tej ramki." in response.text


@pytest.mark.parametrize("locale", ["de", "xx", "PL-pl", "", "en"])
def test_an_unknown_locale_falls_back_to_english(shops, locale):
    body = shops["acme"].get(f"/frames/user-login?locale={locale}").text
    assert '<html lang="en">' in body and "Log in</button>" in body


def test_the_locale_param_is_case_insensitive(shops):
    assert "Zaloguj się</button>" in shops["acme"].get("/frames/user-login?locale=PL").text


# -- storefront pages stay English -----------------------------------------------------------------


def test_storefront_pages_stay_english_whatever_the_browser_asks(shops):
    acme = shops["acme"]
    polish_browser = {"Accept-Language": "pl-PL,pl;q=0.9"}
    search = acme.get("/search?q=-abc.pl", headers=polish_browser).text
    assert "A domain name can&#39;t start or end with a hyphen." in search
    assert "myślnik" not in search
    # Even with ?locale=pl: the parameter belongs to frames only.
    search = acme.get("/search?q=-abc.pl&locale=pl", headers=polish_browser).text
    assert "myślnik" not in search
    home = acme.get("/", headers=polish_browser)
    assert home.status_code == 200 and "Zaloguj" not in home.text


def test_messages_are_english_outside_a_request_and_without_any_app():
    # An app context (the test's) but no request: the default locale.
    with pytest.raises(domain_names.DomainQueryError, match="can't start or end with a hyphen"):
        domain_names.parse_query("-abc.pl", {"pl"})


def test_messages_are_english_with_no_app_context_at_all():
    def outside_any_app() -> None:
        assert not has_app_context()
        with pytest.raises(domain_names.DomainQueryError) as error:
            domain_names.parse_query("a" * 64 + ".pl", {"pl"})
        assert error.value.message == "Each part of a domain name is at most 63 characters long."
        assert gettext("Hello %(name)s", name="Ann") == "Hello Ann"
        assert ngettext("%(num)d domain", "%(num)d domains", 1) == "1 domain"

    # A fresh context holds none of Flask's context variables (the test's app context included).
    contextvars.Context().run(outside_any_app)


# -- the catalogue ---------------------------------------------------------------------------------


def test_every_message_has_a_polish_translation():
    with PO.open("rb") as f:
        po = read_po(f)
    assert len(po) > 50
    for message in po:
        if not message.id:
            continue
        assert "fuzzy" not in message.flags, message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert len(strings) == (3 if message.pluralizable else 1), message.id
        assert all(s.strip() for s in strings), f"no Polish for {message.id!r}"
    assert not list(po.check()), "placeholders differ between English and Polish"


def test_the_committed_mo_is_compiled_from_the_po():
    with PO.open("rb") as f:
        po = read_po(f)
    compiled = BytesIO()
    write_mo(compiled, po)
    compiled.seek(0)
    with PO.with_suffix(".mo").open("rb") as f:
        committed = read_mo(f)
    expected = read_mo(compiled)
    assert _messages(committed) == _messages(expected)


def _messages(catalogue) -> dict:
    return {_tuple(m.id): _tuple(m.string) for m in catalogue if m.id}


def _tuple(value):
    return tuple(value) if isinstance(value, list | tuple) else value
