"""SOAP 1.1 envelopes as CUCM's AXL service writes and reads them.

Responses are built from plain Python values in schema order:
- ``dict``: child elements in insertion order (build them in the XSD's order); a key starting
  with ``@`` is an attribute of the element;
- ``list``: the element repeated, once per item;
- ``Fk(name, uuid)``: an ``XFkType`` value, text plus a ``uuid="{UPPER}"`` attribute;
- ``str``/``int``; ``bool`` as ``true``/``false``; ``None`` and ``''`` as an empty element.
"""

import collections
from xml.sax.saxutils import escape, quoteattr
import re

from lxml import etree

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
AXL_NS_PREFIX = "http://www.cisco.com/AXL/API/"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True)

Fk = collections.namedtuple("Fk", "name uuid")
TEXT = "#text"   # in a dict: the element's own text, beside its attributes (simpleContent)


class Unwrapped(dict):
    """A response whose content sits directly in ``<xxxResponse>``, without ``<return>`` (listChange)."""


class AxlFault(Exception):
    """An AXL fault: ``soapenv:Fault`` with ``detail/axlError`` (axlcode, axlmessage, request).

    The faultcode is ``soapenv:Server``, except for duplicate keys (-239), which real CUCM answers
    with ``soapenv:Client`` (a captured addRoutePartition duplicate fault)."""

    def __init__(self, axlcode, message, faultcode=None):
        super().__init__(message)
        self.axlcode = axlcode
        self.message = message
        self.faultcode = faultcode or ("soapenv:Client" if axlcode == -239 else "soapenv:Server")


class ClientFault(Exception):
    """A fault raised by the SOAP layer before AXL handles the request (no axlError detail)."""

    def __init__(self, message, faultcode="soapenv:Client"):
        super().__init__(message)
        self.message = message
        self.faultcode = faultcode


def axl_ns(version):
    return AXL_NS_PREFIX + version


def braced(pkid):
    """AXL shows pkids as ``{UPPERCASE}``; SQL stores them lowercase without braces."""
    return "{" + pkid.upper() + "}" if pkid else ""


def unbraced(uuid):
    return uuid.strip().strip("{}").lower()


_NO_DTD = "Unmarshalling Error: a SOAP message must not contain a Document Type Declaration"
# A DOCTYPE can only come in the prolog: after an XML declaration, comments and PIs.
_DOCTYPE = re.compile(rb"^\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*)*<!DOCTYPE", re.S | re.I)


def parse_envelope(body):
    """Return ``(operation, namespace, element)`` of the request in a SOAP envelope."""
    if _DOCTYPE.match(body):
        # SOAP 1.1 section 3: "A SOAP message MUST NOT contain a Document Type Declaration".
        # Refused before parsing, so no entity is ever expanded.
        raise ClientFault(_NO_DTD)
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ClientFault(f"Unmarshalling Error: {exc}") from None
    if root.getroottree().docinfo.doctype:
        raise ClientFault(_NO_DTD)
    qname = etree.QName(root)
    if qname.localname == "Envelope" and qname.namespace != SOAP_ENV:
        # SOAP 1.1 section 4.4.1: an Envelope in another namespace (SOAP 1.2's) is a VersionMismatch.
        raise ClientFault(f"Unmarshalling Error: the Envelope namespace must be {SOAP_ENV}", "soapenv:VersionMismatch")
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise ClientFault("Unmarshalling Error: the request is not a SOAP 1.1 Envelope")
    body_el = root.find(f"{{{SOAP_ENV}}}Body")
    if body_el is None or len(body_el) == 0:
        raise ClientFault("Unmarshalling Error: the SOAP Body is empty")
    request = body_el[0]
    qname = etree.QName(request)
    return qname.localname, qname.namespace or "", request


def _envelope():
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV})
    return env, etree.SubElement(env, f"{{{SOAP_ENV}}}Body")


def _serialise(env):
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def response(operation, version, value):
    """The response envelope.  Written as text (not an lxml tree) because list answers hold
    hundreds of thousands of elements and this is several times faster; the output is the same
    as :func:`fill` would give."""
    out = ["<?xml version='1.0' encoding='UTF-8'?>\n",
           f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body>',
           f'<ns:{operation}Response xmlns:ns="{axl_ns(version)}">']
    if isinstance(value, Unwrapped):
        for key, item in value.items():
            for each in (item if isinstance(item, list) else [item]):
                _write(key, each, out)
    else:
        _write("return", value, out)
    out.append(f"</ns:{operation}Response></soapenv:Body></soapenv:Envelope>")
    return "".join(out).encode("utf-8")


def _write(tag, value, out):
    if isinstance(value, dict):
        attrs = "".join(f' {k[1:]}={quoteattr(str(v))}' for k, v in value.items() if k.startswith("@") and v is not None)
        out.append(f"<{tag}{attrs}>")
        for key, item in value.items():
            if key == TEXT:
                out.append(escape(str(item)) if item is not None else "")
                continue
            if key.startswith("@"):
                continue
            if isinstance(item, list):
                for each in item:
                    _write(key, each, out)
            else:
                _write(key, item, out)
        out.append(f"</{tag}>")
    elif isinstance(value, Fk):
        if value.name:
            out.append(f"<{tag} uuid={quoteattr(braced(value.uuid))}>{escape(value.name)}</{tag}>")
        else:
            out.append(f"<{tag}/>")
    elif isinstance(value, bool):
        out.append(f"<{tag}>{'true' if value else 'false'}</{tag}>")
    elif value is None or value == "":
        out.append(f"<{tag}/>")
    else:
        out.append(f"<{tag}>{escape(str(value))}</{tag}>")


def fault(faultcode, faultstring, axlcode=None, request=None):
    env, body = _envelope()
    f = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(f, "faultcode").text = faultcode
    etree.SubElement(f, "faultstring").text = faultstring
    if axlcode is not None:
        err = etree.SubElement(etree.SubElement(f, "detail"), "axlError")
        etree.SubElement(err, "axlcode").text = str(axlcode)
        etree.SubElement(err, "axlmessage").text = faultstring
        etree.SubElement(err, "request").text = request or ""
    return _serialise(env)


AXIS2_NS = "http://schemas.xmlsoap.org/soap/envelope/"


def axis2_fault(service_url, action):
    """What CUCM's Axis2 answers for an operation it cannot route (a captured answer: faultcode
    ``axis2ns1:Client``, "The endpoint reference (EPR) for the Operation not found is ... and the WSA
    Action = <SOAPAction>", an empty detail)."""
    message = (f"The endpoint reference (EPR) for the Operation not found is {service_url} and the WSA Action = "
               f"{action if action else 'null'}")
    return ("<?xml version='1.0' encoding='UTF-8'?>"
            f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body><soapenv:Fault '
            f'xmlns:axis2ns1="{AXIS2_NS}"><faultcode>axis2ns1:Client</faultcode>'
            f"<faultstring>{escape(message)}</faultstring><detail /></soapenv:Fault></soapenv:Body>"
            "</soapenv:Envelope>").encode("utf-8")


def fill(parent, value):
    """Write ``value`` (see the module docstring) as the content of ``parent``."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == TEXT:
                parent.text = None if item is None else str(item)
            elif key.startswith("@"):
                if item is not None:
                    parent.set(key[1:], str(item))
            elif isinstance(item, list):
                for each in item:
                    fill(etree.SubElement(parent, key), each)
            else:
                fill(etree.SubElement(parent, key), item)
    elif isinstance(value, Fk):
        parent.text = value.name or None
        if value.name:
            parent.set("uuid", braced(value.uuid))
    elif isinstance(value, bool):
        parent.text = "true" if value else "false"
    elif value is None or value == "":
        return
    else:
        parent.text = str(value)


def select(value, tags):
    """Keep only what ``returnedTags`` asks for.

    ``tags`` is the ``returnedTags`` element, or None for "everything".  An empty returned tag
    means the whole field; a returned tag with children selects inside it.  Attributes stay.
    """
    if tags is None or not isinstance(value, dict):
        return value
    wanted = {etree.QName(child).localname: child for child in tags if isinstance(child.tag, str)}
    out = {}
    for key, item in value.items():
        if key.startswith("@"):
            out[key] = item
        elif key in wanted:
            spec = wanted[key] if len(wanted[key]) else None
            out[key] = [select(i, spec) for i in item] if isinstance(item, list) else select(item, spec)
    return out


def child_text(element, path, default=None):
    """Text of a descendant by slash-separated local names (namespace-free, as AXL children are)."""
    node = find(element, path)
    if node is None:
        return default
    return node.text if node.text is not None else ""


def find(element, path):
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


def has(element, name):
    return find(element, name) is not None
