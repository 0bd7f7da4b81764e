# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cucm_leaver_devices: the user ID checks, the plan (delete or keep), the SELECTs run over a seeded
simulator database (Informix dialect, hostile user IDs), and how one deletion's outcome is judged."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.voiceops.cucm.plugins.module_utils import axl
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError
from ansible_collections.voiceops.cucm.plugins.modules import cucm_leaver_devices as mod

try:
    from cucm_axl_sim import informix
    from cucm_axl_sim.store import Store
except ImportError:  # pragma: no cover - the simulator package is installed in the dev venv
    informix = Store = None

needs_sim = pytest.mark.skipif(informix is None, reason="the simulator package cucm_axl_sim is not installed")

HOSTILE = ["'; delete from device; --", "x' or '1'='1", "user00001' --", "') or 1=1 or userid in ('", '"', "%",
           "' union select name, tkclass, name from device --"]


# ------------------------------------------------------------------------------- user IDs
def test_check_userids_sorts_and_deduplicates():
    assert mod.check_userids(["b", "a", "b", "o'brien"]) == ["a", "b", "o'brien"]


@pytest.mark.parametrize("userids", [[], None, [""], ["a", "  "], ["a\nb"], ["a\x00"], ["tab\there"], ["back\\slash"]])
def test_check_userids_refuses(userids):
    with pytest.raises(CucmError) as exc:
        mod.check_userids(userids)
    assert str(exc.value).startswith("userids: ")


# ------------------------------------------------------------------------------- plan
def row(name, tkclass, userid):
    return {"name": name, "tkclass": tkclass, "userid": userid}


def test_plan_deletes_only_devices_of_leavers_alone():
    rows = [
        row("SEP1", "1", "jdoe"), row("SEP1", "1", "jdoe"),             # associated and owner
        row("UDP_jdoe", "254", "jdoe"),
        row("SEP2", "1", "jdoe"), row("SEP2", "1", "asmith"),           # shared with a user who stays
        row("SEP3", "1", "jdoe"), row("SEP3", "1", "bob"),              # both leave
        row("UDP_x", "254", "jdoe"), row("UDP_x", "254", "zed"), row("UDP_x", "254", "amy"),
        row("CTIRP", "73", "jdoe"),                                     # neither phone nor profile
        row("SEP4", "1", ""),                                           # no user: no evidence
    ]
    delete, keep = mod.plan(rows, ["bob", "jdoe"])
    assert delete == [{"name": "SEP1", "kind": "phone", "users": ["jdoe"]},
                      {"name": "SEP3", "kind": "phone", "users": ["bob", "jdoe"]},
                      {"name": "UDP_jdoe", "kind": "device_profile", "users": ["jdoe"]}]
    assert keep == [{"name": "SEP2", "kind": "phone", "users": ["jdoe"], "shared_with": ["asmith"]},
                    {"name": "UDP_x", "kind": "device_profile", "users": ["jdoe"], "shared_with": ["amy", "zed"]}]


def test_plan_of_nothing():
    assert mod.plan([], ["jdoe"]) == ([], [])


def test_statements_render_kinds_and_quote_user_ids():
    both = mod.statements(["o'brien"], {"phone", "device_profile"})
    assert all("('o''brien')" in s and "{" not in s for s in both)
    assert all("and 1 = 1) or" in s and "and 1 = 1)) and" in s for s in both)
    phones = mod.statements(["a"], {"phone"})
    assert all("tkdeviceprofile = 0 and 1 = 1)" in s and "tkdeviceprofile = 1 and 0 = 1)" in s for s in phones)


# ------------------------------------------------------------------------------- over a seeded database
@pytest.fixture
def store(tmp_path):
    if informix is None:
        pytest.skip("the simulator package cucm_axl_sim is not installed")
    db = Store(str(tmp_path / "cucm.sqlite"), seed_users=6)
    conn = db.conn

    def pk(table, name, column="name"):
        return conn.execute("select pkid from %s where %s = ?" % (table, column), (name,)).fetchone()[0]

    # user00001's phone is also controlled by user00004 (who stays); user00002's profile is also
    # available to user00005; user00003 owns user00006's phone (not associated with it)
    conn.execute("insert into enduserdevicemap (pkid, fkenduser, fkdevice, tkuserassociation) values (?, ?, ?, 1)",
                 ("11111111-0000-0000-0000-000000000001", pk("enduser", "user00004", "userid"), pk("device", "SEP0A0000000001")))
    conn.execute("insert into enduserdevicemap (pkid, fkenduser, fkdevice, tkuserassociation) values (?, ?, ?, 4)",
                 ("11111111-0000-0000-0000-000000000002", pk("enduser", "user00005", "userid"), pk("device", "UDP_user00002")))
    conn.execute("update device set fkenduser = ? where name = ?", (pk("enduser", "user00003", "userid"), "SEP0A0000000006"))
    yield conn
    db.close()


def query(conn, userids, kinds=("phone", "device_profile")):
    rows = []
    for statement in mod.statements(userids, set(kinds)):
        names, found = informix.run_query(conn, statement)
        rows += [dict(zip(names, ("" if v is None else str(v) for v in r))) for r in found]
    return rows


@needs_sim
def test_selects_over_the_simulator_database(store):
    delete, keep = mod.plan(query(store, ["user00001", "user00002", "user00003"]), ["user00001", "user00002", "user00003"])
    assert [(d["name"], d["kind"]) for d in delete] == [
        ("SEP0A0000000002", "phone"), ("SEP0A0000000003", "phone"),
        ("UDP_user00001", "device_profile"), ("UDP_user00003", "device_profile")]
    assert keep == [
        {"name": "SEP0A0000000001", "kind": "phone", "users": ["user00001"], "shared_with": ["user00004"]},
        {"name": "SEP0A0000000006", "kind": "phone", "users": ["user00003"], "shared_with": ["user00006"]},
        {"name": "UDP_user00002", "kind": "device_profile", "users": ["user00002"], "shared_with": ["user00005"]}]


@needs_sim
def test_selects_by_kind(store):
    delete, keep = mod.plan(query(store, ["user00003"], kinds=["device_profile"]), ["user00003"])
    assert [d["name"] for d in delete] == ["UDP_user00003"] and keep == []
    delete, keep = mod.plan(query(store, ["user00003"], kinds=["phone"]), ["user00003"])
    assert [d["name"] for d in delete] == ["SEP0A0000000003"] and [k["name"] for k in keep] == ["SEP0A0000000006"]


@needs_sim
@pytest.mark.parametrize("userid", HOSTILE, ids=["hostile%02d" % i for i in range(len(HOSTILE))])
def test_hostile_user_ids_match_nothing(store, userid):
    assert query(store, [userid]) == []
    delete, keep = mod.plan(query(store, [userid, "user00005"]), [userid, "user00005"])
    assert [d["name"] for d in delete] == ["SEP0A0000000005", "UDP_user00005"]
    assert keep == [{"name": "UDP_user00002", "kind": "device_profile", "users": ["user00005"], "shared_with": ["user00002"]}]


# ------------------------------------------------------------------------------- one deletion
class FakeClient(object):
    def __init__(self, error=None, remaining=0):
        self.error = error
        self.remaining = remaining
        self.calls = []

    def call(self, operation, body=None):
        self.calls.append((operation, body))
        if self.error is not None:
            raise self.error

    def sql_query(self, statement):
        self.calls.append(("executeSQLQuery", statement))
        return [{"n": str(self.remaining)}]


def test_remove_sends_the_operation_of_the_kind():
    client = FakeClient()
    assert mod.remove(client, {"name": "UDP_x", "kind": "device_profile", "users": ["x"]}) is True
    assert mod.remove(client, {"name": "SEPX", "kind": "phone", "users": ["x"]}) is True
    assert client.calls == [("removeDeviceProfile", {"name": "UDP_x"}), ("removePhone", {"name": "SEPX"})]


def test_remove_of_a_device_already_gone():
    client = FakeClient(axl.AxlFault("removePhone", 5007, "Item not valid: The specified Phone was not found"))
    assert mod.remove(client, {"name": "SEPX", "kind": "phone", "users": ["x"]}) is False


def test_remove_refused_raises():
    client = FakeClient(axl.AxlFault("removePhone", -1, "in use"))
    with pytest.raises(axl.AxlFault):
        mod.remove(client, {"name": "SEPX", "kind": "phone", "users": ["x"]})


def test_remove_without_answer_decides_from_the_database():
    gone = FakeClient(axl.AmbiguousWrite("no answer"), remaining=0)
    assert mod.remove(gone, {"name": "SEPX", "kind": "phone", "users": ["x"]}) is True
    assert gone.calls[-1] == ("executeSQLQuery", "select count(*) n from device where name = 'SEPX'")
    there = FakeClient(axl.AmbiguousWrite("no answer"), remaining=1)
    with pytest.raises(axl.AmbiguousWrite):
        mod.remove(there, {"name": "SEPX", "kind": "phone", "users": ["x"]})
