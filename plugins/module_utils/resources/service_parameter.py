# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Enterprise and service parameters: listServiceParameter reads, updateServiceParameter writes.

A parameter is a value of one service on one process node (CUCM's ``processconfig`` row): an
enterprise parameter belongs to the cluster-wide node ``EnterpriseWideData`` and the service
``Enterprise Wide``; a service parameter to a server and a service such as ``Cisco Extension
Mobility``.  AXL knows parameters by their internal names (``CCMUserShowCallForward``); the
administration pages show other names ("Show Call Forwarding").  :data:`CATALOGUE` maps the
parameters the collection documents (the Self Care Portal options among them) between the two and
says how their values compare: booleans, integers with a range, enumerations by the label CUCM
shows; any other parameter can be addressed by its internal name and compares as CUCM types it
(``valueType`` boolean and long) or as text.

Facts not published by Cisco are marked UNCONFIRMED in :data:`CATALOGUE` and docs/service-parameters.md:
the internal names the collection could not find in public sources, the codes behind enumeration
labels, and the form a value is written in (a boolean as ``T``/``F``, the database's form).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.voiceops.cucm.plugins.module_utils import axl
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import suggest

ENTERPRISE_NODE = "EnterpriseWideData"
ENTERPRISE_SERVICE = "Enterprise Wide"
PAGE_SIZE = 500
_TRUE = ("true", "t", "yes", "y", "on", "1")
_FALSE = ("false", "f", "no", "n", "off", "0")
_INTEGER = re.compile(r"^\s*-?\d+\s*$")


class Spec(object):
    """A parameter the collection documents: its service, internal name, the name the administration
    page shows (and older ones in ``aliases``), how its value compares (``kind``: bool, int, enum,
    server or str), its default as CUCM shows it, an enumeration's ``choices`` (label -> code) or an
    integer's range, and what of it is UNCONFIRMED."""

    def __init__(self, service, name, label, kind, default, choices=None, minimum=None, maximum=None, aliases=(),
                 unconfirmed=""):
        self.service = service
        self.name = name
        self.label = label
        self.kind = kind
        self.default = default
        self.choices = choices or {}
        self.minimum = minimum
        self.maximum = maximum
        self.aliases = tuple(aliases)
        self.unconfirmed = unconfirmed


ES = ENTERPRISE_SERVICE
CATALOGUE = (
    # Self Care Portal Parameters (Feature Configuration Guide, "Self Care Portal")
    Spec(ES, "CCMUserOptionsPortalDefaultServer", "Self Care Portal Default Server", "server", "None",
         unconfirmed="how CUCM stores None and a server (a node name is assumed)"),
    Spec(ES, "CCMUserShowCallForward", "Show Call Forwarding", "bool", True, unconfirmed="type and default"),
    Spec(ES, "CCMUserShowRingSettings", "Show Ring Settings", "bool", True, unconfirmed="default"),
    Spec(ES, "CCMUserShowLineLabelSettings", "Show Line Label Settings", "bool", True,
         unconfirmed="internal name and default"),
    Spec(ES, "CCMUserShowIPPhoneServicesSettings", "Show IP Phone Services Settings", "bool", True,
         unconfirmed="page name and default"),
    Spec(ES, "CCMUserShowPhonesReadyToActivate", "Show Phones Ready To Activate", "bool", True,
         unconfirmed="internal name"),
    # User Management Parameters (System Configuration Guide, "Manage User Access")
    Spec(ES, "EffectivePrivilegeForOverlappingGroups", "Effective Access Privileges For Overlapping User Groups and Roles",
         "enum", "Maximum", choices={"Maximum": "1", "Minimum": "0"}, unconfirmed="internal name and codes"),
    Spec(ES, "refreshTokenExpiryTimer", "OAuth Refresh Token Expiry Timer (days)", "int", 60, minimum=1, maximum=3650,
         unconfirmed="range and default"),
    # Cisco Extension Mobility service parameters (Feature Configuration Guide, "Extension Mobility")
    Spec("Cisco Extension Mobility", "EMMultipleLoginBehavior", "Multiple Login Behavior", "enum",
         "Multiple Logins Not Allowed", aliases=("Intra-cluster Multiple Login Behavior",),
         choices={"Multiple Logins Allowed": "1", "Multiple Logins Not Allowed": "2", "Auto Logout": "3"},
         unconfirmed="internal name, codes and default"),
    Spec("Cisco Extension Mobility", "EMEnforceMaxLoginTime", "Enforce Intra-cluster Maximum Login Time", "bool", False,
         unconfirmed="internal name and default"),
)


def _fold(text):
    return " ".join((text or "").split()).lower()


def lookup(service, name):
    """The Spec a name (internal, page name or an older page name) designates in ``service``, or None."""
    for spec in CATALOGUE:
        if spec.service == service and spec.name == name:
            return spec
    wanted = _fold(name)
    for spec in CATALOGUE:
        if spec.service == service and wanted in [_fold(spec.label)] + [_fold(a) for a in spec.aliases]:
            return spec
    return None


def kind_of(spec, value_type):
    if spec is not None:
        return spec.kind
    return {"boolean": "bool", "long": "int"}.get((value_type or "").lower(), "str")


# ------------------------------------------------------------------ values: CUCM <-> canonical <-> user
def from_cucm(kind, spec, text):
    """A value as CUCM returns it, in the form the module compares and shows (bool, int, a label)."""
    text = text or ""
    if kind == "bool" and text.strip().lower() in _TRUE + _FALSE:
        return text.strip().lower() in _TRUE
    if kind == "int" and _INTEGER.match(text):
        return int(text)
    if kind == "enum":
        for label, code in spec.choices.items():
            if text.strip() == code or _fold(text) == _fold(label):
                return label
    if kind == "server":
        return "None" if _fold(text) in ("", "none") else text
    return text


def from_user(kind, spec, value, where):
    """A declared value in canonical form; CucmError naming ``where`` if the type does not allow it."""
    if value is None:
        raise CucmError("%s: a value is required" % where)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        raise CucmError("%s: %r is not a boolean (true or false)" % (where, value))
    if kind == "int":
        if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and _INTEGER.match(value))):
            raise CucmError("%s: %r is not an integer" % (where, value))
        number = int(value)
        low = spec.minimum if spec is not None else None
        high = spec.maximum if spec is not None else None
        if (low is not None and number < low) or (high is not None and number > high):
            raise CucmError("%s: %d is outside the range CUCM allows, %s to %s" % (where, number, low, high))
        return number
    if isinstance(value, (bool, dict, list)):
        raise CucmError("%s: %r is not text" % (where, value))
    text = value if isinstance(value, str) else str(value)
    if kind == "enum":
        for label, code in spec.choices.items():
            if _fold(text) == _fold(label) or text.strip() == code:
                return label
        raise CucmError("%s: %r is not one of %s" % (where, text, ", ".join(repr(c) for c in spec.choices)))
    if kind == "server":
        return "None" if _fold(text) in ("", "none") else text.strip()
    if len(text) > 255:
        raise CucmError("%s: the value is %d characters long; CUCM keeps at most 255" % (where, len(text)))
    return text


def to_cucm(kind, spec, value):
    """The text updateServiceParameter sends for a canonical value."""
    if kind == "bool":
        return "T" if value else "F"
    if kind == "int":
        return str(value)
    if kind == "enum":
        return spec.choices[value]
    if kind == "server":
        return "" if value == "None" else value
    return value


# ------------------------------------------------------------------ declarations
class Declared(object):
    """One declared parameter, resolved: where it lives, its Spec (or None) and the wanted value."""

    def __init__(self, index, item, where):
        self.index = index
        self.where = where
        self.service = (item.get("service") or ENTERPRISE_SERVICE).strip()
        name = (item.get("name") or "").strip()
        if not name:
            raise CucmError("%s.name: give the parameter's name (as the administration page shows it, or its internal "
                            "name)" % where)
        self.spec = lookup(self.service, name)
        if self.spec is None and " " in name:
            known = [s.label for s in CATALOGUE if s.service == self.service]
            raise CucmError("%s.name: %r is not a %s parameter the collection knows by its page name%s; give its "
                            "internal name (cucm_service_parameter_info lists them)"
                            % (where, name, self.service, suggest(name, known)))
        self.name = self.spec.name if self.spec else name
        self.label = self.spec.label if self.spec else name
        node = (item.get("process_node") or "").strip()
        if self.service == ENTERPRISE_SERVICE:
            if node and node.lower() != ENTERPRISE_NODE.lower():
                raise CucmError("%s.process_node: enterprise parameters belong to %s, not %r"
                                % (where, ENTERPRISE_NODE, node))
            node = ENTERPRISE_NODE
        elif not node:
            raise CucmError("%s.process_node: service %r parameters belong to a server: name it (as System > Server "
                            "shows it)" % (where, self.service))
        self.node = node
        self.raw = item.get("value")
        self.value = None          # canonical, once the parameter's type is known
        self.current = None        # canonical current value
        self.kind = None

    @property
    def key(self):
        return (self.node.lower(), self.service, self.name)

    @property
    def title(self):
        return self.label if self.service == ENTERPRISE_SERVICE else "%s (%s): %s" % (self.service, self.node, self.label)


def declarations(module_params):
    """The declared parameters: ``parameters`` (a list) or the single ``name``/``value`` form."""
    items = module_params.get("parameters")
    single = items is None
    if single:
        if not module_params.get("name"):
            raise CucmError("give name and value, or a list of parameters")
        items = [dict(name=module_params["name"], value=module_params.get("value"),
                      service=module_params.get("service"), process_node=module_params.get("process_node"))]
    elif not items:
        raise CucmError("parameters: give at least one parameter")
    declared, seen = [], {}
    for index, item in enumerate(items):
        one = Declared(index, item, "name" if single else "parameters[%d]" % index)
        if one.key in seen:
            other = seen[one.key]
            if other.raw != one.raw:
                raise CucmError("%s: %s is declared twice, with %r and %r" % (one.where, one.title, other.raw, one.raw))
            continue
        seen[one.key] = one
        declared.append(one)
    return declared


# ------------------------------------------------------------------ reading
def read_group(client, node, service):
    """``{internal name: (value text, valueType, node as CUCM spells it)}`` of one service on one node."""
    body = {"searchCriteria": {"processNodeName": node, "service": service},
            "returnedTags": {"processNodeName": "", "name": "", "service": "", "value": "", "valueType": ""}}
    out = {}
    for element in client.list_paged("listServiceParameter", body, "serviceParameter", PAGE_SIZE):
        found_node = element.findtext("processNodeName") or ""
        if found_node.lower() != node.lower() or (element.findtext("service") or "") != service:
            continue       # searchCriteria are LIKE patterns: keep the exact matches only
        out[element.findtext("name") or ""] = (element.findtext("value") or "", element.findtext("valueType") or "",
                                               found_node)
    return out


def read(client, declared):
    """Fill ``current``/``kind``/``value`` of every declaration (one listServiceParameter per node and
    service); CucmError, before any write, for a parameter that does not exist or a value its type refuses."""
    groups = {}
    for one in declared:
        groups.setdefault((one.node.lower(), one.service), one.node)
    found = dict(((node, service), read_group(client, spelled, service)) for (node, service), spelled in groups.items())
    for one in declared:
        present = found[(one.node.lower(), one.service)]
        if one.name not in present:
            if not present:
                raise CucmError("%s: server %r has no parameters of service %r (check process_node and service)"
                                % (one.where, one.node, one.service))
            raise CucmError("%s: %s has no parameter %r%s" % (one.where, "%s on %s" % (one.service, one.node), one.name,
                                                              suggest(one.name, present)))
        text, value_type, spelled = present[one.name]
        one.node = spelled
        one.kind = kind_of(one.spec, value_type)
        one.current = from_cucm(one.kind, one.spec, text)
        one.value = from_user(one.kind, one.spec, one.raw, one.where + ".value")


def public(one, value):
    out = dict(name=one.label, internal_name=one.name, service=one.service, process_node=one.node, value=value)
    if one.spec is not None:
        out["default"] = one.spec.default
    return out


def _update(client, one):
    body = {"processNodeName": one.node, "name": one.name, "service": one.service,
            "value": to_cucm(one.kind, one.spec, one.value)}
    try:
        client.call("updateServiceParameter", body)
    except axl.AmbiguousWrite:
        # setting a value twice is harmless: read it again and send it once more if it is not there
        text = read_group(client, one.node, one.service).get(one.name, ("", "", ""))[0]
        if from_cucm(one.kind, one.spec, text) != one.value:
            client.call("updateServiceParameter", body)


def converge(module):
    """The module result of cucm_service_parameter: every declaration read and checked first, then
    only the parameters that differ written (nothing in check mode)."""
    declared = declarations(module.params)
    client = module.client
    read(client, declared)
    changing = [one for one in declared if one.value != one.current]
    written, results = [], []
    for one in declared:
        results.append(dict(public(one, one.value if one in changing else one.current), changed=one in changing))
    result = dict(changed=bool(changing), parameters=results)
    if module.diff_mode:
        result["diff"] = dict(before=dict((one.title, one.current) for one in declared),
                              after=dict((one.title, one.value if one in changing else one.current) for one in declared))
    if module.check_mode:
        return result
    for one in changing:
        try:
            _update(client, one)
        except (axl.AxlFault, axl.AxlError, axl.SchemaError) as exc:
            for entry, other in zip(results, declared):
                if other in changing and other not in written:
                    entry.update(changed=False, value=other.current)
            raise CucmError("%s: CUCM refused %s = %r: %s%s" % (
                one.where, one.title, one.value, exc,
                "; already written: %s" % ", ".join(o.title for o in written) if written else "; nothing was written"),
                changed=bool(written), parameters=results)
        written.append(one)
    return result


def gather(client, service, node, names=None):
    """``(parameters, read_only)`` for cucm_service_parameter_info: the parameters of one service on one
    node in the input shape of cucm_service_parameter, and what else CUCM says of each, by name."""
    if service == ENTERPRISE_SERVICE:
        node = node or ENTERPRISE_NODE
    elif not node:
        raise CucmError("process_node: service %r parameters belong to a server: name it" % service)
    present = read_group(client, node, service)
    wanted = None
    if names:
        wanted = set()
        for name in names:
            spec = lookup(service, name)
            internal = spec.name if spec else name
            if internal not in present:
                raise CucmError("names: %s on %s has no parameter %r%s" % (service, node, name, suggest(internal, present)))
            wanted.add(internal)
    parameters, read_only = [], {}
    for internal in sorted(present):
        if wanted is not None and internal not in wanted:
            continue
        text, value_type, spelled = present[internal]
        spec = lookup(service, internal)
        kind = kind_of(spec, value_type)
        label = spec.label if spec else internal
        item = dict(name=label, value=from_cucm(kind, spec, text), service=service)
        if service != ENTERPRISE_SERVICE:
            item["process_node"] = spelled
        parameters.append(item)
        facts = dict(internal_name=internal, value_type=value_type, raw_value=text, documented=spec is not None)
        if spec is not None:
            facts["default"] = spec.default
            if spec.choices:
                facts["choices"] = list(spec.choices)
        read_only[label] = facts
    return parameters, read_only
