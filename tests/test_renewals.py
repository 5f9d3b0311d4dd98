"""`flask renewals`: one renewal proforma per service term at the partner's lead time, reminders
14, 7 and 1 days before and 3 after the expiry in the partner's language, each once even when two
runs overlap; expired services moved on with the partner's own cut-offs, never another's."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import false, func, select

from billing import checkout, renewals, settings
from billing.models import Document, RenewalNotice, Service
from billing.profiles import ProfileFields, save_profile
from storefront.db import db
from storefront.models import OutboxMessage, Subscriber
from storefront.services import catalog
from storefront.services.errors import InvalidInput

NOW = datetime(2026, 12, 2, 12, 0)
SELLER = settings.SellerFields(
    name="Acme Hosting sp. z o.o.", street="ul. Prosta 1", postal_code="00-838", city="Warszawa",
    country="PL", tax_id="5260250274", bank_account="PL61109010140000071219812874",
    bank_name="Santander", vat_rate="23", language="pl")
ANN = ProfileFields(kind="consumer", name="Ann Nowak", street="ul. Polna 2", postal_code="00-001",
                    city="Warszawa", country="PL", email="ann.billing@example.com",
                    phone="600100200")


def subscriber(partner, email: str, profile: ProfileFields | None = ANN) -> Subscriber:
    person = Subscriber(partner_id=partner.id, email=email, name=email.split("@")[0],
                        password_hash="x")
    db.session.add(person)
    db.session.flush()
    if profile is not None:
        save_profile(partner, person, profile)
    return person


@pytest.fixture
def shop(two_partners):
    """Acme renews .pl at 134.99 and .com at 160.00 with its seller details (Polish documents);
    Globex sells .com too, with English documents. Each has a subscriber with billing details."""
    acme, globex = two_partners["acme"], two_partners["globex"]
    catalog.import_demo_catalogue()
    for partner in (acme, globex):
        catalog.set_retail_prices(partner, "pl", register="135", renew="134.99",
                                  transfer="135")
        catalog.set_retail_prices(partner, "com", register="160", renew="160", transfer="160")
    settings.save_seller_settings(acme, SELLER)
    settings.save_seller_settings(globex, replace(SELLER, name="Globex Ltd", language="en"))
    ann = subscriber(acme, "ann@example.com")
    gus = subscriber(globex, "gus@example.com", replace(ANN, name="Gus", email="gus@example.com"))
    db.session.commit()
    return {**two_partners, "ann": ann, "gus": gus}


def service(partner, holder, name: str, expires_in_days: float, kind: str = "domain",
            status: str = "active", auto_renew: bool = True) -> Service:
    held = Service(partner_id=partner.id, subscriber_id=holder.id, kind=kind, name=name,
                   backend="sandbox" if kind == "domain" else "", status=status,
                   expires_at=NOW + timedelta(days=expires_in_days), auto_renew=auto_renew)
    db.session.add(held)
    db.session.commit()
    return held


def run(days: float = 0) -> renewals.Summary:
    summary = renewals.run(now=NOW + timedelta(days=days))
    db.session.expire_all()
    return summary


def proformas(partner=None) -> list[Document]:
    db.session.expire_all()
    query = select(Document).where(Document.kind == "proforma").order_by(Document.id)
    if partner is not None:
        query = query.where(Document.partner_id == partner.id)
    return list(db.session.scalars(query))


def mails() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def status(held: Service) -> str:
    db.session.expire_all()
    return db.session.get(Service, held.id).status


def test_one_proforma_per_term_at_the_lead_time_due_on_the_expiry(shop):
    acme, ann = shop["acme"], shop["ann"]
    domain = service(acme, ann, "ann-bakery.pl", 31)
    assert run().proformas == 0 and proformas() == []  # 31 days ahead: not yet (lead 30)
    summary = run(1.5)
    assert summary.proformas == 1
    [proforma] = proformas()
    assert proforma.purpose == "renewal" and proforma.status == "unpaid"
    assert proforma.due_on == domain.expires_at.date() and proforma.gross_minor == 13499
    [line] = proforma.lines
    assert (line.service_id, line.operation, line.term) == (domain.id, "renew", 1)
    assert line.period_from == domain.expires_at.date()
    assert run(2).proformas == 0 and len(proformas()) == 1  # a second run issues nothing
    # Renewed a year on: the next term gets its own proforma at its lead time.
    db.session.get(Service, domain.id).expires_at = domain.expires_at + timedelta(days=365)
    proforma.status = "paid"
    db.session.commit()
    assert run(2).proformas == 0
    assert run(367).proformas == 1 and len(proformas()) == 2


def test_an_unpaid_renewal_proforma_is_not_duplicated_and_auto_renew_off_gets_none(shop):
    acme, ann = shop["acme"], shop["ann"]
    asked = service(acme, ann, "ann-asked.pl", 10)
    service(acme, ann, "ann-manual.pl", 10, auto_renew=False)
    service(acme, ann, "ann-pending.pl", 10, status="pending")
    manual = checkout.renewal(acme, ann, asked, 1)
    db.session.commit()
    assert run().proformas == 0
    assert [p.id for p in proformas()] == [manual.id]
    notice = db.session.scalar(select(RenewalNotice).where(RenewalNotice.kind == "proforma"))
    assert notice.service_id == asked.id and notice.document_id == manual.id


def test_a_proforma_that_cannot_be_issued_is_tried_again_on_the_next_run(shop):
    acme = shop["acme"]
    bob = subscriber(acme, "bob@example.com", profile=None)
    db.session.commit()
    service(acme, bob, "bob-shop.pl", 5)
    summary = run()
    assert (summary.proformas, summary.skipped) == (0, 1) and proformas() == []
    save_profile(acme, db.session.get(Subscriber, bob.id), replace(ANN, name="Bob"))
    db.session.commit()
    assert run(0.5).proformas == 1


def test_reminders_14_7_1_days_before_and_3_after_each_once_in_the_partners_language(shop):
    acme, ann = shop["acme"], shop["ann"]
    domain = service(acme, ann, "ann-bakery.pl", 20)
    run()  # the proforma, 20 days ahead: no reminder yet
    [proforma] = proformas()
    assert mails() == []
    sent = []
    for days, kind in ((6.5, "remind-14"), (13.5, "remind-7"), (19.5, "remind-1"),
                       (23.5, "expired+3")):
        assert run(days).reminders == 1, kind
        assert run(days + 0.1).reminders == 0, kind  # a second run sends nothing
        sent.append(mails()[-1])
    assert len(mails()) == 4
    assert {mail.to_email for mail in sent} == {"ann.billing@example.com"}
    for mail in sent:
        assert "ann-bakery.pl" in mail.subject and "22 grudnia 2026" in mail.subject
        assert proforma.number in mail.body and "134,99\xa0zł" in mail.body
        assert f"http://acme.localhost/account/proformas/{proforma.id}" in mail.body
    assert len({mail.subject for mail in sent}) == 2 and status(domain) == "blocked"
    kinds = db.session.scalars(select(RenewalNotice.kind).order_by(RenewalNotice.id))
    assert list(kinds) == ["proforma", "remind-14", "remind-7", "remind-1", "expired+3"]


def test_reminders_in_english_to_the_account_email_and_a_late_run_skips_stale_ones(shop):
    globex, gus = shop["globex"], shop["gus"]
    service(globex, gus, "gus-shop.com", 5)
    assert run().reminders == 1  # 5 days ahead: the 7-day reminder only, not the 14-day one
    [mail] = mails()
    assert mail.to_email == "gus@example.com" and mail.partner_id == globex.id
    assert "December 7, 2026" in mail.subject and "PLN\xa0160.00" in mail.body
    assert "expires on" in mail.subject
    assert db.session.scalar(select(func.count()).select_from(RenewalNotice)
                             .where(RenewalNotice.kind == "remind-14")) == 0


def test_no_reminder_without_an_unpaid_proforma(shop):
    acme, ann = shop["acme"], shop["ann"]
    service(acme, ann, "ann-paid.pl", 10)
    run()
    [proforma] = proformas()
    assert len(mails()) == 1
    proforma.status = "paid"
    db.session.commit()
    assert run(4).reminders == 0  # paid, its renewal on the way: no 7-day reminder


def test_two_concurrent_runs_issue_one_proforma_and_one_reminder_per_term(app, shop):
    acme, globex = shop["acme"], shop["globex"]
    held = [service(acme, shop["ann"], f"ann-{n}.pl", 10) for n in range(6)]
    held += [service(globex, shop["gus"], f"gus-{n}.com", 10) for n in range(4)]
    errors: list[BaseException] = []
    summaries: list[renewals.Summary] = []
    start = threading.Barrier(2)

    def cron() -> None:
        try:
            with app.app_context():
                start.wait()
                summaries.append(renewals.run(now=NOW, batch=3))
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    threads = [threading.Thread(target=cron) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sum(s.proformas for s in summaries) == 10
    assert sum(s.reminders for s in summaries) == 10
    issued = proformas()
    assert sorted(line.service_id for p in issued for line in p.lines) == sorted(
        s.id for s in held)
    for partner, count in ((acme, 6), (globex, 4)):
        numbers = sorted(p.sequence for p in issued if p.partner_id == partner.id)
        assert numbers == list(range(1, count + 1))
    sent = mails()
    assert len(sent) == 10 and len({(m.to_email, m.subject) for m in sent}) == 10


def test_a_run_that_read_its_services_before_another_committed_sends_nothing_twice(
        shop, monkeypatch):
    """What an overlapping run sees: services another run is handling right now. Only the claim
    stands between them and a second proforma or mail (on SQLite runs take turns to write, so the
    threads above rarely overlap this closely)."""
    acme, ann = shop["acme"], shop["ann"]
    held = service(acme, ann, "ann-race.pl", 10)
    first = run()
    assert (first.proformas, first.reminders) == (1, 1)
    monkeypatch.setattr(renewals, "_noticed", lambda kind: false())
    second = run()
    assert (second.proformas, second.reminders) == (0, 0)
    assert len(proformas()) == 1 and len(mails()) == 1
    assert renewals.claim(acme.id, held.id, held.expires_at, "remind-7") is not None
    assert renewals.claim(acme.id, held.id, held.expires_at, "remind-7") is None
    db.session.rollback()


def test_expiry_moves_follow_each_partners_cut_offs(shop):
    acme, ann, globex, gus = shop["acme"], shop["ann"], shop["globex"], shop["gus"]
    settings.save_seller_settings(acme, replace(SELLER, grace_days=10, hosting_suspend_days=3,
                                                hosting_terminate_days=20))
    db.session.commit()
    pl = service(acme, ann, "ann.pl", 0.5)
    com_pl = service(acme, ann, "ann.com.pl", 0.5)
    com = service(acme, ann, "ann.com", 0.5)
    hosting = service(acme, ann, "Hosting S", 0.5, kind="hosting")
    ssl = service(acme, ann, "SSL DV", 0.5, kind="ssl")
    no_renew = service(acme, ann, "ann-off.com", 0.5, auto_renew=False)
    other = service(globex, gus, "gus.com", 0.5)  # Globex keeps the default 30 days' grace
    other_hosting = service(globex, gus, "Hosting M", 0.5, kind="hosting")
    assert run().moved == 0
    run(1)
    assert [status(s) for s in (pl, com_pl, com, hosting, ssl, no_renew, other, other_hosting)
            ] == ["blocked", "blocked", "grace", "active", "expired", "grace", "grace", "active"]
    run(4)
    assert status(hosting) == "suspended" and status(other_hosting) == "active"
    run(9)
    assert status(other_hosting) == "suspended"
    run(11)
    assert [status(s) for s in (pl, com, no_renew, other)] == [
        "blocked", "terminated", "terminated", "grace"]
    run(21)
    assert status(hosting) == "terminated" and status(other_hosting) == "suspended"
    run(31)
    assert [status(s) for s in (pl, com_pl, other, other_hosting)] == [
        "terminated", "terminated", "terminated", "terminated"]
    summary = run(40)
    assert summary.moved == 0  # terminated stays terminated


def test_a_service_found_long_expired_goes_straight_to_its_last_state(shop):
    acme, ann = shop["acme"], shop["ann"]
    old = service(acme, ann, "old.pl", -40)
    gone = service(acme, ann, "gone.com", -40)
    assert run().moved == 2
    assert status(old) == "terminated" and status(gone) == "terminated"


def test_grace_days_46_is_refused_with_a_message(shop, client, login):
    with pytest.raises(InvalidInput) as refused:
        settings.save_seller_settings(shop["acme"], replace(SELLER, grace_days=46))
    assert refused.value.field == "grace_days" and "between 0 and 45 days" in refused.value.message
    with pytest.raises(InvalidInput) as refused:
        settings.clean_fields(replace(SELLER, hosting_suspend_days=10, hosting_terminate_days=5))
    assert refused.value.field == "hosting_terminate_days"
    db.session.rollback()
    login(client, shop["acme_owner"])
    form = {name: str(getattr(SELLER, name)) for name in (
        "name", "street", "postal_code", "city", "country", "tax_id", "bank_account",
        "bank_name", "vat_rate", "language")}
    form |= {"renewal_lead_days": "30", "invoice_note": "", "hosting_suspend_days": "7",
             "hosting_terminate_days": "30"}
    page = client.get("/panel/acme/billing/settings").get_data(as_text=True)
    assert 'name="grace_days"' in page and 'value="30"' in page
    response = client.post("/panel/acme/billing/settings", data={**form, "grace_days": "46"})
    assert response.status_code == 400
    assert "between 0 and 45 days" in response.get_data(as_text=True)
    db.session.expire_all()
    assert settings.seller_settings(shop["acme"]).grace_days == 30
    response = client.post("/panel/acme/billing/settings", data={**form, "grace_days": "0"})
    assert response.status_code == 303
    db.session.expire_all()
    assert settings.seller_settings(shop["acme"]).grace_days == 0


def test_flask_renewals_prints_a_summary(app, shop):
    service(shop["acme"], shop["ann"], "ann-cli.pl", -1)
    result = app.test_cli_runner().invoke(args=["renewals"])
    assert result.exit_code == 0, result.output
    assert "1 proformas issued" in result.output and "1 services moved" in result.output
