# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IP phone services: the service definitions (AXL ``*IpPhoneServices``), the subscription lists
of phones and device profiles (``services`` of ``getPhone``/``updatePhone`` and
``getDeviceProfile``/``updateDeviceProfile``), and stale subscription URLs.

CUCM keeps a subscription's parameter values (``telecastersubscribedparameter``) apart from the
URL the phone requests (``telecastersubscribedservice.serviceurl``/``secureserviceurl``, built
from the service's URL template and those values).  Some edits (the Self Care Portal's, a changed
URL template) change one and not the other: the URL is *stale* until an administrator saves the
device again (or presses "Update Subscriptions").

Stale is decided without guessing how CUCM encodes a URL: a stored URL is stale when it does not
start with the service's current template, or when the ``name=value`` pairs of its query string
(decoded) are not exactly the subscription's value rows.  The fix is what an administrator does:
save the device again through AXL with its subscription list as read but without the URLs (CUCM
rebuilds them from the value rows), once per device; a URL still stale after that is set by SQL to
the template followed by ``name=value`` pairs (values percent-encoded) in the service's parameter
order.

A subscription's stored URL is never sent back: whether CUCM parses a re-sent ``url`` into the
parameter values is unconfirmed, and if it does, a stale URL sent back would overwrite the value an
agent set in Self Care (the simulator's default, ``--compat resave-url=parse``, does exactly that).
Every ``services`` list this collection writes leaves ``url`` out, so the values rows stay the truth
under every behaviour (parsed, ignored, or stored as sent).

Parameters have no order in CUCM (the data dictionary has no order column, and the order
``getIpPhoneServices`` returns is not the declared one): they are compared by name.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    from urllib.parse import parse_qsl, quote
except ImportError:  # pragma: no cover - Python 2 is not supported by the collection
    parse_qsl = quote = None

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.voiceops.cucm.plugins.module_utils import axl, sql
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import MASK, Option, Resource

CATEGORIES = ("XML Service", "Java MIDlet", "Web Widget", "Web Link", "Android APK")   # XSD XPhoneServiceCategory
SERVICE_TYPES = ("Standard IP Phone Service", "Directories", "Messages")             # XSD XPhoneService
DEVICE_TYPES = ("phone", "device_profile")

# Field validations of the data dictionary (DD12.5 telecasterservice, telecasterserviceparameter,
# telecastersubscribedparameter, telecastersubscribedservice), checked before anything is sent.
URL = r"^[]a-zA-Z0-9 !#$%&'()*+,./:;<=>?@[^_{|}~\\-]{0,512}\Z"
URL_HINT = "at most 512 characters of letters, digits, spaces and URL punctuation (no double quote or back quote)"
VALUE = r"^[]a-zA-Z0-9 !@#$%^&*()_+=[{}|';:,.<>/?`~\\-]{0,100}\Z"
VALUE_HINT = "at most 100 printable ASCII characters, no double quote"
ASCII_NAME = r"^[]a-zA-Z0-9 !#$%&'()*+,./:;<=>?@[^_{|}~\\-]{0,32}\Z"
PARAMETER_NAME = r"^[a-zA-Z0-9_./:;,-]{1,50}\Z"
PARAMETER_DISPLAY = r"^[]a-zA-Z0-9 !#$'()*+,./:;=?@[^_`{|}~\\-]{1,50}\Z"
PARAMETER_DESCRIPTION = r'^[^\x00-\x1f"%<>]{0,255}\Z'
MAX_SUBSCRIPTIONS = 100     # RI-189


class ParameterList(Option):
    """A service's parameters, compared by name (CUCM keeps no order): the same parameters with the same
    fields, in any order, are no change."""

    def norm(self, value):
        return sorted((dict(p) for p in value or []), key=lambda p: p.get("name") or "")


def in_declared_order(current, declared):
    """CUCM's parameter list in the declared order (names not declared after, as CUCM gave them), so that a
    diff lines up the same parameters."""
    order = dict((p["name"], i) for i, p in enumerate(declared or []))
    return sorted(current, key=lambda p: order.get(p["name"], len(order)))


SERVICE_OPTIONS = (
    Option("url", "serviceUrl", pattern=URL, pattern_hint=URL_HINT),
    Option("secure_url", "secureServiceUrl", pattern=URL, pattern_hint=URL_HINT),
    Option("description", "serviceDescription", pattern=r'^[^\x00-\x1f"`]{0,100}\Z',
           pattern_hint="at most 100 characters, no double quote or back quote"),
    Option("category", "serviceCategory", choices=CATEGORIES),
    Option("type", "serviceType", choices=SERVICE_TYPES),
    Option("vendor", "serviceVendor", pattern=r'^[^\x00-\x1f"]{0,64}\Z',
           pattern_hint="at most 64 characters, no double quote"),
    Option("version", "serviceVersion", pattern=r"^[0-9.]{0,16}\Z", pattern_hint="at most 16 digits and periods"),
    Option("enabled", "enabled", kind="bool"),
    Option("enterprise_subscription", "enterpriseSubscription", kind="bool", create_only=True),
    ParameterList("parameters", kind="records", spec=dict(type="list", elements="dict", options=dict(
        name=dict(type="str", required=True),
        display_name=dict(type="str"),
        default=dict(type="str"),
        description=dict(type="str"),
        required=dict(type="bool", default=False),
        password=dict(type="bool", default=False, no_log=False),
    ))),
)
PARAMETER_FIELDS = (("name", "name"), ("display_name", "displayName"), ("default", "default"),
                    ("description", "description"), ("required", "paramRequired"), ("password", "paramPassword"))

# ------------------------------------------------------------------ SQL (constant templates)
DEVICE_KIND = "select name, tkclass from device where name = {name}"
_SUBSCRIPTIONS = (
    "select ss.pkid, d.name device, d.tkclass, s.pkid servicepkid, s.name service, ss.servicename, "
    "ss.urlbuttonindex, ss.urllabel, ss.serviceurl, ss.secureserviceurl from telecastersubscribedservice ss "
    "join device d on d.pkid = ss.fkdevice join telecasterservice s on s.pkid = ss.fktelecasterservice ")
SUBSCRIPTIONS_OF_SERVICE = _SUBSCRIPTIONS + "where ss.fktelecasterservice = {service} order by ss.pkid"
SUBSCRIPTIONS_OF_DEVICE = _SUBSCRIPTIONS + "where d.name = {device} order by ss.pkid"
SUBSCRIPTION_BY_PKID = _SUBSCRIPTIONS + "where ss.pkid = {pkid}"
_VALUES = (
    "select sp.pkid, sp.fktelecastersubscribedservice subscription, p.name, sp.value "
    "from telecastersubscribedparameter sp join telecasterserviceparameter p on p.pkid = sp.fktelecasterserviceparameter ")
VALUES_OF_SERVICE = _VALUES + "where p.fktelecasterservice = {service} order by sp.pkid"
VALUES_OF_DEVICE = (_VALUES + "join telecastersubscribedservice ss on ss.pkid = sp.fktelecastersubscribedservice "
                    "join device d on d.pkid = ss.fkdevice where d.name = {device} order by sp.pkid")
VALUES_OF_SUBSCRIPTION = _VALUES + "where sp.fktelecastersubscribedservice = {pkid} order by sp.pkid"
# Bulk reads (cucm_phone_service_subscriptions): named devices, DEVICE_CHUNK names per IN list, each read in pages
# sized from the estimated bytes of a row in the answer (two URLs make a subscription row large).
DEVICE_CHUNK = 500
SUBSCRIPTION_ROW_BYTES = 1200
VALUE_ROW_BYTES = 260
SUBSCRIPTIONS_OF_DEVICES = (
    "select d.name device, d.tkclass, ss.pkid, s.pkid servicepkid, s.name service, ss.servicename, ss.urlbuttonindex, "
    "ss.urllabel, ss.serviceurl, ss.secureserviceurl from device d "
    "left join telecastersubscribedservice ss on ss.fkdevice = d.pkid "
    "left join telecasterservice s on s.pkid = ss.fktelecasterservice "
    "where d.name in {devices} order by d.name, ss.pkid")
VALUES_OF_DEVICES = (_VALUES + "join telecastersubscribedservice ss on ss.pkid = sp.fktelecastersubscribedservice "
                     "join device d on d.pkid = ss.fkdevice where d.name in {devices} and p.fktelecasterservice in "
                     "{services} order by sp.pkid")
# ... and what a scope holds: device names LIKE a pattern, of one service or of all
SUBSCRIPTIONS_LIKE = _SUBSCRIPTIONS + "where d.name like {pattern} order by ss.pkid"
SUBSCRIPTIONS_OF_SERVICE_LIKE = _SUBSCRIPTIONS + "where ss.fktelecasterservice = {service} and d.name like {pattern} order by ss.pkid"
_VALUES_OF_DEVICE_LIKE = (_VALUES + "join telecastersubscribedservice ss on ss.pkid = sp.fktelecastersubscribedservice "
                          "join device d on d.pkid = ss.fkdevice where ")
VALUES_LIKE = _VALUES_OF_DEVICE_LIKE + "d.name like {pattern} order by sp.pkid"
VALUES_OF_SERVICE_LIKE = _VALUES_OF_DEVICE_LIKE + "p.fktelecasterservice = {service} and d.name like {pattern} order by sp.pkid"
SET_URL = "update telecastersubscribedservice set serviceurl = {url} where pkid = {pkid}"
SET_SECURE_URL = "update telecastersubscribedservice set secureserviceurl = {url} where pkid = {pkid}"


# ------------------------------------------------------------------ service definitions
def parse_service(element):
    """A service definition from a ``getIpPhoneServices`` answer: option values plus ``_uuid``,
    ``_pkid`` and the parameters with their ``_uuid`` (in CUCM's order)."""
    def text(tag):
        return element.findtext(tag) or ""

    def flag(node, tag):
        return (node.findtext(tag) or "").lower() in ("true", "t", "1")

    parameters = []
    for node in element.iterfind("parameters/parameter"):
        parameters.append(dict(name=node.findtext("name") or "", display_name=node.findtext("displayName") or "",
                               default=node.findtext("default") or "", description=node.findtext("description") or "",
                               required=flag(node, "paramRequired"), password=flag(node, "paramPassword")))
    uuid = element.get("uuid") or ""
    return dict(name=text("serviceName"), url=text("serviceUrl"), secure_url=text("secureServiceUrl"),
                description=text("serviceDescription"), category=text("serviceCategory"), type=text("serviceType"),
                vendor=text("serviceVendor"), version=text("serviceVersion"), enabled=flag(element, "enabled"),
                enterprise_subscription=flag(element, "enterpriseSubscription"), parameters=parameters,
                _uuid=uuid, _pkid=sql.Guid(uuid) if uuid else None)


def read_service(client, name=None, uuid=None):
    """The definition of the service named ``name`` (or with ``uuid``), or None."""
    body = {"uuid": uuid} if uuid else {"serviceName": name}
    try:
        ret = client.call("getIpPhoneServices", body)
    except axl.AxlFault as fault:
        if fault.not_found:
            return None
        raise
    return parse_service(ret.find("ipPhoneServices"))


def service_names(client, pattern="%"):
    """Names of the services matching a ``%`` pattern (listIpPhoneServices, in pages)."""
    body = {"searchCriteria": {"serviceName": pattern}, "returnedTags": {"serviceName": ""}}
    return [e.findtext("serviceName") or "" for e in client.list_paged("listIpPhoneServices", body, "ipPhoneServices", 500)]


def normal_parameter(item, where="parameters"):
    """A declared parameter with the defaults filled in, validated (CUCM's field rules)."""
    out = dict(name=item.get("name") or "", display_name=item.get("display_name") or item.get("name") or "",
               default=item.get("default") or "", description=item.get("description") or "",
               required=bool(item.get("required")), password=bool(item.get("password")))
    for key, pattern, hint in (("name", PARAMETER_NAME, "1 to 50 of a-z A-Z 0-9 _ . / : ; , -"),
                               ("display_name", PARAMETER_DISPLAY, "1 to 50 letters, digits, spaces and punctuation "
                                                                   "(no double quote, % & < > or backslash)"),
                               ("default", VALUE, VALUE_HINT),
                               ("description", PARAMETER_DESCRIPTION, "at most 255 characters, none of \" % < >")):
        if not re.match(pattern, out[key]):
            shown = "" if key == "default" and out["password"] else " %r" % out[key]
            raise CucmError("%s: %s%s of parameter %r is not valid: %s. Nothing was written."
                            % (where, key, shown, out["name"], hint))
    return out


PARAMETER_KEYS = ("name", "display_name", "default", "description", "required", "password")


def _leaves(value):
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [] if value in (None, "", MASK) or isinstance(value, bool) else [str(value)]


def password_defaults(params):
    """The defaults declared for password parameters (secrets: hidden from the start, even when the
    arguments fail validation, so read from the raw parameters).  A parameter whose ``password`` cannot
    be read as false for sure (a misspelt key such as ``pasword``, a value that is not a boolean) is
    taken as a password, and a default given as a list or dict has each of its values hidden."""
    out = []
    for item in (params or {}).get("parameters") or []:
        if not isinstance(item, dict):
            out.extend(_leaves(item))
            continue
        try:
            secret = boolean(item.get("password") or False, strict=True)
        except TypeError:
            secret = True
        if secret or set(item) - set(PARAMETER_KEYS) or not isinstance(item.get("default"), (str, type(None))):
            out.extend(_leaves(item.get("default")))
    return out


class PhoneService(Resource):
    noun = "IP phone service"
    key = Option("name", "serviceName", pattern=r'^[^\x00-\x1f"]{1,128}\Z',
                 pattern_hint="1 to 32 characters (128 for an Android APK), no double quote")
    options = SERVICE_OPTIONS
    result_key = "service"
    lookalike_sql = "select name from telecasterservice where lower(name) in {names}"
    create_defaults = {"category": "XML Service", "type": "Standard IP Phone Service"}

    def argument_spec(self):
        spec = super(PhoneService, self).argument_spec()
        spec["update_subscriptions"] = dict(type="bool", default=False)
        spec["update_subscriptions_devices"] = dict(type="list", elements="str")
        spec["unmark_passwords"] = dict(type="bool", default=False)
        return spec

    def prepare(self, client, params):
        if params.get("parameters") is None:
            return params
        parameters = [normal_parameter(p) for p in params["parameters"]]
        names = [p["name"] for p in parameters]
        twice = sorted(set(n for n in names if names.count(n) > 1))
        if twice:
            raise CucmError("parameters: %s declared more than once. Nothing was written."
                            % ", ".join(repr(n) for n in twice))
        return dict(params, parameters=parameters)

    def __init__(self, hide=None, warn=None):
        self.hide = hide or (lambda values: None)
        self.warn = warn or (lambda message: None)
        self.unmark = False

    def read(self, client, key, params=None):
        service = read_service(client, key)
        if service is None:
            return None
        # the defaults of its password parameters are secrets too; cucm_phone_service_info returns them
        # masked, and such a masked default declared back means "keep it"
        kept = dict((p["name"], p["default"]) for p in service["parameters"] if p["password"])
        self.hide([v for v in kept.values() if v])
        for declared in (params or {}).get("parameters") or []:
            if declared["password"] and declared["default"] == MASK and declared["name"] in kept:
                declared["default"] = kept[declared["name"]]
        if (params or {}).get("parameters") is not None:
            service["parameters"] = in_declared_order(service["parameters"], params["parameters"])
        self.unmark = bool((params or {}).get("unmark_passwords"))
        return service

    def check(self, client, key, desired, changes, current):
        if current is not None and "enterprise_subscription" in changes:
            raise CucmError("enterprise_subscription: CUCM sets it only when a service is created (AXL has no element "
                            "to change it); service %r has %s. Delete the service and create it again to change it. "
                            "Nothing was written." % (key, str(current["enterprise_subscription"]).lower()))
        # a masked default (an export's) still here names no default to keep: never write the mask itself
        masked = [p["name"] for p in desired.get("parameters") or [] if p.get("password") and p.get("default") == MASK]
        if masked:
            raise CucmError("parameters: the default of %s is %s (how an export shows a password) and service %r has no "
                            "such password default to keep; give the value (from a vault) or leave default out. Nothing "
                            "was written." % (", ".join(repr(n) for n in masked), MASK, key))
        merged = dict(current or {})
        merged.update(desired)
        category = merged.get("category") or "XML Service"
        limit = 128 if category == "Android APK" else 32
        if len(key) > limit:
            raise CucmError("name: %r is %d characters long; CUCM allows at most %d for a %s service. Nothing was "
                            "written." % (key, len(key), limit, category))
        if not merged.get("url") and not merged.get("secure_url"):
            raise CucmError("url: a service needs url or secure_url (or both). Nothing was written.")
        if category == "Java MIDlet" and not merged.get("url"):
            raise CucmError("url: a Java MIDlet service needs url. Nothing was written.")
        if merged.get("enterprise_subscription") and merged.get("parameters"):
            raise CucmError("parameters: an enterprise subscription service cannot have parameters (CUCM rule "
                            "RI-477); put the values in its url instead. Nothing was written.")
        if current is not None and "parameters" in changes:
            was = set(p["name"] for p in current["parameters"] if p["password"])
            unmarked = sorted(p["name"] for p in changes["parameters"] if p["name"] in was and not p["password"])
            if unmarked and not self.unmark:
                raise CucmError("parameters: %s of service %r %s a password parameter and would no longer be one, "
                                "which would show every subscriber's value (cucm_phone_service_subscription_info, "
                                "results) from then on. Declare password: true to keep it (a parameter declared "
                                "without it is not a password), or set unmark_passwords: true to unmark it on "
                                "purpose. Nothing was written."
                                % (", ".join(repr(n) for n in unmarked), key, "is" if len(unmarked) == 1 else "are"))
            if unmarked:
                self.warn("unmark_passwords: %s of service %r will no longer be a password parameter: the values "
                          "subscribers have for it are no longer secrets for this collection and show in "
                          "cucm_phone_service_subscription_info and in results" % (", ".join(unmarked), key))

    @staticmethod
    def _parameter_body(parameter):
        return dict((axl_name, parameter[name]) for name, axl_name in PARAMETER_FIELDS)

    def _simple_fields(self, values, body):
        for option in self.options:
            if option.name in values and option.kind != "records":
                option.to_axl(values[option.name], body)

    def create(self, client, key, values):
        body = {"serviceName": key, "asciiServiceName": key if re.match(ASCII_NAME, key) else "", "serviceUrl": ""}
        self._simple_fields(values, body)
        if values.get("parameters"):
            body["parameters"] = {"parameter": [self._parameter_body(p) for p in values["parameters"]]}
        return client.call("addIpPhoneServices", {"ipPhoneServices": body}).text

    def update(self, client, key, changes, current):
        body = {"serviceName": key}
        self._simple_fields(dict((k, v) for k, v in changes.items() if k != "enterprise_subscription"), body)
        if "parameters" in changes:
            body.update(self._parameter_changes(current["parameters"], changes["parameters"]))
        if len(body) > 1:
            client.call("updateIpPhoneServices", body)

    def _parameter_changes(self, before, after):
        """The smallest request that turns the parameter list ``before`` into ``after``: removed ones
        with ``removeParameters``, new ones at the end with ``addParameters``; a changed or moved
        parameter needs the whole list (``parameters``), which CUCM matches by name."""
        old = dict((p["name"], p) for p in before)
        new_names = [p["name"] for p in after]
        removed = [p for p in before if p["name"] not in new_names]
        kept = [p for p in after if p["name"] in old]
        added = [p for p in after if p["name"] not in old]
        in_place = all(old[p["name"]] == p for p in kept)      # by name: CUCM keeps no order
        if not after or in_place:
            out = {}
            if removed:
                out["removeParameters"] = {"parameter": [self._parameter_body(p) for p in removed]}
            if added:
                out["addParameters"] = {"parameter": [self._parameter_body(p) for p in added]}
            return out
        return {"parameters": {"parameter": [self._parameter_body(p) for p in after]}}

    def delete(self, client, key, current):
        client.call("removeIpPhoneServices", {"serviceName": key})

    def public(self, obj):
        out = super(PhoneService, self).public(obj)
        out["parameters"] = obj.get("parameters") or []
        return out


# ------------------------------------------------------------------ the subscription list of a device
DEVICE_OPS = {"phone": ("getPhone", "updatePhone", "phone", "phone"),
              "device_profile": ("getDeviceProfile", "updateDeviceProfile", "deviceProfile", "device profile")}
SERVICES_TAGS = {"services": {"service": {"telecasterServiceName": "", "name": "", "url": "", "urlButtonIndex": "",
                                          "urlLabel": "", "serviceNameAscii": ""}}}


def device_type_of(tkclass):
    return "device_profile" if str(tkclass) == "254" else "phone"


def read_device(client, name, device_type):
    """``{uuid, services}`` of a phone or device profile (its subscriptions exactly as AXL returns
    them), or None when there is no such device of that type."""
    get, _update, element, _noun = DEVICE_OPS[device_type]
    try:
        ret = client.call(get, {"name": name, "returnedTags": SERVICES_TAGS})
    except axl.AxlFault as fault:
        if fault.not_found:
            return None
        raise
    node = ret.find(element)
    services = []
    for item in node.iterfind("services/service"):
        fk = item.find("telecasterServiceName")
        index = (item.findtext("urlButtonIndex") or "").strip()
        services.append(dict(uuid=item.get("uuid") or "", service=fk.text or "" if fk is not None else "",
                             service_uuid=(fk.get("uuid") or "") if fk is not None else "",
                             name=item.findtext("name") or "", url=item.findtext("url"),
                             index=int(index) if index.lstrip("-").isdigit() else 0,
                             label=item.findtext("urlLabel"), ascii=item.findtext("serviceNameAscii")))
    return dict(uuid=node.get("uuid") or "", services=services)


def subscription_body(item):
    """An ``XSubscribedService`` for an item of :func:`read_device`: sent back as read, except its ``url``,
    which is never sent (see the module docstring: a stale URL sent back could overwrite newer values)."""
    service = {"name": item["service"], "uuid": item["service_uuid"]} if item.get("service_uuid") else item["service"]
    return {"telecasterServiceName": service, "name": item["name"], "url": None,
            "urlButtonIndex": item.get("index", 0), "urlLabel": item.get("label"), "serviceNameAscii": item.get("ascii")}


def write_device(client, name, device_type, services):
    """Replace the device's subscription list (AXL has no add/remove form for it)."""
    _get, update, _element, _noun = DEVICE_OPS[device_type]
    bodies = [subscription_body(item) for item in services]
    client.call(update, {"name": name, "services": {"service": bodies} if bodies else ""})


def resave_device(client, name, device_type):
    """What an administrator's Save of the device does: its subscription list, as read but without the
    URLs, written back; CUCM rebuilds every subscription's URL from its parameter values."""
    device = read_device(client, name, device_type)
    if device is not None and device["services"]:
        write_device(client, name, device_type, device["services"])


# ------------------------------------------------------------------ stale URLs
def url_pairs(stored, template):
    """The decoded ``(name, value)`` pairs a stored URL adds to its template, sorted; None when the
    URL is not the template followed by a query string."""
    stored = stored or ""
    if not stored.startswith(template):
        return None
    rest = stored[len(template):]
    if not rest:
        return []
    if rest[0] not in "?&":
        return None
    return sorted(parse_qsl(rest[1:], keep_blank_values=True))


def is_stale(subscription, service, pairs):
    """True when a subscription's stored URLs do not carry exactly its parameter values (``pairs``)
    after the service's current templates."""
    wanted = sorted(pairs)
    for column, template in (("serviceurl", service["url"]), ("secureserviceurl", service["secure_url"])):
        if template and url_pairs(subscription.get(column), template) != wanted:
            return True
    return False


def build_url(template, pairs):
    """The SQL fallback's URL: the template, then ``name=value`` pairs, values percent-encoded."""
    if not pairs:
        return template
    query = "&".join("%s=%s" % (name, quote(value, safe="")) for name, value in pairs)
    return template + ("&" if "?" in template else "?") + query


def subscriptions(client, service_pkid=None, device=None, pkid=None):
    """Subscriptions (of one service, one device, or one by pkid) with their parameter values
    ``pairs`` in row order, read in pages: ``[{pkid, device, device_type, service, ..., pairs}]``."""
    if pkid is not None:
        rows = client.sql_query(sql.render(SUBSCRIPTION_BY_PKID, pkid=sql.Guid(pkid)))
        values = client.sql_query(sql.render(VALUES_OF_SUBSCRIPTION, pkid=sql.Guid(pkid)))
    elif device is not None:
        rows = client.sql_query_paged(sql.render(SUBSCRIPTIONS_OF_DEVICE, device=device))
        values = client.sql_query_paged(sql.render(VALUES_OF_DEVICE, device=device))
    else:
        rows = client.sql_query_paged(sql.render(SUBSCRIPTIONS_OF_SERVICE, service=sql.Guid(service_pkid)))
        values = client.sql_query_paged(sql.render(VALUES_OF_SERVICE, service=sql.Guid(service_pkid)))
    by_pkid, order = {}, []
    for row in rows:
        row = dict(row, pkid=str(sql.Guid(row["pkid"])), device_type=device_type_of(row["tkclass"]), pairs=[])
        by_pkid[row["pkid"]] = row
        order.append(row["pkid"])
    for value in values:
        owner = str(sql.Guid(value["subscription"]))
        if owner in by_pkid:
            by_pkid[owner]["pairs"].append((value["name"], value["value"]))
    return [by_pkid[pkid] for pkid in order]


def _subscription_row(row):
    return dict(row, pkid=str(sql.Guid(row["pkid"])), device_type=device_type_of(row["tkclass"]),
                index=int(row["urlbuttonindex"] or 0), pairs=[])


def _add_values(by_pkid, values):
    for value in values:
        owner = by_pkid.get(str(sql.Guid(value["subscription"])))
        if owner is not None:
            owner["pairs"].append((value["name"], value["value"]))


def devices_subscriptions(client, devices, service_pkids=()):
    """The named devices that exist, each with every subscription it has (all services, in row order), in
    a few paged requests (DEVICE_CHUNK names per IN list): ``{name: {device_type, rows: [subscription]}}``.
    The value ``pairs`` are read for subscriptions to the services of ``service_pkids`` only (the others
    keep an empty list)."""
    out, names = {}, sorted(set(devices))
    services = sorted(set(sql.Guid(p) for p in service_pkids))
    for start in range(0, len(names), DEVICE_CHUNK):
        chunk, by_pkid = names[start:start + DEVICE_CHUNK], {}
        for row in client.iter_sql_paged(sql.render(SUBSCRIPTIONS_OF_DEVICES, devices=chunk),
                                         axl.page_rows(SUBSCRIPTION_ROW_BYTES)):
            device = out.setdefault(row["device"], {"device_type": device_type_of(row["tkclass"]), "rows": []})
            if row["pkid"]:
                subscription = _subscription_row(row)
                device["rows"].append(subscription)
                by_pkid[subscription["pkid"]] = subscription
        if services and by_pkid:
            _add_values(by_pkid, client.iter_sql_paged(sql.render(VALUES_OF_DEVICES, devices=chunk, services=services),
                                                       axl.page_rows(VALUE_ROW_BYTES)))
    return out


def subscriptions_like(client, pattern, service_pkid=None, values=True):
    """The subscriptions of the devices whose name is LIKE ``pattern`` (of one service, or of all), with their
    value ``pairs`` unless ``values`` is false, in pages.  The caller filters the names again (LIKE may ignore
    letter case)."""
    if service_pkid is None:
        rows_sql, values_sql = sql.render(SUBSCRIPTIONS_LIKE, pattern=pattern), sql.render(VALUES_LIKE, pattern=pattern)
    else:
        service = sql.Guid(service_pkid)
        rows_sql = sql.render(SUBSCRIPTIONS_OF_SERVICE_LIKE, service=service, pattern=pattern)
        values_sql = sql.render(VALUES_OF_SERVICE_LIKE, service=service, pattern=pattern)
    rows = [_subscription_row(r) for r in client.iter_sql_paged(rows_sql, axl.page_rows(SUBSCRIPTION_ROW_BYTES))]
    if values and rows:
        _add_values(dict((r["pkid"], r) for r in rows), client.iter_sql_paged(values_sql, axl.page_rows(VALUE_ROW_BYTES)))
    return rows


def ordered_pairs(service, pairs):
    order = dict((p["name"], i) for i, p in enumerate(service["parameters"]))
    return sorted(pairs, key=lambda pair: order.get(pair[0], len(order)))


def fix_by_sql(client, service, subscription):
    """Set a subscription's URLs from its values (the fallback when a re-save did not rebuild them)."""
    pairs = ordered_pairs(service, subscription["pairs"])
    pkid = sql.Guid(subscription["pkid"])
    if service["url"]:
        client.sql_update(sql.render(SET_URL, url=build_url(service["url"], pairs), pkid=pkid))
    if service["secure_url"]:
        client.sql_update(sql.render(SET_SECURE_URL, url=build_url(service["secure_url"], pairs), pkid=pkid))


def rebuild(client, service, stale, reread):
    """Rebuild stale subscriptions: one re-save per device, then SQL for what is still stale.
    ``reread()`` returns the subscriptions again (``{pkid: subscription}``).  Returns how many
    needed the SQL fallback."""
    for device, device_type in sorted(set((s["device"], s["device_type"]) for s in stale)):
        resave_device(client, device, device_type)
    again = reread()
    still = [again[s["pkid"]] for s in stale if s["pkid"] in again]
    still = [s for s in still if is_stale(s, service, s["pairs"])]
    for subscription in still:
        fix_by_sql(client, service, subscription)
    return len(still)


def update_subscriptions(client, name, check_mode, planned=None, devices=None):
    """The administration page's "Update Subscriptions" for one service: find the subscriptions
    whose URLs are stale and rebuild them.  ``planned`` (check mode) overrides the service's URL
    templates and parameter names with what the task is about to set, to predict the outcome.
    ``devices`` (names) limits the repair to those phones and device profiles (read device by device).
    Returns ``{stale, devices[, rebuilt_by_save, rebuilt_by_sql]}``; never a parameter value."""
    service = read_service(client, name)
    report = dict(stale=0, devices=[])
    if service is None:
        return report
    expected = dict(service)
    dropped = set()
    for key in ("url", "secure_url"):
        if (planned or {}).get(key) is not None:
            expected[key] = planned[key]
    if (planned or {}).get("parameters") is not None:
        names = set(p["name"] for p in planned["parameters"])
        dropped = set(p["name"] for p in service["parameters"]) - names

    def current():
        if devices is None:
            return subscriptions(client, service_pkid=service["_pkid"])
        mine = sql.Guid(service["_pkid"])
        return [s for device in sorted(set(devices)) for s in subscriptions(client, device=device)
                if sql.Guid(s["servicepkid"]) == mine]

    found = current()
    stale = [s for s in found if is_stale(s, expected, [p for p in s["pairs"] if p[0] not in dropped])]
    report.update(stale=len(stale), devices=sorted(set(s["device"] for s in stale)))
    if check_mode or not stale:
        return report
    by_sql = rebuild(client, service, stale, lambda: dict((s["pkid"], s) for s in current()))
    report.update(rebuilt_by_save=len(stale) - by_sql, rebuilt_by_sql=by_sql)
    return report
