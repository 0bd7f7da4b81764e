"""The change feed: cucm_changes_info, incremental gathered, the axl_changes event source (run in-process),
and ansible-rulebook with the shipped rulebook (end to end).  Changes are made by a second client (raw
SOAP, or the simulator's Self Care edit), and checked through the simulator's database."""

import asyncio
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import yaml

from conftest import BIN, ROOT

SOAP = ('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:ns="http://www.cisco.com/AXL/API/{version}"><soapenv:Body><ns:{op}>{inner}</ns:{op}></soapenv:Body>'
        '</soapenv:Envelope>')


def second_client(sim, op, inner):
    """A change made by someone else than the collection: raw SOAP with its own session."""
    resp = sim.http.post(sim.url, data=SOAP.format(version=sim.version, op=op, inner=inner).encode(),
                         auth=("administrator", "ciscopsdt"),
                         headers={"Content-Type": "text/xml", "SOAPAction": f'"CUCM:DB ver={sim.version} {op}"'})
    assert resp.status_code == 200, resp.text
    return resp


def braced(sim, table, column, value):
    return "{" + sim.sql(f"SELECT pkid FROM {table} WHERE {column} = ?", (value,))[0][0].upper() + "}"


def uri_task(sim, op, inner):
    return {"name": f"second client: {op}", "ansible.builtin.uri": {
        "url": sim.url, "method": "POST", "ca_path": sim.cert, "force_basic_auth": True,
        "url_username": "administrator", "url_password": "ciscopsdt",
        "headers": {"Content-Type": "text/xml", "SOAPAction": f'"CUCM:DB ver={sim.version} {op}"'},
        "body": SOAP.format(version=sim.version, op=op, inner=inner)}}


def test_a_second_clients_change_appears_once_then_nothing(ansible14, tmp_path):
    sim = ansible14.sim
    checkpoint_file = tmp_path / "checkpoint.json"
    info = {"voiceops.cucm.cucm_changes_info": {"objects": ["User"], "checkpoint_file": str(checkpoint_file)}}
    run = ansible14.run([
        dict(info, name="start (no checkpoint yet)", register="first"),
        uri_task(sim, "updateUser", "<userid>user00011</userid><department>Feed</department><title>Feed Title</title>"),
        dict(info, name="the change", register="second"),
        dict(info, name="nothing more", register="third"),
        uri_task(sim, "updateUser", "<userid>user00012</userid><title>Unsaved</title>"),
        dict(info, name="check mode: seen, file not written", check_mode=True, register="fourth"),
        {"name": "a bad checkpoint is refused", "ignore_errors": True,
         "voiceops.cucm.cucm_changes_info": {"checkpoint": {"queue_id": "", "next_change_id": 1}}},
    ])
    first, second, third, fourth, bad = (r for r in (run.result(0), run.result(2), run.result(3), run.result(5),
                                                     run.result(6)))
    assert first["resync_required"] and first["reason"] == "no_checkpoint" and first["changes"] == []
    assert first["checkpoint"]["queue_id"] == second["checkpoint"]["queue_id"]
    [change] = second["changes"]
    assert (change["type"], change["action"], change["name"], change["uuid"]) == (
        "User", "update", "user00011", braced(sim, "enduser", "userid", "user00011"))
    assert change["changed_tags"] == ["department", "title"] or change["changed_tags"] == ["title", "department"]
    assert change["values"] == {"title": "Feed Title", "department": "Feed"}
    assert not second["resync_required"] and second["changed"] and third["changes"] == [] and not third["changed"]
    assert third["checkpoint"] == second["checkpoint"] == json.loads(checkpoint_file.read_text())
    assert [c["name"] for c in fourth["changes"]] == ["user00012"] and fourth["changed"]
    assert json.loads(checkpoint_file.read_text()) == third["checkpoint"]           # check mode wrote nothing
    assert run.results[6]["status"] == "failed" and "checkpoint.queue_id" in bad["msg"]
    assert oct(checkpoint_file.stat().st_mode & 0o777) == "0o600"


def test_dropped_changes_need_a_resync_and_gathered_falls_back(ansible14, tmp_path):
    sim = ansible14.sim
    checkpoint_file = tmp_path / "users.checkpoint"
    gathered = {"voiceops.cucm.cucm_end_users": {"state": "gathered", "scope": {"userid": "user0001%"},
                                                 "checkpoint_file": str(checkpoint_file)}}
    first = ansible14.run([dict(gathered, name="no checkpoint: a full read", register="g")])
    assert first.rc == 0, first
    full = first.result(0)
    assert full["resync_required"] and full["resync_reason"] == "no_checkpoint"
    assert not full["incremental"] and len(full["users"]) == 10                 # user00010 .. user00019
    mark = json.loads(checkpoint_file.read_text())
    # ten users change (one is removed) through a second client: an incremental read sees exactly them
    for n in range(13, 19):
        second_client(sim, "updateUser", f"<userid>user000{n}</userid><title>Inc {n}</title>")
    second_client(sim, "updateUser", "<userid>user00005</userid><title>Out of scope</title>")
    removed = braced(sim, "enduser", "userid", "user00019")
    second_client(sim, "removeUser", "<userid>user00019</userid>")
    mark_log = sim.mark()
    incremental = ansible14.run([dict(gathered, name="since the checkpoint")])
    assert incremental.rc == 0, incremental
    inc = incremental.result(0)
    assert inc["incremental"] and not inc["resync_required"]
    assert {u["userid"]: u["title"] for u in inc["users"]} == {f"user000{n}": f"Inc {n}" for n in range(13, 19)}
    assert inc["removed"] == [{"uuid": removed, "userid": None}]
    operations = [e["operation"] for e in sim.requests_since(mark_log)]
    assert "listUser" not in operations and operations.count("getUser") == 6     # a bounded read
    assert json.loads(checkpoint_file.read_text()) == inc["checkpoint"] != mark
    # the queue drops changes the checkpoint has not seen: a resync, and gathered reads everything again
    sim.faults(change_queue_size=3)
    try:
        for n in range(5):
            second_client(sim, "updateUser", f"<userid>user00011</userid><title>Drop {n}</title>")
        run = ansible14.run([
            {"name": "changes info", "register": "i", "voiceops.cucm.cucm_changes_info": {
                "checkpoint": json.loads(checkpoint_file.read_text()), "objects": ["User"]}},
            dict(gathered, name="falls back to a full read")])
        info, fallback = run.result(0), run.result(1)
        assert info["resync_required"] and info["reason"] == "changes_dropped" and info["changes"] == []
        assert fallback["resync_required"] and fallback["resync_reason"] == "changes_dropped"
        assert not fallback["incremental"] and len(fallback["users"]) == 9
        assert any("dropped" in w for w in fallback.get("warnings", []))
    finally:
        sim.faults(change_queue_size=100000)


def test_the_feed_holds_under_every_compat_value(ansible14):
    """change-expired=silent (dropped changes show only in firstChangeId) and change-first-call=all (the
    first call returns the cached changes): still a resync, and a start at the end of the queue."""
    sim = ansible14.sim
    info = {"voiceops.cucm.cucm_changes_info": {"objects": ["User"]}}
    start = ansible14.run([dict(info, name="start", register="s")]).result(0)
    sim.faults(change_queue_size=2, compat={"change-expired": "silent", "change-first-call": "all"})
    try:
        for n in range(4):
            second_client(sim, "updateUser", f"<userid>user00014</userid><title>Silent {n}</title>")
        run = ansible14.run([
            {"name": "from the lost checkpoint", "voiceops.cucm.cucm_changes_info": {
                "objects": ["User"], "checkpoint": start["checkpoint"]}},
            dict(info, name="no checkpoint: the cached changes are not returned")])
        lost, fresh = run.result(0), run.result(1)
        assert lost["resync_required"] and lost["reason"] == "changes_dropped" and lost["changes"] == []
        assert fresh["changes"] == [] and fresh["checkpoint"]["next_change_id"] == fresh["queue"]["last_change_id"] + 1
    finally:
        sim.faults(change_queue_size=100000, compat={"change-expired": "fault", "change-first-call": "empty"})


# ------------------------------------------------------------------ the event source, in-process
def load_plugin(collections_path):
    sys.path.insert(0, str(collections_path))
    path = ROOT / "extensions/eda/plugins/event_source/axl_changes.py"
    spec = importlib.util.spec_from_file_location("axl_changes_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def next_event(queue, timeout=15):
    return await asyncio.wait_for(queue.get(), timeout)


def test_event_source_resumes_from_its_checkpoint(sim14, collections_path, tmp_path, caplog):
    plugin = load_plugin(collections_path)
    sim = sim14
    checkpoint = tmp_path / "eda.checkpoint"
    args = dict(host="127.0.0.1", port=sim.port, username="administrator", password="ciscopsdt", ca_path=sim.cert,
                objects=["User"], interval=0.2, checkpoint_file=str(checkpoint))

    async def scenario():
        queue = asyncio.Queue()
        task = asyncio.create_task(plugin.main(queue, args))
        while not checkpoint.exists():
            await asyncio.sleep(0.05)
        await asyncio.to_thread(second_client, sim, "updateUser", "<userid>user00013</userid><title>Event A</title>")
        first = await next_event(queue)
        task.cancel()                                    # the rulebook stops
        await asyncio.gather(task, return_exceptions=True)
        await asyncio.to_thread(second_client, sim, "updateUser", "<userid>user00014</userid><title>Event B</title>")
        task = asyncio.create_task(plugin.main(queue, args))      # ... and starts again
        second = await next_event(queue)
        await asyncio.sleep(1.0)                         # several polls: nothing else comes
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return first, second, queue.qsize()

    with caplog.at_level("INFO"):
        first, second, left = asyncio.run(scenario())
    assert first["cucm"]["name"] == "user00013" and first["cucm"]["changed_tags"] == ["title"]
    assert first["cucm"]["type"] == "User" and first["cucm"]["action"] == "update"
    assert first["cucm"]["uuid"] == braced(sim, "enduser", "userid", "user00013")
    assert second["cucm"]["name"] == "user00014" and left == 0        # not lost, not repeated
    assert "ciscopsdt" not in caplog.text and "resuming" in caplog.text


def test_event_source_reports_a_lost_checkpoint_and_backs_off(sim14, collections_path, tmp_path, monkeypatch):
    plugin = load_plugin(collections_path)
    sim = sim14
    checkpoint = tmp_path / "eda.checkpoint"
    checkpoint.write_text(json.dumps({"queue_id": "Gone0000", "next_change_id": 7}))
    args = dict(host="127.0.0.1", port=sim.port, username="administrator", password="ciscopsdt", ca_path=sim.cert,
                interval=0.2, checkpoint_file=str(checkpoint))
    waits, calls = [], []
    real = plugin.changes.changes_since

    def throttled_twice(*a, **kw):
        calls.append(1)
        if len(calls) in (2, 3):
            raise plugin.axl.AxlThrottled("HTTP 503")
        return real(*a, **kw)

    async def fake_sleep(seconds):
        waits.append(seconds)
        await asyncio.sleep(0.01)

    monkeypatch.setattr(plugin, "_sleep", fake_sleep)
    monkeypatch.setattr(plugin.changes, "changes_since", throttled_twice)

    async def scenario():
        queue = asyncio.Queue()
        task = asyncio.create_task(plugin.main(queue, args))
        event = await next_event(queue)
        while len(calls) < 4:
            await asyncio.sleep(0.02)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return event

    event = asyncio.run(scenario())
    assert event["cucm"]["resync_required"] and event["cucm"]["reason"] == "queue_restarted"
    backoffs = [w for w in waits if w != 0.2]
    assert len(backoffs) == 2 and backoffs[1] > 0.2 and max(backoffs) <= 900   # longer than the interval


# ------------------------------------------------------------------ ansible-rulebook end to end
def _has_marker(pid, marker):
    try:
        with open("/proc/%s/environ" % pid, "rb") as handle:
            return marker + b"\0" in handle.read() + b"\0"
    except OSError:
        return False


def kill_marked(marker):
    """Kill every process whose environment holds ``marker`` (the playbooks the rulebook started)."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if _has_marker(pid, marker):
            try:
                os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass


IPPA_URL = "http://uccx.example.com:6293/ipphone/jsp/sciphonexml/IPAgentLogin.jsp?dev=#DEVICENAME#"
PHONES = ["SEP0A0000000011", "SEP0A0000000012"]


def test_rulebook_repairs_only_the_device_edited_in_self_care(ansible14, collections_path, tmp_path):
    if shutil.which("java") is None or not (BIN / "ansible-rulebook").exists():
        pytest.skip("ansible-rulebook and a Java 17 runtime are needed (make venv installs them; see docs/eda.md)")
    sim = ansible14.sim
    setup = ansible14.run([
        {"name": "the service", "voiceops.cucm.cucm_phone_service": {
            "name": "IPPA", "url": IPPA_URL, "parameters": [
                {"name": "username", "display_name": "Agent"}, {"name": "password", "display_name": "Password",
                                                                "password": True}]}},
        {"name": "two subscribed phones", "loop": PHONES, "voiceops.cucm.cucm_phone_service_subscription": {
            "device": "{{ item }}", "service": "IPPA", "parameters": {"username": "{{ item }}", "password": "Init-1"}}},
    ])
    assert setup.rc == 0, setup

    def urls(device):
        return sim.admin("GET", "effective-urls", params={"device": device})["subscriptions"][0]["url"]

    def stored(device):
        return sim.sql("SELECT ss.pkid, ss.serviceurl, d.versionstamp FROM telecastersubscribedservice ss JOIN device d "
                       "ON d.pkid = ss.fkdevice WHERE d.name = ?", (device,))

    # the other phone is stale too, before the rulebook starts: it must stay so (nothing but the edited device is repaired)
    sim.admin("POST", "selfcare/service-parameter", json={"device": PHONES[1], "service": "IPPA",
                                                          "parameter": "password", "value": "Other-2"})
    other_before = stored(PHONES[1])
    assert "Other-2" not in urls(PHONES[1])

    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {"cluster": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable, "cucm_host": "127.0.0.1",
        "cucm_port": sim.port, "cucm_username": "administrator", "cucm_password": "ciscopsdt",
        "cucm_ca_path": sim.cert, "cucm_axl_version": sim.version}}}}))
    checkpoint = tmp_path / "eda.checkpoint"
    variables = tmp_path / "eda-vars.yml"
    variables.write_text(yaml.safe_dump({
        "cucm_host": "127.0.0.1", "cucm_port": sim.port, "cucm_username": "administrator", "cucm_password": "ciscopsdt",
        "cucm_ca_path": sim.cert, "cucm_poll_interval": 0.5, "cucm_checkpoint_file": str(checkpoint)}))
    # ansible-runner starts each repair playbook in a session of its own, out of reach of killpg: the
    # marker in their environment finds them all at the end, so that none outlives the test
    marker = "VOICEOPS_RULEBOOK_TEST=%s" % tmp_path
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections_path), PATH=f"{BIN}:{os.environ.get('PATH', '')}",
               ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="false", VOICEOPS_RULEBOOK_TEST=str(tmp_path))
    log = open(tmp_path / "rulebook.log", "w")
    mark = sim.mark()
    proc = subprocess.Popen([str(BIN / "ansible-rulebook"), "-r", "voiceops.cucm.repair_subscriptions", "-i",
                             str(inventory), "--vars", str(variables), "-v"], cwd=tmp_path, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not checkpoint.exists():
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "rulebook.log").read_text()[-3000:]
            time.sleep(0.2)
        # an agent edits her password in Self Care: the phone keeps the old URL ...
        sim.admin("POST", "selfcare/service-parameter", json={"device": PHONES[0], "service": "IPPA",
                                                              "parameter": "password", "value": "Fresh-9"})
        assert "Fresh-9" not in urls(PHONES[0])
        # ... until the rulebook's repair re-saves that phone
        while "Fresh-9" not in urls(PHONES[0]):
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "rulebook.log").read_text()[-3000:]
            time.sleep(0.5)
        time.sleep(8)       # the repair's own change makes one more run, which finds nothing stale
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        kill_marked(marker.encode())
        log.close()
    assert stored(PHONES[1]) == other_before and "Other-2" not in urls(PHONES[1])       # untouched, still stale
    writes = [(e["operation"], e["request"]) for e in sim.requests_since(mark)
              if e["operation"].startswith(("update", "add", "remove", "executeSQLUpdate"))]
    assert writes and all(PHONES[0] in request and PHONES[1] not in request for _op, request in writes), writes
    assert "ciscopsdt" not in (tmp_path / "rulebook.log").read_text()
    time.sleep(0.5)
    survivors = [pid for pid in filter(str.isdigit, os.listdir("/proc")) if _has_marker(pid, marker.encode())]
    assert not survivors, "processes the rulebook started outlived it: %s" % survivors
