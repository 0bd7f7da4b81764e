"""cucm_line, cucm_device_profile, cucm_phone and their _info modules against the simulator (CUCM 14.0, strict
mode: every request is validated against Cisco's XSD).  Each test batches its cases in one ansible-playbook run;
what changed is checked through the simulator's database (``sim14.sql``), never the modules' claims."""

LINE = "voiceops.cucm.cucm_line"
LINE_INFO = "voiceops.cucm.cucm_line_info"
PROFILE = "voiceops.cucm.cucm_device_profile"
PROFILE_INFO = "voiceops.cucm.cucm_device_profile_info"
PHONE = "voiceops.cucm.cucm_phone"
PHONE_INFO = "voiceops.cucm.cucm_phone_info"


def by_name(run):
    return dict((r["task"], r) for r in run.results)


def numplan(sim, pattern):
    rows = sim.sql(
        "select n.dnorpattern, ifnull(p.name, ''), n.description, n.alertingname, n.alertingnameascii, "
        "ifnull(c.name, ''), ifnull(v.name, ''), ifnull(n.cfbdestination, ''), n.cfbvoicemailenabled, "
        "ifnull(n.cfnadestination, ''), n.cfnavoicemailenabled, ifnull(f.cfadestination, ''), ifnull(fc.name, '') "
        "from numplan n left join routepartition p on p.pkid = n.fkroutepartition "
        "left join callingsearchspace c on c.pkid = n.fkcallingsearchspace_sharedlineappear "
        "left join voicemessagingprofile v on v.pkid = n.fkvoicemessagingprofile "
        "left join callforwarddynamic f on f.fknumplan = n.pkid "
        "left join callingsearchspace fc on fc.pkid = f.fkcallingsearchspace_cfa where n.dnorpattern = ?", (pattern,))
    return rows


def line_tasks(prefix=""):
    return [
        {"name": prefix + "desk line", LINE: {
            "pattern": "4100", "partition": "Internal_PT", "description": "Ann Agent desk", "alerting_name": "Ann Agent",
            "calling_search_space": "Internal_CSS", "voice_mail_profile": "Default",
            "call_forward_busy": {"forward_to_voicemail": True},
            "call_forward_no_answer": {"destination": "4000", "calling_search_space": "Internal_CSS"}}},
        {"name": prefix + "e164 line", LINE: {"pattern": "+14085550100", "partition": "Internal_PT",
                                              "description": "Main number", "alerting_name": "Zoë Main"}},
        {"name": prefix + "e164 escaped form", LINE: {"pattern": "\\+14085550100", "partition": "Internal_PT",
                                                      "description": "Main number"}},
        {"name": prefix + "forward all", LINE: {"pattern": "4101", "call_forward_all": {
            "destination": "4000", "calling_search_space": "Internal_CSS"}}},
    ]


def test_line_create_idempotent_check_and_refusals(ansible14, sim14):
    check = ansible14.run(line_tasks(), check=True, diff=True)
    assert check.rc == 0, check
    assert all(r["result"]["changed"] for r in check.results[:2] + check.results[3:])
    assert sim14.sql("select count(*) from numplan where dnorpattern in ('4100', '4101', '\\+14085550100')") == [(0,)]

    first = ansible14.run(line_tasks() + [
        {"name": "bad css", LINE: {"pattern": "4102", "calling_search_space": "Internal_CS"}, "ignore_errors": True},
        {"name": "number pattern", LINE: {"pattern": 4103}, "ignore_errors": True},
        {"name": "bad partition case", LINE: {"pattern": "4100", "partition": "internal_pt"}, "ignore_errors": True},
        {"name": "description too long", LINE: {"pattern": "4104", "description": "x" * 51}, "ignore_errors": True},
        {"name": "read", LINE_INFO: {"pattern": "+14085550100", "partition": "Internal_PT"}},
        {"name": "search", LINE_INFO: {"pattern": "410%"}},
    ], diff=True)
    results = by_name(first)
    for name in ("desk line", "e164 line", "forward all"):
        assert results[name]["status"] == "ok" and results[name]["result"]["changed"], results[name]
    # the escaped form names the line the task before created: nothing to change
    assert results["e164 escaped form"]["result"]["changed"] is False
    assert results["e164 line"]["result"]["line"]["pattern"] == "\\+14085550100"
    assert numplan(sim14, "4100") == [("4100", "Internal_PT", "Ann Agent desk", "Ann Agent", "Ann Agent", "Internal_CSS",
                                       "Default", "", "t", "4000", "f", "", "")]
    assert numplan(sim14, "\\+14085550100") == [("\\+14085550100", "Internal_PT", "Main number", "Zoë Main", "", "", "",
                                                  "", "f", "", "f", "", "")]
    assert numplan(sim14, "4101")[0][11:] == ("4000", "Internal_CSS")
    assert "unknown calling search space 'Internal_CS'" in results["bad css"]["result"]["msg"]
    assert "did you mean 'Internal_CSS'" in results["bad css"]["result"]["msg"]
    assert "pattern: got the number 4103" in results["number pattern"]["result"]["msg"]
    assert "differ only in letter case" in results["bad partition case"]["result"]["msg"]
    assert "description" in results["description too long"]["result"]["msg"]
    assert sim14.sql("select count(*) from numplan where dnorpattern in ('4102', '4103', '4104')") == [(0,)]
    read = results["read"]["result"]["lines"]
    assert [(r["pattern"], r["partition"], r["alerting_name"]) for r in read] == [
        ("\\+14085550100", "Internal_PT", "Zoë Main")]
    assert [r["pattern"] for r in results["search"]["result"]["lines"]] == ["4100", "4101"]

    again = ansible14.run(line_tasks() + [
        {"name": "change one forward field", LINE: {"pattern": "4100", "partition": "Internal_PT",
                                                    "call_forward_no_answer": {"destination": "4001"}}},
        {"name": "in use", LINE: {"pattern": "100001", "partition": "Internal_PT", "state": "absent"},
         "ignore_errors": True},
        {"name": "delete", LINE: {"pattern": "4101", "state": "absent"}},
    ], diff=True)
    results = by_name(again)
    assert [r["task"] for r in again.results if r["result"].get("changed")] == ["change one forward field", "delete"]
    row = numplan(sim14, "4100")[0]
    assert row[9] == "4001" and row[7:9] == ("", "t")             # the CSS of the forward and CFB kept
    assert sim14.sql("select ifnull(c.name, '') from numplan n left join callingsearchspace c on "
                     "c.pkid = n.fkcallingsearchspace_cfna where n.dnorpattern = '4100'") == [("Internal_CSS",)]
    assert "is on SEP0A0000000001" in results["in use"]["result"]["msg"]
    assert sim14.sql("select count(*) from numplan where dnorpattern = '100001'") == [(1,)]
    assert numplan(sim14, "4101") == []
    diff = results["change one forward field"]["result"]["diff"]
    assert diff["before"]["call_forward_no_answer"]["destination"] == "4000"
    assert diff["after"]["call_forward_no_answer"]["destination"] == "4001"
