"""User group (access control group) operations of the simulator: addUserGroup, getUserGroup,
updateUserGroup, removeUserGroup, listUserGroup.

Writes are verified by reading the store directly (``sim.sql``).  Seed: the AG12.5 standard groups
(``isstandard``), user00001..user00020 all members of "Standard CCM End Users".
"""

import pytest
import zeep.exceptions

from conftest import axl_error, body_of, zeep_service
from cucm_axl_sim.ops import users

END_USERS = "Standard CCM End Users"
CTI = "Standard CTI Enabled"
RI334 = "Cannot modify the Functional Roles associated with a standard DirGroup"


# ------------------------------------------------------------------ helpers
def ok(resp):
    assert resp.status_code == 200, resp.text
    return body_of(resp).findtext("return")


def fault(resp, axlcode=None):
    assert resp.status_code == 500, resp.text
    err = axl_error(resp)
    if axlcode is not None:
        assert err["axlcode"] == axlcode, err
    return err


def members_xml(tag, *userids):
    return f"<{tag}>" + "".join(f"<member><userId>{u}</userId></member>" for u in userids) + f"</{tag}>"


def roles_xml(tag, *roles):
    return f"<{tag}>" + "".join(f"<userRole><roleName>{r}</roleName></userRole>" for r in roles) + f"</{tag}>"


def add_group(sim, name, members=(), roles=()):
    return sim.post("addUserGroup", f"<userGroup>{members_xml('members', *members)}{roles_xml('userRoles', *roles)}"
                                    f"<name>{name}</name></userGroup>")


def update_group(sim, name, body):
    return sim.post("updateUserGroup", f"<name>{name}</name>{body}")


def group_pk(sim, name):
    rows = sim.sql("SELECT pkid FROM dirgroup WHERE name = ?", (name,))
    return rows[0][0] if rows else None


def members(sim, name):
    return sorted(r[0] for r in sim.sql(
        "SELECT e.userid FROM enduserdirgroupmap m JOIN enduser e ON e.pkid = m.fkenduser JOIN dirgroup g "
        "ON g.pkid = m.fkdirgroup WHERE g.name = ?", (name,)))


def roles(sim, name):
    return sorted(r[0] for r in sim.sql(
        "SELECT f.name FROM functionroledirgroupmap m JOIN functionrole f ON f.pkid = m.fkfunctionrole JOIN dirgroup g "
        "ON g.pkid = m.fkdirgroup WHERE g.name = ?", (name,)))


@pytest.fixture
def team(sim):
    """A custom group with two members and one role."""
    ok(add_group(sim, "Team A", ["user00003", "user00004"], ["Standard CTI Enabled"]))
    return sim


# ------------------------------------------------------------------ addUserGroup
def test_add_group_stores_members_and_roles(sim):
    uuid = ok(add_group(sim, "Help Desk", ["user00005", "user00006", "user00005"],
                        ["Standard CCM Phone Management", "Standard CCM Admin Users"]))
    pkid = group_pk(sim, "Help Desk")
    assert uuid == "{" + pkid.upper() + "}"
    assert sim.sql("SELECT isstandard FROM dirgroup WHERE pkid = ?", (pkid,)) == [("f",)]
    assert members(sim, "Help Desk") == ["user00005", "user00006"]
    assert roles(sim, "Help Desk") == ["Standard CCM Admin Users", "Standard CCM Phone Management"]


def test_add_group_by_name_only_and_role_by_uuid(sim):
    ok(sim.post("addUserGroup", "<userGroup><name>Empty.Group-1</name></userGroup>"))
    assert members(sim, "Empty.Group-1") == [] and roles(sim, "Empty.Group-1") == []
    role = sim.sql("SELECT pkid FROM functionrole WHERE name = 'Standard CTI Enabled'")[0][0]
    ok(sim.post("addUserGroup", f'<userGroup><userRoles><userRole><roleName uuid="{{{role.upper()}}}"/></userRole>'
                                '</userRoles><name>By Uuid</name></userGroup>'))
    assert roles(sim, "By Uuid") == ["Standard CTI Enabled"]


def test_add_group_without_name_is_a_client_fault(sim):
    err = fault(sim.post("addUserGroup", "<userGroup>" + members_xml("members", "user00005") + "</userGroup>"))
    assert err["faultcode"] == "soapenv:Client" and err["axlcode"] is None and "name" in err["faultstring"]
    assert sim.sql("SELECT count(*) FROM dirgroup WHERE isstandard = 'f'") == [(0,)]


def test_add_group_duplicate_and_invalid_names(sim):
    err = fault(add_group(sim, END_USERS), -239)
    assert "duplicate value in a UNIQUE INDEX column" in err["faultstring"]
    fault(add_group(sim, "bad/name"), -746)
    assert group_pk(sim, "bad/name") is None


@pytest.mark.parametrize("kw, message", [
    ({"members": ["user00005", "nobody"]}, "Item not valid: The specified User nobody was not found"),
    ({"roles": ["No Such Role"]}, "Item not valid: The specified Role No Such Role was not found"),
])
def test_add_group_unknown_member_or_role_is_5007_and_writes_nothing(sim, kw, message):
    err = fault(add_group(sim, "Broken", **kw), 5007)
    assert err["faultstring"] == message
    assert group_pk(sim, "Broken") is None


# ------------------------------------------------------------------ getUserGroup
def test_get_group_by_name_and_uuid(team):
    sim = team
    pkid = group_pk(sim, "Team A")
    group = body_of(sim.post("getUserGroup", "<name>Team A</name>")).find("return/userGroup")
    assert group.get("uuid") == "{" + pkid.upper() + "}"
    assert [c.tag for c in group] == ["members", "userRoles", "name"]
    assert [m.findtext("userId") for m in group.findall("members/member")] == ["user00003", "user00004"]
    user3 = sim.sql("SELECT pkid FROM enduser WHERE userid = 'user00003'")[0][0]
    assert group.find("members/member").get("uuid") == "{" + user3.upper() + "}"
    role = group.find("userRoles/userRole/roleName")
    assert role.text == "Standard CTI Enabled"
    assert role.get("uuid") == "{" + sim.sql("SELECT pkid FROM functionrole WHERE name = ?", (role.text,))[0][0].upper() + "}"
    by_uuid = body_of(sim.post("getUserGroup", f"<uuid>{{{pkid.upper()}}}</uuid><returnedTags><name/></returnedTags>"))
    assert [c.tag for c in by_uuid.find("return/userGroup")] == ["name"]


def test_get_group_nested_returned_tags(team):
    resp = team.post("getUserGroup", "<name>Team A</name><returnedTags><members><member><userId/></member></members>"
                                     "</returnedTags>")
    group = body_of(resp).find("return/userGroup")
    assert [c.tag for c in group] == ["members"]
    assert [m.findtext("userId") for m in group.findall("members/member")] == ["user00003", "user00004"]


def test_get_missing_group_is_5007(sim):
    err = fault(sim.post("getUserGroup", "<name>Nope</name>"), 5007)
    assert err["faultstring"] == "Item not valid: The specified User Group was not found"
    assert err["request"] == "getUserGroup"


# ------------------------------------------------------------------ updateUserGroup: members
def test_members_replaces_the_whole_list(team):
    ok(update_group(team, "Team A", members_xml("members", "user00004", "user00005")))
    assert members(team, "Team A") == ["user00004", "user00005"]
    ok(update_group(team, "Team A", "<members/>"))
    assert members(team, "Team A") == []


def test_incremental_members(team):
    ok(update_group(team, "Team A", members_xml("removeMembers", "user00003", "user00009")
                    + members_xml("addMembers", "user00005", "user00004")))
    assert members(team, "Team A") == ["user00004", "user00005"]   # non-member removal and re-add: no-ops


def test_absent_members_are_unchanged(team):
    ok(update_group(team, "Team A", "<newName>Team B</newName>"))
    assert members(team, "Team B") == ["user00003", "user00004"] and roles(team, "Team B") == ["Standard CTI Enabled"]
    assert group_pk(team, "Team A") is None


def test_unknown_member_is_5007_and_writes_nothing(team):
    err = fault(update_group(team, "Team A", members_xml("addMembers", "user00005", "ghost")), 5007)
    assert err["faultstring"] == "Item not valid: The specified User ghost was not found"
    assert members(team, "Team A") == ["user00003", "user00004"]


def test_members_cannot_be_mixed_with_incremental_changes(team):
    err = fault(update_group(team, "Team A", members_xml("removeMembers", "user00003") + members_xml("members", "user00005")))
    assert err["faultcode"] == "soapenv:Client"
    assert members(team, "Team A") == ["user00003", "user00004"]


def test_membership_is_what_getuser_reports(team):
    ok(update_group(team, "Team A", members_xml("addMembers", "user00007")))
    user = body_of(team.post("getUser", "<userid>user00007</userid><returnedTags><associatedGroups/></returnedTags>"))
    groups = user.findall("return/user/associatedGroups/userGroup")
    assert [g.findtext("name") for g in groups] == [END_USERS, "Team A"]
    assert [r.text for r in groups[1].findall("userRoles/userRole")] == ["Standard CTI Enabled"]


# ------------------------------------------------------------------ updateUserGroup: roles, name
def test_user_roles_replace_and_incremental(team):
    ok(update_group(team, "Team A", roles_xml("userRoles", "Standard CCM Admin Users", "Standard CCM Phone Management")))
    assert roles(team, "Team A") == ["Standard CCM Admin Users", "Standard CCM Phone Management"]
    ok(update_group(team, "Team A", roles_xml("removeUserRoles", "Standard CCM Admin Users", "Standard CTI Enabled")
                    + roles_xml("addUserRoles", "Standard AXL API Access", "Standard CCM Phone Management")))
    assert roles(team, "Team A") == ["Standard AXL API Access", "Standard CCM Phone Management"]
    ok(update_group(team, "Team A", "<userRoles/>"))
    assert roles(team, "Team A") == []
    fault(update_group(team, "Team A", roles_xml("addUserRoles", "Nope")), 5007)


def test_update_by_uuid_and_missing_group(team):
    pkid = group_pk(team, "Team A")
    assert ok(team.post("updateUserGroup", f"<uuid>{{{pkid.upper()}}}</uuid>{members_xml('addMembers', 'user00010')}")) \
        == "{" + pkid.upper() + "}"
    assert "user00010" in members(team, "Team A")
    err = fault(update_group(team, "Nope", "<newName>X</newName>"), 5007)
    assert err["faultstring"] == "Item not valid: The specified User Group was not found"
    fault(update_group(team, "Team A", f"<newName>{END_USERS}</newName>"), -239)


# ------------------------------------------------------------------ standard groups
def test_standard_group_membership_changes_work(sim):
    ok(update_group(sim, CTI, members_xml("addMembers", "user00011")))
    assert members(sim, CTI) == ["user00011"]
    ok(update_group(sim, END_USERS, members_xml("removeMembers", "user00011")))
    assert "user00011" not in members(sim, END_USERS)


@pytest.mark.parametrize("body", [
    roles_xml("addUserRoles", "Standard AXL API Access"),
    roles_xml("removeUserRoles", "Standard CTI Enabled"),
    roles_xml("userRoles", "Standard AXL API Access"),
    "<userRoles/>",
])
def test_standard_group_roles_are_refused_by_ri334(sim, body):
    err = fault(update_group(sim, CTI, body), -746)
    assert err["faultstring"] == RI334
    assert roles(sim, CTI) == ["Standard CTI Enabled"]


def test_standard_group_refusal_rolls_back_membership_in_the_same_request(sim):
    fault(update_group(sim, CTI, members_xml("addMembers", "user00011") + roles_xml("addUserRoles", "Standard AXL API Access")),
          -746)
    assert members(sim, CTI) == []


def test_standard_group_same_roles_is_a_no_op(sim):
    ok(update_group(sim, CTI, roles_xml("userRoles", "Standard CTI Enabled")))
    assert roles(sim, CTI) == ["Standard CTI Enabled"]


def test_standard_group_cannot_be_renamed_or_removed(sim):
    fault(update_group(sim, CTI, "<newName>Renamed</newName>"), -746)
    err = fault(sim.post("removeUserGroup", f"<name>{END_USERS}</name>"), -746)
    assert "standard" in err["faultstring"].lower()
    assert group_pk(sim, END_USERS) is not None and len(members(sim, END_USERS)) == 20


# ------------------------------------------------------------------ removeUserGroup
def test_remove_group_cascades(team):
    pkid = group_pk(team, "Team A")
    assert ok(team.post("removeUserGroup", "<name>Team A</name>")) == "{" + pkid.upper() + "}"
    assert group_pk(team, "Team A") is None
    assert team.sql("SELECT count(*) FROM enduserdirgroupmap WHERE fkdirgroup = ?", (pkid,)) == [(0,)]
    assert team.sql("SELECT count(*) FROM functionroledirgroupmap WHERE fkdirgroup = ?", (pkid,)) == [(0,)]
    assert team.sql("SELECT count(*) FROM enduser WHERE userid IN ('user00003', 'user00004')") == [(2,)]
    fault(team.post("removeUserGroup", "<name>Team A</name>"), 5007)


# ------------------------------------------------------------------ listUserGroup
def list_groups(sim, criteria, extra=""):
    return sim.post("listUserGroup", f"<searchCriteria>{criteria}</searchCriteria><returnedTags><name/></returnedTags>{extra}")


def names(resp):
    assert resp.status_code == 200, resp.text
    return [g.findtext("name") for g in body_of(resp).findall("return/userGroup")]


def test_list_groups_wildcards_case_insensitive_ordered(team):
    expected = sorted(r[0] for r in team.sql("SELECT name FROM dirgroup WHERE name LIKE '%CTI%'"))
    assert names(list_groups(team, "<name>%cti%</name>")) == expected and len(expected) >= 4
    assert names(list_groups(team, "<name>team a</name>")) == ["Team A"]
    resp = list_groups(team, "<name>Team%</name>")
    group = body_of(resp).find("return/userGroup")
    assert group.get("uuid") == "{" + group_pk(team, "Team A").upper() + "}"
    assert names(list_groups(team, "<name>zzz%</name>")) == []


def test_list_groups_paging(sim):
    everything = names(list_groups(sim, "<name>%</name>"))
    assert everything == sorted(everything) and len(everything) == 13
    assert names(list_groups(sim, "<name>%</name>", "<skip>2</skip><first>3</first>")) == everything[2:5]
    assert names(list_groups(sim, "<name>%</name>", "<skip>2</skip>")) == everything


def test_list_groups_needs_a_criterion_and_returned_tags(sim):
    err = fault(sim.post("listUserGroup", "<searchCriteria/><returnedTags><name/></returnedTags>"), users.INVALID)
    assert err["faultstring"] == "At least one element under searchCriteria has to be mentioned"
    err = fault(sim.post("listUserGroup", "<searchCriteria><name>%</name></searchCriteria>"))
    assert err["faultcode"] == "soapenv:Client"


# ------------------------------------------------------------------ zeep with Cisco's WSDL, per version
def test_zeep_round_trip(versioned_sim):
    sim = versioned_sim
    axl = zeep_service(sim)
    uuid = axl.addUserGroup(userGroup={"members": {"member": [{"userId": "user00014"}]},
                                       "userRoles": {"userRole": [{"roleName": "Standard CTI Enabled"}]},
                                       "name": "Zeep Group"})["return"]
    assert uuid == "{" + group_pk(sim, "Zeep Group").upper() + "}"
    group = axl.getUserGroup(name="Zeep Group")["return"]["userGroup"]
    assert group["uuid"] == uuid and group["name"] == "Zeep Group"
    assert [m["userId"] for m in group["members"]["member"]] == ["user00014"]
    assert [r["roleName"]["_value_1"] for r in group["userRoles"]["userRole"]] == ["Standard CTI Enabled"]

    axl.updateUserGroup(name="Zeep Group", addMembers={"member": [{"userId": "user00015"}]},
                        removeUserRoles={"userRole": [{"roleName": "Standard CTI Enabled"}]},
                        addUserRoles={"userRole": [{"roleName": "Standard CCM Admin Users"}]}, newName="Zeep Group 2")
    assert members(sim, "Zeep Group 2") == ["user00014", "user00015"]
    assert roles(sim, "Zeep Group 2") == ["Standard CCM Admin Users"]
    axl.updateUserGroup(name="Zeep Group 2", members={"member": [{"userId": "user00016"}]})
    assert members(sim, "Zeep Group 2") == ["user00016"]

    listed = axl.listUserGroup(searchCriteria={"name": "zeep%"}, returnedTags={"name": ""})["return"]["userGroup"]
    assert [(g["name"], g["uuid"]) for g in listed] == [("Zeep Group 2", uuid)]
    paged = axl.listUserGroup(searchCriteria={"name": "Standard%"}, returnedTags={"name": ""}, skip=12, first=5)
    assert len(paged["return"]["userGroup"]) == 1

    with pytest.raises(zeep.exceptions.Fault) as info:
        axl.updateUserGroup(name=CTI, addUserRoles={"userRole": [{"roleName": "Standard AXL API Access"}]})
    assert info.value.message == RI334 and info.value.detail.find(".//axlcode").text == "-746"

    axl.removeUserGroup(name="Zeep Group 2")
    assert group_pk(sim, "Zeep Group 2") is None
    with pytest.raises(zeep.exceptions.Fault) as info:
        axl.getUserGroup(name="Zeep Group 2")
    assert info.value.detail.find(".//axlcode").text == "5007"


def test_115_request(sim):
    ok(sim.post("addUserGroup", "<userGroup><members><member><userId>user00017</userId></member></members>"
                                "<name>Old Schema</name></userGroup>", version="11.5"))
    resp = sim.post("getUserGroup", "<name>Old Schema</name>", version="11.5")
    assert resp.status_code == 200 and body_of(resp).tag == "{http://www.cisco.com/AXL/API/11.5}getUserGroupResponse"
    assert [m.findtext("userId") for m in body_of(resp).findall("return/userGroup/members/member")] == ["user00017"]
