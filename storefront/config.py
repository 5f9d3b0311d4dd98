"""Configuration: defaults, then instance/config.py, then the environment.

The README lists every variable. Nothing here touches the database or the network.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
from pathlib import Path

from flask import Flask

ENV_VARS = (
    "DATABASE_URL",
    "SECRET_KEY",
    "PLATFORM_DOMAIN",
    "PLATFORM_NAME",
    "PLATFORM_IPV4",
    "PLATFORM_IPV6",
    "TRUSTED_PROXIES",
    "PUBLIC_SCHEME",
    "PUBLIC_PORT",
    "DNS_RESOLVER",
    "HOST_CACHE_SECONDS",
    "PAGE_CACHE_SECONDS",
    "HOST_CACHE_ENTRIES",
    "CONTENT_CACHE_ENTRIES",
    "PAGE_CACHE_ENTRIES",
    "RATELIMIT_STORAGE_URI",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "STRIPE_APPLICATION_FEE_PERCENT",
)
# Settings given as JSON in the environment, e.g.
# REGISTRAR_BACKENDS='{"sandbox": {"kind": "sandbox"}, "epp": {"kind": "epp", "host": "…"}}'.
JSON_ENV_VARS = ("REGISTRAR_BACKENDS", "AVAILABILITY_CACHE_SECONDS", "AVAILABILITY_TIMEOUT")


def defaults(instance_path: str) -> dict:
    return {
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'storefront.sqlite'}",
        "PLATFORM_DOMAIN": "localhost",
        "PLATFORM_NAME": "Storefront Platform",
        "PLATFORM_IPV4": "127.0.0.1",
        "PLATFORM_IPV6": "::1",
        "TRUSTED_PROXIES": "127.0.0.1,::1",
        # How links in e-mails are built: never from the request's Host.
        "PUBLIC_SCHEME": "http",
        "PUBLIC_PORT": "5000",
        # "host:port" of the DNS server "Check DNS" asks; empty = the system resolver.
        "DNS_RESOLVER": "",
        # Per-process caches (storefront/caches.py): nothing cached lives longer than
        # HOST_CACHE_SECONDS; PAGE_CACHE_SECONDS = 0 turns the whole-page cache off.
        "HOST_CACHE_SECONDS": 10,
        "PAGE_CACHE_SECONDS": 10,
        "HOST_CACHE_ENTRIES": 20_000,
        "CONTENT_CACHE_ENTRIES": 40_000,
        "PAGE_CACHE_ENTRIES": 5_000,
        # Where login and reset attempts are counted: empty = the database (storefront/limits.py).
        "RATELIMIT_STORAGE_URI": "",
        # Stripe (billing/stripe_gateway.py): no secret key = no online payments; the fee is the
        # platform's cut of each partner's payment, a decimal percent such as "2.5".
        "STRIPE_SECRET_KEY": "",
        "STRIPE_WEBHOOK_SECRET": "",
        "STRIPE_API_BASE": "https://api.stripe.com",
        "STRIPE_APPLICATION_FEE_PERCENT": "0",
        "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
        "UPLOAD_MAX_BYTES": 1024 * 1024,
        "UPLOAD_MAX_PIXELS": 4000,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    }


def load(app: Flask, test_config: dict | None) -> None:
    app.config.from_mapping(defaults(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    for name in ENV_VARS:
        if name in os.environ:
            app.config[name] = os.environ[name]
    for name in JSON_ENV_VARS:
        if name in os.environ:
            app.config[name] = json.loads(os.environ[name])
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config["PLATFORM_DOMAIN"] = app.config["PLATFORM_DOMAIN"].lower().rstrip(".")
    app.config["TRUSTED_PROXY_NETWORKS"] = parse_networks(app.config["TRUSTED_PROXIES"])
    for name in ("HOST_CACHE_SECONDS", "PAGE_CACHE_SECONDS"):
        app.config[name] = float(app.config[name])
    for name in ("HOST_CACHE_ENTRIES", "CONTENT_CACHE_ENTRIES", "PAGE_CACHE_ENTRIES"):
        app.config[name] = int(app.config[name])


def parse_networks(value: str | list) -> list:
    items = value.split(",") if isinstance(value, str) else value
    return [ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip()]


def _instance_secret(instance: Path) -> str:
    """A secret generated once per installation, kept in instance/ and never committed."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}")
        tmp.write_text(secrets.token_hex(32))
        os.chmod(tmp, 0o600)
        if not path.exists():
            tmp.replace(path)
        else:
            tmp.unlink()
    return path.read_text().strip()
