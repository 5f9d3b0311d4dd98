"""The partner's billing settings in the panel: checked as a tax office and a bank would, kept
once per partner, only for its admins and owners, never another partner's."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from stdnum import iban

from billing import settings as service
from billing.models import SellerSettings
from storefront.db import db

URL = "/panel/acme/billing/settings"
IBAN = "PL61109010140000071219812874"
ACME_SELLER = {
    "name": "Acme Hosting sp. z o.o.", "street": "ul. Prosta 1", "postal_code": "00-838",
    "city": "Warszawa", "country": "PL", "tax_id": "526-025-02-74",
    "bank_account": "PL61 1090 1014 0000 0712 1981 2874", "bank_name": "Santander",
    "vat_rate": "23", "language": "en", "renewal_lead_days": "45",
    "invoice_note": "Thank you for your order.",
}


@pytest.fixture
def acme_owner(client, two_partners, login):
    login(client, two_partners["acme_owner"])
    return client


def saved() -> list[SellerSettings]:
    db.session.expire_all()  # as the requests saved them
    return list(db.session.scalars(select(SellerSettings).order_by(SellerSettings.id)))


def test_the_test_iban_is_valid():
    assert iban.is_valid(IBAN)


def test_an_owner_saves_the_settings_and_sees_them_again(acme_owner, two_partners):
    page = acme_owner.get(URL)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "cannot be issued yet" in text and "the tax id" in text and "the bank account" in text
    assert 'value="23"' in text and 'value="30"' in text  # the defaults
    response = acme_owner.post(URL, data=ACME_SELLER)
    assert response.status_code == 303
    [settings] = saved()
    assert settings.partner_id == two_partners["acme"].id
    assert (settings.tax_id, settings.bank_account) == ("5260250274", IBAN)
    assert (settings.vat_rate, settings.language, settings.renewal_lead_days) == ("23", "en", 45)
    assert service.vat_rate(settings) == Decimal("23") and service.is_ready(settings)
    again = acme_owner.get(URL).get_data(as_text=True)
    assert "The billing settings are saved." in again
    assert 'value="PL61 1090 1014 0000 0712 1981 2874"' in again  # grouped by four
    assert 'value="5260250274"' in again and "Thank you for your order." in again
    assert "cannot be issued yet" not in again and "can be issued" in again
    # Saving again changes the one row.
    acme_owner.post(URL, data={**ACME_SELLER, "vat_rate": "8,50", "renewal_lead_days": "120"})
    assert [(s.vat_rate, s.renewal_lead_days) for s in saved()] == [("8.5", 120)]
    assert "Billing" in acme_owner.get("/panel/acme/").get_data(as_text=True)


def test_partial_settings_are_kept_and_the_page_says_what_is_missing(acme_owner):
    response = acme_owner.post(URL, data={**ACME_SELLER, "tax_id": "", "bank_account": ""})
    assert response.status_code == 303
    [settings] = saved()
    assert service.missing(settings) == ["the tax id", "the bank account"]
    assert not service.is_ready(settings)
    text = acme_owner.get(URL).get_data(as_text=True)
    assert "Still missing: the tax id, the bank account." in text


@pytest.mark.parametrize("change, says", [
    ({"tax_id": "5260250275"}, "is not a valid NIP"),
    ({"bank_account": "PL61109010140000071219812875"}, "is not a valid IBAN"),
    ({"vat_rate": "23.555"}, "at most two decimals"),
    ({"vat_rate": "101"}, "between 0 and 100 percent"),
    ({"vat_rate": "-1"}, "between 0 and 100 percent"),
    ({"vat_rate": "٢٣"}, "digits 0-9"),
    ({"vat_rate": "a lot"}, "Give the VAT rate in percent"),
    ({"renewal_lead_days": "0"}, "between 1 and 120 days"),
    ({"renewal_lead_days": "121"}, "between 1 and 120 days"),
    ({"renewal_lead_days": "３0"}, "digits 0-9"),
    ({"renewal_lead_days": ""}, "between 1 and 120 days"),
    ({"language": "de"}, "Choose Polish or English"),
    ({"postal_code": "00838"}, "A Polish postal code looks like 00-950."),
    ({"country": "XX"}, "Choose your country from the list."),
    ({"invoice_note": "x" * 501}, "At most 500 characters"),
    ({"invoice_note": "bell\x07"}, "letters, digits and punctuation"),
])
def test_bad_input_is_refused_with_its_message_and_nothing_is_saved(acme_owner, change, says):
    acme_owner.post(URL, data={**ACME_SELLER, "renewal_lead_days": "45"})
    response = acme_owner.post(URL, data={**ACME_SELLER, "city": "Kraków",
                                          "postal_code": "30-001", **change})
    assert response.status_code == 400
    assert says in response.get_data(as_text=True)
    assert [s.city for s in saved()] == ["Warszawa"]


def test_bad_input_on_the_first_save_saves_nothing(acme_owner):
    response = acme_owner.post(URL, data={**ACME_SELLER, "tax_id": "5260250275"})
    assert response.status_code == 400 and saved() == []


def test_a_nul_byte_is_refused_and_nothing_is_saved(acme_owner):
    response = acme_owner.post(URL, data={**ACME_SELLER, "name": "Acme\x00"})
    assert response.status_code == 400
    assert saved() == []


def test_an_editor_can_neither_see_nor_save_the_settings(client, two_partners, make_user, login):
    editor = make_user("editor@acme.example.com", two_partners["acme"], role="editor")
    login(client, editor)
    assert client.get(URL).status_code == 403
    assert client.post(URL, data=ACME_SELLER).status_code == 403
    assert saved() == []
    assert "billing/settings" not in client.get("/panel/acme/").get_data(as_text=True)


def test_an_admin_may_save_them(client, two_partners, make_user, login):
    login(client, make_user("admin@acme.example.com", two_partners["acme"], role="admin"))
    assert client.post(URL, data=ACME_SELLER).status_code == 303
    assert len(saved()) == 1


def test_another_partners_settings_are_never_shown_or_changed(client, two_partners, login):
    login(client, two_partners["globex_owner"])
    client.post("/panel/globex/billing/settings", data={**ACME_SELLER, "name": "Globex Ltd"})
    login(client, two_partners["acme_owner"])
    assert client.get("/panel/globex/billing/settings").status_code == 404
    response = client.post("/panel/globex/billing/settings", data={**ACME_SELLER, "name": "Hacked"})
    assert response.status_code == 404
    assert [s.name for s in saved()] == ["Globex Ltd"]
    # Acme's own page starts empty: Globex's details never show there.
    assert "Globex Ltd" not in client.get(URL).get_data(as_text=True)


def test_the_vat_rate_is_kept_exactly():
    fields = service.SellerFields(vat_rate="5.50")
    assert service.clean_fields(fields).vat_rate == "5.5"
    assert service.clean_fields(service.SellerFields(vat_rate="0")).vat_rate == "0"
    assert service.clean_fields(service.SellerFields(vat_rate="100.00")).vat_rate == "100"
