"""Support for the reliability and security campaign (test_reliability.py).

- :class:`Recorder`: the rows of one test (case, category, module, expected, observed, pass), saved
  to ``build/reliability/<run>/`` when the test ends, pass or fail.
- :func:`write_report`: once every selected test of the campaign has saved its rows, the last one
  renders ``docs/reliability.md`` from them (``build/reliability/reliability.md`` when only part of
  the campaign ran, so a partial run never overwrites the published report).
- :class:`Runner`: the harness's ``Ansible`` with the ``sim_probe`` callback (what every task of a
  run wrote, read from the simulator's counters and database) and environment variables it can
  unset.
- Independent reads and a raw AXL client for the "second client" of race tests.
"""

import ast
import fcntl
import json
import re
import shlex
import shutil
import sys
import time
import uuid
from pathlib import Path

from conftest import Ansible
from reliability_report import CATEGORIES, LATEST, REPORT, RESULTS, load, render

# The campaign: every test module whose name starts with one of these (their rows make one report).
# Test names must be unique across them and not parametrized (a row's test is its function name).
CAMPAIGN_PREFIXES = ("test_reliability", "test_safety")
MASK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
GUID = re.compile(r"\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?")


# ---------------------------------------------------------------------------------- rows
class Recorder:
    """The rows of one test, saved when it ends (see the ``rec`` fixture)."""

    def __init__(self, nodeid, run):
        self.nodeid = nodeid
        self.run = run
        self.rows = []
        self.started = time.time()
        self.completed = False

    def add(self, case, category, module, expected, observed, passed):
        assert category in dict((c[0], c) for c in CATEGORIES), category
        self.rows.append(dict(case=case, category=category, module=module, expected=expected,
                              observed=observed, passed=bool(passed), test=self.nodeid.split("::")[-1]))
        return bool(passed)

    def verify(self):
        """End of the test: every row must pass."""
        self.completed = True
        failing = [r for r in self.rows if not r["passed"]]
        assert not failing, "\n".join("%s %s: expected %s; observed %s" % (
            r["case"], r["module"], r["expected"], r["observed"]) for r in failing)

    def save(self, error=None):
        if not self.completed:
            test = self.nodeid.split("::")[-1]
            category = next((key for key, _t, _h in CATEGORIES if test.startswith("test_" + key.replace("-", "_"))),
                            "faults")
            self.rows.append(dict(case=test, category=category, module="-", expected="the test runs to its end",
                                  observed="stopped early: %s" % (error or "see the pytest output"), passed=False,
                                  test=self.nodeid.split("::")[-1]))
        folder = RESULTS / self.run
        folder.mkdir(parents=True, exist_ok=True)
        data = dict(nodeid=self.nodeid, started=self.started, finished=time.time(), rows=self.rows)
        (folder / (re.sub(r"[^\w.-]+", "_", self.nodeid) + ".json")).write_text(json.dumps(data, indent=1))


def run_id(config):
    """One id per pytest run, the same in every xdist worker."""
    worker = getattr(config, "workerinput", None)
    if worker:
        return worker["testrunuid"]
    if not hasattr(config, "reliability_run"):
        config.reliability_run = uuid.uuid4().hex
    return config.reliability_run


def in_campaign(module_name):
    return module_name.startswith(CAMPAIGN_PREFIXES)


def defined_tests():
    """The test functions of every campaign module (read from the files, so a partial selection is known)."""
    names = []
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        if in_campaign(path.stem):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names += [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
    return sorted(names)


def write_report(session, run, defined):
    """Render the report once every selected test of the campaign has saved its rows: docs/reliability.md
    when the whole campaign ran, else build/reliability/reliability.md (a partial run never publishes)."""
    selected = sorted(item.nodeid for item in session.items if in_campaign(item.module.__name__))
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(RESULTS / "lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        saved = load(run)
        if sorted(s["nodeid"] for s in saved) != selected:
            return None
        complete = sorted(n.split("::")[-1] for n in selected) == sorted(defined)
        text, _failed, _pending = render(saved, complete)
        (RESULTS / "reliability.md").write_text(text, encoding="utf-8")
        if complete:
            REPORT.write_text(text, encoding="utf-8")
            LATEST.write_text(json.dumps({"run": run}))
        for old in RESULTS.iterdir():    # the rows of earlier runs
            if old.is_dir() and old.name != run and time.time() - old.stat().st_mtime > 3600:
                shutil.rmtree(old, ignore_errors=True)
        return REPORT if complete else RESULTS / "reliability.md"


# ---------------------------------------------------------------------------------- running plays
class Runner(Ansible):
    """``Ansible`` with the sim_probe callback, environment variables to drop, and the probe's log."""

    def __init__(self, sim, workdir, collections, unset=()):
        super().__init__(sim, workdir, collections)
        self.unset = tuple(unset)
        self.probes = []

    def env(self, result_log, extra=None):
        env = super().env(result_log, extra)
        probe = Path(str(result_log).replace("results", "probe"))
        env.update({"ANSIBLE_CALLBACKS_ENABLED": "result_log,sim_probe", "ANSIBLE_PIPELINING": "1", "SIM_PROBE_LOG": str(probe),
                    "SIM_PROBE_DB": str(self.sim.db), "SIM_PROBE_BASE": self.sim.base, "SIM_PROBE_CERT": self.sim.cert})
        if extra and "ANSIBLE_CALLBACKS_ENABLED" in extra:
            env["ANSIBLE_CALLBACKS_ENABLED"] = extra["ANSIBLE_CALLBACKS_ENABLED"]
        for name in self.unset:
            env.pop(name, None)
        return env

    def run(self, tasks, **kwargs):
        start = self.sim.stats()
        result = super().run(tasks, **kwargs)
        probe = self.workdir / ("probe%d.jsonl" % self.count)
        entries = [json.loads(line) for line in probe.read_text().splitlines()] if probe.exists() else []
        result.steps = steps(start, entries)
        return result


def steps(start, entries):
    """``{task name: {status, writes, requests, throttled, auth_basic, ..., diff}}``: what each task did,
    from the probe entries (counters as deltas from the task before)."""
    out, before = {}, start
    for entry in entries:
        stats = entry["stats"]
        delta = dict((k, stats[k] - before.get(k, 0)) for k in stats if isinstance(stats[k], int))
        ops = dict((k, v - before.get("by_operation", {}).get(k, 0)) for k, v in stats["by_operation"].items()
                   if v != before.get("by_operation", {}).get(k, 0))
        out[entry["task"]] = dict(delta, status=entry["status"], diff=entry["diff"], operations=ops)
        before = stats
    return out


READ_BACK = ("import json, sqlite3, sys; conn = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True); "
             "print(json.dumps(conn.execute(sys.argv[2], json.loads(sys.argv[3])).fetchall()))")


def read_back_task(sim, name, query, params=()):
    """A task that reads the simulator's database between two tasks of a play (a pipe lookup on the
    controller: no module, no AXL); its ``msg`` is the rows (see :func:`read_back`)."""
    argv = [sys.executable, "-c", READ_BACK, str(sim.db), query, json.dumps(list(params))]
    return {"name": name, "ansible.builtin.debug": {"msg": "{{ lookup('ansible.builtin.pipe', read_back_command) }}"},
            "vars": {"read_back_command": shlex.join(argv)}}


def read_back(run, name):
    found = results_by_task(run).get(name, {}).get("result", {}).get("msg")
    found = json.loads(found) if isinstance(found, str) else found
    return [tuple(r) for r in found] if found is not None else None


def results_by_task(run):
    return dict((r["task"], r) for r in run.results)


def case_tasks(cases, key="id"):
    """Tasks of a play: one per case, named ``case <id>``, failures tolerated."""
    return [dict(case["task"], name="case %s" % case[key], ignore_errors=True) for case in cases]


def changed_tables(step):
    return sorted(step["diff"])


# The modelled tables, without the simulator's own bookkeeping (sim_meta, the change queue sim_change*, sqlite_sequence).
MODELLED_TABLES = ("select name from sqlite_master where type = 'table' and name not like 'sim\\_%' escape '\\' "
                   "and name != 'sqlite_sequence' order by name")


def normalized(sim, skip=()):
    """The whole database with generated values masked (pkids, credential digests salted with them,
    timestamps): ``{table: sorted rows}``, for comparing two runs from the same seeded state."""
    out = {}
    for (table,) in sim.sql(MODELLED_TABLES):
        if table in skip:
            continue
        columns = [c[1] for c in sim.sql("pragma table_info([%s])" % table)]
        masked = [c == "credentials" or c.startswith("time") for c in columns]
        rows = []
        for row in sim.sql("select * from [%s]" % table):
            rows.append(tuple("<generated>" if mask and v is not None else GUID.sub("<guid>", v) if isinstance(v, str)
                              else v for mask, v in zip(masked, row)))
        out[table] = sorted(rows, key=repr)
    return out


def whole(sim):
    """The whole database: ``{table: set of rows}``."""
    return dict((t, set(sim.sql("select * from [%s]" % t)))
                for (t,) in sim.sql(MODELLED_TABLES))


def db_diff(before, after):
    return dict((t, (sorted(before.get(t, set()) - after.get(t, set()), key=repr),
                     sorted(after.get(t, set()) - before.get(t, set()), key=repr)))
                for t in sorted(set(before) | set(after)) if before.get(t) != after.get(t))


def snippet(text, size=160):
    text = " ".join(str(text).split())
    return text if len(text) <= size else text[:size - 3] + "..."


# ---------------------------------------------------------------------------------- a second AXL client
def raw_axl(sim, operation, inner, timeout=30):
    """One AXL request outside the collection (requests with trust_env=False): ``(status, text)``."""
    body = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/'
            'envelope/" xmlns:ns="http://www.cisco.com/AXL/API/%s"><soapenv:Body><ns:%s>%s</ns:%s></soapenv:Body>'
            '</soapenv:Envelope>' % (sim.version, operation, inner, operation))
    resp = sim.http.post(sim.url, data=body.encode(), auth=("administrator", "ciscopsdt"), timeout=timeout,
                         headers={"Content-Type": "text/xml; charset=utf-8",
                                  "SOAPAction": '"CUCM:DB ver=%s %s"' % (sim.version, operation)})
    return resp.status_code, resp.text
