"""What every registrar backend speaks: availability answers, domain records, errors, and the
interface itself. Names are ASCII (IDN already in punycode), lower case, no trailing dot."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable


class AvailabilityState(StrEnum):
    AVAILABLE = "available"
    TAKEN = "taken"
    PREMIUM = "premium"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Availability:
    """One backend's answer for one name. A premium price, when the backend quotes one, is an
    integer in minor units with its currency (the registry's price, not the partner's)."""

    state: AvailabilityState
    price_minor: int | None = None
    currency: str | None = None
    reason: str | None = None

    @classmethod
    def available(cls) -> Availability:
        return cls(AvailabilityState.AVAILABLE)

    @classmethod
    def taken(cls, reason: str | None = None) -> Availability:
        return cls(AvailabilityState.TAKEN, reason=reason)

    @classmethod
    def premium(cls, price_minor: int | None = None, currency: str | None = None) -> Availability:
        return cls(AvailabilityState.PREMIUM, price_minor=price_minor, currency=currency)

    @classmethod
    def unknown(cls, reason: str) -> Availability:
        return cls(AvailabilityState.UNKNOWN, reason=reason)

    @property
    def can_register(self) -> bool:
        return self.state in (AvailabilityState.AVAILABLE, AvailabilityState.PREMIUM)

    @property
    def is_known(self) -> bool:
        return self.state is not AvailabilityState.UNKNOWN


@dataclass(frozen=True)
class Registrant:
    """The holder of a domain as a registry wants it. `handle` is an existing registry contact id;
    without one the EPP backend creates a contact from the other fields first."""

    name: str
    email: str
    country_code: str = "PL"
    city: str = ""
    street: str = ""
    postal_code: str = ""
    phone: str | None = None
    organisation: str | None = None
    handle: str | None = None


@dataclass(frozen=True)
class DomainRecord:
    """What a registry says about one domain after a register, renew, transfer or info."""

    name: str
    expires_at: datetime | None
    auth_code: str | None = None
    statuses: tuple[str, ...] = ()
    transfer_status: str | None = None
    registrant_handle: str | None = None
    #: The delegation (host names, lower case, no trailing dot); empty: none or not told.
    nameservers: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


class RegistrarError(Exception):
    """A registry refused or could not carry out an operation."""


class RegistrarUnavailable(RegistrarError):
    """The registry could not be reached or did not answer in time; retrying later may work."""


class DomainNotAvailable(RegistrarError):
    """Register refused: the name is taken or reserved."""


class DomainNotFound(RegistrarError):
    """The registry holds no such domain (renew, transfer or info of an unregistered name)."""


class AuthCodeInvalid(RegistrarError):
    """Transfer refused: the authorisation code does not match."""


@runtime_checkable
class RegistrarBackend(Protocol):
    """One registry connection. `check` answers every name it is given in as few round trips as
    the backend allows (one, up to `max_check_names`); the other operations raise RegistrarError."""

    name: str
    #: The most names one check round trip may carry; None means no limit.
    max_check_names: int | None

    def check(self, names: list[str]) -> dict[str, Availability]: ...

    def register(self, name: str, years: int, registrant: Registrant) -> DomainRecord: ...

    def renew(self, name: str, years: int) -> DomainRecord: ...

    def transfer(self, name: str, auth_code: str) -> DomainRecord: ...

    def info(self, name: str) -> DomainRecord: ...

    def set_nameservers(self, name: str, hosts: list[str]) -> DomainRecord:
        """Delegate `name` to exactly `hosts` (already valid host names: lower case, ASCII, no
        trailing dot); the record returned carries the nameservers the registry now holds."""
        ...

    def close(self) -> None: ...


def normalise_name(name: str) -> str:
    """Lower case, no surrounding spaces, no trailing dot. Raises ValueError for non-ASCII: the
    search parser turns IDN into punycode before a backend sees a name."""
    cleaned = name.strip().rstrip(".").lower()
    if not cleaned or not cleaned.isascii() or "." not in cleaned:
        raise ValueError(f"not an ASCII domain name: {name!r}")
    return cleaned
