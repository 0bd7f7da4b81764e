"""cucm_phone_service_subscriptions (issue 14, item 4) against the simulator (CUCM 14.0: nothing here depends
on the version).

Counts come from the simulator's /__sim__/stats around a play of one task (requests, writes and Basic
authentications by operation), never from the module's own claim or from timings; the final state from
independent reads of its database (values, URLs, rows).  Passwords are canaries looked for in every output.

The bound on reads: for N declared devices, one getIpPhoneServices per declared service and two
executeSQLQuery per 500 devices (subscriptions, values), plus a page when an answer would pass 2 MB.  The
20-user simulator holds 40 devices (one chunk): the count is the same for 2 devices and for 20; the chunking
itself is proved in tests/unit/plugins/module_utils/test_phone_service.py, and 1,000 devices of 5,000 in
``make bench``.
"""

import csv
import json
import threading
from urllib.parse import parse_qsl, urlsplit

import pytest

from conftest import Ansible

SERVICE = "voiceops.cucm.cucm_phone_service"
SUB = "voiceops.cucm.cucm_phone_service_subscription"
SUBS = "voiceops.cucm.cucm_phone_service_subscriptions"
MASK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
IPPA_URL = "http://uccx.example.com:6293/ipphone/jsp/sciphonexml/IPAgentLogin.jsp?dev=#DEVICENAME#"
DIR_URL = "http://apps.example.com/directory"
IPPA_PARAMETERS = [{"name": "username", "display_name": "Agent ID", "required": True},
                   {"name": "password", "display_name": "Agent password", "required": True, "password": True},
                   {"name": "extension", "display_name": "Agent extension", "required": True}]
INITIAL = "Blk-Init-Cnry-3141p"    # the initial password of every agent
RESET = "Blk-Reset-Cnry-2718q"     # a deliberate reset (update_secrets: always)
FILED = "Blk-File-Cnry-1618r"      # a password given in a subscriptions_file
TYPO = "Blk-Typo-Cnry-1414s"       # the value of a misspelt password parameter
SELFCARE = "Blk-Self-Cnry-1732t"   # what an agent sets in Self Care
CANARIES = (INITIAL, RESET, FILED, TYPO, SELFCARE)


def phone(i):
    return "SEP%012X" % (0x0A0000000000 + i)


def profile(i):
    return "UDP_user%05d" % i


def agent(device, i, password=INITIAL, **extra):
    item = {"device": device, "service": "IPPA",
            "parameters": {"username": "user%05d" % i, "password": password, "extension": str(4000 + i)}}
    if device.startswith("UDP_"):
        item["device_type"] = "device_profile"
    item.update(extra)
    return item


def directory(device, dept="sales", **extra):
    return dict({"device": device, "service": "Directory", "url_button_index": 2, "parameters": {"dept": dept}}, **extra)


def bulk(label, **options):
    return {"name": label, SUBS: options, "register": "r"}


# ------------------------------------------------------------------------------- independent reads
def values(sim, device, service="IPPA", index=None):
    rows = sim.sql("select p.name, sp.value, ss.urlbuttonindex from telecastersubscribedparameter sp "
                   "join telecasterserviceparameter p on p.pkid = sp.fktelecasterserviceparameter "
                   "join telecastersubscribedservice ss on ss.pkid = sp.fktelecastersubscribedservice "
                   "join telecasterservice s on s.pkid = ss.fktelecasterservice join device d on d.pkid = ss.fkdevice "
                   "where d.name = ? and s.name = ?", (device, service))
    return dict((n, v) for n, v, i in rows if index is None or i == index)


def subscriptions(sim):
    """[(device, service, button, name, label)] of every subscription."""
    return sorted(sim.sql("select d.name, s.name, ss.urlbuttonindex, ss.servicename, ss.urllabel "
                          "from telecastersubscribedservice ss join device d on d.pkid = ss.fkdevice "
                          "join telecasterservice s on s.pkid = ss.fktelecasterservice"))


def stale(sim):
    """Subscriptions whose stored URL is not their service's URL followed by exactly their values: [(device, service)]."""
    templates = {"IPPA": IPPA_URL, "Directory": DIR_URL}
    out = []
    for pkid, device, service, url in sim.sql(
            "select ss.pkid, d.name, s.name, ss.serviceurl from telecastersubscribedservice ss join device d on "
            "d.pkid = ss.fkdevice join telecasterservice s on s.pkid = ss.fktelecasterservice"):
        pairs = sorted(sim.sql("select p.name, sp.value from telecastersubscribedparameter sp join "
                               "telecasterserviceparameter p on p.pkid = sp.fktelecasterserviceparameter "
                               "where sp.fktelecastersubscribedservice = ?", (pkid,)))
        url, template = url or "", templates[service]
        if not url.startswith(template) or sorted(parse_qsl(url[len(template) + 1:], keep_blank_values=True)) != pairs:
            out.append((device, service))
    return out


def effective(sim, device):
    got = sim.admin("GET", "effective-urls", params={"device": device})
    return dict((s["name"], dict(parse_qsl(urlsplit(s["url"]).query, keep_blank_values=True))) for s in got["subscriptions"])


def selfcare(sim, device, value, parameter="password", service="IPPA"):
    sim.admin("POST", "selfcare/service-parameter",
              json={"device": device, "service": service, "parameter": parameter, "value": value})


def measured(ansible, sim, tasks, **kw):
    """Run a play; return the run and what it cost the simulator (requests, writes, authentications, by operation)."""
    before = sim.stats()
    run = ansible.run(tasks, **kw)
    after = sim.stats()
    ops = dict((k, v - before["by_operation"].get(k, 0)) for k, v in after["by_operation"].items()
               if v != before["by_operation"].get(k, 0))
    return run, dict(requests=after["requests"] - before["requests"], writes=after["writes"] - before["writes"],
                     auths=after["auth_basic"] - before["auth_basic"], ops=ops)


def writes_of(cost):
    return dict((k, v) for k, v in cost["ops"].items() if k == "executeSQLUpdate" or k.startswith(("add", "update", "remove")))


def result(run, name):
    return next(r["result"] for r in run.results if r["task"] == name)


def setup_services(ansible):
    run = ansible.run([{"name": "ippa", SERVICE: {"name": "IPPA", "url": IPPA_URL, "parameters": IPPA_PARAMETERS}},
                       {"name": "directory", SERVICE: {"name": "Directory", "url": DIR_URL,
                                                       "parameters": [{"name": "dept", "default": "all"}]}}])
    assert run.rc == 0, run


def no_canary(run):
    dumped = run.output + json.dumps(run.results)
    return [c for c in CANARIES if c in dumped]


# ------------------------------------------------------------------------------- counts
def test_bulk_subscriptions_bounded_reads_exact_writes_one_authentication(ansible14, sim14):
    """20 agent devices (10 phones, 10 profiles) and 2 Directory subscriptions in one task: created with exactly
    the writes they need; unchanged: 2 getIpPhoneServices + 2 executeSQLQuery (the same for 2 devices as for 20),
    0 writes, 1 authentication; then 3 changed extensions, a Self Care edit and a new URL label: exactly those
    writes (3 value updates, 1 re-save, 1 list write), the agent's own password kept."""
    ansible, sim = ansible14, sim14
    setup_services(ansible)
    declared = [agent(phone(i), i) for i in range(1, 11)] + [agent(profile(i), i) for i in range(1, 11)] + \
        [directory(phone(1)), directory(phone(2), "support")]
    run, cost = measured(ansible, sim, [bulk("create", subscriptions=declared)])
    assert run.rc == 0, run
    r = result(run, "create")
    assert r["changed"] and r["counts"] == {"created": 22, "updated": 0, "deleted": 0, "unchanged": 0, "failed": 0}
    # each device: its list written once, its values inserted (3 or 1), re-saved once (CUCM builds the URL from the
    # values when the device is saved; inserting a value does not rebuild it)
    assert writes_of(cost) == {"updatePhone": 20, "updateDeviceProfile": 20, "executeSQLUpdate": 62}
    assert cost["auths"] == 1 and r["axl"]["basic_auths"] == 1
    for i in (1, 7):
        assert values(sim, phone(i)) == values(sim, profile(i)) == {
            "username": "user%05d" % i, "password": INITIAL, "extension": str(4000 + i)}
    assert values(sim, phone(2), "Directory") == {"dept": "support"}
    assert effective(sim, phone(1)) == {"IPPA": dict(values(sim, phone(1)), dev=phone(1)), "Directory": {"dept": "sales"}}
    assert stale(sim) == []
    assert all(c["url_rebuilt"] for c in r["changes"] if c["service"] == "IPPA")

    # unchanged: the reads are bounded (per service, per 500 devices), nothing is written, one session
    small = [agent(phone(1), 1), directory(phone(2), "support")]
    run, cost = measured(ansible, sim, [bulk("unchanged", subscriptions=declared)])
    run_small, cost_small = measured(ansible, sim, [bulk("unchanged", subscriptions=small)])
    run_check, cost_check = measured(ansible, sim, [bulk("unchanged", subscriptions=declared)], check=True, diff=True)
    for one, c in ((run, cost), (run_small, cost_small), (run_check, cost_check)):
        assert one.rc == 0, one
        assert result(one, "unchanged")["changed"] is False
        assert c["ops"] == {"getIpPhoneServices": 2, "executeSQLQuery": 2} and c["writes"] == 0 and c["auths"] == 1
    assert result(run, "unchanged")["counts"]["unchanged"] == 22 and result(run, "unchanged")["axl"]["requests"] == 4

    # changed: 3 extensions, one agent's Self Care password (a stale URL), a new URL label
    selfcare(sim, profile(4), SELFCARE)
    changed = [dict(s, parameters=dict(s["parameters"], extension="5%03d" % n)) if n < 3 else s
               for n, s in enumerate(declared)]
    changed[-2] = directory(phone(1), url_label="Dir")
    run, cost = measured(ansible, sim, [bulk("change", subscriptions=changed)], diff=True)
    assert run.rc == 0, run
    r = result(run, "change")
    assert r["counts"] == {"created": 0, "updated": 5, "deleted": 0, "unchanged": 17, "failed": 0}
    assert writes_of(cost) == {"executeSQLUpdate": 3, "updateDeviceProfile": 1, "updatePhone": 1}
    assert cost["auths"] == 1
    assert sorted((c["device"], c["service"], c["fields"], c["url_rebuilt"]) for c in r["changes"]) == [
        (phone(1), "Directory", ["url_label"], False), (phone(1), "IPPA", ["parameters.extension"], False),
        (phone(2), "IPPA", ["parameters.extension"], False), (phone(3), "IPPA", ["parameters.extension"], False),
        (profile(4), "IPPA", [], True)]
    assert values(sim, phone(3))["extension"] == "5002" and values(sim, profile(4))["password"] == SELFCARE
    assert effective(sim, profile(4))["IPPA"]["password"] == SELFCARE
    assert (phone(1), "Directory", 2, "Directory", "Dir") in subscriptions(sim)
    assert r["diff"]["after"]["%s: IPPA" % phone(1)]["parameters"] == {"username": "user00001", "extension": "5000"}
    assert stale(sim) == []
    assert no_canary(run) == []


# ------------------------------------------------------------------------------- states, scope, bounds, bad input
def test_bulk_subscriptions_refusals_write_nothing(ansible14, sim14, tmp_path):
    """Every refusal fails before the first write (check mode too) and names the subscription and the field; a
    misspelt password parameter's value is never shown. With on_invalid=skip the good ones converge."""
    ansible, sim = ansible14, sim14
    setup_services(ansible)
    base = [agent(phone(i), i) for i in range(1, 9)] + [agent(phone(1), 1, url_button_index=3), directory(phone(1))]
    run = ansible.run([bulk("setup", subscriptions=base)])
    assert run.rc == 0, run
    before = (subscriptions(sim), values(sim, phone(2)))
    change = dict(agent(phone(2), 2), parameters={"username": "user00002", "extension": "4999"})
    cases = {
        "unknown device": bulk("c", subscriptions=[change, agent("SEP0A00000000FF", 99)]),
        "unknown device, check mode": dict(bulk("c", subscriptions=[change, agent("SEP0A00000000FF", 99)]),
                                           check_mode=True),
        "misspelt parameter": bulk("c", subscriptions=[change, dict(agent(phone(3), 3), parameters={
            "username": "user00003", "pasword": TYPO})]),
        "declared twice": bulk("c", subscriptions=[change, change]),
        "a number": bulk("c", subscriptions=[change, dict(agent(phone(4), 4), device=1001)]),
        "button in use": bulk("c", subscriptions=[change, directory(phone(1), url_button_index=3)]),
        "a profile as a phone": bulk("c", subscriptions=[change, dict(agent(profile(1), 1), device_type="phone")]),
        "unknown service": bulk("c", subscriptions=[change, dict(agent(phone(5), 5), service="IPPAA")]),
        "too many removals": bulk("c", state="overridden", scope={"service": "IPPA", "device": "SEP%"},
                                  max_deletions=4, subscriptions=[agent(phone(i), i) for i in range(1, 4)]),
        "nothing declared, overridden": bulk("c", state="overridden", scope={"service": "IPPA"}, subscriptions=[]),
        "nothing declared, deleted": bulk("c", state="deleted", subscriptions=[]),
        "empty scope": bulk("c", state="overridden", scope={"device": ""}, subscriptions=[change]),
    }
    tasks = [dict(t, name=name, ignore_errors=True) for name, t in cases.items()]
    run, cost = measured(ansible, sim, tasks)
    assert cost["writes"] == 0 and (subscriptions(sim), values(sim, phone(2))) == before
    msg = dict((name, result(run, name).get("msg", "")) for name in cases)
    assert [r["status"] for r in run.results] == ["failed"] * len(cases), msg
    assert "SEP0A00000000FF: IPPA: device: unknown phone 'SEP0A00000000FF'" in msg["unknown device"]
    assert msg["unknown device, check mode"] == msg["unknown device"]
    assert "service 'IPPA' has no parameter 'pasword' (did you mean 'password'?)" in msg["misspelt parameter"]
    assert "declared more than once" in msg["declared twice"]
    assert "device: got the number 1001 where text is expected" in msg["a number"]
    assert "button 3 of '%s' is already used by subscription 'IPPA'" % phone(1) in msg["button in use"]
    assert "'%s' is a device profile, not a phone; set device_type: device_profile" % profile(1) in msg["a profile as a phone"]
    assert "unknown IP phone service 'IPPAA' (did you mean 'IPPA'?)" in msg["unknown service"]
    assert "would remove 6 subscriptions in scope" in msg["too many removals"] and "max_deletions=4" in msg["too many removals"]
    assert "would remove every subscription in scope (9:" in msg["nothing declared, overridden"]
    assert "allow_empty" in msg["nothing declared, deleted"] and "scope.device is empty" in msg["empty scope"]
    assert all(m.endswith("Nothing was written.") for m in msg.values()), msg
    assert no_canary(run) == []

    # on_invalid=skip: the others converge, the skipped one is reported (and warned about)
    run, cost = measured(ansible, sim, [bulk("skip", on_invalid="skip", subscriptions=[change, agent("SEP0A00000000FF", 99)])])
    assert run.rc == 0, run
    r = result(run, "skip")
    assert r["skipped_subscriptions"] == [{"device": "SEP0A00000000FF", "service": "IPPA", "url_button_index": 0,
                                          "reasons": ["device: unknown phone 'SEP0A00000000FF'"]}]
    assert r["counts"]["updated"] == 1 and values(sim, phone(2))["extension"] == "4999"
    assert values(sim, phone(2))["password"] == INITIAL and writes_of(cost) == {"executeSQLUpdate": 1}
    assert any("left untouched" in w for w in r.get("warnings", []))


def test_bulk_subscriptions_replaced_overridden_deleted_gathered_and_files(ansible14, sim14, tmp_path):
    """replaced removes, on each declared device, the other subscriptions to its declared services; overridden
    removes what the scope holds and the declaration does not; deleted removes what it names (duplicates too);
    gathered returns the input shape with passwords masked, and declared back changes nothing (the mask means
    "keep"); files are read by the module, numbers as written (JSON, YAML, CSV)."""
    ansible, sim = ansible14, sim14
    setup_services(ansible)
    base = [agent(phone(i), i) for i in range(1, 9)] + [
        agent(phone(1), 1, url_button_index=3), directory(phone(1)), agent(profile(1), 1)]
    run = ansible.run([bulk("setup", subscriptions=base)])
    assert run.rc == 0, run
    everything = set(subscriptions(sim))

    run = ansible.run([
        bulk("replaced", state="replaced", subscriptions=[agent(phone(1), 1)]),
        bulk("overridden", state="overridden", scope={"service": "IPPA", "device": "SEP0A000000000%"}, max_deletions=2,
             subscriptions=[agent(phone(i), i) for i in range(1, 7)]),
        bulk("deleted", state="deleted", max_deletions=2,
             subscriptions=[{"device": phone(6), "service": "IPPA"}, {"device": phone(9), "service": "IPPA"}]),
        bulk("gathered", state="gathered", scope={"service": "IPPA"}),
    ])
    assert run.rc == 0, run
    assert [result(run, n)["counts"]["deleted"] for n in ("replaced", "overridden", "deleted")] == [1, 2, 1]
    assert result(run, "deleted")["counts"]["unchanged"] == 1
    assert set(subscriptions(sim)) == everything - set(
        (phone(i), "IPPA", b, "IPPA", "") for i, b in ((1, 3), (7, 0), (8, 0), (6, 0)))
    assert values(sim, phone(1), "Directory") == {"dept": "sales"} and values(sim, profile(1))["extension"] == "4001"
    gathered = result(run, "gathered")["subscriptions"]
    assert [(g["device"], g["url_button_index"]) for g in gathered] == [
        (phone(i), 0) for i in range(1, 6)] + [(profile(1), 0)]
    assert gathered[0] == {"device": phone(1), "device_type": "phone", "service": "IPPA", "url_button_index": 0,
                           "name": "IPPA", "url_label": "", "parameters": {
                               "username": "user00001", "password": MASK, "extension": "4001"}}

    # the export declared back: nothing changes (the masked password is kept, not written)
    run, cost = measured(ansible, sim, [bulk("round trip", state="overridden", scope={"service": "IPPA"},
                                             subscriptions=gathered)])
    assert run.rc == 0, run
    assert result(run, "round trip")["changed"] is False and cost["writes"] == 0
    assert values(sim, phone(1))["password"] == INITIAL

    # files, read by the module: YAML numbers as written, JSON numbers as text, CSV with a column per parameter
    (tmp_path / "subs.yml").write_text("subscriptions:\n  - device: %s\n    service: IPPA\n    parameters:\n"
                                       "      extension: 0042\n      password: %s\n" % (phone(2), FILED))
    (tmp_path / "subs.json").write_text(json.dumps([{"device": phone(3), "service": "IPPA", "url_button_index": "0"}])
                                        .replace('"0"}', '"0", "parameters": {"extension": 43}}'))
    with open(tmp_path / "subs.csv", "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["device", "device_type", "service", "url_button_index", "parameters.extension", "parameters.password"])
        out.writerow([profile(1), "device_profile", "IPPA", "0", "0044", ""])
        out.writerow([phone(4), "", "IPPA", "", "0045", ""])
    run = ansible.run([bulk(ext, subscriptions_file=str(tmp_path / ("subs." + ext)), update_secrets="always")
                       for ext in ("yml", "json", "csv")])
    assert run.rc == 0, run
    assert [values(sim, d)["extension"] for d in (phone(2), phone(3), profile(1), phone(4))] == ["0042", "43", "0044", "0045"]
    assert values(sim, phone(2))["password"] == FILED and values(sim, phone(4))["password"] == INITIAL
    assert stale(sim) == [] and no_canary(run) == []


def test_bulk_subscriptions_password_values_never_shown(ansible14, sim14, tmp_path):
    """Password values, inline or from a file, created, reset (update_secrets: always), misspelt, or read from CUCM
    after a Self Care edit: never in the output at -vvvv with --diff, nor in the results, in check mode or not."""
    ansible, sim = ansible14, sim14
    setup_services(ansible)
    (tmp_path / "subs.json").write_text(json.dumps({"subscriptions": [agent(phone(3), 3, password=FILED)]}))
    run = ansible.run([
        bulk("create", subscriptions=[agent(phone(1), 1), agent(phone(2), 2)]),
        bulk("file", subscriptions_file=str(tmp_path / "subs.json")),
        {"name": "self care", "no_log": True, "ansible.builtin.uri": {
            "url": "%s/__sim__/selfcare/service-parameter" % sim.base, "method": "POST", "body_format": "json",
            "ca_path": sim.cert, "body": {"device": phone(2), "service": "IPPA", "parameter": "password",
                                          "value": SELFCARE}}},
        bulk("heal and reset", subscriptions=[agent(phone(1), 1, password=RESET), agent(phone(2), 2, password=RESET)],
             update_secrets="on_create"),
        dict(bulk("reset", subscriptions=[agent(phone(1), 1, password=RESET)], update_secrets="always")),
        dict(bulk("misspelt", subscriptions=[dict(agent(phone(1), 1), parameters={"pasword": TYPO})]), ignore_errors=True),
        bulk("gathered", state="gathered", subscriptions=[{"device": phone(2), "service": "IPPA"}]),
    ], diff=True, verbosity=4)
    assert run.rc == 0, run
    assert no_canary(run) == []
    assert result(run, "reset")["diff"]["after"]["%s: IPPA" % phone(1)]["parameters"] == {
        "username": "user00001", "password": MASK, "extension": "4001"}
    assert result(run, "heal and reset")["changes"] == [{
        "device": phone(2), "device_type": "phone", "service": "IPPA", "url_button_index": 0, "action": "updated",
        "fields": [], "url_rebuilt": True}]
    assert result(run, "gathered")["subscriptions"][0]["parameters"]["password"] == MASK
    assert values(sim, phone(1))["password"] == RESET and values(sim, phone(2))["password"] == SELFCARE
    assert values(sim, phone(3))["password"] == FILED
    run = ansible.run([bulk("check", subscriptions=[agent(phone(4), 4, password=RESET)])], check=True, diff=True,
                      verbosity=4)
    assert run.rc == 0 and no_canary(run) == []


# ------------------------------------------------------------------------------- every compat variant
@pytest.mark.parametrize("service_uuid, resave_url, parameter_order", [
    ("present", "parse", "reverse"), ("absent", "ignore", "reverse"), ("absent", "parse", "creation")])
def test_bulk_subscriptions_under_every_variant(ansible14, sim14, service_uuid, resave_url, parameter_order):
    """With or without a uuid on getPhone's <service> items, whether CUCM parses a re-sent URL or ignores it,
    whatever order it lists parameters in: created, then unchanged, an agent's Self Care password kept and healed
    into its URL (never reverted by a URL sent back), a rename keeps the values, overridden removes exactly what
    it must and leaves the device's other subscription."""
    ansible, sim = ansible14, sim14
    sim.faults(compat={"service-uuid": service_uuid, "resave-url": resave_url, "parameter-order": parameter_order})
    setup_services(ansible)
    declared = [agent(phone(i), i) for i in range(1, 5)] + [directory(phone(1))]
    mark = sim.mark()
    run = ansible.run([
        bulk("create", subscriptions=declared),
        bulk("again", subscriptions=declared),
        {"name": "self care", "no_log": True, "ansible.builtin.uri": {
            "url": "%s/__sim__/selfcare/service-parameter" % sim.base, "method": "POST", "body_format": "json",
            "ca_path": sim.cert, "body": {"device": phone(1), "service": "IPPA", "parameter": "password",
                                          "value": SELFCARE}}},
        bulk("heal", subscriptions=declared),
        bulk("rename", subscriptions=[dict(agent(phone(2), 2), name="Agent Login")]),
        bulk("overridden", state="overridden", scope={"service": "IPPA"}, max_deletions=1,
             subscriptions=[agent(phone(1), 1), dict(agent(phone(2), 2), name="Agent Login"), agent(phone(3), 3)]),
        bulk("last", subscriptions=declared[:3] + [directory(phone(1))]),
    ])
    assert run.rc == 0, run
    changed = [result(run, n)["changed"] for n in ("create", "again", "heal", "rename", "overridden")]
    assert changed == [True, False, True, True, True]
    assert result(run, "heal")["changes"][0]["url_rebuilt"] is True
    assert result(run, "last")["changed"] is False
    assert values(sim, phone(1))["password"] == SELFCARE and effective(sim, phone(1))["IPPA"]["password"] == SELFCARE
    assert values(sim, phone(2)) == {"username": "user00002", "password": INITIAL, "extension": "4002"}
    assert sorted((d, s, b) for d, s, b, _n, _l in subscriptions(sim)) == [
        (phone(1), "Directory", 2), (phone(1), "IPPA", 0), (phone(2), "IPPA", 0), (phone(3), "IPPA", 0)]
    assert values(sim, phone(1), "Directory") == {"dept": "sales"} and stale(sim) == []
    sent = [e for e in sim.requests_since(mark) if e["operation"] in ("updatePhone", "updateDeviceProfile")]
    assert sent and not [e for e in sent if "<url>" in e["request"]]


# ------------------------------------------------------------------------------- concurrent jobs
def test_bulk_subscriptions_concurrent_jobs_lose_nothing(ansible14, sim14, tmp_path, collections_path):
    """Two jobs at once on the same six phones (one subscribes them to IPPA, the other to Directory), both
    having read every list before either writes (the simulator's write barrier): each list write of the one
    undoes the other's first change, which is read back and made again. Both end up on every phone."""
    ansible, sim = ansible14, sim14
    setup_services(ansible)
    sim.faults(write_barrier=2)
    runs = {}

    def job(name, declared):
        (tmp_path / name).mkdir()
        runs[name] = Ansible(sim, tmp_path / name, collections_path).run([bulk(name, subscriptions=declared, concurrency=1)])

    try:
        threads = [threading.Thread(target=job, args=("ippa", [agent(phone(i), i) for i in range(1, 7)])),
                   threading.Thread(target=job, args=("directory", [directory(phone(i)) for i in range(1, 7)]))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sim.faults(write_barrier=0)
    assert runs["ippa"].rc == 0 and runs["directory"].rc == 0, runs
    assert sorted((d, s) for d, s, _b, _n, _l in subscriptions(sim)) == sorted(
        [(phone(i), "IPPA") for i in range(1, 7)] + [(phone(i), "Directory") for i in range(1, 7)])
    assert all(values(sim, phone(i)) == {"username": "user%05d" % i, "password": INITIAL, "extension": str(4000 + i)}
               for i in range(1, 7))
    assert stale(sim) == []
