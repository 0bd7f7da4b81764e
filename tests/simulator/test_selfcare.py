"""The Self Care stale-URL bug, end to end.

A user edits a phone-service parameter (an IP Phone Agent password) in the Self Care Portal: the
value row changes but the subscription's built URL does not, so the phone keeps sending the old
password.  An administrator's save of the device (the same ``services`` list written back with
updatePhone, as read with getPhone, without the stale ``url``) rebuilds the URL; so does an
``executeSQLUpdate`` of the value (rule RI-167).  Other subscriptions of the device survive every step.

Sending the stale ``url`` back is what must never happen: whether CUCM parses a re-sent url into
values is unconfirmed, and the simulator's default (``--compat resave-url=parse``) does, reverting
the user's edit.  (These tests once sent the URL back and relied on an invented "echo" rule that
ignored a URL equal to the stored one; the fidelity audit removed it.)
"""

import pytest

from conftest import body_of, zeep_service

PHONE = "SEP00AA00BB00CC"
IPPA_URL = "http://uccx.example.com:6293/ipphone/jsp/sciphonexml/IPAgentLogin.jsp?dev=#DEVICENAME#"
DIR_URL = "http://apps.example.com/directory"


def service(name, url, params):
    return {"serviceName": name, "asciiServiceName": name, "serviceUrl": url, "serviceCategory": "XML Service",
            "serviceType": "Standard IP Phone Service", "parameters": {"parameter": params}}


def effective(sim):
    """What the phone would request now: {subscription name: URL}."""
    got = sim.admin("GET", "effective-urls", params={"device": PHONE})
    return {s["name"]: s["url"] for s in got["subscriptions"]}


def stored(sim):
    """Subscription pkids and parameter values, read from the store: {name: (pkid, {param: value})}."""
    out = {}
    for pkid, name in sim.sql("SELECT ss.pkid, ss.servicename FROM telecastersubscribedservice ss JOIN device d "
                              "ON d.pkid = ss.fkdevice WHERE d.name = ?", (PHONE,)):
        out[name] = (pkid, dict(sim.sql("SELECT p.name, sp.value FROM telecastersubscribedparameter sp "
                                        "JOIN telecasterserviceparameter p ON p.pkid = sp.fktelecasterserviceparameter "
                                        "WHERE sp.fktelecastersubscribedservice = ?", (pkid,))))
    return out


def agent_url(password, extension="2001"):
    expanded = IPPA_URL.replace("#DEVICENAME#", PHONE)
    return f"{expanded}&username=agent1&password={password}&extension={extension}"


def test_selfcare_password_change_is_stale_until_the_device_is_saved_again(sim):
    axl = zeep_service(sim)
    axl.addIpPhoneServices(ipPhoneServices=service("IPPA", IPPA_URL, [
        {"name": "username", "displayName": "User ID", "description": None},
        {"name": "password", "displayName": "Password", "description": "agent password", "paramPassword": "true"},
        {"name": "extension", "displayName": "Extension", "description": None}]))
    axl.addIpPhoneServices(ipPhoneServices=service("Directory", DIR_URL, [
        {"name": "dept", "displayName": "Department", "description": None}]))
    parameters = axl.getIpPhoneServices(serviceName="IPPA")["return"]["ipPhoneServices"]["parameters"]["parameter"]
    assert dict((p["name"], p["paramPassword"]) for p in parameters)["password"] == "true"

    # subscribe: values in the url's query string (the simulator stores them as parameter rows)
    axl.addPhone(phone={
        "name": PHONE, "product": "Cisco 8841", "class": "Phone", "protocol": "SIP", "protocolSide": "User",
        "devicePoolName": "Default", "commonPhoneConfigName": "Standard Common Phone Profile", "locationName": "Hub_None",
        "useTrustedRelayPoint": "Default", "phoneTemplateName": "Standard 8841 SIP", "primaryPhoneName": None,
        "builtInBridgeStatus": "Default", "packetCaptureMode": "None", "certificateOperation": "No Pending Operation",
        "deviceMobilityMode": "Default", "ownerUserName": "user00001",
        "services": {"service": [
            {"telecasterServiceName": "IPPA", "name": "Agent", "url": IPPA_URL + "&username=agent1&password=Init-Pass1"},
            {"telecasterServiceName": "Directory", "name": "Directory", "url": DIR_URL + "?dept=sales"}]}})
    ids = {name: pkid for name, (pkid, _v) in stored(sim).items()}
    directory = DIR_URL + "?dept=sales"

    # ... plus the extension written the way TOAD does it: look the pkids up, INSERT the value row
    # (RI-167 rebuilds on a value *change*, not on an insert), then set serviceurl itself
    param = axl.executeSQLQuery(sql="select tsp.pkid from telecasterserviceparameter tsp join telecasterservice ts "
                                    "on ts.pkid = tsp.fktelecasterservice where ts.name = 'IPPA' and tsp.name = 'extension'")
    param_pkid = param["return"]["row"][0][0].text
    axl.executeSQLUpdate(sql="insert into telecastersubscribedparameter (fktelecastersubscribedservice, "
                             f"fktelecasterserviceparameter, value) values ('{ids['Agent']}', '{param_pkid}', '2001')")
    assert "extension" not in effective(sim)["Agent"]
    axl.executeSQLUpdate(sql=f"update telecastersubscribedservice set serviceurl = '{IPPA_URL}&username=agent1&"
                             f"password=Init-Pass1&extension=2001' where pkid = '{ids['Agent']}'")
    assert effective(sim) == {"Agent": agent_url("Init-Pass1"), "Directory": directory}

    # the user changes the password in Self Care: the value changes, the URL the phone uses does not
    sim.admin("POST", "selfcare/service-parameter", json={"device": PHONE, "service": "IPPA", "parameter": "password",
                                                          "value": "New-Pass2"})
    assert stored(sim)["Agent"][1] == {"username": "agent1", "password": "New-Pass2", "extension": "2001"}
    assert effective(sim) == {"Agent": agent_url("Init-Pass1"), "Directory": directory}           # stale
    got = axl.getPhone(name=PHONE)["return"]["phone"]["services"]["service"]
    assert [s["url"] for s in got] == [IPPA_URL + "&username=agent1&password=Init-Pass1&extension=2001", directory]

    # the administrator saves the device: the same list, as getPhone returned it, written back without the url
    same = [{"telecasterServiceName": s["telecasterServiceName"]["_value_1"], "name": s["name"],
             "urlButtonIndex": s["urlButtonIndex"], "urlLabel": s["urlLabel"], "serviceNameAscii": s["serviceNameAscii"]}
            for s in got]
    axl.updatePhone(name=PHONE, services={"service": same})
    assert effective(sim) == {"Agent": agent_url("New-Pass2"), "Directory": directory}            # fresh
    assert {name: pkid for name, (pkid, _v) in stored(sim).items()} == ids                       # same rows
    assert stored(sim)["Directory"][1] == {"dept": "sales"}

    # stale again after another Self Care edit; an executeSQLUpdate of the value rebuilds (RI-167)
    sim.admin("POST", "selfcare/service-parameter", json={"device": PHONE, "service": "IPPA", "parameter": "password",
                                                          "value": "Third-Pass3"})
    assert effective(sim)["Agent"] == agent_url("New-Pass2")
    resp = sim.post("executeSQLUpdate", "<sql>update telecastersubscribedparameter set value = 'Fourth-Pass4' where "
                                        f"fktelecastersubscribedservice = '{ids['Agent']}' and fktelecasterserviceparameter = "
                                        "(select tsp.pkid from telecasterserviceparameter tsp join telecasterservice ts on "
                                        "ts.pkid = tsp.fktelecasterservice where ts.name = 'IPPA' and tsp.name = 'password')</sql>")
    assert body_of(resp).findtext("return/rowsUpdated") == "1"
    assert effective(sim) == {"Agent": agent_url("Fourth-Pass4"), "Directory": directory}
    assert sim.sql("SELECT secureserviceurl FROM telecastersubscribedservice WHERE pkid = ?", (ids["Agent"],)) == [(None,)]

    # every change left the other subscription alone
    assert {name: pkid for name, (pkid, _v) in stored(sim).items()} == ids
    assert stored(sim)["Directory"][1] == {"dept": "sales"}


def test_selfcare_edit_on_one_phone_leaves_other_phones_alone(sim):
    """Two phones subscribed to the same service: a Self Care edit and the re-save of one (without the url)
    leave the other's values and URL alone."""
    axl = zeep_service(sim)
    axl.addIpPhoneServices(ipPhoneServices=service("IPPA", IPPA_URL, [
        {"name": "password", "displayName": "Password", "description": None, "paramPassword": "true"}]))
    for name in ("SEP0A0000000001", "SEP0A0000000002"):
        axl.updatePhone(name=name, services={"service": [
            {"telecasterServiceName": "IPPA", "name": "Agent", "url": IPPA_URL + f"&password=pw-{name[-1]}"}]})
    sim.admin("POST", "selfcare/service-parameter", json={"device": "SEP0A0000000001", "service": "IPPA",
                                                          "parameter": "password", "value": "changed"})
    for name in ("SEP0A0000000001", "SEP0A0000000002"):
        got = axl.getPhone(name=name, returnedTags={"services": {"service": {"name": "", "url": ""}}})
        services = got["return"]["phone"]["services"]["service"]
        axl.updatePhone(name=name, services={"service": [
            {"telecasterServiceName": "IPPA", "name": s["name"]} for s in services]})
    urls = dict(sim.sql("SELECT d.name, ss.serviceurl FROM telecastersubscribedservice ss JOIN device d ON d.pkid = ss.fkdevice"))
    assert urls == {"SEP0A0000000001": IPPA_URL + "&password=changed", "SEP0A0000000002": IPPA_URL + "&password=pw-2"}


@pytest.mark.parametrize("resave_url, kept", [("parse", "pw-1"), ("ignore", "changed")])
def test_resaving_the_stale_url_after_a_selfcare_edit(sim, resave_url, kept):
    """A re-save that sends the stale URL back: with resave-url=parse (the default) the URL's old value
    overwrites the user's edit, which is why a client must never send it; with ignore the edit stays.  Either
    way the URL is rebuilt from the value rows."""
    sim.faults(compat={"resave-url": resave_url})
    axl = zeep_service(sim)
    axl.addIpPhoneServices(ipPhoneServices=service("IPPA", IPPA_URL, [
        {"name": "password", "displayName": "Password", "description": None, "paramPassword": "true"}]))
    agent = {"telecasterServiceName": "IPPA", "name": "Agent"}
    axl.updatePhone(name="SEP0A0000000001", services={"service": [agent]})
    for value in ("pw-1", "changed"):     # a first value, made current by a re-save without url; then the edit
        sim.admin("POST", "selfcare/service-parameter", json={"device": "SEP0A0000000001", "service": "IPPA",
                                                              "parameter": "password", "value": value})
        if value == "pw-1":
            axl.updatePhone(name="SEP0A0000000001", services={"service": [agent]})
    got = axl.getPhone(name="SEP0A0000000001")["return"]["phone"]["services"]["service"]
    assert got[0]["url"] == IPPA_URL + "&password=pw-1"                                 # stale
    axl.updatePhone(name="SEP0A0000000001", services={"service": [
        {"telecasterServiceName": "IPPA", "name": "Agent", "url": got[0]["url"]}]})
    assert sim.sql("SELECT sp.value FROM telecastersubscribedparameter sp") == [(kept,)]
    assert sim.sql("SELECT serviceurl FROM telecastersubscribedservice") == [(IPPA_URL + "&password=" + kept,)]
