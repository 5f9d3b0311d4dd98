"""Registrar backends behind one interface, and the availability check a domain search makes.

Configuration (Flask config):

- `REGISTRAR_BACKENDS`: backend name -> settings, each with a `kind` ("sandbox" or "epp") and
  that kind's options (see `sandbox.SandboxBackend` and `epp.EppBackend`). Default:
  `{"sandbox": {"kind": "sandbox", "latency_ms": 0}}`.
- `AVAILABILITY_CACHE_SECONDS` (default 60): how long a definite answer is reused.
- `AVAILABILITY_CACHE_SIZE` (default 10000): how many names the per-process cache holds.

Backends live per app (so per process), built on first use; `close_backends()` logs out of EPP.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from flask import Flask, current_app

from storefront.registrars.base import (
    AuthCodeInvalid,
    Availability,
    AvailabilityState,
    DomainNotAvailable,
    DomainNotFound,
    DomainRecord,
    Registrant,
    RegistrarBackend,
    RegistrarError,
    RegistrarUnavailable,
    normalise_name,
)
from storefront.registrars.cache import DEFAULT_MAX_ENTRIES, AvailabilityCache
from storefront.registrars.epp import EppBackend
from storefront.registrars.sandbox import SandboxBackend

__all__ = [
    "DEFAULT_BACKENDS",
    "AuthCodeInvalid",
    "Availability",
    "AvailabilityState",
    "DomainNotAvailable",
    "DomainNotFound",
    "DomainRecord",
    "Registrant",
    "RegistrarBackend",
    "RegistrarError",
    "RegistrarUnavailable",
    "UnknownBackend",
    "check_availability",
    "close_backends",
    "forget_availability",
    "get_backend",
]

log = logging.getLogger(__name__)

# With no REGISTRAR_BACKENDS configured (the demo, a fresh install), the catalogue's "epp" TLDs are
# served by a second sandbox under that name, so they answer instead of showing "unknown" forever;
# production points "epp" at the registry: {"kind": "epp", "host": …} (README, Configuration).
DEFAULT_BACKENDS: dict[str, dict[str, Any]] = {
    "sandbox": {"kind": "sandbox", "latency_ms": 0},
    "epp": {"kind": "sandbox", "latency_ms": 0},
}
DEFAULT_CACHE_SECONDS = 60

BackendFactory = Callable[[str, Mapping[str, Any], Callable[[str], None]], RegistrarBackend]
KINDS: dict[str, BackendFactory] = {
    "sandbox": SandboxBackend.from_settings,
    "epp": EppBackend.from_settings,
}

_EXTENSION = "storefront.registrars"
_setup_lock = threading.Lock()


class UnknownBackend(KeyError):
    """REGISTRAR_BACKENDS names no such backend."""


class _Registrars:
    """One app's backends and availability cache."""

    def __init__(self, app: Flask) -> None:
        self.settings: Mapping[str, Mapping[str, Any]] = app.config.get(
            "REGISTRAR_BACKENDS", DEFAULT_BACKENDS)
        self.cache = AvailabilityCache(
            app.config.get("AVAILABILITY_CACHE_SECONDS", DEFAULT_CACHE_SECONDS),
            int(app.config.get("AVAILABILITY_CACHE_SIZE", DEFAULT_MAX_ENTRIES)),
        )
        self.backends: dict[str, RegistrarBackend] = {}
        self.lock = threading.Lock()

    def backend(self, name: str) -> RegistrarBackend:
        with self.lock:
            backend = self.backends.get(name)
            if backend is None:
                settings = self.settings.get(name)
                if settings is None:
                    raise UnknownBackend(name)
                kind = settings.get("kind", "sandbox")
                if kind not in KINDS:
                    raise UnknownBackend(f"{name}: unknown kind {kind!r}")
                backend = KINDS[kind](name, settings, self.cache.forget)
                self.backends[name] = backend
            return backend


def _registrars(app: Flask | None = None) -> _Registrars:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    registrars = app.extensions.get(_EXTENSION)
    if registrars is None:
        with _setup_lock:
            registrars = app.extensions.get(_EXTENSION)
            if registrars is None:
                registrars = app.extensions[_EXTENSION] = _Registrars(app)
    return registrars


def get_backend(name: str) -> RegistrarBackend:
    """The backend REGISTRAR_BACKENDS configures under this name (UnknownBackend if none)."""
    return _registrars().backend(name)


def forget_availability(names: list[str]) -> None:
    """Drop cached answers (backends already do this for names they register or transfer)."""
    _registrars().cache.forget([normalise_name(name) for name in names])


def close_backends(app: Flask | None = None) -> None:
    """Log out of every backend and forget them; the next use rebuilds them from config."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    registrars = app.extensions.pop(_EXTENSION, None)
    if registrars is None:
        return
    for backend in registrars.backends.values():
        try:
            backend.close()
        except Exception:  # closing is best effort: a dead registry must not block shutdown
            log.warning("closing registrar backend %s failed", backend.name, exc_info=True)


def check_availability(names_by_backend: dict[str, list[str]],
                       timeout: float) -> dict[str, Availability]:
    """Answers for every name, keyed as given. Backends are asked concurrently, each in as few
    round trips as it allows; one that fails or has not answered within `timeout` seconds gets
    "unknown" for its names, never an exception. Definite answers are cached briefly."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    registrars = _registrars(app)
    results: dict[str, Availability] = {}
    to_ask: dict[str, dict[str, str]] = {}  # backend -> {name as given: normalised name}
    for backend_name, names in names_by_backend.items():
        for given in names:
            try:
                name = normalise_name(given)
            except ValueError as exc:
                results[given] = Availability.unknown(str(exc))
                continue
            cached = registrars.cache.get(name)
            if cached is not None:
                results[given] = cached
            else:
                to_ask.setdefault(backend_name, {})[given] = name
    if not to_ask:
        return results

    # A pool per call, left to finish on its own: a registry that hangs keeps only its own
    # thread busy (until the backend's own timeout), never the next search.
    pool = ThreadPoolExecutor(max_workers=len(to_ask), thread_name_prefix="registrar-check")
    futures: dict[Future[dict[str, Availability]], str] = {
        pool.submit(_ask, app, registrars, backend_name, list(dict.fromkeys(names.values()))):
            backend_name
        for backend_name, names in to_ask.items()
    }
    done, _ = wait(futures, timeout=timeout)
    pool.shutdown(wait=False)

    for future, backend_name in futures.items():
        answers: dict[str, Availability] = {}
        if future not in done:
            reason = "the registry did not answer in time"
            log.warning("registrar %s: no answer within %.2fs", backend_name, timeout)
        elif (error := future.exception()) is not None:
            reason = _describe(error)
            log.warning("registrar %s: check failed: %s", backend_name, reason)
        else:
            answers = future.result()
            reason = "the registry did not answer for this name"
        for given, name in to_ask[backend_name].items():
            results[given] = answers.get(name) or Availability.unknown(reason)
    return results


def _ask(app: Flask, registrars: _Registrars, backend_name: str,
         names: list[str]) -> dict[str, Availability]:
    """One backend's answers, in batches of its max_check_names (one batch, usually). Runs in a
    worker thread; caches what it learns even when the caller has stopped waiting."""
    with app.app_context():
        backend = registrars.backend(backend_name)
        size = backend.max_check_names or len(names)
        answers: dict[str, Availability] = {}
        for start in range(0, len(names), size):
            answers.update(backend.check(names[start:start + size]))
        for name, answer in answers.items():
            registrars.cache.put(name, answer)
        return answers


def _describe(error: BaseException) -> str:
    if isinstance(error, UnknownBackend):
        return f"no registrar backend named {error.args[0]!r}"
    if isinstance(error, RegistrarError):
        return str(error)
    return f"the registry check failed ({type(error).__name__})"
