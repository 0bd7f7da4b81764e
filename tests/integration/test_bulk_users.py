"""cucm_end_users (issue 7) against the simulator: counts from /__sim__/stats, what was sent from
the simulator's request log, final state from independent reads of its database.

- ``big``: a CUCM 14.0 simulator seeded with 16,000 users; the module converges 2,000 of them
  (every 8th), given as the module's own ``gathered`` export (the round trip is part of the claim).
- ``mid``: 1,000 users, for the fault-injection and concurrency tests.
- ``sim``/``sim14``: the shared 20-user simulators (version matrix / 14.0) for the semantics.

Page arithmetic is derived from what the module itself uses to size its pages
(``axl.PAGE_BYTES``, ``page_rows``, the row-size estimates), never from timings.
"""

import csv
import importlib
import json
import re
import sys
import threading
from collections import Counter

import pytest
import yaml
from lxml import etree

from conftest import ROOT, Ansible, Simulator

sys.path.insert(0, str(ROOT / "simulator"))
from cucm_axl_sim.seed import credential_digest, seed_user  # noqa: E402

M = "voiceops.cucm.cucm_end_users"
STD = "Standard CCM End Users"
CTI = "Standard CTI Enabled"
MB8 = 8 * 1024 * 1024
BIG_USERS, BIG_SAMPLE = 16000, [8 * k for k in range(1, 2001)]      # user00008 ... user16000
MID_USERS = 1000
CANARY_PW, CANARY_PIN = "Bulk-Cnry-Pw-5521x!", "55216633"


# ------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def eu(collections_path):
    """The module's end_user resource module (its page sizes and row estimates)."""
    sys.path.insert(0, str(collections_path))
    return importlib.import_module("ansible_collections.voiceops.cucm.plugins.module_utils.resources.end_user")


@pytest.fixture(scope="session")
def big_session(tmp_path_factory):
    s = Simulator(tmp_path_factory.mktemp("big"), "14.0", "--seed-users", str(BIG_USERS))
    yield s
    s.stop()


@pytest.fixture(scope="session")
def mid_session(tmp_path_factory):
    s = Simulator(tmp_path_factory.mktemp("mid"), "14.0", "--seed-users", str(MID_USERS))
    yield s
    s.stop()


@pytest.fixture
def big(big_session):
    big_session.reset()
    return big_session


@pytest.fixture
def mid(mid_session):
    mid_session.reset()
    return mid_session


@pytest.fixture
def ansible_big(big, tmp_path, collections_path):
    return Ansible(big, tmp_path, collections_path)


@pytest.fixture
def ansible_mid(mid, tmp_path, collections_path):
    return Ansible(mid, tmp_path, collections_path)


@pytest.fixture(scope="session")
def big_export(big_session, tmp_path_factory, collections_path):
    """The 2,000 sampled users as ``state: gathered`` exports them (``dest`` JSON), read with the
    user IDs given in a users_file."""
    big_session.reset()
    work = tmp_path_factory.mktemp("big-export")
    ids = work / "ids.json"
    ids.write_text(json.dumps({"users": [{"userid": uid(i)} for i in BIG_SAMPLE]}))
    dest = work / "users.json"
    start = mark(big_session)
    run = Ansible(big_session, work, collections_path).run(
        [task(state="gathered", users_file=str(ids), dest=str(dest))])
    assert run.rc == 0, run
    assert run.result()["counts"]["gathered"] == len(BIG_SAMPLE)
    assert "users" not in run.result()          # with dest, the users go to the file only
    stats = big_session.stats()
    assert (stats["writes"], stats["auth_basic"]) == (0, 1)
    assert max(len(e["response"].encode()) for e in log_since(big_session, start)) < MB8
    users = json.loads(dest.read_text())["users"]
    assert [u["userid"] for u in users] == [uid(i) for i in BIG_SAMPLE]
    return users


# ------------------------------------------------------------------------------- helpers
def uid(i):
    return f"user{i:05d}"


def task(**options):
    return {"name": "bulk", M: options, "register": "r"}


def dump(path, users):
    path.write_text(json.dumps({"users": users}))
    return str(path)


def mark(sim):
    return sim.log.stat().st_size if sim.log.exists() else 0


def log_since(sim, offset):
    """Logged AXL exchanges after ``offset`` (a byte position from :func:`mark`)."""
    with open(sim.log, "rb") as handle:
        handle.seek(offset)
        return [json.loads(line) for line in handle.read().decode("utf-8").splitlines()]


def request_element(entry):
    return etree.fromstring(entry["request"].encode())[0][0]


def children(entry):
    return [etree.QName(c).localname for c in request_element(entry)]


def written_userid(entry):
    element = request_element(entry)
    node = element.find("user/userid") if etree.QName(element).localname == "addUser" else element.find("userid")
    return node.text


def sql_of(entry):
    return request_element(entry).findtext("sql")


PAGE_RE = re.compile(r"^select skip (\d+) first (\d+) ", re.IGNORECASE)


def page_of(entry):
    """``(query, skip, first)`` of a paged read (listUser or a paged executeSQLQuery), else None."""
    if entry["operation"] == "listUser":
        element = request_element(entry)
        return "listUser", int(element.findtext("skip")), int(element.findtext("first"))
    if entry["operation"] == "executeSQLQuery":
        match = PAGE_RE.match(sql_of(entry))
        if match:
            return "sql:" + sql_of(entry)[match.end():], int(match.group(1)), int(match.group(2))
    return None


def enduser(sim, userid, columns="firstname, lastname, mailid, department, title, telephonenumber"):
    rows = sim.sql(f"select {columns} from enduser where userid = ?", (userid,))
    return rows[0] if rows else None


def userids(sim, like="%"):
    return sorted(r[0] for r in sim.sql("select userid from enduser where userid like ?", (like,)))


def groups_of(sim, userid):
    return sorted(r[0] for r in sim.sql(
        "select g.name from enduserdirgroupmap m join enduser u on u.pkid = m.fkenduser "
        "join dirgroup g on g.pkid = m.fkdirgroup where u.userid = ?", (userid,)))


def devices_of(sim, userid):
    return sorted(r[0] for r in sim.sql(
        "select d.name from enduserdevicemap m join enduser u on u.pkid = m.fkenduser "
        "join device d on d.pkid = m.fkdevice where u.userid = ? and m.tkuserassociation = 1", (userid,)))


def credential(sim, userid, kind):
    rows = sim.sql("select c.credentials, u.pkid from credential c join enduser u on u.pkid = c.fkenduser "
                   "where u.userid = ? and c.tkcredential = ?", (userid, {"password": 3, "pin": 4}[kind]))
    return rows[0] if rows else None


def seeded(i, **extra):
    """Seeded user ``i`` in the module's input shape (as the simulator's seed made it)."""
    u = seed_user(i)
    item = dict(userid=u["userid"], first_name=u["firstname"], last_name=u["lastname"], mail=u["mailid"],
                display_name=f"{u['firstname']} {u['lastname']}", department=u["department"],
                telephone_number=u["telephonenumber"], title=u["title"], groups={"set": [STD]},
                associated_devices={"set": [u["phone"]]},
                primary_extension={"pattern": u["dn"], "partition": "Internal_PT"})
    item.update(extra)
    return item


def expected_pages(eu, sim, version, declared):
    """``{query: (page size, pages)}`` of a bulk read of every user (scope ``%``) declaring
    ``declared``, from the module's own page sizing: PAGE_BYTES / estimated bytes per row
    (``page_rows``), pages = rows // page size + 1 (the last, short page ends the read).

    The listUser row estimate is the one ``EndUser.read_many`` computes (70 bytes + per returned
    tag twice its name + 70 for a name reference, 24 for a plain value)."""
    resource = eu.EndUser()
    declared = set(declared)
    if "primary_extension" in declared:
        declared.add("associated_devices")
    options = [o for o in resource.options if o.name in declared]
    bulk = set(o.name for o in resource.bulk_readable(version))
    via_list = [o for o in options if o.name in bulk and o.name not in eu.SQL_DETAILS and o.name not in eu.BULK_SQL]
    row_bytes = 70 + sum(2 * len(o.axl) + (70 if o.axl in eu.FK_FIELDS else 24) for o in via_list)
    users = sim.sql("select count(*) from enduser")[0][0]
    rows = {"listUser": (users, row_bytes)}
    if declared & set(eu.SQL_DETAILS):
        rows["details"] = (users, eu.BULK_SQL["details"][1])
    if "groups" in declared:
        rows["groups"] = (sim.sql("select count(*) from enduserdirgroupmap")[0][0], eu.BULK_SQL["groups"][1])
    if "associated_devices" in declared:
        rows["associated_devices"] = (sim.sql("select count(*) from enduserdevicemap where tkuserassociation = 1")[0][0],
                                      eu.BULK_SQL["associated_devices"][1])
    out = {}
    for query, (count, size) in rows.items():
        page = eu.page_rows(size)
        out[query] = (page, count // page + 1)
    return out


def check_paged_reads(entries, expected):
    """Every paged read of ``entries`` is one of ``expected``'s, at its page size, pages in order."""
    seen = {}
    for entry in entries:
        page = page_of(entry)
        if page is None:
            continue
        assert entry["status"] == 200, entry["response"][:300]
        seen.setdefault(page[0], []).append(page[1:])
    assert len(seen) == len(expected), sorted(seen)
    by_size = sorted((len(v), v[0][1]) for v in seen.values())
    assert by_size == sorted((pages, size) for size, pages in expected.values()), (seen.keys(), expected)
    for query, pages in seen.items():
        size = pages[0][1]
        assert pages == [(k * size, size) for k in range(len(pages))], query


def reads(stats):
    return stats["requests"] - stats["writes"] - stats["throttled"]


# ===================================================================== scale: 2,000 of 16,000
def test_scale_unchanged_gathered_fed_back(ansible_big, big, big_export, eu, tmp_path):
    """2,000 of 16,000 users, unchanged (the gathered export fed back): 0 writes, 1 Basic
    authentication, and exactly the pages the module's page sizing gives; every answer < 8 MB."""
    users_file = dump(tmp_path / "users.json", big_export)
    start = mark(big)
    run = ansible_big.run([task(users_file=users_file)])
    assert run.rc == 0, run
    result = run.result()
    assert result["changed"] is False
    assert result["counts"] == dict(created=0, updated=0, deleted=0, unchanged=2000, failed=0)
    assert result["changes"] == [] and result["failures"] == []

    stats = big.stats()
    declared = set(k for u in big_export for k, v in u.items() if v is not None) - {"userid"}
    expected = expected_pages(eu, big, "14.0", declared)
    total = sum(pages for _size, pages in expected.values())
    assert stats["writes"] == 0
    assert stats["auth_basic"] == 1
    assert stats["requests"] == total, (stats, expected)
    assert stats["by_operation"] == {"listUser": expected["listUser"][1], "executeSQLQuery": total - expected["listUser"][1]}
    assert result["axl"]["requests"] == total and result["axl"]["basic_auths"] == 1

    entries = log_since(big, start)
    assert len(entries) == total
    check_paged_reads(entries, expected)
    sizes = [len(e["response"].encode()) for e in entries]
    assert max(sizes) < MB8, max(sizes)
    assert max(len(e["request"].encode()) for e in entries) < MB8
    print(f"\n2,000 of 16,000 unchanged: {stats['requests']} requests ({stats['by_operation']}), pages {expected}, "
          f"largest answer {max(sizes)} bytes, {stats['auth_basic']} Basic authentication")


def one_percent(export):
    """20 of the 2,000 changed: one field, two fields, or a list."""
    users = [dict(u) for u in export]
    changed = {}
    for n, index in enumerate(range(50, 2000, 100)):        # 20 users spread over the file
        user = users[index]
        if n < 10:
            user["department"] = "Bulk-Dept-%d" % n
            changed[user["userid"]] = {"department": ["department"]}
        elif n < 15:
            user["title"] = "Bulk Title"
            user["telephone_number"] = "+1999000%04d" % n
            changed[user["userid"]] = {"telephone_number": ["telephoneNumber"], "title": ["title"]}
        else:
            user["groups"] = {"set": [STD, CTI]}
            changed[user["userid"]] = {"groups": ["associatedGroups"]}
    return users, changed


def test_scale_one_percent_changed_check_diff_then_apply(ansible_big, big, big_export, eu, tmp_path):
    users, changed = one_percent(big_export)
    users_file = dump(tmp_path / "changed.json", users)
    declared = set(k for u in big_export for k, v in u.items() if v is not None) - {"userid"}
    expected = expected_pages(eu, big, "14.0", declared)
    pages = sum(p for _s, p in expected.values())

    # --check --diff: the reads of a real run, no write, a diff of the changed users only
    run = ansible_big.run([task(users_file=users_file)], check=True, diff=True)
    assert run.rc == 0, run
    result = run.result()
    check_stats = big.stats()
    assert check_stats["writes"] == 0
    assert check_stats["auth_basic"] == 1
    assert result["changed"] is True
    assert result["counts"] == dict(created=0, updated=20, deleted=0, unchanged=1980, failed=0)
    assert set(result["diff"]["before"]) == set(changed) == set(result["diff"]["after"])
    for userid, fields in changed.items():
        assert set(result["diff"]["before"][userid]) == set(fields), userid
        assert set(result["diff"]["after"][userid]) == set(fields), userid
    sample = users[50]
    assert result["diff"]["before"][sample["userid"]] == {"department": big_export[50]["department"]}
    assert result["diff"]["after"][sample["userid"]] == {"department": "Bulk-Dept-0"}
    assert result["diff"]["after"][users[1550]["userid"]] == {"groups": sorted([STD, CTI])}
    assert enduser(big, sample["userid"])[3] == big_export[50]["department"]      # nothing written
    # the paged reads plus at most the two pre-write checks (LDAP facts of users whose
    # directory-owned fields change, existence of the referenced groups)
    assert pages <= check_stats["requests"] <= pages + 2, check_stats
    print(f"\n1% changed, --check --diff: {check_stats['requests']} requests ({pages} pages + pre-write checks), 0 writes")

    # apply: exactly 20 writes: an updateUser carrying only the changed fields for the 15 field changes, and
    # for the 5 group changes an incremental updateUserGroup addMembers (never the user's whole group list,
    # which would undo a group another job gave the user meanwhile)
    big.reset()
    start = mark(big)
    run = ansible_big.run([task(users_file=users_file)], diff=True)
    assert run.rc == 0, run
    result = run.result()
    stats = big.stats()
    assert result["changed"] is True
    assert stats["writes"] == 20
    assert stats["auth_basic"] == 1
    group_changes = sorted(u for u, fields in changed.items() if "groups" in fields)
    assert len(group_changes) == 5
    assert stats["by_operation"]["updateUser"] == 15
    assert stats["by_operation"]["updateUserGroup"] == 5
    assert reads(stats) == check_stats["requests"]           # check mode read exactly what the run read
    group_writes = [e["request"] for e in log_since(big, start) if e["operation"] == "updateUserGroup"]
    for userid in group_changes:
        assert sum(1 for r in group_writes if "<addMembers><member><userId>%s</userId>" % userid in r
                   and "<name>%s</name>" % CTI in r) == 1, userid
    assert not any("associatedGroups" in e["request"] for e in log_since(big, start))
    updates = [e for e in log_since(big, start) if e["operation"] == "updateUser"]
    assert sorted(written_userid(e) for e in updates) == sorted(set(changed) - set(group_changes))
    for entry in updates:
        axl_fields = sorted(f for fields in changed[written_userid(entry)].values() for f in fields)
        assert children(entry)[0] == "userid" and sorted(children(entry)[1:]) == axl_fields, \
            (written_userid(entry), children(entry))

    assert result["counts"] == dict(created=0, updated=20, deleted=0, unchanged=1980, failed=0)
    assert sorted(c["userid"] for c in result["changes"]) == sorted(changed)
    for change in result["changes"]:
        assert change["action"] == "updated" and change["fields"] == sorted(changed[change["userid"]])
    assert set(result["diff"]["after"]) == set(changed)
    # small result: nothing about the 1,980 unchanged users, a size that grows with the changes only
    text = json.dumps(result)
    for index in (0, 49, 51, 999, 1999):
        assert users[index]["userid"] not in text
    assert len(text) < 5000 + 600 * len(changed), len(text)     # 100 changes of 10,000: < 70 kB << 1 MB

    for n, index in enumerate(range(50, 2000, 100)):
        userid = users[index]["userid"]
        row = enduser(big, userid)
        if n < 10:
            assert row[3] == "Bulk-Dept-%d" % n
        elif n < 15:
            assert row[4] == "Bulk Title" and row[5] == "+1999000%04d" % n
        else:
            assert groups_of(big, userid) == sorted([STD, CTI])
    untouched = users[51]
    assert enduser(big, untouched["userid"])[3:5] == (untouched["department"], untouched["title"])


# ===================================================================== the version matrix (20 users)
def test_unchanged_and_one_changed_across_versions(ansible, sim, eu):
    """The gathered users fed back inline: 0 writes, 1 authentication per task, one page of each
    read; one changed field: exactly one updateUser carrying it."""
    run = ansible.run([dict(task(state="gathered"), register="g"), task(users="{{ g.users }}")])
    assert run.rc == 0, run
    gathered = run.result(0)["users"]
    assert [u["userid"] for u in gathered] == userids(sim)
    assert run.result(1)["changed"] is False
    assert run.result(1)["counts"]["unchanged"] == len(gathered)
    stats = sim.stats()
    declared = set(k for u in gathered for k, v in u.items() if v is not None) - {"userid"}
    expected = expected_pages(eu, sim, sim.version, declared)
    assert all(pages == 1 for _s, pages in expected.values())
    # gathering also asks which users are LDAP-synchronised (one query: their directory's fields are not exported)
    for result, extra in ((run.result(0), 1), (run.result(1), 0)):
        assert result["axl"]["requests"] == len(expected) + extra and result["axl"]["basic_auths"] == 1, result["axl"]
    assert (stats["writes"], stats["auth_basic"], stats["requests"]) == (0, 2, 2 * len(expected) + 1), stats

    sim.reset()
    start = mark(sim)
    exported = [dict(u, department="Changed") if u["userid"] == "user00010" else u for u in gathered]
    run = ansible.run([task(users="{{ exported }}")], play_vars={"exported": exported}, diff=True)
    assert run.rc == 0, run
    result = run.result()
    assert result["changed"] is True
    assert result["counts"]["updated"] == 1 and result["counts"]["unchanged"] == len(gathered) - 1
    assert result["changes"] == [{"userid": "user00010", "action": "updated", "fields": ["department"]}]
    assert result["diff"]["after"] == {"user00010": {"department": "Changed"}}
    updates = [e for e in log_since(sim, start) if e["operation"] == "updateUser"]
    assert len(updates) == 1 and children(updates[0]) == ["userid", "department"]
    assert sim.stats()["writes"] == 1 and sim.stats()["auth_basic"] == 1
    assert enduser(sim, "user00010")[3] == "Changed"


# ===================================================================== round trips through files
def test_gathered_round_trip_json_yaml_csv(ansible14, sim14, tmp_path):
    json_dest, yaml_dest = tmp_path / "export.json", tmp_path / "export.yml"
    run = ansible14.run([task(state="gathered", scope={"userid": "user%"}, dest=str(json_dest)),
                         task(state="gathered", scope={"userid": "user%"}, dest=str(yaml_dest))])
    assert run.rc == 0, run
    exported = json.loads(json_dest.read_text())["users"]
    assert yaml.safe_load(yaml_dest.read_text())["users"] == exported
    assert [u["userid"] for u in exported] == userids(sim14, "user%")

    # CSV: list options ';'-separated, the primary extension in two columns
    csv_path = tmp_path / "users.csv"
    columns = ["userid", "first_name", "last_name", "mail", "department", "telephone_number", "title",
               "display_name", "enable_cti", "max_desk_pickup_wait_time", "groups", "associated_devices",
               "primary_extension_pattern", "primary_extension_partition"]

    def write_csv(rows):
        with open(csv_path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, columns)
            writer.writeheader()
            writer.writerows(rows)

    rows = []
    for u in exported:
        row = dict((k, u.get(k)) for k in columns if k in u)
        row["groups"] = ";".join(u["groups"]["set"])
        row["associated_devices"] = ";".join(u["associated_devices"]["set"])
        row["primary_extension_pattern"] = u["primary_extension"]["pattern"]
        row["primary_extension_partition"] = u["primary_extension"]["partition"]
        rows.append(row)
    write_csv(rows)

    before = sim14.stats()["writes"]
    run = ansible14.run([task(users_file=str(path)) for path in (json_dest, yaml_dest, csv_path)])
    assert run.rc == 0, run
    for result in run.results:
        assert result["result"]["changed"] is False, result
        assert result["result"]["counts"]["unchanged"] == len(exported)
    assert sim14.stats()["writes"] == before

    # the CSV with one change: one write, only those fields
    rows[6]["title"] = "CSV Title"
    rows[6]["groups"] = STD + ";" + CTI
    write_csv(rows)
    start = mark(sim14)
    run = ansible14.run([task(users_file=str(csv_path))])
    assert run.rc == 0, run
    assert run.result()["changes"] == [{"userid": "user00007", "action": "updated", "fields": ["groups", "title"]}]
    # the title with updateUser; the new group incrementally (never the user's whole group list)
    updates = [e for e in log_since(sim14, start) if e["operation"] == "updateUser"]
    assert len(updates) == 1 and children(updates[0]) == ["userid", "title"]
    group_writes = [e for e in log_since(sim14, start) if e["operation"] == "updateUserGroup"]
    assert len(group_writes) == 1 and children(group_writes[0]) == ["name", "addMembers"]
    assert enduser(sim14, "user00007")[4] == "CSV Title" and groups_of(sim14, "user00007") == sorted([STD, CTI])


def test_users_file_with_byte_order_mark_and_unreadable_files(ansible14, sim14, tmp_path):
    """A spreadsheet's UTF-8 CSV (with a byte order mark) is read; a broken file fails cleanly."""
    bom = tmp_path / "excel.csv"
    bom.write_text("\ufeffuserid,title\nuser00005,From Excel\n", encoding="utf-8")
    broken_json, broken_yaml = tmp_path / "broken.json", tmp_path / "broken.yml"
    broken_json.write_text('{"users": [{"userid": "user00005",}]}')
    broken_yaml.write_text("users:\n  - userid: user00005\n   title: [x\n")
    run = ansible14.run([task(users_file=str(bom)),
                         dict(task(users_file=str(broken_json)), ignore_errors=True),
                         dict(task(users_file=str(broken_yaml)), ignore_errors=True)])
    assert run.results[0]["status"] == "ok", run
    assert run.results[0]["result"]["changes"] == [{"userid": "user00005", "action": "updated", "fields": ["title"]}]
    assert enduser(sim14, "user00005")[4] == "From Excel"
    for result, path in zip(run.results[1:], (broken_json, broken_yaml)):
        assert result["status"] == "failed"
        assert result["result"]["msg"].startswith("users_file: %s cannot be read: " % path), result["result"]["msg"]
    assert sim14.stats()["writes"] == 1


# ===================================================================== states
def test_replaced_empties_undeclared_lists_merged_does_not(ansible14, sim14):
    users = [dict(userid="user00003", groups={"set": [CTI]}),
             dict(userid="user00004", title="Replaced"),
             dict(userid="user00005", associated_devices={"set": [seed_user(5)["phone"]]})]
    before = sim14.stats()["writes"]
    run = ansible14.run([task(state="replaced", users=users), task(state="replaced", users=users),
                         task(users=[dict(userid="user00008", title="Merged")])], diff=True)
    assert run.rc == 0, run
    result = run.result(0)
    assert result["counts"]["updated"] == 3
    assert groups_of(sim14, "user00003") == [CTI] and devices_of(sim14, "user00003") == []
    assert groups_of(sim14, "user00004") == [] and devices_of(sim14, "user00004") == []
    assert enduser(sim14, "user00004")[4] == "Replaced"
    assert groups_of(sim14, "user00005") == [] and devices_of(sim14, "user00005") == [seed_user(5)["phone"]]
    assert result["diff"]["after"]["user00004"] == {"associated_devices": [], "groups": [], "title": "Replaced"}
    # users not declared are left alone
    assert groups_of(sim14, "user00006") == [STD] and devices_of(sim14, "user00006") == [seed_user(6)["phone"]]
    # the same again: nothing to do
    assert run.result(1)["changed"] is False
    # merged leaves the undeclared lists
    assert enduser(sim14, "user00008")[4] == "Merged"
    assert groups_of(sim14, "user00008") == [STD] and devices_of(sim14, "user00008") == [seed_user(8)["phone"]]
    # 3 updateUser (user00003's devices, user00004's title and devices, user00008's title) and 4 incremental
    # updateUserGroup for the groups (user00003: add CTI, remove STD; user00004 and user00005: remove STD)
    assert sim14.stats()["by_operation"].get("updateUserGroup", 0) == 4
    assert sim14.stats()["writes"] == before + 7


def agents(sim, ansible):
    """agent01..agent05 (local), AGENT06 (another case: outside a case-sensitive 'agent%'),
    xagent07 (outside the scope)."""
    names = ["agent01", "agent02", "agent03", "agent04", "agent05", "AGENT06", "xagent07"]
    run = ansible.run([task(users=[dict(userid=n, last_name=n.title()) for n in names])])
    assert run.rc == 0, run
    return names


def test_overridden_deletes_exactly_the_undeclared_users_in_scope(ansible14, sim14):
    agents(sim14, ansible14)
    everyone = userids(sim14)
    declared = [dict(userid="agent01", last_name="Agent01", groups={"set": [CTI]}),
                dict(userid="agent02", last_name="Agent02"),
                dict(userid="agent03", last_name="Agent03")]
    scope = {"userid": "agent%"}

    # too many deletions: fails before any write and says how many; check mode within the limit
    before = sim14.stats()["writes"]
    run = ansible14.run([dict(task(state="overridden", scope=scope, max_deletions=1, users=declared), ignore_errors=True),
                         task(state="overridden", scope=scope, max_deletions=2, users=declared)], check=True)
    assert run.results[0]["status"] == "failed"
    failure = run.result(0)
    assert "would delete 2 users" in failure["msg"] and "max_deletions=1" in failure["msg"], failure["msg"]
    assert "(agent04, agent05)" in failure["msg"] and failure["would_delete"] == 2, failure["msg"]
    assert run.results[1]["status"] == "ok", run
    assert run.result(1)["counts"]["deleted"] == 2
    assert sim14.stats()["writes"] == before
    assert userids(sim14) == everyone

    # within the limit; then again: nothing to do
    run = ansible14.run([task(state="overridden", scope=scope, max_deletions=2, users=declared),
                         task(state="overridden", scope=scope, users=declared)], diff=True)
    assert run.rc == 0, run
    result = run.result(0)
    assert sorted(c["userid"] for c in result["changes"] if c["action"] == "deleted") == ["agent04", "agent05"]
    assert result["diff"]["after"]["agent04"] == {"state": "absent"}
    assert userids(sim14) == sorted(set(everyone) - {"agent04", "agent05"})
    # replaced semantics for the declared ones: undeclared lists emptied
    assert groups_of(sim14, "agent01") == [CTI] and groups_of(sim14, "agent02") == []
    assert run.result(1)["changed"] is False
    # 2 deletes; the groups one updateUserGroup at a time (agent01: add CTI, remove STD; agent02, agent03: remove STD)
    assert sim14.stats()["writes"] == before + 2 + 4


def test_overridden_scope_is_case_sensitive_and_declared_users_outside_it_converge(ansible14, sim14):
    """The scope is documented as a case-sensitive LIKE: AGENT06 is not in 'agent%'.  A declared
    user outside the scope is converged like any other, not mistaken for a new one."""
    agents(sim14, ansible14)
    everyone = userids(sim14)
    declared = [dict(userid=n, last_name=n.title()) for n in ("agent01", "agent02", "agent03", "agent04")]
    declared.append(dict(userid="user00007", title="Outside"))
    run = ansible14.run([task(state="overridden", scope={"userid": "agent%"}, users=declared),
                         task(state="gathered", scope={"userid": "agent%"})])
    assert run.rc == 0, run
    assert [c["userid"] for c in run.result(0)["changes"] if c["action"] == "deleted"] == ["agent05"]
    assert userids(sim14) == sorted(set(everyone) - {"agent05"})
    assert enduser(sim14, "user00007")[4] == "Outside"
    assert [u["userid"] for u in run.result(1)["users"]] == ["agent01", "agent02", "agent03", "agent04"]


def test_overridden_ldap_users_in_scope(ansible14, sim14):
    """user00001 and user00002 are LDAP-synchronised: a clean failure before any write with
    local_only false; left alone by default (local_only)."""
    declared = [dict(userid=uid(i)) for i in range(3, 8)]          # user00003..user00007
    everyone = userids(sim14)
    before = sim14.stats()["writes"]
    run = ansible14.run([dict(task(state="overridden", scope={"userid": "user0000%", "local_only": False},
                                   max_deletions=5, users=declared), ignore_errors=True),
                         task(state="overridden", scope={"userid": "user0000%"}, max_deletions=2, users=declared)])
    assert run.results[0]["status"] == "failed"
    msg = run.result(0)["msg"]
    assert "LDAP" in msg and "user00001" in msg and "user00002" in msg and "Nothing was written" in msg, msg
    assert run.results[1]["status"] == "ok", run
    result = run.result(1)
    assert sorted(c["userid"] for c in result["changes"] if c["action"] == "deleted") == ["user00008", "user00009"]
    assert result["counts"]["updated"] == 5       # their groups and devices emptied (replaced semantics)
    # the failed task wrote nothing: the second one did all the writes (2 deletes; per user one updateUser
    # for the devices and one incremental updateUserGroup removeMembers for its group)
    assert sim14.stats()["writes"] == before + 2 + 5 + 5
    assert userids(sim14) == sorted(set(everyone) - {"user00008", "user00009"})


def test_deleted(ansible14, sim14):
    everyone = userids(sim14)
    before = sim14.stats()["writes"]
    run = ansible14.run([dict(task(state="deleted", users=[dict(userid="user00011"), dict(userid="user00001")]),
                              ignore_errors=True),
                         task(state="deleted", users=[dict(userid="user00011"), dict(userid="user00012"),
                                                      dict(userid="nobody")]),
                         task(state="deleted", users=[dict(userid="user00011")])], diff=True)
    assert run.results[0]["status"] == "failed"
    msg = run.result(0)["msg"]
    assert "user00001" in msg and "LDAP" in msg and "Nothing was written" in msg, msg
    result = run.result(1)
    assert result["counts"]["deleted"] == 2 and result["counts"]["unchanged"] == 1   # user00011 was still there
    assert result["diff"]["after"] == {"user00011": {"state": "absent"}, "user00012": {"state": "absent"}}
    assert run.result(2)["changed"] is False
    assert userids(sim14) == sorted(set(everyone) - {"user00011", "user00012"})
    assert sim14.stats()["writes"] == before + 2


# ===================================================================== secrets
def test_secrets_from_users_file_default_pin_on_create_only(ansible14, sim14, tmp_path):
    users_file = dump(tmp_path / "secret.json", [
        dict(userid="sec1", last_name="One", pin=CANARY_PIN, password=CANARY_PW),
        dict(userid="sec2", last_name="Two"),
        dict(userid="user00005", pin="99001122"),
    ])
    seeded_pin = credential(sim14, "user00005", "pin")
    options = dict(users_file=users_file, default_pin="24680", default_password="Dflt-Pw-0001")
    before = sim14.stats()["writes"]
    run = ansible14.run([task(**options), task(**options)], diff=True, verbosity=3)
    assert run.rc == 0, run
    result = run.result(0)
    assert result["counts"] == dict(created=2, updated=0, deleted=0, unchanged=1, failed=0)
    assert run.result(1)["changed"] is False
    assert sim14.stats()["writes"] == before + 2
    digest, pkid = credential(sim14, "sec1", "pin")
    assert digest == credential_digest(pkid, CANARY_PIN)
    assert credential(sim14, "sec1", "password")[0] == credential_digest(pkid, CANARY_PW)
    digest, pkid = credential(sim14, "sec2", "pin")
    assert digest == credential_digest(pkid, "24680")                      # default_pin on create
    assert credential(sim14, "sec2", "password")[0] == credential_digest(pkid, "Dflt-Pw-0001")
    assert credential(sim14, "user00005", "pin") == seeded_pin              # existing: on_create
    assert result["diff"]["after"]["sec1"]["pin"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"

    run2 = ansible14.run([task(update_password="always", **options)], diff=True, verbosity=3)
    assert run2.rc == 0, run2
    assert sorted(c["userid"] for c in run2.result()["changes"]) == ["sec1", "user00005"]
    digest, pkid = credential(sim14, "user00005", "pin")
    assert digest == credential_digest(pkid, "99001122")
    digest, pkid = credential(sim14, "sec2", "pin")
    assert digest == credential_digest(pkid, "24680")                      # never default_pin on update
    for r in (run, run2):
        dumped = json.dumps(r.results)
        for canary in (CANARY_PIN, CANARY_PW, "99001122", "24680", "Dflt-Pw-0001", "ciscopsdt"):
            assert canary not in r.output and canary not in dumped, canary


def test_inline_secrets_refused_and_never_shown(ansible14, sim14):
    before = sim14.stats()["writes"]
    run = ansible14.run([task(users=[dict(userid="user00005", title="x", pin=CANARY_PIN),
                                     dict(userid="newbie", last_name="New", password=CANARY_PW)])], verbosity=3)
    assert run.rc != 0
    msg = run.failed[0]["result"]["msg"]
    assert "users[0] (user00005): pin: per-user secrets are only read from users_file" in msg, msg
    assert "users[1] (newbie): password" in msg and "default_password/default_pin" in msg, msg
    assert sim14.stats()["writes"] == before
    dumped = json.dumps(run.results)
    for canary in (CANARY_PIN, CANARY_PW):
        assert canary not in run.output and canary not in dumped, canary


# ===================================================================== partial failure
def test_partial_failure_reported_per_user_successes_kept(ansible14, sim14):
    """A refusal only CUCM's database makes fails that user alone; the others are written and kept.  (This test
    used duplicate mail IDs; the module now refuses those before any write, naming rule RI-2159: see
    tests/integration/test_fidelity.py.)  Here: IM and Presence for users whose home cluster is not this one; the
    bulk read reads home_cluster only when it is declared, so only CUCM's rule can refuse it."""
    away = [{"name": "away", "voiceops.cucm.cucm_end_user": {"userid": u, "home_cluster": False}}
            for u in ("user00005", "user00007")]
    assert ansible14.run(away).rc == 0
    users = [dict(userid="new%d" % n, last_name="New", mail="new%d@example.com" % n) for n in range(1, 5)]
    users += [dict(userid="user00005", im_and_presence=True), dict(userid="user00007", im_and_presence=True)]
    users.append(dict(userid="user00006", department="Kept"))
    run = ansible14.run([task(users=users)])
    assert run.rc != 0
    result = run.failed[0]["result"]
    failed = sorted(f["userid"] for f in result["failures"])
    assert failed == ["user00005", "user00007"], result["failures"]
    for failure in result["failures"]:
        assert failure["action"] == "updated"
        assert "home cluster" in failure["msg"], failure
    assert result["counts"] == dict(created=4, updated=1, deleted=0, unchanged=0, failed=2)
    assert result["changed"] is True
    assert "2 of 7 users failed" in result["msg"] and "user00005:" in result["msg"]
    assert set(userids(sim14, "new%")) == {"new1", "new2", "new3", "new4"}     # the successes are kept
    assert enduser(sim14, "user00006")[3] == "Kept"

    # fix the input, run again: the rest converges, nothing else is written
    users[4]["home_cluster"] = users[5]["home_cluster"] = True
    before = sim14.stats()["writes"]
    run = ansible14.run([task(users=users)])
    assert run.rc == 0, run
    assert run.result()["counts"] == dict(created=0, updated=2, deleted=0, unchanged=5, failed=0)
    assert sim14.stats()["writes"] == before + 2
    assert sim14.sql("select userid from enduser where enablecups = 't' order by userid") == [
        ("user00005",), ("user00007",)]


# ===================================================================== bad input
BAD = [
    ("unknown group", dict(userid="user00004", groups={"add": ["No Such Group"]}),
     ["user00004: groups: unknown access control group 'No Such Group'"]),
    ("wrong type", dict(userid="user00004", max_desk_pickup_wait_time="soon"),
     ["users[0] (user00004)", "max_desk_pickup_wait_time"]),
    ("unknown option", dict(userid="user00004", titel="x"), ["users[0] (user00004)", "titel"]),
    ("duplicate userid", [dict(userid="user00004", title="a"), dict(userid="user00004", title="b")],
     ["users[1] (user00004): declared more than once"]),
    ("set and add", dict(userid="user00004", groups={"set": [STD], "add": [CTI]}),
     ["user00004: groups: 'set' cannot be combined with 'add' or 'remove'"]),
    ("add and remove", dict(userid="user00004", groups={"add": [CTI], "remove": [CTI]}),
     ["user00004: groups: 'Standard CTI Enabled' is in both 'add' and 'remove'"]),
    ("primary extension", dict(userid="user00004", primary_extension={"pattern": "100005", "partition": "Internal_PT"}),
     ["user00004: primary_extension: 100005 in partition Internal_PT is not a line of the user's associated devices"]),
    ("create without last name", dict(userid="newbie", first_name="New"),
     ["newbie: does not exist; creating it needs last_name"]),
    ("ldap-owned field", dict(userid="user00001", department="Elsewhere"),
     ["user00001: synchronised from LDAP directory 'corp-ldap', which owns department"]),
]


def test_bad_input_fails_before_any_write(ansible14, sim14):
    """Each bad declaration (one task each, beside a valid change) fails the task before any
    write, with a message naming the user and the option."""
    tasks = []
    for _name, bad, _messages in BAD:
        users = (bad if isinstance(bad, list) else [bad]) + [dict(userid="user00006", title="Would change")]
        tasks.append(dict(task(users=users), ignore_errors=True))
    before = sim14.stats()["writes"]
    run = ansible14.run(tasks)
    assert len(run.results) == len(BAD), run
    for (name, _bad, messages), result in zip(BAD, run.results):
        assert result["status"] == "failed", name
        msg = result["result"]["msg"]
        for message in messages:
            assert message in msg, (name, msg)
        assert "Nothing was written" in msg, (name, msg)
    assert sim14.stats()["writes"] == before
    assert enduser(sim14, "user00006")[4] != "Would change"


# ===================================================================== faults (1,000 users)
def test_throttled_writes_retried_exactly_no_duplicates(ansible_mid, mid, tmp_path):
    users = [seeded(i, title="Throttled %d" % i) for i in range(101, 201)]          # 100 changed users
    users_file = dump(tmp_path / "t.json", users)
    conn = ansible_mid.connection(retry_delay=0.01)
    run = ansible_mid.run([task(users_file=users_file)], check=True, connection=conn)
    assert run.rc == 0, run
    check_reads = mid.stats()["requests"]

    mid.reset()
    mid.faults(throttle_writes=0.2, random_seed=11)
    start = mark(mid)
    run = ansible_mid.run([task(users_file=users_file, concurrency=4)], connection=conn)
    assert run.rc == 0, run
    stats = mid.stats()
    assert stats["throttled"] > 0
    assert stats["writes"] == 100
    assert stats["requests"] == check_reads + 100 + stats["throttled"], stats
    assert stats["auth_basic"] == 1
    result = run.result()
    assert result["axl"]["throttled"] == stats["throttled"] and result["axl"]["requests"] == stats["requests"]
    assert result["counts"]["updated"] == 100
    # the retries are not silent: a warning with the counts (each 503 was retried once)
    assert any("throttled %d AXL requests" % stats["throttled"] in w and "retried %d times" % stats["throttled"] in w
               for w in result.get("warnings", [])), result.get("warnings")
    entries = [e for e in log_since(mid, start) if e["operation"] == "updateUser"]
    done = Counter(written_userid(e) for e in entries if e["status"] == 200)
    assert sorted(done) == [uid(i) for i in range(101, 201)] and set(done.values()) == {1}
    assert sum(1 for e in entries if e["status"] == 503) == stats["throttled"]
    assert all(children(e) == ["userid", "title"] for e in entries)
    assert [r[0] for r in mid.sql("select title from enduser where userid between 'user00101' and 'user00200' "
                                  "order by userid")] == ["Throttled %d" % i for i in range(101, 201)]
    print(f"\nthrottle_writes=0.2: {stats['throttled']} x 503, {stats['requests']} requests = {check_reads} reads + "
          f"100 writes + {stats['throttled']} retries")


def test_drop_after_commit_no_duplicate_create(ansible_mid, mid):
    new = [dict(userid="drop%02d" % n, last_name="Drop", mail="drop%02d@example.com" % n) for n in range(1, 21)]
    mid.faults(drop_after_commit=7)
    start = mark(mid)
    run = ansible_mid.run([task(users=new)])
    assert run.rc == 0, run
    result = run.result()
    assert result["changed"] is True
    assert result["counts"]["created"] == 20 and result["counts"]["failed"] == 0
    stats = mid.stats()
    assert stats["dropped"] == 1
    assert stats["by_operation"]["addUser"] == 20 and stats["writes"] == 20
    entries = log_since(mid, start)
    adds = Counter(written_userid(e) for e in entries if e["operation"] == "addUser")
    assert sorted(adds) == [u["userid"] for u in new] and set(adds.values()) == {1}
    assert [e["status"] for e in entries if e["operation"] == "addUser"].count(0) == 1
    assert stats["by_operation"].get("getUser") == 1                # the dropped create re-read, not re-sent
    assert mid.sql("select userid, count(*) from enduser where userid like 'drop%' group by userid having count(*) > 1") == []
    assert userids(mid, "drop%") == [u["userid"] for u in new]

    mid.faults(drop_after_commit=0)
    run = ansible_mid.run([task(users=new)])
    assert run.rc == 0 and run.result()["changed"] is False, run


def test_low_max_response_bytes_shrinks_pages(ansible_mid, mid, tmp_path):
    users_file = dump(tmp_path / "u.json", [seeded(i) for i in range(3, 301)])
    run = ansible_mid.run([task(users_file=users_file)])
    assert run.rc == 0 and run.result()["changed"] is False, run
    normal = mid.stats()["requests"]

    mid.reset()
    mid.faults(max_response_bytes=50_000)
    start = mark(mid)
    run = ansible_mid.run([task(users_file=users_file)])
    assert run.rc == 0, run
    assert run.result()["changed"] is False
    entries = log_since(mid, start)
    assert len(entries) == mid.stats()["requests"]
    too_large, pages = Counter(), Counter()
    for entry in entries:
        assert page_of(entry) is not None, entry["request"][:300]
        query, skip, _first = page_of(entry)
        if entry["status"] == 500:
            assert "Query request too large" in entry["response"] and "<axlcode>-1</axlcode>" in entry["response"]
            too_large[(query, skip)] += 1
        else:
            assert entry["status"] == 200 and len(entry["response"].encode()) <= 50_000
            pages[(query, skip)] += 1
    assert too_large, "the limit did not bite"
    assert len(set(q for q, _s in too_large)) == 4                   # listUser and the three SQL reads
    assert max(too_large.values()) <= 2                              # at most 2 extra requests per oversized page
    assert set(too_large) <= set(pages)                               # every refused page was then read
    assert len(entries) == sum(pages.values()) + sum(too_large.values())
    assert sum(pages.values()) > normal
    print(f"\nmax_response_bytes=50000: {len(entries)} requests ({sum(pages.values())} pages, "
          f"{sum(too_large.values())} 'too large' faults on {len(too_large)} pages) vs {normal} requests at 8 MB")


def test_concurrent_overlapping_converges(mid, tmp_path, collections_path):
    """Two ansible-playbook runs at once on overlapping users, different fields: nothing lost."""
    a_users = [dict(userid=uid(i), department="Dept-A", groups={"add": [CTI]}) for i in range(11, 71)]
    b_users = [dict(userid=uid(i), title="Title-B") for i in range(41, 101)]
    runners = [Ansible(mid, tmp_path / name, collections_path) for name in ("a", "b")]
    for r in runners:
        r.workdir.mkdir()
    runs = {}
    # both runs' first writes wait for each other (the simulator's write barrier), then the latency
    # stretches their writes so that they interleave
    mid.faults(latency_ms=40, write_barrier=2)
    start = mark(mid)

    def go(name, runner, users):
        runs[name] = runner.run([task(users=users, concurrency=4)])

    threads = [threading.Thread(target=go, args=("a", runners[0], a_users)),
               threading.Thread(target=go, args=("b", runners[1], b_users))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    mid.faults(latency_ms=0, write_barrier=0)
    for name in ("a", "b"):
        assert runs[name].rc == 0, runs[name]
    order = "".join("A" if "Dept-A" in e["request"] else "B" for e in log_since(mid, start)
                    if e["operation"] == "updateUser" and e["status"] == 200)
    print("\nconcurrent converges, order of their writes: " + order)
    assert "A" in order[:order.rindex("B")] and "B" in order[:order.rindex("A")], order    # they did overlap
    assert runs["a"].result()["counts"]["updated"] == 60 and runs["b"].result()["counts"]["updated"] == 60
    stats = mid.stats()
    # A: 60 updateUser (department) + 60 updateUserGroup addMembers (CTI, incremental); B: 60 updateUser (title)
    assert stats["writes"] == 180 and stats["auth_basic"] == 2
    rows = dict((r[0], r[1:]) for r in mid.sql(
        "select userid, department, title from enduser where userid between 'user00001' and 'user00120'"))
    for i in range(1, 121):
        u = seed_user(i)
        department = "Dept-A" if 11 <= i <= 70 else u["department"]
        title = "Title-B" if 41 <= i <= 100 else u["title"]
        assert rows[uid(i)] == (department, title), uid(i)
        assert groups_of(mid, uid(i)) == (sorted([STD, CTI]) if 11 <= i <= 70 else [STD]), uid(i)
