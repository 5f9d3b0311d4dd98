"""Where rate-limit attempts are counted: in the database by default, where every worker process
and machine sees them (two real server processes prove it), or in the storage that
RATELIMIT_STORAGE_URI names. The count survives the request's rollback, starts again when its
window ends, and expired counts are swept away."""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from storefront.db import db
from storefront.models import RateLimitCounter
from tests.test_caddy import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
WRONG = {"email": "staff@example.com", "password": "wrong password"}


def counters() -> int:
    return db.session.scalar(select(func.count()).select_from(RateLimitCounter))


def login_attempt(app, address: str = "192.0.2.1", data: dict = WRONG) -> int:
    response = app.test_client().post("/login", data=data, headers={"Host": "localhost"},
                                      environ_base={"REMOTE_ADDR": address})
    return response.status_code


@pytest.fixture
def two_apps(app, extra_app) -> list:
    """Two app instances on the test database: two workers of one deployment."""
    return [extra_app(RATELIMIT_ENABLED=True), extra_app(RATELIMIT_ENABLED=True)]


def test_attempts_count_in_the_database_and_survive_the_requests_rollback(two_apps):
    for n in range(10):
        # A wrong password answers 400, which rolls the request's transaction back.
        assert login_attempt(two_apps[n % 2]) == 400
    assert counters() == 2  # this address, this account
    assert login_attempt(two_apps[0]) == 429
    assert login_attempt(two_apps[1]) == 429


def test_the_count_starts_again_when_the_window_ends(two_apps):
    for _ in range(10):
        login_attempt(two_apps[0])
    assert login_attempt(two_apps[0]) == 429
    db.session.execute(update(RateLimitCounter).values(window_ends=RateLimitCounter.window_ends
                                                       - 15 * 60))
    db.session.commit()
    assert login_attempt(two_apps[0]) == 400


def test_expired_counts_are_swept_away(app, extra_app):
    db.session.add_all([RateLimitCounter(key="login:address:192.0.2.50", window_ends=1, hits=3),
                        RateLimitCounter(key="login:address:192.0.2.51", window_ends=2**40,
                                         hits=3)])
    db.session.commit()
    assert login_attempt(extra_app(RATELIMIT_ENABLED=True)) == 400
    keys = set(db.session.scalars(select(RateLimitCounter.key)))
    assert "login:address:192.0.2.50" not in keys
    assert "login:address:192.0.2.51" in keys


def test_the_storage_uri_is_read_from_the_environment(app, extra_app, monkeypatch):
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    first, second = extra_app(RATELIMIT_ENABLED=True), extra_app(RATELIMIT_ENABLED=True)
    for _ in range(10):
        assert login_attempt(first) == 400
    assert login_attempt(first) == 429
    # memory:// counts per process (here: per app instance), and nothing in the database.
    assert login_attempt(second) == 400
    assert counters() == 0


def test_an_ipv6_client_counts_by_its_64(two_apps):
    for n in range(10):
        data = {**WRONG, "email": f"guess{n}@example.com"}
        assert login_attempt(two_apps[0], f"2001:db8:1:2::{n + 1:x}", data) == 400
    assert login_attempt(two_apps[0], "2001:db8:1:2:ffff::1", {**WRONG, "email": "a@b.c"}) == 429
    assert login_attempt(two_apps[0], "2001:db8:1:3::1", {**WRONG, "email": "a@b.c"}) == 400


# --- two real server processes ---------------------------------------------------------------


SERVE = ("import sys; from werkzeug.serving import make_server; from storefront import create_app;"
         " make_server('127.0.0.1', int(sys.argv[1]), create_app()).serve_forever()")


@pytest.fixture
def two_servers(app, database_url, tmp_path) -> Iterator[list[int]]:
    """Two server processes of the app as deployed (limits on, no test settings), on the test
    database: two workers, or two machines."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
           "PLATFORM_DOMAIN": "localhost", "PYTHONPATH": str(ROOT)}
    env.pop("RATELIMIT_STORAGE_URI", None)
    ports = [free_port(), free_port()]
    log = (tmp_path / "servers.log").open("w")
    processes = [subprocess.Popen([sys.executable, "-c", SERVE, str(port)], cwd=ROOT, env=env,
                                  stdout=log, stderr=subprocess.STDOUT) for port in ports]
    try:
        for port in ports:
            wait_for_port(port, 60)  # a loaded CI machine imports slowly
        yield ports
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
        log.close()


class Browser:
    """One visitor's cookies, sent to whichever server it asks."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def open(self, port: int, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(f"http://localhost:{port}{path}", data=body)
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode()


def test_a_limit_holds_across_two_worker_processes(two_servers):
    browser = Browser()
    _, page = browser.open(two_servers[0], "/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    wrong = {**WRONG, "csrf_token": token}
    for n in range(10):
        status, page = browser.open(two_servers[n % 2], "/login", wrong)
        assert status == 400 and "Wrong e-mail or password" in page
    for port in two_servers:
        status, page = browser.open(port, "/login", wrong)
        assert status == 429 and "Too many attempts" in page
