"""Promotions and price groups: search results, price tables and the cart show the regular price
struck through; the proforma charges the lower one; a first-year promotion leaves further years
and renewals at the regular price; one for every year lowers renewals too while it runs; a
subscriber in a price group sees and pays its prices."""

from __future__ import annotations

from datetime import timedelta

import pytest

from billing import checkout as ordering
from billing import pricing
from billing.documents import local_today
from billing.models import Document, Service
from billing.pricing_models import Promotion
from storefront.db import db
from storefront.services.errors import InvalidInput
from tests import test_checkout
from tests.test_checkout import check_out, fresh

shop = test_checkout.shop  # the fixture: Acme sells .pl at 123.00 (renew 100.00), Ann logged in


def promote(partner, kind="price", value="9.99", first_term_only=True, days=(0, 7)):
    today = local_today()
    made = pricing.save_promotion(partner, pricing.PromotionFields(
        tld="pl", starts_on=today + timedelta(days=days[0]),
        ends_on=today + timedelta(days=days[1]), kind=kind, value=value,
        first_term_only=first_term_only))
    db.session.commit()
    return made


def test_a_promotion_is_struck_through_in_search_and_charged_on_the_proforma(shop, host_client):
    promote(shop["acme"])
    visitor = host_client("acme.localhost")
    page = visitor.get("/search?q=free-promo.pl").get_data(as_text=True)
    assert '<s class="regular-price">PLN\xa0123.00</s>' in page and "PLN\xa09.99" in page
    frame = visitor.get("/frames/pricing").get_data(as_text=True)
    assert "<s>PLN\xa0123.00</s> PLN\xa09.99" in frame
    client = shop["client"]
    assert check_out(client, ("free-ann-promo.pl", 2)).status_code == 303
    [proforma] = fresh(Document)
    assert proforma.gross_minor == 999 + 10000  # the first year promoted, the second regular


def test_a_first_year_promotion_leaves_renewals_at_the_regular_price(shop):
    promote(shop["acme"])
    check_out(shop["client"], ("free-ann-renew.pl", 1))
    [service] = fresh(Service)
    service.status, service.expires_at = "active", None
    db.session.commit()
    renewal = ordering.renewal(shop["acme"], shop["ann"], service, 2)
    assert renewal.gross_minor == 2 * 10000


def test_an_every_year_promotion_lowers_renewals_while_it_runs(shop):
    promote(shop["acme"], kind="percent", value="20", first_term_only=False)
    assert check_out(shop["client"], ("free-ann-every.pl", 2)).status_code == 303
    [proforma] = fresh(Document)
    assert proforma.gross_minor == 12300 - 2460 + 10000 - 2000
    [service] = fresh(Service)
    service.status = "active"
    db.session.commit()
    assert ordering.renewal(shop["acme"], shop["ann"], service, 1).gross_minor == 8000


def test_a_promotion_not_yet_running_or_switched_off_changes_nothing(shop, host_client):
    planned = promote(shop["acme"], days=(1, 5))
    page = host_client("acme.localhost").get("/search?q=free-later.pl").get_data(as_text=True)
    assert "regular-price" not in page and "PLN\xa0123.00" in page
    db.session.delete(planned)
    running = promote(shop["acme"])
    running.enabled = False
    db.session.commit()
    assert check_out(shop["client"], ("free-ann-off.pl", 1)).status_code == 303
    assert fresh(Document)[0].gross_minor == 12300


def test_changing_a_promotion_is_seen_at_once(shop, host_client):
    visitor = host_client("acme.localhost")
    assert "regular-price" not in visitor.get("/search?q=free-cache.pl").get_data(as_text=True)
    promote(shop["acme"])  # the committed change forgets the cached promotions
    assert "PLN\xa09.99" in visitor.get("/search?q=free-cache.pl").get_data(as_text=True)


@pytest.mark.parametrize(("fields", "field"), [
    ({"tld": "com"}, "tld"),  # not sold
    ({"value": "150"}, "value"),  # above the regular price
    ({"kind": "percent", "value": "100"}, "value"),
    ({"ends_on": local_today() - timedelta(days=1)}, "ends_on"),
])
def test_promotions_are_checked_when_made(shop, fields, field):
    given = {"tld": "pl", "starts_on": local_today(), "ends_on": local_today(),
             "kind": "price", "value": "10", **fields}
    with pytest.raises(InvalidInput) as refused:
        pricing.save_promotion(shop["acme"], pricing.PromotionFields(**given))
    assert refused.value.field == field


def test_the_panel_makes_promotions(shop, client, login):
    login(client, shop["acme_owner"])
    today = local_today()
    made = client.post("/panel/acme/billing/promotions/new", data={
        "tld": ".pl", "starts_on": today.isoformat(), "ends_on": today.isoformat(),
        "kind": "percent", "value": "50", "first_term_only": "first", "enabled": "y"})
    assert made.status_code == 303, made.get_data(as_text=True)
    page = client.get("/panel/acme/billing/promotions").get_data(as_text=True)
    assert ".pl" in page and "50% off" in page and "running" in page
    [promotion] = fresh(Promotion)
    assert client.get(f"/panel/acme/billing/promotions/{promotion.id}").status_code == 200
    assert client.get("/panel/globex/billing/promotions").status_code in (403, 404)


def test_a_subscriber_in_a_price_group_sees_and_pays_its_prices(shop, host_client, client,
                                                              login):
    login(client, shop["acme_owner"])
    made = client.post("/panel/acme/billing/price-groups/new", data={
        "name": "Agencies", "percent": "10", "prices": "", "members": "ann@example.com"})
    assert made.status_code == 303, made.get_data(as_text=True)
    ann = shop["client"]
    assert "PLN\xa0110.70" in ann.get("/search?q=free-group.pl").get_data(as_text=True)
    visitor = host_client("acme.localhost")
    assert "PLN\xa0123.00" in visitor.get("/search?q=free-group.pl").get_data(as_text=True)
    assert check_out(ann, ("free-ann-group.pl", 1)).status_code == 303
    assert fresh(Document)[0].gross_minor == 11070
    # The group's own price for .pl overrides its percentage.
    [group_id] = [g.id for g in pricing.groups(shop["acme"])]
    changed = client.post(f"/panel/acme/billing/price-groups/{group_id}", data={
        "name": "Agencies", "percent": "10", "prices": "pl 99 90 70",
        "members": "ann@example.com"})
    assert changed.status_code == 303, changed.get_data(as_text=True)
    assert "PLN\xa099.00" in ann.get("/search?q=free-group2.pl").get_data(as_text=True)
    below = client.post(f"/panel/acme/billing/price-groups/{group_id}", data={
        "name": "Agencies", "percent": "10", "prices": "pl 0.50 90 70"})
    assert below.status_code == 400
    assert "below wholesale: .pl costs you" in below.get_data(as_text=True)
    refused = client.post("/panel/acme/billing/price-groups/new", data={
        "name": "Other", "percent": "5", "members": "nobody@example.com"})
    assert refused.status_code == 400
    assert "No subscriber has the e-mail nobody@example.com." in refused.get_data(as_text=True)
