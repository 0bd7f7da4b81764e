# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Phone services: stale-URL detection, the SQL fallback (which the simulator never needs, so it is
proved here with a stand-in client), parameter-list requests, and the engine's ``map`` options
with secret items (a subscription's parameters)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from lxml import etree

from ansible_collections.voiceops.cucm.plugins.module_utils import engine
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import MASK, Option, Resource
from ansible_collections.voiceops.cucm.plugins.module_utils.resources import phone_service
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.phone_service import (
    PhoneService, build_url, is_stale, rebuild, url_pairs)

TEMPLATE = "http://uccx/login.jsp?dev=#DEVICENAME#"
SERVICE = {"url": TEMPLATE, "secure_url": "", "parameters": [
    {"name": "username"}, {"name": "password"}, {"name": "extension"}]}
PAIRS = [("username", "agent 1"), ("password", "p&w=1+2"), ("extension", "2001")]
SUB1 = "6a3e9c2f-4b1d-4e8a-9c7f-2d5b8e1a0c34"
SUB2 = "7b4fad30-5c2e-4f9b-8d80-3e6c9f2b1d45"


def sub(pkid=SUB1, url=None, secure="", pairs=None, device="SEP001122334455", device_type="phone"):
    pairs = PAIRS if pairs is None else pairs
    return {"pkid": pkid, "serviceurl": build_url(TEMPLATE, pairs) if url is None else url, "secureserviceurl": secure,
            "pairs": list(pairs), "device": device, "device_type": device_type}


# ---------------------------------------------------------------------------------------------
# stale detection and the fallback URL
# ---------------------------------------------------------------------------------------------

def test_build_url_percent_encodes_values_in_the_given_order():
    assert build_url(TEMPLATE, PAIRS) == TEMPLATE + "&username=agent%201&password=p%26w%3D1%2B2&extension=2001"
    assert build_url("http://x/dir", [("dept", "a b")]) == "http://x/dir?dept=a%20b"
    assert build_url("http://x/dir", []) == "http://x/dir"


@pytest.mark.parametrize("stored, expected", [
    (TEMPLATE, []),
    (TEMPLATE + "&b=2&a=1", [("a", "1"), ("b", "2")]),
    (TEMPLATE + "&a=x+y&b=%2B", [("a", "x y"), ("b", "+")]),      # decoded, whatever the encoding
    (TEMPLATE + "&a=", [("a", "")]),
    ("http://other/login.jsp?dev=#DEVICENAME#&a=1", None),           # another base
    (TEMPLATE + "x&a=1", None),
    ("", None),
    (None, None),
])
def test_url_pairs(stored, expected):
    assert url_pairs(stored, TEMPLATE) == expected


@pytest.mark.parametrize("subscription, stale", [
    (sub(), False),
    (sub(url=TEMPLATE + "&extension=2001&username=agent+1&password=p%26w%3D1%2B2"), False),   # order, '+' for space
    (sub(url=build_url(TEMPLATE, [("username", "agent 1"), ("password", "old"), ("extension", "2001")])), True),
    (sub(url=build_url(TEMPLATE, PAIRS[:2])), True),                                          # a value missing
    (sub(url=build_url(TEMPLATE, PAIRS + [("team", "x")])), True),                            # a value too many
    (sub(url=build_url("http://old/login.jsp?dev=#DEVICENAME#", PAIRS)), True),              # old template
    (sub(pairs=[], url=TEMPLATE), False),
])
def test_is_stale(subscription, stale):
    assert is_stale(subscription, SERVICE, subscription["pairs"]) is stale


def test_is_stale_checks_the_secure_url_when_the_service_has_one():
    service = dict(SERVICE, secure_url="https://uccx/login.jsp")
    fresh = sub(secure=build_url("https://uccx/login.jsp", PAIRS))
    assert not is_stale(fresh, service, PAIRS)
    assert is_stale(sub(secure=""), service, PAIRS)
    assert not is_stale(sub(secure="anything"), SERVICE, PAIRS)      # no secure template: not compared


class FakeClient(object):
    """Answers getPhone/getDeviceProfile with the device's list; records writes."""

    def __init__(self):
        self.calls = []
        self.updates = []

    def call(self, operation, body=None, write=None):
        self.calls.append((operation, body))
        if operation.startswith("get"):
            element = "phone" if operation == "getPhone" else "deviceProfile"
            return etree.fromstring(
                '<return><%s uuid="{00000002-0000-4000-8000-000000000001}"><services><service uuid="{%s}">'
                '<telecasterServiceName uuid="{42A823C7-C432-4D04-B57B-8C5B90F762B0}">IPPA</telecasterServiceName>'
                '<name>Agent</name><url>%s</url><urlButtonIndex>0</urlButtonIndex><urlLabel/>'
                '<serviceNameAscii>Agent</serviceNameAscii></service></services></%s></return>'
                % (element, SUB1.upper(), TEMPLATE.replace("&", "&amp;"), element))
        return etree.fromstring("<return>{x}</return>")

    def sql_update(self, statement):
        self.updates.append(statement)
        return 1


def test_rebuild_resaves_each_device_once_then_falls_back_to_sql():
    client = FakeClient()
    profile = sub("8c5abe41-6d3f-4a0c-9e91-4f7da03c2e56", url=TEMPLATE, device="UDP_agent", device_type="device_profile")
    stale = [sub(SUB1, url=TEMPLATE), sub(SUB2, url=TEMPLATE), profile]
    # the re-save fixed the first subscription only
    again = {SUB1: sub(SUB1), SUB2: sub(SUB2, url=TEMPLATE), stale[2]["pkid"]: dict(stale[2])}
    by_sql = rebuild(client, SERVICE, stale, lambda: again)
    operations = [c[0] for c in client.calls]
    assert operations == ["getPhone", "updatePhone", "getDeviceProfile", "updateDeviceProfile"]
    update = client.calls[1][1]
    assert update["name"] == "SEP001122334455"
    # the list as read, but never the stored (maybe stale) URL: a re-sent url may be parsed into the values and
    # overwrite a Self Care edit (was: the url sent back as read)
    assert update["services"]["service"] == [{
        "telecasterServiceName": {"name": "IPPA", "uuid": "{42A823C7-C432-4D04-B57B-8C5B90F762B0}"}, "name": "Agent",
        "url": None, "urlButtonIndex": 0, "urlLabel": "", "serviceNameAscii": "Agent"}]
    assert by_sql == 2
    url = TEMPLATE + "&username=agent%201&password=p%26w%3D1%2B2&extension=2001"
    assert client.updates == [
        "update telecastersubscribedservice set serviceurl = '%s' where pkid = '%s'" % (url, SUB2),
        "update telecastersubscribedservice set serviceurl = '%s' where pkid = '%s'" % (url, stale[2]["pkid"])]


def test_fallback_keeps_the_service_parameter_order_and_sets_the_secure_url():
    client = FakeClient()
    service = dict(SERVICE, secure_url="https://uccx/login.jsp")
    shuffled = sub(pairs=[PAIRS[2], PAIRS[0], PAIRS[1]], url=TEMPLATE)
    phone_service.fix_by_sql(client, service, shuffled)
    assert client.updates == [
        "update telecastersubscribedservice set serviceurl = '%s' where pkid = '%s'" % (build_url(TEMPLATE, PAIRS), SUB1),
        "update telecastersubscribedservice set secureserviceurl = '%s' where pkid = '%s'"
        % (build_url("https://uccx/login.jsp", PAIRS), SUB1)]


# ---------------------------------------------------------------------------------------------
# parameter lists of a service definition
# ---------------------------------------------------------------------------------------------

def param(name, **extra):
    return dict(dict(name=name, display_name=name, default="", description="", required=False, password=False), **extra)


A, B, C, D = param("a"), param("b"), param("c"), param("d")


@pytest.mark.parametrize("before, after, sent", [
    ([A, B], [A, B, C], {"addParameters": ["c"]}),
    ([A, B, C], [A, C], {"removeParameters": ["b"]}),
    ([A, B, C], [A, C, D], {"removeParameters": ["b"], "addParameters": ["d"]}),
    ([A, B], [], {"removeParameters": ["a", "b"]}),
    ([A, B], [B, A], {}),                      # by name: CUCM keeps no order (was: the whole list, re-ordered)
    ([A, B], [A, param("b", required=True)], {"parameters": ["a", "b"]}),
    ([A, B], [C, A, B], {"addParameters": ["c"]}),     # (was: the whole list, to put c first)
])
def test_parameter_changes_send_the_smallest_request(before, after, sent):
    body = PhoneService()._parameter_changes(before, after)
    assert dict((k, [p["name"] for p in v["parameter"]]) for k, v in body.items()) == sent
    for items in body.values():
        for item in items["parameter"]:
            assert list(item) == ["name", "displayName", "default", "description", "paramRequired", "paramPassword"]


def test_declared_parameters_get_defaults_and_are_validated():
    service = PhoneService()
    prepared = service.prepare(None, {"parameters": [{"name": "pin", "password": True}]})
    assert prepared["parameters"] == [param("pin", password=True)]
    for bad, message in (({"name": "a b"}, "name 'a b' of parameter 'a b' is not valid"),
                         ({"name": "x", "default": 'sec"ret', "password": True}, "default of parameter 'x' is not valid"),
                         ({"name": "x", "description": "100%"}, "description '100%' of parameter 'x'")):
        with pytest.raises(engine.CucmError, match=message):
            service.prepare(None, {"parameters": [bad]})
    with pytest.raises(engine.CucmError, match="'x' declared more than once"):
        service.prepare(None, {"parameters": [{"name": "x"}, {"name": "x"}]})


# ---------------------------------------------------------------------------------------------
# the engine's map options with secret items
# ---------------------------------------------------------------------------------------------

class Subscribed(Resource):
    key = Option("device")
    options = (Option("parameters", kind="map"),)
    secret_policy = "update_secrets"

    def secret_items(self, option):
        return ("password",) if option == "parameters" else ()


CURRENT = {"parameters": {"username": "agent1", "password": "Agent-Own", "extension": "2001"}}


@pytest.mark.parametrize("declared, policy, current, expected", [
    ({"password": "Init"}, "on_create", CURRENT, CURRENT["parameters"]),                       # the owner's value stays
    ({"password": "Reset"}, "always", CURRENT, dict(CURRENT["parameters"], password="Reset")),
    ({"extension": "2002"}, "on_create", CURRENT, dict(CURRENT["parameters"], extension="2002")),
    ({"password": "Init"}, "on_create", {"parameters": {"password": ""}}, {"password": "Init"}),  # no value yet
    ({"password": "Init", "username": "a"}, "on_create", None, {"password": "Init", "username": "a"}),
])
def test_map_plan(declared, policy, current, expected):
    desired, changes = engine.plan(Subscribed(), {"parameters": declared, "update_secrets": policy}, current)
    assert desired["parameters"] == expected
    assert ("parameters" in changes) is (current is None or expected != current["parameters"])


def test_map_diff_result_and_input_mask_secrets():
    resource = Subscribed()
    params = {"parameters": {"password": "Reset", "extension": "2002"}, "update_secrets": "always"}
    desired, changes = engine.plan(resource, params, CURRENT)
    diff = engine.diff_of(resource, "SEP1", ["parameters"], CURRENT, desired, changes, "present")
    assert diff["before"]["parameters"] == {"username": "agent1", "extension": "2001"}
    assert diff["after"]["parameters"] == {"username": "agent1", "password": MASK, "extension": "2002"}
    quiet = engine.plan(resource, dict(params, update_secrets="on_create"), CURRENT)
    diff = engine.diff_of(resource, "SEP1", ["parameters"], CURRENT, quiet[0], quiet[1], "present")
    assert "password" not in diff["after"]["parameters"]
    assert resource.public(CURRENT)["parameters"]["password"] == MASK
    assert engine.as_input(resource, "SEP1", CURRENT)["parameters"]["password"] == MASK
    assert Option("parameters", kind="map").argspec() == dict(type="dict", no_log=False)


def test_parameters_compare_by_name_not_order():
    """CUCM has no order column for parameters and returns them in an order of its own: the same parameters
    in another order are no change; a changed field of one is."""
    option = dict((o.name, o) for o in phone_service.SERVICE_OPTIONS)["parameters"]
    assert not option.differs([A, B, C], [C, A, B])
    assert option.differs([A, B], [B, param("a", required=True)])
    assert option.differs([A, B], [A])
    assert phone_service.in_declared_order([C, A, B], [A, B]) == [A, B, C]


@pytest.mark.parametrize("parameters, hidden", [
    ([{"name": "pw", "password": True, "default": "s1"}], ["s1"]),
    ([{"name": "pw", "pasword": True, "default": "s2"}], ["s2"]),                  # misspelt key
    ([{"name": "pw", "password": "maybe", "default": "s3"}], ["s3"]),               # not a boolean
    ([{"name": "pw", "password": True, "default": ["s4", {"x": "s5"}]}], ["s4", "s5"]),   # not text
    ([{"name": "user", "default": ["s6"]}], ["s6"]),
    ([{"name": "user", "password": False, "default": "visible"}], []),
    (["loose-item"], ["loose-item"]),
])
def test_password_defaults_hide_whatever_may_be_a_secret(parameters, hidden):
    assert sorted(phone_service.password_defaults({"parameters": parameters})) == sorted(hidden)
