"""A partner's wholesale balance: the platform admin credits it, the partner sees it and its
ledger, and debits never take it below zero, even when they run at once (on both databases)."""

from __future__ import annotations

import re
import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from billing import balance as service
from billing.models import BalanceEntry
from storefront.db import db
from storefront.money import Money
from storefront.services.errors import InvalidInput

CREDIT = "/admin/partners/acme/balance"
PANEL = "/panel/acme/billing/balance"


@pytest.fixture
def root(make_user):
    return make_user("root@platform.example", admin=True)


@pytest.fixture
def admin(client, two_partners, root, login):
    login(client, root)
    return client


def body(response) -> str:
    return response.get_data(as_text=True)


def entries() -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count(BalanceEntry.id))) or 0)


def test_an_admin_credits_a_partner_and_both_see_the_balance(admin, two_partners, client,
                                                               login):
    assert "PLN\u00a00.00" in body(admin.get("/admin/partners/acme"))
    response = admin.post(CREDIT, data={"amount": "100,00", "reference": "Przelew FV 1/2026"})
    assert response.status_code == 303
    page = body(admin.get("/admin/partners/acme"))
    assert "Credited PLN\u00a0100.00 to Acme Hosting" in page
    assert '<span id="balance-amount">PLN\u00a0100.00</span>' in page
    assert "Przelew FV 1/2026" in page and "root@platform.example" in page
    [entry] = db.session.scalars(select(BalanceEntry)).all()
    assert (entry.partner_id, entry.amount_minor, entry.currency, entry.kind) == (
        two_partners["acme"].id, 10000, "PLN", "credit")
    assert service.balance(two_partners["acme"]) == Money(10000, "PLN")
    assert service.balance(two_partners["globex"]) == Money(0, "PLN")
    listing = body(admin.get("/admin/balances"))
    assert re.search(r"Acme Hosting</a></td>\s*<td>active</td>\s*<td class=\"number\">"
                     "PLN\u00a0100.00</td>", listing)
    assert re.search(r"Globex Domains</a></td>\s*<td>active</td>\s*<td class=\"number\">"
                     "PLN\u00a00.00</td>", listing)
    # Globex's page shows its own balance, not Acme's.
    globex = body(admin.get("/admin/partners/globex"))
    assert '<span id="balance-amount">PLN\u00a00.00</span>' in globex

    client.get("/logout")
    login(client, two_partners["acme_owner"])
    panel = body(client.get(PANEL))
    assert '<strong id="balance-amount">PLN\u00a0100.00</strong>' in panel
    assert "Przelew FV 1/2026" in panel and "by bank transfer to the platform" in panel
    assert PANEL in body(client.get("/panel/acme/"))  # linked from the navigation


def test_the_ledger_is_newest_first_with_a_running_balance(two_partners, root):
    acme = two_partners["acme"]
    service.credit(acme, Money(5000, "PLN"), "first", root)
    service.credit(acme, Money(2500, "PLN"), "second", None)
    service.debit(acme, Money(1000, "PLN"), "domain example.pl")
    db.session.commit()
    lines = service.ledger(acme, limit=50)
    assert [(line.reference, line.amount.minor, line.balance.minor, line.kind)
            for line in lines] == [("domain example.pl", -1000, 6500, "debit"),
                                   ("second", 2500, 7500, "credit"),
                                   ("first", 5000, 5000, "credit")]
    assert lines[2].created_by == "root@platform.example" and lines[1].created_by == ""
    assert [line.reference for line in service.ledger(acme, limit=1, offset=1)] == ["second"]
    assert service.ledger(two_partners["globex"]) == []
    with pytest.raises(service.ShortBalance):
        service.debit(acme, Money(6501, "PLN"), "too much")


@pytest.mark.parametrize("data, field", [
    ({"amount": "0", "reference": "x"}, "amount"),
    ({"amount": "-5", "reference": "x"}, "amount"),
    ({"amount": "٥", "reference": "x"}, "amount"),
    ({"amount": "1e309", "reference": "x"}, "amount"),
    ({"amount": "10.001", "reference": "x"}, "amount"),
    ({"amount": "", "reference": "x"}, "amount"),
    ({"amount": "10", "reference": ""}, "reference"),
    ({"amount": "10", "reference": "   "}, "reference"),
    ({"amount": "10", "reference": "a" * 201}, "reference"),
    ({"amount": "10", "reference": "Przelew\x00"}, "reference"),
    ({"amount": "10\x00", "reference": "x"}, "amount"),
])
def test_bad_credits_are_refused_and_nothing_is_booked(admin, data, field):
    response = admin.post(CREDIT, data=data)
    assert response.status_code == 400
    if not any("\x00" in value for value in data.values()):  # those the app refuses whole
        assert re.search(rf'has-error">\s*<label for="{field}"', body(response))
    assert entries() == 0


def test_the_service_refuses_bad_amounts_by_field(two_partners, root):
    acme = two_partners["acme"]
    for amount, reference, field in [(Money(0, "PLN"), "x", "amount"),
                                     (Money(-500, "PLN"), "x", "amount"),
                                     (Money(500, "PLN"), "", "reference"),
                                     (Money(500, "PLN"), "a\x00b", "reference")]:
        with pytest.raises(InvalidInput) as refused:
            service.credit(acme, amount, reference, root)
        assert refused.value.field == field
    assert entries() == 0


def test_partner_staff_cannot_credit(client, two_partners, login):
    login(client, two_partners["acme_owner"])
    response = client.post(CREDIT, data={"amount": "100", "reference": "mine"})
    assert response.status_code == 403
    assert client.get("/admin/balances").status_code == 403
    assert entries() == 0


def test_an_owner_cannot_see_another_partners_balance(client, two_partners, login):
    service.credit(two_partners["globex"], Money(4200, "PLN"), "Globex's", None)
    db.session.commit()
    login(client, two_partners["acme_owner"])
    response = client.get("/panel/globex/billing/balance")
    assert response.status_code == 404
    assert "42.00" not in body(response)


def test_an_editor_does_not_see_the_balance(client, two_partners, make_user, login):
    login(client, make_user("editor@acme.example.com", two_partners["acme"], role="editor"))
    assert client.get(PANEL).status_code == 403


def test_ten_concurrent_debits_of_ten_from_fifty_pass_five_times(app, two_partners):
    acme = two_partners["acme"]
    service.credit(acme, Money(5000, "PLN"), "top-up", None)
    db.session.commit()
    tenant = SimpleNamespace(id=acme.id)  # not bound to the test's session
    start = threading.Barrier(10)
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def pay(n: int) -> None:
        try:
            with app.app_context():
                start.wait()
                try:
                    service.debit(tenant, Money(1000, "PLN"), f"order {n}")
                except service.ShortBalance:
                    db.session.rollback()
                    outcome = "short"
                else:
                    db.session.commit()
                    outcome = "paid"
                with lock:
                    outcomes.append(outcome)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    threads = [threading.Thread(target=pay, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(outcomes) == ["paid"] * 5 + ["short"] * 5
    db.session.expire_all()
    assert service.balance(acme) == Money(0, "PLN")
    assert entries() == 6


def test_a_booked_entry_is_never_changed_nor_deleted(two_partners, root):
    entry = service.credit(two_partners["acme"], Money(1000, "PLN"), "transfer", root)
    db.session.commit()
    entry.amount_minor = 100000
    with pytest.raises(ValueError, match="append-only|correcting entry"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(entry)
    with pytest.raises(ValueError, match="correcting entry"):
        db.session.flush()
    db.session.rollback()
    assert service.balance(two_partners["acme"]) == Money(1000, "PLN")
