"""A small AXL client for the conformance kit: raw HTTP(S) and SOAP 1.1, nothing else.

The kit compares *answers*, so this client hides nothing: it returns the status, the reason
phrase, the content type and the body exactly as they came (a 599 HTML page, an Axis2 fault, a
fault without ``axlError``), and leaves the judging to the probes.  It is deliberately not the
collection's client (``plugins/module_utils/axl.py``): that one retries, shrinks pages and maps
faults to exceptions, which would hide the very differences the kit looks for.

- One connection per request, Basic authentication on each (and the session cookie CUCM issued,
  so a cluster does not open a session per request).
- TLS is verified against ``ca_path`` or the system store; there is no switch to turn it off.
- :class:`Unreachable`: nothing was sent (refused, DNS, TLS).  :class:`NoAnswer`: the request went
  out and no complete answer came back (the write may have happened).
"""

import base64
import http.client
import ssl
import urllib.parse

from lxml import etree

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
AXL_NS = "http://www.cisco.com/AXL/API/"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True)


class ClientError(Exception):
    """Base of the transport errors (the kit exits 2 on them)."""


class Unreachable(ClientError):
    """The request could not be sent: connection refused, unknown host, TLS failure."""


class NoAnswer(ClientError):
    """The request was sent, but the connection closed (or timed out) before a full answer."""


class Answer:
    """One HTTP answer: ``status``, ``reason``, ``content_type``, ``body`` (bytes), and, when the
    body is a SOAP envelope, ``element`` (the first child of its Body: the response or the Fault)."""

    def __init__(self, status, reason, content_type, body):
        self.status = status
        self.reason = reason
        self.content_type = content_type
        self.body = body
        self.element = None
        if body.lstrip()[:1] == b"<" and b"Envelope" in body[:2048]:
            try:
                root = etree.fromstring(body, _PARSER)
            except etree.XMLSyntaxError:
                root = None
            if root is not None:
                found = root.find(f"{{{SOAP_ENV}}}Body")
                if found is not None and len(found):
                    self.element = found[0]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    @property
    def is_fault(self):
        return self.element is not None and etree.QName(self.element).localname == "Fault"

    def fault(self):
        """``{status, faultcode, faultstring, axlcode, axlmessage, request}`` of a fault answer, or
        ``{status, body: ...}`` when the answer is not a SOAP fault."""
        if not self.is_fault:
            return {"status": self.status, "content_type": self.content_type.split(";")[0].strip(),
                    "fault": None}
        err = find(self.element, "detail/axlError")
        code = child_text(err, "axlcode")
        return {"status": self.status, "faultcode": child_text(self.element, "faultcode"),
                "faultstring": child_text(self.element, "faultstring"),
                "axlcode": int(code) if code not in (None, "") and code.lstrip("-").isdigit() else code,
                "axlmessage": child_text(err, "axlmessage"), "request": child_text(err, "request")}

    def result(self):
        """The ``return`` element of a successful answer (None otherwise)."""
        if self.element is None or self.is_fault:
            return None
        return find(self.element, "return")


class Client:
    """``Client("https://host:8443", "user", "password", ca_path=None)``."""

    def __init__(self, url, username, password, ca_path=None, timeout=60.0):
        parts = urllib.parse.urlsplit(url if "://" in url else "https://" + url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{url!r} is not an http(s)://HOST[:PORT] address")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or 8443
        self.path = parts.path if parts.path not in ("", "/") else "/axl/"
        self.username = username
        self.password = password
        self.timeout = timeout
        self.cookie = None
        self.context = None
        if self.scheme == "https":
            self.context = ssl.create_default_context(cafile=ca_path) if ca_path else ssl.create_default_context()
        elif ca_path:
            raise ValueError("a CA file (ca_path) needs an https:// address")

    @property
    def base(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def _connection(self):
        if self.context is not None:
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=self.context)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def _headers(self, extra=()):
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        headers = {"Authorization": "Basic " + token, "Accept": "text/xml, text/html, */*"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        headers.update(dict(extra))
        return headers

    def request(self, method, path, body=None, headers=()):
        """Send one request and return its :class:`Answer`."""
        conn = self._connection()
        try:
            try:
                conn.connect()
            except (OSError, ssl.SSLError) as exc:
                raise Unreachable(f"cannot connect to {self.base}: {exc}") from None
            try:
                conn.request(method, path, body=body, headers=self._headers(headers))
                resp = conn.getresponse()
                data = resp.read()
            except (OSError, ssl.SSLError, http.client.HTTPException) as exc:
                raise NoAnswer(f"{self.base} closed the connection without a complete answer ({exc or type(exc).__name__})") from None
            for name, value in resp.getheaders():
                if name.lower() == "set-cookie":
                    cookie = value.split(";", 1)[0].strip()
                    if cookie.split("=", 1)[0] in ("JSESSIONIDSSO", "JSESSIONID"):
                        self.cookie = cookie
            return Answer(resp.status, resp.reason or "", resp.getheader("Content-Type", ""), data)
        finally:
            conn.close()

    def axl(self, operation, inner="", version="14.0", namespace_version=None):
        """POST one AXL request; ``inner`` is the XML inside ``<ns:operation>``."""
        ns_version = namespace_version or version
        body = (f'<?xml version="1.0" encoding="UTF-8"?>'
                f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:ns="{AXL_NS}{ns_version}" xmlns:xsi="{XSI}">'
                f"<soapenv:Body><ns:{operation}>{inner}</ns:{operation}></soapenv:Body></soapenv:Envelope>")
        return self.request("POST", self.path, body.encode("utf-8"),
                            {"Content-Type": "text/xml; charset=utf-8",
                             "SOAPAction": f'"CUCM:DB ver={version} {operation}"'})

    def get(self, path):
        return self.request("GET", path)


# ------------------------------------------------------------------ reading answers (namespace-free)
def find(element, path):
    """A descendant by slash-separated local names, or None."""
    node = element
    for part in path.split("/"):
        if node is None:
            return None
        node = next((c for c in node if isinstance(c.tag, str) and etree.QName(c).localname == part), None)
    return node


def children(element, name):
    if element is None:
        return []
    return [c for c in element if isinstance(c.tag, str) and etree.QName(c).localname == name]


def child_text(element, path, default=None):
    node = find(element, path) if element is not None else None
    if node is None:
        return default
    return node.text if node.text is not None else ""


def local(element):
    return etree.QName(element).localname


def attributes(element):
    """Attribute names of an element (local names, sorted)."""
    return sorted(etree.QName(k).localname for k in element.attrib) if element is not None else []
