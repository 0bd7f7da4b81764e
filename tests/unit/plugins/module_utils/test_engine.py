# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The declarative engine: lists, paths, comparison, planning, diffs, validation and ensure(),
with an in-memory resource and a stand-in for the module (no AXL server needed)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

import pytest
from lxml import etree

from ansible_collections.voiceops.cucm.plugins.module_utils import axl, axl_schema, engine
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import MASK, Option, Resource
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.end_user import EndUser

SECRET = "S3cr3t-Pa55!"
PIN = "73919"


# ---------------------------------------------------------------------------------------------
# resolve_list
# ---------------------------------------------------------------------------------------------

GROUPS = Option("groups", "associatedGroups/userGroup*/name", kind="list")
GROUPS_CI = Option("groups", "associatedGroups/userGroup*/name", kind="list", ignore_case=True)


@pytest.mark.parametrize("option, spec, current, expected", [
    (GROUPS, {"add": ["c"]}, ["a", "b"], ["a", "b", "c"]),
    (GROUPS, {"add": ["a"]}, ["a", "b"], ["a", "b"]),
    (GROUPS, {"remove": ["a", "zz"]}, ["a", "b"], ["b"]),
    (GROUPS, {"add": ["c"], "remove": ["a"]}, ["a", "b"], ["b", "c"]),
    (GROUPS, {"set": ["x", "y", "x"]}, ["a"], ["x", "y"]),
    (GROUPS, {"set": []}, ["a"], []),
    (GROUPS, {"add": ["c", "c"]}, [], ["c"]),
    (GROUPS, {}, ["a"], ["a"]),
    (GROUPS, None, ["a"], ["a"]),
    (GROUPS, {"add": ["A"]}, ["a"], ["a", "A"]),
    (GROUPS_CI, {"add": ["A"]}, ["a"], ["a"]),
    (GROUPS_CI, {"remove": ["A"]}, ["a", "b"], ["b"]),
    (GROUPS_CI, {"set": ["Sales", "SALES", "sales"]}, [], ["Sales"]),
    (GROUPS, {"add": ["c"]}, None, ["c"]),
])
def test_resolve_list(option, spec, current, expected):
    assert engine.resolve_list(option, spec, current) == expected


@pytest.mark.parametrize("spec", [{"set": ["a"], "add": ["b"]}, {"set": ["a"], "remove": ["b"]}, {"set": [], "add": ["b"]}])
def test_resolve_list_set_conflicts(spec):
    with pytest.raises(CucmError, match="groups: 'set' cannot be combined with 'add' or 'remove'"):
        engine.resolve_list(GROUPS, spec, [])


def test_resolve_list_add_and_remove_the_same():
    with pytest.raises(CucmError, match=r"groups: 'a', 'b' is in both 'add' and 'remove'"):
        engine.resolve_list(GROUPS, {"add": ["b", "a", "c"], "remove": ["a", "b"]}, [])
    with pytest.raises(CucmError, match="in both 'add' and 'remove'"):
        engine.resolve_list(GROUPS_CI, {"add": ["Sales"], "remove": ["SALES"]}, [])
    # without ignore_case these are two different names
    assert engine.resolve_list(GROUPS, {"add": ["Sales"], "remove": ["SALES"]}, []) == ["Sales"]


# ---------------------------------------------------------------------------------------------
# set_path / read_path, through the real serializer and back
# ---------------------------------------------------------------------------------------------

def _user_element(body, version="14.0"):
    user = dict({"userid": "jdoe", "lastName": "Doe", "presenceGroupName": "Standard Presence group"}, **body)
    root = etree.fromstring(axl_schema.envelope("addUser", version, {"user": user}))
    return root.find("{%s}Body" % axl_schema.SOAP_ENV)[0].find("user")


@pytest.mark.parametrize("path, value", [
    ("associatedGroups/userGroup*/name", ["Standard CCM End Users", "B group", u"\u00c9quipe"]),
    ("associatedGroups/userGroup*/name", ["one"]),
    ("associatedDevices/device*", ["SEP001122334455", "CSFJDOE"]),
    ("phoneProfiles/profileName*", ["EM profile 1"]),
    ("firstName", "Jane"),
    ("primaryExtension/pattern", "1001"),
])
def test_set_path_read_path_round_trip(path, value):
    body = {}
    engine.set_path(body, path, value)
    element = _user_element(body)
    assert engine.read_path(element, path) == (value if isinstance(value, list) else [value])


def test_set_path_shapes():
    body = {}
    engine.set_path(body, "associatedGroups/userGroup*/name", ["a", "b"])
    assert body == {"associatedGroups": {"userGroup": [{"name": "a"}, {"name": "b"}]}}
    engine.set_path(body, "primaryExtension/routePartitionName", "PT")
    engine.set_path(body, "primaryExtension/pattern", "1000")
    assert body["primaryExtension"] == {"routePartitionName": "PT", "pattern": "1000"}
    flat = {}
    engine.set_path(flat, "device*", ["x", "y"])
    assert flat == {"device": ["x", "y"]}
    deep = {}
    engine.set_path(deep, "a/b/c*/d", ["1"])
    assert deep == {"a": {"b": {"c": [{"d": "1"}]}}}


def test_empty_list_is_an_empty_wrapper():
    body = {}
    engine.set_path(body, "associatedGroups/userGroup*/name", [])
    engine.set_path(body, "associatedDevices/device*", [])
    assert body == {"associatedGroups": "", "associatedDevices": ""}
    element = _user_element(body)
    for wrapper, path in (("associatedGroups", "associatedGroups/userGroup*/name"), ("associatedDevices", "associatedDevices/device*")):
        assert element.find(wrapper) is not None and len(element.find(wrapper)) == 0
        assert engine.read_path(element, path) == []


def test_read_path_missing_and_empty():
    element = etree.fromstring("<user><firstName/><associatedGroups><userGroup><name>g</name></userGroup>"
                               "<userGroup><name/></userGroup></associatedGroups></user>")
    assert engine.read_path(element, "firstName") == [""]
    assert engine.read_path(element, "lastName") == []
    assert engine.read_path(element, "associatedGroups/userGroup*/name") == ["g", ""]
    assert engine.read_path(element, "associatedDevices/device*") == []
    assert engine.find(element, "associatedGroups/userGroup*/name").text == "g"
    assert engine.find(element, "nothing/here") is None


# ---------------------------------------------------------------------------------------------
# Option: read, to_axl, norm, differs, argspec
# ---------------------------------------------------------------------------------------------

STR = Option("department", "department")
STR_CI = Option("mail", "mailid", ignore_case=True)
BOOL = Option("enable_cti", "enableCti", kind="bool")
INT = Option("limit", "remoteDestinationLimit", kind="int")
DICT = Option("primary_extension", "primaryExtension", kind="dict", fields={"pattern": "pattern", "partition": "routePartitionName"})
SECRET_OPT = Option("password", "password", kind="secret")

USER_XML = etree.fromstring(
    "<user uuid='{X}'><department>Sales</department><mailid>J@Example.com</mailid><enableCti>t</enableCti>"
    "<remoteDestinationLimit>4</remoteDestinationLimit><primaryExtension><pattern>1001</pattern>"
    "<routePartitionName/></primaryExtension><associatedGroups><userGroup><name>b</name></userGroup>"
    "<userGroup><name>a</name></userGroup></associatedGroups></user>")
EMPTY_XML = etree.fromstring("<user><remoteDestinationLimit/><enableCti/></user>")


@pytest.mark.parametrize("option, full, empty", [
    (STR, "Sales", ""),
    (STR_CI, "J@Example.com", ""),
    (BOOL, True, False),
    (INT, 4, None),
    (DICT, {"pattern": "1001", "partition": ""}, {"pattern": "", "partition": ""}),
    (GROUPS, ["b", "a"], []),
])
def test_option_read(option, full, empty):
    assert option.read(USER_XML) == full
    assert option.read(EMPTY_XML) == empty


def test_option_read_int_edge_cases():
    assert INT.read(etree.fromstring("<u><remoteDestinationLimit>-3</remoteDestinationLimit></u>")) == -3
    assert INT.read(etree.fromstring("<u><remoteDestinationLimit>-</remoteDestinationLimit></u>")) is None
    assert BOOL.read(etree.fromstring("<u><enableCti>false</enableCti></u>")) is False
    assert BOOL.read(etree.fromstring("<u><enableCti>TRUE</enableCti></u>")) is True


@pytest.mark.parametrize("option, desired, current, differs", [
    (STR, "Sales", "Sales", False),
    (STR, "Sales", "sales", True),
    (STR, "", None, False),
    (STR, None, "", False),
    (STR, "x", None, True),
    (STR_CI, "J@EXAMPLE.COM", "j@example.com", False),
    (STR_CI, "a@example.com", "b@example.com", True),
    (STR_CI, "", None, False),
    (BOOL, True, True, False),
    (BOOL, False, True, True),
    (INT, 4, 4, False),
    (INT, 5, 4, True),
    (INT, 0, None, True),
    (GROUPS, ["b", "a"], ["a", "b"], False),
    (GROUPS, ["a", "a"], ["a"], False),
    (GROUPS, ["a"], ["A"], True),
    (GROUPS_CI, ["a"], ["A"], False),
    (GROUPS, [], None, False),
    (GROUPS, ["a", "c"], ["a", "b"], True),
    (DICT, {"pattern": "1001", "partition": None}, {"pattern": "1001", "partition": ""}, False),
    (DICT, {"pattern": "1001"}, {"pattern": "1001", "partition": ""}, False),
    (DICT, {"pattern": "1001", "partition": "PT"}, {"pattern": "1001", "partition": ""}, True),
    (DICT, None, {"pattern": "", "partition": ""}, False),
])
def test_option_differs(option, desired, current, differs):
    assert option.differs(desired, current) is differs


def test_option_norm():
    assert GROUPS.norm(["b", "a", "b"]) == ["a", "b"]
    assert GROUPS_CI.norm(["B", "a", "b"]) == ["a", "b"]
    assert GROUPS.norm(None) == []
    assert STR.norm(None) == "" and STR_CI.norm("AbC") == "abc" and STR_CI.norm(None) == ""
    assert DICT.norm({"pattern": "1", "extra": "x"}) == {"pattern": "1", "partition": ""}
    assert BOOL.norm(True) is True and INT.norm(3) == 3 and SECRET_OPT.norm("x") == "x"


def test_option_to_axl():
    body = {}
    DICT.to_axl({"pattern": "1001", "partition": None}, body)
    assert body == {"primaryExtension": {"pattern": "1001"}}
    DICT.to_axl({"pattern": "", "partition": None}, body)
    assert body == {"primaryExtension": ""}
    GROUPS.to_axl(["a"], body)
    BOOL.to_axl(False, body)
    assert body["associatedGroups"] == {"userGroup": [{"name": "a"}]} and body["enableCti"] is False


def test_option_argspec():
    assert GROUPS.argspec() == {"type": "dict", "options": {"add": {"type": "list", "elements": "str"},
                                                            "remove": {"type": "list", "elements": "str"},
                                                            "set": {"type": "list", "elements": "str"}}}
    assert DICT.argspec() == {"type": "dict", "options": {"pattern": {"type": "str"}, "partition": {"type": "str"}}}
    assert SECRET_OPT.argspec() == {"type": "str", "no_log": True}
    assert Option("locale", "userLocale", choices=("a", "b")).argspec() == {"type": "str", "choices": ["a", "b"]}
    assert BOOL.argspec() == {"type": "bool"}


# ---------------------------------------------------------------------------------------------
# An in-memory resource and a stand-in for CucmModule
# ---------------------------------------------------------------------------------------------

class FakeClient(object):
    def __init__(self, version="14.0"):
        self.version = version


class FakeModule(object):
    def __init__(self, params, check_mode=False, diff_mode=True, version="14.0"):
        self.params = params
        self.client = FakeClient(version)
        self.check_mode = check_mode
        self.diff_mode = diff_mode


class Thing(Resource):
    """A small object with one option of every kind.  ``ambiguous`` makes the next writes raise
    AmbiguousWrite: 'applied' (the write happened), 'lost' (it did not) or 'partial' (an update
    of which only the first field arrived)."""

    noun = "thing"
    key = Option("name", "name", max_len=20)
    options = (
        Option("description", "description"),
        Option("mail", "mailid", ignore_case=True),
        Option("enabled", "enableCti", kind="bool"),
        Option("limit", "remoteDestinationLimit", kind="int"),
        Option("groups", "associatedGroups/userGroup*/name", kind="list", max_len=10),
        Option("extension", "primaryExtension", kind="dict", fields={"pattern": "pattern", "partition": "routePartitionName"}),
        Option("code", "attendeesAccessCode", pattern=r"^[0-9]{3,10}$", pattern_hint="3 to 10 digits"),
        Option("login_time", "emMaxLoginTime", kind="int", since="12.5"),
        Option("password", "password", kind="secret", max_len=16),
        Option("pin", "pin", kind="secret", pattern=r"^[0-9]+$", pattern_hint="a PIN holds digits only"),
    )
    result_key = "thing"
    secret_options = ("password", "pin")
    required_on_create = ("description",)
    create_defaults = {"enabled": True}

    def __init__(self, objects=None):
        self.store = copy.deepcopy(objects or {})
        self.secrets = {}
        self.calls = []
        self.ambiguous = []

    def _maybe_fail(self):
        return self.ambiguous.pop(0) if self.ambiguous else None

    def read(self, client, key, params=None):
        self.calls.append(("read", key))
        return copy.deepcopy(self.store.get(key))

    def create(self, client, key, values):
        self.calls.append(("create", key, dict(values)))
        mode = self._maybe_fail()
        uuid = "{00000000-0000-0000-0000-%012d}" % (len(self.store) + 1)
        if mode != "lost":
            self.store[key] = dict((k, v) for k, v in values.items() if k not in self.secret_options)
            self.store[key]["_uuid"] = uuid
            self.secrets[key] = dict((k, v) for k, v in values.items() if k in self.secret_options)
        if mode:
            raise axl.AmbiguousWrite("no answer")
        return uuid

    def update(self, client, key, changes, current):
        self.calls.append(("update", key, dict(changes)))
        mode = self._maybe_fail()
        applied = dict(list(changes.items())[:1]) if mode == "partial" else ({} if mode == "lost" else changes)
        for name, value in applied.items():
            if name in self.secret_options:
                self.secrets.setdefault(key, {})[name] = value
            else:
                self.store[key][name] = value
        if mode:
            raise axl.AmbiguousWrite("no answer")

    def delete(self, client, key, current):
        self.calls.append(("delete", key))
        mode = self._maybe_fail()
        if mode != "lost":
            del self.store[key]
        if mode:
            raise axl.AmbiguousWrite("no answer")

    def writes(self):
        return [c for c in self.calls if c[0] in ("create", "update", "delete")]


def params(**given):
    out = dict((o.name, None) for o in Thing.options)
    out.update(name="t1", state="present", update_password="on_create")
    out.update(given)
    return out


EXISTING = {"t1": {"description": "first", "mail": "T1@Example.com", "enabled": True, "limit": 4, "groups": ["a", "b"],
                   "extension": {"pattern": "1001", "partition": ""}, "code": "", "login_time": None,
                   "_uuid": "{11111111-1111-1111-1111-111111111111}"}}


# ---------------------------------------------------------------------------------------------
# plan
# ---------------------------------------------------------------------------------------------

def test_plan_create_includes_secrets_and_defaults():
    desired, changes = engine.plan(Thing(), params(description="d", password=SECRET, groups={"add": ["x"]}), None)
    assert desired == {"description": "d", "groups": ["x"], "enabled": True}
    assert changes == {"description": "d", "groups": ["x"], "enabled": True, "password": SECRET}


def test_plan_create_declared_value_beats_default():
    desired, changes = engine.plan(Thing(), params(description="d", enabled=False), None)
    assert desired["enabled"] is False and changes["enabled"] is False


def test_plan_update_only_what_differs():
    current = EXISTING["t1"]
    desired, changes = engine.plan(Thing(), params(description="first", mail="t1@example.COM", limit=5,
                                                   groups={"add": ["c"], "remove": ["a"]}), current)
    assert desired == {"description": "first", "mail": "t1@example.COM", "limit": 5, "groups": ["b", "c"]}
    assert changes == {"limit": 5, "groups": ["b", "c"]}
    assert "enabled" not in changes       # create_defaults apply only on create


@pytest.mark.parametrize("update_password, sent", [("on_create", False), ("always", True), (None, False)])
def test_plan_update_secrets(update_password, sent):
    desired, changes = engine.plan(Thing(), params(password=SECRET, pin=PIN, update_password=update_password), EXISTING["t1"])
    assert "password" not in desired and "pin" not in desired
    assert (changes == {"password": SECRET, "pin": PIN}) is sent
    assert bool(changes) is sent


def test_plan_nothing_declared():
    assert engine.plan(Thing(), params(), EXISTING["t1"]) == ({}, {})


# ---------------------------------------------------------------------------------------------
# diff_of
# ---------------------------------------------------------------------------------------------

def test_diff_only_declared_and_secrets_masked():
    resource = Thing()
    p = params(description="new", groups={"set": ["z", "b"]}, password=SECRET, pin=PIN, update_password="always")
    declared = [o.name for o in resource.options if p.get(o.name) is not None]
    desired, changes = engine.plan(resource, p, EXISTING["t1"])
    diff = engine.diff_of(resource, "t1", declared, EXISTING["t1"], desired, changes, "present")
    assert diff == {
        "before": {"name": "t1", "description": "first", "groups": ["a", "b"]},
        "after": {"name": "t1", "description": "new", "groups": ["b", "z"], "password": MASK, "pin": MASK},
    }
    text = json.dumps(diff)
    assert SECRET not in text and PIN not in text


def test_diff_secret_not_written_is_not_shown():
    resource = Thing()
    p = params(password=SECRET)
    desired, changes = engine.plan(resource, p, EXISTING["t1"])
    diff = engine.diff_of(resource, "t1", ["password"], EXISTING["t1"], desired, changes, "present")
    assert diff == {"before": {"name": "t1"}, "after": {"name": "t1"}}


def test_diff_create_and_absent():
    resource = Thing()
    p = params(description="d", groups={"add": ["b", "a"]}, pin=PIN)
    desired, changes = engine.plan(resource, p, None)
    diff = engine.diff_of(resource, "t1", ["description", "groups", "pin"], None, desired, changes, "present")
    assert diff == {"before": {}, "after": {"name": "t1", "description": "d", "groups": ["a", "b"], "pin": MASK}}
    assert engine.diff_of(resource, "t1", [], EXISTING["t1"], {}, {}, "absent") == {
        "before": {"name": "t1", "state": "present"}, "after": {"name": "t1", "state": "absent"}}
    assert engine.diff_of(resource, "t1", [], None, {}, {}, "absent") == {"before": {}, "after": {}}


# ---------------------------------------------------------------------------------------------
# validate_values
# ---------------------------------------------------------------------------------------------

def _invalid(p, version="14.0"):
    with pytest.raises(CucmError) as info:
        engine.validate_values(Thing(), p, version)
    return str(info.value)


def test_max_len_counts_bytes():
    engine.validate_values(Thing(), params(groups={"add": ["e" * 10]}), "14.0")
    message = _invalid(params(groups={"add": [u"\u00e9" * 6]}))     # 6 characters, 12 bytes
    assert "groups:" in message and "is 12 bytes long; CUCM allows at most 10" in message


def test_max_len_of_the_key():
    engine.validate_values(Thing(), params(name="n" * 20), "14.0")
    assert "name: " in _invalid(params(name="n" * 21)) and "at most 20" in _invalid(params(name="n" * 21))


def test_max_len_of_a_secret_does_not_echo_it():
    message = _invalid(params(password=SECRET * 2))
    assert "password: the value is 24 bytes long" in message and SECRET not in message


def test_pattern():
    engine.validate_values(Thing(), params(code="123", pin="0042"), "14.0")
    message = _invalid(params(code="12x"))
    assert message == "code: '12x' is not valid: 3 to 10 digits"


def test_pattern_of_a_secret_never_echoes_it():
    message = _invalid(params(pin="12ab34"))
    assert message == "pin: the value is not valid: a PIN holds digits only"
    assert "12ab34" not in message


def test_empty_list_names_and_since():
    assert "groups: empty names are not allowed" in _invalid(params(groups={"set": ["a", ""]}))
    assert _invalid(params(login_time=30), "11.5") == "login_time needs AXL 12.5 or later; the cluster speaks 11.5"
    engine.validate_values(Thing(), params(login_time=30), "12.5")
    engine.validate_values(Thing(), params(), "11.5")


# ---------------------------------------------------------------------------------------------
# ensure
# ---------------------------------------------------------------------------------------------

def test_ensure_create():
    resource = Thing()
    result = engine.ensure(FakeModule(params(description="d", groups={"add": ["g"]}, password=SECRET)), resource)
    assert result["changed"] is True
    assert resource.writes() == [("create", "t1", {"description": "d", "groups": ["g"], "enabled": True, "password": SECRET})]
    assert result["thing"] == {"name": "t1", "description": "d", "groups": ["g"], "enabled": True,
                               "uuid": "{00000000-0000-0000-0000-000000000001}"}
    assert result["diff"]["before"] == {} and result["diff"]["after"]["password"] == MASK
    assert SECRET not in json.dumps(result)


def test_ensure_is_idempotent():
    resource = Thing(EXISTING)
    result = engine.ensure(FakeModule(params(description="first", mail="t1@example.com", groups={"add": ["a"]},
                                             extension={"pattern": "1001", "partition": None}, password=SECRET)), resource)
    assert result["changed"] is False and resource.writes() == []
    assert result["thing"]["uuid"] == EXISTING["t1"]["_uuid"]
    # no change means no difference shown, and the object is what CUCM holds (its own case)
    assert result["diff"]["before"] == result["diff"]["after"]
    assert result["thing"]["mail"] == "T1@Example.com"


def test_ensure_update_writes_only_changes():
    resource = Thing(EXISTING)
    result = engine.ensure(FakeModule(params(description="first", limit=6, groups={"remove": ["a"]})), resource)
    assert result["changed"] is True
    assert resource.writes() == [("update", "t1", {"limit": 6, "groups": ["b"]})]
    assert result["thing"]["limit"] == 6 and result["thing"]["groups"] == ["b"] and result["thing"]["mail"] == "T1@Example.com"


def test_ensure_update_password_always():
    resource = Thing(EXISTING)
    result = engine.ensure(FakeModule(params(password=SECRET, update_password="always")), resource)
    assert result["changed"] is True and resource.writes() == [("update", "t1", {"password": SECRET})]
    assert SECRET not in json.dumps(result)


def test_ensure_check_mode_create():
    resource = Thing()
    result = engine.ensure(FakeModule(params(description="d", pin=PIN), check_mode=True), resource)
    assert result["changed"] is True and resource.writes() == [] and resource.store == {}
    assert result["thing"]["uuid"] == engine.PLACEHOLDER_UUID and result["thing"]["description"] == "d"


def test_ensure_check_mode_update_predicts():
    resource = Thing(EXISTING)
    result = engine.ensure(FakeModule(params(limit=9, groups={"add": ["c"]}), check_mode=True), resource)
    assert result["changed"] is True and resource.writes() == [] and resource.store == EXISTING
    assert result["thing"]["limit"] == 9 and result["thing"]["groups"] == ["a", "b", "c"]
    assert result["diff"]["after"]["limit"] == 9 and result["diff"]["before"]["limit"] == 4


def test_ensure_no_diff_without_diff_mode():
    result = engine.ensure(FakeModule(params(limit=9), diff_mode=False), Thing(EXISTING))
    assert "diff" not in result


def test_ensure_create_needs_required_options():
    resource = Thing()
    with pytest.raises(CucmError, match="thing 't1' does not exist; creating it needs description"):
        engine.ensure(FakeModule(params(limit=3)), resource)
    assert resource.writes() == []


def test_ensure_empty_key():
    with pytest.raises(CucmError, match="name must not be empty"):
        engine.ensure(FakeModule(params(name="")), Thing())


def test_ensure_validates_before_reading():
    resource = Thing(EXISTING)
    with pytest.raises(CucmError):
        engine.ensure(FakeModule(params(code="x")), resource)
    assert resource.calls == []


def test_ensure_check_hook_runs_before_writes():
    class Refusing(Thing):
        def check(self, client, key, desired, changes, current):
            raise CucmError("no: %s" % sorted(changes))
    resource = Refusing(EXISTING)
    with pytest.raises(CucmError, match=r"no: \['limit'\]"):
        engine.ensure(FakeModule(params(limit=1)), resource)
    assert resource.writes() == []
    engine.ensure(FakeModule(params(limit=4)), resource)     # nothing to change: no check, no error


@pytest.mark.parametrize("check_mode", [False, True])
def test_ensure_absent(check_mode):
    resource = Thing(EXISTING)
    result = engine.ensure(FakeModule(params(state="absent"), check_mode=check_mode), resource)
    assert result["changed"] is True and result["thing"] == {}
    assert resource.writes() == ([] if check_mode else [("delete", "t1")])
    again = engine.ensure(FakeModule(params(state="absent")), Thing())
    assert again["changed"] is False and again["diff"] == {"before": {}, "after": {}}


def test_ensure_create_ambiguous_applied_is_not_created_twice():
    resource = Thing()
    resource.ambiguous = ["applied"]
    result = engine.ensure(FakeModule(params(description="d", password=SECRET, update_password="always")), resource)
    assert [c[0] for c in resource.calls] == ["read", "create", "read"]
    assert resource.writes() == [("create", "t1", {"description": "d", "enabled": True, "password": SECRET})]
    assert result["changed"] is True
    assert result["thing"]["uuid"] == resource.store["t1"]["_uuid"]


def test_ensure_create_ambiguous_lost_creates_once_more():
    resource = Thing()
    resource.ambiguous = ["lost"]
    result = engine.ensure(FakeModule(params(description="d", pin=PIN)), resource)
    assert [c[0] for c in resource.calls] == ["read", "create", "read", "create"]
    assert resource.writes()[0] == resource.writes()[1]
    assert result["changed"] is True and list(resource.store) == ["t1"] and resource.secrets["t1"] == {"pin": PIN}


def test_ensure_update_ambiguous_writes_only_what_is_missing():
    resource = Thing(EXISTING)
    resource.ambiguous = ["partial"]
    result = engine.ensure(FakeModule(params(description="new", limit=7, groups={"add": ["c"]})), resource)
    assert resource.writes() == [("update", "t1", {"description": "new", "limit": 7, "groups": ["a", "b", "c"]}),
                                 ("update", "t1", {"limit": 7, "groups": ["a", "b", "c"]})]
    assert [c[0] for c in resource.calls] == ["read", "update", "read", "update"]
    assert result["changed"] is True
    assert (resource.store["t1"]["description"], resource.store["t1"]["limit"]) == ("new", 7)


def test_ensure_update_ambiguous_applied_is_not_repeated():
    resource = Thing(EXISTING)
    resource.ambiguous = ["applied"]
    result = engine.ensure(FakeModule(params(limit=7)), resource)
    assert resource.writes() == [("update", "t1", {"limit": 7})]
    assert result["changed"] is True and result["diff"]["before"]["limit"] == 4


def test_ensure_gives_up_after_a_second_ambiguous_write():
    resource = Thing(EXISTING)
    resource.ambiguous = ["lost", "lost"]
    with pytest.raises(axl.AmbiguousWrite):
        engine.ensure(FakeModule(params(limit=7)), resource)
    assert len(resource.writes()) == 2


@pytest.mark.parametrize("mode, deletes", [("applied", 1), ("lost", 2)])
def test_ensure_absent_ambiguous(mode, deletes):
    resource = Thing(EXISTING)
    resource.ambiguous = [mode]
    result = engine.ensure(FakeModule(params(state="absent")), resource)
    assert result["changed"] is True and resource.writes() == [("delete", "t1")] * deletes and resource.store == {}


# ---------------------------------------------------------------------------------------------
# the rest of the engine's helpers
# ---------------------------------------------------------------------------------------------

def test_argument_spec():
    spec = Thing().argument_spec()
    assert spec["name"] == {"type": "str", "required": True}
    assert spec["state"] == {"type": "str", "choices": ["present", "absent"], "default": "present"}
    assert spec["update_password"]["default"] == "on_create" and spec["password"]["no_log"] is True
    assert spec["pin"]["no_log"] is True
    assert set(spec) == set(["name", "state", "update_password"] + [o.name for o in Thing.options])


def test_public_and_as_input():
    resource = Thing()
    obj = dict(EXISTING["t1"], password=SECRET)
    public = resource.public(obj)
    assert "password" not in public and "_uuid" not in public and public["groups"] == ["a", "b"]
    shaped = engine.as_input(resource, "t1", dict(obj, groups=["b", "a"]))
    assert shaped["groups"] == {"set": ["a", "b"]} and "password" not in shaped and shaped["name"] == "t1"


def test_missing_references_and_suggest():
    asked = []

    def query(wanted):
        asked.append(wanted)
        return {"group": set(["Sales"])}
    assert engine.missing_references(None, {"group": [], "css": []}, query) == {}
    assert asked == []
    assert engine.missing_references(None, {"group": ["Sales", "Salse"], "css": ["X"]}, query) == {"group": ["Salse"], "css": ["X"]}
    assert len(asked) == 1
    assert engine.suggest("Salse", ["Sales", "Support"]) == " (did you mean 'Sales'?)"
    assert engine.suggest("zzz", ["Sales"]) == ""


# ---------------------------------------------------------------------------------------------
# The end-user option table against the compact schema
# ---------------------------------------------------------------------------------------------

SAMPLES = {"str": "Text", "bool": True, "int": 5, "secret": "1234", "dict": {"pattern": "1001", "partition": "PT"},
           "list": ["One", "Two"]}


@pytest.mark.parametrize("version", axl_schema.VERSIONS)
def test_end_user_options_serialise(version):
    """Every end-user option maps to a field updateUser and addUser have in each version where
    the option is usable, and getUser's returnedTags fit the version (11.5 has no emMaxLoginTime)."""
    resource = EndUser()
    usable = [o for o in resource.options if not o.since or axl_schema._key(version) >= axl_schema._key(o.since)]
    body = resource.body(dict((o.name, SAMPLES[o.kind]) for o in usable))
    axl_schema.envelope("updateUser", version, dict(body, userid="jdoe"))
    axl_schema.envelope("addUser", version, {"user": dict(body, userid="jdoe", lastName="Doe")})
    axl_schema.envelope("getUser", version, {"userid": "jdoe", "returnedTags": resource.tags_for(version)})
    if version == "11.5":
        assert "emMaxLoginTime" not in resource.tags_for(version)
    else:
        assert resource.tags_for(version) == resource.read_tags


# ---------------------------------------------------------------------------------------------
# keyed lists ({name: value} items) and the prepare/initial hooks
# ---------------------------------------------------------------------------------------------

RESOURCES = Option("resources", "resources/resource*/name", kind="keyed", value_key="permission",
                   value_choices=("read", "update", "read_update"), max_len=10)


def item(name, permission=None):
    return {"name": name, "permission": permission}


@pytest.mark.parametrize("spec, current, expected", [
    ({"add": [item("b", "read")]}, {"a": "update"}, {"a": "update", "b": "read"}),
    ({"add": [item("a", "read")]}, {"a": "update"}, {"a": "read"}),
    ({"remove": [item("a")]}, {"a": "update", "b": "read"}, {"b": "read"}),
    ({"set": [item("c", "read_update")]}, {"a": "update"}, {"c": "read_update"}),
    ({"set": []}, {"a": "update"}, {}),
    ({"add": [item("a", "read"), item("a", "read")]}, {}, {"a": "read"}),
    (None, {"a": "read"}, {"a": "read"}),
])
def test_resolve_keyed(spec, current, expected):
    assert engine.resolve_keyed(RESOURCES, spec, current) == expected


@pytest.mark.parametrize("spec, message", [
    ({"set": [item("a", "read")], "add": [item("b", "read")]}, "'set' cannot be combined"),
    ({"add": [item("a", "read"), item("a", "update")]}, "'a' is declared twice with different permission"),
    ({"add": [item("a")]}, "'a' needs a permission"),
    ({"add": [item("a", "read")], "remove": [item("a")]}, "'a' is in both 'add' and 'remove'"),
])
def test_resolve_keyed_errors(spec, message):
    with pytest.raises(CucmError, match=message):
        engine.resolve_keyed(RESOURCES, spec, {})


def test_keyed_option_compare_show_and_spec():
    assert not RESOURCES.differs({"a": "read", "b": "update"}, {"b": "update", "a": "read"})
    assert RESOURCES.differs({"a": "read"}, {"a": "update"})
    assert not RESOURCES.differs({}, None)
    spec = RESOURCES.argspec()
    assert spec["options"]["add"]["elements"] == "dict"
    assert spec["options"]["set"]["options"]["permission"]["choices"] == ["read", "update", "read_update"]


class Hooked(Thing):
    """Thing plus a keyed option, a prepare() that canonicalises and an initial() base."""

    options = Thing.options + (RESOURCES,)

    def prepare(self, client, params):
        self.calls.append(("prepare",))
        return dict(params, description=params["description"].strip()) if params.get("description") else params

    def initial(self, client, key, params):
        self.calls.append(("initial", key))
        return {"groups": ["base"], "resources": {"r1": "read"}}


def hooked_params(**given):
    out = params(**given)
    out.setdefault("resources", None)
    out.update(given)
    return out


def test_plan_starts_a_new_object_from_initial():
    desired, changes = engine.plan(Hooked(), hooked_params(description="d", groups={"add": ["x"]},
                                                           resources={"add": [item("r2", "update")]}),
                                   None, {"groups": ["base"], "resources": {"r1": "read"}})
    assert desired["groups"] == ["base", "x"] and desired["resources"] == {"r1": "read", "r2": "update"}
    assert changes["groups"] == ["base", "x"]


def test_ensure_prepares_then_reads_and_uses_initial_only_on_create():
    resource = Hooked()
    result = engine.ensure(FakeModule(params=hooked_params(description="  d  ", groups={"add": ["x"]})), resource)
    assert [c[0] for c in resource.calls] == ["prepare", "read", "initial", "create"]
    assert resource.writes()[0][2]["description"] == "d" and resource.writes()[0][2]["groups"] == ["base", "x"]
    assert result["thing"]["groups"] == ["base", "x"]
    resource.calls = []
    engine.ensure(FakeModule(params=hooked_params(groups={"add": ["y"]})), resource)
    assert [c[0] for c in resource.calls] == ["prepare", "read", "update"]
    assert resource.writes() == [("update", "t1", {"groups": ["base", "x", "y"]})]


def test_ensure_retried_create_keeps_the_initial_base():
    """A create whose answer was lost (and which did not happen) is sent again exactly as planned,
    including what the new object starts from (initial)."""
    resource = Hooked()
    resource.ambiguous = ["lost"]
    engine.ensure(FakeModule(params=hooked_params(description="d", groups={"add": ["x"]})), resource)
    first, second = resource.writes()
    assert first == second and second[2]["groups"] == ["base", "x"]


def test_keyed_diff_input_and_validation():
    resource = Hooked()
    current = dict(EXISTING["t1"], resources={"r2": "update", "r1": "read"})
    p = hooked_params(resources={"add": [item("r3", "read")]})
    desired, changes = engine.plan(resource, p, current)
    diff = engine.diff_of(resource, "t1", ["resources"], current, desired, changes, "present")
    assert diff["before"]["resources"] == [item("r1", "read"), item("r2", "update")]
    assert diff["after"]["resources"] == [item("r1", "read"), item("r2", "update"), item("r3", "read")]
    assert engine.as_input(resource, "t1", current)["resources"] == {"set": [item("r1", "read"), item("r2", "update")]}
    with pytest.raises(CucmError, match="resources: empty names are not allowed"):
        engine.validate_values(resource, hooked_params(resources={"add": [item("", "read")]}), "14.0")
    with pytest.raises(CucmError, match="resources: 'r' \\* 11|is 11 bytes long"):
        engine.validate_values(resource, hooked_params(resources={"remove": [item("r" * 11)]}), "14.0")


def test_public_sorts_lists():
    assert Thing().public({"groups": ["b", "a"], "description": "d"}) == {"groups": ["a", "b"], "description": "d"}
