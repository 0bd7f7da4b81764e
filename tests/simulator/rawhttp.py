"""Raw HTTP/1.1 over a socket (TLS or not), for the simulator's protocol and robustness tests.

``requests`` hides exactly what these tests look at (connection reuse, what is left on the
socket, a connection closed without an answer), so they speak HTTP by hand.  Every socket has a
timeout: a test never hangs on a server that does not answer.
"""

import base64
import socket
import ssl

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
TIMEOUT = 5.0


class Closed(Exception):
    """The server closed the connection before (or instead of) a complete response."""


def envelope(operation, inner="", version="14.0"):
    return (f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:ns="http://www.cisco.com/AXL/API/{version}">'
            f"<soapenv:Body><ns:{operation}>{inner}</ns:{operation}></soapenv:Body></soapenv:Envelope>").encode()


def basic(user="administrator", password="ciscopsdt"):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class Conn:
    """One client connection to a running simulator (``sim`` is a conftest ``RunningSim``)."""

    def __init__(self, sim, timeout=TIMEOUT, tls=None, host="127.0.0.1", port=None):
        self.sim = sim
        self.host = host
        raw = socket.create_connection((host, port or sim.config.port), timeout=timeout)
        use_tls = sim.config.tls if tls is None else tls
        if use_tls:
            context = ssl.create_default_context(cafile=sim.cert)
            raw = context.wrap_socket(raw, server_hostname="127.0.0.1")
        self.sock = raw
        self.reader = raw.makefile("rb")

    def close(self):
        try:
            self.reader.close()
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ sending
    def send_raw(self, data):
        self.sock.sendall(data)

    def request(self, method="POST", path="/axl/", body=b"", headers=None, auth=True, content_length=True):
        hdrs = {"Host": f"{self.host}:{self.sim.config.port}"}
        if method == "POST":
            hdrs["Content-Type"] = "text/xml; charset=utf-8"
        if auth:
            hdrs["Authorization"] = basic() if auth is True else auth
        if content_length and body is not None and "Transfer-Encoding" not in (headers or {}):
            hdrs["Content-Length"] = str(len(body))
        for name, value in (headers or {}).items():
            if value is None:
                hdrs.pop(name, None)
            else:
                hdrs[name] = value
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items()) + "\r\n"
        self.sock.sendall(head.encode("latin-1") + (body or b""))

    def soap(self, operation, inner="", version="14.0", headers=None, **kw):
        hdrs = {"SOAPAction": f'"CUCM:DB ver={version} {operation}"'}
        hdrs.update(headers or {})
        self.request("POST", "/axl/", envelope(operation, inner, version), hdrs, **kw)
        return self.response()

    # ------------------------------------------------------------------ reading
    def response(self):
        """``(status, headers, body)`` of the next response; ``Closed`` if the server hung up."""
        try:
            line = self.reader.readline(65537)
        except (ConnectionError, ssl.SSLError) as exc:
            raise Closed(str(exc)) from None
        if not line:
            raise Closed("connection closed before a status line")
        parts = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
        status = int(parts[1])
        headers = {}
        while True:
            hline = self.reader.readline(65537)
            if not hline:
                raise Closed("connection closed inside the headers")
            if hline in (b"\r\n", b"\n"):
                break
            name, _colon, value = hline.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        body = self.reader.read(length) if length else b""
        if len(body) < length:
            raise Closed("connection closed inside the body")
        return status, headers, body

    def closed_by_server(self):
        """True if the server has closed the connection (EOF) within the socket timeout."""
        try:
            return self.reader.read(1) == b""
        except (ConnectionError, ssl.SSLError):
            return True
