"""Self Care Portal options (enterprise and service parameters), LDAP synchronisation and read-only SQL
reports, through playbooks against the simulator.

What changed is checked by independent reads of the simulator's database (``sim.sql``) and its counters
(per task, through the ``runner`` fixture's sim_probe callback), never by the modules' own claims.
Everything runs on CUCM 14.0 except ``test_requests_are_valid_for_each_served_version`` (the strict
simulators of 12.5, 14.0 and 15.0 validate every request against Cisco's XSD; 11.5 is covered by
tests/unit/plugins/module_utils/test_service_parameter.py).
"""

import csv
import json
import sqlite3
import subprocess
import uuid

import pytest
import yaml

from conftest import BIN, ROOT, Run

PLAYBOOKS = ROOT / "playbooks"
EWD = "EnterpriseWideData"
PUB = "cucm-pub.example.com"
SELF_CARE = [
    {"name": "Show Call Forwarding", "value": False},
    {"name": "Self Care Portal Default Server", "value": PUB},
    {"name": "Show Phones Ready To Activate", "value": True},          # the default: no write
    {"name": "Effective Access Privileges For Overlapping User Groups and Roles", "value": "Minimum"},
]
LDAP = {"corp-ldap": [
    {"sAMAccountName": "user00001", "givenName": "Ada", "sn": "Bauer-Lee", "mail": "ada.bl@example.com",
     "title": "Head of Sales"},
    {"sAMAccountName": "jnew", "givenName": "Jo", "sn": "New", "mail": "jo.new@example.com"},
]}


def param(sim, name):
    return sim.sql("select paramvalue from processconfig where paramname = ?", (name,))[0][0]


def ldap_user(sim, userid):
    rows = sim.sql("select e.lastname, e.title, e.status, d.name from enduser e left join directorypluginconfig d "
                   "on d.pkid = e.fkdirectorypluginconfig where e.userid = ?", (userid,))
    return rows[0] if rows else None


def entry(run, name):
    found = [r for r in run.results if r["task"].endswith(name)]
    assert found, f"no task {name!r} in {[r['task'] for r in run.results]}"
    return found[-1]


def result(run, name):
    return entry(run, name)["result"]


def failed(run, name):
    """The message of a task that failed (ignore_errors), else an AssertionError."""
    found = entry(run, name)
    assert found["status"] == "failed", (name, found)
    return found["result"]["msg"]


FAST = {"ANSIBLE_PIPELINING": "1"}


def cucm_env(sim):
    return {"CUCM_HOST": "127.0.0.1", "CUCM_PORT": str(sim.port), "CUCM_USERNAME": "administrator",
            "CUCM_PASSWORD": "ciscopsdt", "CUCM_CA_PATH": sim.cert, "CUCM_AXL_VERSION": sim.version}


def playbook(ansible, name, extra_vars):
    """ansible-playbook playbooks/<name>, connected through the CUCM_* environment (as AWX does)."""
    ansible.count += 1
    result_log = ansible.workdir / f"playbook{ansible.count}.jsonl"
    cmd = [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(PLAYBOOKS / name)]
    for key, value in extra_vars.items():
        cmd += ["-e", json.dumps({key: value})]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=ansible.env(result_log, dict(cucm_env(ansible.sim), **FAST)),
                          timeout=600, cwd=ansible.workdir, check=False)
    results = [json.loads(line) for line in result_log.read_text().splitlines()] if result_log.exists() else []
    return Run(proc, results)


@pytest.fixture
def ldap_fixture(sim14):
    """Set the simulator's LDAP directory for a test; the settings are restored after it (reset keeps them)."""
    def configure(content, seconds):
        sim14.admin("POST", "ldap", json={"content": content, "sync_seconds": seconds})
    yield configure
    sim14.admin("POST", "ldap", json={"fixture": None, "sync_seconds": 2})


# ------------------------------------------------------------------------------- Self Care options
def test_self_care_options_change_once_then_idempotent(runner, sim14):
    task = {"voiceops.cucm.cucm_service_parameter": {"parameters": SELF_CARE}}
    run = runner.run([
        dict(task, name="plan", check_mode=True, diff=True),
        dict(task, name="apply", diff=True),
        dict(task, name="again"),
        {"name": "a bad value", "ignore_errors": True, "voiceops.cucm.cucm_service_parameter": {
            "parameters": [{"name": "Show Ring Settings", "value": False},
                           {"name": "Show Call Forwarding", "value": "sometimes"}]}},
        {"name": "out of range", "ignore_errors": True, "voiceops.cucm.cucm_service_parameter": {
            "name": "OAuth Refresh Token Expiry Timer (days)", "value": 0}},
        {"name": "unknown", "ignore_errors": True, "voiceops.cucm.cucm_service_parameter": {
            "name": "CCMUserShowCallForwards", "value": True}},
        {"name": "no server", "ignore_errors": True, "voiceops.cucm.cucm_service_parameter": {
            "name": "Multiple Login Behavior", "value": "Auto Logout", "service": "Cisco Extension Mobility"}},
        {"name": "a server's", "voiceops.cucm.cucm_service_parameter": {
            "name": "Intra-cluster Multiple Login Behavior", "value": "Auto Logout",
            "service": "Cisco Extension Mobility", "process_node": PUB}},
        {"name": "read", "voiceops.cucm.cucm_service_parameter_info": {
            "names": [p["name"] for p in SELF_CARE] + ["CCMUserShowRingSettings"]}},
    ])
    steps = run.steps
    plan = result(run, "plan")
    assert plan["changed"] and [p["changed"] for p in plan["parameters"]] == [True, True, False, True]
    assert plan["diff"]["after"]["Show Call Forwarding"] is False and plan["diff"]["before"]["Show Call Forwarding"] is True
    assert steps["plan"]["writes"] == 0 and steps["plan"]["operations"] == {"listServiceParameter": 1}
    assert steps["apply"]["writes"] == 3 and steps["apply"]["operations"]["updateServiceParameter"] == 3
    assert result(run, "apply")["changed"]
    assert not result(run, "again")["changed"] and steps["again"]["writes"] == 0
    # bad input fails before any write, naming the option
    assert "parameters[1].value: 'sometimes' is not a boolean" in failed(run, "a bad value")
    assert "0 is outside the range CUCM allows, 1 to 3650" in failed(run, "out of range")
    assert "did you mean 'CCMUserShowCallForward'" in failed(run, "unknown")
    assert "process_node: service 'Cisco Extension Mobility' parameters belong to a server" in failed(run, "no server")
    assert [steps[name]["writes"] for name in ("a bad value", "out of range", "unknown", "no server")] == [0, 0, 0, 0]
    assert result(run, "a server's")["changed"] and steps["a server's"]["writes"] == 1
    # independent read: what CUCM stores (booleans T/F, enumeration codes, the server's name)
    assert [param(sim14, n) for n in ("CCMUserShowCallForward", "CCMUserOptionsPortalDefaultServer",
                                      "CCMUserShowPhonesReadyToActivate", "EffectivePrivilegeForOverlappingGroups",
                                      "CCMUserShowRingSettings", "refreshTokenExpiryTimer",
                                      "EMMultipleLoginBehavior")] == ["F", PUB, "T", "0", "T", "60", "3"]
    read = result(run, "read")
    assert dict((p["name"], p["value"]) for p in read["parameters"]) == {
        "Show Call Forwarding": False, "Self Care Portal Default Server": PUB, "Show Phones Ready To Activate": True,
        "Effective Access Privileges For Overlapping User Groups and Roles": "Minimum", "Show Ring Settings": True}
    assert read["read_only"]["Show Call Forwarding"]["internal_name"] == "CCMUserShowCallForward"


def test_self_care_playbook_and_identity_role_declare_the_portal_options(ansible14, sim14):
    options = {"Show Call Forwarding": False, "Show Phones Ready To Activate": False}
    first = playbook(ansible14, "self_care_access.yml", {"selfcare_portal_options": options})
    assert first.rc == 0, first
    assert result(first, "Set the Self Care Portal options")["changed"]
    assert (param(sim14, "CCMUserShowCallForward"), param(sim14, "CCMUserShowPhonesReadyToActivate")) == ("F", "F")

    role = {"ansible.builtin.include_role": {"name": "voiceops.cucm.identity"}}
    run = ansible14.run([
        dict(role, name="identity with options", vars={"identity_self_care_options": {
            "Show Ring Settings": "no", "CCMUserShowCallForward": False}}),     # the second is already so
        dict(role, name="identity without options"),
    ], env=FAST)
    assert run.rc == 0, run
    converged = [r for r in run.results if r["task"].endswith("Converge the Self Care Portal options")]
    assert [(r["status"], r["result"].get("changed")) for r in converged] == [("ok", True), ("skipped", False)]
    summaries = [r["result"]["msg"] for r in run.results if r["task"].endswith("Summary")]
    assert [s["self_care_options_changed"] for s in summaries] == [["Show Ring Settings"], []]
    assert (param(sim14, "CCMUserShowRingSettings"), param(sim14, "CCMUserShowCallForward")) == ("F", "F")


# ------------------------------------------------------------------------------- SQL reports
REFUSED = [
    ("delete", "delete from enduser", "starts with 'delete'"),
    ("update", "update enduser set title = 'x'", "starts with 'update'"),
    ("drop", "drop table enduser", "starts with 'drop'"),
    ("two statements", "select userid from enduser; select name from device", "one statement"),
    ("select then delete", "select userid from enduser; delete from enduser", "one statement"),
    ("dash comment", "select userid from enduser -- ; delete from enduser", "comments (--)"),
    ("block comment", "select userid from enduser /* ; delete from enduser */", "comments (/*)"),
    ("brace comment", "select userid from enduser { ; delete from enduser }", "Informix comment"),
    ("into temp", "select * from enduser into temp t", "'INTO' is not allowed"),
    ("procedure", "execute procedure sp_wipe()", "starts with 'execute'"),
]


def test_sql_info_refuses_anything_but_one_select_before_sending(ansible14, sim14):
    counts = sim14.sql("select (select count(*) from enduser), (select count(*) from device), "
                       "(select count(*) from dirgroup)")
    cases = [{"case": case, "sql": statement} for case, statement, _message in REFUSED]
    before = sim14.stats()
    run = ansible14.run([
        {"name": "refused", "ignore_errors": True, "loop": cases, "loop_control": {"label": "{{ item.case }}"},
         "voiceops.cucm.cucm_sql_info": {"sql": "{{ item.sql }}"}},
        {"name": "hostile value stays a literal", "voiceops.cucm.cucm_sql_info": {
            "sql": "select userid from enduser where userid = {u} or lastname in {names} order by userid",
            "params": {"u": "x' or '1'='1", "names": ["'; delete from enduser; --"]}}},
        {"name": "control", "voiceops.cucm.cucm_sql_info": {"sql": "select count(*) users from enduser;"}},
    ], env=FAST)
    after = sim14.stats()
    items = entry(run, "refused")["result"]["results"]
    assert len(items) == len(REFUSED)
    for item, (case, _statement, message) in zip(items, REFUSED):
        assert item.get("failed") and message in item["msg"] and "Nothing was sent to CUCM" in item["msg"], (case, item)
    hostile = result(run, "hostile value stays a literal")
    assert hostile["rows"] == [] and "'x'' or ''1''=''1'" in hostile["sql"]
    assert result(run, "control")["rows"] == [{"users": "20"}]
    # the refused statements sent nothing at all: the only requests are the two reports that ran
    assert after["requests"] - before["requests"] == 2
    assert after["by_operation"].get("executeSQLQuery", 0) - before["by_operation"].get("executeSQLQuery", 0) == 2
    assert after["writes"] == before["writes"] and "executeSQLUpdate" not in after["by_operation"]
    assert sim14.sql("select (select count(*) from enduser), (select count(*) from device), "
                     "(select count(*) from dirgroup)") == counts


def add_directory_numbers(sim, count):
    """``count`` directory numbers no device uses, written straight into the simulator's database."""
    conn = sqlite3.connect(str(sim.db), timeout=30)
    try:
        partition = conn.execute("select pkid from routepartition where name = 'Internal_PT'").fetchone()[0]
        with conn:
            conn.executemany("insert into numplan (pkid, dnorpattern, fkroutepartition, tkpatternusage) values (?, ?, ?, 2)",
                             [(str(uuid.uuid4()), "7%05d" % i, partition) for i in range(count)])
    finally:
        conn.close()


UNASSIGNED = ("select n.dnorpattern pattern, rp.name partition from numplan n "
              "join routepartition rp on rp.pkid = n.fkroutepartition "
              "where n.tkpatternusage = 2 and not exists (select 1 from devicenumplanmap m where m.fknumplan = n.pkid) ")


def doc_reports():
    """The report tasks of docs/reports.md (its first YAML block), as the docs give them (no files)."""
    text = (ROOT / "docs" / "reports.md").read_text()
    tasks = yaml.safe_load(text.split("```yaml\n", 1)[1].split("```", 1)[0])
    for task in tasks:
        task["voiceops.cucm.cucm_sql_info"].pop("dest", None)
        task.pop("register", None)
    return tasks


def test_sql_info_pages_20000_rows_under_a_small_response_limit_and_the_docs_reports_run(ansible14, sim14, tmp_path):
    add_directory_numbers(sim14, 20000)
    expected = [r[0] for r in sim14.sql("select n.dnorpattern from numplan n where not exists (select 1 from "
                                        "devicenumplanmap m where m.fknumplan = n.pkid) order by n.dnorpattern")]
    assert len(expected) == 20000
    sim14.faults(max_response_bytes=200000)        # about 3,000 rows an answer
    before = sim14.stats()
    dest = tmp_path / "unassigned.csv"
    docs = doc_reports()
    run = ansible14.run([
        {"name": "paged", "voiceops.cucm.cucm_sql_info": {
            "sql": UNASSIGNED + "order by n.dnorpattern", "row_limit": 25000, "dest": str(dest)}},
        {"name": "capped", "voiceops.cucm.cucm_sql_info": {"sql": UNASSIGNED + "order by n.dnorpattern",
                                                           "row_limit": 150, "return_rows": False}},
        {"name": "unordered", "ignore_errors": True, "voiceops.cucm.cucm_sql_info": {"sql": UNASSIGNED}},
    ] + docs, env=FAST)
    after = sim14.stats()
    paged = result(run, "paged")
    assert paged["row_count"] == 20000 and not paged["truncated"] and paged["columns"] == ["pattern", "partition"]
    assert [r["pattern"] for r in paged["rows"]] == expected
    assert paged["changed"] and dest.stat().st_mode & 0o777 == 0o600
    with open(dest, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["pattern"] for r in rows] == expected and rows[0]["partition"] == "Internal_PT"
    capped = result(run, "capped")
    assert (capped["row_count"], capped["truncated"], capped["rows"]) == (150, True, [])
    message = failed(run, "unordered")
    assert "20000 rows match" in message and "Add an ORDER BY" in message
    queries = after["by_operation"]["executeSQLQuery"] - before["by_operation"].get("executeSQLQuery", 0)
    assert queries >= 9 + len(docs)                      # 20,000 rows could not come in fewer answers
    assert after["faults"] - before["faults"] >= 2       # "too large": the page shrank, then the unordered one
    assert after["writes"] == before["writes"]
    # the reports of docs/reports.md, as written
    for task in docs:
        assert entry(run, task["name"])["status"] == "ok", entry(run, task["name"])
    assert result(run, "End users without devices (no phone, profile or CTI association)")["rows"] == []
    members = result(run, "Members of access control groups (the groups come in through params)")["rows"]
    assert {r["userid"] for r in members} >= {"user00001", "user00020"}
    assert result(run, "Unassigned directory numbers (no device uses them)")["truncated"]   # 10,000 by default


# ------------------------------------------------------------------------------- LDAP synchronisation
def test_ldap_sync_check_mode_bounded_wait_and_waiting(runner, sim14, ldap_fixture):
    # long enough that the sync the bounded task started is still running when the next task starts,
    # even on a loaded machine (a task's start-up can take seconds)
    ldap_fixture(LDAP, 15)
    run = runner.run([
        {"name": "plan", "check_mode": True, "voiceops.cucm.cucm_ldap_sync": {"name": "corp-ldap"}},
        {"name": "bounded", "ignore_errors": True, "voiceops.cucm.cucm_ldap_sync": {
            "name": "corp-ldap", "wait_timeout": 2, "poll_interval": 1}},
        {"name": "wait", "voiceops.cucm.cucm_ldap_sync": {"poll_interval": 1}},
        {"name": "unknown", "ignore_errors": True, "voiceops.cucm.cucm_ldap_sync": {"name": "corp-ldp"}},
    ])
    steps = run.steps
    plan = result(run, "plan")
    assert plan["changed"] and plan["directories"] == [
        {"name": "corp-ldap", "started": True, "status_before": "", "status": "", "state": "unknown"}]
    assert steps["plan"]["writes"] == 0 and "doLdapSync" not in steps["plan"]["operations"]
    # started, then waited for 2 s only: the task fails, the sync goes on
    assert "did not finish within wait_timeout=2 s" in failed(run, "bounded")
    assert steps["bounded"]["operations"]["doLdapSync"] == 1 and "enduser" not in steps["bounded"]["diff"]
    # already running: not started again, waited for until it ended, reported
    waited = result(run, "wait")
    assert not waited["changed"] and waited["directories"] == [
        {"name": "corp-ldap", "started": False, "status_before": "Sync is currently under process",
         "status": "Sync is performed successfully", "state": "completed"}]
    assert steps["wait"]["writes"] == 0 and steps["wait"]["operations"]["getLdapSyncStatus"] >= 2
    assert "did you mean 'corp-ldap'" in failed(run, "unknown") and steps["unknown"]["writes"] == 0
    # independent read: the directory's users as the fixture says
    assert ldap_user(sim14, "user00001") == ("Bauer-Lee", "Head of Sales", 1, "corp-ldap")
    assert ldap_user(sim14, "jnew") == ("New", "", 1, "corp-ldap")
    assert ldap_user(sim14, "user00002")[2] == 2                          # left the directory: inactive


def test_deprovision_leavers_can_synchronise_ldap_first(ansible14, sim14, ldap_fixture):
    ldap_fixture({"corp-ldap": [{"sAMAccountName": "user00001", "sn": "Adams", "title": "Stays"}]}, 1)
    mark = sim14.mark()
    run = playbook(ansible14, "deprovision_leavers.yml", {
        "leavers_userids": "user00010", "ldap_sync_first": "true", "ldap_sync_poll_interval": 1, "ldap_sync_timeout": 60})
    assert run.rc == 0, run
    synced = result(run, "Synchronise the LDAP directories first (ldap_sync_first)")
    assert synced["directories"][0]["state"] == "completed"
    operations = [r["operation"] for r in sim14.requests_since(mark)]
    writes = [i for i, op in enumerate(operations) if op.startswith(("remove", "update", "executeSQLUpdate"))]
    assert writes and operations.index("doLdapSync") < writes[0]
    last_status = max(i for i, op in enumerate(operations) if op == "getLdapSyncStatus")
    assert last_status < writes[0]                                        # the sync had ended before the leavers
    assert ldap_user(sim14, "user00002")[2] == 2 and not sim14.sql("select 1 from enduser where userid = 'user00010'")
    # off unless asked: the pre-task's condition
    play = yaml.safe_load((PLAYBOOKS / "deprovision_leavers.yml").read_text())[0]
    assert play["pre_tasks"][0]["when"] == "ldap_sync_first | default(false) | bool"


# ------------------------------------------------------------------------------- every served version
def test_requests_are_valid_for_each_served_version(ansible, sim):
    """One run of each module per CUCM version; the strict simulators refuse a request Cisco's XSD of the
    served version does not accept (the task would fail), and the session's log check validates answers."""
    sim.admin("POST", "ldap", json={"sync_seconds": 0})
    try:
        run = ansible.run([
            {"name": "set", "voiceops.cucm.cucm_service_parameter": {"parameters": SELF_CARE[:2]}},
            {"name": "read", "voiceops.cucm.cucm_service_parameter_info": {
                "service": "Cisco Extension Mobility", "process_node": PUB}},
            {"name": "sync", "voiceops.cucm.cucm_ldap_sync": {"poll_interval": 1}},
            {"name": "report", "voiceops.cucm.cucm_sql_info": {
                "sql": "select userid from enduser where userid in {ids} order by userid", "params": {"ids": ["user00003"]}}},
        ], env=FAST)
    finally:
        sim.admin("POST", "ldap", json={"sync_seconds": 2})
    assert run.rc == 0, run
    if sim.strict:
        assert all(r["status"] in ("ok", "changed") for r in run.results)
    assert param(sim, "CCMUserShowCallForward") == "F"
    assert result(run, "report")["rows"] == [{"userid": "user00003"}]
