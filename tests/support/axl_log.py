"""Validate a simulator request log (--request-log) against Cisco's AXLSoap.xsd.

Shared by the simulator tests and the integration tests: every logged request and response
body is checked against the real schema of its version, so a wrong element order, a missing
required element or a wrong type anywhere in the suite fails the run.
"""

import copy
import json
import re
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT.parent / "shared" / "axl-schema"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
AXL_NS = "http://www.cisco.com/AXL/API/"
VERSIONS = ("11.5", "12.5", "14.0", "15.0")
_SCHEMAS = {}
# getLdapSyncStatus: the texts public AXL clients compare with ("Sync is performed successfully", ...),
# which Cisco's StandardResponse pattern (true, false or a uuid) does not allow; the simulator answers
# them by default (--compat ldap-sync-status=text) as the evidence says real clusters do.
LDAP_STATUS = re.compile(r"<return>(Sync [^<]*)?</return>|<return/>")


def schema(version):
    if version not in _SCHEMAS:
        _SCHEMAS[version] = etree.XMLSchema(etree.parse(str(SCHEMA_DIR / version / "AXLSoap.xsd")))
    return _SCHEMAS[version]


def _qualified_axl_error(err, version):
    """``axlError`` travels unqualified inside the Fault; the XSD declares it in the AXL namespace."""
    fixed = etree.Element(f"{{{AXL_NS}{version}}}axlError")
    for child in err:
        fixed.append(copy.deepcopy(child))
    return fixed


def validate_log(path, default_version="14.0"):
    """Return ``(checked, problems)`` for a request log file."""
    problems, checked = [], 0
    path = Path(path)
    if not path.exists():
        return checked, problems
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        entry = json.loads(line)
        for side in ("request", "response"):
            text = entry[side]
            if side == "request" and entry["status"] != 200:
                continue   # requests refused on purpose (bad versions, strict-mode rejects, robustness tests)
            if side == "response" and entry["operation"] == "getLdapSyncStatus" and LDAP_STATUS.search(text):
                continue   # real clusters answer status texts the XSD's pattern does not allow (cucm_axl_sim/ldap.py)
            if not text.lstrip().startswith("<"):
                continue
            try:
                root = etree.fromstring(text.encode())
            except etree.XMLSyntaxError:
                continue
            body = root.find(f"{{{SOAP_ENV}}}Body")
            if body is None or not len(body):
                continue
            element = body[0]
            if element.tag == f"{{{SOAP_ENV}}}Fault":
                err = element.find("detail/axlError")
                if err is None:
                    continue
                element = _qualified_axl_error(err, default_version)
            namespace = etree.QName(element).namespace or ""
            version = namespace[len(AXL_NS):] if namespace.startswith(AXL_NS) else ""
            if version not in VERSIONS:
                continue
            checked += 1
            xsd = schema(version)
            if not xsd.validate(copy.deepcopy(element)):
                problems.append(f"{path.name}:{number} {entry['operation']} {side}: {xsd.error_log.last_error}")
    return checked, problems
