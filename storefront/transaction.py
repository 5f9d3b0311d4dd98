"""One transaction per request, and work that runs only after it commits.

- The request commits once, after the view, when its response is a success or a redirect (status
  below 400); an exception or an error response rolls back. Views never call `commit()` or
  `rollback()`; services flush.
- `after_commit(fn)` registers work that must happen only if the data is saved (clear a cache,
  wake a worker). It runs after the commit succeeds and is dropped on a rollback. It runs outside
  the transaction: it must not use `db.session` (a mail or a job is a row written in the
  transaction itself; `after_commit` is for what lives outside the database).
- `submit(form, action)` runs a service call for a form: an `InvalidInput` rolls back and puts its
  message next to the field it names, so the view re-renders the form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response
from flask_wtf import FlaskForm
from sqlalchemy import event
from sqlalchemy.orm import Session

from storefront.db import db
from storefront.forms import add_error
from storefront.services.errors import InvalidInput

T = TypeVar("T")
_PENDING = "after_commit"


def after_commit(work: Callable[[], None], session: Session | None = None) -> None:
    """Run `work` once the current transaction commits; never if it rolls back."""
    target = session if session is not None else db.session()
    target.info.setdefault(_PENDING, []).append(work)


@event.listens_for(Session, "after_commit")
def _run_pending(session: Session) -> None:
    for work in session.info.pop(_PENDING, ()):
        work()


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


class Failed:
    """What `submit` returns when the service refused the input (the form holds the message)."""

    def __bool__(self) -> bool:
        return False


FAILED = Failed()


def submit(form: FlaskForm, action: Callable[[], T]) -> T | Failed:
    """`action()`, or FAILED after rolling back and attaching its InvalidInput to `form`."""
    try:
        return action()
    except InvalidInput as error:
        db.session.rollback()
        add_error(form, error.field, error.message)
        return FAILED


def refused(result: object) -> bool:
    return isinstance(result, Failed)


def _finish(response: Response) -> Response:
    """Commit the request's work, or roll it back when the response is an error."""
    if not db.session.registry.has():
        return response
    session = db.session()
    if not session.in_transaction():
        return response
    if response.status_code < 400:
        session.commit()
    else:
        session.rollback()
    return response


def init_app(app: Flask) -> None:
    # Registered first, so it runs last of the after-request hooks: the response is complete.
    app.after_request(_finish)
