# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Enterprise/service parameters and LDAP sync, module side: names, type-aware values, the plan, check
mode, and the exact AXL requests the resources send -- each validated against Cisco's AXLSoap.xsd of
11.5, 12.5, 14.0 and 15.0 (the integration suite's strict simulators cover 12.5 to 15.0 only)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest
from lxml import etree

from ansible_collections.voiceops.cucm.plugins.module_utils import axl, axl_schema
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError
from ansible_collections.voiceops.cucm.plugins.module_utils.resources import ldap_directory, service_parameter as sp

from ansible_collections.voiceops.cucm.tests.unit.plugins.module_utils.test_axl_schema import xsd

EWD = "EnterpriseWideData"
PUB = "cucm-pub.example.com"


# ------------------------------------------------------------------------------- a recording client
def element(tag, **children):
    node = etree.Element(tag)
    for name, text in children.items():
        etree.SubElement(node, name).text = text
    return node


class FakeClient(object):
    """Answers from a dict of parameters ``{(node, service): {name: (value, valueType)}}`` and a list of
    LDAP statuses; records every request (operation, body) as the real client would send it."""

    def __init__(self, params=None, statuses=None, directories=("corp-ldap",), ambiguous=0):
        self.params = copy.deepcopy(params if params is not None else DEFAULT)
        self.statuses = dict(statuses or {})
        self.directories = list(directories)
        self.requests = []
        self.ambiguous = ambiguous

    def list_paged(self, operation, body, item, page_size):
        self.requests.append((operation, dict(body, skip=0, first=page_size)))
        if operation == "listServiceParameter":
            criteria = body["searchCriteria"]
            for (node, service), values in self.params.items():
                if node.lower() == criteria["processNodeName"].lower() and service == criteria["service"]:
                    for name, (value, value_type) in sorted(values.items()):
                        yield element("serviceParameter", processNodeName=node, name=name, service=service,
                                      value=value, valueType=value_type)
        elif operation == "listLdapDirectory":
            for name in self.directories:
                yield element("ldapDirectory", name=name)

    def call(self, operation, body=None, write=None):
        self.requests.append((operation, body))
        ret = etree.Element("return")
        if operation == "updateServiceParameter":
            if self.ambiguous:
                self.ambiguous -= 1
                raise axl.AmbiguousWrite("no answer")
            values = self.params[(body["processNodeName"], body["service"])]
            values[body["name"]] = (body["value"], values[body["name"]][1])
            ret.text = "{6A3E9C2F-4B1D-4E8A-9C7F-2D5B8E1A0C34}"
        elif operation == "getLdapSyncStatus":
            queue = self.statuses[body["name"]]
            ret.text = queue.pop(0) if len(queue) > 1 else queue[0]
        elif operation == "doLdapSync":
            ret.text = "true"
        return ret

    def operations(self):
        return [op for op, _body in self.requests]


DEFAULT = {
    (EWD, "Enterprise Wide"): {
        "CCMUserOptionsPortalDefaultServer": ("", "string"),
        "CCMUserShowCallForward": ("T", "boolean"),
        "CCMUserShowRingSettings": ("T", "boolean"),
        "EffectivePrivilegeForOverlappingGroups": ("1", "long"),
        "refreshTokenExpiryTimer": ("60", "long"),
        "CCMUserShowDownload": ("t", "boolean"),
        "ClusterID": ("StandAloneCluster", "string"),
    },
    (PUB, "Cisco Extension Mobility"): {"EMMultipleLoginBehavior": ("2", "long"), "EMEnforceMaxLoginTime": ("F", "boolean")},
}


class FakeModule(object):
    def __init__(self, client, check_mode=False, diff_mode=True, **params):
        self.client = client
        self.check_mode = check_mode
        self.diff_mode = diff_mode
        self.params = dict(dict(name=None, value=None, service="Enterprise Wide", process_node=None, parameters=None),
                           **params)
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)


def converge(client, **params):
    return sp.converge(FakeModule(client, **params))


# ------------------------------------------------------------------------------- names
@pytest.mark.parametrize("name", ["Show Call Forwarding", "show  call forwarding", "CCMUserShowCallForward"])
def test_lookup_by_page_name_or_internal_name(name):
    assert sp.lookup("Enterprise Wide", name).name == "CCMUserShowCallForward"


def test_lookup_by_an_older_page_name():
    spec = sp.lookup("Cisco Extension Mobility", "Intra-cluster Multiple Login Behavior")
    assert spec.name == "EMMultipleLoginBehavior"
    assert sp.lookup("Enterprise Wide", "Multiple Login Behavior") is None      # another service's


def test_catalogue_is_consistent():
    seen = set()
    for spec in sp.CATALOGUE:
        assert (spec.service, spec.name) not in seen and len(spec.name) <= 50      # DD12.5: paramname string[50]
        seen.add((spec.service, spec.name))
        assert spec.kind in ("bool", "int", "enum", "server", "str")
        if spec.kind == "enum":
            assert spec.default in spec.choices
        if spec.kind == "int":
            assert spec.minimum <= spec.default <= spec.maximum


# ------------------------------------------------------------------------------- values
@pytest.mark.parametrize("kind, spec_name, given, expected", [
    ("bool", "CCMUserShowCallForward", False, False), ("bool", "CCMUserShowCallForward", "yes", True),
    ("bool", "CCMUserShowCallForward", "F", False), ("bool", "CCMUserShowCallForward", 1, True),
    ("int", "refreshTokenExpiryTimer", "90", 90), ("int", "refreshTokenExpiryTimer", 3650, 3650),
    ("enum", "EffectivePrivilegeForOverlappingGroups", "minimum", "Minimum"),
    ("enum", "EffectivePrivilegeForOverlappingGroups", "1", "Maximum"),
    ("server", "CCMUserOptionsPortalDefaultServer", "none", "None"),
    ("server", "CCMUserOptionsPortalDefaultServer", " cucm-pub ", "cucm-pub"),
])
def test_from_user(kind, spec_name, given, expected):
    spec = sp.lookup("Enterprise Wide", spec_name)
    assert sp.from_user(kind, spec, given, "x") == expected


@pytest.mark.parametrize("spec_name, given, message", [
    ("CCMUserShowCallForward", "maybe", "is not a boolean"),
    ("CCMUserShowCallForward", 2, "is not a boolean"),
    ("refreshTokenExpiryTimer", 0, "outside the range CUCM allows, 1 to 3650"),
    ("refreshTokenExpiryTimer", "ten", "is not an integer"),
    ("refreshTokenExpiryTimer", True, "is not an integer"),
    ("EffectivePrivilegeForOverlappingGroups", "Average", "is not one of 'Maximum', 'Minimum'"),
    ("CCMUserOptionsPortalDefaultServer", ["a"], "is not text"),
    ("CCMUserShowCallForward", None, "a value is required"),
])
def test_from_user_refuses(spec_name, given, message):
    spec = sp.lookup("Enterprise Wide", spec_name)
    with pytest.raises(CucmError) as info:
        sp.from_user(spec.kind, spec, given, "parameters[0].value")
    assert str(info.value).startswith("parameters[0].value: ") and message in str(info.value)


@pytest.mark.parametrize("kind, text, expected", [("bool", "T", True), ("bool", "f", False), ("bool", "true", True),
                                                  ("int", "60", 60), ("str", " x ", " x "), ("server", "", "None")])
def test_from_cucm(kind, text, expected):
    assert sp.from_cucm(kind, sp.lookup("Enterprise Wide", "CCMUserOptionsPortalDefaultServer"), text) == expected


def test_to_cucm_writes_the_database_forms():
    enum = sp.lookup("Enterprise Wide", "EffectivePrivilegeForOverlappingGroups")
    assert [sp.to_cucm("bool", None, True), sp.to_cucm("bool", None, False), sp.to_cucm("int", None, 7),
            sp.to_cucm("enum", enum, "Minimum"), sp.to_cucm("server", None, "None")] == ["T", "F", "7", "0", ""]


# ------------------------------------------------------------------------------- converge
def test_only_differing_parameters_are_written_by_type():
    client = FakeClient()
    result = converge(client, parameters=[
        dict(name="Show Call Forwarding", value="no"), dict(name="Show Ring Settings", value=True),
        dict(name="CCMUserShowDownload", value="true"),              # undocumented: CUCM's valueType decides
        dict(name="Effective Access Privileges For Overlapping User Groups and Roles", value="maximum"),
        dict(name="OAuth Refresh Token Expiry Timer (days)", value="90"),
    ])
    assert result["changed"]
    assert [(p["name"], p["value"], p["changed"]) for p in result["parameters"]] == [
        ("Show Call Forwarding", False, True), ("Show Ring Settings", True, False), ("CCMUserShowDownload", True, False),
        ("Effective Access Privileges For Overlapping User Groups and Roles", "Maximum", False),
        ("OAuth Refresh Token Expiry Timer (days)", 90, True)]
    updates = [body for op, body in client.requests if op == "updateServiceParameter"]
    assert updates == [
        {"processNodeName": EWD, "name": "CCMUserShowCallForward", "service": "Enterprise Wide", "value": "F"},
        {"processNodeName": EWD, "name": "refreshTokenExpiryTimer", "service": "Enterprise Wide", "value": "90"}]
    assert client.operations().count("listServiceParameter") == 1         # one read per node and service
    assert result["diff"]["before"]["Show Call Forwarding"] is True and result["diff"]["after"]["Show Call Forwarding"] is False
    again = converge(client, parameters=[dict(name="Show Call Forwarding", value=False),
                                         dict(name="refreshTokenExpiryTimer", value=90)])
    assert not again["changed"]


def test_check_mode_reads_and_writes_nothing():
    client = FakeClient()
    result = converge(client, check_mode=True, name="Show Call Forwarding", value=False)
    assert result["changed"] and result["parameters"][0]["value"] is False
    assert client.operations() == ["listServiceParameter"]


def test_service_parameter_of_a_server():
    client = FakeClient()
    result = converge(client, name="Intra-cluster Multiple Login Behavior", value="auto logout",
                      service="Cisco Extension Mobility", process_node=PUB.upper())
    assert result["parameters"][0]["value"] == "Auto Logout" and result["parameters"][0]["process_node"] == PUB
    assert client.requests[-1] == ("updateServiceParameter", {"processNodeName": PUB, "name": "EMMultipleLoginBehavior",
                                                              "service": "Cisco Extension Mobility", "value": "3"})
    assert "Cisco Extension Mobility (%s): Multiple Login Behavior" % PUB in result["diff"]["after"]


@pytest.mark.parametrize("params, message", [
    (dict(parameters=[dict(name="Show Call Forwardings", value=False)]),
     "parameters[0].name: 'Show Call Forwardings' is not a Enterprise Wide parameter the collection knows by its page "
     "name (did you mean 'Show Call Forwarding'?)"),
    (dict(parameters=[dict(name="CCMUserShowCallForwards", value=False)]),
     "parameters[0]: Enterprise Wide on EnterpriseWideData has no parameter 'CCMUserShowCallForwards' (did you mean "
     "'CCMUserShowCallForward'"),
    (dict(name="Multiple Login Behavior", value="Auto Logout", service="Cisco Extension Mobility"),
     "name.process_node: service 'Cisco Extension Mobility' parameters belong to a server"),
    (dict(name="Show Call Forwarding", value=False, process_node=PUB), "enterprise parameters belong to EnterpriseWideData"),
    (dict(name="Multiple Login Behavior", value="Auto Logout", service="Cisco Extension Mobility", process_node="sub9"),
     "server 'sub9' has no parameters of service 'Cisco Extension Mobility'"),
    (dict(parameters=[dict(name="Show Call Forwarding", value=False), dict(name="CCMUserShowCallForward", value=True)]),
     "parameters[1]: Show Call Forwarding is declared twice, with False and True"),
    (dict(parameters=[dict(name="Show Call Forwarding", value=False), dict(name="refreshTokenExpiryTimer", value=0)]),
     "parameters[1].value: 0 is outside the range"),
    (dict(parameters=[]), "parameters: give at least one parameter"),
    (dict(parameters=[dict(name=" ", value=1)]), "parameters[0].name: give the parameter's name"),
])
def test_bad_declarations_fail_before_any_write(params, message):
    client = FakeClient()
    with pytest.raises(CucmError) as info:
        converge(client, **params)
    assert message in str(info.value)
    assert "updateServiceParameter" not in client.operations()


def test_an_unanswered_write_is_checked_and_sent_again():
    client = FakeClient(ambiguous=1)
    converge(client, name="Show Ring Settings", value=False)
    assert client.operations() == ["listServiceParameter", "updateServiceParameter", "listServiceParameter",
                                   "updateServiceParameter"]
    assert client.params[(EWD, "Enterprise Wide")]["CCMUserShowRingSettings"][0] == "F"


def test_gather_gives_the_input_shape():
    parameters, read_only = sp.gather(FakeClient(), "Enterprise Wide", None, ["Show Call Forwarding", "ClusterID"])
    assert parameters == [{"name": "Show Call Forwarding", "value": True, "service": "Enterprise Wide"},   # by internal name
                          {"name": "ClusterID", "value": "StandAloneCluster", "service": "Enterprise Wide"}]
    assert read_only["Show Call Forwarding"] == dict(internal_name="CCMUserShowCallForward", value_type="boolean",
                                                     raw_value="T", documented=True, default=True)
    assert read_only["ClusterID"]["documented"] is False
    with pytest.raises(CucmError, match="names: Enterprise Wide on EnterpriseWideData has no parameter 'Nope'"):
        sp.gather(FakeClient(), "Enterprise Wide", None, ["Nope"])


# ------------------------------------------------------------------------------- LDAP sync
@pytest.mark.parametrize("text, state", [
    ("Sync is initiated", "initiated"), ("Sync is currently under process", "running"), ("true", "running"),
    ("Sync is performed successfully", "completed"), ("Sync is performed succesfully", "completed"),
    ("false", "idle"), ("Sync is cancelled", "cancelled"), ("Sync failed: no server", "failed"), ("", "unknown"),
    ("Something else", "unknown"),
])
def test_ldap_state(text, state):
    assert ldap_directory.state(text) == state


class Clock(object):
    def __init__(self):
        self.now = 0.0

    def sleep(self, seconds):
        self.now += seconds

    def __call__(self):
        return self.now


def sync(client, check_mode=False, name=None, wait=True, timeout=60, interval=5):
    clock = Clock()
    module = FakeModule(client, check_mode=check_mode)
    result = ldap_directory.synchronise(module, name, wait, timeout, interval, sleep=clock.sleep, clock=clock)
    return result, clock.now, module


def test_ldap_sync_starts_and_waits():
    client = FakeClient(statuses={"corp-ldap": ["Sync is performed successfully", "Sync is initiated",
                                                "Sync is currently under process", "Sync is performed successfully"]})
    result, waited, _module = sync(client)
    assert result["changed"] and waited == 15
    assert result["directories"] == [dict(name="corp-ldap", status_before="Sync is performed successfully", started=True,
                                          status="Sync is performed successfully", state="completed")]
    assert client.operations() == ["listLdapDirectory", "getLdapSyncStatus", "doLdapSync"] + ["getLdapSyncStatus"] * 3


def test_ldap_sync_already_running_is_waited_for_not_restarted():
    client = FakeClient(statuses={"corp-ldap": ["Sync is currently under process", "Sync is performed successfully"]})
    result, _waited, _module = sync(client)
    assert not result["changed"] and result["directories"][0]["started"] is False
    assert "doLdapSync" not in client.operations()


def test_ldap_sync_check_mode_starts_nothing():
    client = FakeClient(statuses={"corp-ldap": [""], "hr": ["Sync is currently under process"]},
                        directories=["corp-ldap", "hr"])
    result, waited, _module = sync(client, check_mode=True)
    assert result["changed"] and waited == 0
    assert [(d["name"], d["started"]) for d in result["directories"]] == [("corp-ldap", True), ("hr", False)]
    assert "doLdapSync" not in client.operations()


def test_ldap_sync_timeout_is_bounded():
    client = FakeClient(statuses={"corp-ldap": ["", "Sync is currently under process"]})
    with pytest.raises(CucmError) as info:
        sync(client, timeout=12, interval=5)
    assert "did not finish within wait_timeout=12 s" in str(info.value)
    assert info.value.details["changed"] is True


def test_ldap_sync_failure_and_unknown_directory():
    with pytest.raises(CucmError, match="the LDAP synchronisation of corp-ldap failed"):
        sync(FakeClient(statuses={"corp-ldap": ["", "Sync failed: server down"]}))
    client = FakeClient()
    with pytest.raises(CucmError, match=r"name: CUCM has no LDAP directory 'corp-ldp' \(did you mean 'corp-ldap'\?\)"):
        sync(client, name="corp-ldp")
    assert client.operations() == ["listLdapDirectory"]


def test_ldap_sync_without_wait_reports_the_fresh_status():
    client = FakeClient(statuses={"corp-ldap": ["Sync is performed successfully", "Sync is initiated"]})
    result, waited, module = sync(client, wait=False)
    assert waited == 0 and result["directories"][0]["state"] == "initiated" and not module.warnings


# ------------------------------------------------------------------------------- the requests against Cisco's XSD
def sent_requests():
    """Every request body the resources send, from runs of the flows above."""
    client = FakeClient(statuses={"corp-ldap": ["", "Sync is performed successfully"]})
    converge(client, parameters=[dict(name="Show Call Forwarding", value=False),
                                 dict(name="Self Care Portal Default Server", value="None"),
                                 dict(name="Self Care Portal Default Server", value="None"),
                                 dict(name="OAuth Refresh Token Expiry Timer (days)", value=30)])
    converge(client, name="CCMUserOptionsPortalDefaultServer", value=PUB)
    converge(client, name="Multiple Login Behavior", value="Auto Logout", service="Cisco Extension Mobility",
             process_node=PUB)
    sp.gather(client, "Cisco Extension Mobility", PUB)
    sync(client)
    sync(client, name="corp-ldap", wait=False)
    return client.requests


@pytest.mark.parametrize("version", axl_schema.VERSIONS)
def test_requests_are_valid_for_every_axl_version(version):
    schema = xsd(version)
    requests = sent_requests()
    assert set(op for op, _body in requests) == {"listServiceParameter", "updateServiceParameter", "listLdapDirectory",
                                                 "getLdapSyncStatus", "doLdapSync"}
    for operation, body in requests:
        request = etree.fromstring(axl_schema.envelope(operation, version, body)).find(
            "{%s}Body" % axl_schema.SOAP_ENV)[0]
        assert schema.validator.validate(copy.deepcopy(request)), "%s %s (AXL %s): %s" % (
            operation, body, version, schema.validator.error_log.last_error)
