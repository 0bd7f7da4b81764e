"""Clients that no one here wrote: what Cisco's public DevNet samples send must work against the simulator
as it does against a lab cluster.

- CiscoDevNet/axl-python-zeep-samples (zeep with Cisco's full WSDL, ``strict=False``): ``axl_add_update_User.py``
  (a CSF phone, a user, its association, IM and Presence, removals), ``axl_add_Role.py`` (a role by SQL with
  double-quoted literals and ``newid()``) and ``axl_add_Jabber_Bulk.py`` (CSF, BOT and TCT devices for every
  owned desk phone, with ``xsd.SkipValue`` for the XSD-mandatory elements CUCM does not need).
- CiscoDevNet/axl-ansible-examples (the ``uri`` module posting hand-written XML): ``getCCMVersion`` in the 1.0
  namespace without SOAPAction and the version regex the playbooks apply to its answer, ``executeSQLQuery`` with
  the playbooks' two-space SOAPAction, ``addPhone`` with a ``routePartition`` element the XSD does not have and
  ``index`` after ``dirn``, and ``addUser`` without ``presenceGroupName``.

The samples' code is not copied: each test sends what the sample sends (same operations, same values, same
omissions) through the same client library, and checks the result in the simulator's database.  These
clients send what Cisco's XSD refuses (the samples rely on CUCM not enforcing it), so this simulator's request
log is not validated against the XSD; strict mode (``--validate-with``) would refuse them, as it is meant to.
Where a sample and the XSD disagree, docs/simulator.md ("Clients that no one here wrote") says what the
simulator does and why.
"""

import re

import pytest
import requests

from conftest import SOAP_ENV, body_of, needs_schema, zeep_service


@pytest.fixture
def foreign(sim_factory):
    s = sim_factory("foreign", "--seed-users", "3", "--ldap-users", "1", validate_log=False)
    s.reset()
    return s


# ------------------------------------------------------------------------------ DevNet zeep samples
def test_devnet_add_update_user(foreign):
    """axl_add_update_User.py: addPhone of a CSF device with only the elements the sample gives (no phone button
    template), addUser with presenceGroupName 'Standard Presence Group' (the cluster's is 'Standard Presence
    group'), updateUser associating the phone with homeCluster and IM and Presence, then removeUser, removePhone."""
    needs_schema()
    axl = zeep_service(foreign)
    axl.addPhone({
        "name": "CSFTESTPHONE", "product": "Cisco Unified Client Services Framework",
        "model": "Cisco Unified Client Services Framework", "class": "Phone", "protocol": "SIP", "protocolSide": "User",
        "devicePoolName": "Default", "commonPhoneConfigName": "Standard Common Phone Profile", "locationName": "Hub_None",
        "useTrustedRelayPoint": "Default", "builtInBridgeStatus": "Default", "packetCaptureMode": "None",
        "certificateOperation": "No Pending Operation", "deviceMobilityMode": "Default"})
    assert foreign.sql("SELECT t.name FROM device d JOIN phonetemplate t ON t.pkid = d.fkphonetemplate "
                       "WHERE d.name = 'CSFTESTPHONE'") == [("Standard Client Services Framework",)]
    axl.addUser({"userid": "testEndUser", "lastName": "testEndUser", "password": "Cisco1234!",
                 "presenceGroupName": "Standard Presence Group"})
    assert foreign.sql("SELECT m.name FROM enduser e JOIN matrix m ON m.pkid = e.fkmatrix_presence "
                       "WHERE e.userid = 'testEndUser'") == [("Standard Presence group",)]
    axl.updateUser(userid="testEndUser", associatedDevices={"device": ["CSFTESTPHONE"]}, homeCluster=True,
                   imAndPresenceEnable=True)
    assert foreign.sql("SELECT e.enablecups, e.islocaluser, d.name FROM enduser e JOIN enduserdevicemap m "
                       "ON m.fkenduser = e.pkid JOIN device d ON d.pkid = m.fkdevice WHERE e.userid = 'testEndUser'") == [
        ("t", "t", "CSFTESTPHONE")]
    axl.removeUser(userid="testEndUser")
    axl.removePhone(name="CSFTESTPHONE")
    assert foreign.sql("SELECT count(*) FROM enduser WHERE userid = 'testEndUser'") == [(0,)]
    assert foreign.sql("SELECT count(*) FROM device WHERE name = 'CSFTESTPHONE'") == [(0,)]


def test_devnet_add_role_by_sql(foreign):
    """axl_add_Role.py: INSERT INTO functionrole with newid() and double-quoted literals, SELECT its pkid
    (read as resp['return'].row[0][0].text), INSERT the AXL Database API resource (96, permission 1), SELECT
    that mapping, DELETE both."""
    needs_schema()
    axl = zeep_service(foreign)
    axl.executeSQLUpdate('INSERT INTO functionrole (pkid,description,name)\n            VALUES ( newid(),'
                         '"testRole description","testRole")')
    role = axl.executeSQLQuery('SELECT pkid FROM functionrole WHERE name = "testRole"')["return"].row[0][0].text
    axl.executeSQLUpdate(f'INSERT INTO functionroleresourcemap (pkid,fkfunctionrole,tkresource,permission)\n'
                         f'            VALUES (newid(),"{role}",96,1)')
    mapping = axl.executeSQLQuery(f'SELECT pkid FROM functionroleresourcemap WHERE \n            fkfunctionrole = '
                                  f'"{role}" AND\n            tkresource = 96 AND\n            permission = 1'
                                  )["return"].row[0][0].text
    assert foreign.sql("SELECT r.name, m.tkresource, m.permission FROM functionroleresourcemap m JOIN functionrole r "
                       "ON r.pkid = m.fkfunctionrole WHERE m.pkid = ?", (mapping,)) == [("testRole", 96, 1)]
    axl.executeSQLUpdate(f'DELETE FROM functionroleresourcemap WHERE pkid = "{mapping}"')
    axl.executeSQLUpdate(f'DELETE FROM functionrole WHERE pkid = "{role}"')
    assert foreign.sql("SELECT count(*) FROM functionrole WHERE name = 'testRole'") == [(0,)]


def test_devnet_add_jabber_bulk(foreign):
    """axl_add_Jabber_Bulk.py: for every SEP phone with an owner, read its first line and the owner, add a
    Jabber device of each product (BOT, TCT, CSF + the line's pattern) with the XSD-mandatory elements the sample
    skips (xsd.SkipValue), and associate it with the owner."""
    needs_schema()
    from zeep import xsd
    axl = zeep_service(foreign)
    products = [("Cisco Dual Mode for Android", "BOT"), ("Cisco Dual Mode for iPhone", "TCT"),
                ("Cisco Unified Client Services Framework", "CSF")]
    phones = axl.listPhone(searchCriteria={"name": "SEP%"}, returnedTags={"name": "", "ownerUserName": ""})
    phones = phones["return"]["phone"]
    assert len(phones) == 3
    for listed in phones:
        phone = axl.getPhone(name=listed["name"])["return"]["phone"]
        owner = phone["ownerUserName"]["_value_1"]
        assert owner is not None
        line = phone["lines"]["line"][0]
        pattern, partition = line["dirn"]["pattern"], line["dirn"]["routePartitionName"]["_value_1"]
        devices = axl.getUser(userid=owner)["return"]["user"]["associatedDevices"]
        for product, prefix in products:
            axl.addPhone({
                "name": prefix + pattern, "product": product, "model": product,
                "description": f"{owner} {prefix} {pattern} AUTO JAB", "class": "Phone", "protocol": "SIP",
                "protocolSide": "User", "devicePoolName": "Default", "locationName": "Hub_None",
                "sipProfileName": "Standard SIP Profile", "commonPhoneConfigName": xsd.SkipValue,
                "phoneTemplateName": xsd.SkipValue, "primaryPhoneName": xsd.SkipValue,
                "useTrustedRelayPoint": xsd.SkipValue, "builtInBridgeStatus": xsd.SkipValue,
                "packetCaptureMode": xsd.SkipValue, "certificateOperation": xsd.SkipValue,
                "deviceMobilityMode": xsd.SkipValue, "ownerUserName": owner,
                "lines": {"line": [{"index": 1, "display": line["display"],
                                    "dirn": {"pattern": pattern, "routePartitionName": partition,
                                             "busyTrigger": line["busyTrigger"]},
                                    "associatedEndusers": {"enduser": [{"userId": owner}]}}]}})
            devices["device"].append(prefix + pattern)
            axl.updateUser(userid=owner, associatedDevices=devices)
    rows = foreign.sql("SELECT e.userid, d.name, t.name FROM enduserdevicemap m JOIN enduser e ON e.pkid = m.fkenduser "
                       "JOIN device d ON d.pkid = m.fkdevice JOIN phonetemplate t ON t.pkid = d.fkphonetemplate "
                       "WHERE m.tkuserassociation = 1 AND d.name NOT LIKE 'SEP%' ORDER BY d.name")
    assert len(rows) == 9
    assert ("user00001", "BOT100001", "Standard Dual Mode for Android") in rows
    assert ("user00002", "TCT100002", "Standard Dual Mode for iPhone") in rows
    assert ("user00003", "CSF100003", "Standard Client Services Framework") in rows
    assert foreign.sql("SELECT count(*) FROM devicenumplanmap m JOIN numplan n ON n.pkid = m.fknumplan "
                       "WHERE n.dnorpattern = '100001'") == [(5,)]      # the desk phone, its profile, three clients


# ------------------------------------------------------------------------------ DevNet Ansible examples
def _uri(sim, body, action=None):
    """What the examples' ``uri`` tasks send: text/xml, Basic authentication, the SOAPAction they set (or none)."""
    headers = {"Content-Type": "text/xml"}
    if action is not None:
        headers["SOAPAction"] = action
    return sim.session().post(sim.url, data=body.encode(), headers=headers, auth=("administrator", "ciscopsdt"))


def _envelope(version, inner):
    return (f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:ns="http://www.cisco.com/AXL/API/{version}">\n'
            f"  <soapenv:Body>\n    {inner}\n  </soapenv:Body>\n</soapenv:Envelope>\n")


def test_ansible_examples(foreign):
    """axl/getCCMVersion.yml, axl/executeSQLQuery.yml, axl/addPhone.yml and axl/addUser.yml, as sent."""
    answer = _uri(foreign, _envelope("1.0", "<ns:getCCMVersion>\n      <processNodeName/>\n    </ns:getCCMVersion>"))
    assert answer.status_code == 200
    version = body_of(answer).findtext("return/componentVersion/version")
    assert re.match(r"^\d+\.\d+\.\d+\.\d+\(\d+\)$", version)              # 14.0.1.11900(132)
    axl_version = re.search(r"(^\d+\.\d+)\.", version).group(1)             # the playbooks' regex_search
    assert axl_version == "14.0"

    query = _uri(foreign, _envelope(axl_version, '<ns:executeSQLQuery sequence="1">\n  <sql>select name from device '
                                                 "where name like 'SEP%' order by name</sql>\n</ns:executeSQLQuery>"),
                 f'"CUCM:DB ver={axl_version}  executeSQLQuery"')
    assert query.status_code == 200
    assert [r.findtext("name") for r in body_of(query).iterfind("return/row")] == [
        "SEP0A0000000001", "SEP0A0000000002", "SEP0A0000000003"]

    phone = _uri(foreign, _envelope(axl_version, (
        '<ns:addPhone sequence="1"><phone><name>SEP00AA00BB00DD</name><product>Cisco 8865</product><model>Cisco 8865'
        "</model><class>Phone</class><protocol>SIP</protocol><protocolSide>User</protocolSide><callingSearchSpaceName/>"
        "<devicePoolName>Default</devicePoolName><lines><line><dirn><pattern>5551234</pattern><routePartition>"
        "Internal_PT</routePartition></dirn><index>1</index></line></lines></phone></ns:addPhone>")),
        f'"CUCM:DB ver={axl_version} addPhone"')
    assert phone.status_code == 200, phone.text
    user = _uri(foreign, _envelope(axl_version, (
        '<ns:addUser sequence="1"><user><lastName>Example</lastName><userid>ansible.example</userid><password>'
        "Example-pw1</password><pin>13579</pin><associatedDevices><device>SEP00AA00BB00DD</device></associatedDevices>"
        "</user></ns:addUser>")), f'"CUCM:DB ver={axl_version} addUser"')
    assert user.status_code == 200, user.text
    assert foreign.sql("SELECT m.name, d.name, n.dnorpattern, n.fkroutepartition FROM enduser e "
                       "JOIN matrix m ON m.pkid = e.fkmatrix_presence JOIN enduserdevicemap x ON x.fkenduser = e.pkid "
                       "JOIN device d ON d.pkid = x.fkdevice JOIN devicenumplanmap l ON l.fkdevice = d.pkid "
                       "JOIN numplan n ON n.pkid = l.fknumplan WHERE e.userid = 'ansible.example'") == [
        ("Standard Presence group", "SEP00AA00BB00DD", "5551234", None)]
    # the examples treat a -239 answer to a second run as "already there"
    again = _uri(foreign, _envelope(axl_version, (
        '<ns:addUser sequence="1"><user><lastName>Example</lastName><userid>ansible.example</userid></user>'
        "</ns:addUser>")), f'"CUCM:DB ver={axl_version} addUser"')
    assert again.status_code == 500 and "<axlcode>-239" in again.text


def test_add_user_without_presence_group_gets_the_column_default(foreign):
    """What the Ansible example relies on: DD12.5's enduser.fkmatrix_presence default (ad243d17-...) is the
    Standard Presence group."""
    assert foreign.post("addUser", "<user><lastName>Np</lastName><userid>no.presence</userid></user>").status_code == 200
    assert foreign.sql("SELECT e.fkmatrix_presence, m.name FROM enduser e JOIN matrix m ON m.pkid = e.fkmatrix_presence "
                       "WHERE e.userid = 'no.presence'") == [
        ("ad243d17-98b4-4118-8feb-5ff2e1b781ac", "Standard Presence group")]


def test_strict_mode_still_refuses_what_the_samples_omit(sim_factory):
    """The leniency is CUCM's unmarshaller's, not the schema's: --validate-with refuses addUser without
    presenceGroupName as Cisco's XSD does."""
    needs_schema()
    from conftest import SCHEMA_DIR
    strict = sim_factory("foreign-strict", "--validate-with", str(SCHEMA_DIR / "14.0"), validate_log=False)
    strict.reset()
    resp = strict.post("addUser", "<user><lastName>X</lastName><userid>x</userid></user>")
    assert resp.status_code == 500 and "Unmarshalling Error" in resp.text
    assert isinstance(resp, requests.Response)
