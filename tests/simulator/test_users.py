"""End-user operations of the simulator (addUser, getUser, updateUser, removeUser, listUser).

Behaviour is checked through raw SOAP and through zeep with Cisco's full WSDL; writes are
verified by reading the store directly (``sim.sql``), not only through getUser.  Seed: user00001..
user00020 (user00001-2 LDAP-synchronised), each with phone SEP0A00000000NN (NN in hex), profile UDP_userNNNNN
and DN 1000NN in Internal_PT, member of "Standard CCM End Users".
"""

import pytest
import zeep.exceptions

from conftest import axl_error, body_of, zeep_service
from cucm_axl_sim import seed
from cucm_axl_sim.ops import users

PHONE = {i: seed.seed_user(i)["phone"] for i in range(1, 21)}   # hex: user 13 has SEP0A000000000D
UPDATE_ORDER = users.R_ORDER[:users.R_ORDER.index("userid")] + ["newUserid"] + users.R_ORDER[users.R_ORDER.index("userid") + 1:]


# ------------------------------------------------------------------ helpers
def ordered(order, fields):
    return "".join(f"<{k}>{fields[k]}</{k}>" if fields[k] is not None else f"<{k}/>"
                   for k in sorted(fields, key=order.index))


def add(sim, userid, version=None, **fields):
    # mailid makes each test user distinct: CUCM wants first name + last name + mail unique (MFI-784)
    fields = {"userid": userid, "lastName": "Tester", "mailid": f"{userid}@test.example.com",
              "presenceGroupName": "Standard Presence group", **fields}
    return sim.post("addUser", f"<user>{ordered(users.R_ORDER, fields)}</user>", version)


def update(sim, userid, version=None, **fields):
    return sim.post("updateUser", f"<userid>{userid}</userid>{ordered(UPDATE_ORDER, fields)}", version)


def get(sim, userid, tags=None, version=None):
    resp = sim.post("getUser", f"<userid>{userid}</userid>" + (f"<returnedTags>{tags}</returnedTags>" if tags else ""),
                    version)
    assert resp.status_code == 200, resp.text
    return body_of(resp).find("return/user")


def ok(resp):
    assert resp.status_code == 200, resp.text
    return body_of(resp).findtext("return")


def fault(resp, axlcode=None):
    assert resp.status_code == 500, resp.text
    err = axl_error(resp)
    if axlcode is not None:
        assert err["axlcode"] == axlcode, err
    return err


def pk(sim, userid):
    rows = sim.sql("SELECT pkid FROM enduser WHERE userid = ?", (userid,))
    return rows[0][0] if rows else None


def col(sim, userid, column):
    return sim.sql(f"SELECT {column} FROM enduser WHERE userid = ?", (userid,))[0][0]


def devices(sim, userid, tk):
    return sorted(r[0] for r in sim.sql(
        "SELECT d.name FROM enduserdevicemap m JOIN device d ON d.pkid = m.fkdevice JOIN enduser e ON e.pkid = m.fkenduser "
        "WHERE e.userid = ? AND m.tkuserassociation = ?", (userid, tk)))


def groups(sim, userid):
    return sorted(r[0] for r in sim.sql(
        "SELECT g.name FROM enduserdirgroupmap m JOIN dirgroup g ON g.pkid = m.fkdirgroup JOIN enduser e ON e.pkid = m.fkenduser "
        "WHERE e.userid = ?", (userid,)))


def primary(sim, userid):
    return sim.sql("SELECT n.dnorpattern, p.name FROM endusernumplanmap m JOIN numplan n ON n.pkid = m.fknumplan "
                   "LEFT JOIN routepartition p ON p.pkid = n.fkroutepartition JOIN enduser e ON e.pkid = m.fkenduser "
                   "WHERE e.userid = ? AND m.tkdnusage = 1", (userid,))


def credential(sim, userid, tk):
    return sim.sql("SELECT c.credentials FROM credential c JOIN enduser e ON e.pkid = c.fkenduser "
                   "WHERE e.userid = ? AND c.tkcredential = ?", (userid, tk))


def snapshot(sim, userid):
    """Everything stored about a user, to prove a refused request wrote nothing."""
    p = pk(sim, userid)
    return [sim.sql(f"SELECT * FROM {t} WHERE {c} = ? ORDER BY pkid", (p,)) for t, c in (
        ("enduser", "pkid"), ("credential", "fkenduser"), ("enduserdevicemap", "fkenduser"),
        ("enduserdirgroupmap", "fkenduser"), ("endusernumplanmap", "fkenduser"))]


def texts(user, path):
    return [e.text for e in user.findall(path)]


# ------------------------------------------------------------------ getUser
def test_get_user_maps_the_database(sim):
    user = get(sim, "user00003")
    assert user.get("uuid") == "{" + pk(sim, "user00003").upper() + "}"
    assert user.findtext("userid") == "user00003"
    assert user.findtext("firstName") == col(sim, "user00003", "firstname")
    assert user.findtext("lastName") == col(sim, "user00003", "lastname")
    assert user.findtext("mailid") == "user00003@example.com"
    assert texts(user, "associatedDevices/device") == ["SEP0A0000000003"]
    assert texts(user, "phoneProfiles/profileName") == ["UDP_user00003"]
    assert user.findtext("primaryExtension/pattern") == "100003"
    assert user.findtext("primaryExtension/routePartitionName") == "Internal_PT"
    assert texts(user, "associatedGroups/userGroup/name") == ["Standard CCM End Users"]
    assert texts(user, "associatedGroups/userGroup/userRoles/userRole") == [
        "Standard CCM End Users", "Standard CCMUSER Administration"]
    assert user.findtext("presenceGroupName") == "Standard Presence group"
    assert user.findtext("status") == "1"
    assert user.findtext("enableCti") == "true"
    # a local user's directory reads "Local" with a uuid (a real 12.5 capture; was empty, the other capture's form)
    assert user.findtext("ldapDirectoryName") == "Local" and user.find("ldapDirectoryName").get("uuid")
    assert user.find("accountType") is None          # removed in 12.5; the default sim serves 14.0
    assert get(sim, "user00001").findtext("ldapDirectoryName") == "corp-ldap"


def test_get_user_by_uuid(sim):
    uuid = "{" + pk(sim, "user00004").upper() + "}"
    resp = sim.post("getUser", f"<uuid>{uuid}</uuid><returnedTags><userid/></returnedTags>")
    user = body_of(resp).find("return/user")
    assert user.findtext("userid") == "user00004" and user.get("uuid") == uuid


def test_get_missing_user_is_5007(sim):
    err = fault(sim.post("getUser", "<userid>nobody</userid>"), 5007)
    assert err["faultstring"] == "Item not valid: The specified User was not found"
    assert err["faultcode"] == "soapenv:Server" and err["request"] == "getUser"
    fault(sim.post("getUser", "<uuid>{00000000-0000-4000-8000-000000000000}</uuid>"), 5007)


def test_get_user_honours_returned_tags_including_nested(sim):
    user = get(sim, "user00003", "<userid/><associatedGroups><userGroup><name/></userGroup></associatedGroups>")
    assert [c.tag for c in user] == ["userid", "associatedGroups"]
    assert texts(user, "associatedGroups/userGroup/name") == ["Standard CCM End Users"]
    assert user.find("associatedGroups/userGroup/userRoles") is None


def test_get_user_never_returns_secrets(sim):
    """Secrets come back as empty elements, as a real 12.5 getUser shows (was: left out altogether)."""
    ok(update(sim, "user00005", password="S3cret-pass", pin="97531", digestCredentials="digest-secret"))
    user = get(sim, "user00005", "<userid/><password/><pin/><digestCredentials/><mlppPassword/>")
    assert [(c.tag, c.text) for c in user] == [
        ("userid", "user00005"), ("password", None), ("pin", None), ("digestCredentials", None), ("mlppPassword", None)]
    full = get(sim, "user00005")
    assert all(full.find(tag) is not None and not full.findtext(tag)
               for tag in ("password", "pin", "digestCredentials", "mlppPassword"))
    # sent back as read (an empty element), they change nothing
    before = sim.sql("SELECT credentials FROM credential c JOIN enduser e ON e.pkid = c.fkenduser "
                     "WHERE e.userid = 'user00005' ORDER BY c.tkcredential")
    ok(update(sim, "user00005", password="", pin="", digestCredentials=""))
    assert sim.sql("SELECT credentials FROM credential c JOIN enduser e ON e.pkid = c.fkenduser "
                   "WHERE e.userid = 'user00005' ORDER BY c.tkcredential") == before


# ------------------------------------------------------------------ addUser
def test_add_user_minimal_stores_row_default_group_and_credentials(sim):
    uuid = ok(add(sim, "new.user", firstName="New"))
    pkid = pk(sim, "new.user")
    assert uuid == "{" + pkid.upper() + "}"
    assert sim.sql("SELECT firstname, lastname, allowcticontrolflag, maxdeskpickupwaittime FROM enduser WHERE pkid = ?",
                   (pkid,)) == [("New", "Tester", "t", 10000)]
    assert sim.sql("SELECT m.name FROM enduser e JOIN matrix m ON m.pkid = e.fkmatrix_presence WHERE e.pkid = ?",
                   (pkid,)) == [("Standard Presence group",)]
    # DD12.5 RI-58: a new end user goes into "Standard CCM End Users" when no groups are given
    assert groups(sim, "new.user") == ["Standard CCM End Users"]
    # DD12.5 RI-397: password and PIN credential rows exist from the start
    assert sorted(r[0] for r in sim.sql("SELECT tkcredential FROM credential WHERE fkenduser = ?", (pkid,))) == [3, 4]


def test_add_user_with_groups_gets_exactly_those(sim):
    ok(add(sim, "cti.user", associatedGroups="<userGroup><name>Standard CTI Enabled</name></userGroup>"))
    assert groups(sim, "cti.user") == ["Standard CTI Enabled"]
    ok(add(sim, "no.groups", associatedGroups=None))
    assert groups(sim, "no.groups") == []


def test_add_user_with_lists_and_primary_extension(sim):
    ok(add(sim, "full.user", associatedDevices="<device>SEP0A0000000007</device>",
           primaryExtension="<pattern>100007</pattern><routePartitionName>Internal_PT</routePartitionName>",
           phoneProfiles="<profileName>UDP_user00007</profileName>", defaultProfile="UDP_user00007",
           subscribeCallingSearchSpaceName="Internal_CSS", enableMobility="true", directoryUri="full@example.com"))
    assert devices(sim, "full.user", 1) == ["SEP0A0000000007"]
    assert devices(sim, "full.user", 4) == ["UDP_user00007"]
    assert primary(sim, "full.user") == [("100007", "Internal_PT")]
    assert sim.sql("SELECT defaultprofile FROM enduserdevicemap m JOIN enduser e ON e.pkid = m.fkenduser "
                   "WHERE e.userid = 'full.user' AND m.tkuserassociation = 4") == [("t",)]
    assert col(sim, "full.user", "enablemobility") == "t"
    assert col(sim, "full.user", "directoryuri") == "full@example.com"
    assert sim.sql("SELECT c.name FROM enduser e JOIN callingsearchspace c ON c.pkid = e.fkcallingsearchspace_restrict "
                   "WHERE e.userid = 'full.user'") == [("Internal_CSS",)]


def test_add_user_password_and_pin_are_stored_as_digests_only(sim):
    ok(add(sim, "secret.user", password="Pa55-word!", pin="8642"))
    pkid = pk(sim, "secret.user")
    assert credential(sim, "secret.user", 3) == [(seed.credential_digest(pkid, "Pa55-word!"),)]
    assert credential(sim, "secret.user", 4) == [(seed.credential_digest(pkid, "8642"),)]
    dump = repr(sim.sql("SELECT * FROM credential")) + repr(sim.sql("SELECT * FROM enduser"))
    assert "Pa55-word!" not in dump and "'8642'" not in dump


@pytest.mark.parametrize("missing", ["userid", "lastName"])
def test_add_user_without_required_element_is_a_client_fault(sim, missing):
    fields = {"userid": "req.user", "lastName": "Req", "presenceGroupName": "Standard Presence group"}
    del fields[missing]
    resp = sim.post("addUser", f"<user>{ordered(users.R_ORDER, fields)}</user>")
    err = fault(resp)
    assert err["faultcode"] == "soapenv:Client" and err["axlcode"] is None
    assert err["faultstring"].startswith("Unmarshalling Error") and missing in err["faultstring"]
    assert pk(sim, "req.user") is None


def test_add_duplicate_user_is_239(sim):
    err = fault(add(sim, "user00003"), -239)
    assert "duplicate value in a UNIQUE INDEX column" in err["faultstring"]
    err = fault(add(sim, "administrator"), -746)          # RI-58: the AXL application user's name
    assert "AppUser" in err["faultstring"] and pk(sim, "administrator") is None


@pytest.mark.parametrize("field, value, message", [
    ("presenceGroupName", "No Such Group", "Item not valid: The specified Presence Group No Such Group was not found"),
    ("subscribeCallingSearchSpaceName", "No_CSS", "Item not valid: The specified Calling Search Space No_CSS was not found"),
    ("associatedDevices", "<device>SEPFFFFFFFFFFFF</device>", "Item not valid: The specified Device SEPFFFFFFFFFFFF was not found"),
    ("phoneProfiles", "<profileName>UDP_nobody</profileName>", "Item not valid: The specified Device Profile UDP_nobody was not found"),
    ("associatedGroups", "<userGroup><name>No Group</name></userGroup>", "Item not valid: The specified User Group No Group was not found"),
    ("primaryExtension", "<pattern>999999</pattern><routePartitionName>Internal_PT</routePartitionName>",
     "Item not valid: The specified Directory Number 999999 in partition Internal_PT was not found"),
    ("primaryExtension", "<pattern>100003</pattern><routePartitionName>No_PT</routePartitionName>",
     "Item not valid: The specified Route Partition No_PT was not found"),
    ("serviceProfile", "No Profile", "Item not valid: The specified Service Profile No Profile was not found"),
])
def test_add_user_with_unknown_reference_is_5007_and_writes_nothing(sim, field, value, message):
    err = fault(add(sim, "ref.user", **{field: value}), 5007)
    assert err["faultstring"] == message
    assert pk(sim, "ref.user") is None


def test_add_user_cannot_create_an_ldap_user(sim):
    fault(add(sim, "ldap.new", ldapDirectoryName="corp-ldap"), users.INVALID)
    assert pk(sim, "ldap.new") is None


def test_add_user_device_profile_is_not_a_controlled_device(sim):
    fault(add(sim, "mix.user", associatedDevices="<device>UDP_user00003</device>"), 5007)
    fault(add(sim, "mix.user", phoneProfiles="<profileName>SEP0A0000000003</profileName>"), 5007)


# ------------------------------------------------------------------ updateUser: scalars
def test_update_changes_only_what_is_sent(sim):
    ok(update(sim, "user00006", enableCti="false"))
    before = sim.sql("SELECT * FROM enduser WHERE userid = 'user00006'")[0]
    ok(update(sim, "user00006", title="Manager"))   # enableCti omitted: its XSD default (true) is not applied
    after = sim.sql("SELECT * FROM enduser WHERE userid = 'user00006'")[0]
    changed = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
    assert len(changed) == 1 and "Manager" in after
    assert col(sim, "user00006", "allowcticontrolflag") == "f"


def test_update_empty_element_resets_the_field(sim):
    ok(update(sim, "user00006", department=None, maxDeskPickupWaitTime="2000", directoryUri="u6@example.com"))
    assert col(sim, "user00006", "department") == ""
    ok(update(sim, "user00006", maxDeskPickupWaitTime=None))
    assert col(sim, "user00006", "maxdeskpickupwaittime") == 10000


def test_update_by_uuid_and_rename(sim):
    uuid = "{" + pk(sim, "user00007").upper() + "}"
    assert ok(sim.post("updateUser", f"<uuid>{uuid}</uuid><newUserid>renamed.user</newUserid>")) == uuid
    assert pk(sim, "user00007") is None and pk(sim, "renamed.user") is not None
    fault(update(sim, "renamed.user", newUserid="user00008"), -239)


def test_update_missing_user_is_5007(sim):
    err = fault(update(sim, "nobody", title="x"), 5007)
    assert err["faultstring"] == "Item not valid: The specified User was not found"
    for operation in ("getUser", "updateUser", "removeUser"):   # neither userid nor uuid
        err = fault(sim.post(operation, "<title>x</title>" if operation == "updateUser" else ""))
        assert err["faultcode"] == "soapenv:Client" and "userid" in err["faultstring"]


def test_update_duplicate_mail_is_refused_by_rule(sim):
    err = fault(update(sim, "user00006", mailid="USER00007@example.com"), -746)
    assert "Check for duplicate IDs in Enduser fields (RI-2159): MailID" in err["faultstring"]


@pytest.mark.parametrize("field, value", [("directoryUri", "USER00007@example.com"),
                                          ("userIdentity", "User00007@Example.com"), ("selfService", "4711")])
def test_ri_2159_other_fields(sim, field, value):
    """RI-2159 covers MailID, DiscoveryUserIdentity, DirectoryURI and KeyPadEnteredAlternateIdentifier (was: mail only)."""
    column = {"directoryUri": "directoryuri", "userIdentity": "discoveryuseridentity",
              "selfService": "keypadenteredalternateidentifier"}[field]
    sim_value = value.lower() if field == "directoryUri" else value
    ok(update(sim, "user00007", **{field: sim_value}))
    err = fault(update(sim, "user00006", **{field: value}), -746)
    assert err["faultstring"].startswith("Check for duplicate IDs in Enduser fields (RI-2159)")
    assert sim.sql(f"SELECT count(*) FROM enduser WHERE lower({column}) = lower(?)", (value,)) == [(1,)]
    err = fault(add(sim, "dup.user", **{field: value}), -746)
    assert "RI-2159" in err["faultstring"] and pk(sim, "dup.user") is None


def test_mfi_784_first_last_mail_unique(sim):
    ok(add(sim, "first.one", firstName="Ann", lastName="Lee", mailid=""))
    err = fault(add(sim, "second.one", firstName="Ann", lastName="Lee", mailid=""), -239)
    assert "duplicate value in a UNIQUE INDEX" in err["faultstring"] and err["faultcode"] == "soapenv:Client"
    ok(add(sim, "third.one", firstName="Ann", lastName="Lee", mailid="ann.lee@example.com"))
    fault(update(sim, "third.one", mailid=""), -239)


def test_im_and_presence_needs_the_home_cluster(sim):
    err = fault(update(sim, "user00008", homeCluster="false", imAndPresenceEnable="true"), -746)
    assert err["faultstring"] == ("You can only enable IM and Presence feature for users that have this Unified CM "
                                  "cluster marked as their home cluster.")
    ok(update(sim, "user00008", homeCluster="true", imAndPresenceEnable="true"))
    fault(update(sim, "user00008", homeCluster="false"), -746)
    fault(add(sim, "imp.user", homeCluster="false", imAndPresenceEnable="true"), -746)
    assert pk(sim, "imp.user") is None


def test_update_bad_values(sim):
    err = fault(update(sim, "user00006", enableCti="yes"))
    assert err["faultcode"] == "soapenv:Client" and "enableCti" in err["faultstring"]
    fault(update(sim, "user00006", remoteDestinationLimit="11"), -530)
    err = fault(sim.post("updateUser", "<userid>user00006</userid><status>2</status>"))
    assert err["faultcode"] == "soapenv:Client" and "status" in err["faultstring"]


def test_update_presence_group_css_and_profiles(sim):
    ok(update(sim, "user00006", subscribeCallingSearchSpaceName="Internal_CSS",
              serviceProfile="Default UC Service Profile", userProfile="Standard (Factory Default) User Profile"))
    assert sim.sql("SELECT c.name, s.name, p.name FROM enduser e JOIN callingsearchspace c "
                   "ON c.pkid = e.fkcallingsearchspace_restrict JOIN ucserviceprofile s ON s.pkid = e.fkucserviceprofile "
                   "JOIN ucuserprofile p ON p.pkid = e.fkucuserprofile WHERE e.userid = 'user00006'") == [
        ("Internal_CSS", "Default UC Service Profile", "Standard (Factory Default) User Profile")]
    ok(update(sim, "user00006", subscribeCallingSearchSpaceName=None))
    assert col(sim, "user00006", "fkcallingsearchspace_restrict") is None
    fault(update(sim, "user00006", presenceGroupName="Nope"), 5007)
    fault(update(sim, "user00006", presenceGroupName=None), -391)   # NOT NULL in the data dictionary


# ------------------------------------------------------------------ updateUser: lists
def test_associated_devices_replace_clear_and_absent(sim):
    ok(update(sim, "user00008", associatedDevices=f"<device>{PHONE[9]}</device><device>{PHONE[10]}</device>"))
    assert devices(sim, "user00008", 1) == [PHONE[9], PHONE[10]]
    ok(update(sim, "user00008", title="absent list"))
    assert devices(sim, "user00008", 1) == [PHONE[9], PHONE[10]]
    ok(update(sim, "user00008", associatedDevices=f"<device>{PHONE[10]}</device>"))
    assert devices(sim, "user00008", 1) == [PHONE[10]]
    ok(update(sim, "user00008", associatedDevices=None))
    assert devices(sim, "user00008", 1) == []
    assert devices(sim, "user00008", 4) == ["UDP_user00008"]   # other association kinds untouched


def test_associated_groups_replace_clear_and_absent(sim):
    ok(update(sim, "user00008", associatedGroups="<userGroup><name>Standard CTI Enabled</name></userGroup>"
                                                 "<userGroup><name>Standard CCM End Users</name></userGroup>"))
    assert groups(sim, "user00008") == ["Standard CCM End Users", "Standard CTI Enabled"]
    ok(update(sim, "user00008", title="x"))
    assert groups(sim, "user00008") == ["Standard CCM End Users", "Standard CTI Enabled"]
    # userRoles inside associatedGroups are READ ONLY: ignored on input
    ok(update(sim, "user00008", associatedGroups="<userGroup><name>Standard CTI Enabled</name>"
                                                 "<userRoles><userRole>Standard AXL API Access</userRole></userRoles></userGroup>"))
    assert groups(sim, "user00008") == ["Standard CTI Enabled"]
    assert texts(get(sim, "user00008"), "associatedGroups/userGroup/userRoles/userRole") == ["Standard CTI Enabled"]
    ok(update(sim, "user00008", associatedGroups=None))
    assert groups(sim, "user00008") == []


def test_phone_profiles_default_profile_and_cti_profiles(sim):
    ok(update(sim, "user00009", phoneProfiles="<profileName>UDP_user00009</profileName><profileName>UDP_user00010</profileName>",
              defaultProfile="UDP_user00010", ctiControlledDeviceProfiles="<profileName>UDP_user00011</profileName>"))
    assert devices(sim, "user00009", 4) == ["UDP_user00009", "UDP_user00010"]
    assert devices(sim, "user00009", 2) == ["UDP_user00011"]
    default = "SELECT d.name FROM enduserdevicemap m JOIN device d ON d.pkid = m.fkdevice JOIN enduser e ON " \
              "e.pkid = m.fkenduser WHERE e.userid = 'user00009' AND m.defaultprofile = 't'"
    assert sim.sql(default) == [("UDP_user00010",)]
    user = get(sim, "user00009", "<phoneProfiles/><defaultProfile/><ctiControlledDeviceProfiles/>")
    assert user.findtext("defaultProfile") == "UDP_user00010"
    assert texts(user, "ctiControlledDeviceProfiles/profileName") == ["UDP_user00011"]
    # replacing the list keeps the default flag of a profile that stays
    ok(update(sim, "user00009", phoneProfiles="<profileName>UDP_user00010</profileName>"))
    assert sim.sql(default) == [("UDP_user00010",)]
    err = fault(update(sim, "user00009", defaultProfile="UDP_user00011"), users.INVALID)
    assert "phoneProfiles" in err["faultstring"]
    ok(update(sim, "user00009", defaultProfile=None))
    assert sim.sql(default) == []


def test_primary_extension_must_be_on_an_associated_device(sim):
    dn6 = "<pattern>100006</pattern><routePartitionName>Internal_PT</routePartitionName>"
    err = fault(update(sim, "user00005", primaryExtension=dn6), users.INVALID)
    assert "Only DNs associated with the associatedDevices of the User can be used as primary extension" in err["faultstring"]
    assert primary(sim, "user00005") == [("100005", "Internal_PT")]
    # devices and primary extension in one request: the devices count as they are after the update
    ok(update(sim, "user00005", associatedDevices="<device>SEP0A0000000006</device>", primaryExtension=dn6))
    assert primary(sim, "user00005") == [("100006", "Internal_PT")]
    assert get(sim, "user00005", "<primaryExtension/>").findtext("primaryExtension/pattern") == "100006"
    ok(update(sim, "user00005", primaryExtension=None))
    assert primary(sim, "user00005") == []
    assert get(sim, "user00005", "<primaryExtension/>").findtext("primaryExtension/pattern") is None


def test_primary_extension_partition_is_part_of_the_dn(sim):
    # 100005 exists only in Internal_PT: without a partition it names the <None>-partition DN
    err = fault(update(sim, "user00005", primaryExtension="<pattern>100005</pattern>"), 5007)
    assert err["faultstring"] == "Item not valid: The specified Directory Number 100005 was not found"


# ------------------------------------------------------------------ credentials
def test_update_password_and_pin_store_digests(sim):
    ok(update(sim, "user00010", password="N3w-Passw0rd", pin="13579"))
    pkid = pk(sim, "user00010")
    assert credential(sim, "user00010", 3) == [(seed.credential_digest(pkid, "N3w-Passw0rd"),)]
    assert credential(sim, "user00010", 4) == [(seed.credential_digest(pkid, "13579"),)]


def test_pin_must_be_digits_and_empty_secrets_change_nothing(sim):
    """An empty password/PIN was refused; getUser now returns them empty (a real capture), so a client that
    sends back what it read sends them empty: that changes nothing."""
    before = credential(sim, "user00010", 4), credential(sim, "user00010", 3)
    fault(update(sim, "user00010", pin="12ab"), users.INVALID)
    ok(update(sim, "user00010", password=None, pin=None))
    assert (credential(sim, "user00010", 4), credential(sim, "user00010", 3)) == before


def test_credential_flags(sim):
    ok(update(sim, "user00010", passwordCredentials="<pwdCredUserMustChange>true</pwdCredUserMustChange>"
                                                    "<pwdCredDoesNotExpire>true</pwdCredDoesNotExpire>",
              pinCredentials="<pinCredLockedByAdministrator>true</pinCredLockedByAdministrator>"))
    assert sim.sql("SELECT c.credmustchange, c.doesntexpire FROM credential c JOIN enduser e ON e.pkid = c.fkenduser "
                   "WHERE e.userid = 'user00010' AND c.tkcredential = 3") == [("t", "t")]
    assert sim.sql("SELECT c.timeadminlockout IS NOT NULL FROM credential c JOIN enduser e ON e.pkid = c.fkenduser "
                   "WHERE e.userid = 'user00010' AND c.tkcredential = 4") == [(1,)]
    user = get(sim, "user00010", "<passwordCredentials/><pinCredentials/>")
    assert user.findtext("passwordCredentials/pwdCredUserMustChange") == "true"
    assert user.findtext("pinCredentials/pinCredLockedByAdministrator") == "true"


# ------------------------------------------------------------------ LDAP-synchronised users
def test_ldap_user_directory_fields_are_refused_and_nothing_is_written(sim):
    before = snapshot(sim, "user00001")
    err = fault(update(sim, "user00001", firstName="Changed", lastName="Other", pin="24680", title="Boss",
                       enableCti="false"), users.LDAP_FAULT)
    assert "firstName" in err["faultstring"] and "lastName" in err["faultstring"] and "title" in err["faultstring"]
    assert "pin" not in err["faultstring"] and "enableCti" not in err["faultstring"]
    assert snapshot(sim, "user00001") == before


@pytest.mark.parametrize("field, value", [
    ("newUserid", "renamed"), ("middleName", "M"), ("displayName", "D"), ("mailid", "x@example.com"),
    ("telephoneNumber", "+1"), ("mobileNumber", "+2"), ("homeNumber", "+3"), ("pagerNumber", "+4"),
    ("department", "X"), ("manager", "boss"), ("directoryUri", "x@example.com"),
])
def test_each_directory_owned_field_is_refused(sim, field, value):
    err = fault(update(sim, "user00002", **{field: value}), users.LDAP_FAULT)
    assert field in err["faultstring"] and "user00002" in err["faultstring"]


def test_ldap_user_same_values_and_other_fields_converge(sim):
    first, last = col(sim, "user00001", "firstname"), col(sim, "user00001", "lastname")
    ok(update(sim, "user00001", firstName=first, lastName=last, pin="24680", enableCti="false",
              associatedDevices="<device>SEP0A0000000001</device><device>SEP0A0000000003</device>",
              primaryExtension="<pattern>100003</pattern><routePartitionName>Internal_PT</routePartitionName>",
              associatedGroups="<userGroup><name>Standard CTI Enabled</name></userGroup>",
              subscribeCallingSearchSpaceName="Internal_CSS", enableMobility="true"))
    assert credential(sim, "user00001", 4) == [(seed.credential_digest(pk(sim, "user00001"), "24680"),)]
    assert col(sim, "user00001", "allowcticontrolflag") == "f" and col(sim, "user00001", "enablemobility") == "t"
    assert devices(sim, "user00001", 1) == ["SEP0A0000000001", "SEP0A0000000003"]
    assert primary(sim, "user00001") == [("100003", "Internal_PT")]
    assert groups(sim, "user00001") == ["Standard CTI Enabled"]


def test_ldap_user_password_is_refused(sim):
    before = credential(sim, "user00001", 3)
    err = fault(update(sim, "user00001", password="Another-1"), users.LDAP_FAULT)
    assert "password" in err["faultstring"]
    assert credential(sim, "user00001", 3) == before


def test_ldap_rules_follow_the_sync_switch(sim):
    ok(sim.post("executeSQLUpdate", "<sql>update ldapsystemconfig set syncenabled = 'f'</sql>"))
    ok(update(sim, "user00001", firstName="Edited"))
    assert col(sim, "user00001", "firstname") == "Edited"


def test_directory_markers_cannot_be_changed(sim):
    fault(update(sim, "user00003", ldapDirectoryName="corp-ldap"), users.INVALID)
    assert col(sim, "user00003", "fkdirectorypluginconfig") is None
    ok(update(sim, "user00001", ldapDirectoryName="corp-ldap"))   # its current value


def test_name_dialing_and_self_service_are_stored(sim):
    ok(update(sim, "user00011", selfService="4711", nameDialing="AdaAdams"))
    assert (col(sim, "user00011", "keypadenteredalternateidentifier"), col(sim, "user00011", "namedialing")) == ("4711", "AdaAdams")
    user = get(sim, "user00011", "<selfService/><nameDialing/>")
    assert (user.findtext("selfService"), user.findtext("nameDialing")) == ("4711", "AdaAdams")


# ------------------------------------------------------------------ unmodelled fields
def test_unmodelled_fields_accept_only_what_getuser_returns(sim):
    ok(update(sim, "user00011", patternPrecedence="Default", numericUserId=None))
    err = fault(update(sim, "user00011", patternPrecedence="Flash"), users.INVALID)
    assert "patternPrecedence" in err["faultstring"] and "cucm-axl-sim" in err["faultstring"]
    fault(update(sim, "user00011", customerName="ACME"), 5007)


# ------------------------------------------------------------------ removeUser
def test_remove_user_cascades(sim):
    pkid = pk(sim, "user00012")
    assert ok(sim.post("removeUser", "<userid>user00012</userid>")) == "{" + pkid.upper() + "}"
    assert pk(sim, "user00012") is None
    for table in ("credential", "enduserdevicemap", "enduserdirgroupmap", "endusernumplanmap"):
        assert sim.sql(f"SELECT count(*) FROM {table} WHERE fkenduser = ?", (pkid,)) == [(0,)]
    assert sim.sql("SELECT fkenduser FROM device WHERE name = ?", (PHONE[12],)) == [(None,)]   # device stays
    err = fault(sim.post("removeUser", "<userid>user00012</userid>"), 5007)
    assert err["faultstring"] == "Item not valid: The specified User was not found"


def test_remove_ldap_user_fails_with_ri300(sim):
    err = fault(sim.post("removeUser", "<userid>user00002</userid>"), -746)
    assert err["faultstring"] == "Cannot delete users added through Corporate Directory because data is sync is going on."
    assert pk(sim, "user00002") is not None


# ------------------------------------------------------------------ listUser
def list_users(sim, criteria, tags="<userid/>", extra="", version=None):
    return sim.post("listUser", f"<searchCriteria>{criteria}</searchCriteria><returnedTags>{tags}</returnedTags>{extra}",
                    version)


def test_list_user_wildcards_case_insensitive_ordered(sim):
    resp = list_users(sim, "<userid>USER0001%</userid>", "<firstName/><userid/>")
    found = body_of(resp).findall("return/user")
    assert [u.findtext("userid") for u in found] == [f"user000{i}" for i in range(10, 20)]
    assert [c.tag for c in found[0]] == ["firstName", "userid"]
    assert found[0].get("uuid") == "{" + pk(sim, "user00010").upper() + "}"
    dept = col(sim, "user00004", "department")
    resp = list_users(sim, f"<lastName>%</lastName><department>{dept.lower()}</department>")
    expected = sorted(r[0] for r in sim.sql("SELECT userid FROM enduser WHERE department = ?", (dept,)))
    assert [u.findtext("userid") for u in body_of(resp).findall("return/user")] == expected


def test_list_user_paging(sim):
    def page(extra):
        return [u.findtext("userid") for u in body_of(list_users(sim, "<userid>%</userid>", extra=extra)).findall("return/user")]

    assert page("<skip>3</skip><first>4</first>") == ["user00004", "user00005", "user00006", "user00007"]
    assert page("<first>2</first>") == ["user00001", "user00002"]
    assert len(page("<skip>5</skip>")) == 20          # skip is used only with first
    assert body_of(list_users(sim, "<userid>nobody%</userid>")).find("return/user") is None


def test_list_user_needs_a_criterion_and_returned_tags(sim):
    err = fault(list_users(sim, ""), users.INVALID)
    assert err["faultstring"] == "At least one element under searchCriteria has to be mentioned"
    err = fault(sim.post("listUser", "<searchCriteria><userid>%</userid></searchCriteria>"))
    assert err["faultcode"] == "soapenv:Client" and "returnedTags" in err["faultstring"]


def test_list_user_returns_only_luser_fields(sim):
    resp = list_users(sim, "<userid>user00001</userid>", "<lastName/><userid/><status/>")
    user = body_of(resp).find("return/user")
    assert [c.tag for c in user] == ["lastName", "userid", "status"]
    booleans = {f for f, (_col, kind) in users.SCALARS.items() if kind == "b"}   # an empty boolean is schema-invalid
    everything = "".join(f"<{f}>true</{f}>" if f in booleans else f"<{f}/>" for f in users.L_ORDER if f not in users.L_REMOVED)
    user = body_of(list_users(sim, "<userid>user00001</userid>", everything)).find("return/user")
    assert "presenceGroupName" not in [c.tag for c in user] and user.find("mlppPassword") is None
    assert user.findtext("customerName") == "" and user.findtext("emMaxLoginTime") == ""
    user = body_of(list_users(sim, "<userid>user00004</userid>", "<primaryExtension><pattern/></primaryExtension>")).find("return/user")
    assert [c.tag for c in user.find("primaryExtension")] == ["pattern"] and user.findtext("primaryExtension/pattern") == "100004"


def test_list_user_customer_name_criterion(sim):
    resp = list_users(sim, "<customerName>%</customerName>")
    assert len(body_of(resp).findall("return/user")) == 20
    resp = list_users(sim, "<customerName>ACME</customerName>")
    assert body_of(resp).find("return/user") is None


# ------------------------------------------------------------------ zeep with Cisco's WSDL, per version
def test_zeep_round_trip(versioned_sim):
    sim = versioned_sim
    axl = zeep_service(sim)
    uuid = axl.addUser(user={
        "firstName": "Zoe", "lastName": "Zeep", "emMaxLoginTime": "60", "userid": "zeep.user", "pin": "2468",
        "associatedDevices": {"device": [PHONE[13]]},
        "primaryExtension": {"pattern": "100013", "routePartitionName": "Internal_PT"},
        "associatedGroups": {"userGroup": [{"name": "Standard CCM End Users"}, {"name": "Standard CTI Enabled"}]},
        "presenceGroupName": "Standard Presence group"})["return"]
    pkid = pk(sim, "zeep.user")
    assert uuid == "{" + pkid.upper() + "}"
    assert credential(sim, "zeep.user", 4) == [(seed.credential_digest(pkid, "2468"),)]
    assert col(sim, "zeep.user", "emmaxlogintime") == 60

    user = axl.getUser(userid="zeep.user")["return"]["user"]
    assert user["uuid"] == uuid and user["firstName"] == "Zoe" and str(user["emMaxLoginTime"]) == "60"
    assert user["associatedDevices"]["device"] == [PHONE[13]]
    assert user["primaryExtension"]["pattern"] == "100013"
    assert [g["name"] for g in user["associatedGroups"]["userGroup"]] == ["Standard CCM End Users", "Standard CTI Enabled"]
    assert user["presenceGroupName"]["_value_1"] == "Standard Presence group"
    assert user["pin"] is None and user["password"] is None
    assert "accountType" not in user   # removed in 12.5

    axl.updateUser(userid="zeep.user", title="Lead", associatedGroups={"userGroup": [{"name": "Standard CTI Enabled"}]},
                   phoneProfiles={"profileName": ["UDP_user00013"]}, defaultProfile="UDP_user00013")
    assert groups(sim, "zeep.user") == ["Standard CTI Enabled"]
    assert devices(sim, "zeep.user", 4) == ["UDP_user00013"]
    assert col(sim, "zeep.user", "title") == "Lead"

    listed = axl.listUser(searchCriteria={"lastName": "zee%"}, returnedTags={"userid": "", "title": ""})["return"]["user"]
    assert [(u["userid"], u["title"], u["uuid"]) for u in listed] == [("zeep.user", "Lead", uuid)]
    first_page = axl.listUser(searchCriteria={"userid": "user%"}, returnedTags={"userid": ""}, skip=18, first=5)
    assert [u["userid"] for u in first_page["return"]["user"]] == ["user00019", "user00020"]

    axl.removeUser(userid="zeep.user")
    assert pk(sim, "zeep.user") is None
    with pytest.raises(zeep.exceptions.Fault) as info:
        axl.getUser(userid="zeep.user")
    assert info.value.message == "Item not valid: The specified User was not found"
    assert info.value.detail.find(".//axlcode").text == "5007"


def test_zeep_ldap_refusal(versioned_sim):
    axl = zeep_service(versioned_sim)
    with pytest.raises(zeep.exceptions.Fault) as info:
        axl.updateUser(userid="user00001", mailid="other@example.com")
    assert "mailid" in info.value.message
    assert info.value.detail.find(".//axlcode").text == str(users.LDAP_FAULT)


# ------------------------------------------------------------------ 11.5 shapes
def test_115_request_served_by_a_14_cluster(sim):
    axl = zeep_service(sim, "11.5")
    ldap = axl.getUser(userid="user00001", returnedTags={"userid": "", "accountType": "", "authenticationType": "",
                                                         "ldapDirectoryName": ""})["return"]["user"]
    assert (ldap["accountType"], ldap["authenticationType"], ldap["ldapDirectoryName"]["_value_1"]) == ("LDAP", "LDAP", "corp-ldap")
    local_user = axl.getUser(userid="user00003")["return"]["user"]
    assert local_user["accountType"] == "Local" and "emMaxLoginTime" not in local_user
    listed = axl.listUser(searchCriteria={"userid": "user00001"},
                          returnedTags={"userid": "", "displayName": "", "ldapDirectoryName": "", "accountType": ""})
    row = listed["return"]["user"][0]
    assert row["displayName"] == col(sim, "user00001", "displayname") and row["accountType"] == "LDAP"
    assert row["ldapDirectoryName"]["_value_1"] == "corp-ldap"


def test_115_cluster(sim_factory):
    sim = sim_factory("users-11.5", "--axl-version", "11.5", "--seed-users", "20", "--ldap-users", "2")
    sim.reset()
    assert sim.version == "11.5"
    ok(add(sim, "old.user", accountType="Local"))
    assert groups(sim, "old.user") == ["Standard CCM End Users"]
    err = fault(add(sim, "ldap.user", accountType="LDAP"), users.INVALID)
    assert "accountType" in err["faultstring"] and pk(sim, "ldap.user") is None
    user = get(sim, "old.user")
    assert user.findtext("accountType") == "Local" and user.findtext("authenticationType") == "Local"
    assert user.find("emMaxLoginTime") is None and user.find("customerName") is None
    assert get(sim, "user00002", "<accountType/>").findtext("accountType") == "LDAP"
    # 11.5's LUser still has displayName, presenceGroupName and ldapDirectoryName; no customerName criterion
    row = body_of(list_users(sim, "<userid>user00002</userid>", "<displayName/><userid/><presenceGroupName/>"
                                                                "<ldapDirectoryName/>")).find("return/user")
    assert [c.tag for c in row] == ["displayName", "userid", "presenceGroupName", "ldapDirectoryName"]
    assert fault(list_users(sim, "<customerName>%</customerName>"))["faultcode"] == "soapenv:Client"
