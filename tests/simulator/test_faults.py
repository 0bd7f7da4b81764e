"""Fault injection and the admin API: throttling, drop-after-commit, latency, the 8 MB read
limit, run-time switches, reset, the request log, strict schema validation, admin access.
"""

import json
import random
import re
import socket
import threading
import time

import pytest
import requests
from lxml import etree

from conftest import SCHEMA_DIR, axl_error, body_of, needs_schema
from rawhttp import Closed, Conn

TOO_LARGE = re.compile(r"^Query request too large\. Total rows matched: (\d+) rows\. "
                       r"Suggestive Row Fetch: less than (\d+) rows$")


def insert_role(sim, name, **kw):
    return sim.post("executeSQLUpdate", f"<sql>insert into functionrole (name) values ('{name}')</sql>", **kw)


def roles(sim, prefix):
    return sorted(r[0] for r in sim.sql("SELECT name FROM functionrole WHERE name LIKE ?", (prefix + "%",)))


def log_lines(sim):
    return sim.log_path.read_text(encoding="utf-8").splitlines() if sim.log_path.exists() else []


def forget_log_entries(sim, count):
    """Drop the last ``count`` request-log entries: requests that are invalid on purpose and that a
    lenient simulator answered 200 (conftest would otherwise flag them against the XSD)."""
    lines = log_lines(sim)
    sim.log_path.write_text("".join(line + "\n" for line in lines[:-count]), encoding="utf-8")


def expected_throttles(seed, fraction, writes):
    """The throttle draws one number from Random(seed) per write, in order."""
    rng = random.Random(seed)
    return [rng.random() < fraction for _attempt in range(writes)]


# ------------------------------------------------------------------------------------ throttling
def test_throttling_is_exact_for_a_seed_and_only_hits_writes(sim):
    sim.faults(throttle_writes=0.4, random_seed=7)
    pattern = [insert_role(sim, f"thr-{i:02d}").status_code for i in range(30)]
    expected = expected_throttles(7, 0.4, 30)
    assert pattern == [503 if hit else 200 for hit in expected]
    assert 0 < sum(expected) < 30
    # a throttled write never reached the database
    assert roles(sim, "thr-") == [f"thr-{i:02d}" for i in range(30) if not expected[i]]
    stats = sim.stats()
    assert stats["throttled"] == sum(expected)
    assert stats["writes"] == 30 - sum(expected)


def test_same_seed_same_pattern_after_reset(sim):
    sim.faults(throttle_writes=0.5, random_seed=42)
    first = [insert_role(sim, f"a-{i}").status_code for i in range(12)]
    sim.admin("POST", "reset")
    second = [insert_role(sim, f"a-{i}").status_code for i in range(12)]
    assert first == second == [503 if hit else 200 for hit in expected_throttles(42, 0.5, 12)]


def test_reads_are_never_throttled(sim):
    sim.faults(throttle_writes=1.0)
    for _attempt in range(5):
        assert sim.post("getCCMVersion").status_code == 200
        assert sim.post("executeSQLQuery", "<sql>select count(*) from enduser</sql>").status_code == 200
    assert insert_role(sim, "never").status_code == 503
    assert sim.stats()["throttled"] == 1


def test_throttle_html_body(sim):
    sim.faults(throttle_writes=1.0, throttle_body="html")
    resp = insert_role(sim, "x")
    assert resp.status_code == 503
    assert resp.headers["Content-Type"].startswith("text/html")
    assert "Service Unavailable" in resp.text
    assert int(resp.headers["Retry-After"]) > 0


def test_throttle_soap_body(sim):
    sim.faults(throttle_writes=1.0, throttle_body="soap")
    resp = insert_role(sim, "x")
    assert resp.status_code == 503
    assert resp.headers["Content-Type"].startswith("text/xml")
    err = axl_error(resp)
    assert err["faultcode"] == "soapenv:Server"
    assert "throttl" in err["faultstring"].lower()


def test_throttled_write_does_not_advance_drop_after_commit(sim):
    """Only writes that were processed count towards --drop-after-commit's N."""
    sim.faults(throttle_writes=1.0, drop_after_commit=2)
    assert insert_role(sim, "t1").status_code == 503
    sim.faults(throttle_writes=0.0)
    assert insert_role(sim, "t2").status_code == 200
    with pytest.raises(requests.ConnectionError):
        insert_role(sim, "t3")
    assert roles(sim, "t") == ["t2", "t3"]


# ------------------------------------------------------------------------------------ drop after commit
def test_drop_after_commit_commits_the_nth_write_and_closes_without_answer(sim):
    sim.faults(drop_after_commit=3)
    with Conn(sim) as c:
        for i in (1, 2):
            status = c.soap("executeSQLUpdate", f"<sql>insert into functionrole (name) values ('d{i}')</sql>")[0]
            assert status == 200
        assert c.soap("getCCMVersion")[0] == 200           # reads do not count
        c.request(body=sim.envelope("executeSQLUpdate", "<sql>insert into functionrole (name) values ('d3')</sql>").encode(),
                  headers={"SOAPAction": '"CUCM:DB ver=14.0 executeSQLUpdate"'})
        with pytest.raises(Closed):
            c.response()
    assert roles(sim, "d") == ["d1", "d2", "d3"]          # committed, although never answered
    assert insert_role(sim, "d4").status_code == 200        # only the Nth write is dropped
    stats = sim.stats()
    assert stats["dropped"] == 1 and stats["writes"] == 4


def test_drop_after_commit_with_requests_raises_connection_error(sim):
    """What a module sees: a connection error after sending a write that did happen
    (research/perf-reliability.md 4.2: re-read before retrying)."""
    sim.faults(drop_after_commit=1)
    with pytest.raises(requests.ConnectionError):
        insert_role(sim, "ghost")
    assert roles(sim, "ghost") == ["ghost"]
    again = insert_role(sim, "ghost")                       # a blind retry duplicates: -239
    assert axl_error(again)["axlcode"] == -239


def test_failed_write_is_not_counted_and_rolled_back(sim):
    sim.faults(drop_after_commit=1)
    dup = insert_role(sim, "Standard AXL API Access")       # -239: not a committed write
    assert dup.status_code == 500
    with pytest.raises(requests.ConnectionError):
        insert_role(sim, "counted")


# ------------------------------------------------------------------------------------ latency
def test_latency_is_added_to_every_answer(sim):
    sim.faults(latency_ms=300)
    for call in (lambda: sim.post("getCCMVersion"), lambda: insert_role(sim, "slow")):
        started = time.monotonic()
        assert call().status_code == 200
        assert time.monotonic() - started >= 0.3
    sim.faults(latency_ms=0)
    assert sim.faults()["latency_ms"] == 0


def test_latency_applies_to_faults_too(sim):
    sim.faults(latency_ms=250)
    started = time.monotonic()
    assert sim.post("executeSQLQuery", "<sql>select nope from enduser</sql>").status_code == 500
    assert time.monotonic() - started >= 0.25


# ------------------------------------------------------------------------------------ write barrier
def _session_with_cookie(sim):
    http = sim.session()
    assert sim.post("getCCMVersion", session=http).status_code == 200   # a read: gets the session cookie
    return http


def test_write_barrier_holds_first_writes_until_both_clients_arrive(sim):
    first, second = _session_with_cookie(sim), _session_with_cookie(sim)
    sim.faults(write_barrier=2)
    done = {}

    def write(name, http):
        done[name] = (insert_role(sim, name, session=http).status_code, time.monotonic())

    waiting = threading.Thread(target=write, args=("bar-first", first))
    waiting.start()
    time.sleep(0.5)
    assert "bar-first" not in done and roles(sim, "bar-") == []     # held, nothing committed
    released = time.monotonic()
    write("bar-second", second)
    waiting.join(5)
    assert done["bar-first"][0] == done["bar-second"][0] == 200
    assert done["bar-first"][1] >= released                         # let go only by the second client
    assert roles(sim, "bar-") == ["bar-first", "bar-second"]
    # past the barrier: the same client writes again without waiting
    started = time.monotonic()
    assert insert_role(sim, "bar-again", session=first).status_code == 200
    assert time.monotonic() - started < 2


def test_write_barrier_off_and_cleared_by_setting_it(sim):
    http = _session_with_cookie(sim)
    sim.faults(write_barrier=2)
    held = threading.Thread(target=insert_role, args=(sim, "bar-held"), kwargs={"session": http})
    held.start()
    time.sleep(0.3)
    assert roles(sim, "bar-") == []
    sim.faults(write_barrier=0)                                      # releases the waiting write
    held.join(5)
    assert not held.is_alive() and roles(sim, "bar-") == ["bar-held"]
    assert insert_role(sim, "bar-free").status_code == 200


# ------------------------------------------------------------------------------------ read size limit
def test_query_too_large_fault(sim):
    sim.faults(max_response_bytes=3000)
    resp = sim.post("executeSQLQuery", "<sql>select * from enduser</sql>")
    assert resp.status_code == 500
    err = axl_error(resp)
    assert (err["faultcode"], err["axlcode"], err["request"]) == ("soapenv:Server", -1, "executeSQLQuery")
    match = TOO_LARGE.match(err["faultstring"])
    assert match, err["faultstring"]
    total, fit = int(match.group(1)), int(match.group(2))
    assert total == sim.sql("SELECT count(*) FROM enduser")[0][0] == 20
    assert 0 < fit < total
    # the client's documented recovery: fetch fewer rows than suggested, page by page
    page = sim.post("executeSQLQuery", f"<sql>select first {fit - 1} * from enduser order by userid</sql>")
    assert page.status_code == 200
    assert len(body_of(page).find("return")) == fit - 1


def test_default_limit_is_8_mb(sim):
    assert sim.faults()["max_response_bytes"] == 8 * 1024 * 1024
    assert sim.post("executeSQLQuery", "<sql>select * from enduser</sql>").status_code == 200


def test_size_limit_does_not_apply_to_single_object_reads(sim):
    sim.faults(max_response_bytes=10)
    assert sim.post("getCCMVersion").status_code == 200


@pytest.mark.parametrize("operation,inner", [
    ("listUser", "<searchCriteria><userid>%</userid></searchCriteria><returnedTags><userid/><firstName/><lastName/></returnedTags>"),
    ("listPhone", "<searchCriteria><name>%</name></searchCriteria><returnedTags><name/><description/></returnedTags>"),
])
def test_query_too_large_on_list_operations(sim, operation, inner):
    if operation not in sim.sim.operations:
        pytest.skip(f"{operation} is not registered yet")
    assert sim.sim.operations[operation].listing
    sim.faults(max_response_bytes=1500)
    resp = sim.post(operation, inner)
    assert resp.status_code == 500
    err = axl_error(resp)
    assert err["axlcode"] == -1 and err["request"] == operation
    assert TOO_LARGE.match(err["faultstring"]), err["faultstring"]


# ------------------------------------------------------------------------------------ admin API
def test_faults_switches_are_read_and_changed_at_run_time(sim):
    current = sim.admin("GET", "faults")
    assert set(current) == {"latency_ms", "throttle_writes", "throttle_body", "drop_after_commit", "session_idle_s",
                            "max_response_bytes", "random_seed", "write_barrier", "too_large", "change_queue_size",
                            "change_page_size", "compat"}
    assert current["compat"] == {"service-uuid": "absent", "ldap-directory-name": "local", "resave-url": "parse",
                                 "plus-escape": "escaped", "parameter-order": "reverse", "char-padding": "pad",
                                 "fk-name-case": "insensitive",
                                 "ldap-sync-status": "text", "change-first-call": "empty", "change-expired": "fault"}
    assert sim.faults(compat={"plus-escape": "verbatim"})["compat"]["plus-escape"] == "verbatim"
    assert sim.faults(compat={"plus-escape": "escaped"})["compat"] == current["compat"]
    changed = sim.faults(throttle_writes=1.0, throttle_body="soap")
    assert changed["throttle_writes"] == 1.0 and changed["throttle_body"] == "soap"
    assert insert_role(sim, "rt").status_code == 503          # in effect at once
    sim.faults(throttle_writes=0)
    assert insert_role(sim, "rt").status_code == 200


@pytest.mark.parametrize("payload", [{"no_such_switch": 1}, {"throttle_body": "xml"}, {"throttle_writes": 2},
                                     {"latency_ms": -5}, {"latency_ms": "soon"}, [1, 2],
                                     {"compat": {"service-uuid": "maybe"}}, {"compat": {"no-such": "x"}},
                                     {"compat": "present"}, {"compat": {"plus-escape": "verbatim"}, "latency_ms": -1}])
def test_invalid_fault_switches_are_400_and_change_nothing(sim, payload):
    before = sim.admin("GET", "faults")
    resp = sim.http.post(sim.base + "/__sim__/faults", json=payload)
    assert resp.status_code == 400
    assert "error" in resp.json()
    assert sim.admin("GET", "faults") == before


def test_admin_rejects_bad_json_and_unknown_endpoints(sim):
    assert sim.http.post(sim.base + "/__sim__/faults", data=b"{not json").status_code == 400
    assert sim.http.get(sim.base + "/__sim__/nothing").status_code == 404


def test_reset_restores_counters_sessions_and_store(sim):
    token = sim.post("getCCMVersion").cookies["JSESSIONIDSSO"]
    assert insert_role(sim, "temporary").status_code == 200
    sim.post("executeSQLUpdate", "<sql>delete from enduser where userid = 'user00020'</sql>")
    assert sim.stats()["requests"] == 3
    assert sim.admin("POST", "reset") == {"reset": True}
    stats = sim.stats()
    assert all(stats[k] == 0 for k in ("requests", "writes", "auth_basic", "faults")) and stats["by_operation"] == {}
    assert roles(sim, "temporary") == []
    assert sim.sql("SELECT count(*) FROM enduser WHERE userid = 'user00020'")[0][0] == 1
    # sessions are gone: a cookie-only request is a stale session
    assert sim.post("getCCMVersion", auth=None, headers={"Cookie": f"JSESSIONIDSSO={token}"}).status_code == 404


def test_reset_keeps_fault_switches(sim):
    sim.faults(latency_ms=5)
    sim.admin("POST", "reset")
    assert sim.admin("GET", "faults")["latency_ms"] == 5


def test_effective_urls_of_a_seeded_phone(sim):
    urls = sim.admin("GET", "effective-urls", params={"device": "SEP0A0000000001"})
    assert urls == {"device": "SEP0A0000000001", "subscriptions": []}
    missing = sim.http.get(sim.base + "/__sim__/effective-urls", params={"device": "SEPNOPE"})
    assert missing.status_code == 400 and "SEPNOPE" in missing.json()["error"]


def _subscribe_with_sql(sim):
    """A service with a parameter and one subscription, laid down with executeSQLUpdate (the
    path TOAD-style tools use); the phone-service family may offer AXL for this later."""
    device = "SEP0A0000000001"
    for sql in (
        "insert into telecasterservice (pkid, name, urltemplate) values "
        "('11111111-2222-4333-8444-555555555555', 'Weather', 'http://svc.example.com/weather.xml')",
        "insert into telecasterserviceparameter (pkid, fktelecasterservice, name, displayname) values "
        "('11111111-2222-4333-8444-666666666666', '11111111-2222-4333-8444-555555555555', 'zip', 'ZIP code')",
        "insert into telecastersubscribedservice (pkid, fkdevice, fktelecasterservice, servicename, serviceurl) "
        "select '11111111-2222-4333-8444-777777777777', pkid, '11111111-2222-4333-8444-555555555555', 'Weather', "
        f"'http://svc.example.com/weather.xml?zip=10001' from device where name = '{device}'",
        "insert into telecastersubscribedparameter (fktelecastersubscribedservice, fktelecasterserviceparameter, value) "
        "values ('11111111-2222-4333-8444-777777777777', '11111111-2222-4333-8444-666666666666', '10001')",
    ):
        resp = sim.post("executeSQLUpdate", f"<sql>{sql}</sql>")
        assert resp.status_code == 200, resp.text
    return device


def test_selfcare_edit_leaves_the_phone_url_stale_ri_167(sim):
    device = _subscribe_with_sql(sim)

    def url():
        return sim.admin("GET", "effective-urls", params={"device": device})["subscriptions"][0]["url"]

    assert url() == "http://svc.example.com/weather.xml?zip=10001"
    # an administrator's UPDATE of the value fires RI-167, which rebuilds the URL
    resp = sim.post("executeSQLUpdate", "<sql>update telecastersubscribedparameter set value = '20002' "
                                        "where fktelecastersubscribedservice = '11111111-2222-4333-8444-777777777777'</sql>")
    assert resp.status_code == 200
    assert url() == "http://svc.example.com/weather.xml?zip=20002"
    # Self Care replaces the value row: the value changes, the built URL does not
    changed = sim.admin("POST", "selfcare/service-parameter",
                        json={"device": device, "service": "Weather", "parameter": "zip", "value": "30003"})
    assert changed == {"changed": True}
    assert sim.sql("SELECT value FROM telecastersubscribedparameter")[0][0] == "30003"
    assert url() == "http://svc.example.com/weather.xml?zip=20002"


def test_selfcare_errors_are_400(sim):
    resp = sim.http.post(sim.base + "/__sim__/selfcare/service-parameter",
                         json={"device": "SEP0A0000000001", "service": "Nope", "parameter": "x", "value": "1"})
    assert resp.status_code == 400
    assert sim.http.post(sim.base + "/__sim__/selfcare/service-parameter", json={"device": "x"}).status_code == 400


def test_admin_calls_are_not_axl_requests(sim):
    for _attempt in range(3):
        sim.stats()
    sim.admin("GET", "faults")
    assert sim.stats()["requests"] == 0


def _non_loopback_address():
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))          # no packet is sent; picks the outbound interface
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


def test_admin_api_is_loopback_only_without_auth(sim_factory):
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    s = sim_factory("anyhost", "--no-tls", "--host", "0.0.0.0")
    http = s.session()
    remote = f"http://{address}:{s.config.port}/__sim__/"
    assert http.get(remote + "stats").status_code == 403
    assert http.post(remote + "reset").status_code == 403
    assert http.post(remote + "faults", json={"latency_ms": 9999}).status_code == 403
    assert http.get(remote + "stats", auth=("administrator", "wrong")).status_code == 403
    assert http.get(remote + "stats", auth=("administrator", "ciscopsdt")).status_code == 200
    assert http.get(f"http://127.0.0.1:{s.config.port}/__sim__/stats").status_code == 200
    assert s.admin("GET", "faults")["latency_ms"] == 0
    # AXL itself answers remote clients as usual
    resp = http.post(f"http://{address}:{s.config.port}/axl/", data=s.envelope("getCCMVersion", ""),
                     auth=("administrator", "ciscopsdt"), headers={"Content-Type": "text/xml"})
    assert resp.status_code == 200


def test_ipv4_mapped_loopback_counts_as_loopback(sim_factory):
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        s = sim_factory("dualstack", "--no-tls", "--host", "::")
    except OSError as exc:
        pytest.skip(f"cannot bind [::]: {exc}")
    # an IPv4 client of a dual-stack socket shows up as ::ffff:127.0.0.1
    assert s.session().get(f"http://127.0.0.1:{s.config.port}/__sim__/stats").status_code == 200
    assert s.session().get(f"http://[::1]:{s.config.port}/__sim__/stats").status_code == 200


# ------------------------------------------------------------------------------------ request log
def test_request_log_is_one_json_object_per_exchange(sim):
    before = len(log_lines(sim))
    sim.post("getCCMVersion")
    sim.post("executeSQLQuery", "<sql>select nope from enduser</sql>")
    lines = log_lines(sim)[before:]
    assert len(lines) == 2
    entries = [json.loads(line) for line in lines]
    for entry in entries:
        assert set(entry) == {"time", "operation", "status", "request", "response"}
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", entry["time"])
    assert [(e["operation"], e["status"]) for e in entries] == [("getCCMVersion", 200), ("executeSQLQuery", 500)]
    assert "getCCMVersionResponse" in entries[0]["response"]
    assert "<axlcode>-217</axlcode>" in entries[1]["response"]


def test_request_log_masks_secrets(sim):
    before = len(log_lines(sim))
    inner = ("<password>Hunter2-secret</password><pin xmlns=\"\">987654</pin><ns:digestCredentials>dig-secret"
             "</ns:digestCredentials><mlppPassword attr=\"1\">mlpp-secret</mlppPassword><userid>alice</userid>")
    sim.post("notAnOperation", inner)
    text = "\n".join(log_lines(sim)[before:])
    for secret in ("Hunter2-secret", "987654", "dig-secret", "mlpp-secret"):
        assert secret not in text
    assert text.count("********") == 4
    assert "alice" in text


def test_dropped_write_is_logged_with_status_0(sim):
    sim.faults(drop_after_commit=1)
    with pytest.raises(requests.ConnectionError):
        insert_role(sim, "logged")
    entry = json.loads(log_lines(sim)[-1])
    assert (entry["operation"], entry["status"], entry["response"]) == ("executeSQLUpdate", 0, "")


# ------------------------------------------------------------------------------------ strict mode
@pytest.fixture
def strict(sim_factory):
    needs_schema()
    s = sim_factory("strict", "--no-tls", "--seed-users", "3", "--validate-with", str(SCHEMA_DIR / "14.0"))
    s.reset()
    return s


def test_strict_mode_accepts_valid_requests(strict):
    assert strict.post("getCCMVersion", "<processNodeName>cucm-pub</processNodeName>").status_code == 200
    assert strict.post("executeSQLQuery", "<sql>select count(*) from enduser</sql>").status_code == 200


def test_strict_mode_rejects_a_too_long_value(strict, sim):
    inner = f"<processNodeName>{'n' * 256}</processNodeName>"      # String255
    resp = strict.post("getCCMVersion", inner)
    assert resp.status_code == 500
    err = axl_error(resp)
    assert err["faultcode"] == "soapenv:Client" and err["faultstring"].startswith("Unmarshalling Error")
    assert "processNodeName" in err["faultstring"]
    assert sim.post("getCCMVersion", inner).status_code == 200    # lenient without --validate-with
    forget_log_entries(sim, 1)


def test_strict_mode_rejects_elements_out_of_order(strict):
    """XUser's schema order is ... lastName, emMaxLoginTime, userid ...; swapped, CUCM's
    unmarshaller refuses it (whether or not the simulator models addUser: the schema decides first)."""
    inner = "<user><userid>jdoe</userid><lastName>Doe</lastName><presenceGroupName>Standard Presence group</presenceGroupName></user>"
    resp = strict.post("addUser", inner)
    assert resp.status_code == 500
    err = axl_error(resp)
    assert err["faultcode"] == "soapenv:Client"
    assert "userid" in err["faultstring"] or "lastName" in err["faultstring"]
    assert strict.sql("SELECT count(*) FROM enduser WHERE userid = 'jdoe'")[0][0] == 0


def test_strict_mode_judges_unmodelled_operations_by_the_schema(strict):
    """addRoutePartition is in Cisco's schema but not modelled: a schema error is still reported
    as the schema error CUCM gives, not as an unknown operation."""
    resp = strict.post("addRoutePartition", "<routePartition><description>no name</description></routePartition>")
    assert resp.status_code == 500
    err = axl_error(resp)
    assert err["faultcode"] == "soapenv:Client"
    assert err["faultstring"].startswith("Unmarshalling Error") and "name" in err["faultstring"]


def test_strict_mode_rejects_unknown_children(strict):
    resp = strict.post("executeSQLQuery", "<sql>select 1 from enduser</sql><limit>5</limit>")
    assert resp.status_code == 500
    assert axl_error(resp)["faultcode"] == "soapenv:Client"


def test_strict_mode_leaves_other_versions_unchecked(strict):
    inner = f"<processNodeName>{'n' * 256}</processNodeName>"
    assert strict.post("getCCMVersion", inner, version="12.5").status_code == 200
    forget_log_entries(strict, 1)


def test_strict_mode_response_uses_the_namespace_validated(strict):
    resp = strict.post("getCCMVersion")
    assert etree.QName(body_of(resp)).namespace == "http://www.cisco.com/AXL/API/14.0"
