"""The tenancy module: scoped getters, the ORM backstop, the host cache and its invalidation."""

import pytest
from sqlalchemy import event, select
from werkzeug.exceptions import NotFound

from cms_pages.models import Page
from storefront.caches import caches_of
from storefront.db import db
from storefront.tenancy import enter_tenant, get_for_partner


def test_backstop_hides_other_partners_rows_even_without_a_filter(app, two_partners):
    acme, globex = two_partners["acme"], two_partners["globex"]
    with app.app_context(), app.test_request_context(headers={"Host": "acme.localhost"}):
        enter_tenant(acme.id)
        owners = {page.partner_id for page in db.session.scalars(select(Page))}
        assert owners == {acme.id}
        globex_page = db.session.scalar(select(Page).where(Page.partner_id == globex.id))
        assert globex_page is None
    with app.app_context(), app.test_request_context(headers={"Host": "localhost"}):
        owners = {page.partner_id for page in db.session.scalars(select(Page))}
        assert owners == {acme.id, globex.id}


def test_get_for_partner_is_404_for_another_partners_object(app, two_partners):
    acme, globex = two_partners["acme"], two_partners["globex"]
    globex_page = db.session.scalar(select(Page).where(Page.partner_id == globex.id))
    assert get_for_partner(Page, globex_page.id, globex.id) is not None
    for bad in (globex_page.id, "x", None, "1 OR 1=1"):
        with pytest.raises(NotFound):
            get_for_partner(Page, bad, acme.id)


@pytest.fixture
def statements(app):
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


@pytest.mark.parametrize(
    "app_config", [{"PAGE_CACHE_SECONDS": 10}, {"PAGE_CACHE_SECONDS": 0}], indirect=True,
    ids=["page cache on", "page cache off: host and content caches alone"],
)
def test_warm_storefront_home_runs_no_query(app, two_partners, host_client, statements):
    site = host_client("acme.localhost")
    assert site.get("/").status_code == 200
    statements.clear()
    home = site.get("/")
    assert home.status_code == 200 and "Acme Hosting" in home.get_data(as_text=True)
    assert statements == []
    assert len(caches_of(app).pages) == (1 if app.config["PAGE_CACHE_SECONDS"] else 0)


def test_unknown_host_costs_one_query_then_none(two_partners, host_client, statements):
    site = host_client("nobody.localhost")
    assert site.get("/").status_code == 404
    assert len(statements) == 1
    statements.clear()
    assert site.get("/").status_code == 404
    assert statements == []


def test_suspension_takes_effect_at_once_in_this_process(two_partners, host_client):
    site = host_client("acme.localhost")
    assert site.get("/").status_code == 200
    two_partners["acme"].status = "suspended"
    db.session.commit()
    page = site.get("/")
    assert page.status_code == 503
    assert "Acme" not in page.get_data(as_text=True)
    assert host_client("globex.localhost").get("/").status_code == 200
