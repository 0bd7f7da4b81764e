"""The joiners role (voiceops.cucm.joiners) end to end against the simulator (CUCM 14.0), and the cycle
joiner -> leaver -> rejoiner through the joiners and leavers roles.

Seeded state: user00001..user00020 hold 100001..100020 in Internal_PT, so the first free numbers of the range
100000-100029 are 100000, 100021, 100022, ...  Every outcome is checked through the simulator's database
(``sim.sql``) and its write counter, never through the role's own claims.  The simulator is strict when
Cisco's schema is beside the project: a request that is not valid against the XSD fails its task.
"""

import csv
import json
import os
import stat
import threading

import pytest
import yaml
from cucm_axl_sim import seed

RANGE = [{"start": "100000", "end": "100029", "partition": "Internal_PT"}]
JOINERS = [
    {"userid": "jn.csf", "first_name": "Jay", "last_name": "Csf", "mail": "jay@example.com",
     "device": {"kind": "jabber_csf"}},
    {"userid": "jn.desk", "first_name": "Dee", "last_name": "Desk", "device": {"kind": "desk_phone", "mac": "00:11:22:33:44:55"}},
    {"userid": "jn.em", "first_name": "Em", "last_name": "Profile", "device": {"kind": "em_profile"}},
]
DEVICES = {"jn.csf": "CSFJN.CSF", "jn.desk": "SEP001122334455", "jn.em": "jn.em-UDP"}
DISPLAY = {"jn.csf": "Jay Csf", "jn.desk": "Dee Desk", "jn.em": "Em Profile"}
SELF_CARE = "Standard CCM End Users"


def role(name, **values):
    return {"name": "%s role" % name, "include_role": {"name": "voiceops.cucm.%s" % name}, "vars": values}


def joiners(users, **values):
    return role("joiners", joiners_users=users, joiners_number_ranges=values.pop("ranges", RANGE), **values)


def invocation(run, index):
    """The results of the index-th role invocation of a run (tasks between two include_role results)."""
    starts = [i for i, r in enumerate(run.results) if r["task"].endswith(" role")]
    end = starts[index + 1] if index + 1 < len(starts) else len(run.results)
    return run.results[starts[index] + 1:end]


def task(results, name):
    found = [r["result"] for r in results if r["task"].endswith(name)]
    assert found, name
    return found[-1]


def writes(sim):
    return sim.stats()["writes"]


# ------------------------------------------------------------------ independent reads of the simulator
def snapshot(sim):
    return [sim.sql("select pkid, dnorpattern, description from numplan order by pkid"),
            sim.sql("select pkid, userid from enduser order by pkid"),
            sim.sql("select pkid, name from device order by pkid"),
            sim.sql("select pkid from devicenumplanmap order by pkid"),
            sim.sql("select pkid from enduserdevicemap order by pkid"),
            sim.sql("select pkid from endusernumplanmap order by pkid"),
            sim.sql("select pkid from enduserdirgroupmap order by pkid")]


def device(sim, name):
    """(class, product, owner) of a device, or None."""
    rows = sim.sql("select d.tkclass, p.name, e.userid from device d join typeproduct p on p.enum = d.tkproduct "
                   "left join enduser e on e.pkid = d.fkenduser where d.name = ?", (name,))
    return rows[0] if rows else None


def device_lines(sim, name):
    return sim.sql("select n.dnorpattern, p.name, m.numplanindex from device d join devicenumplanmap m on m.fkdevice = d.pkid "
                   "join numplan n on n.pkid = m.fknumplan left join routepartition p on p.pkid = n.fkroutepartition "
                   "where d.name = ? order by m.numplanindex", (name,))


def associations(sim, userid):
    return sorted(sim.sql("select d.name, m.tkuserassociation from enduserdevicemap m join enduser e on e.pkid = m.fkenduser "
                          "join device d on d.pkid = m.fkdevice where e.userid = ?", (userid,)))


def primary(sim, userid):
    return sim.sql("select n.dnorpattern, p.name from endusernumplanmap x join enduser e on e.pkid = x.fkenduser "
                   "join numplan n on n.pkid = x.fknumplan left join routepartition p on p.pkid = n.fkroutepartition "
                   "where e.userid = ? and x.tkdnusage = 1", (userid,))


def groups(sim, userid):
    return sorted(r[0] for r in sim.sql("select g.name from enduserdirgroupmap m join enduser e on e.pkid = m.fkenduser "
                                        "join dirgroup g on g.pkid = m.fkdirgroup where e.userid = ?", (userid,)))


def line(sim, number):
    """(description, alerting name, call forward all destination) of a line in Internal_PT, or None."""
    rows = sim.sql("select n.description, n.alertingname, c.cfadestination from numplan n "
                   "join routepartition p on p.pkid = n.fkroutepartition left join callforwarddynamic c on c.fknumplan = n.pkid "
                   "where n.dnorpattern = ? and p.name = 'Internal_PT'", (number,))
    return rows[0] if rows else None


def on_devices(sim, number):
    return sorted(r[0] for r in sim.sql("select d.name from devicenumplanmap m join device d on d.pkid = m.fkdevice "
                                        "join numplan n on n.pkid = m.fknumplan where n.dnorpattern = ?", (number,)))


def users_exist(sim, *userids):
    return sorted(r[0] for r in sim.sql("select userid from enduser where userid in (%s)" % ",".join("?" * len(userids)),
                                        userids))


# ------------------------------------------------------------------ tests
def test_joiners_plan_provision_idempotent_pins_and_report(sim14, ansible14, tmp_path):
    pins, report_json, report_csv = tmp_path / "pins.yml", tmp_path / "writeback.json", tmp_path / "writeback.csv"
    settings = {"joiners_pin_policy": "generated", "joiners_pin_length": 12, "joiners_pin_file": str(pins),
                "joiners_report_file": str(report_json), "joiners_report_csv": str(report_csv)}

    # check mode: nothing written on the cluster or for HR/AD; the plan names three distinct numbers
    before, writes_before = snapshot(sim14), writes(sim14)
    plan = ansible14.run([joiners(JOINERS, **settings)], check=True)
    assert plan.rc == 0, plan
    assert writes(sim14) == writes_before and snapshot(sim14) == before
    assert not pins.exists() and not report_json.exists() and not report_csv.exists()
    planned = task(plan.results, "Report what was done")["msg"]
    assert {r["userid"]: r["number"] for r in planned} == {"jn.csf": "100000", "jn.desk": "100021", "jn.em": "100022"}
    assert task(plan.results, "or a free one)")["numbers"] == {"jn.csf": "100000", "jn.desk": "100021", "jn.em": "100022"}

    # the run (-vvv): the PINs go to the PIN file and the no_log fact, never to the output or the results
    run = ansible14.run([joiners(JOINERS, **settings),
                         {"name": "next task", "ansible.builtin.debug": {"msg": "{{ joiners_pins.keys() | sort }}"}}],
                        verbosity=3)
    assert run.rc == 0, run
    numbers = {"jn.csf": "100000", "jn.desk": "100021", "jn.em": "100022"}      # as planned
    for userid, number in numbers.items():
        name = DEVICES[userid]
        assert device_lines(sim14, name) == [(number, "Internal_PT", 1)], userid
        assert groups(sim14, userid) == [SELF_CARE], userid
        assert line(sim14, number)[:2] == (DISPLAY[userid], DISPLAY[userid]), userid     # the marker went
    assert device(sim14, "CSFJN.CSF") == (1, "Cisco Unified Client Services Framework", "jn.csf")
    assert device(sim14, "SEP001122334455") == (1, "Cisco 8865", "jn.desk")
    assert device(sim14, "jn.em-UDP")[:2] == (254, "Cisco 8865")
    assert associations(sim14, "jn.csf") == [("CSFJN.CSF", 1)]
    assert associations(sim14, "jn.desk") == [("SEP001122334455", 1)]
    assert associations(sim14, "jn.em") == [("jn.em-UDP", 4)]
    assert primary(sim14, "jn.csf") == [("100000", "Internal_PT")]
    assert primary(sim14, "jn.desk") == [("100021", "Internal_PT")]
    assert primary(sim14, "jn.em") == []        # CUCM takes a primary extension from a controlled device only
    assert sim14.sql("select mailid from enduser where userid = 'jn.csf'") == [("jay@example.com",)]

    # PINs: 12 digits each, set on CUCM (the simulator keeps a digest), in a file only the owner reads
    assert stat.S_IMODE(os.stat(pins).st_mode) == 0o600
    delivered = yaml.safe_load(pins.read_text())
    assert sorted(delivered) == sorted(numbers)
    for userid, pin in delivered.items():
        pin = str(pin)
        assert len(pin) == 12 and pin.isdigit()
        pkid, digest = sim14.sql("select e.pkid, c.credentials from credential c join enduser e on e.pkid = c.fkenduser "
                                 "where e.userid = ? and c.tkcredential = 4", (userid,))[0]
        assert digest == seed.credential_digest(pkid, pin), userid
        assert pin not in run.output, userid
        assert pin not in json.dumps(run.results), userid
    assert run.result(-1)["msg"] == sorted(numbers)          # the fact is there for the next task

    # the write-back report for HR/AD
    rows = json.loads(report_json.read_text())
    assert [(r["userid"], r["number"], r["partition"], r["device"], r["device_kind"], r["status"]) for r in rows] == [
        ("jn.csf", "100000", "Internal_PT", "CSFJN.CSF", "jabber_csf", "new"),
        ("jn.desk", "100021", "Internal_PT", "SEP001122334455", "desk_phone", "new"),
        ("jn.em", "100022", "Internal_PT", "jn.em-UDP", "em_profile", "new")]
    with report_csv.open(newline="") as handle:
        table = list(csv.reader(handle))
    assert table == [["userid", "number", "partition", "device", "device_kind", "status"]] + [
        [r["userid"], r["number"], r["partition"], r["device"], r["device_kind"], r["status"]] for r in rows]

    # the second run changes nothing on the cluster (and sets no PIN again)
    state, writes_now = snapshot(sim14), writes(sim14)
    pins_before = sim14.sql("select credentials from credential order by pkid")
    again = ansible14.run([joiners(JOINERS, **settings)])
    assert again.rc == 0, again
    assert writes(sim14) == writes_now and snapshot(sim14) == state
    assert sim14.sql("select credentials from credential order by pkid") == pins_before
    assert [r["task"] for r in again.results if r["result"].get("changed") and "Write the report" not in r["task"]] == []
    assert [r["status"] for r in json.loads(report_json.read_text())] == ["existing"] * 3


def test_joiners_movers_converge(sim14, ansible14):
    assert ansible14.run([joiners(JOINERS, joiners_as_of="2026-03-01")]).rc == 0
    # jn.csf moves to 100025; jn.em swaps the profile for Jabber and keeps 100022; jn.desk stays
    movers = [dict(JOINERS[0], number="100025"), JOINERS[1], dict(JOINERS[2], device={"kind": "jabber_csf"})]
    run = ansible14.run([joiners(movers, joiners_as_of="2026-03-02", joiners_release_forward_to="5000"),
                         joiners(movers, joiners_as_of="2026-03-02", joiners_release_forward_to="5000")])
    assert run.rc == 0, run
    assert device_lines(sim14, "CSFJN.CSF") == [("100025", "Internal_PT", 1)]
    assert primary(sim14, "jn.csf") == [("100025", "Internal_PT")]
    assert line(sim14, "100025")[0] == "Jay Csf"
    # the old number: released with its marker, forwarded to the operator, on no device
    assert line(sim14, "100000") == ("released 2026-03-02 jn.csf", "Jay Csf", "5000")
    assert on_devices(sim14, "100000") == []
    # the device kind: the Jabber client carries the line, the profile the role made is gone, the number stays
    assert device(sim14, "jn.em-UDP") is None
    assert device_lines(sim14, "CSFJN.EM") == [("100022", "Internal_PT", 1)]
    assert associations(sim14, "jn.em") == [("CSFJN.EM", 1)]
    assert primary(sim14, "jn.em") == [("100022", "Internal_PT")]
    assert line(sim14, "100022")[0] == "Em Profile"
    # jn.desk untouched; the second mover run changed nothing
    assert device_lines(sim14, "SEP001122334455") == [("100021", "Internal_PT", 1)]
    second = invocation(run, 1)
    assert [r["task"] for r in second if r["result"].get("changed")] == []
    assert task(second, "Report what was done")["msg"][0]["number"] == "100025"


@pytest.mark.cores
def test_joiner_leaver_rejoiner_cycle(sim14, ansible14):
    cycle = [
        # 1. joiners on 2026-01-01: cy.a (Jabber) and cy.b (Extension Mobility)
        joiners([{"userid": "cy.a", "first_name": "Ann", "last_name": "Cycle"},
                 {"userid": "cy.b", "first_name": "Ben", "last_name": "Cycle", "device": {"kind": "em_profile"}}],
                joiners_as_of="2026-01-01", joiners_retention_days=30),
        # 2. both leave on 2026-01-10: devices deleted, numbers released (and forwarded to the operator)
        role("leavers", leavers_userids=["cy.a", "cy.b"], leavers_devices="delete",
             leavers_release_date="2026-01-10", leavers_release_forward_to="5000"),
        # 3. on 2026-01-20 (inside the 30 days): a new joiner gets neither number; cy.a comes back to hers
        joiners([{"userid": "cy.c", "first_name": "Cy", "last_name": "New"},
                 {"userid": "cy.a", "first_name": "Ann", "last_name": "Cycle"}],
                joiners_as_of="2026-01-20", joiners_retention_days=30),
        # 4. on 2026-02-15 (after the 30 days): cy.b's number goes to the next joiner
        joiners([{"userid": "cy.d", "first_name": "Di", "last_name": "Late"}],
                joiners_as_of="2026-02-15", joiners_retention_days=30),
    ]
    run = ansible14.run(cycle)
    assert run.rc == 0, run
    first = task(invocation(run, 0), "Report what was done")["msg"]
    left = task(invocation(run, 1), "Report what was done")["msg"]
    assert {r["userid"]: r["number"] for r in first} == {"cy.a": "100000", "cy.b": "100021"}
    assert sorted((e["userid"], e["number"], e["marker"]) for e in left["numbers_released"]) == [
        ("cy.a", "100000", "released 2026-01-10 cy.a"), ("cy.b", "100021", "released 2026-01-10 cy.b")]
    third = {r["userid"]: r for r in task(invocation(run, 2), "Report what was done")["msg"]}
    assert third["cy.c"]["number"] == "100022" and third["cy.a"]["number"] == "100000"
    assert third["cy.a"]["number_source"] == "previous"
    fourth = task(invocation(run, 3), "Report what was done")["msg"]
    assert [(r["userid"], r["number"], r["number_source"]) for r in fourth] == [("cy.d", "100021", "released line")]

    # the database: who holds what now, the markers gone, the forwards cleared when the numbers went out again
    assert users_exist(sim14, "cy.a", "cy.b", "cy.c", "cy.d") == ["cy.a", "cy.c", "cy.d"]
    assert device(sim14, "cy.b-UDP") is None
    assert device_lines(sim14, "CSFCY.A") == [("100000", "Internal_PT", 1)]
    assert device_lines(sim14, "CSFCY.C") == [("100022", "Internal_PT", 1)]
    assert device_lines(sim14, "CSFCY.D") == [("100021", "Internal_PT", 1)]
    assert line(sim14, "100000")[0] == "Ann Cycle" and line(sim14, "100021")[0] == "Di Late"
    assert line(sim14, "100000")[2] in ("", None) and line(sim14, "100021")[2] in ("", None)
    assert primary(sim14, "cy.d") == [("100021", "Internal_PT")]
    assert not sim14.sql("select dnorpattern from numplan where description like 'released %' or description like 'reserved %'")


def test_two_joiner_runs_at_once_never_share_a_number(sim14, tmp_path, collections_path):
    from conftest import Ansible
    wide = [{"start": "100000", "end": "100099", "partition": "Internal_PT"}]
    sim14.faults(latency_ms=15)          # widen the window in which the two runs race
    runs = {}
    try:
        def provision(side):
            workdir = tmp_path / side
            workdir.mkdir()
            users = [{"userid": "%s%d" % (side, i), "last_name": "%s %d" % (side.title(), i)} for i in range(4)]
            runs[side] = Ansible(sim14, workdir, collections_path).run([joiners(users, ranges=wide)])

        threads = [threading.Thread(target=provision, args=(side,)) for side in ("left", "right")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sim14.faults(latency_ms=0)
    for run in runs.values():
        assert run.rc == 0, run
    given = {}
    for side in ("left", "right"):
        for i in range(4):
            userid = "%s%d" % (side, i)
            lines = device_lines(sim14, "CSF" + userid.upper())
            assert len(lines) == 1 and lines[0][1] == "Internal_PT", userid
            given[userid] = lines[0][0]
            assert primary(sim14, userid) == [(lines[0][0], "Internal_PT")]
    assert len(set(given.values())) == 8
    for userid, number in given.items():
        assert on_devices(sim14, number) == ["CSF" + userid.upper()]
