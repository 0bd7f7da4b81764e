"""The change notification queue (listChange): fed by every write path, bounded, restarted with a new
queueId, paged, filtered, and the compat switches about what Cisco does not document.  Every answer
is validated against Cisco's XSD at the end of the session (conftest), and read here with zeep."""

import time

import pytest

from conftest import axl_error, body_of, zeep_service

PHONE = "SEP00AA00CC0017"
IPPA_URL = "http://uccx.example.com:6293/ipphone/jsp/sciphonexml/IPAgentLogin.jsp?dev=#DEVICENAME#"


def queue(sim):
    info = body_of(sim.post("listChange", "<objectList/>")).find("queueInfo")
    return {tag: info.findtext(tag) for tag in ("firstChangeId", "lastChangeId", "nextStartChangeId", "queueId")}


def since(sim, checkpoint, objects=None, expect=200):
    objects_xml = "" if objects is None else "<objectList>%s</objectList>" % "".join(
        f"<object>{o}</object>" for o in objects)
    resp = sim.post("listChange", f'<startChangeId queueId="{checkpoint[0]}">{checkpoint[1]}</startChangeId>{objects_xml}')
    assert resp.status_code == expect, resp.text
    if expect != 200:
        return resp
    body = body_of(resp)
    info = body.find("queueInfo")
    found = [(c.get("type"), c.get("uuid"), c.findtext("action"),
              [(t.get("name"), t.text or "") for t in c.find("changedTags")]) for c in body.find("changes")]
    return found, (info.findtext("queueId"), int(info.findtext("nextStartChangeId"))), info


def start(sim):
    q = queue(sim)
    return q["queueId"], int(q["nextStartChangeId"])


def uuid_of(sim, table, column, value):
    return "{" + sim.sql(f"SELECT pkid FROM {table} WHERE {column} = ?", (value,))[0][0].upper() + "}"


def test_axl_and_sql_writes_are_changes_with_their_tags(sim):
    mark = start(sim)
    assert since(sim, mark)[0] == []
    assert sim.post("updateUser", "<userid>user00011</userid><firstName>Zoe</firstName><department>Ops</department>"
                    ).status_code == 200
    assert sim.post("executeSQLUpdate", "<sql>update enduser set title = 'Boss' where userid = 'user00012'</sql>"
                    ).status_code == 200
    found, nxt, info = since(sim, mark)
    assert found == [("User", uuid_of(sim, "enduser", "userid", "user00011"), "u", [("firstName", "Zoe"), ("department", "Ops")]),
                     ("User", uuid_of(sim, "enduser", "userid", "user00012"), "u", [("title", "Boss")])]
    assert nxt[0] == mark[0] and int(info.findtext("lastChangeId")) == nxt[1] - 1
    assert since(sim, nxt)[0] == []                                     # the returned checkpoint is past them
    # an update that changes nothing is no change
    sim.post("updateUser", "<userid>user00011</userid><firstName>Zoe</firstName>")
    assert since(sim, nxt)[0] == []


def test_adds_and_removes_and_secrets_have_no_value(sim):
    mark = start(sim)
    sim.post("addUser", "<user><lastName>New</lastName><userid>chg-new</userid><password>Secret-Pass1</password>"
                        "<pin>13579</pin><presenceGroupName>Standard Presence group</presenceGroupName></user>")
    pkid = uuid_of(sim, "enduser", "userid", "chg-new")
    sim.post("updateUser", "<userid>chg-new</userid><password>Other-Pass2</password>")
    sim.post("removeUser", "<userid>chg-new</userid>")
    found = [c for c in since(sim, mark)[0] if c[1] == pkid]
    assert found[0][2] == "a" and found[0][3] == [] and found[-1][2] == "r" and found[-1][3] == []
    tags = [t for c in found for t in c[3]]
    assert ("password", "") in tags and not any("Pass" in value or "13579" in value for _n, value in tags)


def test_selfcare_edit_and_subscriptions_are_device_changes(sim):
    axl = zeep_service(sim)
    axl.addIpPhoneServices(ipPhoneServices={
        "serviceName": "IPPA", "asciiServiceName": "IPPA", "serviceUrl": IPPA_URL, "serviceCategory": "XML Service",
        "serviceType": "Standard IP Phone Service", "parameters": {"parameter": [
            {"name": "username", "displayName": "User", "description": None},
            {"name": "password", "displayName": "Password", "description": None, "paramPassword": "true"}]}})
    axl.addPhone(phone={
        "name": PHONE, "product": "Cisco 8841", "class": "Phone", "protocol": "SIP", "protocolSide": "User",
        "devicePoolName": "Default", "commonPhoneConfigName": "Standard Common Phone Profile", "locationName": "Hub_None",
        "useTrustedRelayPoint": "Default", "phoneTemplateName": "Standard 8841 SIP", "primaryPhoneName": None,
        "builtInBridgeStatus": "Default", "packetCaptureMode": "None", "certificateOperation": "No Pending Operation",
        "deviceMobilityMode": "Default", "services": {"service": [
            {"telecasterServiceName": "IPPA", "name": "Agent", "url": IPPA_URL + "&username=agent1&password=Init-1"}]}})
    phone = uuid_of(sim, "device", "name", PHONE)
    mark = start(sim)
    sim.admin("POST", "selfcare/service-parameter", json={"device": PHONE, "service": "IPPA", "parameter": "password",
                                                          "value": "New-Pass2"})
    found, nxt, _info = since(sim, mark)
    assert found and all(c[:3] == ("Phone", phone, "u") and c[3] == [("services", "")] for c in found)
    assert "New-Pass2" not in sim.post("listChange", f'<startChangeId queueId="{mark[0]}">{mark[1]}</startChangeId>').text
    # a device profile's change has its own type; other types can be left out
    profile = sim.sql("SELECT name, pkid FROM device WHERE tkclass = 254 ORDER BY name LIMIT 1")[0]
    sim.post("updateDeviceProfile", f"<name>{profile[0]}</name><description>changed</description>")
    assert [c[0] for c in since(sim, nxt)[0]] == ["DeviceProfile"]
    assert since(sim, nxt, objects=["User", "Phone"])[0] == []
    expected = [("DeviceProfile", "{%s}" % profile[1].upper(), "u", [("description", "changed")])]
    assert since(sim, nxt, objects=["DeviceProfile"])[0] == expected


def test_ldap_sync_feeds_the_queue(sim):
    mark = start(sim)
    sim.admin("POST", "ldap", json={"content": {"corp-ldap": [
        {"sAMAccountName": "user00001", "givenName": "Ada", "sn": "Bauer"}]}, "sync_seconds": 0})
    try:
        assert sim.post("doLdapSync", "<name>corp-ldap</name><sync>true</sync>").status_code == 200
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            status = body_of(sim.post("getLdapSyncStatus", "<name>corp-ldap</name>")).findtext("return") or ""
            if "successfully" in status:
                break
            time.sleep(0.05)
        found = since(sim, mark, objects=["User"])[0]
        ada = uuid_of(sim, "enduser", "userid", "user00001")
        assert ("firstName", "Ada") in [t for c in found if c[1] == ada for t in c[3]]
    finally:
        sim.admin("POST", "ldap", json={"fixture": None, "sync_seconds": 2})


def test_bounded_queue_drops_the_oldest_and_says_so(sim):
    sim.faults(change_queue_size=3)
    try:
        mark = start(sim)
        for n in range(5):
            sim.post("executeSQLUpdate", f"<sql>update enduser set title = 't{n}' where userid = 'user00003'</sql>")
        q = queue(sim)
        assert int(q["lastChangeId"]) - int(q["firstChangeId"]) == 2 and int(q["firstChangeId"]) > mark[1]
        error = axl_error(since(sim, mark, expect=500))               # --compat change-expired=fault (default)
        assert error["axlcode"] == 5007 and "full sync" in error["faultstring"]
        sim.faults(compat={"change-expired": "silent"})
        found, _nxt, info = since(sim, mark)                          # what is left; only firstChangeId tells
        assert [t for c in found for t in c[3]] == [("title", "t2"), ("title", "t3"), ("title", "t4")]
        assert int(info.findtext("firstChangeId")) > mark[1]
    finally:
        sim.faults(change_queue_size=100000, compat={"change-expired": "fault"})


def test_restart_and_reset_give_a_new_queue(sim_factory, tmp_path):
    sim = sim_factory("changes-restart", "--seed-users", "3")
    old = start(sim)
    sim.post("updateUser", "<userid>user00001</userid><title>x</title>")
    sim.reset()
    new = start(sim)
    assert new[0] != old[0] and len(new[0]) == 8
    error = axl_error(since(sim, (old[0], old[1]), expect=500))
    assert error == {"faultcode": "soapenv:Server", "axlcode": 5007, "request": "listChange",
                     "faultstring": "The queueId value does not match the server. This indicates that it is either "
                                    "incorrect or the server restarted and a full sync is needed."}
    # a process restart on the same database: a new queue, and it starts empty (CUCM keeps it in memory)
    sim.post("updateUser", "<userid>user00002</userid><title>y</title>")
    from conftest import RunningSim
    sim.stop()
    again = RunningSim(tmp_path / "again", "--db", sim.db, "--seed-users", "3")
    try:
        q = queue(again)
        assert q["queueId"] not in (new[0], old[0]) and int(q["lastChangeId"]) < int(q["firstChangeId"])
    finally:
        again.stop()


def test_paging_and_first_call(sim):
    sim.faults(change_page_size=2)
    try:
        mark = start(sim)
        for n in range(5):
            sim.post("executeSQLUpdate", f"<sql>update enduser set title = 'p{n}' where userid = 'user00004'</sql>")
        seen, checkpoint, pages = [], mark, 0
        while True:
            found, checkpoint, info = since(sim, checkpoint)
            pages += 1
            seen += [c[3][0][1] for c in found]
            if int(info.findtext("lastChangeId")) < checkpoint[1]:
                break
        assert seen == ["p0", "p1", "p2", "p3", "p4"] and pages == 3
        # the first call (no startChangeId): no change by default, the cached ones with change-first-call=all
        assert body_of(sim.post("listChange", "")).find("changes").findall("change") == []
        sim.faults(compat={"change-first-call": "all"}, change_page_size=1000)
        assert len(body_of(sim.post("listChange", "")).find("changes").findall("change")) == 5
    finally:
        sim.faults(change_page_size=1000, compat={"change-first-call": "empty"})


def test_one_change_per_row_written(sim):
    mark = start(sim)
    sim.post("addUser", "<user><lastName>Rows</lastName><userid>chg-rows</userid><presenceGroupName>Standard Presence "
                        "group</presenceGroupName></user>")
    pkid = uuid_of(sim, "enduser", "userid", "chg-rows")
    rows = [c for c in since(sim, mark)[0] if c[1] == pkid]
    assert rows[0][2] == "a" and {c[2] for c in rows[1:]} == {"u"}       # then its credential and group rows
    assert ("associatedGroups", "") in [t for c in rows for t in c[3]]


def test_zeep_reads_list_change(sim):
    axl = zeep_service(sim)
    first = axl.listChange()
    info = first["queueInfo"]
    sim.post("updateUser", "<userid>user00005</userid><title>Zeep</title>")
    resp = axl.listChange(startChangeId={"queueId": info["queueId"], "_value_1": info["nextStartChangeId"]},
                          objectList={"object": ["User"]})
    change = resp["changes"]["change"][0]
    assert change["type"] == "User" and change["action"] == "u"
    assert [(t["name"], t["_value_1"]) for t in change["changedTags"]["changedTag"]] == [("title", "Zeep")]


@pytest.mark.parametrize("version", ["11.5", "12.5", "15.0"])
def test_every_version_answers(sim_factory, version):
    sim = sim_factory(f"changes-{version}", "--axl-version", version, "--seed-users", "2")
    mark = start(sim)
    sim.post("updateUser", "<userid>user00001</userid><title>v</title>", version=version)
    assert since(sim, mark)[0][0][3] == [("title", "v")]


def test_line_fields_and_call_forward_all_are_line_changes(sim):
    """The DN fields of issue 15 feed the queue too: a numplan column, and call forward all, which
    lives beside the line (callforwarddynamic), are both changes of that Line."""
    assert sim.post("addLine", "<line><pattern>4300</pattern><usage>Device</usage></line>").status_code == 200
    line = uuid_of(sim, "numplan", "dnorpattern", "4300")
    mark = start(sim)
    assert sim.post("updateLine", "<pattern>4300</pattern><description>Front desk</description>"
                    "<callForwardAll><forwardToVoiceMail>false</forwardToVoiceMail><callingSearchSpaceName/>"
                    "<secondaryCallingSearchSpaceName/><destination>4399</destination></callForwardAll>").status_code == 200
    found, _nxt, _info = since(sim, mark, objects=["Line"])
    assert found and all(kind == "Line" and uuid == line for kind, uuid, _a, _t in found), found
    tags = [name for _k, _u, _a, changed in found for name, _v in changed]
    assert "description" in tags and "callForwardAll" in tags, tags


def test_a_write_through_another_sqlite_connection_is_a_change(sim):
    """The triggers are plain SQL: a row written by any SQLite client (a test's set-up, an admin's
    sqlite3 shell) is in the queue, and the bound still holds."""
    import sqlite3
    mark = start(sim)
    conn = sqlite3.connect(str(sim.db), timeout=30)
    try:
        with conn:
            conn.execute("UPDATE enduser SET title = 'Direct' WHERE userid = 'user00013'")
    finally:
        conn.close()
    found = since(sim, mark)[0]
    assert found == [("User", uuid_of(sim, "enduser", "userid", "user00013"), "u", [("title", "Direct")])]
