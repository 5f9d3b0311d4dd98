"""One transaction per request, and work that runs only after it commits.

- The request commits once, after the view and every other after-request hook, when its response
  is a success or a redirect (status below 400); an exception or an error response rolls back.
  Views never call `commit()` or `rollback()`; services flush. A HEAD runs the GET view and is
  treated the same. A streamed body runs after the commit: it may read, and anything it writes is
  rolled back when the app context ends (Flask-SQLAlchemy closes the session there).
- When the commit itself fails (a constraint checked at commit, a lost connection), the request
  answers 500 and the browser keeps the session cookie it came with: no "saved" flash and no
  login to an account that was rolled back.
- `after_commit(fn)` registers work that must happen only if the data is saved (clear a cache,
  wake a worker). It runs after the outermost transaction commits and is dropped when that, or the
  savepoint it was registered in, rolls back. It runs outside the transaction: it must not use
  `db.session` (a mail or a job is a row written in the transaction itself; `after_commit` is for
  what lives outside the database). A failing piece of work is logged; the rest still run, and the
  response stands, because the data is saved.
- `submit(form, action)` runs a service call for a form: an `InvalidInput` rolls the request back
  and puts its messages next to the fields they name, so the view re-renders the form (with a 4xx).
  It rolls back the whole request rather than to a savepoint: the refusal's response is an error
  that rolls back anyway, objects the page shows must be re-read as stored, and pysqlite would turn
  a savepoint opened before the first write into a commit of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request
from flask import session as cookie
from flask_wtf import FlaskForm
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from typing_extensions import TypeIs

from storefront.db import db
from storefront.forms import show_refusal
from storefront.services.errors import InvalidInput

T = TypeVar("T")
_PENDING = "after_commit"
log = logging.getLogger(__name__)


@dataclass
class _Work:
    run: Callable[[], None]
    savepoint: SessionTransaction | None  # the innermost savepoint when registered; None: the root


def after_commit(work: Callable[[], None], session: Session | None = None) -> None:
    """Run `work` once the current transaction commits; never if it rolls back."""
    target = session if session is not None else db.session()
    if not target.in_transaction():
        target.begin()
    pending = target.info.setdefault(_PENDING, [])
    pending.append(_Work(work, target.get_nested_transaction()))


def _enclosing_savepoint(transaction: SessionTransaction) -> SessionTransaction | None:
    parent = transaction.parent
    while parent is not None and not parent.nested:
        parent = parent.parent
    return parent


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    savepoint = session.get_nested_transaction()
    if savepoint is not None:
        # A released savepoint: its work now waits for the transaction around it.
        for work in session.info.get(_PENDING, ()):
            if work.savepoint is savepoint:
                work.savepoint = _enclosing_savepoint(savepoint)
        return
    for work in session.info.pop(_PENDING, ()):
        try:
            work.run()
        except Exception:
            log.exception("After-commit work %r failed; the data is saved", work.run)


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    """Drop the work of a transaction that ended without committing (committed work is gone)."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
    elif transaction.nested and _PENDING in session.info:
        session.info[_PENDING] = [
            work for work in session.info[_PENDING] if work.savepoint is not transaction
        ]


@dataclass(frozen=True)
class Failed:
    """What `submit` returns when the service refused the input (the form holds the messages)."""

    error: InvalidInput

    def __bool__(self) -> bool:
        return False


def submit(form: FlaskForm | None, action: Callable[[], T]) -> T | Failed:
    """`action()`; or, when it raises InvalidInput, roll back, show the messages on `form` (if
    any) and return Failed with the error."""
    try:
        return action()
    except InvalidInput as error:
        db.session.rollback()
        if form is not None:
            show_refusal(form, error)
        return Failed(error)


def refused(result: object) -> TypeIs[Failed]:
    return isinstance(result, Failed)


def _finish(response: Response) -> Response:
    """Commit the request's work, or roll it back when the response is an error."""
    if not db.session.registry.has():
        return response
    work = db.session()
    if not work.in_transaction():
        return response
    if response.status_code >= 400:
        work.rollback()
        return response
    try:
        work.commit()
    except Exception:
        work.rollback()
        _keep_cookie_as_it_came()
        raise
    return response


def _keep_cookie_as_it_came() -> None:
    """Forget what this request put in the session (a login, a flash): the error response then
    sends no new cookie."""
    as_it_came: Mapping[str, Any] = (
        current_app.session_interface.open_session(current_app, request) or {}
    )
    cookie.clear()
    cookie.update(as_it_came)
    cookie.modified = False


def init_app(app: Flask) -> None:
    # First in the list, so it runs after every app-level after-request hook (Flask runs them in
    # reverse): the status it judges is the one the browser gets. Blueprint hooks run earlier still.
    app.after_request_funcs.setdefault(None, []).insert(0, _finish)
