"""The directory number fields (call forwards, alerting names, line CSS, voice mail profile), updateLine and listLine,
device user locales and e164 masks, and the devicenumplanmap rules, through raw SOAP, checked against the store.
Every request and answer is validated against Cisco's XSD of its version at the end of the session (conftest)."""

import pytest

from conftest import body_of
from test_devices import PHONE, fault, ok, phone_xml, profile_xml

FORWARDS = ("<callForwardAll><forwardToVoiceMail>false</forwardToVoiceMail><callingSearchSpaceName>Internal_CSS"
            "</callingSearchSpaceName><secondaryCallingSearchSpaceName/><destination>4000</destination></callForwardAll>"
            "<callForwardBusy><forwardToVoiceMail>true</forwardToVoiceMail><callingSearchSpaceName/></callForwardBusy>"
            "<callForwardNoAnswer><forwardToVoiceMail>false</forwardToVoiceMail><callingSearchSpaceName>Internal_CSS"
            "</callingSearchSpaceName><destination>4001</destination></callForwardNoAnswer>")


def line_row(sim, pattern):
    return sim.sql(
        "SELECT n.description, n.alertingname, n.alertingnameascii, ifnull(c.name, ''), ifnull(v.name, ''), "
        "ifnull(n.cfbdestination, ''), n.cfbvoicemailenabled, ifnull(n.cfnadestination, ''), ifnull(na.name, ''), "
        "ifnull(f.cfadestination, ''), ifnull(fc.name, '') FROM numplan n "
        "LEFT JOIN callingsearchspace c ON c.pkid = n.fkcallingsearchspace_sharedlineappear "
        "LEFT JOIN voicemessagingprofile v ON v.pkid = n.fkvoicemessagingprofile "
        "LEFT JOIN callingsearchspace na ON na.pkid = n.fkcallingsearchspace_cfna "
        "LEFT JOIN callforwarddynamic f ON f.fknumplan = n.pkid "
        "LEFT JOIN callingsearchspace fc ON fc.pkid = f.fkcallingsearchspace_cfa WHERE n.dnorpattern = ?", (pattern,))


def add_line(sim, pattern, extra=""):
    return sim.post("addLine", f"<line><pattern>{pattern}</pattern><description>d</description><usage>Device</usage>"
                               f"<routePartitionName>Internal_PT</routePartitionName>{extra}</line>")


def test_line_fields_are_stored_returned_and_updated(sim):
    extra = ("<alertingName>Zoë</alertingName><shareLineAppearanceCssName>Internal_CSS</shareLineAppearanceCssName>"
             "<voiceMailProfileName>Default</voiceMailProfileName>")
    ok(add_line(sim, "4300", FORWARDS + extra))
    assert line_row(sim, "4300") == [("d", "Zoë", "", "Internal_CSS", "Default", "", "t", "4001", "Internal_CSS",
                                      "4000", "Internal_CSS")]
    line = ok(sim.post("getLine", "<pattern>4300</pattern><routePartitionName>Internal_PT</routePartitionName>")).find(
        "return/line")
    assert line.findtext("callForwardAll/destination") == "4000"
    assert line.findtext("callForwardBusy/forwardToVoiceMail") == "true"
    assert line.findtext("callForwardNoAnswer/callingSearchSpaceName") == "Internal_CSS"
    assert (line.findtext("alertingName"), line.findtext("asciiAlertingName")) == ("Zoë", "")
    assert line.findtext("voiceMailProfileName") == "Default"
    # an update changes what it carries: an empty destination clears it, the CSS of the forward goes with it
    ok(sim.post("updateLine", "<pattern>4300</pattern><routePartitionName>Internal_PT</routePartitionName>"
                              "<callForwardNoAnswer><callingSearchSpaceName/><destination/></callForwardNoAnswer>"
                              "<alertingName>Ann</alertingName><voiceMailProfileName>NoVoiceMail</voiceMailProfileName>"))
    assert line_row(sim, "4300") == [("d", "Ann", "Ann", "Internal_CSS", "NoVoiceMail", "", "t", "", "", "4000",
                                      "Internal_CSS")]


def test_update_line_faults(sim):
    ok(add_line(sim, "4301"))
    assert "Line was not found" in fault(sim.post("updateLine", "<pattern>4399</pattern><routePartitionName>Internal_PT"
                                                                "</routePartitionName><description>x</description>"), 5007)
    assert "Voice Mail Profile Nobody" in fault(sim.post(
        "updateLine", "<pattern>4301</pattern><routePartitionName>Internal_PT</routePartitionName>"
                      "<voiceMailProfileName>Nobody</voiceMailProfileName>"), 5007)
    assert line_row(sim, "4301")[0][4] == ""


def test_list_line_search_and_paging(sim):
    for pattern in ("4312", "4310", "4311"):
        ok(add_line(sim, pattern))
    got = body_of(sim.post("listLine", "<searchCriteria><pattern>431%</pattern></searchCriteria>"
                                       "<returnedTags><pattern/><routePartitionName/></returnedTags><skip>1</skip><first>2</first>"))
    lines = got.findall("return/line")
    assert [x.findtext("pattern") for x in lines] == ["4311", "4312"]
    assert all(x.get("uuid") and [c.tag for c in x] == ["pattern", "routePartitionName"] for x in lines)


def test_e164_line_is_escaped_and_found_in_its_stored_form(sim):
    ok(add_line(sim, "+14085550300"))
    assert sim.sql("SELECT count(*) FROM numplan WHERE dnorpattern = '\\+14085550300'") == [(1,)]
    fault(sim.post("getLine", "<pattern>+14085550300</pattern><routePartitionName>Internal_PT</routePartitionName>"), 5007)
    ok(sim.post("updateLine", "<pattern>\\+14085550300</pattern><routePartitionName>Internal_PT</routePartitionName>"
                              "<description>main</description>"))
    assert line_row(sim, "\\+14085550300")[0][0] == "main"


def test_one_line_per_index_of_a_device(sim):
    line = "<line><index>1</index><dirn><pattern>{}</pattern><routePartitionName>Internal_PT</routePartitionName></dirn></line>"
    ok(sim.post("addPhone", phone_xml(lines=line.format("4320"))))
    message = fault(sim.post("updatePhone", f"<name>{PHONE}</name><addLines>{line.format('4321')}</addLines>"), -746)
    assert message == "Duplicate phone line."       # RI-229's text (data dictionary)
    assert sim.sql("SELECT count(*) FROM devicenumplanmap m JOIN device d ON d.pkid = m.fkdevice WHERE d.name = ?",
                   (PHONE,)) == [(1,)]


@pytest.mark.parametrize("product", ["Cisco Unified Client Services Framework", "Cisco Dual Mode for iPhone",
                                     "Cisco Dual Mode for Android", "Cisco Jabber for Tablet", "Cisco 8865"])
def test_device_kinds_user_locale_and_e164_mask(sim, product):
    name = {"Cisco Unified Client Services Framework": "CSFJDOE", "Cisco Dual Mode for iPhone": "TCTJDOE",
            "Cisco Dual Mode for Android": "BOTJDOE", "Cisco Jabber for Tablet": "TABJDOE"}.get(product, "SEP00AA00BB0865")
    template = sim.sql("SELECT t.name FROM phonetemplate t JOIN typeproduct p ON p.tkmodel = t.tkmodel WHERE p.name = ?",
                       (product,))[0][0]
    lines = ("<line><index>1</index><dirn><pattern>4330</pattern><routePartitionName>Internal_PT</routePartitionName>"
             "</dirn><e164Mask>+1408555XXXX</e164Mask></line>")
    xml = phone_xml(name=name, product=product, phoneTemplateName=template, lines=lines)
    xml = xml.replace("</primaryPhoneName>", "</primaryPhoneName><userLocale>English United States</userLocale>", 1)
    ok(sim.post("addPhone", xml))
    phone = ok(sim.post("getPhone", f"<name>{name}</name>")).find("return/phone")
    assert (phone.findtext("product"), phone.findtext("userLocale"), phone.findtext("lines/line/e164Mask")) == (
        product, "English United States", "+1408555XXXX")
    assert sim.sql("SELECT m.e164mask, l.name FROM devicenumplanmap m JOIN device d ON d.pkid = m.fkdevice "
                   "JOIN typeuserlocale l ON l.enum = d.tkuserlocale WHERE d.name = ?", (name,)) == [
        ("+1408555XXXX", "English United States")]


def test_device_profile_user_locale_update(sim):
    ok(sim.post("addDeviceProfile", profile_xml()))
    ok(sim.post("updateDeviceProfile", "<name>UDP_agent</name><userLocale>English United States</userLocale>"))
    assert sim.sql("SELECT l.name FROM device d JOIN typeuserlocale l ON l.enum = d.tkuserlocale "
                   "WHERE d.name = 'UDP_agent'") == [("English United States",)]
    assert "User Locale Klingon" in fault(sim.post("updateDeviceProfile", "<name>UDP_agent</name><userLocale>Klingon"
                                                                          "</userLocale>"), 5007)


def test_collection_requests_per_version(versioned_sim, tmp_path_factory):
    """The requests the collection's serializer builds for lines and devices (axl_schema + the generated
    axl_schema_devices) are answered by the simulator of each version; conftest validates both sides against
    that version's XSD."""
    import importlib
    import sys
    from pathlib import Path

    import requests
    if "ansible_collections.voiceops.cucm" not in sys.modules:      # the checkout as an ansible_collections tree
        base = tmp_path_factory.mktemp("collections")
        (base / "ansible_collections" / "voiceops").mkdir(parents=True)
        (base / "ansible_collections" / "voiceops" / "cucm").symlink_to(Path(__file__).resolve().parents[2])
        sys.path.insert(0, str(base))
    axl_schema = importlib.import_module("ansible_collections.voiceops.cucm.plugins.module_utils.axl_schema")
    sim, version = versioned_sim, versioned_sim.version
    forward = {"forwardToVoiceMail": False, "callingSearchSpaceName": "Internal_CSS", "destination": "4000"}
    calls = [
        ("addLine", {"line": {"pattern": "+14085550400", "usage": "Device", "routePartitionName": "Internal_PT",
                              "description": "x", "callForwardAll": dict(forward, secondaryCallingSearchSpaceName=""),
                              "callForwardBusy": forward, "alertingName": "A", "voiceMailProfileName": "Default"}}),
        ("updateLine", {"pattern": "\\+14085550400", "routePartitionName": "Internal_PT", "callForwardNoAnswer": forward}),
        ("getLine", {"pattern": "\\+14085550400", "routePartitionName": "Internal_PT",
                     "returnedTags": {"callForwardAll": "", "alertingName": ""}}),
        ("listLine", {"searchCriteria": {"pattern": "%0400"}, "returnedTags": {"pattern": ""}, "first": 5}),
        ("addPhone", {"phone": {"name": "CSFVERSION", "product": "Cisco Unified Client Services Framework",
                                "class": "Phone", "protocol": "SIP", "devicePoolName": "Default", "locationName": "Hub_None",
                                "lines": {"line": [{"index": 1, "dirn": {"pattern": "\\+14085550400",
                                                                         "routePartitionName": "Internal_PT"}}]}}}),
        ("updatePhone", {"name": "CSFVERSION", "removeLines": {"line": [{"index": 1, "dirn": {
            "pattern": "\\+14085550400", "routePartitionName": "Internal_PT"}}]}}),
        ("addDeviceProfile", {"deviceProfile": {"name": "UDP_version", "product": "Cisco 8865", "class": "Device Profile",
                                                "protocol": "SIP", "userLocale": "English United States"}}),
        ("getDeviceProfile", {"name": "UDP_version", "returnedTags": {"lines": "", "userLocale": ""}}),
        ("removePhone", {"name": "CSFVERSION"}),
    ]
    for operation, body in calls:
        resp = requests.post(sim.url, data=axl_schema.envelope(operation, version, body), auth=("administrator", "ciscopsdt"),
                             headers={"Content-Type": "text/xml", "SOAPAction": f'"CUCM:DB ver={version} {operation}"'},
                             verify=sim.http.verify)
        assert resp.status_code == 200, (operation, resp.text)
    assert sim.sql("SELECT count(*) FROM device WHERE name IN ('CSFVERSION', 'UDP_version')") == [(1,)]
