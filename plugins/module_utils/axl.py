# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AXL client: HTTP(S) and SOAP, nothing about CUCM objects.

- One HTTP session per task: Basic authentication on the first request, then the session
  cookie alone (JSESSIONIDSSO/JSESSIONID, kept by hand so a Domain attribute cannot make it
  vanish when CUCM is reached by IP address), over one keep-alive connection.
- Throttled writes (HTTP 503) and transient read faults are retried with full-jitter exponential
  backoff inside a total time budget.  Connection failures before a request is sent are retried.
- Paged reads shrink the page when an answer is too large, in every way CUCM says so: the "Query
  request too large" fault (to the size it suggests), an answer cut off mid-way (CUCM 12.5 can drop
  the connection), or "Maximum AXL Memory Allocation Consumed" (half the size each time); a page of
  one row that still fails is an error, so no size is ever retried forever.
  A write whose answer never arrives raises :class:`AmbiguousWrite`: the caller re-reads before
  deciding, so nothing is written twice.
- TLS is verified by default against ``ca_path`` or the system store; nothing in the
  environment (``REQUESTS_CA_BUNDLE`` and friends) overrides what the task said.
- An HTTP proxy (``proxy``; by default ``HTTPS_PROXY`` unless ``NO_PROXY`` names the host) is used
  with CONNECT: TLS runs end to end with CUCM through the tunnel, so the proxy sees no request.
- Built on ``http.client`` and lxml with the compact schema of ``axl_schema``: a module starts
  in a few milliseconds instead of loading Cisco's 4 MB WSDL.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import http.client
import io
import os
import random
import re
import socket
import ssl
import time

from ansible_collections.voiceops.cucm.plugins.module_utils import axl_schema
from ansible_collections.voiceops.cucm.plugins.module_utils.axl_schema import SchemaError  # noqa: F401 pylint: disable=unused-import

try:
    from lxml import etree
    HAS_LXML = True
except ImportError:  # pragma: no cover
    etree = None
    HAS_LXML = False

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WRITE_PREFIXES = ("add", "update", "remove", "apply", "reset", "restart", "wipe", "lock", "do")
SESSION_COOKIES = ("JSESSIONIDSSO", "JSESSIONID")
PROBE_VERSION = "12.5"   # accepted by CUCM 12.5, 14 and 15; an 11.5 cluster answers 599 with its list
MAX_CONNECT_ATTEMPTS = 3
IDLE_RECONNECT_S = 5.0   # reopen an idle keep-alive connection before a write (CUCM may have closed it)
_SUPPORTED_TEXT = re.compile(r"Supported axl versions(?:\s+are|\s*:)\s*([^<\n]*)", re.IGNORECASE)
_SUPPORTED = re.compile(r"\b(\d+)\.(\d+|x)\b")
MEMORY_FAULT = "Maximum AXL Memory Allocation Consumed"
# Operations whose answer has no <return>: the response element itself is returned.
UNWRAPPED = ("listChange",)
_TOO_LARGE = re.compile(r"Total rows matched:\s*(\d+).*?(?:Suggestive Row Fetch|Suggested row fetch):\s*less than\s*(\d+)",
                        re.IGNORECASE | re.DOTALL)


# A paged read's target answer size: AXL refuses answers over 8 MB, and a small page keeps the module small.
PAGE_BYTES = 2 * 1024 * 1024


def page_rows(row_bytes):
    """Rows per page for rows of about ``row_bytes`` bytes in the answer (at least 100)."""
    return max(100, PAGE_BYTES // row_bytes)


class AxlError(Exception):
    """Base of every error the client raises; ``str()`` is a message fit for a user."""


class AxlConnectionError(AxlError):
    pass


class AxlAuthError(AxlError):
    pass


class AxlVersionError(AxlError):
    def __init__(self, message, supported):
        super(AxlVersionError, self).__init__(message)
        self.supported = supported


class AxlThrottled(AxlError):
    pass


class AmbiguousWrite(AxlError):
    """A write was sent but no answer came back: it may or may not have been applied."""


class AxlIncompleteAnswer(AxlConnectionError):
    """A paged read whose answer did not arrive whole (the caller asks again for a smaller page)."""


class AxlFault(AxlError):
    def __init__(self, operation, axlcode, message, http_status=500):
        super(AxlFault, self).__init__("AXL %s failed (axlcode %s): %s" % (operation, axlcode, message))
        self.operation = operation
        self.axlcode = axlcode
        self.message = message
        self.http_status = http_status

    @property
    def not_found(self):
        return self.axlcode == 5007 or "not found" in (self.message or "").lower()

    @property
    def duplicate(self):
        return self.axlcode in (-239, -268) or "duplicate value" in (self.message or "").lower()

    @property
    def memory(self):
        """CUCM's "Maximum AXL Memory Allocation Consumed" (too many large answers at once)."""
        return MEMORY_FAULT in (self.message or "")

    @property
    def too_large(self):
        """``(rows matched, rows that fit)`` of a "Query request too large" fault, else None."""
        match = _TOO_LARGE.search(self.message or "")
        return (int(match.group(1)), int(match.group(2))) if match else None


class _NotSent(Exception):
    pass


# ---------------------------------------------------------------------------------- proxies
def environment_proxies():
    """The HTTPS proxy URLs of the environment (``HTTPS_PROXY``, ``https_proxy``), set and not empty."""
    return tuple(os.environ[n] for n in ("https_proxy", "HTTPS_PROXY") if os.environ.get(n))


def bypassed(host, no_proxy):
    """Whether ``NO_PROXY`` (comma-separated host names, domains with or without a leading dot, IP
    addresses, ``*`` for every host; a ``:port`` is ignored) names ``host``, as curl reads it."""
    host = host.strip("[]").lower().rstrip(".")
    for entry in (no_proxy or "").replace(" ", ",").split(","):
        entry = entry.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        if entry.startswith("[") and "]" in entry:
            entry = entry[1:entry.index("]")]
        elif entry.count(":") == 1:
            entry = entry.split(":")[0]
        entry = entry.lstrip(".").rstrip(".")
        if host == entry or host.endswith("." + entry):
            return True
    return False


def environment_proxy(host):
    """The proxy URL the environment gives for HTTPS to ``host``: ``HTTPS_PROXY`` (or ``https_proxy``)
    unless ``NO_PROXY`` (or ``no_proxy``) names the host; None when there is none."""
    proxies = environment_proxies()
    if not proxies:
        return None
    no_proxy = os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or ""
    return None if bypassed(host, no_proxy) else proxies[0]


_PROXY_URL = re.compile(r"^(?:(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*)://)?(?:(?P<user>[^:@/]*)(?::(?P<password>[^@/]*))?@)?"
                        r"(?P<host>\[[^\]]+\]|[^:/@]+)(?::(?P<port>\d+))?/?$")


def parse_proxy(url):
    """``(host, port, username, password)`` of an HTTP proxy URL (``http://[user:password@]host[:port]``,
    the scheme may be left out; port 8080 by default); AxlError for anything else."""
    match = _PROXY_URL.match((url or "").strip())
    if not match:
        raise AxlError("cucm_proxy: %r is not a proxy URL; write http://host:port (or http://user:password@host:port)"
                       % shown_proxy(url))
    scheme = (match.group("scheme") or "http").lower()
    if scheme != "http":
        raise AxlError("cucm_proxy: %s:// proxies are not supported; give the proxy's http:// URL (AXL's TLS runs through "
                       "the proxy's CONNECT tunnel end to end either way)" % scheme)
    user, password = match.group("user"), match.group("password")
    return (match.group("host").strip("[]"), int(match.group("port") or 8080),
            _unquote(user) if user else None, _unquote(password) if password is not None else None)


def _unquote(text):
    return re.sub(r"%([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), text)


def proxy_password(url):
    """The password inside a proxy URL, or None (it is a secret: never shown)."""
    match = _PROXY_URL.match((url or "").strip())
    return _unquote(match.group("password")) if match and match.group("password") else None


def shown_proxy(url):
    """A proxy URL as messages may show it: without its credentials."""
    return re.sub(r"//[^@/]*@", "//", url or "") if "@" in (url or "") else url


class _NoAnswer(Exception):
    pass


def sql_row(element):
    """An executeSQLQuery ``<row>`` as a dict: column name -> text, '' for NULL."""
    return dict((col.tag, col.text or "") for col in element)


def is_write(operation):
    return operation == "executeSQLUpdate" or operation.startswith(WRITE_PREFIXES)


class AxlClient(object):
    def __init__(self, host, username, password, port=8443, validate_certs=True, ca_path=None, axl_version=None,
                 timeout=30, retry_budget=120.0, retry_delay=2.0, sleep=time.sleep, jitter=random.random, proxy=None):
        if not HAS_LXML:
            raise AxlError("the Python library lxml is required on the host that runs the module")
        self.host = host
        self.port = int(port)
        self.username = username
        self.password = password
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.timeout = timeout
        self.retry_budget = retry_budget
        self.retry_delay = retry_delay
        self._sleep = sleep
        self._jitter = jitter
        self._version = axl_version
        self._conn = None
        self._last_used = 0.0
        self._cookies = {}
        self.counters = dict(requests=0, basic_auths=0, retries=0, throttled=0)
        self._family = [self]      # this client and its forks (see totals)
        self.url = "https://%s:%s/axl/" % ("[%s]" % host if ":" in host else host, self.port)
        self.proxy = shown_proxy(proxy) if proxy else None
        self._proxy = parse_proxy(proxy) if proxy else ()     # (host, port, username, password)
        self._context = self._tls_context()

    # ------------------------------------------------------------------ public API
    @property
    def version(self):
        """The AXL schema version in use (detected once with getCCMVersion when not given)."""
        if self._version is None:
            self._version = self._detect_version()
        return self._version

    def call(self, operation, body=None, write=None):
        """Send one AXL request; return the response's ``<return>`` element (lxml), or the response
        element itself for an operation whose answer has none (``UNWRAPPED``: listChange)."""
        return self._call(operation, body or {}, self.version, is_write(operation) if write is None else write)

    def sql_query(self, sql):
        """Rows of an executeSQLQuery as dicts (column name -> text, '' for NULL)."""
        ret = self.call("executeSQLQuery", {"sql": sql})
        return [sql_row(row) for row in ret.iterfind("row")]

    def sql_query_paged(self, sql, page_size=5000):
        """All rows of a SELECT (which must have an ORDER BY), as a list; see :meth:`iter_sql_paged`."""
        return list(self.iter_sql_paged(sql, page_size))

    def iter_sql_paged(self, sql, page_size=5000):
        """Yield the rows of a SELECT (which must have an ORDER BY), fetched ``SKIP n FIRST m`` at a
        time so that no answer exceeds AXL's 8 MB limit; on a "Query request too large" fault the
        page shrinks to what CUCM suggests and the same page is asked again.  Only one page is held
        at a time (bulk reads of 80,000 users would otherwise keep every row)."""
        head, rest = re.match(r"(?is)^\s*(select)\s+(.*)$", sql).groups()
        skip, attempt, deadline = 0, 0, time.monotonic() + self.retry_budget
        while True:
            try:
                page = self._call("executeSQLQuery", {"sql": "%s skip %d first %d %s" % (head, skip, page_size, rest)},
                                  self.version, False, stream="row", paged=True)
            except (AxlFault, AxlIncompleteAnswer) as exc:
                page_size, attempt = self._smaller_page(exc, page_size, attempt, deadline)
                continue
            count = 0
            for row in page:
                count += 1
                yield sql_row(row)
            if count < page_size:
                return
            skip += page_size

    def list_paged(self, operation, body, item, page_size):
        """Yield the ``item`` elements of a list operation, ``first``/``skip`` at a time; a page that
        is "too large" is asked again at the size CUCM suggests (each page's tree is freed before
        the next one is read)."""
        skip, attempt, deadline = 0, 0, time.monotonic() + self.retry_budget
        while True:
            try:
                page = self._call(operation, dict(body, skip=skip, first=page_size), self.version, False, stream=item,
                                  paged=True)
            except (AxlFault, AxlIncompleteAnswer) as exc:
                page_size, attempt = self._smaller_page(exc, page_size, attempt, deadline)
                continue
            count = 0
            for element in page:
                count += 1
                yield element
            if count < page_size:
                return
            skip += page_size

    def _smaller_page(self, exc, page_size, attempt, deadline):
        """The page size to ask again with after ``exc`` (re-raised when it is not about the size, or the
        page is already one row): what CUCM suggests for "too large", half for a cut-off answer or a
        memory fault (after a backoff for the latter: CUCM asks to retry once other requests are done)."""
        too_large = getattr(exc, "too_large", None)
        if too_large and page_size > 1:
            return max(1, min(page_size - 1, too_large[1] * 9 // 10)), attempt
        if isinstance(exc, AxlIncompleteAnswer) and page_size > 1:
            return max(1, page_size // 2), attempt
        if isinstance(exc, AxlFault) and exc.memory and page_size > 1:
            self._backoff(attempt, deadline)
            return max(1, page_size // 2), attempt + 1
        if isinstance(exc, AxlIncompleteAnswer):
            raise AxlConnectionError("%s; even a page of one row did not arrive whole" % exc)
        raise exc

    def sql_update(self, sql):
        ret = self.call("executeSQLUpdate", {"sql": sql})
        return int(ret.findtext("rowsUpdated") or 0)

    def fork(self):
        """Another client for a parallel worker: its own connection, the same session (cookie jar
        and schema version), so parallel writes cost no further authentication."""
        self.version  # noqa: B018 - detect the version once, before the workers start
        twin = AxlClient.__new__(AxlClient)
        twin.__dict__.update(self.__dict__)
        twin._conn = None
        twin._last_used = 0.0
        twin.counters = dict.fromkeys(self.counters, 0)
        self._family.append(twin)
        return twin

    def totals(self):
        """The counters of this client and of every fork of it, added up."""
        return dict((k, sum(c.counters[k] for c in self._family)) for k in self.counters)

    def close(self):
        if self._conn is not None:
            try:
                self._conn.close()
            except OSError:
                pass
            self._conn = None

    # ------------------------------------------------------------------ version detection
    def _detect_version(self):
        try:
            ret = self._call("getCCMVersion", {}, PROBE_VERSION, False)
        except AxlVersionError as exc:
            usable = [v for v in axl_schema.VERSIONS if v in exc.supported or v.split(".", maxsplit=1)[0] + ".x" in exc.supported]
            if not usable:
                raise AxlVersionError("CUCM at %s accepts AXL schema versions %s; this collection speaks %s"
                                      % (self.host, ", ".join(exc.supported), ", ".join(axl_schema.VERSIONS)),
                                      exc.supported)
            return usable[-1]
        full = ret.findtext("componentVersion/version") or ""
        return schema_for_release(full)

    # ------------------------------------------------------------------ one request, with retries
    def _call(self, operation, body, version, write, stream=None, paged=False):
        payload = axl_schema.envelope(operation, version, body)
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "Accept": "text/xml",
            "SOAPAction": '"CUCM:DB ver=%s %s"' % (version, operation),
        }
        deadline = time.monotonic() + self.retry_budget
        attempt = connect_failures = 0
        while True:
            try:
                status, data = self._exchange(payload, headers, write)
            except _NotSent as exc:
                connect_failures += 1
                if connect_failures >= MAX_CONNECT_ATTEMPTS or not self._backoff(attempt, deadline):
                    raise AxlConnectionError(str(exc))
                attempt += 1
                continue
            except _NoAnswer as exc:
                if write:
                    raise AmbiguousWrite("AXL %s was sent to %s but no answer came back (%s); it may have been "
                                         "applied" % (operation, self.host, exc))
                if paged:      # the pager asks again for a smaller page (CUCM 12.5 may cut a large answer)
                    raise AxlIncompleteAnswer("AXL %s to %s: the answer did not arrive whole (%s)"
                                              % (operation, self.host, exc))
                if not self._backoff(attempt, deadline):
                    raise AxlConnectionError("AXL %s to %s: no answer (%s)" % (operation, self.host, exc))
                attempt += 1
                continue
            if status == 503:
                self.counters["throttled"] += 1
                if not self._backoff(attempt, deadline):
                    raise AxlThrottled("CUCM at %s kept throttling AXL writes (HTTP 503) for %s s; the cluster's "
                                       "change queue is busy, retry later or raise cucm_retry_budget" % (self.host, self.retry_budget))
                attempt += 1
                continue
            try:
                return self._parse(operation, status, data, version, stream)
            except AxlFault as fault:
                if fault.memory and not paged and self._backoff(attempt, deadline):
                    attempt += 1
                    continue
                raise

    def _backoff(self, attempt, deadline):
        """Sleep a full-jitter exponential delay if the budget allows; False when it does not."""
        delay = self._jitter() * min(60.0, self.retry_delay * (2 ** attempt))
        if time.monotonic() + delay > deadline:
            return False
        self.counters["retries"] += 1
        self._sleep(delay)
        return True

    def _parse(self, operation, status, data, version, stream=None):
        if status == 200 and stream:
            return self._stream(data, operation, stream)
        if status == 200:
            root = self._xml(data, operation)
            body = root.find("{%s}Body" % SOAP_ENV)
            response = body[0] if body is not None and len(body) else None
            if response is not None and operation in UNWRAPPED:
                return response
            ret = response.find("return") if response is not None else None
            if ret is None:
                raise AxlError("AXL %s: the answer from %s has no <return> element" % (operation, self.host))
            return ret
        if status == 500 and data.lstrip().startswith(b"<"):
            root = self._xml(data, operation)
            fault = root.find(".//{%s}Fault" % SOAP_ENV)
            if fault is not None:
                code = fault.findtext(".//{*}axlcode") or fault.findtext(".//axlcode")
                message = fault.findtext(".//{*}axlmessage") or fault.findtext("faultstring") or ""
                raise AxlFault(operation, int(code) if code and re.match(r"^-?\d+$", code) else None, message.strip(), status)
        if status == 401:
            raise AxlAuthError("CUCM at %s refused the AXL user %r (HTTP 401): check the username and password; the "
                               "user also needs an AXL role such as 'Standard AXL API Access'" % (self.host, self.username))
        if status == 403:
            raise AxlAuthError("AXL user %r is not allowed to call %s on %s (HTTP 403): give it the 'Standard AXL API "
                               "Access' role (read-only users: 'Standard AXL Read Only API Access')"
                               % (self.username, operation, self.host))
        if status == 599:
            supported, said = versions_of_599(data.decode("utf-8", "replace"))
            raise AxlVersionError("CUCM at %s does not accept AXL schema %s (HTTP 599: %s); set cucm_axl_version to one it "
                                  "accepts, or leave it unset to detect it" % (self.host, version, said), supported)
        if status == 404:
            raise AxlConnectionError("no AXL service at %s (HTTP 404): is the Cisco AXL Web Service activated on this "
                                     "node? (AXL is usually reached on the publisher)" % self.url)
        raise AxlError("AXL %s: unexpected HTTP %s from %s: %s" % (operation, status, self.host,
                                                                   data[:200].decode("utf-8", "replace")))

    def _stream(self, data, operation, tag):
        """Yield the ``tag`` children of the answer's ``<return>`` one at a time, each freed once the
        consumer moves on: a page's full tree would cost ten times its 2 MB of XML."""
        context = etree.iterparse(io.BytesIO(data), events=("end",), tag=tag, resolve_entities=False, no_network=True,
                                  huge_tree=True, remove_blank_text=True)
        try:
            for _event, element in context:
                parent = element.getparent()
                if parent is None or parent.tag != "return":
                    continue    # a nested element of the same name (a column called "row")
                yield element
                element.clear()
                while element.getprevious() is not None:
                    del parent[0]
        except etree.XMLSyntaxError as exc:
            raise AxlError("AXL %s: the answer from %s is not XML (%s)" % (operation, self.host, exc))

    def _xml(self, data, operation):
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=True)
        try:
            return etree.fromstring(data, parser)
        except etree.XMLSyntaxError as exc:
            raise AxlError("AXL %s: the answer from %s is not XML (%s)" % (operation, self.host, exc))

    # ------------------------------------------------------------------ HTTP
    def _exchange(self, payload, headers, write):
        """POST once (re-authenticating with Basic if the session cookie is refused)."""
        headers = dict(headers)
        if self._cookies:
            headers["Cookie"] = "; ".join("%s=%s" % kv for kv in self._cookies.items())
            status, data = self._post(payload, headers, write)
            if status not in (401, 404):
                return status, data
            # The session expired (CUCM answers 404 after 30 idle minutes) or was refused: the
            # request was not processed, so sending it again with Basic is safe even for a write.
            self._cookies.clear()
            del headers["Cookie"]
        token = base64.b64encode(("%s:%s" % (self.username, self.password)).encode("utf-8")).decode("ascii")
        headers["Authorization"] = "Basic " + token
        self.counters["basic_auths"] += 1
        return self._post(payload, headers, write)

    def _post(self, payload, headers, write):
        if write and self._conn is not None and time.monotonic() - self._last_used > IDLE_RECONNECT_S:
            self.close()
        conn = self._connection()
        self.counters["requests"] += 1
        try:
            conn.request("POST", "/axl/", body=payload, headers=headers)
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise _NoAnswer("sending failed: %s" % exc)
        try:
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise _NoAnswer("%s: %s" % (type(exc).__name__, exc))
        self._last_used = time.monotonic()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _sep, val = cookie.partition("=")
                if key.strip() in SESSION_COOKIES and val:
                    self._cookies[key.strip()] = val.strip()
        if response.getheader("Connection", "").lower() == "close" or response.will_close:
            self.close()
        return response.status, data

    def _connection(self):
        if self._conn is None:
            if self._proxy:
                proxy_host, proxy_port, user, password = self._proxy
                conn = http.client.HTTPSConnection(proxy_host, proxy_port, timeout=self.timeout, context=self._context)
                headers = {}
                if user is not None:
                    token = ("%s:%s" % (user, password or "")).encode("utf-8")
                    headers["Proxy-Authorization"] = "Basic " + base64.b64encode(token).decode("ascii")
                conn.set_tunnel(self.host, self.port, headers=headers)
            else:
                conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=self._context)
            try:
                conn.connect()
            except ssl.SSLCertVerificationError as exc:
                raise AxlConnectionError(
                    "TLS certificate verification failed for %s:%s (%s). Set cucm_ca_path to the CA certificate that "
                    "issued CUCM's Tomcat certificate (or the self-signed certificate itself); cucm_validate_certs: false "
                    "turns the check off and belongs in a lab only" % (self.host, self.port, exc.verify_message or exc))
            except ssl.SSLError as exc:
                raise AxlConnectionError("TLS handshake with %s:%s failed: %s" % (self.host, self.port, exc))
            except socket.timeout:
                raise _NotSent("connecting to %s:%s%s timed out after %s s; check host, port and firewalls"
                               % (self.host, self.port, self._via(), self.timeout))
            except OSError as exc:
                text = str(getattr(exc, "strerror", None) or exc)
                if self._proxy and text.startswith("Tunnel connection failed"):
                    raise AxlConnectionError("the proxy %s refused to open a tunnel to %s:%s (%s); check cucm_proxy (or "
                                             "HTTPS_PROXY), its credentials, and that it allows CONNECT to that port"
                                             % (self.proxy, self.host, self.port, text))
                raise _NotSent("cannot connect to CUCM AXL at %s%s: %s; check host and port (8443) and that the "
                               "Cisco AXL Web Service is activated" % (self.url, self._via(), text))
            self._conn = conn
            self._last_used = time.monotonic()
        return self._conn

    def _via(self):
        return " through the proxy %s" % self.proxy if self.proxy else ""

    def _tls_context(self):
        if not self.validate_certs:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        if self.ca_path:
            if not os.path.exists(self.ca_path):
                raise AxlConnectionError("cucm_ca_path %s does not exist" % self.ca_path)
            if os.path.isdir(self.ca_path):
                return ssl.create_default_context(capath=self.ca_path)
            return _file_context(self.ca_path)
        return ssl.create_default_context()


def _file_context(path):
    """A verifying TLS context trusting the certificates of ``path``: PEM (one or many), or one DER
    certificate, the form CUCM's certificate management page offers as a download."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (OSError, IOError) as exc:
        raise AxlConnectionError("cucm_ca_path %s cannot be read: %s" % (path, exc))
    context = ssl.create_default_context()
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            context.load_verify_locations(cadata=data.decode("ascii", "replace"))
        else:
            context.load_verify_locations(cadata=data)      # bytes: DER
    except (ssl.SSLError, ValueError) as exc:
        raise AxlConnectionError("cucm_ca_path %s holds no certificate that can be read (%s); give the CA certificate "
                                 "of the cluster in PEM or DER form" % (path, exc))
    return context


def versions_of_599(text):
    """``(versions, message)`` of an HTTP 599 answer: the schema versions CUCM lists, as written ("12.x" stands
    for every 12 version), in order, and the sentence that lists them.  CUCM sends Tomcat's HTML error page
    ("Incorrect axl version. Supported axl versions are 12.x, 14.0 and 15.0"); only that sentence is read, so
    other numbers on the page (Tomcat's own version) are never taken for schema versions."""
    match = _SUPPORTED_TEXT.search(text)
    listed = match.group(1) if match else ""
    versions = []
    for major, minor in _SUPPORTED.findall(listed):
        if "%s.%s" % (major, minor) not in versions:
            versions.append("%s.%s" % (major, minor))
    message = re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", text)).strip()
    sentence = re.search(r"Incorrect axl version[^<]*?(?:Supported axl versions[^<]*)?(?=$|\s{2}|<)", text, re.IGNORECASE)
    return versions, (sentence.group(0).strip() if sentence else message)[:200]


def schema_for_release(release):
    """The schema version to speak to a CUCM release string such as ``14.0.1.13900-155``."""
    parts = re.findall(r"\d+", release)
    if len(parts) < 2:
        raise AxlError("cannot read the CUCM version from %r" % release)
    major, minor = int(parts[0]), int(parts[1])
    if major >= 15:
        return "15.0"
    if major == 14:
        return "14.0"
    if major == 12 and minor >= 5:
        return "12.5"
    if major in (11, 12) and (major, minor) >= (11, 5):
        return "11.5"
    raise AxlVersionError("CUCM %s is older than 11.5, the oldest release this collection supports" % release, [])
