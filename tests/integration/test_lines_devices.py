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
    assert numplan(sim14, "\\+14085550100") == [
        ("\\+14085550100", "Internal_PT", "Main number", "Zoë Main", "", "", "", "", "f", "", "f", "", "")]
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


def device_lines(sim, name):
    return sim.sql(
        "select m.numplanindex, n.dnorpattern, ifnull(p.name, ''), m.display, m.label, ifnull(m.e164mask, '') "
        "from devicenumplanmap m join device d on d.pkid = m.fkdevice join numplan n on n.pkid = m.fknumplan "
        "left join routepartition p on p.pkid = n.fkroutepartition where d.name = ? order by m.numplanindex", (name,))


def device_row(sim, name):
    return sim.sql(
        "select d.tkclass, pr.name, dp.name, ifnull(pool.name, ''), ifnull(css.name, ''), ifnull(u.userid, ''), "
        "ifnull(t.name, ''), ifnull(sk.name, ''), ifnull(l.name, ''), d.description from device d "
        "join typeproduct pr on pr.enum = d.tkproduct join typedeviceprotocol dp on dp.enum = d.tkdeviceprotocol "
        "left join devicepool pool on pool.pkid = d.fkdevicepool left join callingsearchspace css on css.pkid = "
        "d.fkcallingsearchspace left join enduser u on u.pkid = d.fkenduser left join phonetemplate t on "
        "t.pkid = d.fkphonetemplate left join softkeytemplate sk on sk.pkid = d.fksoftkeytemplate "
        "left join typeuserlocale l on l.enum = d.tkuserlocale where d.name = ?", (name,))


def device_tasks():
    return [
        {"name": "profile", PROFILE: {
            "name": "UDP_joiner", "product": "Cisco 8865", "protocol": "SIP", "phone_template": "Standard 8865 SIP",
            "softkey_template": "Standard User", "user_locale": "English United States", "description": "Joe EM",
            "lines": [{"pattern": "4200", "partition": "Internal_PT", "index": 1, "display": "Joe", "label": "4200"}]}},
        {"name": "jabber", PHONE: {
            "name": "CSFJOINER", "product": "Cisco Unified Client Services Framework", "protocol": "SIP",
            "device_pool": "Default", "calling_search_space": "Internal_CSS", "owner_user": "user00001",
            "lines": {"set": [{"pattern": "+14085550200", "partition": "Internal_PT", "index": 1,
                               "external_phone_number_mask": "+1408555XXXX"}]}}},
        {"name": "desk", PHONE: {
            "name": "SEP00AA11BB22CC", "product": "Cisco 8865", "protocol": "SIP", "device_pool": "Default",
            "lines": {"add": [{"pattern": "4200", "partition": "Internal_PT"}]}}},
    ]


def test_device_profiles_and_phones(ansible14, sim14):
    made = ansible14.run([
        {"name": "line a", LINE: {"pattern": "4200", "partition": "Internal_PT"}},
        {"name": "line b", LINE: {"pattern": "+14085550200", "partition": "Internal_PT"}}])
    assert made.rc == 0, made
    assert [r["result"]["changed"] for r in made.results] == [True, True]
    assert sim14.sql("select count(*) from numplan where dnorpattern in ('4200', '\\+14085550200')") == [(2,)]
    writes = sim14.stats()["writes"]
    check = ansible14.run(device_tasks(), check=True, diff=True)
    assert check.rc == 0, check
    assert all(r["result"]["changed"] for r in check.results)
    assert sim14.stats()["writes"] == writes
    assert sim14.sql("select count(*) from device where name in ('UDP_joiner', 'CSFJOINER', 'SEP00AA11BB22CC')") == [(0,)]

    first = ansible14.run(device_tasks(), diff=True)
    assert first.rc == 0, first
    assert device_row(sim14, "UDP_joiner") == [(254, "Cisco 8865", "SIP", "", "", "", "Standard 8865 SIP", "Standard User",
                                                "English United States", "Joe EM")]
    assert device_row(sim14, "CSFJOINER") == [(1, "Cisco Unified Client Services Framework", "SIP", "Default",
                                               "Internal_CSS", "user00001", "Standard Client Services Framework", "", "",
                                               "")]
    assert device_lines(sim14, "UDP_joiner") == [(1, "4200", "Internal_PT", "Joe", "4200", "")]
    assert device_lines(sim14, "CSFJOINER") == [(1, "\\+14085550200", "Internal_PT", "", "", "+1408555XXXX")]
    assert device_lines(sim14, "SEP00AA11BB22CC") == [(1, "4200", "Internal_PT", "", "", "")]

    writes = sim14.stats()["writes"]
    again = ansible14.run(device_tasks() + [
        {"name": "read profile", PROFILE_INFO: {"name": "UDP_joiner"}},
        {"name": "read phones", PHONE_INFO: {"name": "%JOINER"}}])
    assert again.rc == 0, again
    assert [r["task"] for r in again.results if r["result"].get("changed")] == []
    assert sim14.stats()["writes"] == writes
    results = by_name(again)
    profile = results["read profile"]["result"]["device_profiles"][0]
    assert (profile["name"], profile["model"], profile["protocol"]) == ("UDP_joiner", "Cisco 8865", "SIP")
    assert profile["lines"] == [{"pattern": "4200", "partition": "Internal_PT", "index": 1, "display": "Joe",
                                 "label": "4200", "external_phone_number_mask": ""}]
    assert [p["name"] for p in results["read phones"]["result"]["phones"]] == ["CSFJOINER"]

    changes = ansible14.run([
        {"name": "second line", PHONE: {"name": "CSFJOINER", "lines": {"add": [
            {"pattern": "4200", "partition": "Internal_PT", "display": "Joe 2"}]}}},
        {"name": "off the desk phone", PHONE: {"name": "SEP00AA11BB22CC", "lines": {"remove": [
            {"pattern": "4200", "partition": "Internal_PT"}]}}},
        {"name": "unknown line", PHONE: {"name": "CSFJOINER", "lines": {"add": [{"pattern": "4299"}]}},
         "ignore_errors": True},
        {"name": "duplicate index", PROFILE: {"name": "UDP_joiner", "lines": {"add": [
            {"pattern": "+14085550200", "partition": "Internal_PT", "index": 1}]}}, "ignore_errors": True},
        {"name": "product change", PHONE: {"name": "CSFJOINER", "product": "Cisco 8865"}, "ignore_errors": True},
        {"name": "unknown pool", PHONE: {"name": "CSFNEW", "product": "Cisco Unified Client Services Framework",
                                         "protocol": "SIP", "device_pool": "Defualt"}, "ignore_errors": True},
        {"name": "look-alike", PHONE: {"name": "csfjoiner", "product": "Cisco Unified Client Services Framework",
                                       "protocol": "SIP", "device_pool": "Default"}, "ignore_errors": True},
        {"name": "number in a line", PHONE: {"name": "CSFJOINER", "lines": [{"pattern": 4200}]}, "ignore_errors": True},
        {"name": "delete profile", PROFILE: {"name": "UDP_joiner", "state": "absent"}},
    ], diff=True)
    results = by_name(changes)
    assert [r["task"] for r in changes.results if r["result"].get("changed")] == [
        "second line", "off the desk phone", "delete profile"]
    assert device_lines(sim14, "CSFJOINER") == [(1, "\\+14085550200", "Internal_PT", "", "", "+1408555XXXX"),
                                                (2, "4200", "Internal_PT", "Joe 2", "", "")]
    assert device_lines(sim14, "SEP00AA11BB22CC") == []
    assert "no line 4299" in results["unknown line"]["result"]["msg"]
    assert "index 1 is used by more than one line" in results["duplicate index"]["result"]["msg"]
    assert "product cannot change" in results["product change"]["result"]["msg"]
    assert "unknown device pool 'Defualt'" in results["unknown pool"]["result"]["msg"]
    assert "differ only in letter case" in results["look-alike"]["result"]["msg"]
    assert "got the number 4200" in results["number in a line"]["result"]["msg"]
    assert sim14.sql("select count(*) from device where name in ('CSFNEW', 'csfjoiner', 'UDP_joiner')") == [(0,)]
    assert sim14.sql("select count(*) from numplan where dnorpattern in ('4200', '4299')") == [(1,)]   # lines stay
    assert device_row(sim14, "CSFJOINER")[0][1] == "Cisco Unified Client Services Framework"
    diff = results["second line"]["result"]["diff"]
    assert [i["pattern"] for i in diff["before"]["lines"]] == ["\\+14085550200"]
    assert [i["pattern"] for i in diff["after"]["lines"]] == ["\\+14085550200", "4200"]
