"""Background jobs: queued with the work that asks for them, each run once by concurrent workers,
retried with backoff after a failure, and claimable again when a worker died."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from storefront import jobs
from storefront.db import db, utcnow
from storefront.models import Job, OutboxMessage
from storefront.services.outbox import queue_email

FAILS_LEFT: dict[str, int] = {}


@pytest.fixture(autouse=True)
def handlers():
    """Two test handlers: one queues a mail (a visible effect), one fails a set number of times."""

    def mail(payload, partner_id):
        queue_email(payload["to"], "Hello", "A job's mail", partner_id)

    def flaky(payload, partner_id):
        queue_email("flaky@example.com", "Attempt", "", partner_id)
        if FAILS_LEFT.get(payload["name"], 0) > 0:
            FAILS_LEFT[payload["name"]] -= 1
            raise RuntimeError("registry unreachable")

    jobs.handler("test-mail")(mail)
    jobs.handler("test-flaky")(flaky)
    yield
    jobs.HANDLERS.pop("test-mail")
    jobs.HANDLERS.pop("test-flaky")
    FAILS_LEFT.clear()


def mails(to: str | None = None) -> int:
    query = select(func.count()).select_from(OutboxMessage)
    if to:
        query = query.where(OutboxMessage.to_email == to)
    return db.session.scalar(query) or 0


def test_a_job_queued_by_a_rolled_back_transaction_never_runs(app):
    jobs.enqueue("test-mail", {"to": "kept@example.com"})
    db.session.commit()
    jobs.enqueue("test-mail", {"to": "lost@example.com"})
    db.session.rollback()
    assert jobs.run_due() == 1
    assert mails("kept@example.com") == 1 and mails("lost@example.com") == 0
    assert jobs.run_due() == 0  # done jobs stay done


def test_an_unknown_kind_is_refused_at_once(app):
    with pytest.raises(ValueError):
        jobs.enqueue("no-such-kind")


def test_concurrent_workers_run_every_job_exactly_once(app):
    for n in range(40):
        jobs.enqueue("test-mail", {"to": f"user{n}@example.com"})
    db.session.commit()
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def worker() -> None:
        try:
            with app.app_context():
                start.wait()
                while jobs.run_due(limit=3):
                    pass
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    db.session.expire_all()
    assert mails() == 40
    assert all(mails(f"user{n}@example.com") == 1 for n in range(40))
    assert db.session.scalar(select(func.count()).where(Job.status == "done")) == 40
    assert set(db.session.scalars(select(Job.attempts))) == {1}


def test_a_failing_job_is_retried_with_backoff_then_gives_up_and_can_be_retried(app):
    FAILS_LEFT["a"] = 99
    job = jobs.enqueue("test-flaky", {"name": "a"}, max_attempts=3)
    db.session.commit()
    job_id = job.id
    delays = []
    for attempt in range(1, 4):
        before = utcnow()
        assert jobs.run_due() == 1
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        assert job.attempts == attempt and "registry unreachable" in job.last_error
        if attempt < 3:
            assert job.status == "queued"
            delays.append(round((job.run_at - before).total_seconds()))
            assert jobs.run_due() == 0  # not before its time
            job.run_at = utcnow()  # the clock moves on
            db.session.commit()
    assert delays == [30, 60]
    assert job.status == "failed" and job.finished_at is not None
    assert mails("flaky@example.com") == 0  # a failed attempt's changes were rolled back
    assert jobs.run_due() == 0  # a failed job waits for a person
    FAILS_LEFT["a"] = 0
    jobs.retry(job)
    db.session.commit()
    assert jobs.run_due() == 1
    db.session.expire_all()
    assert db.session.get(Job, job_id).status == "done"
    assert mails("flaky@example.com") == 1


def test_a_job_whose_worker_died_is_claimed_again_after_its_lease(app):
    job = jobs.enqueue("test-mail", {"to": "late@example.com"})
    db.session.commit()
    assert jobs.claim() == [job.id]  # this worker dies before running it
    assert jobs.run_due() == 0  # leased to the dead worker
    db.session.execute(update(Job).values(locked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert jobs.run_due() == 1
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == "done" and job.attempts == 2
    assert mails("late@example.com") == 1


def test_retry_delays_grow_and_are_capped():
    assert [jobs.retry_delay(n) for n in (1, 2, 3, 4, 10, 20)] == [30, 60, 120, 240, 3600, 3600]


def test_flask_run_jobs(app):
    jobs.enqueue("test-mail", {"to": "cli@example.com"})
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["run-jobs"])
    assert result.exit_code == 0 and "Ran 1 jobs." in result.output
    assert mails("cli@example.com") == 1
