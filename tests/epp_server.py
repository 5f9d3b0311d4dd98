"""A small EPP registry over TLS for the tests (RFC 5730-5734 framing: a 4-byte length, then XML).

It speaks greeting, login, hello, domain check/create/renew/transfer/info/update (nameservers as
host objects: `<domain:hostObj>`), host check/create, contact create and logout, and keeps its
domains and hosts in memory (`updates` lists each domain:update as (name, added, removed)). It
counts every command it receives (`commands["check"]`), so a test can assert how many round trips
a piece of code took. `check_delay` makes it sleep before answering a check (a registry that
hangs); `stop()` interrupts that sleep.
"""

from __future__ import annotations

import socket
import ssl
import struct
import subprocess
import threading
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

EPP = "urn:ietf:params:xml:ns:epp-1.0"
DOMAIN = "urn:ietf:params:xml:ns:domain-1.0"
CONTACT = "urn:ietf:params:xml:ns:contact-1.0"
HOST = "urn:ietf:params:xml:ns:host-1.0"
FEE = "urn:ietf:params:xml:ns:epp:fee-1.0"

CLIENT_ID = "storefront1"
PASSWORD = "s3cret-pass"


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (certificate, key) PEM paths."""
    cert, key = directory / "epp-cert.pem", directory / "epp-key.pem"
    try:
        _certificate_with_cryptography(cert, key)
    except ImportError:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec",
             "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
            check=True, capture_output=True,
        )
    return cert, key


def _certificate_with_cryptography(cert_path: Path, key_path: Path) -> None:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))


class EppServer:
    """Start with `start()` (or `with`), point a client at `host`:`port`, then `stop()`."""

    host = "127.0.0.1"

    def __init__(self, certificate: Path, key: Path, *, taken: tuple[str, ...] = (),
                 premium: dict[str, str] | None = None, check_delay: float = 0.0) -> None:
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(certificate, key)
        self.port = 0
        self.check_delay = check_delay
        self.premium = dict(premium or {})
        self.commands: Counter[str] = Counter()
        self.checked: list[list[str]] = []
        self.contacts: set[str] = set()
        self.hosts: set[str] = set()
        self.updates: list[tuple[str, list[str], list[str]]] = []
        self.domains: dict[str, dict[str, object]] = {
            name: {"expires": datetime(2030, 1, 1, tzinfo=UTC), "auth": "their-code1",
                   "registrant": "other1", "sponsor": "other-registrar", "ns": []}
            for name in taken
        }
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._connections: list[threading.Thread] = []
        self._generation = 0

    def __enter__(self) -> EppServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        listener = socket.create_server((self.host, 0))
        listener.settimeout(0.1)
        self._listener = listener
        self.port = listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept_loop, args=(listener,), daemon=True)
        self._acceptor.start()

    def stop(self) -> None:
        """Stop accepting, end every session (interrupting a delayed check) and wait for them."""
        self._stopping.set()
        if self._acceptor is not None:
            self._acceptor.join(timeout=5)
            self._acceptor = None
        self._join_connections()
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def drop_connections(self) -> None:
        """Close every open session, as a registry does after its idle timeout."""
        with self._lock:
            self._generation += 1
        self._join_connections()

    def _join_connections(self) -> None:
        with self._lock:
            threads, self._connections = self._connections, []
        for thread in threads:
            thread.join(timeout=5)

    # --- sockets -------------------------------------------------------------------------------

    def _accept_loop(self, listener: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                raw, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(raw, self._generation),
                                      daemon=True)
            with self._lock:
                self._connections.append(thread)
            thread.start()

    def _serve(self, raw: socket.socket, generation: int) -> None:
        raw.settimeout(5)
        try:
            conn = self._context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()
            return
        with conn:
            conn.settimeout(0.1)
            buffer = bytearray()
            session = {"logged_in": False}
            try:
                _send(conn, self._greeting())
                while True:
                    header = self._read(conn, buffer, 4, generation)
                    if header is None:
                        return
                    size = struct.unpack("!I", header)[0] - 4
                    body = self._read(conn, buffer, size, generation)
                    if body is None:
                        return
                    reply, closing = self._handle(body.decode("utf-8"), session)
                    if reply is None:
                        return
                    _send(conn, reply)
                    if closing:
                        return
            except (ssl.SSLError, OSError):
                return

    def _read(self, conn: ssl.SSLSocket, buffer: bytearray, size: int,
              generation: int) -> bytes | None:
        while len(buffer) < size:
            if self._stopping.is_set() or generation != self._generation:
                return None
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                return None
            buffer += chunk
        data = bytes(buffer[:size])
        del buffer[:size]
        return data

    # --- EPP -----------------------------------------------------------------------------------

    def _handle(self, xml: str, session: dict[str, bool]) -> tuple[str | None, bool]:
        root = ET.fromstring(xml)
        if root.find(f"{{{EPP}}}hello") is not None:
            self._count("hello")
            return self._greeting(), False
        command = root.find(f"{{{EPP}}}command")
        verb = next(iter(command))
        name = verb.tag.split("}")[1]
        self._count(name)
        cltrid = command.findtext(f"{{{EPP}}}clTRID", "")
        if name == "login":
            ok = (verb.findtext(f"{{{EPP}}}clID") == CLIENT_ID
                  and verb.findtext(f"{{{EPP}}}pw") == PASSWORD)
            session["logged_in"] = ok
            return (_response(1000, "Command completed successfully", cltrid) if ok
                    else _response(2200, "Authentication error", cltrid)), not ok
        if not session["logged_in"]:
            return _response(2002, "Command use error", cltrid), False
        if name == "logout":
            return _response(1500, "Command completed successfully; ending session", cltrid), True
        obj = next(iter(verb))
        if name == "check" and obj.tag == f"{{{HOST}}}check":
            with self._lock:
                return self._host_check(obj, cltrid), False
        if name == "check":
            names = [el.text or "" for el in obj.findall(f"{{{DOMAIN}}}name")]
            with self._lock:
                self.checked.append(names)
            if self.check_delay and self._stopping.wait(self.check_delay):
                return None, True
            wants_fees = command.find(f".//{{{FEE}}}check") is not None
            return self._check(names, cltrid, wants_fees), False
        handlers = {"create": self._create, "renew": self._renew, "transfer": self._transfer,
                    "info": self._info, "update": self._update}
        if name not in handlers:
            return _response(2000, "Unknown command", cltrid), False
        with self._lock:
            return handlers[name](verb, obj, cltrid), False

    def _count(self, verb: str) -> None:
        with self._lock:
            self.commands[verb] += 1

    def _greeting(self) -> str:
        return (
            f'<?xml version="1.0" encoding="UTF-8"?><epp xmlns="{EPP}"><greeting>'
            f"<svID>Storefront test registry</svID><svDate>{_stamp(datetime.now(UTC))}</svDate>"
            f"<svcMenu><version>1.0</version><lang>en</lang><objURI>{DOMAIN}</objURI>"
            f"<objURI>{CONTACT}</objURI><objURI>{HOST}</objURI><svcExtension><extURI>{FEE}</extURI></svcExtension>"
            "</svcMenu></greeting></epp>"
        )

    def _check(self, names: list[str], cltrid: str, wants_fees: bool) -> str:
        with self._lock:
            taken = {name for name in names if name.lower() in self.domains}
        rows = "".join(
            f'<domain:cd><domain:name avail="{0 if name in taken else 1}">{escape(name)}'
            "</domain:name>" + ("<domain:reason>In use</domain:reason>" if name in taken else "")
            + "</domain:cd>"
            for name in names
        )
        res_data = _res("chkData", rows)
        extension = ""
        if wants_fees:
            fee_rows = "".join(
                f'<fee:cd avail="1"><fee:objID>{escape(name)}</fee:objID>'
                f"<fee:class>{'premium' if name in self.premium else 'standard'}</fee:class>"
                '<fee:command name="create"><fee:period unit="y">1</fee:period>'
                f"<fee:fee>{self.premium.get(name, '10.00')}</fee:fee></fee:command></fee:cd>"
                for name in names if name not in taken
            )
            extension = (f'<extension><fee:chkData xmlns:fee="{FEE}"><fee:currency>USD'
                         f"</fee:currency>{fee_rows}</fee:chkData></extension>")
        return _response(1000, "Command completed successfully", cltrid, res_data, extension)

    def _host_check(self, obj: ET.Element, cltrid: str) -> str:
        names = [el.text or "" for el in obj.findall(f"{{{HOST}}}name")]
        rows = "".join(
            f'<host:cd><host:name avail="{0 if name.lower() in self.hosts else 1}">'
            f"{escape(name)}</host:name></host:cd>" for name in names)
        return _response(1000, "Command completed successfully", cltrid,
                         f'<resData><host:chkData xmlns:host="{HOST}">{rows}</host:chkData>'
                         "</resData>")

    def _create(self, verb: ET.Element, obj: ET.Element, cltrid: str) -> str:
        if obj.tag == f"{{{HOST}}}create":
            host = obj.findtext(f"{{{HOST}}}name", "").lower()
            if host in self.hosts:
                return _response(2302, "Object exists", cltrid)
            self.hosts.add(host)
            return _response(1000, "Command completed successfully", cltrid)
        if obj.tag == f"{{{CONTACT}}}create":
            handle = obj.findtext(f"{{{CONTACT}}}id", "")
            if handle in self.contacts:
                return _response(2302, "Object exists", cltrid)
            self.contacts.add(handle)
            return _response(1000, "Command completed successfully", cltrid)
        name = obj.findtext(f"{{{DOMAIN}}}name", "").lower()
        registrant = obj.findtext(f"{{{DOMAIN}}}registrant", "")
        if name in self.domains:
            return _response(2302, "Object exists", cltrid)
        if registrant not in self.contacts:
            return _response(2303, "Registrant does not exist", cltrid)
        years = int(obj.findtext(f"{{{DOMAIN}}}period", "1"))
        now = datetime.now(UTC).replace(microsecond=0)
        expires = now.replace(year=now.year + years)
        self.domains[name] = {"expires": expires, "registrant": registrant, "sponsor": CLIENT_ID,
                              "auth": obj.findtext(f".//{{{DOMAIN}}}pw", ""), "ns": []}
        return _response(1000, "Command completed successfully", cltrid, _res(
            "creData", f"<domain:name>{name}</domain:name><domain:crDate>{_stamp(now)}"
            f"</domain:crDate><domain:exDate>{_stamp(expires)}</domain:exDate>"))

    def _renew(self, verb: ET.Element, obj: ET.Element, cltrid: str) -> str:
        name = obj.findtext(f"{{{DOMAIN}}}name", "").lower()
        domain = self.domains.get(name)
        if domain is None or domain["sponsor"] != CLIENT_ID:
            return _response(2303, "Object does not exist", cltrid)
        expires = domain["expires"]
        if obj.findtext(f"{{{DOMAIN}}}curExpDate") != expires.date().isoformat():
            return _response(2004, "Parameter value range error", cltrid)
        years = int(obj.findtext(f"{{{DOMAIN}}}period", "1"))
        domain["expires"] = expires = expires.replace(year=expires.year + years)
        return _response(1000, "Command completed successfully", cltrid, _res(
            "renData", f"<domain:name>{name}</domain:name><domain:exDate>{_stamp(expires)}"
            "</domain:exDate>"))

    def _transfer(self, verb: ET.Element, obj: ET.Element, cltrid: str) -> str:
        name = obj.findtext(f"{{{DOMAIN}}}name", "").lower()
        domain = self.domains.get(name)
        if verb.get("op") != "request":
            return _response(2102, "Unimplemented option", cltrid)
        if domain is None:
            return _response(2303, "Object does not exist", cltrid)
        if obj.findtext(f".//{{{DOMAIN}}}pw") != domain["auth"]:
            return _response(2202, "Invalid authorization information", cltrid)
        domain["pending_to"] = CLIENT_ID
        now = _stamp(datetime.now(UTC))
        return _response(1001, "Command completed successfully; action pending", cltrid, _res(
            "trnData", f"<domain:name>{name}</domain:name><domain:trStatus>pending"
            f"</domain:trStatus><domain:reID>{CLIENT_ID}</domain:reID><domain:reDate>{now}"
            f"</domain:reDate><domain:acID>{domain['sponsor']}</domain:acID>"
            f"<domain:acDate>{now}</domain:acDate>"))

    def _update(self, verb: ET.Element, obj: ET.Element, cltrid: str) -> str:
        """Nameserver changes only (RFC 5731 add/rem of hostObj); anything else is refused."""
        name = obj.findtext(f"{{{DOMAIN}}}name", "").lower()
        domain = self.domains.get(name)
        if domain is None or domain["sponsor"] != CLIENT_ID:
            return _response(2303, "Object does not exist", cltrid)
        if obj.find(f"{{{DOMAIN}}}chg") is not None:
            return _response(2102, "Unimplemented option", cltrid)
        add, rem = ([(el.text or "").lower()
                     for el in obj.findall(f"{{{DOMAIN}}}{block}//{{{DOMAIN}}}hostObj")]
                    for block in ("add", "rem"))
        if not add and not rem:
            return _response(2003, "Required parameter missing", cltrid)
        current: list[str] = list(domain["ns"])  # type: ignore[call-overload]
        if any(host not in self.hosts for host in add):
            return _response(2303, "Object does not exist: host", cltrid)
        if any(host in current for host in add) or any(host not in current for host in rem):
            return _response(2306, "Parameter value policy error", cltrid)
        after = [host for host in current if host not in rem] + add
        if len(after) > 13:
            return _response(2306, "Parameter value policy error", cltrid)
        domain["ns"] = after
        self.updates.append((name, add, rem))
        return _response(1000, "Command completed successfully", cltrid)

    def _info(self, verb: ET.Element, obj: ET.Element, cltrid: str) -> str:
        name_el = obj.find(f"{{{DOMAIN}}}name")
        name = (name_el.text or "").lower() if name_el is not None else ""
        hosts = name_el.get("hosts", "all") if name_el is not None else "all"
        domain = self.domains.get(name)
        if domain is None:
            return _response(2303, "Object does not exist", cltrid)
        ours = domain["sponsor"] == CLIENT_ID
        auth = (f"<domain:authInfo><domain:pw>{escape(str(domain['auth']))}</domain:pw>"
                "</domain:authInfo>") if ours else ""
        delegated: list[str] = list(domain["ns"])  # type: ignore[call-overload]
        ns = ("<domain:ns>" + "".join(f"<domain:hostObj>{escape(host)}</domain:hostObj>"
                                      for host in delegated) + "</domain:ns>"
              if delegated and hosts in ("all", "del") else "")
        return _response(1000, "Command completed successfully", cltrid, _res(
            "infData", f"<domain:name>{name}</domain:name><domain:roid>D{abs(hash(name))}-TEST"
            f'</domain:roid><domain:status s="ok"/><domain:registrant>{domain["registrant"]}'
            f"</domain:registrant>{ns}<domain:clID>{domain['sponsor']}</domain:clID>"
            f"<domain:exDate>{_stamp(domain['expires'])}</domain:exDate>{auth}"))


def _send(conn: ssl.SSLSocket, xml: str) -> None:
    body = xml.encode("utf-8")
    conn.sendall(struct.pack("!I", len(body) + 4) + body)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.0Z")


def _res(kind: str, inner: str) -> str:
    return f'<resData><domain:{kind} xmlns:domain="{DOMAIN}">{inner}</domain:{kind}></resData>'


def _response(code: int, message: str, cltrid: str, res_data: str = "",
              extension: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><epp xmlns="{EPP}"><response>'
        f"<result code={quoteattr(str(code))}><msg>{escape(message)}</msg></result>"
        f"{res_data}{extension}<trID><clTRID>{escape(cltrid)}</clTRID>"
        f"<svTRID>SV-{code}-{escape(cltrid)}</svTRID></trID></response></epp>"
    )
