"""Directory numbers on their own (addLine, getLine, removeLine), through raw SOAP and zeep with
Cisco's WSDL, checked against the store itself."""

import pytest

from conftest import axl_error, body_of, zeep_service
from test_devices import line_xml, phone_xml


def add_line(sim, pattern, partition=None, description="a line", usage="Device"):
    part = f"<routePartitionName>{partition}</routePartitionName>" if partition else ""
    return sim.post("addLine", f"<line><pattern>{pattern}</pattern><description>{description}</description>"
                               f"<usage>{usage}</usage>{part}<alertingName>Front desk</alertingName></line>")


def test_add_get_remove_a_line(sim):
    resp = add_line(sim, "4100", "Internal_PT", description="voiceops line")
    assert resp.status_code == 200, resp.text
    uuid = body_of(resp).findtext("return")
    pkid = uuid.strip("{}").lower()
    assert sim.sql("SELECT n.dnorpattern, p.name, n.description, n.alertingname, n.tkpatternusage FROM numplan n "
                   "JOIN routepartition p ON p.pkid = n.fkroutepartition WHERE n.pkid = ?", (pkid,)) == [
        ("4100", "Internal_PT", "voiceops line", "Front desk", 2)]
    by_uuid = body_of(sim.post("getLine", f"<uuid>{uuid}</uuid>")).find("return/line")
    assert by_uuid.get("uuid") == uuid
    assert [by_uuid.findtext(t) for t in ("pattern", "description", "usage", "routePartitionName", "alertingName")] == [
        "4100", "voiceops line", "Device", "Internal_PT", "Front desk"]
    by_pattern = body_of(sim.post("getLine", "<pattern>4100</pattern><routePartitionName>Internal_PT</routePartitionName>"
                                  "<returnedTags><pattern/></returnedTags>")).find("return/line")
    assert [c.tag for c in by_pattern] == ["pattern"] and by_pattern.get("uuid") == uuid
    assert sim.post("removeLine", f"<uuid>{uuid}</uuid>").status_code == 200
    assert sim.sql("SELECT count(*) FROM numplan WHERE pkid = ?", (pkid,)) == [(0,)]


def test_duplicate_and_missing_lines(sim):
    assert add_line(sim, "4101").status_code == 200                           # the <None> partition
    dup = add_line(sim, "4101")
    assert dup.status_code == 500 and axl_error(dup)["axlcode"] == -239
    assert add_line(sim, "4101", "Internal_PT").status_code == 200            # same digits, other partition
    for op, inner in (("getLine", "<pattern>4199</pattern>"), ("removeLine", "<uuid>{00000000-0000-4000-8000-000000000000}</uuid>"),
                      ("getLine", "<pattern>4101</pattern><routePartitionName>Nowhere_PT</routePartitionName>")):
        missing = sim.post(op, inner)
        assert missing.status_code == 500
        assert axl_error(missing)["axlcode"] == 5007
        assert axl_error(missing)["faultstring"] == "Item not valid: The specified Line was not found"
    assert axl_error(add_line(sim, "4102", usage="Voice Mail"))["axlcode"] == 5007   # a usage the simulator lacks


def test_removing_a_line_takes_it_off_devices_and_primary_extensions(sim):
    assert sim.post("addPhone", phone_xml(name="SEP00AA00BB00DD", lines=line_xml(1, "4103"))).status_code == 200
    resp = sim.post("addUser", "<user><lastName>L</lastName><userid>line-owner</userid><associatedDevices><device>"
                               "SEP00AA00BB00DD</device></associatedDevices><primaryExtension><pattern>4103</pattern>"
                               "<routePartitionName>Internal_PT</routePartitionName></primaryExtension>"
                               "<presenceGroupName>Standard Presence group</presenceGroupName></user>")
    assert resp.status_code == 200, resp.text
    assert sim.sql("SELECT count(*) FROM endusernumplanmap m JOIN enduser e ON e.pkid = m.fkenduser "
                   "WHERE e.userid = 'line-owner'") == [(1,)]
    assert sim.post("removeLine", "<pattern>4103</pattern><routePartitionName>Internal_PT</routePartitionName>").status_code == 200
    assert sim.sql("SELECT count(*) FROM devicenumplanmap m JOIN device d ON d.pkid = m.fkdevice "
                   "WHERE d.name = 'SEP00AA00BB00DD'") == [(0,)]
    assert sim.sql("SELECT count(*) FROM endusernumplanmap m JOIN enduser e ON e.pkid = m.fkenduser "
                   "WHERE e.userid = 'line-owner'") == [(0,)]


def test_lines_through_zeep(sim):
    service = zeep_service(sim)
    uuid = service.addLine(line={"pattern": "4104", "usage": "Device", "routePartitionName": "Internal_PT"})["return"]
    line = service.getLine(uuid=uuid)["return"]["line"]
    assert (line["pattern"], line["routePartitionName"]["_value_1"], line["usage"]) == ("4104", "Internal_PT", "Device")
    service.removeLine(pattern="4104", routePartitionName="Internal_PT")
    assert sim.sql("SELECT count(*) FROM numplan WHERE dnorpattern = '4104'") == [(0,)]


# ------------------------------------------------------------------ --compat plus-escape and fk-name-case
E164 = "+14085550123"
ESCAPED = "\\" + E164


@pytest.mark.parametrize("sent", [E164, ESCAPED])
def test_add_line_escapes_a_plus_as_the_lines_of_a_device_do(sim, sent):
    """plus-escape=escaped (the default): addLine stores \\+1408... whether or not the request escaped
    it, as a device's dirn is; getLine and removeLine by pattern must use the stored form."""
    resp = add_line(sim, sent, "Internal_PT")
    assert resp.status_code == 200, resp.text
    pkid = body_of(resp).findtext("return").strip("{}").lower()
    assert sim.sql("SELECT dnorpattern FROM numplan WHERE pkid = ?", (pkid,)) == [(ESCAPED,)]
    line = body_of(sim.post("getLine", f"<uuid>{{{pkid}}}</uuid>")).find("return/line")
    assert line.findtext("pattern") == ESCAPED
    plain = sim.post("getLine", f"<pattern>{E164}</pattern><routePartitionName>Internal_PT</routePartitionName>")
    assert plain.status_code == 500 and axl_error(plain)["axlcode"] == 5007
    # the same number sent the other way names the same DN: a duplicate
    other = ESCAPED if sent == E164 else E164
    dup = add_line(sim, other, "Internal_PT")
    assert dup.status_code == 500 and axl_error(dup)["axlcode"] == -239
    # a phone line with the plain + finds the DN addLine created (no second numplan row)
    assert sim.post("addPhone", phone_xml(name="SEP00AA00BB00DE", lines=line_xml(1, E164))).status_code == 200
    assert sim.sql("SELECT count(*) FROM numplan WHERE dnorpattern LIKE '%4085550123'") == [(1,)]
    assert sim.post("removeLine", f"<pattern>{ESCAPED}</pattern><routePartitionName>Internal_PT"
                                  "</routePartitionName>").status_code == 200
    assert sim.sql("SELECT count(*) FROM numplan WHERE dnorpattern LIKE '%4085550123'") == [(0,)]


def test_add_line_keeps_a_plus_verbatim_when_told(sim):
    """plus-escape=verbatim: stored, returned and matched as sent."""
    sim.faults(compat={"plus-escape": "verbatim"})
    resp = add_line(sim, E164)
    assert resp.status_code == 200, resp.text
    assert sim.sql("SELECT dnorpattern FROM numplan WHERE dnorpattern LIKE '%4085550123'") == [(E164,)]
    line = body_of(sim.post("getLine", f"<pattern>{E164}</pattern>")).find("return/line")
    assert line.findtext("pattern") == E164
    assert add_line(sim, ESCAPED).status_code == 200                             # another pattern, verbatim
    assert sorted(sim.sql("SELECT dnorpattern FROM numplan WHERE dnorpattern LIKE '%4085550123'")) == [
        (E164,), (ESCAPED,)]
    assert sim.post("removeLine", f"<pattern>{E164}</pattern>").status_code == 200
    assert sim.sql("SELECT dnorpattern FROM numplan WHERE dnorpattern LIKE '%4085550123'") == [(ESCAPED,)]


@pytest.mark.parametrize("setting", ["insensitive", "exact"])
def test_line_partition_names_and_case(sim, setting):
    """fk-name-case: routePartitionName of addLine/getLine/removeLine matches whatever its case
    (insensitive, the default) or exactly (exact: the line is not found, the add names the partition)."""
    sim.faults(compat={"fk-name-case": setting})
    assert add_line(sim, "4105", "Internal_PT").status_code == 200
    got = sim.post("getLine", "<pattern>4105</pattern><routePartitionName>internal_pt</routePartitionName>")
    added = add_line(sim, "4106", "INTERNAL_PT")
    if setting == "insensitive":
        assert got.status_code == 200 and body_of(got).findtext("return/line/routePartitionName") == "Internal_PT"
        assert added.status_code == 200
        assert sim.sql("SELECT p.name FROM numplan n JOIN routepartition p ON p.pkid = n.fkroutepartition "
                       "WHERE n.dnorpattern = '4106'") == [("Internal_PT",)]
    else:
        assert axl_error(got)["faultstring"] == "Item not valid: The specified Line was not found"
        assert axl_error(added)["axlcode"] == 5007 and "Route Partition INTERNAL_PT" in axl_error(added)["faultstring"]
        assert sim.sql("SELECT count(*) FROM numplan WHERE dnorpattern = '4106'") == [(0,)]


def test_each_line_operation_has_one_implementation():
    """Two modules registering the same operation would let the one imported last win silently."""
    from cucm_axl_sim import ops
    from cucm_axl_sim.ops import lines
    table = ops.load_all()
    for name in ("addLine", "getLine", "removeLine"):
        assert table[name].handler.__module__ == lines.__name__, name


def test_a_second_handler_for_an_operation_is_refused():
    from cucm_axl_sim import ops

    def another_get_line(req):
        return None
    with pytest.raises(RuntimeError, match="getLine is registered twice"):
        ops.operation("getLine")(another_get_line)
    assert ops.load_all()["getLine"].handler.__module__ == "cucm_axl_sim.ops.lines"
