"""Fixtures for the simulator's own tests: in-process simulators, raw SOAP, zeep with Cisco's WSDL.

Every simulator started here writes a request log; at the end of the session every logged
request and response is validated against Cisco's real ``AXLSoap.xsd`` of its version (skipped,
with the reason printed, when ``../shared`` is absent).
"""

import sqlite3
import sys
import threading
from pathlib import Path

import pytest
import requests
from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "simulator"))
sys.path.insert(0, str(ROOT))

from cucm_axl_sim import cli, compat  # noqa: E402
from tests.support.axl_log import validate_log  # noqa: E402

SHARED = ROOT.parent / "shared"
SCHEMA_DIR = SHARED / "axl-schema"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
_LOGS = []


def needs_schema():
    if not SCHEMA_DIR.is_dir():
        pytest.skip(f"Cisco's AXL schema is not available at {SCHEMA_DIR} (the ../shared folder is absent)")


class RunningSim:
    """A simulator served from a thread of the test process."""

    def __init__(self, workdir, *flags, validate_log=True):
        workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / "requests.jsonl"
        args = cli.parse_args(["--port", "0", "--db", str(workdir / "cucm.sqlite"), "--request-log", str(self.log_path),
                               *flags])
        self.sim, self.httpd = cli.build(args)
        self.config = self.sim.config
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        scheme = "https" if self.config.tls else "http"
        self.base = f"{scheme}://127.0.0.1:{self.config.port}"
        self.url = self.base + "/axl/"
        self.cert = self.config.cert
        self.db = self.config.db
        self.version = self.config.axl_version
        self.http = self.session()
        self.http.verify = self.cert if self.config.tls else True
        if validate_log:     # off for clients that send what the XSD refuses, as real CUCM accepts it
            _LOGS.append(self.log_path)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.sim.store.close()

    def session(self):
        """A requests session that trusts the simulator's certificate.  ``trust_env`` is off
        because REQUESTS_CA_BUNDLE (set on many CI machines) silently overrides ``verify``."""
        http = requests.Session()
        http.trust_env = False
        http.verify = self.cert if self.config.tls else True
        return http

    # ---------------------------------------------------------------- admin API
    def admin(self, method, path, **kw):
        resp = self.http.request(method, self.base + "/__sim__/" + path, **kw)
        resp.raise_for_status()
        return resp.json()

    def stats(self):
        return self.admin("GET", "stats")

    def reset(self):
        self.admin("POST", "faults", json={
            "latency_ms": 0, "throttle_writes": 0.0, "throttle_body": "html", "drop_after_commit": 0,
            "session_idle_s": 1800.0, "max_response_bytes": 8 * 1024 * 1024, "random_seed": 0,
            "write_barrier": 0, "too_large": "fault", "change_queue_size": 100000, "change_page_size": 1000,
            "compat": compat.defaults()})
        return self.admin("POST", "reset")

    def faults(self, **changes):
        return self.admin("POST", "faults", json=changes)

    # ---------------------------------------------------------------- raw SOAP
    def envelope(self, operation, inner_xml, version=None):
        version = version or self.version
        return (f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:ns="http://www.cisco.com/AXL/API/{version}">'
                f"<soapenv:Body><ns:{operation}>{inner_xml}</ns:{operation}></soapenv:Body></soapenv:Envelope>")

    def post(self, operation, inner_xml="", version=None, auth=("administrator", "ciscopsdt"), headers=None,
             session=None, body=None):
        version = version or self.version
        hdrs = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"CUCM:DB ver={version} {operation}"'}
        hdrs.update(headers or {})
        data = body if body is not None else self.envelope(operation, inner_xml, version).encode()
        client = session or self.session()
        return client.post(self.url, data=data, headers=hdrs, auth=auth)

    # ---------------------------------------------------------------- independent reads
    def sql(self, query, params=()):
        """Read the store directly (not through AXL): the independent check of what happened."""
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            return conn.execute(query, params).fetchall()
        finally:
            conn.close()


def body_of(response):
    """The first element of a SOAP response body (the operation response or the Fault)."""
    root = etree.fromstring(response.content)
    return root.find(f"{{{SOAP_ENV}}}Body")[0]


def axl_error(response):
    fault = body_of(response)
    err = fault.find("detail/axlError")
    return {"faultcode": fault.findtext("faultcode"), "faultstring": fault.findtext("faultstring"),
            "axlcode": int(err.findtext("axlcode")) if err is not None else None,
            "request": err.findtext("request") if err is not None else None}


@pytest.fixture(scope="session")
def sim_factory(tmp_path_factory):
    """``sim_factory(name, *flags)``: a simulator per distinct configuration, shared by the session."""
    running = {}

    def make(name="default", *flags, validate_log=True):
        key = (name, flags)
        if key not in running:
            running[key] = RunningSim(tmp_path_factory.mktemp(f"sim-{name}"), *flags, validate_log=validate_log)
        return running[key]

    yield make
    for s in running.values():
        s.stop()


@pytest.fixture
def sim(sim_factory):
    """The default simulator (AXL 14.0, 20 seeded users of which 2 LDAP), reset for each test."""
    s = sim_factory("default", "--seed-users", "20", "--ldap-users", "2")
    s.reset()
    return s


@pytest.fixture(params=["12.5", "14.0", "15.0"])
def versioned_sim(request, sim_factory):
    """The same simulator configuration served as each of CUCM 12.5, 14.0 and 15.0."""
    s = sim_factory(f"v{request.param}", "--axl-version", request.param, "--seed-users", "20", "--ldap-users", "2")
    s.reset()
    return s


_ZEEP = {}


def zeep_service(sim, version=None):
    """A zeep client built from Cisco's full AXLAPI.wsdl of ``version``, pointed at ``sim``."""
    needs_schema()
    import zeep
    from zeep.transports import Transport
    version = version or sim.version
    key = (version, sim.url)
    if key not in _ZEEP:
        session = sim.session()
        session.auth = ("administrator", "ciscopsdt")
        client = zeep.Client(str(SCHEMA_DIR / version / "AXLAPI.wsdl"), transport=Transport(session=session),
                             settings=zeep.Settings(strict=False, xml_huge_tree=True))
        _ZEEP[key] = client.create_service("{http://www.cisco.com/AXLAPIService/}AXLAPIBinding", sim.url)
    return _ZEEP[key]


# -------------------------------------------------------------------- schema validation of the logs
def pytest_sessionfinish(session, exitstatus):
    if not _LOGS:
        return
    if not SCHEMA_DIR.is_dir():
        print(f"\nSKIPPED: validation of the logged AXL exchanges against Cisco's XSD ({SCHEMA_DIR} is absent)")
        return
    results = [validate_log(log) for log in _LOGS]
    checked = sum(c for c, _p in results)
    problems = [p for _c, found in results for p in found]
    print(f"\nvalidated {checked} logged AXL messages against Cisco's AXLSoap.xsd: {len(problems)} problem(s)")
    for problem in problems[:50]:
        print("  " + problem)
    if problems:
        session.exitstatus = 1
