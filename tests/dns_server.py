"""A small real DNS server for tests: UDP and TCP on 127.0.0.1, a random port, records per test.

    server = DnsServer().start()
    server.add("shop.example.test", "A", "127.0.0.1")
    server.add("_storefront.shop.example.test", "TXT", "token")
    ... DNS_RESOLVER = server.address ...
    server.stop()

It answers like an authoritative server: the records asked for, a CNAME (followed while its target
is known) for other types, NODATA for a known name without that type, NXDOMAIN otherwise. A name in
`silent` gets no answer at all, so the client times out.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

TTL = 60


class DnsServer:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], list[str]] = {}
        self.silent: set[str] = set()
        self.queries: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._servers: list[socketserver.BaseServer] = []
        self.port = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    # --- records ---------------------------------------------------------------------------

    def add(self, name: str, rdtype: str, *values: str) -> None:
        with self._lock:
            self.records.setdefault((_key(name), rdtype.upper()), []).extend(values)

    def set(self, name: str, rdtype: str, *values: str) -> None:
        with self._lock:
            self.records[(_key(name), rdtype.upper())] = list(values)

    def clear(self) -> None:
        with self._lock:
            self.records.clear()
            self.silent.clear()
            self.queries.clear()

    # --- answering -------------------------------------------------------------------------

    def answer(self, wire: bytes) -> bytes | None:
        query = dns.message.from_wire(wire)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if not query.question:
            response.set_rcode(dns.rcode.FORMERR)
            return response.to_wire()
        question = query.question[0]
        name = _key(question.name.to_text())
        rdtype = dns.rdatatype.to_text(question.rdtype)
        with self._lock:
            self.queries.append((name, rdtype))
            if name in self.silent:
                return None
            records = {key: list(values) for key, values in self.records.items()}
        self._fill(response, records, name, rdtype)
        return response.to_wire()

    def _fill(self, response, records, name: str, rdtype: str) -> None:
        for _ in range(8):  # follow a CNAME chain a few steps, as a server would in its zone
            values = records.get((name, rdtype))
            if values:
                response.answer.append(_rrset(name, rdtype, values))
                return
            target = records.get((name, "CNAME"))
            if not target or rdtype == "CNAME":
                break
            response.answer.append(_rrset(name, "CNAME", target[:1]))
            name = _key(target[0])
        if not response.answer and not any(key[0] == name for key in records):
            if not any(key[0].endswith("." + name) for key in records):
                response.set_rcode(dns.rcode.NXDOMAIN)

    # --- serving ---------------------------------------------------------------------------

    def start(self) -> DnsServer:
        for _ in range(20):
            udp = _UDPServer(("127.0.0.1", 0), _UDPHandler)
            udp.dns = self
            port = udp.server_address[1]
            try:
                tcp = _TCPServer(("127.0.0.1", port), _TCPHandler)
            except OSError:
                udp.server_close()
                continue
            tcp.dns = self
            self.port = port
            self._servers = [udp, tcp]
            break
        else:
            raise RuntimeError("no free port for the test DNS server")
        for server in self._servers:
            threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers = []


def _key(name: str) -> str:
    return name.lower().rstrip(".")


def _rrset(name: str, rdtype: str, values: list[str]) -> dns.rrset.RRset:
    if rdtype == "TXT":
        values = ['"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values]
    elif rdtype == "CNAME":
        values = [value.rstrip(".") + "." for value in values]
    return dns.rrset.from_text_list(dns.name.from_text(name), TTL, dns.rdataclass.IN, rdtype,
                                    values)


class _UDPServer(socketserver.ThreadingUDPServer):
    daemon_threads = True
    allow_reuse_address = True
    dns: DnsServer


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    dns: DnsServer


class _UDPHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        reply = self.server.dns.answer(data)
        if reply is not None:
            sock.sendto(reply, self.client_address)


class _TCPHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        conn: socket.socket = self.request
        conn.settimeout(5)
        try:
            while True:
                head = _read(conn, 2)
                if head is None:
                    return
                (length,) = struct.unpack("!H", head)
                wire = _read(conn, length)
                if wire is None:
                    return
                reply = self.server.dns.answer(wire)
                if reply is None:
                    return
                conn.sendall(struct.pack("!H", len(reply)) + reply)
        except (OSError, TimeoutError):
            return


def _read(conn: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data
