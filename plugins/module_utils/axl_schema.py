# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's compact AXL schema: the request messages it sends, in Cisco's element order.

Modules run through AnsiballZ, so the schema travels as Python, and it covers only what the
collection sends.  Loading Cisco's full WSDL per task would cost about 1.8 s and 120 MB; this
costs nothing measurable.  The test suite checks every type here against Cisco's real
``AXLSoap.xsd`` of 11.5, 12.5, 14.0 and 15.0 (order, types, lengths, versions).

Each type is a string of field specs ``name[:type][*][@since][!until]``:
- ``type``: omitted = string without a length facet; ``s<n>`` (``s32``, ``s50``, ``s128``, ...) =
  string with that maxLength; ``b`` = AXL boolean (``true``/``false``); ``i`` = XInteger;
  ``ul`` = unsignedLong; ``u`` = XUUID ``{...}``; ``fk`` = XFkType (a name, or
  ``{'name': ..., 'uuid': ...}``); ``cid`` = listChange's StartChangeId (``{'queueId': ..., 'id': n}``);
  a capitalised name = a nested type of ``TYPES``;
- ``*``: the element repeats (give a list);
- ``@12.5``: first schema version that has the element; ``!12.5``: first version without it.

Values: ``None`` leaves an element out; ``''`` sends it empty (AXL's way of clearing a field).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.voiceops.cucm.plugins.module_utils import axl_schema_devices

try:
    from lxml import etree
except ImportError:  # pragma: no cover - reported by the module through missing_required_lib
    etree = None

VERSIONS = ("11.5", "12.5", "14.0", "15.0")
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
AXL_NS = "http://www.cisco.com/AXL/API/"

_USER_FIELDS = (
    "firstName displayName middleName lastName emMaxLoginTime:i@12.5 {userid} password pin mailid department "
    "manager userLocale associatedDevices:DeviceList primaryExtension:PrimaryExtension associatedPc "
    "associatedGroups:GroupList enableCti:b digestCredentials phoneProfiles:ProfileList defaultProfile:fk "
    "presenceGroupName:fk subscribeCallingSearchSpaceName:fk enableMobility:b enableMobileVoiceAccess:b "
    "maxDeskPickupWaitTime:i remoteDestinationLimit:i enableEmcc:b ctiControlledDeviceProfiles:ProfileList "
    "homeCluster:b imAndPresenceEnable:b serviceProfile:fk directoryUri telephoneNumber title mobileNumber "
    "homeNumber pagerNumber selfService:s50 userProfile:fk calendarPresence:b ldapDirectoryName:fk userIdentity "
    "nameDialing enableUserToHostConferenceNow:b attendeesAccessCode"
)
_GROUP_CHANGES = (
    "removeMembers:MemberList addMembers:MemberList members:MemberList "
    "removeUserRoles:RoleList addUserRoles:RoleList userRoles:RoleList"
)
_SERVICE_FIELDS = (
    "{name} asciiServiceName:s128 serviceDescription:s128 serviceUrl secureServiceUrl serviceCategory serviceType "
    "serviceVendor serviceVersion enabled:b"
)

TYPES = {
    # ------------------------------------------------------------------ shared pieces
    "DeviceList": "device:s50*",
    "PrimaryExtension": "pattern:s255 routePartitionName:s50",
    "GroupList": "userGroup:GroupRef*",
    "GroupRef": "name:s100 userRoles:RoleNames",
    "RoleNames": "userRole:s100*",
    "ProfileList": "profileName:fk*",
    "MemberList": "member:Member*",
    "Member": "userId",
    "RoleList": "userRole:RoleRef*",
    "RoleRef": "roleName:fk",
    "ServiceList": "service:Subscription*",
    "Subscription": "telecasterServiceName:fk name:s100 url urlButtonIndex:i urlLabel:s50 serviceNameAscii:s50",
    "ParameterList": "parameter:Parameter*",
    "Parameter": "name:s50 displayName:s128 default:s255 description:s255 paramRequired:b paramPassword:b",
    # ------------------------------------------------------------------ returnedTags (R*/L* types)
    "RUser": (
        "firstName displayName middleName lastName emMaxLoginTime:i@12.5 userid mailid department manager userLocale "
        "associatedDevices:DeviceList primaryExtension:PrimaryExtension associatedPc associatedGroups:GroupList "
        "enableCti:b phoneProfiles:ProfileList defaultProfile:fk presenceGroupName:fk "
        "subscribeCallingSearchSpaceName:fk enableMobility:b enableMobileVoiceAccess:b maxDeskPickupWaitTime:i "
        "remoteDestinationLimit:i status:i enableEmcc:b ctiControlledDeviceProfiles:ProfileList homeCluster:b "
        "imAndPresenceEnable:b serviceProfile:fk directoryUri telephoneNumber title mobileNumber homeNumber "
        "pagerNumber selfService:s50 userProfile:fk calendarPresence:b ldapDirectoryName:fk userIdentity nameDialing "
        "enableUserToHostConferenceNow:b attendeesAccessCode"
    ),
    "LUser": (
        "firstName displayName!12.5 middleName lastName emMaxLoginTime:i@12.5 userid mailid department manager "
        "userLocale primaryExtension:PrimaryExtension associatedPc enableCti:b presenceGroupName:fk!12.5 "
        "subscribeCallingSearchSpaceName:fk enableMobility:b enableMobileVoiceAccess:b maxDeskPickupWaitTime:i "
        "remoteDestinationLimit:i status:i enableEmcc:b homeCluster:b imAndPresenceEnable:b serviceProfile:fk "
        "directoryUri telephoneNumber title mobileNumber homeNumber pagerNumber selfService:s50!12.5 "
        "calendarPresence:b ldapDirectoryName:fk!12.5 userIdentity"
    ),
    "UserSearch": "firstName lastName userid department",
    "RUserGroup": "members:MemberList userRoles:RoleList name:s128",
    "LUserGroup": "name:s128",
    "GroupSearch": "name",
    "RIpPhoneServices": (
        "serviceName:s128 asciiServiceName:s128 serviceDescription:s128 serviceUrl secureServiceUrl serviceCategory "
        "serviceType serviceVendor serviceVersion enabled:b enterpriseSubscription:b parameters:ParameterList"
    ),
    "LIpPhoneServices": "serviceName:s128",
    "ServiceSearch": "serviceName serviceDescription",
    # ------------------------------------------------------------------ requests (by operation)
    "getCCMVersion": "processNodeName:s255",
    "executeSQLQuery": "sql",
    "executeSQLUpdate": "sql",
    "getUser": "userid uuid:u returnedTags:RUser",
    "listUser": "searchCriteria:UserSearch returnedTags:LUser skip:ul first:ul",
    "addUser": "user:XUser",
    "XUser": _USER_FIELDS.format(userid="userid"),
    "updateUser": "uuid:u userid " + _USER_FIELDS.format(userid="newUserid"),
    "removeUser": "userid uuid:u",
    "getUserGroup": "name:s100 uuid:u returnedTags:RUserGroup",
    "listUserGroup": "searchCriteria:GroupSearch returnedTags:LUserGroup skip:ul first:ul",
    "addUserGroup": "userGroup:XUserGroup",
    "XUserGroup": "members:MemberList userRoles:RoleList name:s128",
    "updateUserGroup": "name:s100 uuid:u " + _GROUP_CHANGES + " newName:s128",
    "removeUserGroup": "name:s100 uuid:u",
    "getIpPhoneServices": "serviceName:s128 uuid:u returnedTags:RIpPhoneServices",
    "listIpPhoneServices": "searchCriteria:ServiceSearch returnedTags:LIpPhoneServices skip:ul first:ul",
    "addIpPhoneServices": "ipPhoneServices:XIpPhoneServices",
    "XIpPhoneServices": _SERVICE_FIELDS.format(name="serviceName:s128") + " enterpriseSubscription:b parameters:ParameterList",
    "updateIpPhoneServices": (
        "uuid:u serviceName:s128 " + _SERVICE_FIELDS.format(name="newServiceName:s128")
        + " removeParameters:ParameterList addParameters:ParameterList parameters:ParameterList"
    ),
    "removeIpPhoneServices": "serviceName:s128 uuid:u",
    # ------------------------------------------------------------------ enterprise and service parameters
    "RServiceParameter": "processNodeName:fk name service value valueType",
    "LServiceParameter": "processNodeName:fk name service value valueType",
    "ServiceParameterSearch": "processNodeName service",
    "getServiceParameter": "uuid:u processNodeName:fk name service returnedTags:RServiceParameter",
    "updateServiceParameter": "uuid:u processNodeName:fk name service value",
    "listServiceParameter": "searchCriteria:ServiceParameterSearch returnedTags:LServiceParameter skip:ul first:ul",
    # ------------------------------------------------------------------ LDAP directory synchronisation
    "LLdapDirectory": "name:s50",
    "LdapDirectorySearch": "name",
    "listLdapDirectory": "searchCriteria:LdapDirectorySearch returnedTags:LLdapDirectory skip:ul first:ul",
    "doLdapSync": "name uuid:u sync:b",
    "getLdapSyncStatus": "name uuid:u",
    # ------------------------------------------------------------------ change notification
    "listChange": "startChangeId:cid objectList:ChangeObjectList",
    "ChangeObjectList": "object*",
}

# Choices the schema allows only one branch of (checked before sending, because an AXL server
# answers a request that mixes them with an unmarshalling fault).
CHOICES = {
    "getUser": (("userid", "uuid"),),
    "updateUser": (("userid", "uuid"),),
    "removeUser": (("userid", "uuid"),),
    "getUserGroup": (("name", "uuid"),),
    "updateUserGroup": (("name", "uuid"), ("members", "addMembers"), ("members", "removeMembers"),
                        ("userRoles", "addUserRoles"), ("userRoles", "removeUserRoles")),
    "removeUserGroup": (("name", "uuid"),),
    "getIpPhoneServices": (("serviceName", "uuid"),),
    "updateIpPhoneServices": (("serviceName", "uuid"), ("parameters", "addParameters"),
                              ("parameters", "removeParameters")),
    "removeIpPhoneServices": (("serviceName", "uuid"),),
    "getServiceParameter": (("uuid", "processNodeName"), ("uuid", "name"), ("uuid", "service")),
    "updateServiceParameter": (("uuid", "processNodeName"), ("uuid", "name"), ("uuid", "service")),
    "doLdapSync": (("name", "uuid"),),
    "getLdapSyncStatus": (("name", "uuid"),),
}

# Lines, phones and device profiles: generated from Cisco's XSD by tools/axl_schema_gen.py (same spec format).
TYPES.update(axl_schema_devices.TYPES)
CHOICES.update(axl_schema_devices.CHOICES)
REQUIRED = axl_schema_devices.REQUIRED     # type -> ((element, XSD default or None), ...): filled in when left out
ENUMS = axl_schema_devices.ENUMS

_SPEC = re.compile(r"^(?P<name>\w+)(?::(?P<type>\w+))?(?P<many>\*)?(?:@(?P<since>[\d.]+))?(?:!(?P<until>[\d.]+))?$")
_UUID = re.compile(r"^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$")
_MAX_LENGTH = dict((code, int(code[1:])) for code in set(re.findall(r":(s\d+)", " ".join(TYPES.values()))))


class SchemaError(ValueError):
    """A value the AXL schema does not accept; ``path`` names the element (e.g. ``user/mailid``)."""

    def __init__(self, path, message):
        super(SchemaError, self).__init__("%s: %s" % (path, message))
        self.path = path
        self.reason = message


def _key(version):
    return tuple(int(p) for p in version.split("."))


class Field(object):
    __slots__ = ("name", "type", "many", "since", "until")

    def __init__(self, spec):
        match = _SPEC.match(spec)
        if not match:
            raise ValueError("bad field spec %r" % spec)
        self.name = match.group("name")
        self.type = match.group("type") or "s"
        self.many = bool(match.group("many"))
        self.since = match.group("since")
        self.until = match.group("until")

    def in_version(self, version):
        key = _key(version)
        return (not self.since or key >= _key(self.since)) and (not self.until or key < _key(self.until))

    @property
    def complex(self):
        return self.type[0].isupper()


_FIELDS = {}   # parsed on first use: a module only ever touches a few types


def _all_fields(type_name):
    if type_name not in _FIELDS:
        _FIELDS[type_name] = [Field(spec) for spec in TYPES[type_name].split()]
    return _FIELDS[type_name]


def fields(type_name, version):
    """The fields of a type in schema order, as the given version has them."""
    return [f for f in _all_fields(type_name) if f.in_version(version)]


def max_length(type_name, path, version="14.0"):
    """maxLength facet of an element reached by ``path`` (slash-separated) from ``type_name``."""
    field = _resolve(type_name, path, version)
    return _MAX_LENGTH.get(field.type) if field else None


def _resolve(type_name, path, version):
    field = None
    for part in path.split("/"):
        field = next((f for f in fields(type_name, version) if f.name == part), None)
        if field is None:
            return None
        type_name = field.type
    return field


def envelope(operation, version, body):
    """The SOAP envelope of an AXL request; raises SchemaError for a value the schema refuses."""
    if version not in VERSIONS:
        raise SchemaError("axl_version", "unsupported AXL schema version %s (supported: %s)" % (version, ", ".join(VERSIONS)))
    if operation not in TYPES:
        raise SchemaError(operation, "operation not in the collection's schema")
    for choice in CHOICES.get(operation, ()):
        given = [name for name in choice if body.get(name) is not None]
        if len(given) > 1:
            raise SchemaError(operation, "only one of %s may be sent" % " or ".join(given))
    env = etree.Element("{%s}Envelope" % SOAP_ENV, nsmap={"soapenv": SOAP_ENV, "ns": AXL_NS + version})
    request = etree.SubElement(etree.SubElement(env, "{%s}Body" % SOAP_ENV), "{%s%s}%s" % (AXL_NS, version, operation))
    _emit(request, operation, body, version, operation, False)
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def _emit(parent, type_name, value, version, path, tags):
    if not isinstance(value, dict):
        raise SchemaError(path, "expected a mapping, got %r" % type(value).__name__)
    known = fields(type_name, version)
    names = set(f.name for f in known)
    if type_name in REQUIRED and not tags:
        # elements the XSD requires: sent with its default (or empty) when the caller leaves them out
        value = dict(value)
        for name, default in REQUIRED[type_name]:
            if value.get(name) is None and name in names:
                value[name] = default if default is not None else ""
    unknown = [k for k in value if k not in names and value[k] is not None]
    if unknown:
        every = set(f.name for f in _all_fields(type_name))
        where = "not in AXL %s" % version if set(unknown) & every else "unknown element"
        raise SchemaError("%s/%s" % (path, unknown[0]), where)
    for field in known:
        item = value.get(field.name)
        if item is None:
            continue
        items = item if field.many and isinstance(item, list) else [item]
        if isinstance(item, list) and not field.many:
            raise SchemaError("%s/%s" % (path, field.name), "does not repeat")
        for each in items:
            child = etree.SubElement(parent, field.name)
            where = "%s/%s" % (path, field.name)
            if field.complex:
                if each != "":
                    _emit(child, field.type, each, version, where, tags or field.name == "returnedTags")
            elif tags and field.type == "b" and each == "":
                # A returned tag only has to be present, but AXL's boolean type has no empty value:
                # send one that validates (CUCM ignores the content of returned tags).
                child.text = "true"
            else:
                _simple(child, field.type, each, where)


def _simple(element, type_code, value, path):
    if type_code == "cid":
        if not isinstance(value, dict) or not value.get("queueId") or not re.match(r"^\d+$", str(value.get("id", ""))):
            raise SchemaError(path, "must be {'queueId': text, 'id': a change id}")
        element.set("queueId", str(value["queueId"]))
        value = str(value["id"])
        type_code = "ul"
    if type_code == "fk" and isinstance(value, dict):
        if value.get("uuid"):
            if not _UUID.match(str(value["uuid"])):
                raise SchemaError(path, "uuid %r is not a {UUID}" % (value["uuid"],))
            element.set("uuid", value["uuid"])
        value = value.get("name") or ""
    if isinstance(value, bool):
        if type_code != "b":
            raise SchemaError(path, "is not a boolean")
        text = "true" if value else "false"
    elif type_code == "b":
        text = {"t": "true", "f": "false", "1": "true", "0": "false"}.get(str(value).lower(), str(value).lower())
        if text not in ("true", "false", ""):
            raise SchemaError(path, "must be true or false")
    elif type_code in ("i", "ul"):
        if value != "" and not re.match(r"^-?\d+$" if type_code == "i" else r"^\d+$", str(value)):
            raise SchemaError(path, "must be an integer")
        text = str(value)
    else:
        text = value if isinstance(value, str) else str(value)
        limit = _MAX_LENGTH.get(type_code)
        if limit and len(text) > limit:
            raise SchemaError(path, "is %d characters long; AXL allows at most %d" % (len(text), limit))
        if type_code == "u" and text and not _UUID.match(text):
            raise SchemaError(path, "is not a {UUID}")
    if text and re.search(u"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", text):
        raise SchemaError(path, "contains a control character XML cannot carry")
    element.text = text or None
