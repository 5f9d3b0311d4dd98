"""Registrar backends: the sandbox, the EPP client against a real TLS server, and the
availability check that asks them concurrently, in as few round trips as each allows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

import storefront.registrars.models  # noqa: F401  (conftest's create_all needs the table)
from storefront.db import db
from storefront.registrars import (
    AuthCodeInvalid,
    AvailabilityState,
    DomainNotAvailable,
    Registrant,
    RegistrarUnavailable,
    check_availability,
    close_backends,
    get_backend,
)
from storefront.registrars.cache import AvailabilityCache
from storefront.registrars.models import SandboxRegistration
from storefront.registrars.sandbox import SandboxBackend
from tests.epp_server import CLIENT_ID, PASSWORD, EppServer, make_certificate

TWENTY_TLDS = ["com", "net", "org", "pl", "com.pl", "net.pl", "org.pl", "waw.pl", "eu", "de",
               "io", "dev", "app", "info", "biz", "shop", "online", "store", "tech", "xyz"]
JAN = Registrant(name="Jan Kowalski", email="jan@example.pl", city="Warszawa",
                 street="Marszałkowska 1", postal_code="00-001", country_code="PL")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple:
    return make_certificate(tmp_path_factory.mktemp("epp-tls"))


@pytest.fixture
def epp_server(certificate) -> Iterator[EppServer]:
    with EppServer(*certificate, taken=("taken.com",), premium={"gold.com": "1500.00"}) as server:
        yield server


@pytest.fixture
def use_backends(app) -> Iterator[Callable[..., None]]:
    """Configure REGISTRAR_BACKENDS for this test; logs out of every backend afterwards."""

    def configure(backends: dict, cache_seconds: float = 60) -> None:
        close_backends(app)
        app.config["REGISTRAR_BACKENDS"] = backends
        app.config["AVAILABILITY_CACHE_SECONDS"] = cache_seconds

    yield configure
    close_backends(app)


def epp(server: EppServer, certificate: tuple, **extra) -> dict:
    return {"kind": "epp", "host": server.host, "port": server.port, "client_id": CLIENT_ID,
            "password": PASSWORD, "ca_file": str(certificate[0]), "timeout": 2, **extra}


# --- EPP ------------------------------------------------------------------------------------


def test_twenty_tld_group_takes_one_check_round_trip(epp_server, certificate, use_backends):
    use_backends({"registry": epp(epp_server, certificate)})
    names = [f"myshop.{tld}" for tld in TWENTY_TLDS]

    answers = check_availability({"registry": names}, timeout=5)

    assert epp_server.commands["check"] == 1
    assert epp_server.checked == [names]
    assert set(answers) == set(names)
    assert all(answer.state is AvailabilityState.AVAILABLE for answer in answers.values())


def test_epp_answers_taken_and_premium_with_price(epp_server, certificate, use_backends):
    use_backends({"registry": epp(epp_server, certificate)})

    answers = check_availability({"registry": ["taken.com", "gold.com", "Fresh.com"]}, timeout=5)

    assert answers["taken.com"].state is AvailabilityState.TAKEN
    assert answers["taken.com"].reason == "In use"
    assert answers["gold.com"].state is AvailabilityState.PREMIUM
    assert (answers["gold.com"].price_minor, answers["gold.com"].currency) == (150_000, "USD")
    assert answers["Fresh.com"].state is AvailabilityState.AVAILABLE
    assert epp_server.commands["check"] == 1


def test_epp_create_then_check_shows_taken(epp_server, certificate, use_backends):
    use_backends({"registry": epp(epp_server, certificate)})
    assert check_availability({"registry": ["newname.pl"]}, 5)["newname.pl"].can_register

    record = get_backend("registry").register("newname.pl", 2, JAN)

    assert record.expires_at is not None and record.expires_at.year >= 2027
    assert epp_server.commands["create"] == 2  # the registrant contact, then the domain
    # Registering forgot the cached "available": the next search asks the registry again.
    assert check_availability({"registry": ["newname.pl"]}, 5)["newname.pl"].state == "taken"
    assert epp_server.commands["check"] == 2
    with pytest.raises(DomainNotAvailable):
        get_backend("registry").register("newname.pl", 1, JAN)


def test_epp_renew_info_and_transfer(epp_server, certificate, use_backends):
    use_backends({"registry": epp(epp_server, certificate)})
    backend = get_backend("registry")
    created = backend.register("renewme.com", 1, JAN)

    renewed = backend.renew("renewme.com", 3)
    info = backend.info("renewme.com")

    assert renewed.expires_at.year == created.expires_at.year + 3
    assert info.expires_at == renewed.expires_at
    assert info.auth_code and info.statuses == ("ok",)
    with pytest.raises(AuthCodeInvalid):
        backend.transfer("taken.com", "wrong-code")
    assert backend.transfer("taken.com", "their-code1").transfer_status == "pending"
    assert epp_server.commands["login"] == 1  # one session served every command


def test_epp_reconnects_when_the_registry_drops_the_session(epp_server, certificate,
                                                             use_backends):
    use_backends({"registry": epp(epp_server, certificate)}, cache_seconds=0)
    check_availability({"registry": ["one.com"]}, 5)

    epp_server.drop_connections()
    answers = check_availability({"registry": ["one.com"]}, 5)

    assert answers["one.com"].state is AvailabilityState.AVAILABLE
    assert epp_server.commands["login"] == 2


def test_epp_splits_only_past_its_batch_size(epp_server, certificate, use_backends):
    use_backends({"registry": epp(epp_server, certificate, max_check_names=8)})

    check_availability({"registry": [f"myshop.{tld}" for tld in TWENTY_TLDS]}, timeout=5)

    assert [len(batch) for batch in epp_server.checked] == [8, 8, 4]


def test_slow_backend_marks_only_its_names_unknown(certificate, use_backends):
    with EppServer(*certificate, check_delay=30) as slow:
        use_backends({"sandbox": {"kind": "sandbox"}, "slow": epp(slow, certificate)})

        answers = check_availability(
            {"sandbox": ["free-one.pl", "example.pl"], "slow": ["anything.com", "other.net"]},
            timeout=0.5,
        )

        assert answers["free-one.pl"].state is AvailabilityState.AVAILABLE
        assert answers["example.pl"].state is AvailabilityState.TAKEN
        assert answers["anything.com"].state is AvailabilityState.UNKNOWN
        assert answers["other.net"].state is AvailabilityState.UNKNOWN
        assert slow.commands["check"] == 1
    # Leaving the block stopped the server, which ends the hung check; the fixture logs out.


def test_failing_backend_and_unknown_backend_never_raise(use_backends):
    use_backends({"down": {"kind": "sandbox", "failure_rate": 1.0, "seed": 1},
                  "up": {"kind": "sandbox"}})

    answers = check_availability(
        {"down": ["free-a.pl"], "up": ["free-b.pl"], "missing": ["free-c.pl"]}, timeout=5)

    assert answers["free-a.pl"].state is AvailabilityState.UNKNOWN
    assert "simulated" in answers["free-a.pl"].reason
    assert answers["free-b.pl"].state is AvailabilityState.AVAILABLE
    assert answers["free-c.pl"].reason == "no registrar backend named 'missing'"


# --- the cache ------------------------------------------------------------------------------


def test_cache_avoids_a_second_round_trip(epp_server, certificate, use_backends):
    use_backends({"registry": epp(epp_server, certificate), "sandbox": {"kind": "sandbox"}})
    ask = {"registry": ["cached.com", "cached.net"], "sandbox": ["free-x.pl"]}

    first = check_availability(ask, timeout=5)
    second = check_availability(ask, timeout=5)

    assert first == second
    assert epp_server.commands["check"] == 1
    assert get_backend("sandbox").round_trips == 1


def test_unknown_answers_are_not_cached(use_backends):
    use_backends({"down": {"kind": "sandbox", "failure_rate": 1.0}})

    check_availability({"down": ["free-a.pl"]}, timeout=5)
    check_availability({"down": ["free-a.pl"]}, timeout=5)

    assert get_backend("down").round_trips == 2


def test_cache_expires_and_stays_bounded():
    now = [0.0]
    cache = AvailabilityCache(ttl_seconds=60, max_entries=2, clock=lambda: now[0])
    answer = SandboxBackend().answer_for("free-a.pl")
    cache.put("a.pl", answer)
    cache.put("b.pl", answer)
    cache.put("c.pl", answer)

    assert cache.get("a.pl") is None and len(cache) == 2
    now[0] = 61
    assert cache.get("c.pl") is None


# --- the sandbox ----------------------------------------------------------------------------


def test_sandbox_is_deterministic(app):
    names = [f"name{i}.{tld}" for i in range(30) for tld in ("pl", "com")]
    first, second = SandboxBackend(), SandboxBackend()

    answers = first.check(names)

    assert answers == second.check(names)
    states = {answer.state for answer in answers.values()}
    assert {AvailabilityState.AVAILABLE, AvailabilityState.TAKEN} <= states
    fixed = first.check(["google.pl", "example.com", "shop.pl", "premium-x.com", "free-x.com"])
    assert [a.state.value for a in fixed.values()] == [
        "taken", "taken", "premium", "premium", "available"]
    assert fixed["shop.pl"].price_minor == second.check(["shop.pl"])["shop.pl"].price_minor


def test_sandbox_failures_repeat_with_the_same_seed(app):
    def outcomes(backend: SandboxBackend) -> list[bool]:
        results = []
        for _ in range(20):
            try:
                backend.check(["free-a.pl"])
                results.append(True)
            except RegistrarUnavailable:
                results.append(False)
        return results

    first = outcomes(SandboxBackend(failure_rate=0.5, seed=42))

    assert first == outcomes(SandboxBackend(failure_rate=0.5, seed=42))
    assert True in first and False in first


def test_sandbox_persists_registrations(app, use_backends):
    use_backends({"sandbox": {"kind": "sandbox"}})
    backend = get_backend("sandbox")
    assert check_availability({"sandbox": ["free-mine.pl"]}, 5)["free-mine.pl"].can_register

    record = backend.register("free-mine.pl", 1, JAN)
    db.session.commit()

    row = db.session.scalars(select(SandboxRegistration)).one()
    assert (row.name, row.auth_code) == ("free-mine.pl", record.auth_code)
    # Another backend instance (another process, say) reads it from the database.
    assert SandboxBackend().check(["free-mine.pl"])["free-mine.pl"].state == "taken"
    assert check_availability({"sandbox": ["free-mine.pl"]}, 5)["free-mine.pl"].state == "taken"
    with pytest.raises(DomainNotAvailable):
        backend.register("free-mine.pl", 1, JAN)
    renewed = backend.renew("free-mine.pl", 2)
    assert renewed.expires_at - record.expires_at >= timedelta(days=730)
    with pytest.raises(AuthCodeInvalid):
        backend.transfer("free-mine.pl", "not-the-code")
    moved = backend.transfer("free-mine.pl", record.auth_code)
    assert moved.auth_code != record.auth_code
    assert backend.info("free-mine.pl").expires_at == renewed.expires_at


def test_sandbox_twenty_names_at_150_ms_take_one_round_trip(use_backends):
    use_backends({"sandbox": {"kind": "sandbox", "latency_ms": 150}})

    answers = check_availability({"sandbox": [f"myshop.{tld}" for tld in TWENTY_TLDS]}, 5)

    assert len(answers) == 20 and all(answer.is_known for answer in answers.values())
    assert get_backend("sandbox").round_trips == 1
