"""A small fake of Stripe's API for the tests: the real `stripe` library talks to it over HTTP.

It answers what billing/stripe_gateway.py calls, the way api.stripe.com does: form-encoded bodies
with nested keys (`line_items[0][price_data][currency]`), JSON objects with their "object" field,
Stripe's error objects (404 `resource_missing` for an id the account does not have, 401 for a
wrong key, 400 `idempotency_error` for a key reused with other parameters).

    POST /v1/checkout/sessions        on the account in `Stripe-Account`; honours Idempotency-Key
    GET  /v1/checkout/sessions/{id}   only on the account that created it, as Stripe does
    POST /v1/accounts, GET /v1/accounts/{id}, POST /v1/account_links

Every call is recorded in `server.requests` (method, path, account, idempotency key, parsed
params). `pay(session_id)` completes a session as a buyer would; `event(type, session_id)` builds
a webhook payload and `sign(payload, secret)` its `Stripe-Signature` header. The `stripe_server`
fixture starts one per test and points the app's STRIPE_* settings at it.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import stripe

SECRET_KEY = "sk_test_51FakeStorefrontPlatformKey0000000000"
WEBHOOK_SECRET = "whsec_fake_storefront_webhook_secret"


@dataclass
class Recorded:
    method: str
    path: str
    account: str | None
    idempotency_key: str | None
    params: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def parse_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding back into nested dicts and lists: a[0][b]=1 → {"a": [{"b": "1"}]}."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+|\[\]", key)
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt: Any = value if last else ({} if not parts[i + 1].isdigit() else [])
            if isinstance(node, list):
                index = int(part)
                while len(node) <= index:
                    node.append(None)
                if node[index] is None or last:
                    node[index] = nxt
                node = node[index]
            else:
                if part not in node or last:
                    node[part] = nxt
                node = node[part]
    return root


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe would send with `payload` (t=…,v1=…)."""
    return stripe.WebhookSignature.generate_signature_header(
        payload.decode("utf-8"), secret, timestamp)


class StripeServer:
    def __init__(self, api_key: str = SECRET_KEY) -> None:
        self.api_key = api_key
        self.echo_key_in_errors = False  # a worst case: an error message quoting the whole key
        self.requests: list[Recorded] = []
        self.sessions: dict[str, dict[str, Any]] = {}
        self.session_accounts: dict[str, str | None] = {}
        self.accounts: dict[str, dict[str, Any]] = {}
        self._idempotent: dict[tuple[str | None, str, str], tuple[dict, int, dict]] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> StripeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def _id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self._ids):04d}{secrets.token_hex(6)}"

    # -- helpers for tests ----------------------------------------------------------------------

    def calls(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def pay(self, session_id: str, payment_status: str = "paid") -> dict[str, Any]:
        """The buyer finished Checkout: the session is complete (paid, or unpaid for a delayed
        method such as Przelewy24 until `pay(..., "paid")` again)."""
        with self._lock:
            session = self.sessions[session_id]
            session["status"] = "complete"
            session["payment_status"] = payment_status
            if payment_status == "paid" and not session.get("payment_intent"):
                session["payment_intent"] = self._id("pi")
            return json.loads(json.dumps(session))

    def enable_charges(self, account_id: str) -> None:
        with self._lock:
            self.accounts[account_id].update(charges_enabled=True, details_submitted=True)

    def event(self, type: str, session_id: str, account: str | None = None) -> dict[str, Any]:
        """A webhook event as Stripe sends it for a connected account's session."""
        with self._lock:
            session = json.loads(json.dumps(self.sessions[session_id]))
        return {
            "id": self._id("evt"),
            "object": "event",
            "type": type,
            "account": account if account is not None else self.session_accounts[session_id],
            "api_version": stripe.api_version,
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": session},
        }

    # -- the API --------------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str],
               params: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        account = headers.get("stripe-account")
        key = headers.get("idempotency-key")
        self.requests.append(Recorded(method, path, account, key, params, headers))
        auth = headers.get("authorization", "")
        if auth != f"Bearer {self.api_key}":
            given = auth.removeprefix("Bearer ")
            shown = given if self.echo_key_in_errors else f"{given[:8]}****{given[-4:]}"
            return 401, _error("invalid_request_error", f"Invalid API Key provided: {shown}",
                               code="api_key_invalid"), {}
        if method == "POST" and key:
            with self._lock:
                seen = self._idempotent.get((account, path, key))
            if seen is not None:
                first_params, status, body = seen
                if first_params != params:
                    return 400, _error(
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same parameters "
                        "they were first used with.", code="idempotency_key_in_use"), {}
                return status, body, {"Idempotent-Replayed": "true"}
        status, body = self._route(method, path, account, params)
        if method == "POST" and key and status < 500:
            with self._lock:
                self._idempotent[(account, path, key)] = (params, status, body)
        return status, body, {}

    def _route(self, method: str, path: str, account: str | None,
               params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "POST" and path == "/v1/checkout/sessions":
            return self._create_session(account, params)
        if method == "GET" and (m := re.fullmatch(r"/v1/checkout/sessions/([^/]+)", path)):
            with self._lock:
                session = self.sessions.get(m[1])
                if session is None or self.session_accounts[m[1]] != account:
                    return 404, _missing("checkout.session", m[1])
                return 200, session
        if method == "POST" and path == "/v1/accounts":
            return self._create_account(params)
        if method == "GET" and (m := re.fullmatch(r"/v1/accounts/([^/]+)", path)):
            with self._lock:
                found = self.accounts.get(m[1])
            return (200, found) if found else (404, _missing("account", m[1]))
        if method == "POST" and path == "/v1/account_links":
            if params.get("account") not in self.accounts:
                return 400, _error("invalid_request_error",
                                   f"No such account: '{params.get('account')}'",
                                   code="resource_missing", param="account")
            for name in ("refresh_url", "return_url", "type"):
                if not params.get(name):
                    return 400, _error("invalid_request_error",
                                       f"Missing required param: {name}.", param=name)
            now = int(time.time())
            return 200, {"object": "account_link", "created": now, "expires_at": now + 300,
                         "url": f"https://connect.stripe.com/setup/s/{params['account']}/"
                                f"{secrets.token_urlsafe(9)}"}
        return 404, _error("invalid_request_error",
                           f"Unrecognized request URL ({method}: {path}).")

    def _create_session(self, account: str | None,
                        params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        for name in ("success_url", "line_items", "mode"):
            if not params.get(name):
                return 400, _error("invalid_request_error", f"Missing required param: {name}.",
                                   param=name)
        if account is not None and account not in self.accounts:
            return 403, _error("invalid_request_error",
                               f"The provided key does not have access to account '{account}' "
                               "(or that account does not exist).", code="account_invalid")
        line = params["line_items"][0]
        price = line["price_data"]
        total = int(price["unit_amount"]) * int(line.get("quantity", 1))
        fee = (params.get("payment_intent_data") or {}).get("application_fee_amount")
        if fee is not None and account is None:
            return 400, _error("invalid_request_error",
                               "Can only apply an application_fee_amount when the request is "
                               "made on behalf of another account.",
                               param="payment_intent_data[application_fee_amount]")
        session_id = self._id("cs")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params["mode"],
            "status": "open",
            "payment_status": "unpaid",
            "amount_subtotal": total,
            "amount_total": total,
            "currency": price["currency"],
            "client_reference_id": params.get("client_reference_id"),
            "customer_email": params.get("customer_email"),
            "metadata": params.get("metadata") or {},
            "payment_method_types": params.get("payment_method_types") or ["card"],
            "payment_intent": None,
            "success_url": params["success_url"],
            "cancel_url": params.get("cancel_url"),
            "livemode": False,
            "created": int(time.time()),
            "expires_at": int(time.time()) + 24 * 3600,
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        }
        with self._lock:
            self.sessions[session_id] = session
            self.session_accounts[session_id] = account
        return 200, session

    def _create_account(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        account_id = f"acct_{secrets.token_hex(8)}"
        account = {
            "id": account_id,
            "object": "account",
            "type": "standard" if params.get("controller") else params.get("type", "standard"),
            "email": params.get("email"),
            "country": params.get("country"),
            "controller": params.get("controller") or {},
            "charges_enabled": False,
            "payouts_enabled": False,
            "details_submitted": False,
            "created": int(time.time()),
        }
        with self._lock:
            self.accounts[account_id] = account
        return 200, account

    def add_account(self, charges_enabled: bool = True) -> str:
        """A connected account that already exists (onboarded unless told otherwise)."""
        _, account = self._create_account({"country": "PL"})
        if charges_enabled:
            self.enable_charges(account["id"])
        return account["id"]


def _error(type: str, message: str, *, code: str | None = None,
           param: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"type": type, "message": message}
    if code:
        error["code"] = code
    if param:
        error["param"] = param
    return {"error": error}


def _missing(kind: str, object_id: str) -> dict[str, Any]:
    return _error("invalid_request_error", f"No such {kind}: '{object_id}'",
                  code="resource_missing", param="id")


def _handler(server: StripeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            url = urlsplit(self.path)
            params = parse_form(body if self.command == "POST" else url.query)
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, payload, extra = server.handle(self.command, url.path, headers, params)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", f"req_{secrets.token_hex(7)}")
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler


@pytest.fixture
def stripe_server(app) -> Iterator[StripeServer]:
    """A fake Stripe for this test, with the app's STRIPE_* settings pointing at it."""
    server = StripeServer().start()
    saved = {k: app.config.get(k) for k in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET",
                                             "STRIPE_API_BASE")}
    app.config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                      STRIPE_API_BASE=server.url)
    try:
        yield server
    finally:
        app.config.update(saved)
        server.stop()
