# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compact schema of ``axl_schema`` checked against Cisco's real ``AXLSoap.xsd``.

Cisco's schema files are read at run time from ``shared/axl-schema/<version>/`` beside the
checkout (found by walking up from this file, which also works from the copy ansible-test runs
in) or from ``$CUCM_AXL_SCHEMA_DIR``; nothing of them is copied into the collection.  The tests
that need them are skipped, with the reason, when they are absent.

What is checked, for every operation of ``axl_schema.TYPES`` and every version:

- every field exists in the XSD at its place for exactly the versions its spec says
  (``@since``/``!until``), in an order that is a subsequence of the XSD's order;
- ``*`` iff the element repeats; ``s50``/``s100``/``s128``/``s255`` iff the XSD's maxLength is
  that number (and a field without a length type has none); ``b`` iff AXL ``boolean``; ``i`` iff
  ``XInteger``; ``fk`` iff ``XFkType``; ``u`` iff ``XUUID``; ``ul`` iff ``xsd:unsignedLong``;
  a nested type iff the XSD element has element content (named or anonymous complex type);
- the mutually exclusive pairs of ``axl_schema.CHOICES`` are exactly the XSD's choices among
  the fields the collection sends;
- a request with every field filled serialises to a body the XSD itself accepts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os

import pytest
from lxml import etree

from ansible_collections.voiceops.cucm.plugins.module_utils import axl_schema
from ansible_collections.voiceops.cucm.plugins.module_utils.axl_schema import SchemaError

XS = "http://www.w3.org/2001/XMLSchema"
VERSIONS = axl_schema.VERSIONS
OPERATIONS = sorted(name for name in axl_schema.TYPES if name[0].islower())
NAMED_TYPES = sorted(name for name in axl_schema.TYPES if name[0].isupper())
UUID = "{6A3E9C2F-4B1D-4E8A-9C7F-2D5B8E1A0C34}"


def _schema_root():
    configured = os.environ.get("CUCM_AXL_SCHEMA_DIR")
    if configured:
        return configured if os.path.isdir(configured) else None
    here = os.path.dirname(os.path.abspath(__file__))
    while True:
        candidate = os.path.join(here, "shared", "axl-schema")
        if os.path.isdir(candidate):
            return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


SCHEMA_ROOT = _schema_root()


def _xsd_path(version):
    if SCHEMA_ROOT is None:
        if os.environ.get("CUCM_AXL_SCHEMA_DIR"):
            pytest.skip("Cisco's AXL schema is not available: CUCM_AXL_SCHEMA_DIR=%s is not a directory"
                        % os.environ["CUCM_AXL_SCHEMA_DIR"])
        pytest.skip("Cisco's AXL schema is not available: no shared/axl-schema beside any folder above %s, and "
                    "CUCM_AXL_SCHEMA_DIR is not set" % os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(SCHEMA_ROOT, version, "AXLSoap.xsd")
    if not os.path.isfile(path):
        pytest.skip("Cisco's AXL schema %s is not available (%s is missing)" % (version, path))
    return path


# ---------------------------------------------------------------------------------------------
# A small reader of Cisco's XSD: the flattened element content of a type, and a type's kind in
# the compact schema's terms.  It knows the constructs AXLSoap.xsd uses (sequence, choice,
# complexContent extension, simpleContent, inline types, unions); it fails loudly on others.
# ---------------------------------------------------------------------------------------------

def _local(tag):
    return tag.split("}", 1)[1] if "}" in tag else tag


def _children(node):
    """Schema children that matter (no comments, no annotations)."""
    return [c for c in node if isinstance(c.tag, str) and _local(c.tag) != "annotation"]


def _max_occurs(node):
    value = node.get("maxOccurs", "1")
    return float("inf") if value == "unbounded" else int(value)


class XsdElement(object):
    """An element of a type's content model: ``many`` when it (or a group around it) repeats;
    ``choices`` is the chain of (choice node, branch index) it sits in."""

    def __init__(self, name, node, many, choices):
        self.name = name
        self.node = node
        self.many = many
        self.choices = choices

    def excludes(self, other):
        mine = dict((id(choice), branch) for choice, branch in self.choices)
        return any(id(choice) in mine and mine[id(choice)] != branch for choice, branch in other.choices)


class Xsd(object):
    def __init__(self, version):
        self.version = version
        self.path = _xsd_path(version)
        self.doc = etree.parse(self.path)
        root = self.doc.getroot()
        self.tns = root.get("targetNamespace")
        self.complex, self.simple, self.elements = {}, {}, {}
        for child in _children(root):
            kind = _local(child.tag)
            table = {"complexType": self.complex, "simpleType": self.simple, "element": self.elements}.get(kind)
            if table is not None:
                table[child.get("name")] = child
        self._validator = None

    @property
    def validator(self):
        if self._validator is None:
            self._validator = etree.XMLSchema(self.doc)
        return self._validator

    def _qname(self, node, value):
        prefix, _sep, local = value.rpartition(":")
        return node.nsmap.get(prefix or None), local

    # ------------------------------------------------------------------ content models
    def content(self, ctype):
        """The elements of a complexType node, in document order, base type first."""
        out = []
        for child in _children(ctype):
            kind = _local(child.tag)
            if kind in ("sequence", "choice"):
                self._group(child, out, False, ())
            elif kind == "complexContent":
                derivation = _children(child)[0]
                if _local(derivation.tag) != "extension":
                    raise AssertionError("unsupported complexContent %s in %s" % (_local(derivation.tag), self.version))
                namespace, base = self._qname(derivation, derivation.get("base"))
                assert namespace == self.tns, base
                out.extend(self.content(self.complex[base]))
                for part in _children(derivation):
                    if _local(part.tag) in ("sequence", "choice"):
                        self._group(part, out, False, ())
            elif kind in ("attribute", "simpleContent", "anyAttribute"):
                continue
            else:
                raise AssertionError("unsupported particle %s" % kind)
        return out

    def _group(self, node, out, many, choices):
        many = many or _max_occurs(node) > 1
        kind = _local(node.tag)
        for index, child in enumerate(_children(node)):
            where = choices + ((node, index),) if kind == "choice" else choices
            child_kind = _local(child.tag)
            if child_kind == "element":
                assert child.get("ref") is None, "element refs are not used by AXLSoap.xsd"
                out.append(XsdElement(child.get("name"), child, many or _max_occurs(child) > 1, where))
            elif child_kind in ("sequence", "choice"):
                self._group(child, out, many, where)
            elif child_kind == "any":
                continue
            else:
                raise AssertionError("unsupported particle %s" % child_kind)

    # ------------------------------------------------------------------ kinds
    def kind(self, element):
        """``(code, complexType node or None)`` of an xsd:element in the compact schema's terms."""
        type_name = element.get("type")
        if type_name is None:
            inline = [c for c in _children(element) if _local(c.tag) in ("complexType", "simpleType")]
            if not inline:
                return "anyType", None
            if _local(inline[0].tag) == "simpleType":
                return self._simple_kind(inline[0]), None
            return self._complex_kind(inline[0], None)
        namespace, local = self._qname(element, type_name)
        if namespace == XS:
            return {"string": "s", "unsignedLong": "ul"}.get(local, "xsd:" + local), None
        assert namespace == self.tns, type_name
        if local in self.complex:
            return self._complex_kind(self.complex[local], local)
        return self._simple_kind(self.simple[local], local), None

    def _complex_kind(self, ctype, name):
        if name == "XFkType":
            return "fk", None
        if name == "StartChangeId":
            return "cid", None
        if any(_local(c.tag) == "simpleContent" for c in _children(ctype)):
            return "simpleContent:%s" % name, None
        return "complex", ctype

    def _simple_kind(self, stype, name=None):
        special = {"boolean": "b", "XInteger": "i", "XUUID": "u"}
        if name in special:
            return special[name]
        length = self._max_length(stype)
        return "s%d" % length if length is not None else "s"

    def _max_length(self, stype):
        for child in _children(stype):
            if _local(child.tag) != "restriction":
                continue      # unions (the AXL enums) are open strings without a length
            facet = [f for f in _children(child) if _local(f.tag) == "maxLength"]
            if facet:
                return int(facet[0].get("value"))
            base = child.get("base")
            if base:
                namespace, local = self._qname(child, base)
                if namespace == self.tns:
                    return self._max_length(self.simple[local])
            inline = [c for c in _children(child) if _local(c.tag) == "simpleType"]
            if inline:
                return self._max_length(inline[0])
        return None

    def request_type(self, operation):
        element = self.elements.get(operation)
        assert element is not None, "AXL %s has no element %s" % (self.version, operation)
        code, ctype = self.kind(element)
        assert code == "complex", (operation, code)
        return ctype


_XSD = {}


def xsd(version):
    if version not in _XSD:
        _XSD[version] = Xsd(version)
    return _XSD[version]


# ---------------------------------------------------------------------------------------------
# Comparing a compact type with the XSD content at one place
# ---------------------------------------------------------------------------------------------

def compare(schema, type_name, ctype, place, problems, reached, top_level):
    """Compare compact type ``type_name`` with the content of XSD ``ctype`` found at ``place``;
    recurse into nested types.  Appends readable problems; records the types it reached."""
    version = schema.version
    reached.add(type_name)
    content = schema.content(ctype)
    names = [e.name for e in content]
    by_name = {}
    for element in content:
        by_name.setdefault(element.name, element)
    declared = axl_schema._all_fields(type_name)
    for field in declared:
        exists = field.name in by_name
        if exists != field.in_version(version):
            problems.append("%s/%s (%s): the spec says %s in %s, the XSD says %s" % (
                place, field.name, type_name, "present" if field.in_version(version) else "absent", version,
                "present" if exists else "absent"))
    sent = [f for f in declared if f.in_version(version) and f.name in by_name]
    positions = [names.index(f.name) for f in sent]
    if positions != sorted(positions):
        problems.append("%s (%s): order %s is not the XSD's order %s" % (
            place, type_name, [f.name for f in sent], [n for n in names if n in set(f.name for f in sent)]))
    for field in sent:
        element = by_name[field.name]
        where = "%s/%s" % (place, field.name)
        if field.many != element.many:
            problems.append("%s: the spec says %s, the XSD says maxOccurs %s" % (
                where, "repeating (*)" if field.many else "single", "> 1" if element.many else "1"))
        code, child = schema.kind(element.node)
        if field.complex:
            if code != "complex":
                problems.append("%s: the spec has nested type %s, the XSD has %s" % (where, field.type, code))
            else:
                compare(schema, field.type, child, where, problems, reached, False)
        elif code != field.type:
            problems.append("%s: the spec says type %r, the XSD says %r" % (where, field.type, code))
    # Mutually exclusive fields: declared in CHOICES for a request, absent anywhere deeper (the
    # serializer only checks a request's top level).
    exclusive = set()
    for i, one in enumerate(sent):
        for other in sent[i + 1:]:
            if by_name[one.name].excludes(by_name[other.name]):
                exclusive.add(frozenset((one.name, other.name)))
    if top_level:
        guarded = set(frozenset(pair) for group in axl_schema.CHOICES.get(type_name, ())
                      for i, a in enumerate(group) for pair in [(a, b) for b in group[i + 1:]])
        guarded = set(p for p in guarded if all(n in by_name and axl_schema._resolve(type_name, n, version) for n in p))
        if exclusive != guarded:
            problems.append("%s: XSD choices between %s, CHOICES declares %s" % (
                place, sorted(sorted(p) for p in exclusive), sorted(sorted(p) for p in guarded)))
    elif exclusive:
        problems.append("%s (%s): nested choices %s are not guarded by the serializer" % (
            place, type_name, sorted(sorted(p) for p in exclusive)))


# One test per version, looping over the operations: ansible-test runs each test in a fork of
# its own, so each test parses (and compiles) the 4 MB schema again; problems are reported by path.

@pytest.mark.parametrize("version", VERSIONS)
def test_operations_match_xsd(version):
    schema = xsd(version)
    problems = []
    for operation in OPERATIONS:
        compare(schema, operation, schema.request_type(operation), operation, problems, set(), True)
    assert not problems, "compact schema vs Cisco's AXL %s:\n  %s" % (version, "\n  ".join(problems))


@pytest.mark.parametrize("version", VERSIONS)
def test_every_type_is_used_and_named_types_match(version):
    """Every helper type is reached from some operation (no dead or unchecked types), and a type
    named after an XSD complexType (XUser, RUser, LUserGroup, ...) also matches that type."""
    schema = xsd(version)
    reached = set()
    for operation in OPERATIONS:
        compare(schema, operation, schema.request_type(operation), operation, [], reached, True)
    assert set(NAMED_TYPES) - reached == set()
    problems = []
    named = [n for n in NAMED_TYPES if n in schema.complex]
    assert set(["XUser", "RUser", "LUser", "XUserGroup", "RUserGroup", "LUserGroup", "XIpPhoneServices",
                "RIpPhoneServices", "LIpPhoneServices"]) <= set(named)
    for name in named:
        compare(schema, name, schema.complex[name], name, problems, set(), False)
    assert not problems, "\n".join(problems)


def test_reader_sees_known_facts():
    """The XSD reader itself reads what research/axl.md says (so the comparisons mean something)."""
    schema = xsd("14.0")
    content = dict((e.name, e) for e in schema.content(schema.complex["XUser"]))
    assert schema.kind(content["enableCti"].node) == ("b", None)
    assert schema.kind(content["emMaxLoginTime"].node) == ("i", None)
    assert schema.kind(content["presenceGroupName"].node) == ("fk", None)
    assert schema.kind(content["selfService"].node)[0] == "s50"
    assert schema.kind(content["userLocale"].node)[0] == "s"     # an open enum union
    groups = schema.kind(content["associatedGroups"].node)[1]
    user_group = schema.content(groups)[0]
    assert user_group.name == "userGroup" and user_group.many
    update = schema.content(schema.complex["UpdateUserReq"])
    assert [e.name for e in update[:2]] == ["uuid", "userid"] and update[0].excludes(update[1])
    assert "emMaxLoginTime" not in [e.name for e in xsd("11.5").content(xsd("11.5").complex["XUser"])]


# ---------------------------------------------------------------------------------------------
# Serialising a full request of every operation and validating it with Cisco's XSD
# ---------------------------------------------------------------------------------------------

def sample(field, version, serial):
    """A realistic value for a field, at the edge of what the schema allows."""
    serial[0] += 1
    n = serial[0]
    if field.complex:
        value = dict((f.name, sample(f, version, serial)) for f in axl_schema.fields(field.type, version))
    elif field.type == "b":
        value = (True, "false", "t", "0")[n % 4]
    elif field.type == "i":
        value = (42, "-1", "")[n % 3]
    elif field.type == "ul":
        value = 25 + n
    elif field.type == "u":
        value = UUID if n % 2 else UUID.lower()
    elif field.type == "cid":
        value = {"queueId": u"Q1w2E3r4", "id": 1000 + n}
    elif field.type == "fk":
        value = ({"name": u"Fk & <Name> %d \u00e9" % n, "uuid": UUID}, u"Plain fk %d" % n, {"uuid": UUID})[n % 3]
    elif field.type in axl_schema._MAX_LENGTH:
        # the longest value allowed, in characters that take two bytes in UTF-8
        value = u"\u00e9" * axl_schema._MAX_LENGTH[field.type]
    else:
        value = u"Voice & <Ops> \"O'Brien\" \u05e9\u05dc\u05d5\u05dd \U0001F600 %d" % n
    return [value, copy.deepcopy(value)] if field.many else value


def variants(operation, version):
    """Sets of top-level fields that respect CHOICES and together cover every field."""
    names = [f.name for f in axl_schema.fields(operation, version)]
    conflicts = set()
    for group in axl_schema.CHOICES.get(operation, ()):
        for i, one in enumerate(group):
            for other in group[i + 1:]:
                conflicts.add(frozenset((one, other)))
    uncovered, out = list(names), []
    while uncovered:
        chosen = []
        for name in uncovered + [n for n in names if n not in uncovered]:
            if all(frozenset((name, c)) not in conflicts for c in chosen):
                chosen.append(name)
        out.append(chosen)
        uncovered = [n for n in uncovered if n not in chosen]
    return out


def request_element(operation, version, body):
    envelope = etree.fromstring(axl_schema.envelope(operation, version, body))
    assert envelope.tag == "{%s}Envelope" % axl_schema.SOAP_ENV
    request = envelope.find("{%s}Body" % axl_schema.SOAP_ENV)[0]
    assert request.tag == "{http://www.cisco.com/AXL/API/%s}%s" % (version, operation)
    return request


@pytest.mark.parametrize("version", VERSIONS)
def test_full_requests_validate_against_xsd(version):
    """Every operation with every field filled (one request per set of fields the choices
    allow together) is valid for Cisco's schema; so are the small requests the collection
    really sends (identity plus a few fields, empty wrappers that clear a list, empty
    elements that clear a value)."""
    schema = xsd(version)
    failures = []
    for operation in OPERATIONS:
        serial = [0]
        for chosen in variants(operation, version):
            body = dict((f.name, sample(f, version, serial)) for f in axl_schema.fields(operation, version) if f.name in chosen)
            request = request_element(operation, version, body)
            assert [c.tag for c in request] == [f.name for f in axl_schema.fields(operation, version) if f.name in chosen]
            if not schema.validator.validate(copy.deepcopy(request)):
                shown = etree.tostring(request, pretty_print=True).decode("utf-8")[:2000]
                failures.append("%s with %s: %s\n%s" % (operation, chosen, schema.validator.error_log.last_error, shown))
    assert not failures, "requests Cisco's AXL %s schema refuses:\n%s" % (version, "\n".join(failures))
    for operation, body in MINIMAL_REQUESTS:
        request = request_element(operation, version, body)
        assert schema.validator.validate(copy.deepcopy(request)), "%s %s: %s" % (
            operation, body, schema.validator.error_log.last_error)


MINIMAL_REQUESTS = [
    ("getUser", {"userid": "jdoe", "returnedTags": {"userid": "", "associatedGroups": {"userGroup": {"name": ""}},
                                                    "primaryExtension": "", "enableCti": "", "status": ""}}),
    ("listUser", {"searchCriteria": {"lastName": "D%"}, "returnedTags": {"userid": "", "homeCluster": "", "enableEmcc": ""}}),
    ("updateUser", {"userid": "jdoe", "associatedDevices": "", "associatedGroups": "", "department": "",
                    "maxDeskPickupWaitTime": ""}),
    ("updateUser", {"uuid": UUID, "associatedGroups": {"userGroup": [{"name": "Standard CCM End Users"}]}}),
    ("addUser", {"user": {"userid": "jdoe", "lastName": "Doe", "presenceGroupName": "Standard Presence group"}}),
    ("listUser", {"searchCriteria": {"userid": "%"}, "returnedTags": {"userid": ""}, "skip": 0, "first": 100}),
    ("executeSQLQuery", {"sql": "select name from dirgroup where name = 'O''Brien & <Co>'"}),
    ("getCCMVersion", {}),
    ("removeUserGroup", {"name": "Sales"}),
    ("updateUserGroup", {"name": "Sales", "addMembers": {"member": [{"userId": "a"}, {"userId": "b"}]},
                         "removeMembers": {"member": {"userId": "c"}}}),
]


# ---------------------------------------------------------------------------------------------
# The serializer's own guards (no Cisco schema needed)
# ---------------------------------------------------------------------------------------------

def refused(operation, version, body):
    with pytest.raises(SchemaError) as info:
        axl_schema.envelope(operation, version, body)
    return info.value


def test_unknown_field():
    error = refused("getUser", "14.0", {"userid": "jdoe", "returnedTags": {"userid": "", "favouriteColour": ""}})
    assert error.path == "getUser/returnedTags/favouriteColour"
    assert error.reason == "unknown element"
    # None means "leave out", even for a name the schema does not know
    axl_schema.envelope("getUser", "14.0", {"userid": "jdoe", "favouriteColour": None})


def test_field_not_in_this_version():
    error = refused("updateUser", "11.5", {"userid": "jdoe", "emMaxLoginTime": 30})
    assert error.path == "updateUser/emMaxLoginTime"
    assert "not in AXL 11.5" in str(error)
    axl_schema.envelope("updateUser", "12.5", {"userid": "jdoe", "emMaxLoginTime": 30})
    error = refused("listUser", "14.0", {"searchCriteria": {"userid": "%"}, "returnedTags": {"displayName": ""}})
    assert "not in AXL 14.0" in str(error) and error.path == "listUser/returnedTags/displayName"
    axl_schema.envelope("listUser", "11.5", {"searchCriteria": {"userid": "%"}, "returnedTags": {"displayName": ""}})


def test_unsupported_version_and_operation():
    assert "unsupported AXL schema version 10.5" in str(refused("getUser", "10.5", {"userid": "x"}))
    assert "not in the collection's schema" in str(refused("resetPhone", "14.0", {}))


@pytest.mark.parametrize("field, limit", [("selfService", 50)])
def test_too_long(field, limit):
    axl_schema.envelope("updateUser", "14.0", {"userid": "jdoe", field: u"\u00e9" * limit})   # characters, not bytes
    error = refused("updateUser", "14.0", {"userid": "jdoe", field: "x" * (limit + 1)})
    assert error.path == "updateUser/" + field
    assert "is %d characters long; AXL allows at most %d" % (limit + 1, limit) in str(error)
    nested = refused("updateUser", "14.0", {"userid": "jdoe", "associatedGroups": {"userGroup": [{"name": "g" * 101}]}})
    assert nested.path == "updateUser/associatedGroups/userGroup/name"
    assert axl_schema.max_length("XUser", "associatedGroups/userGroup/name") == 100
    assert axl_schema.max_length("XUserGroup", "name") == 128
    assert axl_schema.max_length("XUser", "mailid") is None
    assert axl_schema.max_length("XUser", "noSuchField") is None


def _text_of(operation, body, path):
    request = request_element(operation, "14.0", body)
    return request.find(path)


@pytest.mark.parametrize("given, sent", [
    (True, "true"), (False, "false"), ("true", "true"), ("FALSE", "false"), ("t", "true"), ("f", "false"),
    ("1", "true"), ("0", "false"), (1, "true"), (0, "false"), ("", None),
])
def test_boolean_values(given, sent):
    assert _text_of("updateUser", {"userid": "u", "enableCti": given}, "enableCti").text == sent


@pytest.mark.parametrize("given", ["yes", "no", "True!", "2", 2, "on"])
def test_bad_boolean(given):
    error = refused("updateUser", "14.0", {"userid": "u", "enableCti": given})
    assert error.path == "updateUser/enableCti" and "must be true or false" in str(error)


@pytest.mark.parametrize("field, given", [("maxDeskPickupWaitTime", "ten"), ("maxDeskPickupWaitTime", "1.5"),
                                          ("maxDeskPickupWaitTime", "1e3"), ("maxDeskPickupWaitTime", " 5")])
def test_bad_integer(field, given):
    error = refused("updateUser", "14.0", {"userid": "u", field: given})
    assert "must be an integer" in str(error)


def test_integers():
    assert _text_of("updateUser", {"userid": "u", "maxDeskPickupWaitTime": -5}, "maxDeskPickupWaitTime").text == "-5"
    assert _text_of("updateUser", {"userid": "u", "maxDeskPickupWaitTime": ""}, "maxDeskPickupWaitTime").text is None
    assert "must be an integer" in str(refused("listUser", "14.0", {"searchCriteria": {}, "returnedTags": {}, "first": -1}))
    assert "is not a boolean" in str(refused("updateUser", "14.0", {"userid": "u", "maxDeskPickupWaitTime": True}))


@pytest.mark.parametrize("given", ["6A3E9C2F-4B1D-4E8A-9C7F-2D5B8E1A0C34", "{6A3E9C2F-4B1D-4E8A-9C7F-2D5B8E1A0C3}",
                                   "{not-a-uuid}", "{6A3E9C2F-4B1D-4E8A-9C7F-2D5B8E1A0C34}x"])
def test_bad_uuid(given):
    error = refused("getUser", "14.0", {"uuid": given})
    assert error.path == "getUser/uuid" and "is not a {UUID}" in str(error)


def test_fk_values():
    request = request_element("updateUser", "14.0", {"userid": "u", "presenceGroupName": {"name": "PG", "uuid": UUID},
                                                     "serviceProfile": "SP", "userProfile": {"uuid": UUID}})
    assert (request.findtext("presenceGroupName"), request.find("presenceGroupName").get("uuid")) == ("PG", UUID)
    assert (request.findtext("serviceProfile"), request.find("serviceProfile").get("uuid")) == ("SP", None)
    assert (request.find("userProfile").text, request.find("userProfile").get("uuid")) == (None, UUID)


def test_fk_bad_uuid():
    error = refused("updateUser", "14.0", {"userid": "u", "presenceGroupName": {"name": "PG", "uuid": "PG"}})
    assert error.path == "updateUser/presenceGroupName" and "is not a {UUID}" in str(error)


def test_list_on_non_repeating_field():
    error = refused("updateUser", "14.0", {"userid": ["a", "b"]})
    assert error.path == "updateUser/userid" and "does not repeat" in str(error)
    nested = refused("updateUser", "14.0", {"userid": "u", "primaryExtension": [{"pattern": "1000"}]})
    assert nested.path == "updateUser/primaryExtension"


def test_repeating_field_accepts_one_value_or_a_list():
    one = request_element("updateUser", "14.0", {"userid": "u", "associatedDevices": {"device": "SEP1"}})
    many = request_element("updateUser", "14.0", {"userid": "u", "associatedDevices": {"device": ["SEP1", "SEP2"]}})
    assert [d.text for d in one.iterfind("associatedDevices/device")] == ["SEP1"]
    assert [d.text for d in many.iterfind("associatedDevices/device")] == ["SEP1", "SEP2"]


@pytest.mark.parametrize("char", [u"\x00", u"\x07", u"\x1b", u"\x0b", u"\x0c", u"\x1f", u"\ufffe"])
def test_control_characters(char):
    error = refused("updateUser", "14.0", {"userid": "u", "firstName": u"Jo" + char + u"hn"})
    assert error.path == "updateUser/firstName" and "control character" in str(error)


def test_text_xml_can_carry_is_sent_as_it_is():
    text = u"a\tb\nc & <d> \"e\" 'f' \u202e\u05e9 \U0001F600"
    request = request_element("updateUser", "14.0", {"userid": "u", "firstName": text})
    assert request.findtext("firstName") == text


def test_mapping_required_for_nested_type():
    error = refused("updateUser", "14.0", {"userid": "u", "primaryExtension": "1000"})
    assert error.path == "updateUser/primaryExtension" and "expected a mapping" in str(error)


def test_empty_values_clear():
    request = request_element("updateUser", "14.0", {"userid": "u", "associatedDevices": "", "department": "", "title": None})
    assert request.find("associatedDevices") is not None and len(request.find("associatedDevices")) == 0
    assert request.find("department") is not None and request.find("department").text is None
    assert request.find("title") is None


@pytest.mark.parametrize("operation, body, names", [
    ("getUser", {"userid": "jdoe", "uuid": UUID}, "userid or uuid"),
    ("updateUser", {"userid": "jdoe", "uuid": UUID}, "userid or uuid"),
    ("removeUser", {"userid": "jdoe", "uuid": UUID}, "userid or uuid"),
    ("updateUserGroup", {"name": "G", "members": {"member": []}, "addMembers": {"member": []}}, "members or addMembers"),
    ("updateIpPhoneServices", {"serviceName": "S", "parameters": "", "removeParameters": ""}, "parameters or removeParameters"),
])
def test_mutually_exclusive_choices(operation, body, names):
    assert "only one of %s may be sent" % names in str(refused(operation, "14.0", body))


def test_exclusive_choice_with_none_is_fine():
    axl_schema.envelope("getUser", "14.0", {"userid": "jdoe", "uuid": None})
    axl_schema.envelope("updateUserGroup", "14.0", {"name": "G", "addMembers": "", "removeMembers": ""})


def test_envelope_shape():
    raw = axl_schema.envelope("getCCMVersion", "15.0", {})
    assert raw.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(raw)
    assert root.nsmap == {"soapenv": axl_schema.SOAP_ENV, "ns": "http://www.cisco.com/AXL/API/15.0"}
    assert len(root) == 1 and root[0].tag == "{%s}Body" % axl_schema.SOAP_ENV


def test_field_spec_parser():
    field = axl_schema.Field("emMaxLoginTime:i@12.5")
    assert (field.name, field.type, field.many, field.since, field.until) == ("emMaxLoginTime", "i", False, "12.5", None)
    assert [field.in_version(v) for v in VERSIONS] == [False, True, True, True]
    gone = axl_schema.Field("displayName!12.5")
    assert (gone.type, [gone.in_version(v) for v in VERSIONS]) == ("s", [True, False, False, False])
    many = axl_schema.Field("userGroup:GroupRef*")
    assert many.many and many.complex
    with pytest.raises(ValueError):
        axl_schema.Field("bad-name:s50")


def test_empty_boolean_returned_tag_is_sent_valid():
    """An empty returned tag only asks for the field, but AXL's boolean has no empty value, so
    a boolean tag carries a value the schema accepts; elsewhere an empty boolean stays empty."""
    tags = request_element("getUser", "14.0", {"userid": "u", "returnedTags": {"enableCti": "", "firstName": ""}})
    assert tags.findtext("returnedTags/enableCti") == "true" and tags.find("returnedTags/firstName").text is None
    update = request_element("updateUser", "14.0", {"userid": "u", "enableCti": ""})
    assert update.find("enableCti").text is None
