"""Billing details in the subscriber's account: checked as a tax office would, kept once per
subscriber, never another partner's or another subscriber's."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from billing.models import BillingProfile
from billing.profiles import ProfileFields, clean_fields, reverse_charge
from storefront.db import db
from storefront.services.errors import InvalidInput

PASSWORD = "a long password"
ANN_BUSINESS = {"kind": "business", "name": "Ann's Bakery sp. z o.o.", "tax_id": "526-025-02-74",
                "street": "ul. Prosta 1", "postal_code": "00-838", "city": "Warszawa",
                "country": "PL", "email": "invoices@bakery.example.com",
                "phone": "600 100 200"}


@pytest.fixture
def shops(two_partners, host_client):
    shops = {"acme": host_client("acme.localhost"), "globex": host_client("globex.localhost")}
    for slug, client in shops.items():
        client.post("/account/register", data={"name": f"Ann at {slug}", "email": "ann@example.com",
                                               "password": PASSWORD})
    return shops


def profiles() -> list[BillingProfile]:
    db.session.expire_all()  # as saved by the requests, not as this session last saw them
    return list(db.session.scalars(select(BillingProfile).order_by(BillingProfile.id)))


def test_a_business_gives_its_details_once_and_sees_them_again(shops):
    page = shops["acme"].get("/account/billing/")
    assert page.status_code == 200 and 'value="ann@example.com"' in page.get_data(as_text=True)
    saved = shops["acme"].post("/account/billing/", data=ANN_BUSINESS)
    assert saved.status_code == 303
    [profile] = profiles()
    assert (profile.tax_id, profile.phone, profile.country) == ("5260250274", "+48600100200", "PL")
    again = shops["acme"].get("/account/billing/").get_data(as_text=True)
    assert "Your billing details are saved." in again and 'value="5260250274"' in again
    # Changing them replaces the one profile.
    shops["acme"].post("/account/billing/", data={**ANN_BUSINESS, "city": "Kraków",
                                                  "postal_code": "30-001"})
    assert [p.city for p in profiles()] == ["Kraków"]
    assert "Billing details" in shops["acme"].get("/account/").get_data(as_text=True)


@pytest.mark.parametrize("change, field, says", [
    ({"tax_id": "5260250275"}, "tax_id", "is not a valid NIP"),
    ({"tax_id": ""}, "tax_id", "A business gives its tax id."),
    ({"phone": "123"}, "phone", "Give a phone number we can call"),
    ({"phone": "+48 600 100 200\x00"}, "phone", ""),
    ({"postal_code": "00838"}, "postal_code", "A Polish postal code looks like 00-950."),
    ({"country": "XX"}, "country", "Choose your country from the list."),
    ({"kind": "government"}, "kind", "consumer or as a business"),
    ({"name": "  "}, "name", "Give your name or your company&#39;s name."),
    ({"email": "not-an-address"}, "email", "like name@example.com"),
    ({"country": "DE", "postal_code": "10115", "tax_id": "DE136695977"}, "tax_id",
     "is not a valid VAT number"),
    ({"country": "DE", "postal_code": "10115", "tax_id": "FR40303265045"}, "tax_id",
     "starts with DE"),
    ({"city": "x" * 101}, "city", "At most 100 characters"),
])
def test_bad_details_show_a_message_and_change_nothing(shops, change, field, says):
    response = shops["acme"].post("/account/billing/", data={**ANN_BUSINESS, **change})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and says in body
    assert profiles() == []


def test_an_eu_business_is_kept_with_its_vat_number_and_gets_reverse_charge(app):
    clean = clean_fields(ProfileFields(**{**ANN_BUSINESS, "country": "DE", "postal_code": "10115",
                                          "city": "Berlin", "tax_id": "136 695 976",
                                          "phone": "+49 30 901820"}))
    assert clean.tax_id == "DE136695976" and clean.phone == "+4930901820"
    greek = clean_fields(ProfileFields(**{**ANN_BUSINESS, "country": "GR", "postal_code": "10431",
                                          "tax_id": "094259216", "phone": "+30 21 0000 0000"}))
    assert greek.tax_id == "EL094259216"
    assert reverse_charge("PL", BillingProfile(**clean.__dict__))
    assert not reverse_charge("PL", BillingProfile(**{**clean.__dict__, "country": "PL"}))
    consumer = clean_fields(ProfileFields(**{**ANN_BUSINESS, "kind": "consumer"}))
    assert consumer.tax_id == "" and not reverse_charge("DE", BillingProfile(**consumer.__dict__))


def test_billing_details_are_the_subscribers_own_at_their_partner(shops, host_client):
    shops["acme"].post("/account/billing/", data=ANN_BUSINESS)
    # Ann at Globex (same e-mail, another account) sees an empty form, not Acme's details.
    other = shops["globex"].get("/account/billing/").get_data(as_text=True)
    assert "5260250274" not in other and "Bakery" not in other
    # A visitor who is not logged in goes to the login page; the platform host has no such page.
    assert host_client("acme.localhost").get("/account/billing/").status_code in (302, 303)
    assert host_client("localhost").get("/account/billing/").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(BillingProfile)) == 1


def test_a_nul_byte_is_refused_before_anything(shops):
    response = shops["acme"].post("/account/billing/", data={**ANN_BUSINESS, "name": "A\x00B"})
    assert response.status_code == 400 and profiles() == []


def test_another_partners_subscriber_cannot_be_given_details(app, two_partners):
    from billing.profiles import save_profile
    from storefront.services import subscribers

    ann = subscribers.register(two_partners["globex"], "ann@example.com", PASSWORD, "Ann")
    with pytest.raises(LookupError):
        save_profile(two_partners["acme"], ann, ProfileFields(**ANN_BUSINESS))
    with pytest.raises(InvalidInput):
        save_profile(two_partners["globex"], ann, ProfileFields(**{**ANN_BUSINESS,
                                                                   "tax_id": "1"}))
