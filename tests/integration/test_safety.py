"""Issue 12, "Never touch the wrong person": one test per defect class, recorded as rows of
docs/reliability.md (sections 8 to 18).

Every case goes through what users touch: the shipped playbooks (``-e @file`` in AWX's ``!unsafe``
format), the roles, the modules with ``users_file`` in YAML/JSON/CSV.  What happened is read from the
simulator itself: its database (``sim.sql``, ``whole``) and its write counter, never from the module's
claim.  A refusal passes only with zero writes and an unchanged database.
"""

import json
import subprocess
import sys
import time

import pytest
import yaml

from conftest import ANSIBLE_BIN, ROOT, Run
from reliability_support import (
    Runner, changed_tables, db_diff, raw_axl, results_by_task, snippet, whole)
from test_reliability import _parallel
from tests.support.awx_specs import controller_objects

PLAYBOOKS = ROOT / "playbooks"
USER = "voiceops.cucm.cucm_end_user"
USERS = "voiceops.cucm.cucm_end_users"
GROUP = "voiceops.cucm.cucm_user_group"
ROLE = "voiceops.cucm.cucm_role"
ROLE_INFO = "voiceops.cucm.cucm_role_info"
SERVICE = "voiceops.cucm.cucm_phone_service"
STD, CTI = "Standard CCM End Users", "Standard CTI Enabled"
ADMIN_APP = "Cisco Call Manager Administration"


# ------------------------------------------------------------------------------------ helpers
def task(module, label="t", /, **options):
    return {"name": label, module: options, "register": "r"}


def userids(sim):
    return sorted(r[0] for r in sim.sql("select userid from enduser"))


def groups_of(sim, userid):
    return sorted(r[0] for r in sim.sql(
        "select g.name from enduserdirgroupmap m join enduser u on u.pkid = m.fkenduser join dirgroup g on "
        "g.pkid = m.fkdirgroup where u.userid = ?", (userid,)))


def add_user(sim, userid, last=None):
    """A local end user made by a second client (raw AXL), not by the collection; its last name is its user
    ID (first name + last name + mail are unique in CUCM, MFI-784)."""
    status, text = raw_axl(sim, "addUser", "<user><lastName>%s</lastName><userid>%s</userid><presenceGroupName>"
                           "Standard Presence group</presenceGroupName></user>" % (last or "Safety " + userid, userid))
    assert status == 200, text


def awx_vars(path, values):
    """An extra-vars file as AWX writes it: every answer ``key: !unsafe 'text'``."""
    lines = ["---"]
    for key, value in values.items():
        if "\n" in str(value):      # a textarea answer: a double-quoted scalar keeps its line breaks
            lines.append("%s: !unsafe %s" % (key, json.dumps(str(value))))
        else:
            lines.append("%s: !unsafe '%s'" % (key, str(value).replace("'", "''")))
    path.write_text("\n".join(lines) + "\n")
    return "@%s" % path


def playbook(runner, name, *args, extra_vars=None, state_dir=None):
    """Run a shipped playbook as users do (connection in CUCM_* variables, cwd = the work folder)."""
    runner.count += 1
    result_log = runner.workdir / ("results%d.jsonl" % runner.count)
    cmd = [str(ANSIBLE_BIN / "ansible-playbook"), "-i", "localhost,", str(PLAYBOOKS / name), *args]
    for key, value in (extra_vars or {}).items():
        cmd += ["-e", json.dumps({key: value})]
    sim = runner.sim
    env = runner.env(result_log, {
        "CUCM_HOST": "127.0.0.1", "CUCM_PORT": str(sim.port), "CUCM_USERNAME": "administrator",
        "CUCM_PASSWORD": "ciscopsdt", "CUCM_CA_PATH": sim.cert, "CUCM_AXL_VERSION": sim.version,
        "PWD": str(runner.workdir)})
    if state_dir is not None:
        cmd += ["-e", json.dumps({"cucm_state_dir": str(state_dir)})]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, cwd=runner.workdir, check=False)
    results = [json.loads(line) for line in result_log.read_text().splitlines()] if result_log.exists() else []
    return Run(proc, results)


def failure(run):
    """The message of the first failed task of a run ('' when none failed)."""
    failed = [r for r in run.results if r["status"] == "failed"]
    return (failed[0]["result"].get("msg") or json.dumps(failed[0]["result"])[:400]) if failed else ""


class Watch:
    """Writes and database changes around a block of work (the simulator's counter, the whole database)."""

    def __init__(self, sim):
        self.sim = sim
        self.writes = sim.stats()["writes"]
        self.db = whole(sim)

    def delta(self):
        return self.sim.stats()["writes"] - self.writes, sorted(db_diff(self.db, whole(self.sim)))

    def nothing(self):
        writes, tables = self.delta()
        return writes == 0 and not tables, "writes %d; tables changed: %s" % (writes, ", ".join(tables) or "none")


def role_refusals(runner, role, cases):
    """One play, one block per case: include ``role`` with the case's variables, and record the failure
    message (rescue).  Returns ``({case: message or None}, run)``."""
    tasks = [{"name": "start", "ansible.builtin.set_fact": {"outcome": {}}}]
    for case, variables in cases:
        tasks.append({"name": "case %s" % case, "block": [
            {"name": "role %s" % case, "ansible.builtin.include_role": {"name": role}, "vars": variables},
            {"name": "not refused %s" % case,
             "ansible.builtin.set_fact": {"outcome": "{{ outcome | combine({%r: None}) }}" % case}}],
            "rescue": [{"name": "refused %s" % case, "ansible.builtin.set_fact": {
                "outcome": "{{ outcome | combine({%r: ansible_failed_result.msg | default('failed')}) }}" % case}}]})
    tasks.append({"name": "outcome", "ansible.builtin.debug": {"var": "outcome"}})
    run = runner.run(tasks)
    found = [r for r in run.results if r["task"] == "outcome"]
    return (found[-1]["result"]["outcome"] if found else {}), run


def module_refusals(runner, cases):
    """One play, one task per case (ignore_errors); ``cases``: (id, task).  Returns ``{id: (result,
    step)}`` where step holds the task's writes and changed tables (the sim_probe callback)."""
    run = runner.run([dict(t, name="case %s" % i, ignore_errors=True) for i, t in cases])
    results = results_by_task(run)
    return dict((i, (results.get("case %s" % i, {}), run.steps.get("case %s" % i, {}))) for i, _t in cases), run


def refused(result, step, *texts):
    """A module case refused before any write: (passed, observed)."""
    msg = (result or {}).get("result", {}).get("msg") or ""
    failed = (result or {}).get("status") == "failed"
    writes = step.get("writes", "?")
    tables = changed_tables(step) if step else ["?"]
    ok = failed and all(t in msg for t in texts) and writes == 0 and not tables
    return ok, "%s: \"%s\"; writes %s; tables changed: %s" % (
        "failed" if failed else (result or {}).get("status"), snippet(msg, 260), writes, ", ".join(tables) or "none")


# ====================================================================== 8. keep and protect lists (class 1)
def _keep_everyone_but(sim, leavers, numbers_unquoted=()):
    """YAML of a users.yml-style keep list: everyone in the simulator except ``leavers``; the user IDs in
    ``numbers_unquoted`` written without quotes, as a hand-made file (or a YAML dump of numbers) has them."""
    lines = ["users:"]
    for userid in userids(sim):
        if userid in leavers:
            continue
        lines.append("  - userid: %s" % (userid if userid in numbers_unquoted else json.dumps(userid)))
    return "\n".join(lines) + "\n"


def test_keep_lists(runner, sim14, rec, tmp_path):
    for userid in ("1001", "1002", "0042", "0043"):
        add_user(sim14, userid)
    leavers = {"1002", "0043"}
    everyone = set(userids(sim14))
    base = ["-e", json.dumps({"leavers_scope": "%", "leavers_max_deletions": 2})]

    # the authoritative list in every supported format, numeric user IDs unquoted in YAML
    files = {
        "K01": ("keep.yml", _keep_everyone_but(sim14, leavers, numbers_unquoted=("1001", "0042"))),
        "K02": ("keep.txt", "# who stays\n" + "\n".join(sorted(everyone - leavers)) + "\n"),
        "K03": ("keep.csv", "userid,last_name\n" + "\n".join("%s,X" % u for u in sorted(everyone - leavers)) + "\n"),
        "K04": ("keep.json", "[" + ", ".join(u if u in ("1001",) else json.dumps(u) for u in sorted(everyone - leavers))
                + "]"),
    }
    for case, (name, text) in files.items():
        sim14.reset()
        for userid in ("1001", "1002", "0042", "0043"):
            add_user(sim14, userid)
        path = tmp_path / name
        path.write_text(text)
        run = playbook(runner, "deprovision_leavers.yml", *base, "-e", json.dumps({"leavers_keep_file": str(path)}))
        left = everyone - set(userids(sim14))
        rec.add(case, "keep-lists", "leavers", "keep file %s%s: exactly 1002 and 0043 de-provisioned; 1001 and 0042 "
                "stay" % (name, " (1001 and 0042 unquoted)" if case in ("K01",) else " (1001 unquoted)" if case == "K04" else ""),
                "rc %d; de-provisioned: %s%s" % (run.rc, sorted(left), "" if run.rc == 0 else "; " + snippet(failure(run))),
                run.rc == 0 and left == leavers)

    # inputs that cannot be read exactly: refused before anything is read from or written to the cluster
    sim14.reset()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "keep.lst").write_text("user00003\n")
    (bad / "empty.yml").write_text("users: []\n")
    (bad / "scalar.yml").write_text("just some text\n")
    (bad / "nouserid.csv").write_text("name\nuser00003\n")
    (bad / "bool.yml").write_text("- yes\n- user00003\n")
    (bad / "blank.txt").write_text("user00003 \n")
    scope = {"leavers_scope": "user%", "leavers_max_deletions": 30}
    cases = [
        ("K10", dict(scope, leavers_keep_file=str(bad / "keep.lst")), "must end in", "unknown file kind"),
        ("K11", dict(scope, leavers_keep_file=str(bad / "empty.yml")), "names nobody", "keep file that names nobody"),
        ("K12", dict(scope, leavers_keep_file=str(bad / "missing.yml")), "does not exist", "missing keep file"),
        ("K13", dict(scope, leavers_keep_file=str(bad / "scalar.yml")), "expected a list", "plain text in a .yml file"),
        ("K14", dict(scope, leavers_keep_file=str(bad / "nouserid.csv")), "'userid' column", "CSV without userid"),
        ("K15", dict(scope, leavers_keep_file=str(bad / "bool.yml")), "entry 1", "a YAML boolean as a user ID"),
        ("K16", dict(scope, leavers_keep_file=str(bad / "blank.txt")), "trailing blank", "an ID with a trailing blank"),
        ("K17", dict(scope, leavers_keep_userids=[1003]), "quote it", "a number in the keep list"),
        ("K18", dict(scope, leavers_keep_userids=["USER00003"] + ["user%05d" % i for i in range(4, 21)]),
         "looks like", "keep entry differing only in letter case from a user in scope"),
        ("K19", dict(leavers_userids=["User00004"], leavers_protected_userids=["user00004"]), "looks like",
         "leaver differing only in letter case from a protected user"),
        ("K20", dict(leavers_scope="user%"), "authoritative list", "scope without a keep list"),
    ]
    watch = Watch(sim14)
    outcome, run = role_refusals(runner, "voiceops.cucm.leavers", [(c, v) for c, v, _t, _w in cases])
    nothing, observed = watch.nothing()
    for case, _v, text, what in cases:
        msg = outcome.get(case)
        rec.add(case, "keep-lists", "leavers", "%s: refused (%r) before any write" % (what, text),
                "refused: \"%s\"" % snippet(msg, 240) if msg else "not refused (%r)" % (msg,),
                bool(msg) and text in msg)
    rec.add("K1x", "keep-lists", "leavers", "the %d refusals together: 0 writes, database unchanged" % len(cases),
            observed, nothing and run.rc == 0)

    # keep and protected user IDs given as text on the command line (-e name=value)
    sim14.reset()
    before = set(userids(sim14))
    run = playbook(runner, "deprovision_leavers.yml", "-e", "leavers_userids=user00003,user00004",
                   "-e", "leavers_protected_userids=user00003")
    left = before - set(userids(sim14))
    rec.add("K21", "keep-lists", "leavers", "-e leavers_protected_userids=user00003 (text) with leavers user00003,user00004: "
            "only user00004 de-provisioned", "rc %d; de-provisioned: %s" % (run.rc, sorted(left)),
            run.rc == 0 and left == {"user00004"})
    sim14.reset()
    run = playbook(runner, "deprovision_leavers.yml", "-e", "leavers_scope=user0001%", "-e",
                   "leavers_keep_userids=user00010,user00011,user00012,user00013,user00014,user00015,user00016,user00017,"
                   "user00019")
    left = before - set(userids(sim14))
    rec.add("K22", "keep-lists", "leavers", "-e leavers_keep_userids=... (comma text) with scope user0001%: only "
            "user00018 de-provisioned", "rc %d; de-provisioned: %s" % (run.rc, sorted(left)),
            run.rc == 0 and left == {"user00018"})
    rec.verify()


# ====================================================================== 9. survey text (class 2)
@pytest.mark.cores
def test_survey_text(runner, sim14, rec, tmp_path):
    for userid in ("jane doe", "jane", "doe", "0042", "34", "10042"):
        add_user(sim14, userid)
    before = set(userids(sim14))
    cases = [
        ("V01", "jane doe", {"jane doe"}, "'jane doe' is one user ID (a blank inside an ID is kept)"),
        ("V02", "user00003\nuser00004\n", {"user00003", "user00004"}, "one user ID per line"),
        ("V03", "user00005, user00006", {"user00005", "user00006"}, "comma-separated, blanks around ignored"),
        ("V04", "0042", {"0042"}, "'0042' as AWX writes it (!unsafe): the user 0042, not 34"),
        ("V05", "10042", {"10042"}, "a numeric user ID as AWX writes it (!unsafe)"),
    ]
    for case, text, expected, what in cases:
        sim14.reset()
        for userid in ("jane doe", "jane", "doe", "0042", "34", "10042"):
            add_user(sim14, userid)
        args = awx_vars(tmp_path / ("%s.yml" % case), {"leavers_userids": text})
        run = playbook(runner, "deprovision_leavers.yml", "-e", args)
        left = before - set(userids(sim14))
        rec.add(case, "survey-text", "leavers", "%s: exactly %s de-provisioned" % (what, sorted(expected)),
                "rc %d; de-provisioned: %s%s" % (run.rc, sorted(left), "" if run.rc == 0 else "; " + snippet(failure(run))),
                run.rc == 0 and left == expected)
    template = next(t for t in controller_objects()["controller_templates"] if t["playbook"] == "deprovision_leavers.yml")
    question = next(q for q in template["survey_spec"]["spec"] if q["variable"] == "leavers_userids")
    documented = "per line" in question["question_description"] and "commas" in question["question_description"]
    rec.add("V06", "survey-text", "awx survey", "the survey states the format (one per line, or commas)",
            question["question_description"], documented)
    rec.verify()


# ====================================================================== 10. nothing declared (class 3)
def test_empty_declarations(runner, sim14, rec, tmp_path):
    empty = tmp_path / "empty.yml"
    empty.write_text("users: []\n")
    in_scope = len([u for u in userids(sim14) if u.startswith("user")])
    cases = [
        ("N01", task(USERS, state="overridden", scope={"userid": "user%"}, users=[], max_deletions=100),
         ["would delete every user in scope", "(%d:" % in_scope, "allow_empty"], "overridden with users: []"),
        ("N02", task(USERS, state="overridden", scope={"userid": "user%"}, users_file=str(empty), max_deletions=100),
         ["would delete every user in scope"], "overridden with a users_file that lists nobody"),
        ("N03", task(USERS, state="overridden", scope={"userid": ""}, users=[{"userid": "user00003"}]),
         ["scope.userid is empty"], "an empty scope.userid (it used to become %)"),
        ("N04", task(USERS, state="deleted", users=[]), ["allow_empty"], "deleted with users: []"),
    ]
    found, _run = module_refusals(runner, [(i, t) for i, t, _x, _w in cases])
    for case, _t, texts, what in cases:
        ok, observed = refused(*found[case], *texts)
        rec.add(case, "empty-declarations", "cucm_end_users", "%s: refused naming what would be deleted; 0 writes" % what,
                observed, ok)

    # provision.yml with settings.yml (overridden) but no users.yml: the role refuses, nothing deleted
    state = tmp_path / "state" / "localhost"
    state.mkdir(parents=True)
    (state / "settings.yml").write_text(yaml.safe_dump({"identity_users_state": "overridden",
                                                        "identity_users_scope": "user%", "identity_max_deletions": 100}))
    watch = Watch(sim14)
    run = playbook(runner, "provision.yml", state_dir=state)
    nothing, observed = watch.nothing()
    msg = failure(run)
    rec.add("N05", "empty-declarations", "provision", "overridden with users.yml missing: refused, every user kept",
            "rc %d: \"%s\"; %s" % (run.rc, snippet(msg, 200), observed),
            run.rc != 0 and "would delete every user in scope" in msg and nothing)

    # with allow_empty the task says so explicitly and it runs (a scope that holds nobody here)
    run = runner.run([task(USERS, state="overridden", scope={"userid": "nobody%"}, users=[], allow_empty=True)])
    rec.add("N06", "empty-declarations", "cucm_end_users", "allow_empty: true on a scope holding nobody: runs, deletes 0",
            "rc %d; counts %s" % (run.rc, run.result().get("counts")), run.rc == 0 and run.result()["counts"]["deleted"] == 0)
    rec.verify()


# ====================================================================== 11. bounded deletes (class 4)
def test_bounded_deletes(runner, sim14, rec, tmp_path):
    doomed = [{"userid": "user%05d" % i} for i in (3, 4, 5)]
    found, _run = module_refusals(runner, [
        ("D01", task(USERS, state="deleted", users=doomed, max_deletions=2)),
        ("D02", task(USERS, state="deleted", users=doomed)),
    ])
    ok, observed = refused(*found["D01"], "would delete 3 users", "max_deletions=2")
    rec.add("D01", "bounded-deletes", "cucm_end_users", "state=deleted of 3 users with max_deletions=2: refused, 0 writes",
            observed, ok)
    result, step = found["D02"]
    ok = result.get("status") == "ok" and step.get("writes") == 3 and not set(u["userid"] for u in doomed) & set(userids(sim14))
    rec.add("D02", "bounded-deletes", "cucm_end_users", "state=deleted of 3 users within the default max_deletions (10): "
            "deleted", "status %s; writes %s" % (result.get("status"), step.get("writes")), ok)

    sim14.reset()
    watch = Watch(sim14)
    outcome, run = role_refusals(runner, "voiceops.cucm.identity", [
        ("D03", {"identity_users": doomed, "identity_users_state": "deleted", "identity_max_deletions": 1})])
    nothing, observed = watch.nothing()
    msg = outcome.get("D03") or ""
    rec.add("D03", "bounded-deletes", "identity", "identity_users_state=deleted of 3 users, identity_max_deletions=1: "
            "refused before any write", "\"%s\"; %s" % (snippet(msg, 200), observed),
            "max_deletions=1" in msg and nothing)

    # leavers_devices=delete: user00007's phone and device profile are 2 devices; the bound is 1
    watch = Watch(sim14)
    outcome, run = role_refusals(runner, "voiceops.cucm.leavers", [
        ("D04", {"leavers_userids": ["user00007"], "leavers_devices": "delete", "leavers_max_device_deletions": 1})])
    nothing, observed = watch.nothing()
    msg = outcome.get("D04") or ""
    rec.add("D04", "bounded-deletes", "leavers", "leavers_devices=delete with 2 devices to delete and "
            "leavers_max_device_deletions=1: refused before any write (subscriptions and groups untouched)",
            "\"%s\"; %s" % (snippet(msg, 200), observed), "max_deletions=1" in msg and nothing)
    rec.verify()


# ====================================================================== 12. look-alike identities (class 5)
def test_lookalike_identities(runner, sim14, rec, tmp_path):
    add_user(sim14, "jane doe")
    assert runner.run([task(SERVICE, name="Safety Svc", url="http://apps.example.com/x")]).rc == 0
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps([{"userid": "newbie", "last_name": "A"}, {"userid": "NewBie", "last_name": "B"}]))
    declared = [{"userid": "user%05d" % i} for i in range(4, 21)] + [{"userid": "USER00003", "last_name": "Shadow"}]
    cases = [
        ("A01", task(USER, userid="User00003", last_name="Shadow"), ["differ only in letter case", "user00003"],
         "cucm_end_user: User00003 while user00003 exists"),
        ("A02", task(USERS, state="overridden", scope={"userid": "user%"}, users=declared, max_deletions=5),
         ["USER00003", "differ only in letter case"], "overridden declaring USER00003 (user00003 would be deleted)"),
        ("A03", task(USER, userid="user00003 ", last_name="X"), ["trailing blank"], "trailing blank"),
        ("A04", task(USER, userid="user\u200b00003", last_name="X"), ["U+200B"], "zero-width space"),
        ("A05", task(USER, userid="jane\u00a0doe", last_name="X"), ["U+00A0"], "non-breaking space"),
        ("A06", task(USER, userid="Jose\u0301", last_name="X"), ["NFC"], "decomposed accent (not NFC)"),
        ("A07", task(GROUP, name="standard ccm end users", members={"add": ["user00005"]}),
         ["differ only in letter case", STD], "cucm_user_group 'standard ccm end users' (a roleless copy)"),
        ("A08", task(ROLE, name="standard ccm end users", application=ADMIN_APP),
         ["differ only in letter case"], "cucm_role 'standard ccm end users'"),
        ("A09", task(USERS, users_file=str(mixed)), ["declared more than once", "differ only in letter case"],
         "users_file declaring newbie and NewBie"),
        ("A10", task(USER, userid="user00005", groups={"add": ["standard cti enabled"]}),
         ["unknown access control group", CTI], "a group named in another letter case"),
        ("A11", task(GROUP, name="Safety Group", members={"add": ["user00005\u200b"]}), ["U+200B"],
         "a member with a zero-width space"),
        ("A13", task(SERVICE, name="safety svc", url="http://apps.example.com/y"),
         ["differ only in letter case", "Safety Svc"], "cucm_phone_service 'safety svc' while 'Safety Svc' exists"),
    ]
    found, _run = module_refusals(runner, [(i, t) for i, t, _x, _w in cases])
    for case, t, texts, what in cases:
        ok, observed = refused(*found[case], *texts)
        rec.add(case, "lookalike-identities", next(k for k in t if k.startswith("voiceops")).rsplit(".", 1)[-1],
                "%s: refused naming the existing object; 0 writes" % what, observed, ok)
    rows = sim14.sql("select name from dirgroup where lower(name) = 'standard ccm end users'")
    users_now = userids(sim14)
    services = sim14.sql("select name from telecasterservice where lower(name) = 'safety svc'")
    ok = len(rows) == 1 and "user00003" in users_now and len(services) == 1 and \
        not [u for u in users_now if u.lower() == "user00003" and u != "user00003"]
    rec.add("A12", "lookalike-identities", "all", "after every case: one 'Standard CCM End Users' group, one 'Safety Svc' "
            "service, user00003 still there, no shadow user", "groups %s; services %s; users like user00003: %s" % (
                [r[0] for r in rows], [r[0] for r in services], [u for u in users_now if u.lower() == "user00003"]), ok)
    rec.verify()


# ====================================================================== 13. numbers as text (class 6)
def credential_ok(sim, userid, kind, value):
    from cucm_axl_sim.seed import credential_digest
    rows = sim.sql("select c.credentials, u.pkid from credential c join enduser u on u.pkid = c.fkenduser "
                   "where u.userid = ? and c.tkcredential = ?", (userid, {"password": 3, "pin": 4}[kind]))
    return bool(rows) and rows[0][0] == credential_digest(rows[0][1], value)


@pytest.mark.cores
def test_numbers_as_text(runner, sim14, rec, tmp_path):
    # files read by the module keep the text as written
    (tmp_path / "users.yml").write_text("users:\n  - userid: 0042\n    last_name: Zero\n    pin: 0123\n"
                                        "  - userid: 1001\n    last_name: Plain\n    enable_cti: no\n")
    (tmp_path / "users.json").write_text('[{"userid": 2002, "last_name": "Json", "pin": 4321}]')
    (tmp_path / "users.csv").write_text("userid,last_name,pin\n0077,Csv,0099\n")
    run = runner.run([task(USERS, "yaml", users_file=str(tmp_path / "users.yml")),
                      task(USERS, "json", users_file=str(tmp_path / "users.json")),
                      task(USERS, "csv", users_file=str(tmp_path / "users.csv"))])
    now = set(userids(sim14))
    cti = sim14.sql("select allowcticontrolflag from enduser where userid = '1001'")
    checks = [
        ("T01", "users_file YAML `userid: 0042`: user '0042' created (not '34')", "0042" in now and "34" not in now),
        ("T02", "users_file YAML `pin: 0123`: PIN '0123' stored (not '83')", credential_ok(sim14, "0042", "pin", "0123")),
        ("T03", "users_file YAML `userid: 1001`, `enable_cti: no`: user '1001', CTI off (booleans keep their meaning)",
         "1001" in now and bool(cti) and str(cti[0][0]).lower() in ("f", "0", "false")),
        ("T04", "users_file JSON numbers `\"userid\": 2002`, `\"pin\": 4321`: taken as the text written",
         "2002" in now and credential_ok(sim14, "2002", "pin", "4321")),
        ("T05", "users_file CSV `0077,Csv,0099`: user '0077', PIN '0099'",
         "0077" in now and credential_ok(sim14, "0077", "pin", "0099")),
    ]
    for case, what, ok in checks:
        rec.add(case, "numbers-as-text", "cucm_end_users", what, "rc %d; users now include %s" % (
            run.rc, sorted(u for u in now if not u.startswith("user"))), run.rc == 0 and ok)

    # numbers written inline in a task are refused: YAML may have changed them already (0123 is 83)
    sim14.reset()
    inline = [
        ("T10", "- name: case T10\n  voiceops.cucm.cucm_end_user: {userid: numpin, last_name: X, pin: 0123}\n"
                "  ignore_errors: true\n", ["pin", "quote it"], "inline `pin: 0123`"),
        ("T11", "- name: case T11\n  voiceops.cucm.cucm_end_user: {userid: 1001, last_name: X}\n  ignore_errors: true\n",
         ["userid", "1001", "quote it"], "inline `userid: 1001`"),
        ("T12", "- name: case T12\n  voiceops.cucm.cucm_end_users: {users: [{userid: 0042, last_name: X}]}\n"
                "  ignore_errors: true\n", ["users[0]", "userid", "quote it"], "inline users item `userid: 0042`"),
        ("T13", "- name: case T13\n  voiceops.cucm.cucm_user_group: {name: Safety Nums, members: {add: [1001]}}\n"
                "  ignore_errors: true\n", ["members", "quote it"], "a number in a list of members"),
        ("T14", "- name: case T14\n  voiceops.cucm.cucm_end_user: {userid: numpin2, last_name: X, pin: 0123}\n"
                "  ignore_errors: true\n", ["pin", "(hidden)"], "the refused PIN is not shown"),
    ]
    run = runner.run("".join(t for _c, t, _x, _w in inline))
    results = results_by_task(run)
    for case, _t, texts, what in inline:
        ok, observed = refused(results.get("case %s" % case, {}), run.steps.get("case %s" % case, {}), *texts)
        if case == "T14":
            ok = ok and "83" not in json.dumps(results.get("case T14", {}))
        rec.add(case, "numbers-as-text", "modules", "%s: refused naming the field, \"quote it\"; 0 writes" % what,
                observed, ok)

    # AWX survey answers (!unsafe '...'), through the shipped playbooks: taken exactly on every ansible-core
    state = tmp_path / "state" / "localhost"
    state.mkdir(parents=True)
    (state / "users.yml").write_text(yaml.safe_dump({"users": [{"userid": "awxnew", "last_name": "Survey One"},
                                                               {"userid": "awxnew2", "last_name": "Survey Two"}]}))
    (state / "settings.yml").write_text("identity_users_concurrency: 1\n")
    run = playbook(runner, "provision.yml", "-e", awx_vars(tmp_path / "pin.yml", {"identity_default_pin": "0042"}),
                   state_dir=state)
    rec.add("T20", "numbers-as-text", "provision", "AWX survey `identity_default_pin: !unsafe '0042'`: new users get PIN "
            "'0042' (ansible-core 2.19+ reads it as 34 without the collection's help)",
            "rc %d; PIN 0042 stored: %s%s" % (run.rc, credential_ok(sim14, "awxnew", "pin", "0042"),
                                              "" if run.rc == 0 else "; " + snippet(failure(run))),
            run.rc == 0 and credential_ok(sim14, "awxnew", "pin", "0042") and credential_ok(sim14, "awxnew2", "pin", "0042"))
    add_user(sim14, "10042")
    run = playbook(runner, "ippa_password_self_service.yml", "-e",
                   awx_vars(tmp_path / "ippa.yml", {"ippa_agent_id": "10042", "ippa_new_password": "80447215"}))
    msg = failure(run)
    rec.add("T21", "numbers-as-text", "ippa_password_self_service", "AWX survey `ippa_agent_id: !unsafe '10042'`: read as "
            "the user ID 10042 (the run then stops at the missing subscription, nothing written)",
            "rc %d: \"%s\"" % (run.rc, snippet(msg, 200)), "agent ID '10042'" in msg and "give the agent" not in msg)
    rec.verify()


# ====================================================================== 14. lost updates (class 7)
def _two_at_once(sim, tmp_path, collections_path, plays):
    runners = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir(parents=True, exist_ok=True)
        runners.append(Runner(sim, tmp_path / name, collections_path))
    sim.faults(latency_ms=100, write_barrier=2)
    try:
        return _parallel(runners, plays, tmp_path)
    finally:
        sim.faults(latency_ms=0, write_barrier=0)


def role_rows(sim, role):
    return sorted(sim.sql("select tr.name, m.permission from functionroleresourcemap m join functionrole r on "
                          "r.pkid = m.fkfunctionrole join typeresource tr on tr.enum = m.tkresource where r.name = ?", (role,)))


def test_lost_updates(runner, sim14, rec, tmp_path, collections_path):
    assert runner.run([task(GROUP, "g1", name="Safety A", copy_from=STD), task(GROUP, "g2", name="Safety B", copy_from=STD),
                       task(ROLE, "r", name="Safety Role", application=ADMIN_APP,
                            resources={"set": [{"name": "Phone web pages", "permission": "read"}]})]).rc == 0

    runs = _two_at_once(sim14, tmp_path / "u1", collections_path, [
        [task(USER, userid="user00005", groups={"add": ["Safety A"]})],
        [task(USER, userid="user00005", groups={"add": ["Safety B"]})]])
    groups = groups_of(sim14, "user00005")
    rec.add("U01", "lost-updates", "cucm_end_user", "two jobs at once: groups.add Safety A and groups.add Safety B to "
            "user00005: both groups (and the one it had)", "rc %s; groups %s" % ([r.rc for r in runs], groups),
            [r.rc for r in runs] == [0, 0] and groups == sorted(["Safety A", "Safety B", STD]))

    runs = _two_at_once(sim14, tmp_path / "u2", collections_path, [
        [task(USERS, users=[{"userid": "user00006", "groups": {"add": ["Safety A"]}}])],
        [task(GROUP, name="Safety B", members={"add": ["user00006"]})]])
    groups = groups_of(sim14, "user00006")
    rec.add("U02", "lost-updates", "cucm_end_users + cucm_user_group", "at once: cucm_end_users groups.add Safety A and "
            "cucm_user_group members.add user00006 to Safety B: both", "rc %s; groups %s" % ([r.rc for r in runs], groups),
            [r.rc for r in runs] == [0, 0] and groups == sorted(["Safety A", "Safety B", STD]))

    runs = _two_at_once(sim14, tmp_path / "r1", collections_path, [
        [task(ROLE, name="Safety Role", resources={"add": [{"name": "User web pages", "permission": "read"}]})],
        [task(ROLE, name="Safety Role", resources={"add": [{"name": "Device Profile web pages", "permission": "update"}]})]])
    rows = role_rows(sim14, "Safety Role")
    rec.add("U03", "lost-updates", "cucm_role", "two jobs at once add different resources: all three resources, one row "
            "each", "rc %s; rows %s" % ([r.rc for r in runs], rows),
            [r.rc for r in runs] == [0, 0]
            and rows == sorted([("Phone web pages", 1), ("User web pages", 1), ("Device Profile web pages", 2)]))

    runs = _two_at_once(sim14, tmp_path / "r2", collections_path, [
        [task(ROLE, name="Safety Role", resources={"add": [{"name": "Route Partition web pages", "permission": "read"}]})],
        [task(ROLE, name="Safety Role", resources={"add": [{"name": "Route Partition web pages", "permission": "update"}]})]])
    rows = [r for r in role_rows(sim14, "Safety Role") if r[0] == "Route Partition web pages"]
    info = runner.run([task(ROLE_INFO, name="Safety Role")])
    exported = [r for role in info.result().get("roles", []) for r in role.get("resources", {}).get("set", [])
                if r["name"] == "Route Partition web pages"]
    rec.add("U04", "lost-updates", "cucm_role", "two jobs at once add one resource as read and as update: one row with one "
            "of the two declared permissions (never read_update, never 2 rows), and the export is valid input",
            "rc %s; rows %s; exported %s" % ([r.rc for r in runs], rows, exported),
            [r.rc for r in runs] == [0, 0] and len(rows) == 1 and rows[0][1] in (1, 2)
            and len(exported) == 1 and exported[0]["permission"] in ("read", "update"))
    rec.verify()


# ====================================================================== 16. half-done work (class 9)
def test_half_done_defaults_and_role_delete(runner, sim14, rec, tmp_path):
    users = [{"userid": "halfnew1", "last_name": "A"}, {"userid": "user00005", "title": "Changed"},
             {"userid": "halfnew2", "last_name": "B"}]
    case = task(USERS, users=users, default_pin="abc", concurrency=1)
    for label, check in (("H01", True), ("H02", False)):
        watch = Watch(sim14)
        run = runner.run([dict(case, ignore_errors=True)], check=check)
        nothing, observed = watch.nothing()
        msg = failure(run)
        rec.add(label, "half-done", "cucm_end_users", "default_pin 'abc' with 2 users to create and 1 to update, %s: fails "
                "naming default_pin before any write" % ("check mode" if check else "applied"),
                "\"%s\"; %s" % (snippet(msg, 160), observed), "default_pin" in msg and "digits only" in msg and nothing)

    # a role delete whose final answer is lost: the role is gone, and the task says it was deleted
    assert runner.run([task(ROLE, "role", name="Half Role", application=ADMIN_APP,
                            resources={"set": [{"name": "Phone web pages", "permission": "read"}]}),
                       task(GROUP, "group", name="Half Group", roles={"set": ["Half Role"]})]).rc == 0
    mark = sim14.mark()
    # the writes: updateUserGroup (detach), then executeSQLUpdate (delete): drop the answer of the second
    sim14.faults(drop_after_commit=2)
    run = runner.run([dict(task(ROLE, name="Half Role", state="absent", detach_from_groups=True, retry_delay=0.01),
                           ignore_errors=True)])
    sim14.faults(drop_after_commit=0)
    dropped = [e for e in sim14.requests_since(mark) if e["operation"] == "executeSQLUpdate"]
    gone = not sim14.sql("select 1 from functionrole where name = 'Half Role'")
    detached = not sim14.sql("select 1 from functionroledirgroupmap m join dirgroup g on g.pkid = m.fkdirgroup "
                             "where g.name = 'Half Group'")
    result = run.results[-1] if run.results else {}
    rec.add("H03", "half-done", "cucm_role", "state=absent, detach_from_groups, the answer of the final delete lost: ok "
            "and changed; the role gone, the group without it",
            "status %s, changed %s: \"%s\"; role gone %s; group detached %s; deletes sent %d" % (
                result.get("status"), result.get("result", {}).get("changed"), snippet(failure(run), 160), gone, detached,
                len(dropped)),
            result.get("status") == "ok" and result["result"].get("changed") is True and gone and detached)
    rec.verify()


# ====================================================================== 17. lax input (class 10)
def test_lax_input(runner, sim14, rec, tmp_path):
    (tmp_path / "on.csv").write_text("userid,last_name,enable_cti,enable_mobility\nlaxon,On,off,on\n")
    (tmp_path / "ture.csv").write_text("userid,last_name,enable_cti\nlaxture,Ture,ture\n")
    (tmp_path / "titel.csv").write_text("userid,last_name,titel\nlaxtitel,Titel,Boss\n")
    (tmp_path / "dup.csv").write_text("userid,last_name,last_name\nlaxdup,A,B\n")
    (tmp_path / "garbage.pem").write_text("this is not a certificate\n")
    der = tmp_path / "cucm.der"
    der_bytes = subprocess.run([sys.executable, "-c", "import ssl, sys; sys.stdout.buffer.write(ssl.PEM_cert_to_DER_cert("
                                "open(sys.argv[1]).read()))", sim14.cert], capture_output=True, check=True).stdout
    der.write_bytes(der_bytes)
    cases = [
        ("X02", task(USERS, users_file=str(tmp_path / "ture.csv")), ["line 2", "enable_cti", "'ture'", "not a boolean"],
         "CSV boolean 'ture'"),
        ("X03", task(USERS, users_file=str(tmp_path / "titel.csv")), ["unknown column", "'titel'", "title"],
         "CSV column 'titel' (a typo)"),
        ("X04", task(USERS, users_file=str(tmp_path / "dup.csv")), ["repeated column", "'last_name'"],
         "a CSV column twice"),
        ("X06", task(USER, userid="user00005", title="X", ca_path=str(tmp_path / "garbage.pem")), ["ca_path"],
         "ca_path holding no certificate"),
        ("X07", task(USER, userid="user00005", title="X", timeout=-1), ["timeout", "must not be negative"],
         "negative timeout"),
        ("X08", task(USER, userid="user00005", title="X", retry_delay=-0.5), ["retry_delay", "must not be negative"],
         "negative retry_delay"),
        ("X09", task(USERS, state="gathered", scope={"userid": "%" * 30 + "X"}), None,
         "scope pattern %%%%...X (30 wildcards): answered (no runaway matching)"),
    ]
    started = time.monotonic()
    found, _run = module_refusals(runner, [(i, t) for i, t, _x, _w in cases])
    for case, t, texts, what in cases:
        module = next(k for k in t if k.startswith("voiceops")).rsplit(".", 1)[-1]
        if texts is None:
            result, step = found[case]
            ok = result.get("status") == "ok" and step.get("writes") == 0
            rec.add(case, "lax-input", module, what, "status %s; gathered %s; writes %s" % (
                result.get("status"), (result.get("result") or {}).get("counts", {}).get("gathered"), step.get("writes")), ok)
            continue
        ok, observed = refused(*found[case], *texts)
        rec.add(case, "lax-input", module, "%s: a clear error naming it; 0 writes" % what, observed,
                ok and "unexpected error" not in observed)
    # a CSV 'on'/'off' is a boolean as in YAML ('on' used to become false)
    run = runner.run([task(USERS, users_file=str(tmp_path / "on.csv"))])
    row = sim14.sql("select allowcticontrolflag, enablemobility from enduser where userid = 'laxon'")
    rec.add("X01", "lax-input", "cucm_end_users", "CSV enable_cti=off, enable_mobility=on: stored false and true",
            "rc %d; stored %s" % (run.rc, row), run.rc == 0 and bool(row) and
            [str(v).lower() in ("t", "1", "true") for v in row[0]] == [False, True])
    # CUCM offers its certificate as a .der download: ca_path takes it as it is
    run = runner.run([task(USER, userid="user00005", title="Der Title", ca_path=str(der))])
    rec.add("X05", "lax-input", "cucm_end_user", "ca_path pointing at the cluster's certificate in DER form: works",
            "rc %d; title %s" % (run.rc, sim14.sql("select title from enduser where userid = 'user00005'")),
            run.rc == 0 and sim14.sql("select title from enduser where userid = 'user00005'")[0][0] == "Der Title")
    rec.add("X10", "lax-input", "all", "the cases above answered in bounded time", "%.0f s" % (time.monotonic() - started),
            time.monotonic() - started < 300)
    rec.verify()


# ====================================================================== 18. provision after leavers (class 11)
def test_provision_after_leavers(runner, sim14, rec, tmp_path):
    state = tmp_path / "state" / "localhost"
    state.mkdir(parents=True)
    run = playbook(runner, "export_state.yml", state_dir=state)
    assert run.rc == 0, run
    run = playbook(runner, "deprovision_leavers.yml", "-e", "leavers_userids=user00010", "-e", "leavers_devices=delete",
                   state_dir=state)
    assert run.rc == 0, run
    ledger = yaml.safe_load((state / "leavers.yml").read_text())
    rec.add("P01", "provision-after-leavers", "leavers", "the leavers run records user00010 in state/<cluster>/leavers.yml",
            json.dumps(ledger)[:200], [e["userid"] for e in ledger["leavers"]] == ["user00010"])

    # the unchanged Git state, plus one real change for another user
    users = yaml.safe_load((state / "users.yml").read_text())
    for user in users["users"]:
        if user["userid"] == "user00005":
            user["title"] = "After Leavers"
    (state / "users.yml").write_text(yaml.safe_dump(users, sort_keys=False))
    watch = Watch(sim14)
    run = playbook(runner, "provision.yml", state_dir=state)
    nothing, observed = watch.nothing()
    msg = failure(run)
    rec.add("P02", "provision-after-leavers", "provision", "default (fail): refused before any write, every bad entry "
            "with its reason (user00010 has left)", "rc %d: \"%s\"; %s" % (run.rc, snippet(msg, 260), observed),
            run.rc != 0 and "user00010" in msg and "has left" in msg and nothing)

    (state / "settings.yml").write_text("identity_users_on_invalid: skip\n")
    run = playbook(runner, "provision.yml", state_dir=state)
    users_now = set(userids(sim14))
    title = sim14.sql("select title from enduser where userid = 'user00005'")[0][0]
    converge = next((r["result"] for r in run.results if r["task"].endswith("Converge the end users in one task")), {})
    skipped = [s["userid"] for s in converge.get("skipped_users", [])]
    rec.add("P03", "provision-after-leavers", "provision", "identity_users_on_invalid: skip: the others converge "
            "(user00005's title), user00010 is reported and not re-created",
            "rc %d; user00005 title %r; user00010 present %s; skipped %s" % (
                run.rc, title, "user00010" in users_now, skipped),
            run.rc == 0 and title == "After Leavers" and "user00010" not in users_now and skipped == ["user00010"])
    rec.verify()
