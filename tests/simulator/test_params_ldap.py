"""Enterprise/service parameters (getServiceParameter, updateServiceParameter, listServiceParameter) and LDAP
directory synchronisation (listLdapDirectory, doLdapSync, getLdapSyncStatus) of the simulator.

Writes are verified by reading the store directly (``sim.sql``).  Seed: the Enterprise Node
(EnterpriseWideData, DD12.5's fixed pkid) and the publisher with the parameters of ``parameters.py``;
directory ``corp-ldap`` with user00001 and user00002 (``--ldap-users 2``).
"""

import json
import time

import pytest

from conftest import axl_error, body_of, zeep_service
from cucm_axl_sim import cli, parameters

EWD = "EnterpriseWideData"
PUB = parameters.PUBLISHER
KEY = "<processNodeName>{node}</processNodeName><name>{name}</name><service>{service}</service>"


def key(name, node=EWD, service="Enterprise Wide"):
    return KEY.format(node=node, name=name, service=service)


def ok(resp):
    assert resp.status_code == 200, resp.text
    return body_of(resp).find("return")


def fault(resp, axlcode):
    assert resp.status_code == 500, resp.text
    err = axl_error(resp)
    assert err["axlcode"] == axlcode, err
    return err


def stored(sim, name):
    return sim.sql("SELECT paramvalue FROM processconfig WHERE paramname = ?", (name,))[0][0]


# ------------------------------------------------------------------ parameters
def test_seed_follows_the_data_dictionary(sim):
    assert sim.sql("SELECT pkid, name FROM processnode ORDER BY nodeid") == [
        ("00000000-1111-0000-0000-000000000000", EWD), (parameters.PUBLISHER_PKID, PUB)]
    rows = sim.sql("SELECT n.name, s.name, c.paramvalue, t.name FROM processconfig c JOIN processnode n ON n.pkid = "
                   "c.fkprocessnode JOIN typeservice s ON s.enum = c.tkservice JOIN typeparam t ON t.enum = c.tkparam "
                   "WHERE c.paramname = 'CCMUserShowCallForward'")
    assert rows == [(EWD, "Enterprise Wide", "T", "boolean")]
    assert len(sim.sql("SELECT 1 FROM processconfig")) == len(parameters.PARAMETERS)
    assert sim.sql("SELECT count(*) FROM processconfigdefaults")[0][0] == len(parameters.PARAMETERS)


def test_get_by_key_and_by_uuid(sim):
    ret = ok(sim.post("getServiceParameter", key("CCMUserShowCallForward")))
    param = ret.find("serviceParameter")
    assert [c.tag for c in param] == ["processNodeName", "name", "service", "value", "valueType"]
    assert param.find("processNodeName").get("uuid") == "{00000000-1111-0000-0000-000000000000}"
    assert (param.findtext("value"), param.findtext("valueType")) == ("T", "boolean")
    again = ok(sim.post("getServiceParameter", f"<uuid>{param.get('uuid')}</uuid><returnedTags><value/></returnedTags>"))
    assert [c.tag for c in again.find("serviceParameter")] == ["value"]
    lower = ok(sim.post("getServiceParameter", key("EMMultipleLoginBehavior", PUB.upper(), "Cisco Extension Mobility")))
    assert lower.findtext("serviceParameter/value") == "2"


@pytest.mark.parametrize("name, value, expected", [
    ("CCMUserShowCallForward", "false", "F"), ("CCMUserShowCallForward", "TRUE", "T"), ("CCMUserShowCallForward", "0", "F"),
    ("refreshTokenExpiryTimer", "90", "90"), ("EffectivePrivilegeForOverlappingGroups", "0", "0"),
    ("CCMUserOptionsPortalDefaultServer", PUB, PUB), ("CCMUserOptionsPortalDefaultServer", "", ""),
])
def test_update_stores_typed_values(sim, name, value, expected):
    ret = ok(sim.post("updateServiceParameter", key(name) + f"<value>{value}</value>"))
    assert ret.text.startswith("{") and stored(sim, name) == expected


@pytest.mark.parametrize("name, value, message", [
    ("CCMUserShowCallForward", "maybe", "is not a valid boolean value"),
    ("refreshTokenExpiryTimer", "0", "outside the range 1 to 3650"),
    ("refreshTokenExpiryTimer", "1.5", "is not a valid long value"),
    ("EffectivePrivilegeForOverlappingGroups", "7", "is not one of the allowed values 0, 1"),
    ("CCMUserOptionsPortalDefaultServer", "nosuchserver", "is not a server of this cluster"),
    ("CCMUserOptionsPortalDefaultServer", EWD, "is not a server of this cluster"),
])
def test_update_refuses_what_the_type_does_not_allow(sim, name, value, message):
    before = stored(sim, name)
    err = fault(sim.post("updateServiceParameter", key(name) + f"<value>{value}</value>"), 5003)
    assert message in err["faultstring"]
    assert stored(sim, name) == before


def test_update_without_value_changes_nothing_and_counts_as_a_write(sim):
    writes = sim.stats()["writes"]
    ok(sim.post("updateServiceParameter", key("CCMUserShowRingSettings")))
    assert stored(sim, "CCMUserShowRingSettings") == "T" and sim.stats()["writes"] == writes + 1


@pytest.mark.parametrize("body", [key("NoSuchParam"), key("CCMUserShowCallForward", node="sub9"),
                                  key("CCMUserShowCallForward", service="Cisco CallManager"),
                                  "<uuid>{6A3E9C2F-4B1D-4E8A-9C7F-2D5B8E1A0C34}</uuid>"])
def test_unknown_parameter(sim, body):
    assert "was not found" in fault(sim.post("getServiceParameter", body), 5007)["faultstring"]


def test_incomplete_key_is_an_unmarshalling_error(sim):
    resp = sim.post("getServiceParameter", "<processNodeName>EnterpriseWideData</processNodeName><name>x</name>")
    assert resp.status_code == 500 and axl_error(resp)["faultcode"] == "soapenv:Client"


def test_list(sim):
    tags = "<returnedTags><processNodeName/><name/><value/></returnedTags>"
    ret = ok(sim.post("listServiceParameter", f"<searchCriteria><processNodeName>enterprise%</processNodeName>"
                                              f"</searchCriteria>{tags}"))
    names = [p.findtext("name") for p in ret.findall("serviceParameter")]
    assert names == sorted(p["name"] for p in parameters.PARAMETERS if p["node"] == "enterprise")
    assert all(p.get("uuid") for p in ret.findall("serviceParameter"))
    page = ok(sim.post("listServiceParameter", f"<searchCriteria><service>Enterprise Wide</service></searchCriteria>{tags}"
                                               "<skip>2</skip><first>3</first>"))
    assert [p.findtext("name") for p in page.findall("serviceParameter")] == names[2:5]
    em = ok(sim.post("listServiceParameter", f"<searchCriteria><processNodeName>{PUB}</processNodeName><service>Cisco "
                                             f"Extension Mobility</service></searchCriteria>{tags}"))
    assert {p.findtext("processNodeName") for p in em.findall("serviceParameter")} == {PUB}
    fault(sim.post("listServiceParameter", f"<searchCriteria/>{tags}"), 5003)


def test_zeep_with_ciscos_wsdl(versioned_sim):
    svc = zeep_service(versioned_sim)
    res = svc.getServiceParameter(processNodeName=EWD, name="CCMUserShowCallForward", service="Enterprise Wide")
    assert res["return"]["serviceParameter"]["value"] == "T"
    svc.updateServiceParameter(processNodeName=EWD, name="CCMUserShowCallForward", service="Enterprise Wide", value="f")
    listed = svc.listServiceParameter(searchCriteria={"service": "Enterprise Wide"},
                                      returnedTags={"name": "", "value": ""})["return"]["serviceParameter"]
    assert {p["name"]: p["value"] for p in listed}["CCMUserShowCallForward"] == "F"


# ------------------------------------------------------------------ LDAP
USERS = {
    "corp-ldap": [
        {"sAMAccountName": "user00001", "givenName": "Ada", "sn": "Bauer-Lee", "mail": "ada@example.com",
         "title": "Head of Sales", "department": "Sales"},
        {"sAMAccountName": "ldapnew", "givenName": "Nina", "sn": "Neu", "mail": "nina@example.com"},
        {"sAMAccountName": "user00005", "sn": "Local-Now-Ldap"},       # a local user of the same user ID
        {"sAMAccountName": "user00006", "sn": "Dup", "mail": "user00007@example.com"},   # RI-2159: refused
    ],
    "other-ldap": [{"sAMAccountName": "nobody", "sn": "Nobody"}],
}


@pytest.fixture
def ldap_sim(sim):
    yield sim
    sim.admin("POST", "ldap", json={"fixture": None, "sync_seconds": 2})


def status(sim, directory="corp-ldap"):
    return ok(sim.post("getLdapSyncStatus", f"<name>{directory}</name>")).text or ""


def wait_done(sim, directory="corp-ldap", timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = status(sim, directory)
        if text not in ("Sync is initiated", "Sync is currently under process"):
            return text
        time.sleep(0.05)
    raise AssertionError("the sync did not finish")


def user(sim, userid):
    rows = sim.sql("SELECT e.firstname, e.lastname, e.mailid, e.title, e.status, d.name FROM enduser e LEFT JOIN "
                   "directorypluginconfig d ON d.pkid = e.fkdirectorypluginconfig WHERE e.userid = ?", (userid,))
    return rows[0] if rows else None


def test_list_ldap_directory(sim):
    ret = ok(sim.post("listLdapDirectory", "<searchCriteria><name>CORP%</name></searchCriteria><returnedTags><name/>"
                                           "</returnedTags>"))
    assert [(d.findtext("name"), [c.tag for c in d]) for d in ret.findall("ldapDirectory")] == [("corp-ldap", ["name"])]


def test_sync_applies_the_fixture(ldap_sim):
    sim = ldap_sim
    assert status(sim) == ""                                       # never synchronised
    sim.admin("POST", "ldap", json={"content": USERS, "sync_seconds": 0.6})
    writes = sim.stats()["writes"]
    assert ok(sim.post("doLdapSync", "<name>corp-ldap</name><sync>true</sync>")).text == "true"
    assert sim.stats()["writes"] == writes + 1
    assert status(sim) == "Sync is initiated"
    assert user(sim, "ldapnew") is None                            # nothing before the sync ends
    time.sleep(0.35)
    assert status(sim) == "Sync is currently under process"
    assert wait_done(sim) == "Sync is performed successfully"
    assert sim.stats()["writes"] == writes + 1                     # the sync itself is no AXL write
    assert user(sim, "user00001") == ("Ada", "Bauer-Lee", "ada@example.com", "Head of Sales", 1, "corp-ldap")
    assert user(sim, "ldapnew") == ("Nina", "Neu", "nina@example.com", "", 1, "corp-ldap")
    assert user(sim, "user00005") == ("", "Local-Now-Ldap", "", "", 1, "corp-ldap")   # the directory owns every field
    assert user(sim, "user00002")[4:] == (2, "corp-ldap")          # no longer in the directory: inactive
    assert user(sim, "user00006")[1] != "Dup"                      # refused by the database rule, skipped
    assert user(sim, "nobody") is None                             # another directory's user
    report = sim.admin("GET", "ldap")
    assert report["directories"][0]["state"] == "completed" and "user00006" in report["directories"][0]["message"]


def test_sync_of_a_directory_the_fixture_does_not_name_changes_nothing(ldap_sim):
    sim = ldap_sim
    before = sim.sql("SELECT * FROM enduser ORDER BY userid")
    sim.admin("POST", "ldap", json={"sync_seconds": 0})
    ok(sim.post("doLdapSync", "<name>corp-ldap</name><sync>true</sync>"))           # no fixture at all
    assert wait_done(sim) == "Sync is performed successfully"
    sim.admin("POST", "ldap", json={"content": {"other-ldap": []}})
    ok(sim.post("doLdapSync", "<name>corp-ldap</name><sync>t</sync>"))
    assert wait_done(sim) == "Sync is performed successfully"
    assert sim.sql("SELECT * FROM enduser ORDER BY userid") == before


def test_a_running_sync_is_not_restarted_and_can_be_cancelled(ldap_sim):
    sim = ldap_sim
    sim.admin("POST", "ldap", json={"content": USERS, "sync_seconds": 30})
    ok(sim.post("doLdapSync", "<name>corp-ldap</name><sync>true</sync>"))
    started = sim.sql("SELECT started FROM sim_ldapsync")
    ok(sim.post("doLdapSync", "<name>corp-ldap</name><sync>true</sync>"))
    assert sim.sql("SELECT started FROM sim_ldapsync") == started
    ok(sim.post("doLdapSync", "<name>corp-ldap</name><sync>false</sync>"))
    assert status(sim) == "Sync is cancelled" and user(sim, "ldapnew") is None


def test_boolean_status_compat(ldap_sim):
    sim = ldap_sim
    sim.admin("POST", "ldap", json={"sync_seconds": 0.3})
    sim.faults(compat={"ldap-sync-status": "boolean"})
    try:
        assert status(sim) == "false"
        ok(sim.post("doLdapSync", "<name>corp-ldap</name><sync>true</sync>"))
        assert status(sim) == "true"
        time.sleep(0.35)
        assert status(sim) == "false"
    finally:
        sim.faults(compat={"ldap-sync-status": "text"})


def test_unknown_directory_and_reset(ldap_sim):
    sim = ldap_sim
    assert "LDAP Directory hr-ldap was not found" in fault(sim.post("getLdapSyncStatus", "<name>hr-ldap</name>"),
                                                           5007)["faultstring"]
    fault(sim.post("doLdapSync", "<name>hr-ldap</name><sync>true</sync>"), 5007)
    sim.admin("POST", "ldap", json={"sync_seconds": 30})
    ok(sim.post("doLdapSync", "<name>corp-ldap</name><sync>true</sync>"))
    sim.reset()
    assert status(sim) == "" and sim.sql("SELECT count(*) FROM sim_ldapsync") == [(0,)]


def test_bad_fixtures_are_refused(ldap_sim, tmp_path):
    sim = ldap_sim
    for content, message in [([], "expected an object"), ({"corp-ldap": [{"sn": "x"}]}, "sAMAccountName is required"),
                             ({"corp-ldap": [{"sAMAccountName": "a", "sn": "x", "shoeSize": "9"}]}, "unknown attribute"),
                             ({"corp-ldap": [{"sAMAccountName": "a", "sn": "x"}] * 2}, "listed twice")]:
        resp = sim.http.post(sim.base + "/__sim__/ldap", json={"content": content})
        assert resp.status_code == 400 and message in resp.json()["error"]
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="LDAP fixture"):
        cli.build(cli.parse_args(["--port", "0", "--db", str(tmp_path / "c.sqlite"), "--ldap-fixture", str(bad)]))


def test_fixture_file_flag(sim_factory, tmp_path):
    fixture = tmp_path / "ldap.json"
    fixture.write_text(json.dumps({"corp-ldap": [{"sAMAccountName": "user00001", "sn": "FromFile"}]}))
    s = sim_factory("ldapfile", "--seed-users", "3", "--ldap-users", "1", "--ldap-fixture", str(fixture),
                    "--ldap-sync-seconds", "0")
    assert s.admin("GET", "ldap")["fixture"] == str(fixture)
    ok(s.post("doLdapSync", "<name>corp-ldap</name><sync>1</sync>"))
    assert wait_done(s) == "Sync is performed successfully"
    assert user(s, "user00001")[1] == "FromFile"


def test_ldap_operations_with_ciscos_wsdl(versioned_sim):
    svc = zeep_service(versioned_sim)
    listed = svc.listLdapDirectory(searchCriteria={"name": "%"}, returnedTags={"name": ""})["return"]["ldapDirectory"]
    assert [d["name"] for d in listed] == ["corp-ldap"]
    assert svc.doLdapSync(name="corp-ldap", sync="true")["return"] == "true"   # zeep would send True as 'True'
    assert svc.getLdapSyncStatus(name="corp-ldap")["return"].startswith("Sync is")
