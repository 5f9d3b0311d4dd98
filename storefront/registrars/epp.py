"""A registrar backend speaking EPP (RFC 5730-5734) over TLS, built on `epptools`.

One logged-in session per backend per process, used by one thread at a time (a lock): EPP is a
strict request/response stream, and a registry limits how many sessions a registrar may open.
The session is opened lazily and reopened when the registry drops it: read-only commands (check,
info) are retried once on a fresh session; commands that change something are never re-sent, and
a session idle for a while is proven alive with `<hello>` before one goes out.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from epptools import (
    AuthorizationError,
    Client,
    CommandException,
    Config,
    ConnectionException,
    EppException,
    ObjectDoesNotExistError,
    ObjectExistsError,
    Response,
    SessionError,
)
from epptools import Namespaces as epp_namespaces

from storefront.registrars.base import (
    AuthCodeInvalid,
    Availability,
    DomainNotAvailable,
    DomainNotFound,
    DomainRecord,
    Registrant,
    RegistrarError,
    RegistrarUnavailable,
    normalise_name,
)

T = TypeVar("T")

DEFAULT_MAX_CHECK_NAMES = 50
#: A session unused for longer than this is checked with <hello> before a command that changes
#: something, so a registry's idle timeout never turns a register into "did it happen or not?".
IDLE_SECONDS = 60.0


class EppBackend:
    """Settings (from REGISTRAR_BACKENDS): host, port (700), client_id, password, ca_file,
    verify (True), timeout seconds (10), max_check_names (50), client_cert, client_key."""

    def __init__(self, name: str, *, host: str, client_id: str, password: str, port: int = 700,
                 ca_file: str | None = None, verify: bool = True, timeout: float = 10.0,
                 max_check_names: int | None = DEFAULT_MAX_CHECK_NAMES,
                 client_cert: str | None = None, client_key: str | None = None,
                 on_change: Callable[[str], None] | None = None) -> None:
        self.name = name
        self.max_check_names = max_check_names
        self.timeout = float(timeout)
        self._config = Config(
            host=host, clid=client_id, password=password, port=int(port),
            connect_timeout=self.timeout, read_timeout=self.timeout,
            verify_peer=bool(verify), ca_file=ca_file,
            client_cert=client_cert, client_key=client_key, cltrid_prefix="STOREFRONT",
        )
        self._on_change = on_change
        self._client: Client | None = None
        self._last_used = 0.0
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, name: str, settings: Mapping[str, Any],
                      on_change: Callable[[str], None] | None = None) -> EppBackend:
        options = {k: v for k, v in settings.items() if k != "kind"}
        return cls(name, on_change=on_change, **options)

    # --- the interface -------------------------------------------------------------------------

    def check(self, names: list[str]) -> dict[str, Availability]:
        answers: dict[str, Availability] = {}
        wanted: dict[str, str] = {}
        for given in names:
            try:
                wanted[given] = normalise_name(given)
            except ValueError as exc:
                answers[given] = Availability.unknown(str(exc))
        unique = list(dict.fromkeys(wanted.values()))
        if unique:
            by_name = self._run(lambda client: self._check(client, unique), retry=True)
            for given, name in wanted.items():
                answers[given] = by_name.get(
                    name, Availability.unknown("the registry did not answer for this name"))
        return answers

    def register(self, name: str, years: int, registrant: Registrant) -> DomainRecord:
        name = normalise_name(name)

        def create(client: Client) -> Response:
            handle = registrant.handle or _create_contact(client, registrant)
            return client.domain.create(name, years=years, registrant=handle,
                                        auth_info=_new_auth_code())

        response = self._run(create, retry=False)
        self._changed(name)
        return DomainRecord(name=name, expires_at=_parse_date(response.expiry_date()),
                            registrant_handle=registrant.handle)

    def renew(self, name: str, years: int) -> DomainRecord:
        name = normalise_name(name)

        def renew(client: Client) -> Response:
            current = client.domain.info(name, hosts="none").expiry_date()
            if not current:
                raise RegistrarError(f"the registry gave no expiry date for {name}")
            return client.domain.renew(name, current, years)

        response = self._run(renew, retry=False)
        return DomainRecord(name=name, expires_at=_parse_date(response.expiry_date()))

    def transfer(self, name: str, auth_code: str) -> DomainRecord:
        name = normalise_name(name)
        response = self._run(
            lambda client: client.domain.transfer("request", name, auth_info=auth_code),
            retry=False)
        self._changed(name)
        return DomainRecord(name=name, expires_at=_parse_date(response.expiry_date()),
                            transfer_status=response.transfer_status())

    def info(self, name: str) -> DomainRecord:
        name = normalise_name(name)
        response = self._run(lambda client: client.domain.info(name, hosts="del"), retry=True)
        return _info_record(name, response)

    def set_nameservers(self, name: str, hosts: list[str]) -> DomainRecord:
        """One domain:update that adds the hosts the registry lacks and removes the ones not
        wanted (read with domain:info first); no update at all when nothing differs. A registry
        of host objects (host-1.0 in its greeting) gets each new host outside this domain created
        first; a new host inside it would need glue addresses, which are not asked for here."""
        name = normalise_name(name)
        wanted = list(dict.fromkeys(normalise_name(host) for host in hosts))

        def update(client: Client) -> DomainRecord:
            before = client.domain.info(name, hosts="del")
            current = before.nameservers()
            add = [host for host in wanted if host not in current]
            remove = [host for host in current if host not in wanted]
            if not add and not remove:
                return _info_record(name, before)
            if add and epp_namespaces.HOST in _advertised_objects(client):
                _create_missing_hosts(client, name, add)
            client.domain.update(name, add={"ns": add} if add else None,
                                 remove={"ns": remove} if remove else None)
            return _info_record(name, client.domain.info(name, hosts="del"))

        return self._run(update, retry=False)

    def close(self) -> None:
        """Log out and drop the session (it is reopened on the next command)."""
        if not self._lock.acquire(timeout=self.timeout):
            return
        try:
            if self._client is not None and self._client.is_logged_in():
                try:
                    self._client.logout()
                except EppException:
                    pass
            self._drop()
        finally:
            self._lock.release()

    # --- the session ---------------------------------------------------------------------------

    def _run(self, command: Callable[[Client], T], *, retry: bool) -> T:
        if not self._lock.acquire(timeout=self.timeout):
            raise RegistrarUnavailable(f"{self.name}: the EPP session is busy")
        try:
            for attempt in (1, 2):
                client, fresh = self._session(prove_alive=not retry)
                try:
                    result = command(client)
                except (ConnectionException, SessionError) as exc:
                    self._drop()
                    if retry and not fresh and attempt == 1:
                        continue  # the registry closed a reused session: once more, on a new one
                    raise RegistrarUnavailable(f"{self.name}: {exc}") from exc
                except ObjectExistsError as exc:
                    raise DomainNotAvailable(str(exc)) from exc
                except ObjectDoesNotExistError as exc:
                    raise DomainNotFound(str(exc)) from exc
                except AuthorizationError as exc:
                    raise AuthCodeInvalid(str(exc)) from exc
                except EppException as exc:
                    raise RegistrarError(f"{self.name}: {exc}") from exc
                self._last_used = time.monotonic()
                return result
            raise AssertionError("unreachable")
        finally:
            self._lock.release()

    def _session(self, prove_alive: bool) -> tuple[Client, bool]:
        """The logged-in client, and whether it was opened just now. Called under the lock."""
        client = self._client
        if client is not None and client.is_connected() and client.is_logged_in():
            idle = time.monotonic() - self._last_used
            if not prove_alive or idle < IDLE_SECONDS:
                return client, False
            try:
                client.hello()
                return client, False
            except EppException:
                self._drop()
        self._drop()
        client = Client(self._config)
        try:
            client.connect()
            client.login()
        except CommandException as exc:
            client.disconnect()
            raise RegistrarError(f"{self.name}: login refused: {exc}") from exc
        except EppException as exc:
            client.disconnect()
            raise RegistrarUnavailable(f"{self.name}: {exc}") from exc
        self._client = client
        self._last_used = time.monotonic()
        return client, True

    def _drop(self) -> None:
        if self._client is not None:
            self._client.disconnect()
            self._client = None

    def _changed(self, name: str) -> None:
        if self._on_change is not None:
            self._on_change(name)

    # --- check ---------------------------------------------------------------------------------

    def _check(self, client: Client, names: list[str]) -> dict[str, Availability]:
        """Every name in as few <check> commands as max_check_names allows (one, usually)."""
        size = self.max_check_names or len(names)
        asks_fees = epp_namespaces.FEE in _advertised_extensions(client)
        answers: dict[str, Availability] = {}
        for start in range(0, len(names), size):
            batch = names[start:start + size]
            response = (client.domain.check(batch, fee={"create": 1}) if asks_fees
                        else client.domain.check(batch))
            answers.update(_read_check(response, batch))
        return answers


def _read_check(response: Response, names: list[str]) -> dict[str, Availability]:
    fees = response.fees()
    currency = str(fees.get("_currency") or "") or None
    answers: dict[str, Availability] = {}
    for name in names:
        free = response.is_available(name)
        if free is None:
            continue
        if not free:
            answers[name] = Availability.taken(response.unavailable_reason(name))
        elif response.is_premium(name):
            price = _minor_units(response.fee_for(name, "create", 1))
            answers[name] = Availability.premium(price, currency if price is not None else None)
        else:
            answers[name] = Availability.available()
    return answers


def _info_record(name: str, response: Response) -> DomainRecord:
    return DomainRecord(
        name=name, expires_at=_parse_date(response.expiry_date()),
        auth_code=response.auth_info(), statuses=tuple(response.statuses()),
        registrant_handle=response.registrant(),
        nameservers=tuple(host.rstrip(".") for host in response.nameservers()),
    )


def _create_missing_hosts(client: Client, name: str, hosts: list[str]) -> None:
    """Creates the host objects a delegation needs that the registry does not hold yet."""
    existing = client.host.check(hosts)
    for host in hosts:
        if existing.is_available(host) is not True:
            continue  # held already (or not answered: the update then says what is wrong)
        if host == name or host.endswith("." + name):
            raise RegistrarError(
                f"{host} is inside {name}: it needs glue addresses, so create it at the registry "
                "first")
        client.host.create(host)


def _advertised_objects(client: Client) -> list[str]:
    greeting = client.greeting
    return greeting.service_obj_uris() if greeting is not None else []


def _advertised_extensions(client: Client) -> list[str]:
    greeting = client.greeting
    return greeting.service_ext_uris() if greeting is not None else []


def _create_contact(client: Client, registrant: Registrant) -> str:
    if not registrant.city or not registrant.country_code:
        raise ValueError("an EPP contact needs a city and a country code")
    handle = "sf" + secrets.token_hex(6)
    client.contact.create(
        handle, name=registrant.name, org=registrant.organisation,
        street=[registrant.street] if registrant.street else None, city=registrant.city,
        pc=registrant.postal_code or None, cc=registrant.country_code,
        voice=registrant.phone, email=registrant.email, auth_info=_new_auth_code(),
    )
    return handle


def _new_auth_code() -> str:
    # 16 characters: within every registry's pwType bounds, with letters, digits and symbols.
    return secrets.token_urlsafe(12)[:14] + "#1"


def _minor_units(amount: str | None) -> int | None:
    if not amount:
        return None
    try:
        return int((Decimal(amount) * 100).to_integral_value())
    except InvalidOperation:
        return None


def _parse_date(value: str | None) -> datetime | None:
    """An EPP timestamp as a naive UTC datetime (how the project stores times)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment
