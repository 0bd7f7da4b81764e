# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AXL client against the real simulator, served from a thread of the test process.

Behaviour is asserted by counting (the simulator's ``/__sim__/stats``, the client's counters,
the calls of the injected ``sleep``), never with timers; nothing really sleeps.  What the
simulator cannot produce (the "Maximum AXL Memory Allocation Consumed" fault, 403, odd bodies)
comes from a small scripted HTTPS stub.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import atexit
import http.server
import os
import shutil
import socket
import sqlite3
import ssl
import tempfile
import threading

import pytest

from ansible_collections.voiceops.cucm.plugins.module_utils import axl, engine
from ansible_collections.voiceops.cucm.plugins.module_utils.axl import (
    AmbiguousWrite, AxlAuthError, AxlClient, AxlConnectionError, AxlError, AxlFault, AxlThrottled, AxlVersionError)
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.end_user import EndUser

try:
    import requests
    from cucm_axl_sim import cli, tls
except ImportError:  # pragma: no cover - both are in the dev venv
    cli = None

pytestmark = pytest.mark.skipif(cli is None, reason="the simulator package cucm_axl_sim (and requests) is not installed")

USER = "administrator"
PASSWORD = "ciscopsdt"
ENV_CA = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")


class Sim(object):
    """An in-process simulator (the same construction as tests/simulator/conftest.py)."""

    def __init__(self, workdir, *flags):
        os.makedirs(workdir)
        args = cli.parse_args(["--port", "0", "--db", os.path.join(workdir, "cucm.sqlite")] + list(flags))
        self.sim, self.httpd = cli.build(args)
        self.config = self.sim.config
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.daemon = True
        self.thread.start()
        self.port = self.config.port
        self.cert, self.key = self.config.cert, self.config.key
        self.version = self.config.axl_version
        self.base = "https://127.0.0.1:%d" % self.port
        # trust_env off: REQUESTS_CA_BUNDLE (set on this machine) would override verify=
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.verify = self.cert

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.sim.store.close()

    def admin(self, method, path, body=None):
        response = self.http.request(method, self.base + "/__sim__/" + path, json=body)
        response.raise_for_status()
        return response.json()

    def stats(self):
        return self.admin("GET", "stats")

    def faults(self, **changes):
        return self.admin("POST", "faults", changes)

    def reset(self):
        self.faults(latency_ms=0, throttle_writes=0.0, throttle_body="html", drop_after_commit=0, session_idle_s=1800.0,
                    max_response_bytes=8 * 1024 * 1024, random_seed=0, too_large="fault")
        self.admin("POST", "reset")

    def sql(self, query, params=()):
        """An independent read of the simulator's store (not through AXL)."""
        conn = sqlite3.connect("file:%s?mode=ro" % self.config.db, uri=True)
        try:
            return conn.execute(query, params).fetchall()
        finally:
            conn.close()

    def client(self, **kw):
        kw.setdefault("ca_path", self.cert)
        kw.setdefault("axl_version", self.version)
        kw.setdefault("sleep", Sleeps())
        kw.setdefault("jitter", lambda: 1.0)
        password = kw.pop("password", PASSWORD)
        return AxlClient("127.0.0.1", USER, password, port=self.port, **kw)


class Sleeps(list):
    """The injected ``sleep``: records each delay, sleeps nothing, may run a hook."""

    def __init__(self, hook=None):
        super(Sleeps, self).__init__()
        self.hook = hook

    def __call__(self, delay):
        self.append(delay)
        if self.hook:
            self.hook(len(self))


SIM_VERSIONS = ("11.5", "12.5", "14.0", "15.0")
_RUNNING = {}


def _start(version):
    if not _RUNNING:
        workdir = tempfile.mkdtemp(prefix="cucm-axl-client-test-")
        _RUNNING["_workdir"] = workdir
        atexit.register(_stop_all, os.getpid())
    workdir = _RUNNING["_workdir"]
    _RUNNING[version] = Sim(os.path.join(workdir, version), "--axl-version", version, "--cert-dir", workdir)
    return _RUNNING[version]


def _stop_all(pid):
    if os.getpid() != pid:          # a forked test process: the simulators are not its own
        return
    for version in SIM_VERSIONS:
        if version in _RUNNING:
            _RUNNING.pop(version).stop()
    shutil.rmtree(_RUNNING.pop("_workdir"), ignore_errors=True)


def prime():
    """Start the simulators once, in the process that forks the tests (see conftest.py); each
    test reaches them over TCP and resets them first."""
    if cli is not None:
        for version in SIM_VERSIONS:
            if version not in _RUNNING:
                _start(version)


@pytest.fixture
def sims():
    def make(version="14.0"):
        server = _RUNNING.get(version) or _start(version)
        server.reset()
        return server
    return make


@pytest.fixture
def sim(sims):
    return sims("14.0")


def user_body(userid, **extra):
    user = {"userid": userid, "lastName": "Doe", "firstName": "Jane", "presenceGroupName": "Standard Presence group"}
    user.update(extra)
    return {"user": user}


def count_users(sim, userid):
    return sim.sql("select count(*) from enduser where userid = ?", (userid,))[0][0]


# ---------------------------------------------------------------------------------------------
# sessions and authentication
# ---------------------------------------------------------------------------------------------

def test_one_basic_auth_then_cookie_only(sim):
    client = sim.client()
    for _index in range(10):
        assert client.call("getCCMVersion").findtext("componentVersion/version").startswith("14.0")
    stats = sim.stats()
    assert (stats["auth_basic"], stats["auth_cookie"], stats["requests"]) == (1, 9, 10)
    assert stats["connections"] == 1                       # one keep-alive connection
    assert (client.counters["basic_auths"], client.counters["requests"]) == (1, 10)
    client.close()
    client.close()


def test_expired_session_reauthenticates_once(sim):
    client = sim.client()
    client.call("getCCMVersion")
    sim.faults(session_idle_s=0.0)                         # every session is now expired
    client.call("getCCMVersion")                           # cookie -> 404 -> Basic, transparently
    sim.faults(session_idle_s=1800.0)
    client.call("getCCMVersion")
    ret = client.call("addUser", user_body("after.expiry"))     # a write after re-auth: once
    assert ret.text.startswith("{")
    stats = sim.stats()
    assert stats["auth_basic"] == 2 and client.counters["basic_auths"] == 2
    assert client.counters["requests"] == 5 and stats["writes"] == 1
    assert count_users(sim, "after.expiry") == 1


def test_401_names_the_user_and_the_axl_role(sim):
    client = sim.client(password="wrong")
    with pytest.raises(AxlAuthError) as info:
        client.call("getCCMVersion")
    message = str(info.value)
    assert "'administrator'" in message and "HTTP 401" in message and "Standard AXL API Access" in message
    assert "wrong" not in message
    assert sim.stats()["unauthorized"] == 1 and client.counters["requests"] == 1


# ---------------------------------------------------------------------------------------------
# versions
# ---------------------------------------------------------------------------------------------

def test_599_lists_the_accepted_versions(sims):
    server = sims("15.0")
    client = server.client(axl_version="11.5")
    with pytest.raises(AxlVersionError) as info:
        client.call("getCCMVersion")
    message = str(info.value)
    assert "does not accept AXL schema 11.5" in message and "HTTP 599" in message
    # CUCM's Tomcat page (was: a text/plain list the simulator made up): only its sentence is quoted
    assert "Supported axl versions are 12.x, 14.0 and 15.0" in message and "<" not in message
    assert info.value.supported == ["12.x", "14.0", "15.0"]


@pytest.mark.parametrize("version", ["12.5", "14.0", "15.0"])
def test_version_detection_with_getccmversion(sims, version):
    server = sims(version)
    client = server.client(axl_version=None)
    assert client.version == version
    assert client.version == version                       # detected once
    assert server.stats()["by_operation"] == {"getCCMVersion": 1}
    assert client.call("getCCMVersion").findtext("componentVersion/version").startswith(version)
    assert server.stats()["auth_basic"] == 1


def test_version_detection_of_an_115_cluster_uses_the_599_list(sims):
    server = sims("11.5")
    client = server.client(axl_version=None)
    assert client.version == "11.5"
    stats = server.stats()
    assert stats["by_operation"] == {"getCCMVersion": 1}      # the 12.5 probe, answered 599
    assert client.call("getCCMVersion").findtext("componentVersion/version").startswith("11.5")
    with pytest.raises(axl.SchemaError, match="not in AXL 11.5"):
        client.call("updateUser", {"userid": "x", "emMaxLoginTime": 5})


@pytest.mark.parametrize("release, schema", [
    ("11.5.1.23900-30", "11.5"), ("12.0.1.10000-10", "11.5"), ("12.5.1.18900-40", "12.5"), ("14.0.1.13900-155", "14.0"),
    ("15.0.1.12900-234", "15.0"), ("16.0.1", "15.0"), ("14", None), ("11.0.1", None), ("10.5.2.1", None), ("", None),
])
def test_schema_for_release(release, schema):
    if schema:
        assert axl.schema_for_release(release) == schema
    else:
        with pytest.raises(AxlError):
            axl.schema_for_release(release)


# ---------------------------------------------------------------------------------------------
# throttling, retries and ambiguous writes
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", ["html", "soap"])
@pytest.mark.parametrize("k", [1, 3])
def test_503_is_retried_exactly_k_times(sim, body, k):
    sim.faults(throttle_writes=1.0, throttle_body=body)
    sleeps = Sleeps(hook=lambda n: sim.faults(throttle_writes=0.0) if n == k else None)
    client = sim.client(sleep=sleeps, jitter=lambda: 0.5, retry_delay=2.0)
    client.call("getCCMVersion")                                 # reads are never throttled
    client.call("addUser", user_body("throttled.user"))
    stats = sim.stats()
    assert stats["by_operation"]["addUser"] == k + 1 and stats["throttled"] == k and stats["writes"] == 1
    assert sleeps == [0.5 * 2.0 * 2 ** n for n in range(k)]      # full-jitter exponential backoff
    assert client.counters["throttled"] == k and client.counters["retries"] == k
    assert count_users(sim, "throttled.user") == 1


def test_503_budget_exhausted(sim):
    sim.faults(throttle_writes=1.0)
    sleeps = Sleeps()
    client = sim.client(sleep=sleeps, retry_delay=1.0, retry_budget=12)
    with pytest.raises(AxlThrottled) as info:
        client.call("addUser", user_body("never"))
    assert "HTTP 503" in str(info.value) and "retry_budget" in str(info.value)
    assert sleeps == [1.0, 2.0, 4.0, 8.0]                        # the next (16 s) would pass the 12 s budget
    stats = sim.stats()
    assert stats["by_operation"]["addUser"] == 5 and stats["throttled"] == 5 and stats["writes"] == 0
    assert count_users(sim, "never") == 0


def test_drop_after_commit_is_an_ambiguous_write(sim):
    sim.faults(drop_after_commit=1)
    client = sim.client()
    with pytest.raises(AmbiguousWrite) as info:
        client.call("addUser", user_body("dropped.user"))
    assert "may have been applied" in str(info.value) and "addUser" in str(info.value)
    stats = sim.stats()
    assert stats["dropped"] == 1 and stats["by_operation"]["addUser"] == 1   # never re-sent by the client
    assert count_users(sim, "dropped.user") == 1                             # committed exactly once
    ret = client.call("getUser", {"userid": "dropped.user"})                 # the client goes on
    assert ret.findtext("user/userid") == "dropped.user"


def test_engine_does_not_create_twice_after_a_dropped_answer(sim):
    """ensure() with the real end-user resource and client: the answer to addUser is lost, the
    engine re-reads, finds the user and writes nothing more."""
    sim.faults(drop_after_commit=1)

    class Module(object):
        check_mode = False
        diff_mode = True

    module = Module()
    resource = EndUser()
    module.client = sim.client(axl_version=None)
    module.params = dict((o.name, None) for o in resource.options)
    module.params.update(userid="ambiguous.user", state="present", update_password="on_create", first_name="Amy",
                         last_name="Biguous", pin="12345", groups={"add": ["Standard CCM End Users"]})
    result = engine.ensure(module, resource)
    assert result["changed"] is True and result["user"]["uuid"].startswith("{")
    by_operation = sim.stats()["by_operation"]
    assert by_operation["addUser"] == 1 and "updateUser" not in by_operation and by_operation["getUser"] == 2
    assert count_users(sim, "ambiguous.user") == 1
    again = engine.ensure(module, resource)
    assert again["changed"] is False and sim.stats()["by_operation"]["addUser"] == 1


def test_connection_refused(sim):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    port = holder.getsockname()[1]
    holder.close()                                               # nothing listens there now
    sleeps = Sleeps()
    client = AxlClient("127.0.0.1", USER, PASSWORD, port=port, ca_path=sim.cert, axl_version="14.0", sleep=sleeps,
                       jitter=lambda: 1.0)
    with pytest.raises(AxlConnectionError) as info:
        client.call("getCCMVersion")
    message = str(info.value)
    assert "cannot connect to CUCM AXL at https://127.0.0.1:%d/axl/" % port in message and "check host and port" in message
    assert len(sleeps) == axl.MAX_CONNECT_ATTEMPTS - 1 and client.counters["requests"] == 0
    detecting = AxlClient("127.0.0.1", USER, PASSWORD, port=port, ca_path=sim.cert, sleep=Sleeps(), jitter=lambda: 1.0)
    with pytest.raises(AxlConnectionError):
        detecting.version


# ---------------------------------------------------------------------------------------------
# TLS and the environment
# ---------------------------------------------------------------------------------------------

@pytest.fixture
def other_bundle(tmp_path):
    """A CA bundle that does not hold the simulator's certificate (another self-signed one)."""
    cert, _key = tls.ensure_certificate(str(tmp_path), "other.example.com")
    return cert


@pytest.fixture
def clean_env(monkeypatch):
    for name in ENV_CA:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_default_verification_fails_on_a_self_signed_certificate(sim, clean_env):
    client = sim.client(ca_path=None)
    with pytest.raises(AxlConnectionError) as info:
        client.call("getCCMVersion")
    message = str(info.value)
    assert "TLS certificate verification failed" in message and "ca_path" in message and "validate_certs" in message
    assert client.counters["requests"] == 0 and sim.stats()["requests"] == 0


def test_ca_path_to_the_certificate_works(sim, clean_env):
    assert sim.client(ca_path=sim.cert).call("getCCMVersion") is not None


def test_validate_certs_false_works(sim, clean_env, other_bundle):
    assert sim.client(ca_path=None, validate_certs=False).call("getCCMVersion") is not None
    for name in ENV_CA[:3]:
        clean_env.setenv(name, other_bundle)
    assert sim.client(ca_path=None, validate_certs=False).call("getCCMVersion") is not None


def test_ca_path_wins_over_the_environment(sim, clean_env, other_bundle):
    for name in ENV_CA[:3]:
        clean_env.setenv(name, other_bundle)
    assert sim.client(ca_path=sim.cert).call("getCCMVersion") is not None


def test_which_environment_variables_count_without_ca_path(sim, clean_env, other_bundle):
    """Documented behaviour: with validate_certs on and no ca_path the client uses OpenSSL's
    default store, which honours SSL_CERT_FILE (and SSL_CERT_DIR).  REQUESTS_CA_BUNDLE and
    CURL_CA_BUNDLE are requests/curl conventions and are not read."""
    for name in ENV_CA[:3]:
        clean_env.setenv(name, sim.cert)
    assert sim.client(ca_path=None).call("getCCMVersion") is not None
    clean_env.setenv("SSL_CERT_FILE", other_bundle)
    with pytest.raises(AxlConnectionError, match="ca_path"):
        sim.client(ca_path=None).call("getCCMVersion")


def test_missing_ca_path(sim):
    with pytest.raises(AxlConnectionError, match="ca_path /no/such/file.pem does not exist"):
        sim.client(ca_path="/no/such/file.pem")


# ---------------------------------------------------------------------------------------------
# faults and SQL
# ---------------------------------------------------------------------------------------------

def test_not_found_fault(sim):
    with pytest.raises(AxlFault) as info:
        sim.client().call("getUser", {"userid": "nobody"})
    fault = info.value
    assert (fault.axlcode, fault.operation, fault.http_status) == (5007, "getUser", 500)
    assert fault.not_found and not fault.duplicate and fault.too_large is None
    assert "was not found" in fault.message and "axlcode 5007" in str(fault)


def test_duplicate_fault(sim):
    client = sim.client()
    client.call("addUser", user_body("twice"))
    with pytest.raises(AxlFault) as info:
        client.call("addUser", user_body("twice"))
    assert info.value.axlcode == -239 and info.value.duplicate and not info.value.not_found
    assert "duplicate value in a UNIQUE INDEX column" in info.value.message
    assert count_users(sim, "twice") == 1


def test_query_too_large_fault(sim):
    sim.faults(max_response_bytes=400)
    sleeps = Sleeps()
    with pytest.raises(AxlFault) as info:
        sim.client(sleep=sleeps).sql_query("select name from functionrole")
    matched, fit = info.value.too_large
    assert info.value.axlcode == -1 and "Query request too large" in info.value.message
    assert matched == sim.sql("select count(*) from functionrole")[0][0] and 0 < fit < matched
    assert sleeps == []                                          # not retried: the caller pages smaller


@pytest.mark.parametrize("message, expected", [
    ("Query request too large. Total rows matched: 2816 rows. Suggestive Row Fetch: less than 844 rows", (2816, 844)),
    ("Query request too large. Total rows matched: 10 rows. Suggested row fetch: less than 3 rows", (10, 3)),
    ("Item not valid", None),
    (None, None),
])
def test_too_large_parsing(message, expected):
    assert AxlFault("listUser", -1, message).too_large == expected


def test_fault_classification_by_code_and_text():
    assert AxlFault("addUser", -268, "Unique constraint (x) violated.").duplicate
    assert AxlFault("getUser", None, "The specified User was not found").not_found
    assert not AxlFault("getUser", 5003, "You do not have the privilege").not_found


def test_sql_rows_as_dicts(sim):
    client = sim.client()
    rows = client.sql_query("select name, isstandard, minimumuserrank from dirgroup where name like 'Standard CCM%' order by name")
    expected = sim.sql("select name, isstandard, minimumuserrank from dirgroup where name like 'Standard CCM%' order by name")
    assert rows == [{"name": n, "isstandard": s, "minimumuserrank": str(r)} for n, s, r in expected] and rows
    assert client.sql_query("select name from dirgroup where name = 'no such group'") == []
    assert client.sql_query("select name, nvl(NULL, NULL) as blank from matrix") == [{"name": "Standard Presence group", "blank": ""}]
    changed = client.sql_update("update dirgroup set minimumuserrank = 2 where name = 'Standard CCM End Users'")
    assert changed == 1 and sim.sql("select minimumuserrank from dirgroup where name = 'Standard CCM End Users'") == [(2,)]


def test_sql_query_paged(sim):
    client = sim.client()
    expected = [{"name": n} for (n,) in sim.sql("select name from functionrole order by name")]
    assert len(expected) > 6
    assert client.sql_query_paged("select name from functionrole order by name", page_size=6) == expected
    pages = -(-(len(expected) + 1) // 6)                         # a last, short (maybe empty) page ends it
    assert sim.stats()["by_operation"]["executeSQLQuery"] == pages


def test_sql_query_paged_shrinks_a_page_that_is_too_large(sim):
    sim.faults(max_response_bytes=1200)
    client = sim.client()
    expected = [{"name": n} for (n,) in sim.sql("select name from functionrole order by name")]
    assert client.sql_query_paged("select name from functionrole order by name", page_size=100) == expected
    stats = sim.stats()
    assert stats["faults"] >= 1 and stats["by_operation"]["executeSQLQuery"] > stats["faults"]


@pytest.mark.parametrize("mode", ["drop", "memory"])
def test_paged_reads_shrink_on_a_cut_off_answer_or_a_memory_fault(sim, mode):
    """CUCM 12.5 may drop the connection mid-answer instead of the "too large" fault, and may answer "Maximum
    AXL Memory Allocation Consumed": both pagers ask again with half the page (never the same size twice) and
    continue from the same row; the rows come out whole and in order."""
    sim.faults(max_response_bytes=1500, too_large=mode)
    sleeps = Sleeps()
    client = sim.client(sleep=sleeps)
    expected = [{"name": n} for (n,) in sim.sql("select name from functionrole order by name")]
    assert client.sql_query_paged("select name from functionrole order by name", page_size=64) == expected
    groups = [e.findtext("name") for e in client.list_paged(
        "listUserGroup", {"searchCriteria": {"name": "%"}, "returnedTags": {"name": ""}}, "userGroup", 64)]
    assert groups == sorted(n for (n,) in sim.sql("select name from dirgroup"))
    stats = sim.stats()
    assert (stats["dropped"] if mode == "drop" else stats["faults"]) >= 2        # each pager shrank at least once
    assert bool(sleeps) == (mode == "memory")             # a memory fault waits a little; a cut-off answer does not


def test_paged_read_that_fails_at_one_row_gives_up(sim):
    """A page of one row that is still cut off is an error, after log2(page) + 1 requests, not a loop."""
    sim.faults(max_response_bytes=50, too_large="drop")
    client = sim.client()
    with pytest.raises(AxlConnectionError, match="even a page of one row did not arrive whole"):
        client.sql_query_paged("select name from functionrole order by name", page_size=16)
    assert sim.stats()["by_operation"]["executeSQLQuery"] == 5          # 16, 8, 4, 2, 1


def test_paged_reads_shrink_on_the_stubs_memory_fault(stub):
    """The stub's memory fault, then a page: the second request asks for half the rows (the first's SKIP kept)."""
    page = ("<?xml version='1.0' encoding='UTF-8'?><soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'>"
            "<soapenv:Body><ns:executeSQLQueryResponse xmlns:ns='http://www.cisco.com/AXL/API/14.0'><return>"
            "<row><name>a</name></row></return></ns:executeSQLQueryResponse></soapenv:Body></soapenv:Envelope>").encode()
    stub.script = [(500, soap_fault(MEMORY)), (200, page)]
    sleeps = Sleeps()
    client = stub.client(sleep=sleeps, retry_delay=1.0)
    assert client.sql_query_paged("select name from x order by name", page_size=40) == [{"name": "a"}]
    assert len(stub.seen) == 2 and sleeps == [1.0]
    assert b"skip 0 first 40 " in stub.bodies[0] and b"skip 0 first 20 " in stub.bodies[1]


def test_paged_reads_stream_rows_one_at_a_time(sim):
    client = sim.client()
    # a column called "row" is a column, not another row of the answer
    rows = list(client.iter_sql_paged("select name, name as row from functionrole order by name", page_size=4))
    expected = [{"name": n, "row": n} for (n,) in sim.sql("select name from functionrole order by name")]
    assert rows == expected
    # the elements before the one in hand are freed: the page's tree does not grow with the page
    groups = client.list_paged("listUserGroup", {"searchCriteria": {"name": "%"}, "returnedTags": {"name": ""}},
                               "userGroup", 50)
    seen = []
    for element in groups:
        seen.append(element.findtext("name"))
        before = list(element.itersiblings(preceding=True))
        assert len(before) <= 1 and all(len(b) == 0 for b in before)     # at most the last one, emptied
    assert sorted(seen) == sorted(n for (n,) in sim.sql("select name from dirgroup")) and len(seen) > 1


def test_is_write():
    assert all(axl.is_write(op) for op in ("addUser", "updateUser", "removeUser", "executeSQLUpdate"))
    assert not any(axl.is_write(op) for op in ("getUser", "listUser", "executeSQLQuery", "getCCMVersion"))


# ---------------------------------------------------------------------------------------------
# a scripted HTTPS stub for what the simulator does not do
# ---------------------------------------------------------------------------------------------

MEMORY = ("Maximum AXL Memory Allocation Consumed. Please retry once requests in progress have completed")


def soap_fault(message, code=-1):
    return ("<?xml version='1.0' encoding='UTF-8'?><soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'>"
            "<soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>%s</faultstring><detail>"
            "<axlError><axlcode>%d</axlcode><axlmessage>%s</axlmessage><request>getCCMVersion</request></axlError>"
            "</detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>" % (message, code, message)).encode()


def version_answer(build="14.0.1.13900-155"):
    return ("<?xml version='1.0' encoding='UTF-8'?><soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'>"
            "<soapenv:Body><ns:getCCMVersionResponse xmlns:ns='http://www.cisco.com/AXL/API/14.0'><return><componentVersion>"
            "<version>%s</version></componentVersion></return></ns:getCCMVersionResponse></soapenv:Body>"
            "</soapenv:Envelope>" % build).encode()


class StubHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.server.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.server.seen.append(self.headers.get("SOAPAction"))
        status, body = self.server.script.pop(0) if self.server.script else (200, version_answer())
        if status is None:                  # vanish without an answer
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(status)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def stub(sim):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StubHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sim.cert, sim.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    server.script, server.seen, server.bodies = [], [], []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()

    def client(**kw):
        kw.setdefault("axl_version", "14.0")
        kw.setdefault("sleep", Sleeps())
        kw.setdefault("jitter", lambda: 1.0)
        return AxlClient("127.0.0.1", USER, PASSWORD, port=server.server_address[1], ca_path=sim.cert, **kw)

    server.client = client
    yield server
    server.shutdown()
    server.server_close()


def test_memory_allocation_fault_is_retried(stub):
    stub.script = [(500, soap_fault(MEMORY))] * 2
    sleeps = Sleeps()
    ret = stub.client(sleep=sleeps, retry_delay=1.0).call("getCCMVersion")
    assert ret.findtext("componentVersion/version") == "14.0.1.13900-155"
    assert sleeps == [1.0, 2.0] and len(stub.seen) == 3
    assert stub.seen[0] == '"CUCM:DB ver=14.0 getCCMVersion"'


def test_memory_allocation_fault_within_the_budget_only(stub):
    stub.script = [(500, soap_fault(MEMORY))] * 10
    sleeps = Sleeps()
    with pytest.raises(AxlFault, match="Maximum AXL Memory Allocation Consumed"):
        stub.client(sleep=sleeps, retry_delay=1.0, retry_budget=3).call("getCCMVersion")
    assert sleeps == [1.0, 2.0] and len(stub.seen) == 3


def test_other_faults_are_not_retried(stub):
    stub.script = [(500, soap_fault("Item not valid: The specified User was not found", 5007))]
    sleeps = Sleeps()
    with pytest.raises(AxlFault) as info:
        stub.client(sleep=sleeps).call("getUser", {"userid": "x"})
    assert info.value.not_found and sleeps == [] and len(stub.seen) == 1


def test_a_read_without_answer_is_retried(stub):
    stub.script = [(None, b"")]
    sleeps = Sleeps()
    assert stub.client(sleep=sleeps).call("getCCMVersion") is not None
    assert len(sleeps) == 1 and len(stub.seen) == 2


def test_a_write_without_answer_is_not_resent(stub):
    stub.script = [(None, b"")]
    with pytest.raises(AmbiguousWrite):
        stub.client().call("removeUser", {"userid": "x"})
    assert len(stub.seen) == 1


@pytest.mark.parametrize("status, body, error, text", [
    (403, b"<html>Forbidden</html>", AxlAuthError, "Standard AXL API Access"),
    (404, b"<html>Not Found</html>", AxlConnectionError, "is the Cisco AXL Web Service activated"),
    (500, b"Internal Server Error", AxlError, "unexpected HTTP 500"),
    (502, b"Bad Gateway", AxlError, "unexpected HTTP 502"),
    (200, b"this is not xml", AxlError, "is not XML"),
    (200, b"<?xml version='1.0'?><soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'>"
          b"<soapenv:Body><x/></soapenv:Body></soapenv:Envelope>", AxlError, "has no <return> element"),
])
def test_unusual_answers(stub, status, body, error, text):
    stub.script = [(status, body)]
    with pytest.raises(error, match=text):
        stub.client().call("getCCMVersion")
    assert len(stub.seen) == 1


@pytest.mark.parametrize("page, detected", [
    (b"<html><body><h1>HTTP Status 599 - Incorrect axl version. Supported axl versions are 8.5, 9.x, 10.x and 11.x"
     b"</h1><h3>Apache Tomcat/7.0.99</h3></body></html>", "11.5"),
    (b"<!-- custom Cisco error page --><html>\n<body>\n<div>\nHTTP Status 599 - Incorrect axl version. Supported axl "
     b"versions are 12.x, 14.0 and 15.0\n</div></body></html>", "15.0"),
    (b"Incorrect axl version. Supported axl versions: 11.5, 11.0", "11.5"),
])
def test_detection_reads_the_599_page_and_its_x_forms(stub, page, detected):
    """A "12.x"-style entry stands for every minor of that major; Tomcat's own version on the page is ignored."""
    stub.script = [(599, page)]
    assert stub.client(axl_version=None).version == detected


def test_detection_when_no_collection_version_is_accepted(stub):
    stub.script = [(599, b"Incorrect axl version. Supported axl versions: 11.0, 10.5, 10.0")]
    with pytest.raises(AxlVersionError) as info:
        stub.client(axl_version=None).version
    assert "accepts AXL schema versions 11.0, 10.5, 10.0; this collection speaks 11.5, 12.5, 14.0, 15.0" in str(info.value)


def test_detection_of_a_release_too_old(stub):
    stub.script = [(200, version_answer("10.5.2.15900-8"))]
    with pytest.raises(AxlVersionError, match="older than 11.5"):
        stub.client(axl_version=None).version


def test_entities_are_not_expanded(stub):
    evil = (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
            b"<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'><soapenv:Body>"
            b"<r><return><componentVersion><version>&e;</version></componentVersion></return></r></soapenv:Body></soapenv:Envelope>")
    stub.script = [(200, evil)]
    ret = stub.client().call("getCCMVersion")
    assert "root:" not in (ret.findtext("componentVersion/version") or "")
