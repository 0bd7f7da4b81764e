"""The workflows users run: the identity and leavers roles through playbooks/provision.yml,
playbooks/deprovision_leavers.yml and playbooks/export_state.yml, against the simulator.

Playbooks are run as users run them: ``ansible-playbook -i localhost, playbooks/<name>.yml`` with the
connection in the ``CUCM_*`` environment variables (as an AWX credential injects it), or with an
inventory whose hosts are clusters.  What changed is checked by independent reads of the simulator's
database (``sim.sql``) and its write counter, never by the playbook's own claims.
"""

import datetime
import json
import sqlite3
import subprocess

import pytest
import yaml

from conftest import ANSIBLE_BIN, ANSIBLE_PYTHON, ROOT, Run, Simulator

PLAYBOOKS = ROOT / "playbooks"
PLACEHOLDER = "{00000000-0000-0000-0000-000000000000}"
ROLE_NAME = "Helpdesk Phone Read"
ADMIN_APP = "Cisco Call Manager Administration"


# ------------------------------------------------------------------------------- running playbooks
def cucm_env(sim):
    return {"CUCM_HOST": "127.0.0.1", "CUCM_PORT": str(sim.port), "CUCM_USERNAME": "administrator",
            "CUCM_PASSWORD": "ciscopsdt", "CUCM_CA_PATH": sim.cert, "CUCM_AXL_VERSION": sim.version}


def playbook(ansible, name, *args, extra_vars=None, inventory="localhost,", env=None, connection_env=True):
    """Run playbooks/<name> with ansible-playbook; the connection comes from CUCM_* variables."""
    ansible.count += 1
    result_log = ansible.workdir / f"playbook{ansible.count}.jsonl"
    cmd = [str(ANSIBLE_BIN / "ansible-playbook"), "-i", inventory, str(PLAYBOOKS / name), *args]
    for key, value in (extra_vars or {}).items():
        cmd += ["-e", json.dumps({key: value})]
    extra = dict(cucm_env(ansible.sim)) if connection_env else {}
    extra["PWD"] = str(ansible.workdir)       # as a shell in that directory sets it
    extra.update(env or {})
    full_env = ansible.env(result_log, extra)
    if not connection_env:
        for key in list(full_env):
            if key.startswith("CUCM_"):
                del full_env[key]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=600, cwd=ansible.workdir, check=False)
    results = [json.loads(line) for line in result_log.read_text().splitlines()] if result_log.exists() else []
    return Run(proc, results)


def task(run, name):
    """The result of the (last) task whose name ends with ``name``."""
    found = [r for r in run.results if r["task"].endswith(name)]
    assert found, f"no task {name!r} in {[r['task'] for r in run.results]}"
    return found[-1]["result"]


def changed_tasks(run):
    return [r["task"].split(" : ")[-1] for r in run.results if r["result"].get("changed")]


def recap_changed(run):
    line = [ln for ln in run.output.splitlines() if ln.startswith("localhost") and "changed=" in ln][-1]
    return int(line.split("changed=")[1].split()[0])


def write_yaml(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


# ------------------------------------------------------------------------------- independent reads
def users_of(sim):
    return {r[0] for r in sim.sql("select userid from enduser")}


def device_associations(sim):
    return set(sim.sql("select u.userid, d.name, m.tkuserassociation from enduserdevicemap m "
                       "join enduser u on u.pkid = m.fkenduser join device d on d.pkid = m.fkdevice"))


def group_members(sim):
    return set(sim.sql("select u.userid, g.name from enduserdirgroupmap m join enduser u on u.pkid = m.fkenduser "
                       "join dirgroup g on g.pkid = m.fkdirgroup"))


def devices(sim):
    return set(sim.sql("select d.name, u.userid from device d left join enduser u on u.pkid = d.fkenduser"))


def primary_extensions(sim):
    return set(sim.sql("select u.userid, n.dnorpattern from endusernumplanmap m join enduser u on u.pkid = m.fkenduser "
                       "join numplan n on n.pkid = m.fknumplan"))


def snapshot(sim):
    return {"users": users_of(sim), "devices": devices(sim), "associations": device_associations(sim),
            "members": group_members(sim), "extensions": primary_extensions(sim),
            "groups": set(sim.sql("select name from dirgroup")), "roles": set(sim.sql("select name from functionrole"))}


def writes(sim):
    return sim.stats()["writes"]


def title_of(sim, userid):
    return sim.sql("select title from enduser where userid = ?", (userid,))[0][0]


# ------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def sim50_session(tmp_path_factory):
    """A CUCM 14.0 simulator with 50 seeded users (user00001 and user00002 LDAP-synchronised)."""
    sim = Simulator(tmp_path_factory.mktemp("sim50"), "14.0", "--seed-users", "50")
    yield sim
    sim.stop()


@pytest.fixture
def sim50(sim50_session):
    sim50_session.reset()
    return sim50_session


@pytest.fixture
def ansible50(sim50, tmp_path, collections_path):
    from conftest import Ansible
    return Ansible(sim50, tmp_path, collections_path)


# ------------------------------------------------------------------------------- leavers
LEAVERS = ["user00005", "user00017", "user00033"]


@pytest.mark.cores
def test_leavers_three_of_fifty_check_then_apply(ansible50, sim50, tmp_path):
    assert len(users_of(sim50)) == 50
    before, writes_before = snapshot(sim50), writes(sim50)
    report = tmp_path / "leavers-report.yml"
    extra = {"leavers_userids": ",".join(LEAVERS + ["nobody"]), "leavers_report_file": str(report)}

    # check mode: the plan, no write; the report file is written anyway
    run = playbook(ansible50, "deprovision_leavers.yml", "--check", "--diff", extra_vars=extra)
    assert run.rc == 0, run
    assert writes(sim50) == writes_before and snapshot(sim50) == before
    planned = yaml.safe_load(report.read_text())
    assert planned["check_mode"] is True
    assert [(e["userid"], e["action"]) for e in planned["leavers"]] == [(u, "deleted") for u in LEAVERS]
    assert planned["not_found"] == ["nobody"]
    assert planned["counts"]["deleted"] == 3 and planned["counts"]["devices_disassociated"] == 6
    assert task(run, "Delete the leavers")["changed"] is True

    run = playbook(ansible50, "deprovision_leavers.yml", extra_vars=extra)
    assert run.rc == 0, run
    after = snapshot(sim50)
    # exactly their objects went: the users, their device associations, group memberships and
    # primary extensions; their devices stay (unowned); nothing else changed
    gone = set(LEAVERS)
    assert after["users"] == before["users"] - gone
    assert after["associations"] == {a for a in before["associations"] if a[0] not in gone}
    assert before["associations"] - after["associations"] == {a for a in before["associations"] if a[0] in gone}
    assert len(before["associations"] - after["associations"]) == 6       # a phone and a profile each
    assert after["members"] == {m for m in before["members"] if m[0] not in gone}
    assert after["extensions"] == {e for e in before["extensions"] if e[0] not in gone}
    assert {d[0] for d in after["devices"]} == {d[0] for d in before["devices"]}
    assert after["devices"] == {(name, None if owner in gone else owner) for name, owner in before["devices"]}
    assert (after["groups"], after["roles"]) == (before["groups"], before["roles"])
    done = yaml.safe_load(report.read_text())
    assert done["check_mode"] is False and done["counts"]["failed"] == 0
    assert {e["userid"]: e["groups_removed"] for e in done["leavers"]} == dict.fromkeys(LEAVERS, ["Standard CCM End Users"])
    stats = task(run, "Record the report (AWX job artifacts, by cluster)")["ansible_stats"]
    assert stats["per_host"] is False and stats["aggregate"] is True
    assert stats["data"]["leavers"]["localhost"]["counts"]["deleted"] == 3

    # again: nothing left to do (only the report file is rewritten)
    writes_now = writes(sim50)
    run = playbook(ansible50, "deprovision_leavers.yml", extra_vars=extra)
    assert run.rc == 0, run
    assert writes(sim50) == writes_now and changed_tasks(run) == ["Write the report file"]
    assert yaml.safe_load(report.read_text())["leavers"] == []


def test_leavers_max_deletions_fails_before_any_write(ansible50, sim50):
    before, writes_before = snapshot(sim50), writes(sim50)
    run = playbook(ansible50, "deprovision_leavers.yml",
                   extra_vars={"leavers_userids": LEAVERS, "leavers_max_deletions": 2})
    assert run.rc != 0
    failed = run.failed[-1]
    assert failed["task"].endswith("Refuse to de-provision more than leavers_max_deletions users (nothing has been written)")
    assert "3 users would be de-provisioned (user00005, user00017, user00033)" in failed["result"]["msg"]
    assert "max_deletions=2" in failed["result"]["msg"]
    assert writes(sim50) == writes_before
    assert snapshot(sim50) == before


def test_leavers_missing_from_authoritative_list_ldap_disabled_protected_kept(ansible50, sim50, tmp_path):
    # scope user0000% = user00001..user00009; user00001/2 are LDAP-synchronised; the authoritative
    # list (a GitOps users.yml) lacks user00001, user00002, user00004 and user00009, which is protected
    keep = tmp_path / "users.yml"
    write_yaml(keep, {"users": [{"userid": f"user0000{i}", "last_name": "X"} for i in (3, 5, 6, 7, 8)]})
    before = snapshot(sim50)
    run = playbook(ansible50, "deprovision_leavers.yml",
                   extra_vars={"leavers_scope": "user0000%", "leavers_keep_file": str(keep),
                               "leavers_protected_userids": ["user00009"]})
    assert run.rc == 0, run
    report = task(run, "Report what was done")["msg"]
    assert [(e["userid"], e["action"]) for e in report["leavers"]] == [
        ("user00001", "disabled"), ("user00002", "disabled"), ("user00004", "deleted")]
    assert report["leavers"][0]["ldap_directory"] == "corp-ldap" and "LDAP" in report["leavers"][0]["note"]
    assert report["protected"] == ["user00009"]
    after = snapshot(sim50)
    assert after["users"] == before["users"] - {"user00004"}
    touched = {"user00001", "user00002", "user00004"}
    # the LDAP users stay, in no group and with no device, so they cannot log in
    assert not {m for m in after["members"] if m[0] in touched}
    assert not {a for a in after["associations"] if a[0] in touched}
    assert {m for m in after["members"] if m[0] not in touched} == {m for m in before["members"] if m[0] not in touched}
    assert {a for a in after["associations"] if a[0] not in touched} == \
        {a for a in before["associations"] if a[0] not in touched}


def test_leavers_disable_keeps_user_and_devices(ansible50, sim50):
    before = snapshot(sim50)
    run = playbook(ansible50, "deprovision_leavers.yml",
                   extra_vars={"leavers_userids": ["user00020"], "leavers_action": "disable", "leavers_devices": "keep"})
    assert run.rc == 0, run
    after = snapshot(sim50)
    assert after["users"] == before["users"]
    assert after["members"] == before["members"] - {("user00020", "Standard CCM End Users")}
    assert after["associations"] == before["associations"]


def test_leavers_failed_write_is_reported_and_fails_the_run(ansible50, sim50, tmp_path):
    # every write throttled and no time to retry: the group/device step fails for the leaver
    sim50.faults(throttle_writes=1.0)
    report = tmp_path / "report.yml"
    run = playbook(ansible50, "deprovision_leavers.yml", env={"CUCM_RETRY_BUDGET": "0"},
                   extra_vars={"leavers_userids": ["user00021"], "leavers_report_file": str(report)})
    sim50.faults(throttle_writes=0.0)
    assert run.rc != 0
    assert run.failed[0]["task"].endswith("Remove the leavers from their groups and take their devices away")
    written = yaml.safe_load(report.read_text())
    assert written["counts"]["failed"] == 1
    assert written["failures"][0]["userid"] == "user00021" and "HTTP 503" in written["failures"][0]["msg"]
    assert "user00021" in users_of(sim50)                       # never deleted after the failed step


DEVICE_COLUMNS = ("pkid, name, description, tkclass, tkmodel, tkproduct, tkdeviceprotocol, tkdeviceprofile, fkdevicepool, "
                  "fklocation, fkcallingsearchspace, fkenduser, fkphonetemplate, fksoftkeytemplate, versionstamp")
OWNER = DEVICE_COLUMNS.split(", ").index("fkenduser")


def phone(i):
    return f"SEP{0x0A0000000000 + i:012X}"


def profile(i):
    return f"UDP_user{i:05d}"


def device_rows(sim):
    """Every row of ``device``, whole: ``{name: row}``."""
    return {row[1]: row for row in sim.sql(f"select {DEVICE_COLUMNS} from device")}


def pkid_of(sim, userid):
    return sim.sql("select pkid from enduser where userid = ?", (userid,))[0][0]


def test_leavers_devices_delete_keeps_shared_devices(ansible50, sim50, tmp_path):
    # user00040 also controls user00005's phone; user00041 can log in with user00017's profile
    setup = ansible50.run([
        {"name": "share a phone", "voiceops.cucm.cucm_end_user": {"userid": "user00040",
                                                                  "associated_devices": {"add": [phone(5)]}}},
        {"name": "share a profile", "voiceops.cucm.cucm_end_user": {"userid": "user00041",
                                                                    "em_profiles": {"add": [profile(17)]}}}])
    assert setup.rc == 0, setup
    gone = {phone(17), phone(33), profile(5), profile(33)}
    kept = [{"name": phone(5), "kind": "phone", "users": ["user00005"], "shared_with": ["user00040"]},
            {"name": profile(17), "kind": "device_profile", "users": ["user00017"], "shared_with": ["user00041"]}]
    before, before_all, writes_before = device_rows(sim50), snapshot(sim50), writes(sim50)
    numplan_before = sim50.sql("select count(*) from numplan")
    owners = {pkid_of(sim50, u) for u in LEAVERS}
    report = tmp_path / "leavers-report.yml"
    extra = {"leavers_userids": LEAVERS, "leavers_devices": "delete", "leavers_report_file": str(report)}

    # check mode: nothing written; the report says what would be deleted and what is kept
    run = playbook(ansible50, "deprovision_leavers.yml", "--check", "--diff", extra_vars=extra)
    assert run.rc == 0, run
    assert writes(sim50) == writes_before and device_rows(sim50) == before and snapshot(sim50) == before_all
    planned = yaml.safe_load(report.read_text())
    assert planned["check_mode"] is True and planned["device_handling"] == "delete"
    assert {d["name"] for d in planned["devices_deleted"]} == gone
    assert planned["devices_kept"] == kept
    assert planned["counts"]["devices_deleted"] == 4 and planned["counts"]["devices_kept"] == 2
    assert planned["counts"]["devices_disassociated"] == 2
    step = task(run, "Delete the phones and device profiles that only leavers use")
    assert step["changed"] is True and step["diff"]["before"]["devices"] == sorted(gone)

    run = playbook(ansible50, "deprovision_leavers.yml", extra_vars=extra)
    assert run.rc == 0, run
    after = device_rows(sim50)
    # exactly their unshared phones and profiles went; the shared ones stay, and nothing else in
    # device changed (but the owner of a kept device that was a deleted leaver: NULL)
    assert set(after) == set(before) - gone
    for name, row in after.items():
        expected = before[name]
        if expected[OWNER] in owners:
            expected = expected[:OWNER] + (None,) + expected[OWNER + 1:]
        assert row == expected, name
    assert sim50.sql("select count(*) from numplan") == numplan_before          # directory numbers stay
    associations = device_associations(sim50)
    assert ("user00040", phone(5), 1) in associations and ("user00041", profile(17), 4) in associations
    assert not {a for a in associations if a[0] in LEAVERS or a[1] in gone}
    assert users_of(sim50) == before_all["users"] - set(LEAVERS)
    done = yaml.safe_load(report.read_text())
    assert done["check_mode"] is False and done["counts"]["failed"] == 0 and done["devices_kept"] == kept
    assert {d["name"] for d in done["devices_deleted"]} == gone
    assert {e["userid"]: (e["devices_deleted"], e["devices_kept"]) for e in done["leavers"]} == {
        "user00005": ([profile(5)], [phone(5)]), "user00017": ([phone(17)], [profile(17)]),
        "user00033": ([phone(33), profile(33)], [])}
    # user00033's number went back to the pool with its marker; the others are still on a kept device
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    assert done["numbers_released"] == [{"userid": "user00033", "number": "100033", "partition": "Internal_PT",
                                         "marker": "released %s user00033" % today}]
    assert {(e["userid"], e["number"]) for e in done["numbers_kept"]} == {("user00005", "100005"), ("user00017", "100017")}
    assert sim50.sql("select description from numplan where dnorpattern = '100033'") == [
        ("released %s user00033" % today,)]
    assert not [r for r in sim50.sql("select description from numplan where dnorpattern in ('100005', '100017')")
                if r[0].startswith("released")]
    assert planned["numbers_released"] == [] and len(planned["numbers_kept"]) == 3      # check mode: devices still there

    # again: nothing left to do
    writes_now = writes(sim50)
    run = playbook(ansible50, "deprovision_leavers.yml", extra_vars=extra)
    assert run.rc == 0, run
    assert writes(sim50) == writes_now and changed_tasks(run) == ["Write the report file"]
    assert device_rows(sim50) == after


def test_leavers_devices_delete_with_disable_is_idempotent(ansible50, sim50):
    # the user stays (disabled), so the second run reads its devices again and finds none to delete
    extra = {"leavers_userids": ["user00020"], "leavers_action": "disable", "leavers_devices": "delete"}
    before = device_rows(sim50)
    run = playbook(ansible50, "deprovision_leavers.yml", extra_vars=extra)
    assert run.rc == 0, run
    assert set(before) - set(device_rows(sim50)) == {phone(20), profile(20)}
    assert "user00020" in users_of(sim50)
    writes_now = writes(sim50)
    run = playbook(ansible50, "deprovision_leavers.yml", extra_vars=extra)
    assert run.rc == 0, run
    step = task(run, "Delete the phones and device profiles that only leavers use")
    assert step["changed"] is False and step["deleted"] == [] and step["kept"] == []
    assert writes(sim50) == writes_now


HOSTILE_USERIDS = ["'; delete from device; --", "x' or '1'='1", "user00044' --", "') or 1=1 or userid in ('",
                   "%", '"; drop table device; --']


def test_leaver_devices_module_hostile_userids(ansible50, sim50):
    before, writes_before = device_rows(sim50), writes(sim50)
    module = "voiceops.cucm.cucm_leaver_devices"
    run = ansible50.run([{"name": "hostile only", module: {"userids": HOSTILE_USERIDS}, "register": "r"}])
    assert run.rc == 0, run
    result = task(run, "hostile only")
    assert result["changed"] is False and result["deleted"] == [] and result["kept"] == []
    assert writes(sim50) == writes_before and device_rows(sim50) == before

    # with one real leaver among them: exactly that user's phone and profile go (check mode first)
    tasks = [{"name": "hostile and user00044", module: {"userids": HOSTILE_USERIDS + ["user00044"]}, "register": "r"}]
    run = ansible50.run(tasks, check=True, diff=True)
    assert run.rc == 0, run
    assert [d["name"] for d in task(run, "hostile and user00044")["deleted"]] == [phone(44), profile(44)]
    assert writes(sim50) == writes_before and device_rows(sim50) == before
    run = ansible50.run(tasks)
    assert run.rc == 0, run
    result = task(run, "hostile and user00044")
    assert result["changed"] is True
    assert result["deleted"] == [{"name": phone(44), "kind": "phone", "users": ["user00044"]},
                                 {"name": profile(44), "kind": "device_profile", "users": ["user00044"]}]
    assert writes(sim50) == writes_before + 2
    after = device_rows(sim50)
    assert after == {name: row for name, row in before.items() if name not in (phone(44), profile(44))}

    # a user ID SQL cannot carry: refused before any request
    requests = sim50.stats()["requests"]
    run = ansible50.run([{"name": "bad", module: {"userids": ["a\\b"]}, "register": "r", "ignore_errors": True},
                         {"name": "empty", module: {"userids": []}, "register": "r", "ignore_errors": True}])
    assert sorted(r["task"].split(" : ")[-1] for r in run.failed) == ["bad", "empty"]
    assert "backslash" in task(run, "bad")["msg"] and task(run, "empty")["msg"].startswith("userids:")
    assert sim50.stats()["requests"] == requests


# ------------------------------------------------------------------------------- identity
def identity_state(base, *, role_state="present", group_state="present", users=None, settings=None):
    role = {"name": ROLE_NAME, "description": "Read phone services", "application": ADMIN_APP,
            "resources": {"set": [{"name": "Phone Services web pages", "permission": "read"}]}}
    if role_state == "absent":
        role = {"name": ROLE_NAME, "state": "absent", "detach_from_groups": True}
    group = {"name": "Helpdesk", "roles": {"set": [ROLE_NAME]}, "members": {"add": ["user00007"]}}
    if group_state == "absent":
        group = {"name": "Helpdesk", "state": "absent"}
    write_yaml(base / "roles.yml", {"roles": [role]})
    write_yaml(base / "groups.yml", {"groups": [group]})
    write_yaml(base / "users.yml", {"users": users if users is not None else [
        {"userid": "wf_new1", "first_name": "Wendy", "last_name": "New",
         "groups": {"set": ["Standard CCM End Users", "Helpdesk"]}, "pin": "24680"},
        {"userid": "user00008", "title": "Lead"}]})
    if settings:
        write_yaml(base / "settings.yml", settings)


@pytest.mark.cores
def test_identity_role_provision_check_apply_idempotent_delete(ansible14, sim14, tmp_path):
    from cucm_axl_sim.seed import credential_digest

    state = tmp_path / "state" / "localhost"           # the default: $PWD/state/<inventory host>
    identity_state(state)
    before, writes_before = snapshot(sim14), writes(sim14)

    # check mode: nothing exists yet, so only the references to the new role and the new group are pending;
    # everything else is planned and diffed as usual: the new user, the title change, the new group
    run = playbook(ansible14, "provision.yml", "--check", "--diff")
    assert run.rc == 0, run
    assert writes(sim14) == writes_before and snapshot(sim14) == before
    summary = task(run, "Summary")["msg"]
    assert summary["check_mode"] is True and summary["roles_changed"] == [ROLE_NAME]
    assert summary["groups_changed"] == ["Helpdesk"] and summary["memberships_changed"] == ["Helpdesk"]
    assert summary["pending_in_check_mode"] == ["group Helpdesk: roles Helpdesk Phone Read", "user wf_new1: groups Helpdesk"]
    assert summary["users"] == {"created": 1, "updated": 1, "deleted": 0, "unchanged": 0, "failed": 0}
    assert sorted(summary["users_changed"], key=lambda c: c["userid"]) == [
        {"userid": "user00008", "action": "updated", "fields": ["title"]},
        {"userid": "wf_new1", "action": "created", "fields": ["first_name", "groups", "last_name", "pin", "presence_group"]}]
    users_task = task(run, "Converge the end users in one task")
    assert users_task["diff"]["before"]["user00008"] == {"title": title_of(sim14, "user00008")} != {"title": "Lead"}
    assert users_task["diff"]["after"]["user00008"] == {"title": "Lead"}
    assert users_task["diff"]["after"]["wf_new1"]["groups"] == ["Helpdesk", "Standard CCM End Users"]
    assert users_task["pending"] == [{"userid": "wf_new1", "option": "groups", "names": ["Helpdesk"]}]
    group_task = task(run, "Converge the access control groups and their roles")["results"][0]
    assert group_task["diff"] == {"before": {}, "after": {"name": "Helpdesk", "roles": [ROLE_NAME]}}
    # what the reviewer reads in the log: the title change and the new user next to the pending membership
    assert f'-        "title": "{title_of(sim14, "user00008")}"' in run.output and '+        "title": "Lead"' in run.output
    assert '"wf_new1": {' in run.output and "user wf_new1: groups Helpdesk" in run.output
    assert task(run, "Converge the custom roles")["results"][0]["role"]["uuid"] == PLACEHOLDER

    run = playbook(ansible14, "provision.yml", "--diff")
    assert run.rc == 0, run
    assert sim14.sql("select r.name, t.name, m.permission from functionrole r join functionroleresourcemap m "
                     "on m.fkfunctionrole = r.pkid join typeresource t on t.enum = m.tkresource where r.name = ?",
                     (ROLE_NAME,)) == [(ROLE_NAME, "Phone Services web pages", 1)]
    assert sim14.sql("select r.name from functionroledirgroupmap m join dirgroup g on g.pkid = m.fkdirgroup "
                     "join functionrole r on r.pkid = m.fkfunctionrole where g.name = 'Helpdesk'") == [(ROLE_NAME,)]
    members = group_members(sim14)
    assert {("wf_new1", "Helpdesk"), ("wf_new1", "Standard CCM End Users"), ("user00007", "Helpdesk")} <= members
    pkid, pin = sim14.sql("select u.pkid, c.credentials from enduser u join credential c on c.fkenduser = u.pkid "
                          "where u.userid = 'wf_new1' and c.tkcredential = 4")[0]
    assert pin == credential_digest(pkid, "24680")
    assert title_of(sim14, "user00008") == "Lead"
    assert "24680" not in run.output

    writes_now = writes(sim14)
    run = playbook(ansible14, "provision.yml", "--diff")
    assert run.rc == 0, run
    assert recap_changed(run) == 0 and writes(sim14) == writes_now

    # deletions run last, in reverse order; overridden deletes the undeclared users in scope
    identity_state(state, role_state="absent", group_state="absent", users=[{"userid": "user00008", "title": "Lead"}],
                   settings={"identity_users_state": "overridden", "identity_users_scope": "wf_%"})
    run = playbook(ansible14, "provision.yml")
    assert run.rc == 0, run
    assert "wf_new1" not in users_of(sim14)
    assert not sim14.sql("select 1 from dirgroup where name = 'Helpdesk'")
    assert not sim14.sql("select 1 from functionrole where name = ?", (ROLE_NAME,))
    assert users_of(sim14) == before["users"]


# ------------------------------------------------------------------------------- GitOps loop
def sim_write(sim, statement, params=()):
    """Change the simulator's database directly (as the LDAP directory's synchronisation, or an
    administrator in the web pages, changes CUCM behind Git's back)."""
    conn = sqlite3.connect(str(sim.db), timeout=30)
    try:
        with conn:
            conn.execute(statement, params)
    finally:
        conn.close()


LDAP_OWNED = {"first_name", "middle_name", "last_name", "display_name", "mail", "telephone_number", "mobile_number",
              "home_number", "pager_number", "department", "title", "manager", "directory_uri"}


def test_gitops_export_edit_check_diff_apply(ansible14, sim14, tmp_path):
    setup = ansible14.run(f"""
        - voiceops.cucm.cucm_role:
            name: {ROLE_NAME}
            application: {ADMIN_APP}
            resources: {{set: [{{name: Phone Services web pages, permission: read}}]}}
        - voiceops.cucm.cucm_user_group:
            name: Helpdesk
            roles: {{set: ["{ROLE_NAME}"]}}
            members: {{add: [user00003]}}
    """)
    assert setup.rc == 0, setup
    state = tmp_path / "state" / "localhost"

    run = playbook(ansible14, "export_state.yml")
    assert run.rc == 0, run
    roles = yaml.safe_load((state / "roles.yml").read_text())["roles"]
    assert roles == [{"name": ROLE_NAME, "description": "", "application": ADMIN_APP,
                      "resources": {"set": [{"name": "Phone Services web pages", "permission": "read"}]}}]
    assert yaml.safe_load((state / "groups.yml").read_text()) == {"groups": [{"name": "Helpdesk", "roles": {"set": [ROLE_NAME]}}]}
    users = yaml.safe_load((state / "users.yml").read_text())["users"]
    assert len(users) == 20
    by_id = {u["userid"]: u for u in users}
    assert by_id["user00003"]["groups"] == {"set": ["Helpdesk", "Standard CCM End Users"]}
    # LDAP-synchronised users (user00001, user00002) are exported without the fields the directory owns
    assert not LDAP_OWNED & set(by_id["user00002"]) and by_id["user00002"]["groups"]["set"]
    assert {"first_name", "last_name", "title"} <= set(by_id["user00003"])
    assert yaml.safe_load((state / "phone_services.yml").read_text()) == {"phone_services": []}
    assert yaml.safe_load((state / "subscriptions.yml").read_text()) == {"subscriptions": []}

    # the directory changes an LDAP user after the export: nothing the state declares, so no failure and no change
    sim_write(sim14, "update enduser set title = 'Director' where userid = 'user00002'")

    # the export is the live state: a check of it has nothing to do
    run = playbook(ansible14, "provision.yml", "--check", "--diff")
    assert run.rc == 0, run
    assert recap_changed(run) == 0

    # edit the YAML as a pull request would: one title, one new group, a new user in it; and an LDAP user's
    # title as an older export (or a hand edit) declares it: the directory has changed it since
    for user in users:
        if user["userid"] == "user00006":
            assert user["title"] == "Agent"
            user["title"] = "Team Lead"
        if user["userid"] == "user00002":
            user["title"] = "Agent"
    users.append({"userid": "jdoe", "first_name": "Jane", "last_name": "Doe",
                  "groups": {"set": ["Night Shift", "Standard CCM End Users"]}})
    write_yaml(state / "users.yml", {"users": users})
    groups = yaml.safe_load((state / "groups.yml").read_text())["groups"]
    write_yaml(state / "groups.yml", {"groups": groups + [{"name": "Night Shift", "roles": {"set": [ROLE_NAME]}}]})

    writes_before = writes(sim14)
    run = playbook(ansible14, "provision.yml", "--check", "--diff")
    assert run.rc == 0, run
    assert writes(sim14) == writes_before
    converge = task(run, "Converge the end users in one task")
    # the plan: the title change and the new user, next to the one membership that waits for the new group
    assert sorted(converge["changes"], key=lambda c: c["userid"]) == [
        {"userid": "jdoe", "action": "created", "fields": ["first_name", "groups", "last_name", "presence_group"]},
        {"userid": "user00006", "action": "updated", "fields": ["title"]}]
    assert converge["pending"] == [{"userid": "jdoe", "option": "groups", "names": ["Night Shift"]}]
    assert converge["diff"]["before"]["user00006"] == {"title": "Agent"}
    assert converge["diff"]["after"]["user00006"] == {"title": "Team Lead"}
    assert converge["diff"]["after"]["jdoe"]["groups"] == ["Night Shift", "Standard CCM End Users"]
    # the LDAP user's title is reported, not planned
    assert converge["ldap_skipped"] == [{"userid": "user00002", "ldap_directory": "corp-ldap",
                                         "fields": {"title": {"declared": "Agent", "directory": "Director"}}}]
    assert converge["diff"]["after"]["user00002"] == {"ldap_owned_not_written": {"title": "Agent"}}
    assert any("user00002 (title)" in w for w in converge.get("warnings", []))
    groups_result = task(run, "Converge the access control groups and their roles")["results"]
    assert [(r["item"]["name"], r["changed"]) for r in groups_result] == [("Helpdesk", False), ("Night Shift", True)]
    assert groups_result[1]["diff"] == {"before": {}, "after": {"name": "Night Shift", "roles": [ROLE_NAME]}}
    summary = task(run, "Summary")["msg"]
    assert summary["pending_in_check_mode"] == ["user jdoe: groups Night Shift"]
    assert [e["userid"] for e in summary["users_ldap_skipped"]] == ["user00002"]
    assert recap_changed(run) == 2
    # what the pipeline log shows
    assert '-        "title": "Agent"' in run.output and '+        "title": "Team Lead"' in run.output
    assert '"jdoe": {' in run.output and "user jdoe: groups Night Shift" in run.output
    assert run.output.count("--- before") == 2

    run = playbook(ansible14, "provision.yml")
    assert run.rc == 0, run
    assert title_of(sim14, "user00006") == "Team Lead"
    assert title_of(sim14, "user00002") == "Director"          # the directory's value stays
    assert ("jdoe", "Night Shift") in group_members(sim14)
    assert sim14.sql("select 1 from dirgroup where name = 'Night Shift'")

    writes_now = writes(sim14)
    run = playbook(ansible14, "provision.yml", "--check", "--diff")
    assert run.rc == 0, run
    assert recap_changed(run) == 0 and writes(sim14) == writes_now

    # drift: two changes behind Git's back (a title in the administration pages, a role taken from a group
    # by SQL); the drift report names exactly those two and writes nothing, whatever the command line says
    assert ansible14.run([{"voiceops.cucm.cucm_end_user": {"userid": "user00009", "title": "Night Manager"}}]).rc == 0
    sim_write(sim14, "delete from functionroledirgroupmap where fkdirgroup = (select pkid from dirgroup where name = 'Helpdesk')")
    files = {p.name: p.read_text() for p in state.iterdir()}
    writes_now = writes(sim14)
    report = tmp_path / "drift.yml"
    run = playbook(ansible14, "drift_report.yml", extra_vars={"drift_report_file": str(report)})
    assert run.rc == 0, run
    assert writes(sim14) == writes_now
    drift = task(run, "Report the drift")["msg"]
    assert drift["drift"] == ["group Helpdesk", "user user00009: title"]
    assert [e["userid"] for e in drift["ldap_owned_not_converged"]] == ["user00002"]
    assert yaml.safe_load(report.read_text())["drift"] == drift["drift"]
    stats = task(run, "Record the drift (AWX job artifacts, by cluster)")["ansible_stats"]
    assert stats["data"]["drift"]["localhost"]["drift"] == drift["drift"]
    assert '-        "title": "Night Manager"' in run.output      # diff mode is on
    # with drift_fail the job fails (a red scheduled job), naming the drift
    run = playbook(ansible14, "drift_report.yml", extra_vars={"drift_fail": True})
    assert run.rc != 0 and "user user00009: title" in run.failed[-1]["result"]["msg"]
    assert writes(sim14) == writes_now

    # the file comparison of export_state --check --diff sees the title too, and writes no file
    run = playbook(ansible14, "export_state.yml", "--check", "--diff")
    assert run.rc == 0, run
    assert task(run, "Write users.yml")["changed"] is True and task(run, "Write roles.yml")["changed"] is False
    assert "+  title: Night Manager" in run.output
    assert {p.name: p.read_text() for p in state.iterdir()} == files


# ------------------------------------------------------------------------------- many clusters
def test_many_clusters_inventory_with_forks(ansible14, sim14, tmp_path, tmp_path_factory):
    """Two clusters (CUCM 14.0 and 15.0), one inventory host each, converged in parallel from
    per-host variables only (no CUCM_* environment), each from its own state directory."""
    example = yaml.safe_load((ROOT / "inventory" / "clusters.example.yml").read_text())
    group = example["cucm_clusters"]
    assert group["vars"]["ansible_connection"] == "local"
    assert all({"cucm_host", "cucm_password"} <= set(h) for h in group["hosts"].values())
    west = Simulator(tmp_path_factory.mktemp("west"), "15.0")
    try:
        inventory = {"cucm_clusters": {
            "vars": dict(group["vars"], cucm_username="administrator", cucm_password="ciscopsdt",
                         ansible_python_interpreter=ANSIBLE_PYTHON),
            "hosts": {name: {"cucm_host": "127.0.0.1", "cucm_port": sim.port, "cucm_ca_path": sim.cert,
                             "cucm_axl_version": sim.version}
                      for name, sim in (("east", sim14), ("west", west))}}}
        write_yaml(tmp_path / "clusters.yml", inventory)
        for name, title in (("east", "East Lead"), ("west", "West Lead")):
            write_yaml(tmp_path / "state" / name / "users.yml", {"users": [{"userid": "user00010", "title": title}]})
        run = playbook(ansible14, "provision.yml", "--forks", "2", inventory=str(tmp_path / "clusters.yml"),
                       connection_env=False)
        assert run.rc == 0, run
        assert title_of(sim14, "user00010") == "East Lead"
        assert title_of(west, "user00010") == "West Lead"
        assert "east                       : ok=" in run.output and "west                       : ok=" in run.output
    finally:
        west.stop()
