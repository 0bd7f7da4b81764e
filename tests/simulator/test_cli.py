"""The ``cucm-axl-sim`` console command, run as a real subprocess.

Tests outside this repository (users' CI, the collection's integration tests) rely on the flag
names, the single ready line on stdout and a clean exit on SIGINT/SIGTERM, so those are pinned
here.
"""

import json
import os
import re
import selectors
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
import requests

from conftest import ROOT, SCHEMA_DIR
from cucm_axl_sim import cli, compat, tls

CONSOLE = Path(sys.executable).parent / "cucm-axl-sim"
READY = re.compile(r"^AXL simulator ready: (https?)://([^:/\]]+|\[[0-9a-f:]+\]):(\d+)/axl/ \(AXL (\d+\.\d+)\)$")
ENVELOPE = ('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:ns="http://www.cisco.com/AXL/API/{ver}"><soapenv:Body><ns:{op}>{inner}</ns:{op}>'
            "</soapenv:Body></soapenv:Envelope>")


def command(module=False):
    """The installed console script; ``python -m cucm_axl_sim`` when asked or when it is missing."""
    if CONSOLE.exists() and not module:
        return [str(CONSOLE)], dict(os.environ)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "simulator") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return [sys.executable, "-m", "cucm_axl_sim"], env


class SimProcess:
    """``cucm-axl-sim`` started in the background, as users' CI starts it."""

    def __init__(self, workdir, *flags, module=False, wait=True):
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        cmd, env = command(module)
        self.stderr_path = workdir / f"stderr-{time.monotonic_ns()}.txt"
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen([*cmd, *flags], stdout=subprocess.PIPE, stderr=self._stderr, env=env, cwd=workdir)
        self.line = self.read_line(20) if wait else None
        if wait and not self.line:
            raise AssertionError(f"exited without a ready line ({self.proc.wait(5)}); stderr: {self.stderr()}")
        self.match = READY.match(self.line) if self.line else None

    def read_line(self, timeout):
        """The first stdout line (without its newline), waiting at most ``timeout`` seconds."""
        selector = selectors.DefaultSelector()
        selector.register(self.proc.stdout, selectors.EVENT_READ)
        data = b""
        deadline = time.monotonic() + timeout
        while not data.endswith(b"\n"):
            if not selector.select(max(0.0, deadline - time.monotonic())):
                self.kill()
                raise AssertionError(f"no ready line within {timeout} s; stderr: {self.stderr()}")
            chunk = os.read(self.proc.stdout.fileno(), 1)
            if not chunk:
                break
            data += chunk
        selector.close()
        return data.decode().rstrip("\n")

    # ---------------------------------------------------------------- talking to it
    @property
    def scheme(self):
        return self.match.group(1)

    @property
    def port(self):
        return int(self.match.group(3))

    @property
    def base(self):
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def http(self, ca=None):
        session = requests.Session()
        session.trust_env = False          # REQUESTS_CA_BUNDLE would override verify
        session.verify = str(ca or self.workdir / "cucm-axl-sim.crt") if self.scheme == "https" else True
        return session

    def post(self, op, inner="", version="14.0", auth=("administrator", "ciscopsdt"), ca=None):
        return self.http(ca).post(self.base + "/axl/", data=ENVELOPE.format(ver=version, op=op, inner=inner),
                                  auth=auth, headers={"Content-Type": "text/xml",
                                                      "SOAPAction": f'"CUCM:DB ver={version} {op}"'}, timeout=10)

    def admin(self, path, ca=None):
        return self.http(ca).get(self.base + "/__sim__/" + path, timeout=10).json()

    # ---------------------------------------------------------------- stopping
    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Send ``sig``; return ``(exit code, rest of stdout)``."""
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"still running {timeout} s after {sig!r}") from None
        rest = self.proc.stdout.read().decode()
        self._stderr.close()
        return code, rest

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def stderr(self):
        if not self._stderr.closed:
            self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")


@pytest.fixture
def started(tmp_path):
    """``started(*flags)``: a SimProcess that is killed at teardown if a test left it running."""
    running = []

    def start(*flags, workdir=None, **kw):
        p = SimProcess(workdir or tmp_path, *flags, **kw)
        running.append(p)
        return p

    yield start
    for p in running:
        p.kill()
        if not p._stderr.closed:
            p._stderr.close()


# ------------------------------------------------------------------------------------ ready line and stop
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_ready_line_only_stdout_and_clean_stop(started, tmp_path, sig):
    p = started("--port", "0", "--db", str(tmp_path / "cucm.sqlite"))
    assert p.match, p.line
    assert p.line == f"AXL simulator ready: https://127.0.0.1:{p.port}/axl/ (AXL 14.0)"
    assert p.port not in (0, 8443)                       # --port 0 picked a free port
    assert p.post("getCCMVersion").status_code == 200
    code, rest = p.stop(sig)
    assert code == 0
    assert rest == ""                                    # nothing on stdout but the ready line
    assert "Traceback" not in p.stderr()
    with pytest.raises(OSError):                         # the port is released
        socket.create_connection(("127.0.0.1", p.port), timeout=1).close()


def test_python_dash_m_entry_point(started, tmp_path):
    p = started("--port", "0", "--no-tls", "--db", str(tmp_path / "m.sqlite"), "--axl-version", "15.0", module=True)
    assert p.line == f"AXL simulator ready: http://127.0.0.1:{p.port}/axl/ (AXL 15.0)"
    assert p.post("getCCMVersion", version="15.0").status_code == 200
    assert p.post("getCCMVersion", version="11.5").status_code == 599
    assert p.stop() == (0, "")


def test_stop_while_a_client_holds_a_keep_alive_connection(started, tmp_path):
    p = started("--port", "0", "--no-tls", "--db", str(tmp_path / "c.sqlite"))
    http = p.http()
    assert p.post("getCCMVersion").status_code == 200
    idle = socket.create_connection(("127.0.0.1", p.port), timeout=5)   # an open, silent connection
    try:
        assert http.get(p.base + "/__sim__/stats").status_code == 200
        assert p.stop(signal.SIGTERM, timeout=5)[0] == 0
    finally:
        idle.close()


# ------------------------------------------------------------------------------------ persistence
def test_restart_with_the_same_db_keeps_changes_and_certificate(started, tmp_path):
    db = tmp_path / "data" / "cucm.sqlite"
    db.parent.mkdir()
    first = started("--port", "0", "--db", str(db), "--seed-users", "3")
    cert = db.parent / "cucm-axl-sim.crt"
    key = db.parent / "cucm-axl-sim.key"
    assert cert.exists() and key.exists()                 # written beside the database
    assert key.stat().st_mode & 0o077 == 0                 # the private key is not world-readable
    trusted = tmp_path / "trusted-ca.pem"                  # what a CI job would have saved as ca_path
    shutil.copy(cert, trusted)
    cert_bytes = cert.read_bytes()
    resp = first.post("executeSQLUpdate", "<sql>insert into functionrole (name) values ('Survives Restart')</sql>", ca=trusted)
    assert resp.status_code == 200
    assert first.stop() == (0, "")

    second = started("--port", "0", "--db", str(db), "--seed-users", "50")   # the DB exists: no re-seed
    assert cert.read_bytes() == cert_bytes
    served = ssl.get_server_certificate(("127.0.0.1", second.port))
    assert ssl.PEM_cert_to_DER_cert(served) == ssl.PEM_cert_to_DER_cert(cert_bytes.decode())
    found = second.post("executeSQLQuery", "<sql>select name from functionrole where name = 'Survives Restart'</sql>",
                        ca=trusted)
    assert found.status_code == 200 and "<name>Survives Restart</name>" in found.text
    count = second.post("executeSQLQuery", "<sql>select count(*) from enduser</sql>", ca=trusted)
    assert "<count>3</count>" in count.text
    assert "seeded" not in second.stderr()
    assert second.stop() == (0, "")


def test_reset_after_restart_goes_back_to_the_seed(started, tmp_path):
    db = tmp_path / "cucm.sqlite"
    first = started("--port", "0", "--no-tls", "--db", str(db), "--seed-users", "2")
    first.post("executeSQLUpdate", "<sql>delete from enduser where userid = 'user00001'</sql>")
    first.stop()
    second = started("--port", "0", "--no-tls", "--db", str(db))
    assert "<count>1</count>" in second.post("executeSQLQuery", "<sql>select count(*) from enduser</sql>").text
    assert second.http().post(second.base + "/__sim__/reset").status_code == 200
    assert "<count>2</count>" in second.post("executeSQLQuery", "<sql>select count(*) from enduser</sql>").text
    second.stop()


# ------------------------------------------------------------------------------------ certificates
def test_cert_dir(started, tmp_path):
    certs = tmp_path / "certs"
    p = started("--port", "0", "--db", str(tmp_path / "db" / "cucm.sqlite"), "--cert-dir", str(certs))
    assert (certs / "cucm-axl-sim.crt").exists()
    assert not (tmp_path / "db" / "cucm-axl-sim.crt").exists()
    assert p.post("getCCMVersion", ca=certs / "cucm-axl-sim.crt").status_code == 200
    p.stop()


def test_own_cert_and_key(started, tmp_path):
    mine = tmp_path / "mine"
    cert, key = tls.ensure_certificate(str(mine), "127.0.0.1")
    os.rename(cert, mine / "server.pem")
    os.rename(key, mine / "server.key")
    p = started("--port", "0", "--db", str(tmp_path / "cucm.sqlite"), "--cert", str(mine / "server.pem"),
                "--key", str(mine / "server.key"))
    served = ssl.get_server_certificate(("127.0.0.1", p.port))
    assert ssl.PEM_cert_to_DER_cert(served) == ssl.PEM_cert_to_DER_cert((mine / "server.pem").read_text())
    assert not (tmp_path / "cucm-axl-sim.crt").exists()   # nothing generated
    assert p.post("getCCMVersion", ca=mine / "server.pem").status_code == 200
    p.stop()


def test_generated_certificate_is_trusted_by_a_default_context(tmp_path):
    """ca_path semantics: the file alone is enough for a verifying client (CA:TRUE, SANs for
    localhost and 127.0.0.1)."""
    cert, _key = tls.ensure_certificate(str(tmp_path), "127.0.0.1")
    context = ssl.create_default_context(cafile=cert)
    assert context.cert_store_stats()["x509_ca"] == 1


def test_untrusted_client_fails_verification(started, tmp_path):
    p = started("--port", "0", "--db", str(tmp_path / "cucm.sqlite"))
    session = requests.Session()
    session.trust_env = False
    with pytest.raises(requests.exceptions.SSLError):
        session.get(p.base + "/axl/", timeout=5)           # system CAs do not know the simulator
    p.stop()


# ------------------------------------------------------------------------------------ flags
def test_defaults():
    args = cli.parse_args([])
    assert (args.host, args.port, args.axl_version) == ("127.0.0.1", 8443, "14.0")
    assert (args.username, args.password) == ("administrator", "ciscopsdt")
    assert args.no_tls is False and args.db is None and args.cert_dir is None
    assert (args.seed_users, args.ldap_users, args.latency_ms, args.throttle_writes) == (0, 0, 0, 0.0)
    assert (args.throttle_body, args.drop_after_commit, args.session_idle_s) == ("html", 0, 1800.0)
    assert args.max_response_bytes == 8 * 1024 * 1024
    assert args.request_log is None and args.validate_with is None


def test_help_lists_every_documented_flag():
    cmd, env = command()
    out = subprocess.run([*cmd, "--help"], capture_output=True, text=True, env=env, timeout=30, check=True).stdout
    for flag in ("--host", "--port", "--axl-version", "--no-tls", "--cert", "--key", "--cert-dir", "--username",
                 "--password", "--db", "--seed-users", "--ldap-users", "--resource-catalog", "--latency-ms",
                 "--throttle-writes", "--throttle-body", "--drop-after-commit", "--session-idle-s",
                 "--max-response-bytes", "--random-seed", "--write-barrier", "--request-log", "--validate-with"):
        assert flag in out, flag
    docs = (ROOT / "docs" / "simulator.md").read_text()
    for flag in re.findall(r"--[a-z][a-z-]+", out):
        if flag != "--help":
            assert f"`{flag}" in docs, f"{flag} is not documented in docs/simulator.md"


def test_fault_flags_are_applied(started, tmp_path):
    log = tmp_path / "axl.jsonl"
    p = started("--port", "0", "--no-tls", "--db", str(tmp_path / "cucm.sqlite"), "--seed-users", "7",
                "--ldap-users", "3", "--latency-ms", "20", "--throttle-writes", "1", "--throttle-body", "soap",
                "--drop-after-commit", "5", "--session-idle-s", "99", "--max-response-bytes", "400",
                "--random-seed", "11", "--write-barrier", "3", "--request-log", str(log), "--username", "ci", "--password", "ci-pass",
                "--compat", "service-uuid=present", "--compat=resave-url=ignore")
    assert p.admin("faults") == {"latency_ms": 20, "throttle_writes": 1.0, "throttle_body": "soap", "drop_after_commit": 5,
                                 "session_idle_s": 99.0, "max_response_bytes": 400, "random_seed": 11,
                                 "write_barrier": 3, "too_large": "fault", "change_queue_size": 100000,
                                 "change_page_size": 1000,
                                 "compat": dict(compat.defaults(), **{"service-uuid": "present", "resave-url": "ignore"})}
    auth = ("ci", "ci-pass")
    assert p.post("getCCMVersion").status_code == 401                    # the default user is not there
    throttled = p.post("executeSQLUpdate", "<sql>delete from enduser</sql>", auth=auth)
    assert throttled.status_code == 503 and "soapenv:Fault" in throttled.text
    too_large = p.post("executeSQLQuery", "<sql>select * from enduser</sql>", auth=auth)
    assert too_large.status_code == 500 and "Total rows matched: 7 rows" in too_large.text
    counted = p.post("executeSQLQuery", "<sql>select count(*) n, count(fkdirectorypluginconfig) l from enduser</sql>",
                     auth=auth)
    assert "<n>7</n><l>3</l>" in counted.text
    p.stop()
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["status"] for e in entries] == [503, 500, 200]             # the 401 never reached AXL


def test_validate_with_flag(started, tmp_path):
    if not SCHEMA_DIR.is_dir():
        pytest.skip(f"Cisco's AXL schema is not available at {SCHEMA_DIR}")
    p = started("--port", "0", "--no-tls", "--db", str(tmp_path / "cucm.sqlite"),
                "--validate-with", str(SCHEMA_DIR / "14.0"))
    bad = p.post("getCCMVersion", f"<processNodeName>{'x' * 300}</processNodeName>")
    assert bad.status_code == 500 and "<faultcode>soapenv:Client</faultcode>" in bad.text
    assert p.post("getCCMVersion").status_code == 200
    p.stop()


@pytest.mark.parametrize("flags,message", [
    (["--cert", "x.pem"], "--cert and --key go together"),
    (["--throttle-writes", "1.5"], "throttle-writes"),
    (["--throttle-body", "json"], "invalid choice"),
    (["--axl-version", "13.0"], "invalid choice"),
    (["--latency-ms", "-1"], "latency-ms"),
    (["--port", "http"], "invalid int value"),
])
def test_bad_flags_exit_2_with_a_message(flags, message):
    cmd, env = command()
    done = subprocess.run([*cmd, *flags], capture_output=True, text=True, env=env, timeout=30, check=False)
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr


def test_port_in_use_exits_1_without_traceback(started, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        p = started("--port", str(port), "--no-tls", "--db", str(tmp_path / "cucm.sqlite"), wait=False)
        assert p.proc.wait(20) == 1
        assert p.proc.stdout.read() == b""                                # no ready line
        err = p.stderr()
        assert "cucm-axl-sim:" in err and "Traceback" not in err


def test_db_in_a_new_folder_is_created(started, tmp_path):
    p = started("--port", "0", "--no-tls", "--db", str(tmp_path / "new" / "deeper" / "cucm.sqlite"))
    assert (tmp_path / "new" / "deeper" / "cucm.sqlite").exists()
    assert (tmp_path / "new" / "deeper" / "cucm-axl-sim.crt").exists() is False      # --no-tls: no certificate
    p.stop()


def test_unusable_db_exits_1_without_traceback(started, tmp_path):
    bad = tmp_path / "not-a-db.sqlite"
    bad.write_bytes(b"this is not SQLite" * 100)
    p = started("--port", "0", "--no-tls", "--db", str(bad), wait=False)
    assert p.proc.wait(20) == 1
    assert p.proc.stdout.read() == b""
    assert "cucm-axl-sim:" in p.stderr() and "Traceback" not in p.stderr()


def test_missing_validate_with_folder_fails_at_start(started, tmp_path):
    p = started("--port", "0", "--no-tls", "--db", str(tmp_path / "cucm.sqlite"),
                "--validate-with", str(tmp_path / "nowhere"), wait=False)
    assert p.proc.wait(20) != 0
    assert p.proc.stdout.read() == b""
    assert "AXLSoap.xsd" in p.stderr() and "Traceback" not in p.stderr()


# ------------------------------------------------------------------------------------ packaging
def test_package_lists_every_subpackage():
    """``pip install <collection>/simulator`` (not editable) installs only the packages listed in
    pyproject.toml: every folder with an __init__.py must be there, or the command breaks."""
    project = tomllib.loads((ROOT / "simulator" / "pyproject.toml").read_text())
    listed = set(project["tool"]["setuptools"]["packages"])
    base = ROOT / "simulator"
    found = {".".join(p.parent.relative_to(base).parts) for p in base.glob("cucm_axl_sim/**/__init__.py")}
    assert found <= listed, f"missing from pyproject.toml: {sorted(found - listed)}"
    assert project["project"]["scripts"]["cucm-axl-sim"] == "cucm_axl_sim.cli:main"
    readme = project["project"].get("readme")
    assert readme is None or (base / readme).exists()
