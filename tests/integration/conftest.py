"""Integration tests: real ansible-playbook runs of the collection against the real simulator.

- The simulator is started as users start it: the ``cucm-axl-sim`` console command, a
  subprocess, TLS on, its self-signed certificate trusted through ``ca_path``.
- When Cisco's schema is beside the project (``../shared/axl-schema``), the simulator runs in
  strict mode (``--validate-with``): a request of the collection that is not valid against the
  real XSD of the served version is refused with a SOAP Client fault, so the task fails.  At
  the end of the session every logged request and response is validated once more.
- Every test starts from the seeded state (``POST /__sim__/reset``) and checks what happened
  through an independent read of the simulator's database, not the module's own claim.
- ``sim`` runs each test against CUCM 12.5, 14.0 and 15.0 (override with CUCM_TEST_VERSIONS).
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import requests
import yaml
from cucm_axl_sim import compat as sim_compat

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.axl_log import SCHEMA_DIR, validate_log  # noqa: E402

BIN = Path(sys.executable).parent      # the project venv: the simulator, ansible-galaxy, ansible-runner, ...
# The ansible-core under test: the project venv's, or another venv's (make integration-cores sets
# VOICEOPS_ANSIBLE_VENV to a venv holding another ansible-core, lxml and PyYAML).
ANSIBLE_BIN = Path(os.environ["VOICEOPS_ANSIBLE_VENV"]) / "bin" if os.environ.get("VOICEOPS_ANSIBLE_VENV") else BIN
ANSIBLE_PYTHON = str(ANSIBLE_BIN / "python")
VERSIONS = [v for v in os.environ.get("CUCM_TEST_VERSIONS", "12.5,14.0,15.0").split(",") if v]
_LOGS = []


class Simulator:
    """A ``cucm-axl-sim`` process and handles on it (admin API, database, request log)."""

    def __init__(self, workdir, version, *flags, compat=None):
        self.workdir = workdir
        self.version = version
        self.compat = dict(compat or {})    # --compat settings this simulator returns to on reset
        self.db = workdir / "cucm.sqlite"
        self.log = workdir / "requests.jsonl"
        cmd = [str(BIN / "cucm-axl-sim"), "--port", "0", "--axl-version", version, "--db", str(self.db),
               "--request-log", str(self.log), "--seed-users", "20", "--ldap-users", "2", *flags,
               *[f"--compat={k}={v}" for k, v in self.compat.items()]]
        self.strict = (SCHEMA_DIR / version).is_dir()
        if self.strict:
            cmd += ["--validate-with", str(SCHEMA_DIR / version)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(workdir / "sim.err", "w"), text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("AXL simulator ready: "):
            self.proc.kill()
            raise RuntimeError(f"simulator did not start: {line!r} {(workdir / 'sim.err').read_text()}")
        self.url = line.split()[3]
        self.port = int(self.url.rsplit(":", 1)[1].split("/")[0])
        self.base = self.url[: -len("/axl/")]
        self.cert = str(workdir / "cucm-axl-sim.crt")
        self.http = requests.Session()
        self.http.trust_env = False     # REQUESTS_CA_BUNDLE would override verify
        self.http.verify = self.cert
        _LOGS.append(self.log)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=20)

    def admin(self, method, path, **kw):
        resp = self.http.request(method, f"{self.base}/__sim__/{path}", **kw)
        resp.raise_for_status()
        return resp.json()

    def reset(self):
        self.admin("POST", "faults", json={
            "latency_ms": 0, "throttle_writes": 0.0, "drop_after_commit": 0, "session_idle_s": 1800.0,
            "max_response_bytes": 8 * 1024 * 1024, "write_barrier": 0, "too_large": "fault",
            "change_queue_size": 100000, "change_page_size": 1000,
            "compat": dict(sim_compat.defaults(), **self.compat)})
        self.admin("POST", "reset")

    def stats(self):
        return self.admin("GET", "stats")

    def faults(self, **changes):
        return self.admin("POST", "faults", json=changes)

    def sql(self, query, params=()):
        """Independent read of the simulator's database (read-only, not through AXL)."""
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            return conn.execute(query, params).fetchall()
        finally:
            conn.close()

    def mark(self):
        """Position in the request log, for :meth:`requests_since`."""
        return len(self.log.read_text(encoding="utf-8").splitlines()) if self.log.exists() else 0

    def requests_since(self, mark):
        lines = self.log.read_text(encoding="utf-8").splitlines()[mark:]
        return [json.loads(line) for line in lines]


class Run:
    def __init__(self, proc, results):
        self.rc = proc.returncode
        self.output = proc.stdout + proc.stderr
        self.results = results

    def result(self, index=-1):
        """The result dict of the n-th task run (debug tasks included)."""
        return self.results[index]["result"]

    @property
    def failed(self):
        return [r for r in self.results if r["status"] == "failed"]

    def __repr__(self):
        failures = "\n".join(json.dumps(r["result"].get("msg") or r["result"])[:2000] for r in self.failed)
        return f"<Run rc={self.rc} failures:\n{failures}\noutput tail:\n{self.output[-1500:]}>"


class Ansible:
    """Runs playbooks of tasks against a simulator with the collection from this checkout."""

    def __init__(self, sim, workdir, collections):
        self.sim = sim
        self.workdir = workdir
        self.collections = collections
        self.count = 0

    def connection(self, **overrides):
        conn = {"cucm_host": "127.0.0.1", "cucm_port": self.sim.port, "cucm_username": "administrator",
                "cucm_password": "ciscopsdt", "ca_path": self.sim.cert, "axl_version": self.sim.version}
        conn.update(overrides)
        return {k: v for k, v in conn.items() if v is not None}

    def env(self, result_log, extra=None):
        env = dict(os.environ)
        env.update({
            "ANSIBLE_COLLECTIONS_PATH": str(self.collections),
            "ANSIBLE_CALLBACK_PLUGINS": str(ROOT / "tests/integration/callback"),
            "ANSIBLE_CALLBACKS_ENABLED": "result_log",
            "RESULT_LOG": str(result_log),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_PYTHON_INTERPRETER": ANSIBLE_PYTHON,
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "PATH": f"{ANSIBLE_BIN}:{BIN}:{env.get('PATH', '')}",
        })
        env.update(extra or {})
        return env

    def run(self, tasks, check=False, diff=False, verbosity=0, connection=None, env=None, extra_vars=None,
            play_vars=None, args=()):
        """Run ``tasks`` (a list of task dicts, or YAML text) in one play on localhost; ``args`` are more
        ansible-playbook arguments (``-e @file`` for AWX-style extra vars)."""
        self.count += 1
        if isinstance(tasks, str):
            tasks = yaml.safe_load(textwrap.dedent(tasks))
        play = {"name": "test", "hosts": "localhost", "gather_facts": False, "tasks": tasks}
        defaults = self.connection() if connection is None else connection
        if defaults:
            play["module_defaults"] = {"group/voiceops.cucm.cucm": defaults}
        if play_vars:
            play["vars"] = play_vars
        playbook = self.workdir / f"play{self.count}.yml"
        playbook.write_text(yaml.safe_dump([play], sort_keys=False))
        result_log = self.workdir / f"results{self.count}.jsonl"
        cmd = [str(ANSIBLE_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(playbook)]
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        if verbosity:
            cmd.append("-" + "v" * verbosity)
        for key, value in (extra_vars or {}).items():
            cmd += ["-e", json.dumps({key: value})]
        cmd += list(args)
        proc = subprocess.run(cmd, capture_output=True, text=True, env=self.env(result_log, env), timeout=600, check=False)
        results = [json.loads(line) for line in result_log.read_text().splitlines()] if result_log.exists() else []
        return Run(proc, results)


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory):
    """An ansible_collections tree whose voiceops/cucm is this checkout."""
    base = tmp_path_factory.mktemp("collections")
    link = base / "ansible_collections" / "voiceops" / "cucm"
    link.parent.mkdir(parents=True)
    link.symlink_to(ROOT)
    return base


_SIMS = {}


def _sim(version, tmp_path_factory):
    if version not in _SIMS:
        _SIMS[version] = Simulator(tmp_path_factory.mktemp(f"sim{version}"), version)
    return _SIMS[version]


@pytest.fixture(scope="session", params=VERSIONS)
def sim_session(request, tmp_path_factory):
    return _sim(request.param, tmp_path_factory)


@pytest.fixture
def sim(sim_session):
    """The simulator of each served version in turn, reset to its seed."""
    sim_session.reset()
    return sim_session


@pytest.fixture
def sim14(tmp_path_factory):
    """One simulator (CUCM 14.0) for tests whose subject does not depend on the version."""
    s = _sim("14.0", tmp_path_factory)
    s.reset()
    return s


@pytest.fixture
def ansible(sim, tmp_path, collections_path):
    return Ansible(sim, tmp_path, collections_path)


@pytest.fixture
def ansible14(sim14, tmp_path, collections_path):
    return Ansible(sim14, tmp_path, collections_path)


def pytest_configure(config):
    config.addinivalue_line("markers", "cores: also run on the oldest and newest ansible-core the collection "
                                       "supports (make integration-cores)")


# ---- the reliability campaign (test_reliability*.py, test_safety*.py; see reliability_support)
@pytest.fixture
def rec(request):
    """The rows of one campaign test; the last campaign test to finish renders docs/reliability.md."""
    from reliability_support import Recorder, defined_tests, run_id, write_report
    recorder = Recorder(request.node.nodeid, run_id(request.config))
    yield recorder
    recorder.save()
    write_report(request.session, recorder.run, defined_tests())


@pytest.fixture
def runner(sim14, tmp_path, collections_path):
    """An ``Ansible`` whose runs record what each task wrote (the sim_probe callback)."""
    from reliability_support import Runner
    yield Runner(sim14, tmp_path, collections_path)
    sim14.faults(throttle_body="html", random_seed=0)    # the harness's reset does not restore these two


def pytest_sessionfinish(session, exitstatus):
    for s in _SIMS.values():
        s.stop()
    if not _LOGS:
        return
    if not SCHEMA_DIR.is_dir():
        print(f"\nSKIPPED: strict mode and validation against Cisco's XSD ({SCHEMA_DIR} is absent)")
        return
    results = [validate_log(log) for log in _LOGS]
    checked = sum(c for c, _p in results)
    problems = [p for _c, found in results for p in found]
    print(f"\nvalidated {checked} logged AXL messages of the integration run against Cisco's XSD: "
          f"{len(problems)} problem(s)")
    for problem in problems[:50]:
        print("  " + problem)
    if problems:
        session.exitstatus = 1
