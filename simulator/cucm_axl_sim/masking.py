"""Secrets kept out of the request log (``--request-log``).

The log is a CI artifact, so it must not carry what the data says is secret:

- the ``password``, ``pin``, ``digestCredentials`` and ``mlppPassword`` elements of requests (by name);
- IP phone service secrets, which only the data can tell: the value of every subscription parameter
  whose service parameter is a password (``telecasterserviceparameter.hidden``), and the default of
  every password parameter.  The simulator knows them from its database (after the request), and from
  the request itself: the ``default`` of a ``parameter`` sent with ``paramPassword`` true, the values a
  subscription ``url`` carries for password parameters, and the string literals of an SQL statement
  that names a password parameter's pkid.  Every occurrence of such a value in the request and the
  response is replaced with ``********``, as sent, percent-encoded (a URL) or with doubled quotes (an
  SQL literal), in XML text and attributes only, so the logged XML stays well-formed.  Every secret met is
  remembered for the simulator's lifetime: a stale URL in a later answer still carries the value it replaced.
"""

import re
import urllib.parse

from lxml import etree

MASK = "********"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
_GUID = re.compile(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$")
# Secret fields masked by name, prefixed or not, with or without attributes.
SECRET_ELEMENTS = re.compile(rb"<((?:[\w.-]+:)?(?:password|pin|digestCredentials|mlppPassword))(\s[^>]*)?>[^<]*</\1\s*>")
_STRUCTURED = ("IpPhoneServices", "Phone", "DeviceProfile", "executeSQL")


def _local(element):
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _child_text(element, name):
    for child in element:
        if _local(child) == name:
            return child.text or ""
    return None


def stored_secrets(conn):
    """The service secrets the database holds: password parameters' subscribed values and defaults."""
    rows = conn.execute(
        "SELECT sp.value FROM telecastersubscribedparameter sp JOIN telecasterserviceparameter p "
        "ON p.pkid = sp.fktelecasterserviceparameter WHERE p.hidden = 't' AND sp.value <> '' "
        "UNION SELECT defaultvalue FROM telecasterserviceparameter WHERE hidden = 't' AND defaultvalue <> ''")
    return set(r[0] for r in rows)


def request_secrets(conn, operation, request):
    """Service secrets a request carries that the database may not hold (a refused write, say)."""
    if not any(part in operation for part in _STRUCTURED) or not request:
        return set()
    try:
        root = etree.fromstring(request, _PARSER)
    except etree.XMLSyntaxError:
        return set()
    found = set()
    hidden = None
    for element in root.iter():
        name = _local(element)
        if name == "parameter" and (_child_text(element, "paramPassword") or "").strip().lower() in ("t", "true", "1"):
            default = _child_text(element, "default")
            if default:
                found.add(default)
        elif name == "service" and "?" in (_child_text(element, "url") or ""):
            service = (_child_text(element, "telecasterServiceName") or "").strip()
            names = set(r[0] for r in conn.execute(
                "SELECT p.name FROM telecasterserviceparameter p JOIN telecasterservice s ON s.pkid = p.fktelecasterservice "
                "WHERE s.name = ? AND p.hidden = 't'", (service,)))
            query = _child_text(element, "url").split("?", 1)[1]
            found.update(v for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True) if k in names and v)
        elif name == "sql" and element.text:
            if hidden is None:
                hidden = set(r[0] for r in conn.execute("SELECT pkid FROM telecasterserviceparameter WHERE hidden = 't'"))
            literals = _literals(element.text)
            guids = set(v.strip("{}").lower() for v in literals if _GUID.match(v))
            if guids & hidden:
                found.update(v for v in literals if v and not _GUID.match(v))
    return found


def _literals(sql):
    from . import informix
    try:
        return [t.value for t in informix._tokenize(sql) if t.kind == "string"]
    except informix.SQLError:
        return []


class Masker:
    """Replaces secret values in logged exchanges (see the module docstring)."""

    def __init__(self):
        self._key = None
        self._text = self._raw = None

    def _patterns(self, secrets):
        key = frozenset(secrets)
        if key != self._key:
            variants = set()
            for secret in secrets:
                variants.update((secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote(secret),
                                 urllib.parse.quote_plus(secret), secret.replace("'", "''")))
            variants.discard("")
            raw = variants | set(v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for v in variants)

            def compile_(values):
                if not values:
                    return None
                alternation = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
                return re.compile("(?<![A-Za-z0-9])(?:%s)(?![A-Za-z0-9])" % alternation)

            self._key, self._text, self._raw = key, compile_(variants), compile_(raw)
        return self._text, self._raw

    def mask(self, data, secrets):
        """``data`` (bytes) with every occurrence of ``secrets`` masked."""
        if not data or not secrets:
            return data
        text_re, raw_re = self._patterns(secrets)
        raw = data.decode("utf-8", "replace")
        if raw_re is None or not raw_re.search(raw):
            return data
        if not raw.lstrip().startswith("<"):
            return raw_re.sub(MASK, raw).encode("utf-8")
        try:
            root = etree.fromstring(data, _PARSER)
        except etree.XMLSyntaxError:
            return raw_re.sub(MASK, raw).encode("utf-8")
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            if element.text:
                element.text = text_re.sub(MASK, element.text)
            if element.tail:
                element.tail = text_re.sub(MASK, element.tail)
            for attribute, value in element.attrib.items():
                element.set(attribute, text_re.sub(MASK, value))
        return etree.tostring(root, xml_declaration=raw.lstrip().startswith("<?xml"), encoding="UTF-8")


def mask_elements(request):
    return SECRET_ELEMENTS.sub(rb"<\1\2>" + MASK.encode() + rb"</\1>", request or b"")
