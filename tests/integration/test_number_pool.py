"""The number pool (cucm_number_pool_info, cucm_number_reservation) against the simulator (CUCM 14.0).

Seeded state: the 20 users user00001..user00020 hold 100001..100020 in Internal_PT (on a phone and a
device profile, and as primary extensions).  Everything is checked through the simulator's database.
"""

import threading

RANGE = [{"start": "100000", "end": "100029", "partition": "Internal_PT"}]
MARKER = r"^(released|reserved) \d{4}-\d{2}-\d{2} "


def lines(sim, low="100000", high="100099"):
    return dict(sim.sql("select dnorpattern, description from numplan where dnorpattern between ? and ? "
                        "and length(dnorpattern) = 6", (low, high)))


def test_pool_reserve_check_mode_and_idempotence(sim14, ansible14):
    before = lines(sim14)
    users = [{"userid": "jn.one"}, {"userid": "jn.two"}, {"userid": "jn.three"}]
    plan = ansible14.run([
        {"voiceops.cucm.cucm_number_pool_info": {"ranges": RANGE, "count": 3}},
        {"voiceops.cucm.cucm_number_reservation": {"users": users, "ranges": RANGE}},
    ], check=True)
    assert plan.rc == 0, plan
    assert [n["number"] for n in plan.result(0)["numbers"]] == ["100000", "100021", "100022"]
    assert plan.result(1)["changed"] is True
    assert plan.result(1)["numbers"] == {"jn.one": "100000", "jn.two": "100021", "jn.three": "100022"}
    assert lines(sim14) == before                       # check mode wrote nothing

    run = ansible14.run([
        {"voiceops.cucm.cucm_number_reservation": {"users": users, "ranges": RANGE, "as_of": "2026-03-01"}},
        {"voiceops.cucm.cucm_number_reservation": {"users": users, "ranges": RANGE}},
        {"voiceops.cucm.cucm_number_pool_info": {"ranges": RANGE, "count": 1}},
    ])
    assert run.rc == 0, run
    first, second = run.result(0), run.result(1)
    assert first["changed"] is True and len(set(first["numbers"].values())) == 3
    assert {r["source"] for r in first["reservations"]} == {"new line"}
    after = lines(sim14)
    assert {k: after[k] for k in set(after) - set(before)} == {
        "100000": "reserved 2026-03-01 jn.one", "100021": "reserved 2026-03-01 jn.two",
        "100022": "reserved 2026-03-01 jn.three"}
    assert second["changed"] is False and second["numbers"] == first["numbers"]      # idempotent
    assert {r["source"] for r in second["reservations"]} == {"reserved"}
    assert run.result(2)["numbers"][0]["number"] == "100023"
    assert lines(sim14) == after


def test_release_retention_and_rejoiner(sim14, ansible14):
    rng = [{"start": "100021", "end": "100023", "partition": "Internal_PT"}]
    run = ansible14.run([
        # a leaver's number (reserved for alice, never on a device), released on 2026-01-01
        {"voiceops.cucm.cucm_number_reservation": {"users": [{"userid": "alice"}], "ranges": rng}},
        {"voiceops.cucm.cucm_number_reservation": {
            "state": "released", "as_of": "2026-01-01",
            "lines": [{"number": "100021", "partition": "Internal_PT", "userid": "alice"},
                      {"number": "100001", "partition": "Internal_PT", "userid": "user00001"},
                      {"number": "100099", "partition": "Internal_PT"}]}},
        {"voiceops.cucm.cucm_number_reservation": {
            "state": "released", "as_of": "2026-01-02", "lines": [{"number": "100021", "partition": "Internal_PT"}]}},
        # inside the 30-day retention: not free, bob gets the next number
        {"voiceops.cucm.cucm_number_pool_info": {
            "ranges": rng, "count": 3, "retention_days": 30, "as_of": "2026-01-20"}},
        {"voiceops.cucm.cucm_number_reservation": {
            "users": [{"userid": "bob"}], "ranges": rng, "retention_days": 30, "as_of": "2026-01-20"}},
        # after it: free again
        {"voiceops.cucm.cucm_number_pool_info": {
            "ranges": rng, "count": 3, "retention_days": 30, "as_of": "2026-01-31"}},
    ])
    assert run.rc == 0, run
    released = run.result(1)
    assert [e["number"] for e in released["released"]] == ["100021"]
    assert released["released"][0]["marker"] == "released 2026-01-01 alice"
    assert [(e["number"], e["reason"]) for e in released["kept"]] == [
        ("100001", "on 2 device(s) and a user's primary extension")]
    assert [e["number"] for e in released["missing"]] == ["100099"]
    assert run.result(2)["changed"] is False and run.result(2)["already"][0]["number"] == "100021"
    assert lines(sim14)["100021"] == "released 2026-01-01 alice"
    assert lines(sim14)["100001"] == "Ann Example" or not lines(sim14)["100001"].startswith("released")
    assert [n["number"] for n in run.result(3)["numbers"]] == ["100022", "100023"]
    assert run.result(4)["numbers"] == {"bob": "100022"}
    free = run.result(5)["numbers"]
    assert [n["number"] for n in free] == ["100021", "100023"]
    assert free[0]["line"] is True and free[0]["released_on"] == "2026-01-01" and free[0]["released_by"] == "alice"

    # the rejoiner gets her old number back inside the retention period; carol gets the last one
    back = ansible14.run([
        {"voiceops.cucm.cucm_number_reservation": {
            "users": [{"userid": "carol"}, {"userid": "alice"}], "ranges": rng, "retention_days": 30,
            "as_of": "2026-01-20"}},
    ])
    assert back.rc == 0, back
    assert back.result()["numbers"] == {"carol": "100023", "alice": "100021"}
    assert {r["userid"]: r["source"] for r in back.result()["reservations"]} == {"carol": "new line", "alice": "previous"}
    assert lines(sim14)["100021"] == "reserved 2026-01-20 alice"


def test_pool_exhausted_and_e164(sim14, ansible14):
    e164 = [{"start": "+14085550000", "end": "+14085550002", "partition": "Internal_PT"}]
    run = ansible14.run([
        {"voiceops.cucm.cucm_number_reservation": {"users": [{"userid": "e1"}, {"userid": "e2"}], "ranges": e164}},
        {"voiceops.cucm.cucm_number_pool_info": {"ranges": e164, "count": 5}},
        {"voiceops.cucm.cucm_number_reservation": {"users": [{"userid": "e3"}, {"userid": "e4"}], "ranges": e164},
         "ignore_errors": True},
        {"voiceops.cucm.cucm_number_reservation": {
            "users": [{"userid": "e2", "number": "+14085550002"}], "ranges": e164}},
    ])
    first = run.result(0)
    assert first["numbers"] == {"e1": "+14085550000", "e2": "+14085550001"}
    stored = sorted(r[0] for r in sim14.sql("select dnorpattern from numplan where dnorpattern like '%+1408555000%'"))
    assert stored == ["\\+14085550000", "\\+14085550001", "\\+14085550002"]     # as CUCM stores E.164 numbers
    assert first["reservations"][0]["pattern"] == "\\+14085550000"
    pool = run.result(1)
    assert [n["number"] for n in pool["numbers"]] == ["+14085550002"] and pool["exhausted"] is True
    exhausted = run.result(2)
    assert run.results[2]["status"] == "failed" and "1 free number(s) and 2 user(s) need one" in exhausted["msg"]
    assert "Nothing was written" in exhausted["msg"]
    # e2 already holds +14085550001 (reserved): asking for another number exactly reserves it too
    assert run.result(3)["numbers"] == {"e2": "+14085550002"}


def test_pool_hostile_input_changes_nothing(sim14, ansible14):
    before = sim14.sql("select pkid, dnorpattern, description from numplan order by pkid")
    hostile = [
        {"start": "100000", "end": "100009", "partition": "Internal_PT' or '1'='1"},
        {"start": "100000' or '1'='1", "end": "100009", "partition": "Internal_PT"},
        {"start": "100000", "end": "100009 union select pkid from enduser", "partition": "Internal_PT"},
        {"start": "1000;drop table numplan", "end": "1009", "partition": "Internal_PT"},
        {"start": "100000", "end": "100009", "partition": "Internal_PT\\' --"},
        {"start": "100009", "end": "100000", "partition": "Internal_PT"},
        {"start": "1000", "end": "100009", "partition": "Internal_PT"},
        {"start": "+100000", "end": "100009", "partition": "Internal_PT"},
        {"start": "100000", "end": "100009", "partition": "No_Such_PT"},
    ]
    tasks = [{"voiceops.cucm.cucm_number_pool_info": {"ranges": [r], "count": 2}, "ignore_errors": True}
             for r in hostile]
    tasks += [{"voiceops.cucm.cucm_number_reservation": {"users": [{"userid": "x"}], "ranges": [r]},
               "ignore_errors": True} for r in hostile]
    tasks += [
        {"voiceops.cucm.cucm_number_reservation": {"users": [{"userid": "a\\b"}], "ranges": RANGE}, "ignore_errors": True},
        {"voiceops.cucm.cucm_number_reservation": {
            "users": [{"userid": "x", "number": "100000' or 1=1"}], "ranges": RANGE}, "ignore_errors": True},
        {"voiceops.cucm.cucm_number_reservation": {"state": "released", "lines": [
            {"number": "100001' or '1'='1", "partition": "Internal_PT"}]}, "ignore_errors": True},
        {"voiceops.cucm.cucm_number_reservation": {"state": "released", "userids": ["x' or '1'='1"]},
         "ignore_errors": True},
        {"voiceops.cucm.cucm_number_reservation": {"state": "released", "lines": [
            {"number": "100001", "partition": "Internal_PT' or '1'='1"}]}, "ignore_errors": True},
    ]
    run = ansible14.run(tasks)
    results = [r["result"] for r in run.results]
    status = [r["status"] for r in run.results]
    n = len(hostile)
    for i in range(2):
        for k, expected in enumerate(["route partition", "is not a directory number", "is not a directory number",
                                      "is not a directory number", "backslash", "is after end",
                                      "same form and number of digits", "same form and number of digits",
                                      "route partition"]):
            result = results[i * n + k]
            assert status[i * n + k] == "failed", (k, result)
            assert expected in result["msg"], (k, result["msg"])
    assert status[2 * n] == "failed" and "backslash" in results[2 * n]["msg"]
    assert status[2 * n + 1] == "failed" and "is not a directory number" in results[2 * n + 1]["msg"]
    assert status[2 * n + 2] == "failed" and "is not a directory number" in results[2 * n + 2]["msg"]
    # a quote in a user ID or a partition is a quoted literal: it matches nobody, and nothing changes
    assert status[2 * n + 3] == "ok" and results[2 * n + 3]["changed"] is False
    assert status[2 * n + 4] == "ok" and results[2 * n + 4]["missing"][0]["number"] == "100001"
    assert sim14.sql("select pkid, dnorpattern, description from numplan order by pkid") == before


def test_two_runs_at_once_never_share_a_number(sim14, tmp_path, collections_path):
    from conftest import Ansible
    sim14.faults(latency_ms=15)          # widen the window in which the two runs race
    try:
        runs = {}

        def reserve(name):
            users = [{"userid": "%s%02d" % (name, i)} for i in range(6)]
            workdir = tmp_path / name
            workdir.mkdir()
            runs[name] = Ansible(sim14, workdir, collections_path).run([
                {"voiceops.cucm.cucm_number_reservation": {
                    "users": users, "ranges": [{"start": "100000", "end": "100099", "partition": "Internal_PT"}]}}])

        threads = [threading.Thread(target=reserve, args=(name,)) for name in ("left", "right")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sim14.faults(latency_ms=0)
    for run in runs.values():
        assert run.rc == 0, run
    numbers = list(runs["left"].result()["numbers"].values()) + list(runs["right"].result()["numbers"].values())
    assert len(numbers) == 12 and len(set(numbers)) == 12
    rows = sim14.sql("select dnorpattern, description from numplan where description like 'reserved %'")
    assert sorted(r[0] for r in rows) == sorted(numbers)
    owners = {r[0]: r[1].split(" ", 2)[2] for r in rows}
    for name, run in runs.items():
        for userid, number in run.result()["numbers"].items():
            assert owners[number] == userid
