"""The conformance probes: one fixed suite, run the same way against a cluster and a simulator.

A probe is a small function of a :class:`Side` (a client plus what the run found and created on
that side) that sends a few AXL requests and returns a *view*: the part of the answers the probe
is about, as plain JSON (a version string's shape, the attribute names of ``<service>``, a fault's
code and text, a parameter value after a re-save).  Views leave out what differs between any two
clusters (names of real users, ids, time stamps); the kit normalises what remains the same way on
both sides (:mod:`.report`) and compares.

Three kinds of probes, in this order:

- read-only probes on what every cluster has (version, faults, the 599 page, standard groups,
  the role catalogue, SQL typing);
- read-only probes on *discovered* objects (a local end user, a phone with a subscription, an
  E.164 directory number, a user whose primary extension is one, a directory number in a
  partition, an IP phone service with two or more parameters, an LDAP directory).  Discovery is a few
  ``executeSQLQuery`` selects; the kit then creates an equivalent object in its own simulator
  (:func:`mirror`), so both sides answer about the same kind of object.  Their requests name real
  users, so they are kept out of the transcript (``private``);
- ``--write-scratch`` probes (the fidelity audit's lab checks, section 10): they create objects
  named ``voiceops-conformance-*`` (an IP phone service, two E.164 lines, a device profile with a
  subscription, three end users), change them, read the result, and :func:`sweep` removes every
  object with that prefix before and after, even when a probe failed half-way.

Every probe names what it covers: ``compat:NAME`` for a behaviour the simulator can switch
(``cucm-axl-sim --compat``), ``audit N.N`` for the section of the fidelity audit it settles.
"""

import dataclasses
import re
import urllib.parse
from xml.sax.saxutils import escape

from .client import attributes, child_text, children, find

PREFIX = "voiceops-conformance-"
SERVICE = PREFIX + "svc"
SERVICE_URL = "http://voiceops-conformance.invalid/service.xml"
PROFILE = PREFIX + "udp"
SUBSCRIPTION = PREFIX + "sub"
USER = PREFIX + "user"
USER2 = PREFIX + "user2"
USER_CASE = PREFIX + "user3"
DN_DESCRIPTION = PREFIX + "dn"
DIRECTORY_URI = PREFIX + "user@conformance.invalid"
ABSENT_USER = PREFIX + "absent"
UNKNOWN_OPERATION = "getVoiceopsConformanceProbe"
# Fictional E.164 numbers (area code 999 is not assigned); one is sent with a plain +, one escaped.
E164_PLAIN = "+19995550100"
E164_ESCAPED = "\\+19995550101"
PRESENCE_GROUP = "Standard Presence group"
# How Cisco's DevNet samples spell it (compat:fk-name-case).
PRESENCE_GROUP_OTHER_CASE = "Standard Presence Group"
END_USERS_GROUP = "Standard CCM End Users"
# Resources the collection's roles name (roles/phone_services_self_service, playbooks/self_care_access.yml).
COLLECTION_RESOURCES = ("AXL Database API", "Phone Services web pages")
# Device profile model: a phone model every supported release knows, with its standard template.
PRODUCT = "Cisco 8841"
TEMPLATE = "Standard 8841 SIP"
SECRET_FIELDS = ("password", "pin", "digestCredentials", "mlppPassword")
_GUID = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")


class NotComparable(Exception):
    """The probe cannot run on this side (nothing to probe, or an earlier step did not happen)."""


class StepFailed(Exception):
    """A request the probe relies on got an unexpected answer: the view becomes that answer."""

    def __init__(self, step, answer):
        super().__init__(step)
        self.step = step
        self.answer = answer

    def view(self):
        return {"failed step": self.step, "answer": outcome(self.answer)}


@dataclasses.dataclass
class Probe:
    name: str
    title: str
    fn: object
    covers: tuple = ()
    scratch: bool = False
    needs: str = None          # a discovery key (see DISCOVERY)

    @property
    def private(self):
        """Requests of a probe on a discovered object name real users or devices."""
        return self.needs is not None


PROBES = []


def probe(name, title, covers=(), scratch=False, needs=None):
    def register(fn):
        PROBES.append(Probe(name, title, fn, tuple(covers), scratch, needs))
        return fn
    return register


def by_name(name):
    return next(p for p in PROBES if p.name == name)


class Side:
    """One side of the comparison: the cluster or the kit's simulator (or a simulator standing in
    for a cluster, in the tests)."""

    def __init__(self, role, client, version, release, models=None):
        self.role = role                 # "cluster" or "simulator"
        self.client = client
        self.version = version           # the AXL schema version requests use
        self.release = release           # the simulator release compared (decides the 599 probe's version)
        self.models = models             # operations the simulator models (None: all, a real cluster)
        self.found = {}                  # discovery key -> value (kept in memory only)
        self.created = set()             # scratch objects this side has
        self.ids = {}                    # scratch object -> its pkid
        self.exchanges = []              # the current probe's requests and answers

    def call(self, operation, inner="", version=None, namespace_version=None):
        answer = self.client.axl(operation, inner, version or self.version, namespace_version)
        self.exchanges.append({"operation": operation, "request": inner, "status": answer.status,
                               "response": answer.text})
        return answer

    def get(self, path):
        answer = self.client.get(path)
        self.exchanges.append({"operation": "GET " + path, "request": "", "status": answer.status,
                               "response": answer.text})
        return answer

    def sql(self, query):
        """executeSQLQuery: the answer and its rows (a list of ``{column: text}``), rows None on a fault."""
        answer = self.call("executeSQLQuery", f"<sql>{escape(query)}</sql>")
        result = answer.result()
        if answer.status != 200 or result is None:
            return answer, None
        return answer, [{c.tag.rsplit("}", 1)[-1]: (c.text or "") for c in row} for row in children(result, "row")]

    def rows(self, query, step):
        answer, rows = self.sql(query)
        if rows is None:
            raise StepFailed(step, answer)
        return rows

    def update(self, statement, step):
        answer = self.call("executeSQLUpdate", f"<sql>{escape(statement)}</sql>")
        if answer.status != 200:
            raise StepFailed(step, answer)
        return answer

    def need(self, what, probe_name):
        if what not in self.created:
            raise NotComparable(f"{what} was not created on the {self.role} (see probe {probe_name})")

    def models_operation(self, operation):
        return self.models is None or operation in self.models


# ------------------------------------------------------------------ view helpers
def outcome(answer):
    """What a write (or any request) came to: ``{"status": 200}`` or the fault's shape."""
    if answer.status == 200 and not answer.is_fault:
        return {"status": 200}
    fault = answer.fault()
    if fault.get("fault", True) is None:
        return {"status": answer.status, "content_type": fault["content_type"]}
    return {k: fault[k] for k in ("status", "faultcode", "faultstring", "axlcode", "request")}


def guid(text):
    """The lowercase, brace-less pkid SQL uses, from an AXL uuid; refuses anything else."""
    match = _GUID.match((text or "").strip())
    if not match:
        raise ValueError(f"{text!r} is not a GUID")
    return match.group(1).lower()


def pattern_shape(pattern):
    """``\\+14085554019`` -> ``\\+N``: how a pattern is written, without the number."""
    return None if pattern is None else re.sub(r"\d+", "N", pattern)


def version_shape(version):
    """``14.0.1.11900(132)`` -> ``14.0.N.N(N)``: the release and the format, not the build."""
    match = re.match(r"^(\d+\.\d+)(.*)$", version or "")
    if not match:
        return version
    return match.group(1) + re.sub(r"\d+", "N", match.group(2))


def secret_shape(element, name):
    node = find(element, name)
    if node is None:
        return "absent"
    return "set" if (node.text or "").strip() else "empty"


def xml(value):
    return escape(value, {'"': "&quot;"})


# ------------------------------------------------------------------ discovery and mirroring
# What the read-only probes look for on a cluster, by SQL that needs no backslash.  typeclass 1 is
# a phone, typepatternusage 2 a directory number and typednusage 1 a primary extension (the
# simulator's enums; a cluster that numbers them otherwise simply finds nothing).
DISCOVERY = {
    "local_user": ("select first 1 userid from enduser where fkdirectorypluginconfig is null "
                   f"and userid not like '{PREFIX}%' order by userid"),
    "subscribed_phone": ("select first 1 d.name from device d, telecastersubscribedservice s "
                         "where s.fkdevice = d.pkid and d.tkclass = 1 order by d.name"),
    "e164_dn": ("select first 1 n.pkid from numplan n where n.dnorpattern like '%+%' "
                "and n.tkpatternusage = 2 order by n.pkid"),
    "e164_user": ("select first 1 e.userid from enduser e, endusernumplanmap m, numplan n "
                  "where m.fkenduser = e.pkid and m.fknumplan = n.pkid and m.tkdnusage = 1 "
                  "and n.dnorpattern like '%+%' order by e.userid"),
    # a DN (not E.164) in a partition whose name has letters, to name the partition in another case
    "partitioned_dn": ("select first 1 n.pkid from numplan n, routepartition p where n.fkroutepartition = p.pkid "
                       "and n.tkpatternusage = 2 and n.dnorpattern not like '%+%' and upper(p.name) <> lower(p.name) "
                       "order by n.pkid"),
    "service_parameters": ("select first 1 s.name from telecasterservice s, telecasterserviceparameter p "
                           f"where p.fktelecasterservice = s.pkid and s.name not like '{PREFIX}%' "
                           "group by s.name having count(*) > 1 order by s.name"),
    "ldap_directory": "select first 1 name from directorypluginconfig order by name",
}


def discover(side):
    """Fill ``side.found`` with one object of each kind the side has (its first column's value)."""
    side.exchanges = []
    for key, query in DISCOVERY.items():
        _answer, rows = side.sql(query)
        if rows:
            side.found[key] = next(iter(rows[0].values()))
    return {key: key in side.found for key in DISCOVERY}


MIRROR = {
    "service": "conformance-mirror-svc",
    "local_user": "conformance-mirror-local",
    "subscribed_phone": "SEP00C0FFEE0001",
    "e164_phone": "SEP00C0FFEE0002",
    "e164_user": "conformance-mirror-e164",
    "e164_dn": "+19995550900",
    "e164_user_dn": "+19995550901",
    "partitioned_dn": "9995550902",
    "ldap_directory": "conformance-mirror-ldap",
}
# the partition every simulator has (cucm_axl_sim.seed)
MIRROR_PARTITION = "Internal_PT"


def _phone(name, lines="", services=""):
    return (f"<phone><name>{name}</name><product>{PRODUCT}</product><class>Phone</class><protocol>SIP</protocol>"
            "<protocolSide>User</protocolSide><devicePoolName>Default</devicePoolName>"
            "<commonPhoneConfigName>Standard Common Phone Profile</commonPhoneConfigName>"
            "<locationName>Hub_None</locationName><useTrustedRelayPoint>Default</useTrustedRelayPoint>"
            f"{lines}<phoneTemplateName>{TEMPLATE}</phoneTemplateName><primaryPhoneName xsi:nil=\"true\"/>"
            f"{services}<builtInBridgeStatus>Default</builtInBridgeStatus><packetCaptureMode>None</packetCaptureMode>"
            "<certificateOperation>No Pending Operation</certificateOperation>"
            "<deviceMobilityMode>Default</deviceMobilityMode></phone>")


def _checked(side, operation, inner):
    answer = side.call(operation, inner)
    if answer.status != 200:
        raise RuntimeError(f"{operation} on the {side.role} failed: {outcome(answer)}")
    return answer


def _line(side, pattern, description, partition=None):
    part = f"<routePartitionName>{xml(partition)}</routePartitionName>" if partition else ""
    answer = _checked(side, "addLine", f"<line><pattern>{xml(pattern)}</pattern><description>{description}</description>"
                                       f"<usage>Device</usage>{part}</line>")
    return guid(answer.result().text)


def _stored_pattern(side, pkid):
    rows = side.rows(f"select dnorpattern from numplan where pkid = '{guid(pkid)}'", "read the stored pattern")
    return rows[0]["dnorpattern"]


def _line_xml(pattern, index=1):
    return (f"<line><index>{index}</index><dirn><pattern>{xml(pattern)}</pattern>"
            "<routePartitionName xsi:nil=\"true\"/></dirn></line>")


def mirror(side, found):
    """Create in a simulator one object of each kind ``found`` says the cluster has, so discovery
    finds the same kinds of objects on both sides.  Only ever run against a simulator."""
    side.exchanges = []
    if found.get("local_user"):
        _checked(side, "addUser", f"<user><firstName>Local</firstName><lastName>Mirror</lastName>"
                                  f"<userid>{MIRROR['local_user']}</userid><presenceGroupName>{PRESENCE_GROUP}</presenceGroupName></user>")
    if found.get("subscribed_phone") or found.get("service_parameters"):
        parameters = "".join(f"<parameter><name>{n}</name><displayName>{n}</displayName><default/><description>{n}"
                             "</description><paramRequired>false</paramRequired><paramPassword>false</paramPassword>"
                             "</parameter>" for n in ("first", "second"))
        _checked(side, "addIpPhoneServices",
                 f"<ipPhoneServices><serviceName>{MIRROR['service']}</serviceName>"
                 f"<asciiServiceName>{MIRROR['service']}</asciiServiceName>"
                 "<serviceUrl>http://mirror.invalid/service.xml</serviceUrl><serviceCategory>XML Service</serviceCategory>"
                 f"<serviceType>Standard IP Phone Service</serviceType><parameters>{parameters}</parameters>"
                 "</ipPhoneServices>")
    if found.get("subscribed_phone"):
        services = (f"<services><service><telecasterServiceName>{MIRROR['service']}</telecasterServiceName>"
                    f"<name>{MIRROR['service']}</name><urlButtonIndex>0</urlButtonIndex></service></services>")
        _checked(side, "addPhone", _phone(MIRROR["subscribed_phone"], services=services))
    if found.get("e164_dn"):
        _line(side, MIRROR["e164_dn"], "conformance-mirror")
    if found.get("e164_user"):
        pkid = _line(side, MIRROR["e164_user_dn"], "conformance-mirror")
        pattern = _stored_pattern(side, pkid)
        _checked(side, "addPhone", _phone(MIRROR["e164_phone"], lines=f"<lines>{_line_xml(pattern)}</lines>"))
        _checked(side, "addUser", f"<user><firstName>E164</firstName><lastName>Mirror</lastName>"
                                  f"<userid>{MIRROR['e164_user']}</userid><associatedDevices><device>{MIRROR['e164_phone']}</device></associatedDevices>"
                                  f"<primaryExtension><pattern>{xml(pattern)}</pattern><routePartitionName/>"
                                  f"</primaryExtension><presenceGroupName>{PRESENCE_GROUP}</presenceGroupName></user>")
    if found.get("partitioned_dn"):
        _line(side, MIRROR["partitioned_dn"], "conformance-mirror", MIRROR_PARTITION)
    if found.get("ldap_directory"):
        rows = side.rows("select count(*) n from directorypluginconfig", "count the LDAP directories")
        if not int(rows[0]["n"] or 0):    # AXL cannot add one without a directory server: the simulator's SQL can
            side.update("insert into directorypluginconfig (pkid, name) values (newid(), "
                        f"'{MIRROR['ldap_directory']}')", "add an LDAP directory")


# ------------------------------------------------------------------ the scratch sweep
SWEEP = (
    # (what, SQL listing candidates, how to remove one)
    ("user", f"select userid from enduser where userid like '{PREFIX}%'",
     lambda v: ("removeUser", f"<userid>{xml(v)}</userid>")),
    ("device profile", f"select name from device where name like '{PREFIX}%' and tkclass = 254",
     lambda v: ("removeDeviceProfile", f"<name>{xml(v)}</name>")),
    ("line", f"select pkid, description from numplan where description like '{PREFIX}%'",
     lambda v: ("removeLine", f"<uuid>{{{guid(v).upper()}}}</uuid>")),
    ("IP phone service", f"select name from telecasterservice where name like '{PREFIX}%'",
     lambda v: ("removeIpPhoneServices", f"<serviceName>{xml(v)}</serviceName>")),
)


def sweep(side):
    """Remove every object named ``voiceops-conformance-*`` (lines: described so), users first.
    Returns ``{"removed": [...], "left": [...]}``; never raises on a fault, only on a lost
    connection.  The SQL selects with LIKE; each name is checked again here, so an object is
    removed only if its name (or a line's description) really starts with the prefix."""
    removed, left = [], []
    for what, query, remove in SWEEP:
        answer, rows = side.sql(query)
        if rows is None:
            left.append({"what": what, "error": outcome(answer)})
            continue
        for row in rows:
            key, label = list(row.values())[0], list(row.values())[-1]   # a line: pkid, description
            if not label.startswith(PREFIX):
                continue
            operation, inner = remove(key)
            result = side.call(operation, inner)
            entry = {"what": what, "name": label}
            if result.status == 200:
                removed.append(entry)
            else:
                left.append(dict(entry, error=outcome(result)))
    return {"removed": removed, "left": left}


# ------------------------------------------------------------------ read-only probes on what every cluster has
@probe("version-format", "getCCMVersion: the format of the version string", covers=("audit 7",))
def version_format(side):
    answer = side.call("getCCMVersion")
    if answer.status != 200:
        raise StepFailed("getCCMVersion", answer)
    return {"version": version_shape(child_text(answer.result(), "componentVersion/version"))}


@probe("axl-get-page", "GET /axl/: the page an authenticated browser sees", covers=("audit 7",))
def axl_get_page(side):
    answer = side.get(side.client.path)
    title = re.search(r"<title>(.*?)</title>", answer.text, re.S | re.I)
    return {"status": answer.status, "content_type": answer.content_type.split(";")[0].strip().lower(),
            "title": re.sub(r"\s+", " ", title.group(1)).strip() if title else None}


REJECT_ORDER = ("15.0", "14.0", "12.5", "12.0", "11.5", "11.0", "10.5", "10.0", "9.1", "9.0", "8.5")


@probe("http-599", "a request in a schema version the release does not accept: HTTP 599 and its body",
       covers=("audit 2.6",))
def http_599(side):
    from ..server import ACCEPTED
    release = side.release
    rejected = next(v for v in REJECT_ORDER if v not in ACCEPTED[release])
    answer = side.call("getCCMVersion", version=rejected)
    text = re.sub(r"<[^>]+>", " ", answer.text)
    text = re.sub(r"\s+", " ", text)
    listed = re.search(r"Supported axl versions(?: are|:)?\s*(?:\d+\.(?:\d+|x)(?:\s*,\s*|\s+and\s+)?)+", text, re.I)
    return {"request_version": rejected, "status": answer.status, "reason": answer.reason,
            "content_type": answer.content_type.split(";")[0].strip().lower(),
            "incorrect_axl_version": "incorrect axl version" in text.lower(),
            "supported": listed.group(0).strip().rstrip(",") if listed else None}


@probe("unknown-operation", "an operation AXL does not have: status and fault", covers=("audit 2.7",))
def unknown_operation(side):
    answer = side.call(UNKNOWN_OPERATION)
    view = outcome(answer)
    if isinstance(view.get("faultcode"), str):
        view["faultcode"] = re.sub(r"^axis2ns\d+:", "axis2ns:", view["faultcode"])
    if isinstance(view.get("faultstring"), str):   # Axis2 names the endpoint by the address the cluster knows itself by
        view["faultstring"] = re.sub(r"https?://[^/\s]+", "SCHEME://HOST", view["faultstring"])
    return view


@probe("user-not-found", "getUser of a user that does not exist: the fault", covers=("audit 2.2",))
def user_not_found(side):
    return outcome(side.call("getUser", f"<userid>{ABSENT_USER}</userid>"))


@probe("standard-group-roles", "getUserGroup of the standard group Standard CCM End Users: its roles",
       covers=("audit 3.1", "audit 3.9"))
def standard_group_roles(side):
    answer = side.call("getUserGroup", f"<name>{END_USERS_GROUP}</name><returnedTags><userRoles/><name/></returnedTags>")
    if answer.status != 200:
        return outcome(answer)
    group = find(answer.result(), "userGroup")
    return {"name": child_text(group, "name"),
            "roles": sorted(child_text(r, "roleName") or "" for r in children(find(group, "userRoles"), "userRole"))}


@probe("catalogue-resources", "the role resources the collection's roles name, with their application",
       covers=("audit 5",))
def catalogue_resources(side):
    names = ", ".join(f"'{n}'" for n in COLLECTION_RESOURCES)
    rows = side.rows(f"select r.name resname, a.name appname from typeresource r, typeapplication a "
                     f"where a.enum = r.tkapplication and r.name in ({names}) order by r.name", "catalogue select")
    return {"resources": sorted([r["resname"], r["appname"]] for r in rows)}


@probe("sql-union-literal", "SQL: a UNION of string literals of different lengths (CHAR padding)",
       covers=("compat:char-padding", "audit 8"))
def sql_union_literal(side):
    answer, rows = side.sql(f"select 'group' kind from dirgroup where name = '{END_USERS_GROUP}' union all "
                            f"select 'presence_group' kind from matrix where name = '{PRESENCE_GROUP}'")
    if rows is None:
        return outcome(answer)
    return {"kinds": sorted(repr(r.get("kind")) for r in rows)}


@probe("sql-union-boolean", "SQL: a UNION of a boolean column with an empty string literal", covers=("audit 8",))
def sql_union_boolean(side):
    answer, rows = side.sql(f"select g.isstandard extra from dirgroup g where g.name = '{END_USERS_GROUP}' union all "
                            f"select '' extra from dirgroup g where g.name = '{END_USERS_GROUP}'")
    if rows is None:
        return outcome(answer)
    return {"extras": sorted(repr(r.get("extra")) for r in rows)}


# ------------------------------------------------------------------ read-only probes on discovered objects
def _found(side, key):
    value = side.found.get(key)
    if value is None:
        raise NotComparable(f"the {side.role} has no {key.replace('_', ' ')} (discovery found none)")
    return value


def ldap_directory_name(user):
    node = find(user, "ldapDirectoryName")
    if node is None:
        return {"element": "absent"}
    return {"text": node.text or "", "attributes": attributes(node)}


@probe("local-user-ldap-directory-name", "getUser of a local end user: ldapDirectoryName",
       covers=("compat:ldap-directory-name", "audit 3.3"), needs="local_user")
def local_user_ldap(side):
    userid = _found(side, "local_user")
    answer = side.call("getUser", f"<userid>{xml(userid)}</userid><returnedTags><ldapDirectoryName/></returnedTags>")
    if answer.status != 200:
        raise StepFailed("getUser", answer)
    return ldap_directory_name(find(answer.result(), "user"))


@probe("local-user-secret-elements", "getUser of a local end user asking for password, pin and digest: what comes back",
       covers=("audit 3.1",), needs="local_user")
def local_user_secrets(side):
    userid = _found(side, "local_user")
    tags = "".join(f"<{f}/>" for f in SECRET_FIELDS)
    answer = side.call("getUser", f"<userid>{xml(userid)}</userid><returnedTags>{tags}</returnedTags>")
    if answer.status != 200:
        return outcome(answer)
    user = find(answer.result(), "user")
    return {f: secret_shape(user, f) for f in SECRET_FIELDS}


@probe("list-user-case", "listUser with the userid of a local user in upper case: is the search case-insensitive",
       covers=("audit 4",), needs="local_user")
def list_user_case(side):
    userid = _found(side, "local_user")
    if userid.upper() == userid:
        raise NotComparable("the local user's id has no lower-case letters")
    answer = side.call("listUser", f"<searchCriteria><userid>{xml(userid.upper())}</userid></searchCriteria>"
                                   "<returnedTags><userid/></returnedTags>")
    if answer.status != 200:
        return outcome(answer)
    return {"found": len(children(answer.result(), "user")) > 0}


@probe("subscription-uuid-existing", "getPhone of a phone with a subscription: attributes of <service>",
       covers=("compat:service-uuid", "audit 6.1"), needs="subscribed_phone")
def subscription_uuid_existing(side):
    name = _found(side, "subscribed_phone")
    answer = side.call("getPhone", f"<name>{xml(name)}</name><returnedTags><services/></returnedTags>")
    if answer.status != 200:
        raise StepFailed("getPhone", answer)
    services = children(find(answer.result(), "phone/services"), "service")
    return {"service_attributes": attributes(services[0]) if services else None}


@probe("e164-dn-existing", "an E.164 directory number: how the pattern is stored (SQL) and returned (getLine)",
       covers=("compat:plus-escape", "audit 3.2"), needs="e164_dn")
def e164_dn_existing(side):
    pkid = guid(_found(side, "e164_dn"))
    rows = side.rows(f"select dnorpattern from numplan where pkid = '{pkid}'", "numplan select")
    view = {"sql": pattern_shape(rows[0]["dnorpattern"]) if rows else None}
    if side.models_operation("getLine"):
        answer = side.call("getLine", f"<uuid>{{{pkid.upper()}}}</uuid><returnedTags><pattern/></returnedTags>")
        view["getLine"] = (pattern_shape(child_text(answer.result(), "line/pattern")) if answer.status == 200
                           else outcome(answer))
    return view


@probe("e164-primary-extension-existing", "getUser of a user whose primary extension is E.164: the pattern",
       covers=("compat:plus-escape", "audit 3.2"), needs="e164_user")
def e164_primary_existing(side):
    userid = _found(side, "e164_user")
    answer = side.call("getUser", f"<userid>{xml(userid)}</userid><returnedTags><primaryExtension/></returnedTags>")
    if answer.status != 200:
        raise StepFailed("getUser", answer)
    return {"primaryExtension": pattern_shape(child_text(answer.result(), "user/primaryExtension/pattern"))}


def _scrubbed(view, names):
    """A view with the given names (of a real DN, partition, directory) replaced by placeholders."""
    if isinstance(view, dict):
        return {k: _scrubbed(v, names) for k, v in view.items()}
    if isinstance(view, str):
        for name, placeholder in names:
            view = view.replace(name, placeholder) if name else view
    return view


def _line_found(side, pattern, partition, names):
    answer = side.call("getLine", f"<pattern>{xml(pattern)}</pattern><routePartitionName>{xml(partition)}"
                                  "</routePartitionName><returnedTags><pattern/></returnedTags>")
    return "found" if answer.status == 200 and not answer.is_fault else _scrubbed(outcome(answer), names)


@probe("partition-name-case", "getLine of a directory number naming its partition in another letter case",
       covers=("compat:fk-name-case",), needs="partitioned_dn")
def partition_name_case(side):
    pkid = guid(_found(side, "partitioned_dn"))
    rows = side.rows(f"select n.dnorpattern, p.name from numplan n, routepartition p "
                     f"where n.fkroutepartition = p.pkid and n.pkid = '{pkid}'", "read the DN and its partition")
    if not rows:
        raise NotComparable(f"the {side.role}'s directory number is no longer in a partition")
    pattern, partition = rows[0]["dnorpattern"], rows[0]["name"]
    if partition.swapcase() == partition:
        raise NotComparable("the partition's name has no letters")
    if not side.models_operation("getLine"):
        raise NotComparable("the simulator does not model getLine")
    # the first lookup is the control: the DN is found when its partition is named as stored.  A fault
    # that names the DN or the partition keeps placeholders: they are a real cluster's names.
    names = ((pattern, "PATTERN"), (partition, "PARTITION"), (partition.swapcase(), "PARTITION"))
    return {"exact_case": _line_found(side, pattern, partition, names),
            "other_case": _line_found(side, pattern, partition.swapcase(), names)}


def order_relation(listed, stored):
    """How the order of ``listed`` relates to ``stored``: ``same``, ``reversed`` or ``other``."""
    if listed == stored:
        return "same"
    return "reversed" if listed == list(reversed(stored)) else "other"


@probe("service-parameter-order-existing",
       "getIpPhoneServices of a service with 2+ parameters: their order against the order SQL stores them in",
       covers=("compat:parameter-order", "audit 6.4"), needs="service_parameters")
def service_parameter_order_existing(side):
    name = _found(side, "service_parameters")
    answer = side.call("getIpPhoneServices", f"<serviceName>{xml(name)}</serviceName>")
    if answer.status != 200:
        raise StepFailed("getIpPhoneServices", answer)
    service = find(answer.result(), "ipPhoneServices")
    listed = [child_text(p, "name") for p in children(find(service, "parameters"), "parameter")]
    # no ORDER BY: the table's storage order, which is the order the rows were inserted in
    rows = side.rows(f"select name from telecasterserviceparameter where fktelecasterservice = "
                     f"'{guid(service.get('uuid'))}'", "read the parameters by SQL")
    stored = [r["name"] for r in rows]
    if sorted(listed) != sorted(stored):
        return {"getIpPhoneServices": "lists other parameters than SQL"}
    return {"getIpPhoneServices": order_relation(listed, stored)}


SYNC_TEXT = re.compile(r"^Sync\b")


@probe("ldap-sync-status-form", "getLdapSyncStatus of an LDAP directory: a status text or true/false",
       covers=("compat:ldap-sync-status",), needs="ldap_directory")
def ldap_sync_status_form(side):
    name = _found(side, "ldap_directory")
    if not side.models_operation("getLdapSyncStatus"):
        raise NotComparable("the simulator does not model getLdapSyncStatus")
    answer = side.call("getLdapSyncStatus", f"<name>{xml(name)}</name>")
    if answer.status != 200:
        raise StepFailed("getLdapSyncStatus", answer)
    text = (answer.result().text or "").strip()
    # Only the form is compared: which status a directory is in differs between any two clusters.  An
    # empty answer (never synchronised, in the simulator) is the text form: the boolean one says "false".
    if text in ("true", "false"):
        return {"form": "true/false"}
    if not text or SYNC_TEXT.match(text):
        return {"form": "status text"}
    return {"form": "other", "answer": _scrubbed(text, ((name, "DIRECTORY"),))}


# ------------------------------------------------------------------ --write-scratch probes
def _service_xml():
    parameters = "".join(
        f"<parameter><name>{n}</name><displayName>{d}</displayName><default/><description>{d}</description>"
        f"<paramRequired>{r}</paramRequired><paramPassword>{p}</paramPassword></parameter>"
        for n, d, r, p in (("b", "Secret (declared first)", "true", "true"), ("a", "Plain (declared second)", "false", "false")))
    return (f"<ipPhoneServices><serviceName>{SERVICE}</serviceName><asciiServiceName>{SERVICE}</asciiServiceName>"
            "<serviceDescription>voiceops conformance kit scratch service</serviceDescription>"
            f"<serviceUrl>{SERVICE_URL}</serviceUrl><serviceCategory>XML Service</serviceCategory>"
            "<serviceType>Standard IP Phone Service</serviceType><enabled>true</enabled>"
            f"<parameters>{parameters}</parameters></ipPhoneServices>")


@probe("scratch-service", "addIpPhoneServices with parameters b (a password) then a", covers=("audit 6.4",), scratch=True)
def scratch_service(side):
    answer = side.call("addIpPhoneServices", _service_xml())
    if answer.status == 200:
        side.created.add("service")
    return outcome(answer)


@probe("service-parameter-order", "getIpPhoneServices: the order the parameters come back in (declared b, a)",
       covers=("compat:parameter-order", "audit 6.4"), scratch=True)
def service_parameter_order(side):
    side.need("service", "scratch-service")
    answer = side.call("getIpPhoneServices", f"<serviceName>{SERVICE}</serviceName>")
    if answer.status != 200:
        raise StepFailed("getIpPhoneServices", answer)
    params = children(find(answer.result(), "ipPhoneServices/parameters"), "parameter")
    return {"order": [child_text(p, "name") for p in params],
            "password_flags": {child_text(p, "name"): child_text(p, "paramPassword") for p in params}}


BACKSLASH_PLUS = "\\+"


def _foreign_dn(side, pattern):
    digits = pattern.lstrip(BACKSLASH_PLUS)
    rows = side.rows(f"select count(*) n from numplan where dnorpattern like '%{digits}' and fkroutepartition is null "
                     f"and description not like '{PREFIX}%'", "look for a DN of the same number")
    return int(rows[0]["n"] or 0) > 0


def _scratch_line(side, key, pattern):
    if _foreign_dn(side, pattern):
        raise NotComparable(f"the {side.role} already has a directory number ending {pattern.lstrip(BACKSLASH_PLUS)} "
                            "that the kit did not create; it is left alone")
    answer = side.call("addLine", f"<line><pattern>{xml(pattern)}</pattern><description>{DN_DESCRIPTION}</description>"
                                  "<usage>Device</usage></line>")
    view = {"sent": pattern_shape(pattern), "add": outcome(answer)}
    if answer.status != 200:
        return view
    pkid = guid(answer.result().text)
    side.created.add(key)
    side.ids[key] = pkid
    view["sql"] = pattern_shape(_stored_pattern(side, pkid))
    got = side.call("getLine", f"<uuid>{{{pkid.upper()}}}</uuid><returnedTags><pattern/></returnedTags>")
    view["getLine"] = pattern_shape(child_text(got.result(), "line/pattern")) if got.status == 200 else outcome(got)
    return view


@probe("scratch-line-plain", "addLine +1999... (plain plus): stored pattern (SQL) and getLine",
       covers=("compat:plus-escape", "audit 3.2"), scratch=True)
def scratch_line_plain(side):
    return _scratch_line(side, "line-plain", E164_PLAIN)


@probe("scratch-line-escaped", "addLine \\+1999... (escaped plus): stored pattern (SQL) and getLine",
       covers=("audit 3.2",), scratch=True)
def scratch_line_escaped(side):
    return _scratch_line(side, "line-escaped", E164_ESCAPED)


def _subscription_url(values):
    return SERVICE_URL + "?" + "&".join(f"{k}={urllib.parse.quote(v, safe='')}" for k, v in values)


@probe("scratch-device-profile", "addDeviceProfile with the two lines and a subscription whose url carries b=first&a=one",
       covers=("audit 6.2",), scratch=True)
def scratch_device_profile(side):
    side.need("service", "scratch-service")
    lines = "".join(_line_xml(_stored_pattern(side, side.ids[key]), index)
                    for index, key in enumerate(("line-plain", "line-escaped"), 1) if key in side.created)
    service = (f"<services><service><telecasterServiceName>{SERVICE}</telecasterServiceName><name>{SUBSCRIPTION}</name>"
               f"<url>{xml(_subscription_url((('b', 'first'), ('a', 'one'))))}</url><urlButtonIndex>0</urlButtonIndex>"
               "</service></services>")
    answer = side.call("addDeviceProfile",
                       f"<deviceProfile><name>{PROFILE}</name><description>voiceops conformance kit scratch profile</description>"
                       f"<product>{PRODUCT}</product><class>Device Profile</class><protocol>SIP</protocol>"
                       f"<protocolSide>User</protocolSide>{'<lines>' + lines + '</lines>' if lines else ''}"
                       f"<phoneTemplateName>{TEMPLATE}</phoneTemplateName>{service}</deviceProfile>")
    if answer.status == 200:
        side.created.add("profile")
    return {"lines": lines.count("<line>"), "add": outcome(answer)}


def _get_profile(side, tags):
    answer = side.call("getDeviceProfile", f"<name>{PROFILE}</name><returnedTags>{tags}</returnedTags>")
    if answer.status != 200:
        raise StepFailed("getDeviceProfile", answer)
    return find(answer.result(), "deviceProfile")


@probe("device-profile-line-patterns", "getDeviceProfile: the patterns of its E.164 lines",
       covers=("compat:plus-escape", "audit 3.2"), scratch=True)
def device_profile_lines(side):
    side.need("profile", "scratch-device-profile")
    profile = _get_profile(side, "<lines/>")
    return {"patterns": [pattern_shape(child_text(line, "dirn/pattern"))
                         for line in children(find(profile, "lines"), "line")]}


@probe("subscription-uuid-scratch", "getDeviceProfile: attributes of the subscription's <service>",
       covers=("compat:service-uuid", "audit 6.1"), scratch=True)
def subscription_uuid_scratch(side):
    side.need("profile", "scratch-device-profile")
    services = children(find(_get_profile(side, "<services/>"), "services"), "service")
    return {"service_attributes": attributes(services[0]) if services else None, "subscriptions": len(services)}


def _subscription(side, step):
    rows = side.rows(f"select ss.pkid, ss.serviceurl from telecastersubscribedservice ss, device d "
                     f"where ss.fkdevice = d.pkid and d.name = '{PROFILE}'", step)
    if not rows:
        raise NotComparable(f"the {side.role}'s scratch profile has no subscription")
    return rows[0]


def _state(side, step="read the subscription"):
    """The subscription's parameter values (SQL) and what its built URL carries."""
    sub = _subscription(side, step)
    rows = side.rows(f"select p.name, sp.value from telecastersubscribedparameter sp, telecasterserviceparameter p "
                     f"where sp.fktelecasterserviceparameter = p.pkid and sp.fktelecastersubscribedservice = "
                     f"'{guid(sub['pkid'])}'", step)
    url = sub["serviceurl"] or ""
    query = dict(urllib.parse.parse_qsl(url.split("?", 1)[1], keep_blank_values=True)) if "?" in url else {}
    return {"values": {r["name"]: r["value"] for r in rows}, "url": query}


def _param_pkids(side):
    rows = side.rows(f"select p.pkid, p.name from telecasterserviceparameter p, telecasterservice s "
                     f"where p.fktelecasterservice = s.pkid and s.name = '{SERVICE}'", "read the service parameters")
    return {r["name"]: guid(r["pkid"]) for r in rows}


def _selfcare(side, value):
    """What the Self Care Portal does to a subscription value, done as an administrator could in
    SQL: the value row is replaced (delete, insert), which is not an UPDATE of the value."""
    sub = guid(_subscription(side, "read the subscription")["pkid"])
    param = _param_pkids(side)["b"]
    side.update(f"delete from telecastersubscribedparameter where fktelecastersubscribedservice = '{sub}' "
                f"and fktelecasterserviceparameter = '{param}'", "Self Care-style delete")
    side.update(f"insert into telecastersubscribedparameter (fktelecastersubscribedservice, fktelecasterserviceparameter, "
                f"value) values ('{sub}', '{param}', '{value}')", "Self Care-style insert")


def _resave(side, url):
    """updateDeviceProfile re-sending the subscription (url None: sent as xsi:nil)."""
    url_xml = '<url xsi:nil="true"/>' if url is None else f"<url>{xml(url)}</url>"
    return side.call("updateDeviceProfile",
                     f"<name>{PROFILE}</name><services><service><telecasterServiceName>{SERVICE}</telecasterServiceName>"
                     f"<name>{SUBSCRIPTION}</name>{url_xml}<urlButtonIndex>0</urlButtonIndex></service></services>")


@probe("subscription-url-on-add", "after addDeviceProfile with a url: parameter values (SQL) and the built URL",
       covers=("compat:resave-url", "audit 6.2"), scratch=True)
def subscription_url_on_add(side):
    side.need("profile", "scratch-device-profile")
    view = _state(side)
    # From here on every side starts from the same values, however the add treated the url.
    params = _param_pkids(side)
    sub = guid(_subscription(side, "read the subscription")["pkid"])
    for name, value in (("b", "first"), ("a", "one")):
        if name not in view["values"]:
            side.update(f"insert into telecastersubscribedparameter (fktelecastersubscribedservice, "
                        f"fktelecasterserviceparameter, value) values ('{sub}', '{params[name]}', '{value}')",
                        "insert a missing value")
    side.created.add("values")
    return view


@probe("selfcare-value-change", "a Self Care-style change of b (value row replaced by SQL): value and built URL",
       covers=("audit 6.2",), scratch=True)
def selfcare_value_change(side):
    side.need("values", "subscription-url-on-add")
    before = _state(side)
    _selfcare(side, "selfcare")
    after = _state(side)
    # The URL is compared with the one before the change, not as it is: how the add built it is
    # subscription-url-on-add's question (compat:resave-url), not this probe's.
    if after["url"] == before["url"]:
        url = "unchanged"
    elif after["url"].get("b") == "selfcare":
        url = "carries the new value"
    else:
        url = {"changed otherwise": after["url"]}
    return {"values": after["values"], "url": url}


@probe("resave-stale-url", "updateDeviceProfile re-sending the url getDeviceProfile returned: which value of b wins",
       covers=("compat:resave-url", "audit 6.2"), scratch=True)
def resave_stale_url(side):
    side.need("values", "subscription-url-on-add")
    services = children(find(_get_profile(side, "<services/>"), "services"), "service")
    if not services:
        raise NotComparable(f"getDeviceProfile on the {side.role} lists no subscription")
    url = child_text(services[0], "url") or ""
    answer = _resave(side, url)
    return {"sent_url_values": dict(urllib.parse.parse_qsl(url.split("?", 1)[1])) if "?" in url else {},
            "update": outcome(answer), "after": _state(side)}


@probe("resave-new-url", "updateDeviceProfile with a url carrying b=axl: is the url parsed into values",
       covers=("compat:resave-url", "audit 6.2"), scratch=True)
def resave_new_url(side):
    side.need("values", "subscription-url-on-add")
    answer = _resave(side, _subscription_url((("b", "axl"), ("a", "one"))))
    return {"update": outcome(answer), "after": _state(side)}


@probe("resave-nil-url", "a Self Care-style change, then updateDeviceProfile with url nil: is the URL rebuilt",
       covers=("audit 6.2",), scratch=True)
def resave_nil_url(side):
    side.need("values", "subscription-url-on-add")
    _selfcare(side, "selfcare2")
    answer = _resave(side, None)
    return {"update": outcome(answer), "after": _state(side)}


@probe("ri167-sql-update", "SQL UPDATE of a subscription value: is the built URL rebuilt (rule RI-167)",
       covers=("audit 6.2",), scratch=True)
def ri167_sql_update(side):
    side.need("values", "subscription-url-on-add")
    sub = guid(_subscription(side, "read the subscription")["pkid"])
    param = _param_pkids(side)["b"]
    side.update(f"update telecastersubscribedparameter set value = 'sqlupdate' where fktelecastersubscribedservice = "
                f"'{sub}' and fktelecasterserviceparameter = '{param}'", "SQL update of the value")
    return _state(side)


def _add_user(side, userid, last_name="Kit", directory_uri=DIRECTORY_URI):
    uri = f"<directoryUri>{directory_uri}</directoryUri>" if directory_uri else ""
    return side.call("addUser", f"<user><firstName>Conformance</firstName><lastName>{last_name}</lastName>"
                                f"<userid>{userid}</userid><presenceGroupName>{PRESENCE_GROUP}</presenceGroupName>"
                                f"{uri}</user>")


@probe("scratch-user", "addUser of a local user without associatedGroups", covers=("audit 3.6",), scratch=True)
def scratch_user(side):
    answer = _add_user(side, USER)
    if answer.status == 200:
        side.created.add("user")
    return outcome(answer)


# returnedTags is typed like the answer, so a boolean tag must hold a boolean to be schema-valid
# (CUCM ignores the content of returned tags).
RETURNED_IMP = "<homeCluster>true</homeCluster><imAndPresenceEnable>true</imAndPresenceEnable>"


def _get_user(side, tags=None):
    returned = f"<returnedTags>{tags}</returnedTags>" if tags else ""
    answer = side.call("getUser", f"<userid>{USER}</userid>{returned}")
    if answer.status != 200:
        raise StepFailed("getUser", answer)
    return find(answer.result(), "user")


@probe("scratch-user-ldap-directory-name", "getUser of the new local user: ldapDirectoryName",
       covers=("compat:ldap-directory-name", "audit 3.3"), scratch=True)
def scratch_user_ldap(side):
    side.need("user", "scratch-user")
    return ldap_directory_name(_get_user(side, "<ldapDirectoryName/>"))


@probe("scratch-user-shape", "getUser of the new user without returnedTags: secrets, default group, status",
       covers=("audit 3.1", "audit 3.6"), scratch=True)
def scratch_user_shape(side):
    side.need("user", "scratch-user")
    user = _get_user(side)
    groups = sorted(child_text(g, "name") or "" for g in children(find(user, "associatedGroups"), "userGroup"))
    view = {f: secret_shape(user, f) for f in SECRET_FIELDS}
    view.update({"groups": groups, "status": child_text(user, "status"), "homeCluster": child_text(user, "homeCluster"),
                 "imAndPresenceEnable": child_text(user, "imAndPresenceEnable")})
    return view


@probe("duplicate-add-user", "addUser of a userid that exists: the fault", covers=("audit 2.1",), scratch=True)
def duplicate_add_user(side):
    side.need("user", "scratch-user")
    # only the userid is shared: no directory URI (rule RI-2159), another last name (rule MFI-784)
    return outcome(_add_user(side, USER, "Kit Duplicate", directory_uri=None))


@probe("duplicate-directory-uri", "addUser of a second user with the same directoryUri (rule RI-2159)",
       covers=("audit 3.8",), scratch=True)
def duplicate_directory_uri(side):
    side.need("user", "scratch-user")
    # another last name: only the directory URI is shared (first + last name + mail is rule MFI-784's)
    return outcome(_add_user(side, USER2, "Kit Second"))


@probe("imp-without-home-cluster", "updateUser homeCluster=false, imAndPresenceEnable=true (rule RI-2118)",
       covers=("audit 3.8",), scratch=True)
def imp_without_home_cluster(side):
    side.need("user", "scratch-user")
    answer = side.call("updateUser", f"<userid>{USER}</userid><homeCluster>false</homeCluster>"
                                     "<imAndPresenceEnable>true</imAndPresenceEnable>")
    user = _get_user(side, RETURNED_IMP)
    return {"update": outcome(answer), "homeCluster": child_text(user, "homeCluster"),
            "imAndPresenceEnable": child_text(user, "imAndPresenceEnable")}


@probe("imp-with-home-cluster", "updateUser homeCluster=true, imAndPresenceEnable=true", covers=("audit 3.8",),
       scratch=True)
def imp_with_home_cluster(side):
    side.need("user", "scratch-user")
    answer = side.call("updateUser", f"<userid>{USER}</userid><homeCluster>true</homeCluster>"
                                     "<imAndPresenceEnable>true</imAndPresenceEnable>")
    user = _get_user(side, RETURNED_IMP)
    return {"update": outcome(answer), "homeCluster": child_text(user, "homeCluster"),
            "imAndPresenceEnable": child_text(user, "imAndPresenceEnable")}


@probe("presence-group-name-case", "addUser naming the Standard Presence group in another letter case "
       "(as Cisco's DevNet samples do)", covers=("compat:fk-name-case",), scratch=True)
def presence_group_name_case(side):
    answer = side.call("addUser", f"<user><firstName>Conformance</firstName><lastName>Case</lastName>"
                                  f"<userid>{USER_CASE}</userid><presenceGroupName>{PRESENCE_GROUP_OTHER_CASE}"
                                  "</presenceGroupName></user>")
    view = {"add": outcome(answer)}
    if answer.status == 200:
        rows = side.rows(f"select m.name from enduser e, matrix m where e.fkmatrix_presence = m.pkid "
                         f"and e.userid = '{USER_CASE}'", "read the user's presence group")
        view["presence_group"] = rows[0]["name"] if rows else None
    return view


# ------------------------------------------------------------------ change notification (listChange)
def _queue_info(side, step):
    answer = side.call("listChange", "<objectList/>")
    if answer.status != 200:
        raise StepFailed(step, answer)
    info = find(answer.element, "queueInfo")
    return {tag: child_text(info, tag) for tag in ("firstChangeId", "lastChangeId", "nextStartChangeId", "queueId")}


def _expired_view(side):
    """listChange from change 0, older than any queue's first change (ids start at 1)."""
    queue = _queue_info(side, "listChange without startChangeId")
    answer = side.call("listChange", f'<startChangeId queueId="{xml(queue["queueId"] or "")}">0</startChangeId>'
                                     "<objectList/>")
    return {"expired_start": outcome(answer)}


@probe("change-feed-expired", "listChange from a change id older than the queue (dropped changes): a fault or an answer",
       covers=("compat:change-expired",))
def change_feed_expired(side):
    if not side.models_operation("listChange"):
        raise NotComparable("the simulator does not model listChange")
    return _expired_view(side)


@probe("change-feed-after-writes", "listChange after the scratch writes: does the first call (no startChangeId) "
       "return the cached changes; from change 0: a fault or an answer",
       covers=("compat:change-first-call", "compat:change-expired"), scratch=True)
def change_feed_after_writes(side):
    side.need("user", "scratch-user")
    answer = side.call("listChange", "<objectList><object>User</object></objectList>")
    if answer.status != 200:
        raise StepFailed("listChange without startChangeId", answer)
    changes = children(find(answer.element, "changes"), "change")
    view = {"first_call": "changes" if changes else "no change"}
    view.update(_expired_view(side))
    return view
