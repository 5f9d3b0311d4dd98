"""Background jobs: enqueue in the transaction of the work that needs them, run after it commits.

`enqueue(kind, payload, partner)` adds a `Job` row in the current transaction, so a job exists
exactly when the change that asked for it was saved (a rolled-back request queues nothing). A
worker (`flask run-jobs [--loop]`) claims due jobs with one statement, `UPDATE … WHERE id IN
(SELECT … FOR UPDATE SKIP LOCKED) RETURNING …` (on SQLite, where writes take turns, the same
statement without the locking clause is just as safe), so concurrent workers never take the same
job. A claim is a lease of `LEASE_SECONDS`: a worker that dies leaves its job to be claimed again.

Each job runs in a transaction of its own: the handler's changes and the job's "done" commit
together. A handler that raises has its changes rolled back; the job waits for its next attempt
(30 s, 1 min, 2 min, … at most an hour later) or, after `max_attempts`, is marked failed with the
error kept, until someone retries it (`retry`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from storefront.db import db, utcnow
from storefront.models.jobs import Job

Handler = Callable[[dict[str, Any], int | None], None]
# Told of every failed attempt, in a transaction of its own after the attempt rolled back:
# (payload, partner_id, error, gave_up), so the work's owner can show it (a service "activation
# failed") while the job still retries.
FailureHandler = Callable[[dict[str, Any], int | None, str, bool], None]
HANDLERS: dict[str, Handler] = {}
FAILURE_HANDLERS: dict[str, FailureHandler] = {}
log = logging.getLogger(__name__)
LEASE_SECONDS = 300
FIRST_RETRY_SECONDS = 30
LONGEST_RETRY_SECONDS = 3600


def handler(kind: str, on_failure: FailureHandler | None = None
            ) -> Callable[[Handler], Handler]:
    """Register `fn(payload, partner_id)` as what runs a job of this kind, and `on_failure` as
    what is told when an attempt fails."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        if on_failure is not None:
            FAILURE_HANDLERS[kind] = on_failure
        return fn

    return register


def enqueue(kind: str, payload: dict[str, Any] | None = None, partner_id: int | None = None,
            delay_seconds: float = 0, max_attempts: int = 8) -> Job:
    """Queue a job in the current transaction: it runs once that transaction commits."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler for job kind {kind!r}")
    job = Job(kind=kind, payload=payload or {}, partner_id=partner_id,
              run_at=utcnow() + timedelta(seconds=delay_seconds), max_attempts=max_attempts)
    db.session.add(job)
    db.session.flush()
    return job


def claim(limit: int = 10, now: datetime | None = None) -> list[int]:
    """Take up to `limit` due jobs for this worker, in a transaction of their own; their ids."""
    now = now or utcnow()
    due = (
        select(Job.id)
        .where(or_((Job.status == "queued") & (Job.run_at <= now),
                   (Job.status == "running") & (Job.locked_until < now)))
        .order_by(Job.run_at, Job.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    statement = (
        update(Job)
        .where(Job.id.in_(due))
        .values(status="running", attempts=Job.attempts + 1,
                locked_until=now + timedelta(seconds=LEASE_SECONDS))
        .returning(Job.id)
    )
    with db.engine.begin() as connection:
        return sorted(connection.execute(statement).scalars())


def run_due(limit: int = 10) -> int:
    """Claim and run due jobs; how many ran (done or not)."""
    ids = claim(limit)
    for job_id in ids:
        _run(job_id)
    return len(ids)


def _run(job_id: int) -> None:
    # Claimed on another connection: read the row as it is now, not as this session last saw it.
    job = db.session.get(Job, job_id, populate_existing=True)
    if job is None or job.status != "running":
        db.session.rollback()
        return
    kind, payload, partner_id = job.kind, dict(job.payload), job.partner_id
    try:
        HANDLERS[kind](payload, partner_id)
        job.status, job.finished_at, job.locked_until = "done", utcnow(), None
        db.session.commit()
    except Exception as error:  # noqa: BLE001 - any failure of a handler is the job's to report
        db.session.rollback()
        _failed(job_id, f"{type(error).__name__}: {error}"[:2000])


def _failed(job_id: int, error: str) -> None:
    job = db.session.get(Job, job_id, populate_existing=True)
    if job is None:
        return
    job.last_error = error
    job.locked_until = None
    gave_up = job.attempts >= job.max_attempts
    if gave_up:
        job.status, job.finished_at = "failed", utcnow()
    else:
        job.status = "queued"
        job.run_at = utcnow() + timedelta(seconds=retry_delay(job.attempts))
    kind, payload, partner_id = job.kind, dict(job.payload), job.partner_id
    db.session.commit()
    told = FAILURE_HANDLERS.get(kind)
    if told is None:
        return
    try:
        told(payload, partner_id, error, gave_up)
        db.session.commit()
    except Exception:  # noqa: BLE001 - the job's own record is saved; this is only a report
        db.session.rollback()
        log.exception("reporting the failure of job %s failed", job_id)


def retry_delay(attempts: int) -> int:
    """Seconds before the next attempt after `attempts` failed ones: 30, 60, 120, … 3600."""
    return min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), LONGEST_RETRY_SECONDS)


def retry(job: Job) -> None:
    """Run a failed (or waiting) job again as soon as a worker is free, with fresh attempts."""
    if job.status in ("done", "running"):
        raise ValueError(f"a {job.status} job is not retried")
    job.status, job.run_at, job.attempts, job.finished_at = "queued", utcnow(), 0, None
    db.session.flush()
