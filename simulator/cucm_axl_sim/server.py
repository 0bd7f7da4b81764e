"""The HTTP(S) server: AXL at ``/axl/``, the simulator's admin API at ``/__sim__/``.

Protocol behaviour follows Cisco's AXL Developer Guide (see docs/simulator.md for the choices made
where Cisco's text is silent):
- ``POST /axl/`` (with or without the trailing slash), SOAP 1.1, HTTP Basic authentication; a
  ``JSESSIONIDSSO`` session cookie is issued and accepted without the Authorization header; an
  idle session expires, and a request carrying only an expired cookie gets HTTP 404 (as the
  guide describes), after which a client re-authenticates with Basic.
- ``SOAPAction: "CUCM:DB ver=<ver> <operation>"`` and the body namespace select the schema
  version; a version the server does not accept gets HTTP 599.
- Writes may be throttled with HTTP 503; list/query responses over the size limit get the
  "Query request too large" fault (or, as CUCM 12.5 may, a connection dropped mid-answer, or the
  "Maximum AXL Memory Allocation Consumed" fault: ``--too-large``).
- An operation that cannot be routed gets Axis2's "endpoint reference (EPR) for the Operation not
  found" fault, as on CUCM.
"""

import base64
import dataclasses
import http.server
import ipaddress
import json
import random
import re
import secrets
import socket
import ssl
import sys
import threading
import time
import urllib.parse

from lxml import etree

from . import compat, masking, ops, soap
from .ops import MODELLED_VERSIONS, version_key

# Schema versions each CUCM release accepts (AXL Developer Guide, "Versioning").
ACCEPTED = {
    "15.0": ("15.0", "14.0", "12.5", "12.0"),
    "14.0": ("14.0", "12.5", "12.0", "11.5", "11.0"),
    "12.5": ("12.5", "12.0", "11.5", "11.0", "10.5", "10.0"),
    "11.5": ("11.5", "11.0", "10.5", "10.0", "9.1", "9.0", "8.5"),
}
MAX_BODY = 8 * 1024 * 1024
SESSION_COOKIES = ("JSESSIONIDSSO", "JSESSIONID")
_SOAPACTION = re.compile(r'CUCM:DB ver=(\d+\.\d+)(?:\s+(\w+))?')

THROTTLE_HTML = (b"<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1>"
                 b"<p>AXL is throttling write requests. Retry after a delay.</p></body></html>")
AXL_GET_PAGE = (b"<html><head><title>Cisco CallManager: AXL Web Service</title></head><body><h2>Cisco CallManager: "
                b"AXL Web Service</h2><p>The AXL Web Service is working and accepting requests. Use HTTP POST to send "
                b"a request.</p></body></html>")


@dataclasses.dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 8443
    axl_version: str = "14.0"
    tls: bool = True
    cert: str = None
    key: str = None
    cert_dir: str = None
    username: str = "administrator"
    password: str = "ciscopsdt"
    db: str = None
    seed_users: int = 0
    ldap_users: int = 0
    resource_catalog: str = None
    request_log: str = None
    validate_with: str = None
    # fault injection (can be changed at run time with POST /__sim__/faults)
    latency_ms: int = 0
    throttle_writes: float = 0.0
    throttle_body: str = "html"
    drop_after_commit: int = 0
    session_idle_s: float = 1800.0
    max_response_bytes: int = 8 * 1024 * 1024
    random_seed: int = 0
    write_barrier: int = 0
    too_large: str = "fault"        # an oversized list/query answer: fault | drop | memory
    change_queue_size: int = 100000  # listChange's cache (changes.py)
    change_page_size: int = 1000     # changes in one listChange answer
    # unconfirmed behaviours of real CUCM (compat.SWITCHES): {name: value}
    compat: dict = dataclasses.field(default_factory=compat.defaults)


FAULT_SWITCHES = ("latency_ms", "throttle_writes", "throttle_body", "drop_after_commit", "session_idle_s",
                  "max_response_bytes", "random_seed", "write_barrier", "too_large", "change_queue_size",
                  "change_page_size")
TOO_LARGE_MODES = ("fault", "drop", "memory")
MEMORY_FAULT = "Maximum AXL Memory Allocation Consumed. Please retry once requests in progress have completed"
BARRIER_TIMEOUT_S = 30.0


class Stats:
    FIELDS = ("requests", "auth_basic", "auth_cookie", "writes", "throttled", "connections", "faults",
              "dropped", "unauthorized")

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.counts = dict.fromkeys(self.FIELDS, 0)
            self.by_operation = {}

    def add(self, field, n=1):
        with self.lock:
            self.counts[field] += n

    def operation(self, name):
        with self.lock:
            self.counts["requests"] += 1
            self.by_operation[name] = self.by_operation.get(name, 0) + 1

    def snapshot(self):
        with self.lock:
            return dict(self.counts, by_operation=dict(self.by_operation))


class Simulator:
    """State shared by all connections: config, store, sessions, counters, fault injection."""

    def __init__(self, config, store, validator=None):
        self.config = config
        self.store = store
        self.validator = validator
        self.stats = Stats()
        self.sessions = {}
        self.lock = threading.Lock()
        self.rng = random.Random(config.random_seed)
        self.write_number = 0
        self.barrier = threading.Condition()
        self.barrier_clients = set()   # clients whose first write reached the barrier
        self.log_lock = threading.Lock()
        self.log_file = open(config.request_log, "a", encoding="utf-8") if config.request_log else None
        self.masker = masking.Masker()
        self.secrets_seen = set()   # every service secret met so far: a stale URL shows an old one
        self.operations = ops.load_all()

    # -------------------------------------------------------------- sessions and auth
    def new_session(self):
        token = secrets.token_hex(16).upper()
        with self.lock:
            self.sessions[token] = time.monotonic()
        return token

    def touch_session(self, token):
        """True if the session is alive (and mark it used)."""
        now = time.monotonic()
        with self.lock:
            last = self.sessions.get(token)
            if last is None:
                return False
            if now - last > self.config.session_idle_s:
                del self.sessions[token]
                return False
            self.sessions[token] = now
            return True

    def check_basic(self, header):
        try:
            scheme, _space, encoded = header.partition(" ")
            user, _colon, password = base64.b64decode(encoded.strip()).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return scheme.lower() == "basic" and secrets.compare_digest(user.encode(), self.config.username.encode()) \
            and secrets.compare_digest(password.encode(), self.config.password.encode())

    # -------------------------------------------------------------- fault injection
    def throttle_now(self):
        with self.lock:
            return self.config.throttle_writes > 0 and self.rng.random() < self.config.throttle_writes

    def count_write(self):
        """Number this processed write; True if the connection must drop after its commit."""
        with self.lock:
            self.write_number += 1
            return self.config.drop_after_commit and self.write_number == self.config.drop_after_commit

    def wait_at_barrier(self, client):
        """write_barrier N: hold each client's first write until N clients have one waiting (or
        BARRIER_TIMEOUT_S pass), so that tests of concurrent runs get a real overlap: every run has
        read what it reads before its first write, then the runs write side by side."""
        with self.barrier:
            wanted = self.config.write_barrier
            if not wanted or client in self.barrier_clients:
                return
            self.barrier_clients.add(client)
            self.barrier.notify_all()
            self.barrier.wait_for(lambda: len(self.barrier_clients) >= wanted or self.config.write_barrier != wanted,
                                  timeout=BARRIER_TIMEOUT_S)

    def set_faults(self, changes):
        if not isinstance(changes, dict):
            raise ValueError("expected a JSON object of fault switches")
        changes = dict(changes)
        settings = compat.check(changes.pop("compat", {}))
        unknown = sorted(set(changes) - set(FAULT_SWITCHES))
        if unknown:
            raise ValueError(f"unknown fault switches: {', '.join(unknown)}")
        converted = {key: type(getattr(self.config, key))(value) for key, value in changes.items()}
        check_faults(converted)
        with self.lock:
            self.config.compat = dict(self.config.compat, **settings)
            for key, value in converted.items():
                setattr(self.config, key, value)
            if "random_seed" in changes or "throttle_writes" in changes:
                self.rng = random.Random(self.config.random_seed)
            if "drop_after_commit" in changes:
                self.write_number = 0
            if self.store.change_queue_size != self.config.change_queue_size:
                self.store.set_change_queue_size(self.config.change_queue_size)
        if "write_barrier" in changes:
            with self.barrier:
                self.barrier_clients.clear()
                self.barrier.notify_all()

    def faults(self):
        return dict({k: getattr(self.config, k) for k in FAULT_SWITCHES}, compat=dict(self.config.compat))

    def reset(self):
        self.store.reset()
        self.stats.reset()
        with self.lock:
            self.sessions.clear()
            self.write_number = 0
            self.rng = random.Random(self.config.random_seed)
        with self.barrier:
            self.barrier_clients.clear()

    def log(self, operation, status, request, response):
        if not self.log_file:
            return
        with self.store.read() as conn:
            self.secrets_seen |= masking.stored_secrets(conn) | masking.request_secrets(conn, operation or "", request)
        secrets = self.secrets_seen
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + f".{int(time.time() * 1000) % 1000:03d}Z",
            "operation": operation,
            "status": status,
            "request": self.masker.mask(masking.mask_elements(request), secrets).decode("utf-8", "replace"),
            "response": self.masker.mask(response or b"", secrets).decode("utf-8", "replace"),
        }
        with self.log_lock:
            self.log_file.write(json.dumps(entry) + "\n")
            self.log_file.flush()


def check_faults(values):
    """Reject fault-switch values the simulator cannot honour (CLI and ``POST /__sim__/faults``)."""
    if "throttle_body" in values and values["throttle_body"] not in ("html", "soap"):
        raise ValueError("throttle_body must be 'html' or 'soap'")
    if "too_large" in values and values["too_large"] not in TOO_LARGE_MODES:
        raise ValueError("too_large must be 'fault', 'drop' or 'memory'")
    if "throttle_writes" in values and not 0.0 <= values["throttle_writes"] <= 1.0:
        raise ValueError("throttle_writes is a fraction between 0 and 1")
    for key in ("latency_ms", "drop_after_commit", "session_idle_s", "max_response_bytes", "write_barrier"):
        if key in values and values[key] < 0:
            raise ValueError(f"{key} must not be negative")
    for key in ("change_queue_size", "change_page_size"):
        if key in values and values[key] < 1:
            raise ValueError(f"{key} must be at least 1")


class HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, simulator, ssl_context=None):
        self.simulator = simulator
        self.ssl_context = ssl_context
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.ssl_context is not None:
            # The handshake runs in the connection's own thread (Handler.setup), so a client that
            # never completes it cannot stall the accept loop.
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr


class BadRequest(Exception):
    """The request's framing (Content-Length, chunked encoding) cannot be read: HTTP 400."""


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # A request line without a version gets HTTP/0.9 treatment in http.server: its error answer
    # would have no status line.  Tomcat has no HTTP/0.9; answer such lines with a real status.
    default_request_version = "HTTP/1.0"
    timeout = 120               # idle keep-alive connection / stalled request body, seconds
    handshake_timeout = 10      # a TLS client must complete its handshake within this
    # Headers and body are separate writes; without TCP_NODELAY each keep-alive response waits
    # for the client's delayed ACK (~40 ms on Linux).
    disable_nagle_algorithm = True

    def version_string(self):
        return "Apache-Coyote/1.1"   # what CUCM's Tomcat announces

    def setup(self):
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.settimeout(self.handshake_timeout)
            try:
                self.connection.do_handshake()
            except (ssl.SSLError, OSError):
                self.close_connection = True
                self.rfile = self.wfile = None
                return
            self.connection.settimeout(self.timeout)
        self.sim.stats.add("connections")

    def handle(self):
        if self.rfile is None:
            return
        try:
            super().handle()
        except (ConnectionError, ssl.SSLError, socket.timeout):
            pass

    def finish(self):
        if self.rfile is None:
            return
        try:
            super().finish()
        except (ConnectionError, ssl.SSLError, OSError):
            pass

    @property
    def sim(self):
        return self.server.simulator

    def log_message(self, format, *args):  # noqa: A002 - silence the default stderr access log
        pass

    # -------------------------------------------------------------- plumbing
    def send(self, status, body=b"", content_type="text/xml; charset=utf-8", headers=(), reason=None):
        self.send_response(status, reason)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_body(self):
        """The request body; None if it is over ``MAX_BODY``; BadRequest if its framing is broken."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(1024)
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise BadRequest("invalid chunk size") from None
                if size < 0:
                    raise BadRequest("invalid chunk size")
                if size == 0:
                    while self.rfile.readline(8192).strip():   # trailers, up to the blank line
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    return None
                chunk = self.rfile.read(size)
                if len(chunk) < size:
                    raise BadRequest("truncated chunk")
                chunks.append(chunk)
                self.rfile.readline(1024)
        raw = self.headers.get("Content-Length")
        if raw is None or raw.strip() == "":
            return b""
        if not raw.strip().isdigit():
            raise BadRequest("invalid Content-Length")
        length = int(raw)
        if length > MAX_BODY:
            return None
        body = self.rfile.read(length)
        if len(body) < length:
            raise BadRequest("truncated body")
        return body

    def refuse(self, status, body, content_type="text/plain", headers=()):
        """Answer without reading the request body, and close the connection: what is left of
        the body on the socket must not be read as the next request."""
        self.close_connection = True
        self.send(status, body, content_type, list(headers) + [("Connection", "close")])

    def session_cookie(self):
        raw = self.headers.get("Cookie", "")
        for part in raw.split(";"):
            name, _equals, value = part.strip().partition("=")
            if name in SESSION_COOKIES and value:
                return value
        return None

    def authenticate(self):
        """Return ``(ok, headers)``; on failure the error response has been sent."""
        auth = self.headers.get("Authorization")
        token = self.session_cookie()
        if auth:
            if not self.sim.check_basic(auth):
                self.sim.stats.add("unauthorized")
                self.send(401, b"<html><body><h1>HTTP Status 401 - Unauthorized</h1></body></html>", "text/html",
                          [("WWW-Authenticate", 'Basic realm="Cisco AXL"')])
                return False, ()
            self.sim.stats.add("auth_basic")
            if token and self.sim.touch_session(token):
                return True, ()
            secure = "; Secure" if self.server.ssl_context else ""
            return True, [("Set-Cookie", f"JSESSIONIDSSO={self.sim.new_session()}; Path=/{secure}; HttpOnly")]
        if token:
            if self.sim.touch_session(token):
                self.sim.stats.add("auth_cookie")
                return True, ()
            self.send(404, b"<html><body><h1>HTTP Status 404 - session expired</h1></body></html>", "text/html")
            return False, ()
        self.sim.stats.add("unauthorized")
        self.send(401, b"<html><body><h1>HTTP Status 401 - Unauthorized</h1></body></html>", "text/html",
                  [("WWW-Authenticate", 'Basic realm="Cisco AXL"')])
        return False, ()

    # -------------------------------------------------------------- routes
    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/__sim__/"):
            return self.admin()
        if path in ("/axl", "/axl/"):
            ok, headers = self.authenticate()
            if ok:
                self.send(200, AXL_GET_PAGE, "text/html", headers)
            return None
        return self.send(404, b"Not Found", "text/plain")

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/__sim__/"):
            return self.admin()
        if path not in ("/axl", "/axl/"):
            return self.refuse(404, b"Not Found")
        return self.axl()

    def do_PUT(self):
        self.refuse(405, b"Method Not Allowed", headers=[("Allow", "GET, POST")])

    do_DELETE = do_PATCH = do_PUT

    def axl(self):
        try:
            body = self.read_body()
        except BadRequest as exc:
            return self.refuse(400, f"Bad Request: {exc}".encode())
        if body is None:
            return self.refuse(413, b"Request Entity Too Large")
        ok, cookie_headers = self.authenticate()
        if not ok:
            return None
        content_type = self.headers.get("Content-Type", "")
        if not content_type.lower().startswith("text/xml"):
            # SOAP 1.1 only; CUCM's service answers other media types with 415.
            return self.send(415, b"Unsupported Media Type: AXL expects SOAP 1.1 (text/xml)", "text/plain", cookie_headers)
        status, payload, operation, extra = self.dispatch(body)
        if status == "partial":   # --too-large drop: the answer starts, then the connection closes
            self.sim.stats.add("dropped")
            self.sim.log(operation, 0, body, b"")
            self.close_connection = True
            try:
                self.send_response(200)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in cookie_headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload[: max(1, len(payload) // 3)])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return None
        if status is None:   # --drop-after-commit: committed, now vanish without an answer
            self.sim.stats.add("dropped")
            self.sim.log(operation, 0, body, b"")
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return None
        if self.sim.config.latency_ms:
            time.sleep(self.sim.config.latency_ms / 1000.0)
        if status == 500:
            self.sim.stats.add("faults")
        self.sim.log(operation, status, body, payload)
        content_type = ("text/html;charset=utf-8" if payload.startswith((b"<html", b"<!doctype", b"<!DOCTYPE")) else
                        "text/xml; charset=utf-8" if payload.startswith(b"<?xml") else "text/plain")
        return self.send(status, payload, content_type, list(cookie_headers) + list(extra),
                         reason="Incorrect axl version" if status == 599 else None)

    def dispatch(self, body):
        """Return ``(status, payload, operation, extra headers)``; status None means drop."""
        sim = self.sim
        try:
            operation, namespace, element = soap.parse_envelope(body)
        except soap.ClientFault as exc:
            sim.stats.operation("(malformed)")
            return 500, soap.fault(exc.faultcode, exc.message), "(malformed)", ()
        sim.stats.operation(operation)

        requested = self.requested_version(namespace)
        if requested == "1.0":
            # DG "Versioning": a 1.0 request gets the oldest schema the release accepts.
            requested = ACCEPTED[sim.config.axl_version][-1]
        if requested is None:
            return 500, soap.fault("soapenv:Client", f"Unmarshalling Error: unexpected namespace '{namespace}'"), operation, ()
        if requested not in ACCEPTED[sim.config.axl_version]:
            return 599, version_page(sim.config.axl_version), operation, ()
        if sim.validator is not None:
            # Before the operation lookup: the schema judges every request, modelled or not.
            error = sim.validator(element, namespace)
            if error:
                return 500, soap.fault("soapenv:Client", f"Unmarshalling Error: {error}"), operation, ()
        op = sim.operations.get(operation)
        action = self.headers.get("SOAPAction", "").strip().strip('"').strip()
        match = _SOAPACTION.search(action)
        routed = match.group(2) if match and match.group(2) else None
        if op is None or (routed and routed not in sim.operations):
            # Axis2 routes by the SOAPAction (or, without one, by the body): an operation it cannot route
            scheme = "https" if self.server.ssl_context else "http"
            host = self.headers.get("Host") or f"{sim.config.host}:{sim.config.port}"
            return 500, soap.axis2_fault(f"{scheme}://{host}/axl/services/AXLAPIService", action), operation, ()
        if op.write and sim.throttle_now():
            sim.stats.add("throttled")
            if sim.config.throttle_body == "soap":
                payload = soap.fault("soapenv:Server", "AXL is throttling write requests. Retry after a delay.")
                return 503, payload, operation, (("Retry-After", "2"),)
            return 503, THROTTLE_HTML, operation, (("Retry-After", "2"),)

        version = shape_version(requested)
        drop = False
        if op.write and sim.config.write_barrier:
            # a client is its session (the workers of one bulk run share it), else its address
            sim.wait_at_barrier(self.session_cookie() or self.client_address[0])
        try:
            if op.write:
                sim.stats.add("writes")
                with sim.store.write() as conn:
                    value = op.handler(ops.Request(operation, version, element, conn, sim))
                drop = sim.count_write()
            else:
                with sim.store.read() as conn:
                    value = op.handler(ops.Request(operation, version, element, conn, sim))
            payload = soap.response(operation, requested, value)
        except soap.AxlFault as exc:
            return 500, soap.fault(exc.faultcode, exc.message, exc.axlcode, operation), operation, ()
        except Exception as exc:  # never a traceback to the client: answer as CUCM's server error
            print(f"cucm-axl-sim: internal error in {operation}: {exc!r}", file=sys.stderr, flush=True)
            import traceback
            traceback.print_exc()
            return 500, soap.fault("soapenv:Server", f"Internal error: {type(exc).__name__}", -1, operation), operation, ()
        if drop:
            return None, b"", operation, ()
        if op.listing and len(payload) > sim.config.max_response_bytes:
            if sim.config.too_large == "drop":
                return "partial", payload, operation, ()
            if sim.config.too_large == "memory":
                return 500, soap.fault("soapenv:Server", MEMORY_FAULT, -1, operation), operation, ()
            rows = count_rows(payload)
            fit = max(1, rows * sim.config.max_response_bytes // len(payload))
            message = f"Query request too large. Total rows matched: {rows} rows. Suggestive Row Fetch: less than {fit} rows"
            return 500, soap.fault("soapenv:Server", message, -1, operation), operation, ()
        return 200, payload, operation, ()

    def requested_version(self, namespace):
        ns_version = namespace[len(soap.AXL_NS_PREFIX):] if namespace.startswith(soap.AXL_NS_PREFIX) else None
        match = _SOAPACTION.search(self.headers.get("SOAPAction", ""))
        action_version = match.group(1) if match else None
        if ns_version is None:
            return None
        return action_version or ns_version

    # -------------------------------------------------------------- admin API
    def admin(self):
        if not self.admin_allowed():
            return self.refuse(403, b'{"error": "the admin API answers loopback clients or the AXL user"}',
                               "application/json")
        url = urllib.parse.urlsplit(self.path)
        route = (self.command, url.path.rstrip("/"))
        query = dict(urllib.parse.parse_qsl(url.query))
        try:
            raw = self.read_body() if self.command == "POST" else b""
        except BadRequest as exc:
            return self.refuse(400, json.dumps({"error": str(exc)}).encode(), "application/json")
        if raw is None:
            return self.refuse(413, b'{"error": "request too large"}', "application/json")
        try:
            body = json.loads(raw or b"{}")
            result = self.admin_route(route, query, body)
        except (ValueError, KeyError, TypeError) as exc:
            return self.send(400, json.dumps({"error": str(exc)}).encode(), "application/json")
        if result is None:
            return self.send(404, b'{"error": "no such admin endpoint"}', "application/json")
        return self.send(200, json.dumps(result, indent=1).encode(), "application/json")

    def admin_allowed(self):
        try:
            address = ipaddress.ip_address(self.client_address[0].split("%")[0])
            if address.is_loopback or (address.version == 6 and address.ipv4_mapped and address.ipv4_mapped.is_loopback):
                return True
        except ValueError:
            pass
        return self.sim.check_basic(self.headers.get("Authorization", ""))

    def admin_route(self, route, query, body):
        from . import admin
        return admin.route(self.sim, route, query, body)


def supported_list(release):
    """The accepted schema versions as CUCM's 599 page words them: a major with several accepted
    minors as "12.x", others as themselves, "and" before the last ("12.x, 14.0 and 15.0")."""
    majors = {}
    for version in sorted(ACCEPTED[release], key=version_key):
        majors.setdefault(version.split(".")[0], []).append(version)
    items = [f"{major}.x" if len(versions) > 1 else versions[0] for major, versions in majors.items()]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def version_page(release):
    """The HTTP 599 answer: Tomcat's HTML error page with CUCM's custom message, as captured ("HTTP
    Status 599 - Incorrect axl version. Supported axl versions are 12.x, 14.0 and 15.0")."""
    message = f"Incorrect axl version. Supported axl versions are {supported_list(release)}"
    return (f"<!doctype html><html lang=\"en\"><head><title>HTTP Status 599 - {message}</title></head><body>"
            f"<h1>HTTP Status 599 - {message}</h1><hr class=\"line\" /><p><b>Type</b> Status Report</p>"
            f"<p><b>Message</b> {message}</p><hr class=\"line\" /><h3>Apache Tomcat</h3></body></html>").encode()


def shape_version(requested):
    """The modelled schema whose shapes answer a request of an accepted version."""
    if requested in MODELLED_VERSIONS:
        return requested
    older = [v for v in MODELLED_VERSIONS if version_key(v) <= version_key(requested)]
    return older[-1] if older else MODELLED_VERSIONS[0]


def count_rows(payload):
    root = etree.fromstring(payload)
    ret = root.find(f".//{{{soap.SOAP_ENV}}}Body")[0].find("return")
    return len(ret) if ret is not None else 0
