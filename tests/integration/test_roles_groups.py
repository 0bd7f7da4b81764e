"""cucm_role, cucm_user_group and their _info modules against the simulator.

Every claim is checked by an independent read of the simulator's database (``sim.sql``) of the
tables CUCM keeps roles and groups in: functionrole, functionroleresourcemap, dirgroup,
functionroledirgroupmap and enduserdirgroupmap.  Writes are counted by the simulator.
"""

import json
import shlex
import subprocess
import sys
from xml.sax.saxutils import escape

import pytest
import yaml
from lxml import etree

from conftest import ANSIBLE_BIN, ROOT

ROLE = "voiceops.cucm.cucm_role"
ROLE_INFO = "voiceops.cucm.cucm_role_info"
GROUP = "voiceops.cucm.cucm_user_group"
GROUP_INFO = "voiceops.cucm.cucm_user_group_info"
USER = "voiceops.cucm.cucm_end_user"

ADMIN_APP = "Cisco Call Manager Administration"
AXL_APP = "Cisco Call Manager AXL Database"
PSWP = "Phone Services web pages"
SC_ROLE = "Cisco Call Manager Phone Services Self-Service"
SC_GROUP = "Standard CCM End Users with Services"
END_USERS = "Standard CCM End Users"
END_USER_ROLES = ["Standard CCM End Users", "Standard CCMUSER Administration"]
PLAYBOOK = ROOT / "playbooks" / "self_care_access.yml"

TABLES = ("functionrole", "functionroleresourcemap", "functionroledirgroupmap", "dirgroup", "enduserdirgroupmap",
          "enduser")


# ------------------------------------------------------------------------------- independent reads
def role_row(sim, name):
    rows = sim.sql("select description, isstandard from functionrole where name = ?", (name,))
    return rows[0] if rows else None


def role_resources(sim, name):
    """(resource name, permission bits) of a role, one per map row (duplicates show)."""
    return sorted(sim.sql(
        "select tr.name, m.permission from functionroleresourcemap m join functionrole r on r.pkid = m.fkfunctionrole "
        "join typeresource tr on tr.enum = m.tkresource where r.name = ?", (name,)))


def group_exists(sim, name):
    return bool(sim.sql("select 1 from dirgroup where name = ?", (name,)))


def group_roles(sim, name):
    return sorted(r[0] for r in sim.sql(
        "select r.name from functionroledirgroupmap m join functionrole r on r.pkid = m.fkfunctionrole "
        "join dirgroup g on g.pkid = m.fkdirgroup where g.name = ?", (name,)))


def group_members(sim, name):
    return sorted(r[0] for r in sim.sql(
        "select u.userid from enduserdirgroupmap m join enduser u on u.pkid = m.fkenduser "
        "join dirgroup g on g.pkid = m.fkdirgroup where g.name = ?", (name,)))


def snapshot(sim):
    """The whole of every table roles and groups touch, as sets of rows."""
    return {t: set(sim.sql(f"select * from {t}")) for t in TABLES}


def changed_rows(before, after):
    return {t: (before[t] - after[t], after[t] - before[t]) for t in TABLES
            if before[t] != after[t]}


def writes(sim):
    return sim.stats()["writes"]


def raw_sql_update(sim, statement):
    """executeSQLUpdate through AXL, outside the collection (to set up states the modules never make)."""
    body = (f'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            f'xmlns:ns="http://www.cisco.com/AXL/API/{sim.version}"><soapenv:Body><ns:executeSQLUpdate>'
            f"<sql>{escape(statement)}</sql></ns:executeSQLUpdate></soapenv:Body></soapenv:Envelope>")
    resp = sim.http.post(sim.url, data=body.encode(), auth=("administrator", "ciscopsdt"),
                         headers={"Content-Type": "text/xml; charset=utf-8",
                                  "SOAPAction": f'"CUCM:DB ver={sim.version} executeSQLUpdate"'})
    assert resp.status_code == 200, resp.text
    return int(etree.fromstring(resp.content).findtext(".//rowsUpdated"))


def sql_updates(sim, mark):
    """The statements (verb and table) of the executeSQLUpdate requests since ``mark``."""
    texts = [etree.fromstring(e["request"].encode()).findtext(".//sql") for e in sim.requests_since(mark)
             if e["operation"] == "executeSQLUpdate"]
    return [" ".join(t.split()[:3]) for t in texts]


def request_children(entry):
    root = etree.fromstring(entry["request"].encode())
    return [etree.QName(c).localname for c in root[0][0]]


# A read of the database and of the simulator's write counter made *between* the tasks of one play,
# so that a sequence of steps is one ansible-playbook run and each step is still checked
# independently of AXL: a read-only SQLite connection to the simulator's file and its admin API,
# run by a ``pipe`` lookup on the controller (no module, so it costs almost nothing).
PROBE = """
import json, sqlite3, ssl, sys, urllib.request
db, base, cert, queries = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
conn = sqlite3.connect("file:" + db + "?mode=ro", uri=True)
rows = [conn.execute(q).fetchall() for q in queries]
opener = urllib.request.build_opener(urllib.request.ProxyHandler(dict()),
                                     urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=cert)))
print(json.dumps(dict(rows=rows, writes=json.load(opener.open(base + "/__sim__/stats"))["writes"])))
"""


def probe(sim, name, *queries):
    """A task that reads ``queries`` from the database and the write counter (see :func:`probed`)."""
    argv = [sys.executable, "-c", PROBE, str(sim.db), sim.base, sim.cert, json.dumps(queries)]
    return {"name": name, "ansible.builtin.debug": {"msg": "{{ lookup('ansible.builtin.pipe', probe_command) }}"},
            "vars": {"probe_command": shlex.join(argv)}}


def probed(entry):
    """``(rows of each query, writes so far)`` from a probe's result."""
    found = entry["result"]["msg"]
    found = json.loads(found) if isinstance(found, str) else found
    return [[tuple(r) for r in rows] for rows in found["rows"]], found["writes"]


def by_name(run):
    """Task results of a run by task name: ``{name: {"status": .., "result": ..}}``."""
    return {r["task"]: r for r in run.results}


def quoted(text):
    return "'" + text.replace("'", "''") + "'"


def resources_query(role):
    return ("select tr.name, m.permission from functionroleresourcemap m join functionrole r on r.pkid = m.fkfunctionrole "
            f"join typeresource tr on tr.enum = m.tkresource where r.name = {quoted(role)} order by 1, 2")


def role_query(role):
    return f"select description, isstandard from functionrole where name = {quoted(role)}"


def group_query(option, group):
    if option == "roles":
        return ("select r.name from functionroledirgroupmap m join functionrole r on r.pkid = m.fkfunctionrole "
                f"join dirgroup g on g.pkid = m.fkdirgroup where g.name = {quoted(group)} order by 1")
    return ("select u.userid from enduserdirgroupmap m join enduser u on u.pkid = m.fkenduser "
            f"join dirgroup g on g.pkid = m.fkdirgroup where g.name = {quoted(group)} order by 1")


def run_steps(ansible, steps):
    """Run ``[(task, query), ...]`` as one play, each task followed by a probe of ``query``; return
    ``[(task result, rows, writes since the step before), ...]``."""
    sim = ansible.sim
    tasks = []
    for i, (task, query) in enumerate(steps):
        tasks += [dict(task, name=f"step {i}"), probe(sim, f"probe {i}", query)]
    before = writes(sim)
    run = ansible.run(tasks)
    assert run.rc == 0, run
    found = by_name(run)
    out = []
    for i in range(len(steps)):
        [rows], count = probed(found[f"probe {i}"])
        out.append((found[f"step {i}"]["result"], rows, count - before))
        before = count
    return out


# ------------------------------------------------------------------------------- tasks
def role_task(name="Helpdesk Phones", **options):
    return {"name": "role", ROLE: dict(name=name, **options), "register": "r"}


def group_task(name="Helpdesk", **options):
    return {"name": "group", GROUP: dict(name=name, **options), "register": "r"}


def res(name, permission):
    return {"name": name, "permission": permission}


def message(run, index=0):
    return run.failed[index]["result"]["msg"]


# ------------------------------------------------------------------------------- the Self Care workflow
def run_playbook(ansible, *args):
    """ansible-playbook on the shipped playbook, connected through the CUCM_* environment only."""
    ansible.count += 1
    result_log = ansible.workdir / f"results{ansible.count}.jsonl"
    sim = ansible.sim
    env = ansible.env(result_log, {"CUCM_HOST": "127.0.0.1", "CUCM_PORT": str(sim.port),
                                   "CUCM_USERNAME": "administrator", "CUCM_PASSWORD": "ciscopsdt",
                                   "CUCM_CA_PATH": sim.cert, "CUCM_AXL_VERSION": sim.version})
    cmd = [str(ANSIBLE_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(PLAYBOOK), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, check=False)
    results = [json.loads(line) for line in result_log.read_text().splitlines()] if result_log.exists() else []
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout, {r["task"]: r["result"] for r in results}


def test_self_care_playbook(ansible, sim):
    users = ("-e", '{"selfcare_users": ["user00003"]}')
    # check mode on a fresh cluster, with the defaults (no user): the group's reference to the role the run
    # creates is pending, not an error
    snap, before = snapshot(sim), writes(sim)
    output, results = run_playbook(ansible, "--check", "--diff")
    assert "changed=2" in output, output
    group = results["Copy the standard end-user group and add the role to the copy"]
    assert group["pending"] == [{"option": "roles", "names": [SC_ROLE]}]
    assert group["diff"]["after"]["roles"] == sorted(END_USER_ROLES + [SC_ROLE])
    assert results["Put the users in the group"]["false_condition"] == "selfcare_users | length > 0"
    assert writes(sim) == before and snapshot(sim) == snap
    # first run: the role, the copied group with the extra role, the user in it
    output, results = run_playbook(ansible, *users)
    assert "changed=3" in output, output
    assert role_row(sim, SC_ROLE) == ("Lets end users edit the parameters of their phone services", "f")
    assert role_resources(sim, SC_ROLE) == [(PSWP, 3)]
    assert group_roles(sim, SC_GROUP) == sorted(END_USER_ROLES + [SC_ROLE])
    assert group_members(sim, SC_GROUP) == ["user00003"]
    assert sim.sql("select isstandard from dirgroup where name = ?", (SC_GROUP,)) == [("f",)]
    # exactly that was added, and nothing else (the standard group and its members included) changed
    changes = changed_rows(snap, snapshot(sim))
    assert {t: (len(removed), len(added)) for t, (removed, added) in changes.items()} == {
        "functionrole": (0, 1), "functionroleresourcemap": (0, 1), "dirgroup": (0, 1),
        "functionroledirgroupmap": (0, 3), "enduserdirgroupmap": (0, 1)}

    # second run: nothing to do, nothing written
    before = writes(sim)
    output, results = run_playbook(ansible, *users)
    assert "changed=0" in output, output
    assert writes(sim) == before
    assert all(r["changed"] is False for r in results.values())

    # a changed declaration, reviewed with --check --diff: shown, not written
    output, results = run_playbook(ansible, "--check", "--diff", "-e", "selfcare_permission=read", *users)
    assert "changed=1" in output, output
    diff = results["Define the role that grants the Phone Services web pages"]["diff"]
    assert diff["before"]["resources"] == [res(PSWP, "read_update")]
    assert diff["after"]["resources"] == [res(PSWP, "read")]
    assert '-            "permission": "read_update"\n+            "permission": "read"\n' in output, output
    assert writes(sim) == before
    assert role_resources(sim, SC_ROLE) == [(PSWP, 3)]


# ------------------------------------------------------------------------------- role resources
def test_role_resources_add_remove_set(ansible, sim):
    base = dict(application=ADMIN_APP)
    steps = [
        ({"add": [res(PSWP, "read")]}, [(PSWP, 1)], True),
        ({"add": [res("User web pages", "read_update")]}, [(PSWP, 1), ("User web pages", 3)], True),
        ({"add": [res(PSWP, "read")]}, [(PSWP, 1), ("User web pages", 3)], False),
        # a new permission for a resource the role already grants
        ({"add": [res(PSWP, "read_update")]}, [(PSWP, 3), ("User web pages", 3)], True),
        ({"remove": [{"name": "User web pages"}]}, [(PSWP, 3)], True),
        ({"remove": [{"name": "User web pages"}]}, [(PSWP, 3)], False),
        ({"set": [res("Phone web pages", "update"), res(PSWP, "read_update")]}, [("Phone web pages", 2), (PSWP, 3)],
         True),
        ({"set": [res(PSWP, "read_update"), res("Phone web pages", "update")]}, [("Phone web pages", 2), (PSWP, 3)],
         False),
        ({"set": []}, [], True),
        ({"set": []}, [], False),
    ]
    done = run_steps(ansible, [(role_task(resources=spec, **base), resources_query("Helpdesk Phones"))
                               for spec, _e, _c in steps])
    for (spec, expected, changed), (result, rows, wrote) in zip(steps, done):
        assert result["changed"] is changed, (spec, result)
        assert rows == sorted(expected), spec
        assert (wrote > 0) is changed, (spec, wrote)
        names = {1: "read", 2: "update", 3: "read_update"}
        assert result["role"]["resources"] == [res(n, names[b]) for n, b in sorted(expected)], spec
    assert role_row(sim, "Helpdesk Phones") == ("", "f")


def test_role_description_and_allow_resource(ansible14, sim14):
    sim = sim14
    description = "AXL for the monitoring system"
    allow = res("AXL Database API", "allow")
    run = ansible14.run([
        role_task("Monitoring AXL", description=description, application=AXL_APP, resources={"set": [allow]}),
        probe(sim, "created", resources_query("Monitoring AXL")),
        dict(role_task("Monitoring AXL", description=description, resources={"add": [allow]}), name="again"),
        # read/update do not apply to a single-action resource, and allow not to a read/update one
        dict(role_task("Monitoring AXL", resources={"add": [res("AXL Database API", "read_update")]}),
             name="update on allow", ignore_errors=True),
        dict(role_task("Monitoring AXL", resources={"add": [res(PSWP, "allow")]}), name="allow on read", ignore_errors=True),
        probe(sim, "refused"),
        dict(role_task("Monitoring AXL", description="it's the \"monitoring\" role"), name="describe", diff=True),
        probe(sim, "described", role_query("Monitoring AXL"), resources_query("Monitoring AXL")),
    ])
    assert run.rc == 0, run
    found = by_name(run)
    assert found["role"]["result"]["changed"] is True
    assert found["role"]["result"]["role"]["application"] == AXL_APP
    [resources], created = probed(found["created"])
    assert resources == [("AXL Database API", 1)]
    assert found["again"]["result"]["changed"] is False
    assert found["update on allow"]["result"]["msg"].startswith(
        "resources: 'AXL Database API' has a single action (allow); permission 'read_update' does not apply")
    assert found["allow on read"]["result"]["msg"].startswith(
        "resources: 'Phone Services web pages' has Read and Update actions; permission 'allow' does not apply")
    assert probed(found["refused"])[1] == created
    assert found["describe"]["result"]["diff"] == {
        "before": {"name": "Monitoring AXL", "description": description},
        "after": {"name": "Monitoring AXL", "description": "it's the \"monitoring\" role"}}
    [row, resources], described = probed(found["described"])
    assert row == [("it's the \"monitoring\" role", "f")]
    assert resources == [("AXL Database API", 1)]
    assert described == created + 1


def test_role_keeps_resources_of_its_application(ansible14, sim14):
    """``add`` to a role with application set keeps its other resources of that application; moving
    the role to another application needs its resources declared with ``set``."""
    sim = sim14
    run = ansible14.run([
        role_task(application=ADMIN_APP, resources={"set": [res(PSWP, "read")]}),
        dict(role_task(application=ADMIN_APP, resources={"add": [res("User web pages", "read")]}), name="add"),
        probe(sim, "added", resources_query("Helpdesk Phones")),
        dict(role_task(application=AXL_APP, resources={"add": [res("AXL Database API", "allow")]}), name="move by add",
             ignore_errors=True),
        dict(role_task(application=AXL_APP), name="move alone", ignore_errors=True),
        probe(sim, "refused", resources_query("Helpdesk Phones")),
        dict(role_task(application=AXL_APP, resources={"set": [res("AXL Database API", "allow")]}), name="move by set"),
        probe(sim, "moved", resources_query("Helpdesk Phones")),
    ])
    assert run.rc == 0, run
    found = by_name(run)
    [rows], added = probed(found["added"])
    assert found["add"]["result"]["changed"] is True
    assert rows == [(PSWP, 1), ("User web pages", 1)]
    assert found["move by add"]["result"]["msg"].startswith(
        "resources: the role keeps 'Phone Services web pages', 'User web pages', which do not belong to application "
        "'Cisco Call Manager AXL Database'")
    assert found["move alone"]["result"]["msg"].startswith(
        "application: role 'Helpdesk Phones' holds resources of " + ADMIN_APP)
    assert probed(found["refused"]) == ([rows], added)
    assert found["move by set"]["result"]["changed"] is True
    assert probed(found["moved"])[0] == [[("AXL Database API", 1)]]


def test_duplicate_map_rows_are_collapsed(ansible14, sim14):
    sim = sim14
    declared = dict(application=ADMIN_APP, resources={"set": [res(PSWP, "read_update")]})
    run = ansible14.run([role_task(**declared)])
    assert run.rc == 0, run
    pkid = sim.sql("select pkid from functionrole where name = 'Helpdesk Phones'")[0][0]
    # functionroleresourcemap has no uniqueness: a second row for the same resource, as other tools leave
    duplicate = (f"insert into functionroleresourcemap (fkfunctionrole, tkresource, permission) "
                 f"values ('{pkid}', 103, 3)")
    assert raw_sql_update(sim, duplicate) == 1
    assert role_resources(sim, "Helpdesk Phones") == [(PSWP, 3), (PSWP, 3)]

    run = ansible14.run([dict(role_task(**declared), diff=True),
                         probe(sim, "collapsed", resources_query("Helpdesk Phones")),
                         dict(role_task(**declared), name="again"),
                         probe(sim, "again")])
    assert run.rc == 0, run
    found = by_name(run)
    assert found["role"]["result"]["changed"] is True
    assert found["role"]["result"]["diff"]["before"]["resources"] == [res(PSWP, "read_update (2 rows)")]
    assert found["role"]["result"]["diff"]["after"]["resources"] == [res(PSWP, "read_update")]
    [rows], collapsed = probed(found["collapsed"])
    assert rows == [(PSWP, 3)]
    assert found["again"]["result"]["changed"] is False
    assert probed(found["again"])[1] == collapsed

    # duplicates of a resource the task keeps (it adds another) are collapsed too, keeping their bits
    assert raw_sql_update(sim, duplicate.replace("103, 3", "103, 1")) == 1
    run = ansible14.run([role_task(resources={"add": [res("User web pages", "read")]})])
    assert run.rc == 0 and run.result()["changed"] is True, run
    assert role_resources(sim, "Helpdesk Phones") == [(PSWP, 3), ("User web pages", 1)]


def test_interrupted_writes_leave_no_half_made_role(ansible14, sim14):
    """The connection drops after a write commits, mid-role: what was written is undone, the task
    reads again and converges, and the role ends whole, with one row per resource."""
    sim = sim14
    two_statements = {"set": [res(PSWP, "read_update"), res("User web pages", "read")]}
    sim.faults(drop_after_commit=2)        # after the first of the role's two map inserts
    mark = sim.mark()
    run = ansible14.run([role_task(application=ADMIN_APP, resources=two_statements)])
    assert run.rc == 0 and run.result()["changed"] is True, run
    assert sim.stats()["dropped"] == 1
    # the half-made role was deleted (undo), then made again whole
    assert sql_updates(sim, mark) == ["insert into functionrole", "insert into functionroleresourcemap",
                                      "delete from functionrole", "insert into functionrole",
                                      "insert into functionroleresourcemap", "insert into functionroleresourcemap"]
    assert role_resources(sim, "Helpdesk Phones") == [(PSWP, 3), ("User web pages", 1)]
    assert sim.sql("select count(*) from functionrole where name = 'Helpdesk Phones'") == [(1,)]

    run = ansible14.run([role_task("Second Role", resources={"set": [res(PSWP, "read")]})])
    assert run.rc == 0, run
    sim.faults(drop_after_commit=2)        # after the delete of the old row and the first insert
    mark = sim.mark()
    run = ansible14.run([role_task("Second Role", resources=two_statements)])
    sim.faults(drop_after_commit=0)
    assert run.rc == 0 and run.result()["changed"] is True, run
    assert sim.stats()["dropped"] == 2
    # the incremental write (PSWP's permission updated in place, User web pages inserted if missing), its answer
    # lost; undone (all rows deleted, the old one put back), read again, the change made again
    assert sql_updates(sim, mark) == ["update functionroleresourcemap set", "insert into functionroleresourcemap",
                                      "delete from functionroleresourcemap", "insert into functionroleresourcemap",
                                      "update functionroleresourcemap set", "insert into functionroleresourcemap"], \
        sql_updates(sim, mark)
    assert role_resources(sim, "Second Role") == [(PSWP, 3), ("User web pages", 1)]


# ------------------------------------------------------------------------------- group roles and members
@pytest.mark.parametrize("option, a, b", [
    ("roles", "Standard CTI Enabled", "Standard CCM Admin Users"),
    ("members", "user00004", "user00003"),
])
def test_group_add_remove_set(ansible, sim, option, a, b):
    steps = [
        ({"add": [b]}, [b], True),
        ({"add": [a]}, sorted([a, b]), True),
        ({"add": [a]}, sorted([a, b]), False),
        ({"remove": [b]}, [a], True),
        ({"remove": [b]}, [a], False),
        ({"set": [b, a]}, sorted([a, b]), True),
        ({"set": [a, b]}, sorted([a, b]), False),
        ({"set": []}, [], True),
        ({"set": []}, [], False),
    ]
    mark = sim.mark()
    done = run_steps(ansible, [(group_task(**{option: spec}), group_query(option, "Helpdesk")) for spec, _e, _c in steps])
    for (spec, expected, changed), (result, rows, wrote) in zip(steps, done):
        assert result["changed"] is changed, (spec, result)
        assert [r[0] for r in rows] == expected, spec
        assert wrote == (1 if changed else 0), (spec, wrote)
    other = {"roles": group_members, "members": group_roles}[option]
    assert other(sim, "Helpdesk") == []
    # only incremental requests: never the whole list (which would drop what another pipeline added)
    updates = [request_children(e) for e in sim.requests_since(mark) if e["operation"] == "updateUserGroup"]
    assert len(updates) == 4     # the first step creates the group
    wrappers = {"roles": ("removeUserRoles", "addUserRoles"), "members": ("removeMembers", "addMembers")}[option]
    assert all(set(children) <= {"name", *wrappers} for children in updates), updates
    # set [b, a] from [a] sent only b
    assert updates[2] == ["name", wrappers[1]]


def test_members_set_sends_only_the_difference(ansible14, sim14):
    sim = sim14
    mark = sim.mark()
    run = ansible14.run([group_task(members={"set": ["user00003", "user00004", "user00005"]}),
                         dict(group_task(members={"set": ["user00004", "user00005", "user00006"]}), name="set", diff=True),
                         probe(sim, "members", group_query("members", "Helpdesk"))])
    assert run.rc == 0, run
    found = by_name(run)
    assert found["set"]["result"]["changed"] is True
    assert found["set"]["result"]["diff"]["before"]["members"] == ["user00003", "user00004", "user00005"]
    assert found["set"]["result"]["diff"]["after"]["members"] == ["user00004", "user00005", "user00006"]
    [update] = [e for e in sim.requests_since(mark) if e["operation"] == "updateUserGroup"]
    request = etree.fromstring(update["request"].encode())
    assert [e.text for e in request.iter("userId")] == ["user00003", "user00006"]
    assert request_children(update) == ["name", "removeMembers", "addMembers"]
    assert probed(found["members"])[0] == [[("user00004",), ("user00005",), ("user00006",)]]


def test_concurrent_member_adds_keep_both(ansible14, sim14, tmp_path):
    sim = sim14
    run = ansible14.run([group_task(roles={"add": ["Standard CCM End Users"]})])
    assert run.rc == 0, run
    sim.faults(latency_ms=150)       # both read before either writes
    procs = []
    for user in ("user00011", "user00012"):
        play = [{"name": "add " + user, "hosts": "localhost", "gather_facts": False,
                 "module_defaults": {"group/voiceops.cucm.cucm": ansible14.connection()},
                 "tasks": [group_task(members={"add": [user]})]}]
        path = tmp_path / f"{user}.yml"
        path.write_text(yaml.safe_dump(play, sort_keys=False))
        cmd = [str(ANSIBLE_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(path)]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                      env=ansible14.env(tmp_path / f"{user}.jsonl")))
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    sim.faults(latency_ms=0)
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert all("changed=1" in out for out in outputs), outputs
    assert group_members(sim, "Helpdesk") == ["user00011", "user00012"]
    assert group_roles(sim, "Helpdesk") == ["Standard CCM End Users"]


# ------------------------------------------------------------------------------- copy_from
def test_role_copy_from_then_converge(ansible14, sim14):
    sim = sim14
    source = "Standard CCM Phone Management"
    copied = [("Device Profile web pages", 3), ("Phone web pages", 3)]
    run = ansible14.run([
        dict(role_task(copy_from=source, resources={"add": [res(PSWP, "read")]}), name="copy", diff=True),
        probe(sim, "copied", resources_query("Helpdesk Phones"), resources_query(source)),
        dict(role_task(copy_from=source, resources={"add": [res(PSWP, "read")]}), name="again"),
        probe(sim, "again"),
        # later runs converge to what is declared (copy_from only seeds a new role)
        dict(role_task(copy_from=source, resources={"set": [res(PSWP, "read_update")]}), name="converge"),
        probe(sim, "converged", resources_query("Helpdesk Phones")),
        # copy_from alone copies everything
        dict(role_task("Copy Only", copy_from=source), name="copy only"),
        dict(role_task("Other Role", copy_from="Standard CCM Phone Managment"), name="typo", ignore_errors=True),
        probe(sim, "end", resources_query("Copy Only"), role_query("Other Role")),
    ])
    assert run.rc == 0, run
    found = by_name(run)
    assert found["copy"]["result"]["changed"] is True
    assert found["copy"]["result"]["diff"]["after"]["resources"] == [
        res("Device Profile web pages", "read_update"), res(PSWP, "read"), res("Phone web pages", "read_update")]
    [mine, theirs], after_copy = probed(found["copied"])
    assert mine == sorted(copied + [(PSWP, 1)])
    assert theirs == copied
    assert found["again"]["result"]["changed"] is False
    assert probed(found["again"])[1] == after_copy
    assert found["converge"]["result"]["changed"] is True
    assert probed(found["converged"])[0] == [[(PSWP, 3)]]
    assert found["copy only"]["result"]["changed"] is True
    assert found["typo"]["result"]["msg"] == ("copy_from: there is no role 'Standard CCM Phone Managment' to copy. "
                                              "Nothing was written.")
    [copy_only, other], end = probed(found["end"])
    assert copy_only == copied and other == []
    assert end == probed(found["converged"])[1] + 2     # the copy: the role row, then its maps in one INSERT ... SELECT


def test_group_copy_from_then_converge(ansible14, sim14):
    sim = sim14
    source = "Standard CCM Read Only"
    roles = ["Standard CCM Admin Users", "Standard CCMADMIN Read Only"]
    run = ansible14.run([
        dict(group_task(copy_from=source, members={"add": ["user00005"]}), name="copy"),
        probe(sim, "copied", group_query("roles", "Helpdesk"), group_query("members", "Helpdesk"),
              group_query("members", source)),
        dict(group_task(copy_from=source), name="again"),
        probe(sim, "again"),
        dict(group_task(copy_from=source, roles={"set": ["Standard CCM Admin Users"]}), name="converge"),
        probe(sim, "converged", group_query("roles", "Helpdesk"), group_query("roles", source)),
        dict(group_task("Other Group", copy_from="Standard CCM Read Onyl"), name="typo", ignore_errors=True),
        probe(sim, "end", "select name from dirgroup where name = 'Other Group'"),
    ])
    assert run.rc == 0, run
    found = by_name(run)
    assert found["copy"]["result"]["changed"] is True
    [mine, members, theirs], copied = probed(found["copied"])
    assert [r[0] for r in mine] == roles
    assert members == [("user00005",)]
    assert theirs == []                           # members are not copied
    assert found["again"]["result"]["changed"] is False
    assert probed(found["again"])[1] == copied
    assert found["converge"]["result"]["changed"] is True
    [mine, theirs], converged = probed(found["converged"])
    assert mine == [("Standard CCM Admin Users",)] and [r[0] for r in theirs] == roles
    assert found["typo"]["result"]["msg"] == ("copy_from: there is no access control group 'Standard CCM Read Onyl' "
                                              "to copy. Nothing was written.")
    assert probed(found["end"]) == ([[]], converged)


# ------------------------------------------------------------------------------- standard objects
def test_standard_group_roles_refused_members_work(ansible14, sim14):
    sim = sim14
    before = writes(sim)
    refused = "access control group 'Standard CCM End Users' is a standard group: CUCM says \"" + \
        "Cannot modify the Functional Roles associated with a standard DirGroup\""
    run = ansible14.run([
        dict(group_task(END_USERS, roles={"add": ["Standard CTI Enabled"]}), name="roles check", check_mode=True,
             ignore_errors=True),
        dict(group_task(END_USERS, roles={"add": ["Standard CTI Enabled"]}), name="roles", ignore_errors=True),
        dict(group_task(END_USERS, roles={"remove": ["Standard CCM End Users"]}), name="roles remove",
             ignore_errors=True),
        probe(sim, "refused", group_query("roles", END_USERS)),
        # members can change; declaring the roles it has is no change
        dict(group_task(END_USERS, members={"remove": ["user00003", "user00015"]}), name="members remove"),
        probe(sim, "removed", group_query("members", END_USERS)),
        dict(group_task(END_USERS, roles={"set": END_USER_ROLES}, members={"add": ["user00015"]}), name="members add"),
        probe(sim, "added", group_query("members", END_USERS)),
        dict(group_task(END_USERS, state="absent"), name="delete check", check_mode=True, ignore_errors=True),
        dict(group_task(END_USERS, state="absent"), name="delete", ignore_errors=True),
        probe(sim, "kept", f"select isstandard from dirgroup where name = {quoted(END_USERS)}"),
    ])
    assert run.rc == 0, run
    found = by_name(run)
    for name in ("roles check", "roles", "roles remove"):
        assert found[name]["status"] == "failed" and found[name]["result"]["msg"].startswith(refused), name
    [roles], count = probed(found["refused"])
    assert [r[0] for r in roles] == END_USER_ROLES and count == before
    [members], count = probed(found["removed"])
    assert ("user00003",) not in members and ("user00015",) not in members and ("user00004",) in members
    assert count == before + 1
    [members], count = probed(found["added"])
    assert ("user00015",) in members and ("user00003",) not in members and count == before + 2
    for name in ("delete check", "delete"):
        assert found[name]["result"]["msg"] == ("access control group 'Standard CCM End Users' is a standard group; "
                                                "CUCM does not allow deleting it. Nothing was written."), name
    assert probed(found["kept"]) == ([[("t",)]], before + 2)


def test_standard_role_edit_and_delete_refused(ansible14, sim14):
    sim = sim14
    snap, before = snapshot(sim), writes(sim)
    role = "Standard CCM End Users"
    run = ansible14.run([
        dict(role_task(role, description="changed"), name="describe", ignore_errors=True),
        dict(role_task(role, resources={"add": [res(PSWP, "read")]}), name="grant", ignore_errors=True),
        dict(role_task(role, state="absent"), name="delete check", check_mode=True, ignore_errors=True),
        dict(role_task(role, state="absent"), name="delete", ignore_errors=True),
        # declaring what a standard role has is no change
        dict(role_task(role, resources={"set": [res("Self Care Portal", "allow")]}), name="as it is"),
    ])
    assert run.rc == 0, run
    found = by_name(run)
    for name in ("describe", "grant"):
        assert found[name]["result"]["msg"].startswith(
            "role 'Standard CCM End Users' is a standard role: CUCM says \"Cannot modify the Permission and Resources "
            "associated with a standard Functional Role.\""), name
    for name in ("delete check", "delete"):
        assert found[name]["result"]["msg"] == ("role 'Standard CCM End Users' is a standard role; CUCM does not allow "
                                                "deleting it. Nothing was written."), name
    assert found["as it is"]["result"]["changed"] is False
    assert writes(sim) == before
    assert snapshot(sim) == snap


def test_deleting_a_role_in_use_needs_detach(ansible14, sim14):
    sim = sim14
    in_use = ("role 'Helpdesk Phones' is used by the access control group(s) 'Helpdesk A', 'Helpdesk B'; set "
              "detach_from_groups: true to take it out of them and delete it. Nothing was written.")
    orphans = "select count(*) from functionroleresourcemap where fkfunctionrole not in (select pkid from functionrole)"
    run = ansible14.run([
        role_task(application=ADMIN_APP, resources={"set": [res(PSWP, "read")]}),
        group_task("Helpdesk A", roles={"add": ["Helpdesk Phones", "Standard CCM Admin Users"]}),
        group_task("Helpdesk B", roles={"add": ["Helpdesk Phones"]}),
        probe(sim, "set up"),
        dict(role_task(state="absent"), name="delete check", check_mode=True, ignore_errors=True),
        dict(role_task(state="absent"), name="delete", ignore_errors=True),
        dict(role_task(state="absent", detach_from_groups=True), name="detach check", check_mode=True),
        probe(sim, "refused", role_query("Helpdesk Phones")),
        dict(role_task(state="absent", detach_from_groups=True), name="detach", diff=True),
        probe(sim, "deleted", role_query("Helpdesk Phones"), group_query("roles", "Helpdesk A"),
              group_query("roles", "Helpdesk B"), orphans),
        dict(role_task(state="absent"), name="again"),
        probe(sim, "again"),
        dict(group_task("Helpdesk B", state="absent"), name="delete group"),
        probe(sim, "end", "select name from dirgroup where name like 'Helpdesk%' order by 1"),
    ])
    assert run.rc == 0, run
    found = by_name(run)
    _rows, set_up = probed(found["set up"])
    for name in ("delete check", "delete"):
        assert found[name]["status"] == "failed" and found[name]["result"]["msg"] == in_use, name
    assert found["detach check"]["result"]["changed"] is True
    [role], count = probed(found["refused"])
    assert role == [("", "f")] and count == set_up
    assert found["detach"]["result"]["changed"] is True
    assert found["detach"]["result"]["diff"]["after"] == {"name": "Helpdesk Phones", "state": "absent"}
    [role, roles_a, roles_b, orphaned], deleted = probed(found["deleted"])
    assert role == [] and roles_a == [("Standard CCM Admin Users",)] and roles_b == [] and orphaned == [(0,)]
    assert deleted == set_up + 3                  # two updateUserGroup removeUserRoles and the delete
    assert found["again"]["result"]["changed"] is False
    assert probed(found["again"])[1] == deleted
    assert found["delete group"]["result"]["changed"] is True
    assert probed(found["end"])[0] == [[("Helpdesk A",)]]


# ------------------------------------------------------------------------------- bad references
BAD_REFERENCES = [
    (role_task(resources={"add": [res("Phone Service web pages", "read")]}),
     "resources: unknown resource 'Phone Service web pages' (did you mean 'Phone Services web pages'"),
    (role_task(application=ADMIN_APP, resources={"add": [res("Phone Service web page", "read")]}),
     "resources: unknown resource 'Phone Service web page' in application 'Cisco Call Manager Administration' "
     "(did you mean 'Phone Services web pages'"),
    (role_task(application=AXL_APP, resources={"add": [res(PSWP, "read")]}),
     "resources: 'Phone Services web pages' belongs to Cisco Call Manager Administration, not to application "
     "'Cisco Call Manager AXL Database'"),
    (role_task(application="Cisco Call Manager Admin", resources={"add": [res(PSWP, "read")]}),
     "application: unknown application 'Cisco Call Manager Admin' (did you mean 'Cisco Call Manager Administration'"),
    (role_task(resources={"add": [{"name": PSWP}]}), "resources: 'Phone Services web pages' needs a permission"),
    (role_task(resources={"set": [res(PSWP, "read")], "add": [res(PSWP, "read")]}),
     "resources: 'set' cannot be combined with 'add' or 'remove'"),
    (role_task(resources={"add": [res(PSWP, "read"), res(PSWP, "update")]}),
     "resources: 'Phone Services web pages' is declared twice with different permission"),
    (group_task(roles={"add": ["Standard CCM End User"]}),
     "roles: unknown role 'Standard CCM End User' (did you mean 'Standard CCM End Users'"),
    (group_task(members={"add": ["user00003", "nobody"]}), "members: unknown end user 'nobody'"),
    (group_task(roles={"add": ["Nope Role"]}, members={"add": ["nobody"]}),
     "roles: unknown role 'Nope Role'; members: unknown end user 'nobody'. Nothing was written."),
    (group_task(END_USERS, members={"add": ["nobody"]}), "members: unknown end user 'nobody'"),
    (role_task("", description="x"), "name must not be empty"),
]


def test_bad_references_fail_before_any_write(ansible14, sim14):
    """Each case is its own task of one play (ignore_errors); none may write anything."""
    sim = sim14
    snap, before = snapshot(sim), writes(sim)
    tasks = [dict(task, name=f"case {i}", ignore_errors=True) for i, (task, _m) in enumerate(BAD_REFERENCES)]
    run = ansible14.run(tasks)
    assert run.rc == 0, run
    by_name = {r["task"]: r for r in run.results}
    for i, (_task, expected) in enumerate(BAD_REFERENCES):
        result = by_name[f"case {i}"]
        assert result["status"] == "failed", (i, result)
        assert expected in result["result"]["msg"], (i, result["result"]["msg"])
    assert writes(sim) == before
    assert snapshot(sim) == snap


def test_ambiguous_resource_name_needs_application(ansible14, sim14):
    """typeresource.name is not unique: a name in two applications needs ``application`` to choose.
    (The catalogue row is added through executeSQLUpdate, which the simulator allows on type tables.)"""
    sim = sim14
    assert raw_sql_update(sim, "insert into typeresource (enum, name, moniker, tkapplication) "
                               "values (9103, 'Phone Services web pages', 'PhoneServicesEndUser', 4)") == 1
    before = writes(sim)
    run = ansible14.run([
        dict(role_task(resources={"add": [res(PSWP, "read")]}), name="ambiguous", ignore_errors=True),
        probe(sim, "refused", role_query("Helpdesk Phones")),
        dict(role_task(application=ADMIN_APP, resources={"add": [res(PSWP, "read")]}), name="chosen"),
    ])
    assert run.rc == 0, run
    found = by_name(run)
    assert found["ambiguous"]["result"]["msg"] == (
        "resources: 'Phone Services web pages' exists in several applications (Cisco Call Manager Administration, "
        "Cisco Call Manager End User); set application to choose. Nothing was written.")
    assert probed(found["refused"]) == ([[]], before)
    assert found["chosen"]["result"]["changed"] is True
    assert sim.sql("select m.tkresource from functionroleresourcemap m join functionrole r "
                   "on r.pkid = m.fkfunctionrole where r.name = 'Helpdesk Phones'") == [(103,)]


# ------------------------------------------------------------------------------- hostile input
LONG = "L" * 129
UNICODE = "Rôle ☎ 電話"


def _hostile_cases():
    """``(task, expected)``: expected is ``('fail', texts the message must contain)`` or ``('ok', None)``.
    A refusal must name the option and quote the value (``option: 'value'``), whichever layer refuses it."""
    cases = []

    def fail(*texts):
        return ("fail", list(texts))

    # role names: only the documented character set gets through, and is then stored as written
    for name in ["Ro'le", 'Ro"le', "Ro''le", "Ro;le", "Ro /* c */ le", "Ro { c } le", "Ro\\le", "Ro%le",
                 "x' OR '1'='1", UNICODE, "Ro\nle", "Role\n"]:
        cases.append((role_task(name, description="h"), fail("name: %r" % name)))
    cases.append((role_task(LONG, description="h"), fail("name: 'LLLL", "129 bytes long")))
    for name in ["Ro_le", "Ro -- le", "R" * 128]:
        cases.append((role_task(name, description="h"), ("ok", None)))
    # descriptions: text a literal can hold is stored exactly
    for i, text in enumerate(["it's \"quoted\" ''twice''", "; delete from functionrole; --", "/* c */ { c } -- x",
                              "100% _done_", "x' OR '1'='1", "Übergang – 電話 ✓ 😀", "D" * 128]):
        cases.append((role_task(f"Hostile Desc {i}", description=text), ("ok", None)))
    cases.append((role_task("Hostile Desc nl", description="line\nbreak"), fail("description: 'line\\nbreak'")))
    cases.append((role_task("Hostile Desc bs", description="back\\slash"), fail("description: 'back\\\\slash'")))
    cases.append((role_task("Hostile Desc long", description="D" * 129), fail("description: 'DDDD", "129 bytes long")))
    cases.append((role_task("Hostile Desc wide", description="電" * 43), fail("description: '電電", "129 bytes long")))
    # resource names: never found by pattern or by injection, nothing written (not even the role);
    # one task declares them all and the message must name each
    names = [PSWP + "' OR '1'='1", PSWP + "; delete from functionrole", "Phone%", "Phone_Services web pages",
             PSWP + " --", PSWP + " /* */", "{" + PSWP + "}", "Phône Services web pages", 'Phone "Services" web pages',
             "''", "Ph''one"]
    cases.append((role_task("Hostile Res", resources={"add": [res(n, "read") for n in names]}),
                  fail(*["resources: unknown resource %r" % n for n in names])))
    for value, shown in [("Phone\nServices", "'Phone\\nServices'"), (PSWP + "\\", repr(PSWP + "\\")),
                         (LONG, "'LLLL")]:
        cases.append((role_task("Hostile Res x", resources={"add": [res(value, "read")]}), fail("resources: " + shown)))
    # application names
    for name in [ADMIN_APP + "' OR '1'='1", "Cisco%", ADMIN_APP + "; --", "Cisco_Call Manager Administration",
                 "{" + ADMIN_APP + "}"]:
        cases.append((role_task("Hostile App", application=name, resources={"add": [res(PSWP, "read")]}),
                      fail("application: unknown application %r" % name)))
    for value, shown in [("Cisco\nCall", "'Cisco\\nCall'"), ("Cisco\\Call", "'Cisco\\\\Call'"), ("A" * 51, "'AAAA")]:
        cases.append((role_task("Hostile App", application=value), fail("application: " + shown)))
    # copy_from, for roles and groups
    for name in ["Standard CCM End Users' OR '1'='1", "Standard%", "Standard CCM End Users; --", "Standard_CCM End Users",
                 "Standard CCM End Users /* */", "{Standard CCM End Users}", LONG]:
        cases.append((role_task("Hostile Copy", copy_from=name), fail("copy_from: there is no role %r" % name)))
        cases.append((group_task("Hostile Copy", copy_from=name),
                      fail("copy_from: there is no access control group %r" % name)))
    for value, shown in [("Standard\nCCM", "'Standard\\nCCM'"), ("Standard\\CCM", "'Standard\\\\CCM'")]:
        cases.append((role_task("Hostile Copy", copy_from=value), fail("copy_from: " + shown)))
        cases.append((group_task("Hostile Copy", copy_from=value), fail("copy_from: " + shown)))
    # group names: CUCM's own rule (letters, digits, space . _ -)
    for name in ["Grp'x", 'Grp"x', "Grp''x", "Grp;x", "Grp /* x */", "Grp { x }", "Grp\\x", "Grp%x", "x' OR '1'='1",
                 "Grüppe", "Grp\nx", "Grp\n"]:
        cases.append((group_task(name, members={"add": ["user00007"]}), fail("name: %r" % name)))
    cases.append((group_task("G" * 129, members={"add": ["user00007"]}), fail("name: 'GGGG", "129 bytes long")))
    for name in ["Grp -- x", "Grp_x", "G" * 128]:
        cases.append((group_task(name, members={"add": ["user00007"]}), ("ok", None)))
    # member user IDs and role names of a group (one task each for all the unknown values)
    names = ["user00003' OR '1'='1", "user%", "user0000_", "user00003; --", "user00003 /* */", "{user00003}",
             'user"3', "user''3", "üser"]
    cases.append((group_task("Hostile Members", members={"add": names}),
                  fail(*["members: unknown end user %r" % n for n in names])))
    names = ["Standard CCM End Users' OR '1'='1", "Standard%", "Standard CCM End_Users", "Standard CCM End Users; --",
             "Standard CCM End Users /* */", "{Standard CCM End Users}", 'Standard "CCM"', "Rôle ☎"]
    cases.append((group_task("Hostile Roles", roles={"add": names}), fail(*["roles: unknown role %r" % n for n in names])))
    for option, value, shown in [("members", "user\n3", "'user\\n3'"), ("members", "user3\\", "'user3\\\\'"),
                                 ("members", LONG, "'LLLL"), ("roles", "Standard\nCCM", "'Standard\\nCCM'"),
                                 ("roles", "Standard\\CCM", "'Standard\\\\CCM'")]:
        cases.append((group_task("Hostile Members", **{option: {"add": [value]}}), fail(option + ": " + shown)))
    # end users whose IDs hold a quote and non-ASCII letters: added to a group, stored as written
    cases.append((group_task("Hostile Members ok", members={"add": ["o'brien", "jürgen"]}), ("ok", None)))
    return cases


def test_hostile_input_fails_cleanly_or_is_stored_exactly(ansible14, sim14):
    sim = sim14
    # distinct mails: CUCM wants first name + last name + mail unique across users (MFI-784)
    users = [{"name": f"user {u}", USER: {"userid": u, "last_name": "Hostile", "mail": f"hostile{i}@example.com"}}
             for i, u in enumerate(("o'brien", "jürgen"))]
    run = ansible14.run(users)
    assert run.rc == 0, run
    cases = _hostile_cases()
    snap, before = snapshot(sim), writes(sim)
    tasks = [dict(task, name=f"case {i}", ignore_errors=True) for i, (task, _e) in enumerate(cases)]
    run = ansible14.run(tasks)
    assert run.rc == 0, run
    by_name = {r["task"]: r for r in run.results}
    ok = []
    for i, (task, (outcome, expected)) in enumerate(cases):
        result = by_name[f"case {i}"]
        module, options = next((k, v) for k, v in task.items() if k.startswith("voiceops."))
        if outcome == "fail":
            assert result["status"] == "failed", (i, options, result["result"])
            msg = result["result"]["msg"]
            for text in expected:
                assert text in msg, (i, options, msg)
            assert "unexpected error" not in msg and "Traceback" not in json.dumps(result["result"])
        else:
            assert result["status"] == "ok" and result["result"]["changed"] is True, (i, options, result["result"])
            ok.append((module, options))

    # every successful case is stored exactly as written ...
    for module, options in ok:
        if module == ROLE:
            assert role_row(sim, options["name"]) == (options["description"], "f"), options
        else:
            assert group_members(sim, options["name"]) == sorted(options["members"]["add"]), options
    # ... and nothing else changed anywhere in the tables roles and groups live in
    after = snapshot(sim)
    changes = changed_rows(snap, after)
    assert set(changes) == {"functionrole", "dirgroup", "enduserdirgroupmap"}, changes
    assert all(not removed for removed, _added in changes.values()), changes
    role_names = sorted(options["name"] for module, options in ok if module == ROLE)
    group_names = sorted(options["name"] for module, options in ok if module == GROUP)
    assert sorted(r[1] for r in changes["functionrole"][1]) == role_names
    assert sorted(r[1] for r in changes["dirgroup"][1]) == group_names
    pkids = dict(sim.sql("select pkid, name from dirgroup"))
    users = dict(sim.sql("select pkid, userid from enduser"))
    assert sorted((pkids[r[2]], users[r[1]]) for r in changes["enduserdirgroupmap"][1]) == sorted(
        (options["name"], u) for module, options in ok if module == GROUP for u in options["members"]["add"])
    # one write per successful task, none for a refused one
    assert writes(sim) == before + len(ok)
    # and every role that failed left no trace
    assert sim.sql("select name from functionrole where name like 'Hostile Res%' or name like 'Hostile App%' "
                   "or name like 'Hostile Copy%'") == []
    assert sim.sql("select name from dirgroup where name like 'Hostile%' and name <> 'Hostile Members ok'") == []


def test_long_group_name(ansible14, sim14):
    """Group names may have 128 characters, but get/update/remove by name take at most 100 (String100)."""
    sim = sim14
    name = "G" * 128
    run = ansible14.run([group_task(name, members={"add": ["user00007"]}),
                         group_task(name, members={"add": ["user00008"]}, roles={"add": ["Standard CCM Admin Users"]}),
                         role_task(application=ADMIN_APP, resources={"set": [res(PSWP, "read")]}),
                         group_task(name, roles={"add": ["Helpdesk Phones"]}),
                         role_task(state="absent", detach_from_groups=True),
                         group_task(name, state="absent")])
    assert run.rc == 0, run
    assert [r["result"]["changed"] for r in run.results] == [True] * 6
    assert not group_exists(sim, name) and role_row(sim, "Helpdesk Phones") is None


# ------------------------------------------------------------------------------- info and round trip
def test_info_and_round_trip(ansible, sim):
    setup = [role_task(SC_ROLE, description="Phone services", application=ADMIN_APP,
                       resources={"set": [res(PSWP, "read_update"), res("User web pages", "read")]}),
             role_task("Empty Role", description="nothing yet"),
             group_task(SC_GROUP, copy_from=END_USERS, roles={"add": [SC_ROLE]},
                        members={"add": ["user00003", "user00004"]})]
    run = ansible.run(setup + [
        {"name": "roles", ROLE_INFO: {"name": "%"}, "register": "i"},
        {"name": "custom roles", ROLE_INFO: {"standard": False}, "register": "i"},
        {"name": "groups", GROUP_INFO: {"name": "Standard CCM End Users%", "members": True}, "register": "i"},
        {"name": "groups without members", GROUP_INFO: {"name": SC_GROUP}, "register": "i"},
    ])
    assert run.rc == 0, run
    roles, custom, groups, no_members = (run.result(i) for i in (3, 4, 5, 6))
    named = {r["name"]: r for r in roles["roles"]}
    assert len(named) == sim.sql("select count(*) from functionrole")[0][0]
    assert named[SC_ROLE] == {"name": SC_ROLE, "description": "Phone services", "application": ADMIN_APP,
                              "resources": {"set": [res(PSWP, "read_update"), res("User web pages", "read")]}}
    assert named["Standard CCMUSER Administration"]["resources"] == {
        "set": [res("Phone Services self-service web pages", "read"), res("User Options web pages", "read_update")]}
    assert roles["read_only"][SC_ROLE]["standard"] is False
    assert roles["read_only"]["Standard CCM End Users"]["standard"] is True
    pkid = sim.sql("select pkid from functionrole where name = ?", (SC_ROLE,))[0][0]
    assert roles["read_only"][SC_ROLE]["uuid"] == "{%s}" % pkid.upper()
    assert [r["name"] for r in custom["roles"]] == [SC_ROLE, "Empty Role"]
    assert {r["name"]: r for r in custom["roles"]}["Empty Role"]["resources"] == {"set": []}

    assert [g["name"] for g in groups["groups"]] == [END_USERS, SC_GROUP]
    sc = groups["groups"][1]
    assert sc == {"name": SC_GROUP, "roles": {"set": sorted(END_USER_ROLES + [SC_ROLE])},
                  "members": {"set": ["user00003", "user00004"]}}
    assert groups["groups"][0]["members"] == {"set": group_members(sim, END_USERS)}
    assert groups["read_only"][END_USERS]["standard"] is True and groups["read_only"][SC_GROUP]["standard"] is False
    assert no_members["groups"] == [{"name": SC_GROUP, "roles": {"set": sorted(END_USER_ROLES + [SC_ROLE])}}]

    # what was read, applied again, changes nothing (the custom roles, a standard one, both groups)
    exported_roles = custom["roles"] + [named["Standard CCMUSER Administration"]]
    before = writes(sim)
    run = ansible.run([{"name": "roles", ROLE: "{{ item }}", "loop": "{{ exported_roles }}"},
                       {"name": "groups", GROUP: "{{ item }}", "loop": "{{ exported_groups }}"}],
                      play_vars={"exported_roles": exported_roles, "exported_groups": groups["groups"]})
    assert run.rc == 0, run
    assert all(r["result"]["changed"] is False for r in run.results), run
    assert writes(sim) == before


def test_group_info_reads_members_in_pages(ansible14, sim14):
    sim = sim14
    everyone = [f"user{i:05d}" for i in range(1, 21)]
    run = ansible14.run([group_task(members={"set": everyone})])
    assert run.rc == 0, run
    sim.faults(max_response_bytes=900)       # "Query request too large" beyond a few rows
    mark = sim.mark()
    run = ansible14.run([{"name": "info", GROUP_INFO: {"name": "Helpdesk", "members": True}, "register": "i"},
                         group_task(members={"set": everyone})])
    sim.faults(max_response_bytes=8 * 1024 * 1024)
    assert run.rc == 0, run
    assert run.result(0)["groups"][0]["members"] == {"set": everyone}
    assert run.result(1)["changed"] is False
    pages = [e for e in sim.requests_since(mark) if e["operation"] == "executeSQLQuery" and " skip " in e["request"]]
    assert len(pages) > 2
