"""Benchmark of the collection against the alternatives, side by side in one run (``make bench``).

Everything runs against one ``cucm-axl-sim`` (TLS on, 30 ms added to every answer, 80,000 seeded
users), with the real ansible-playbook:

- ``cucm_end_users`` converging 10,000 users: 0 % and 1 % changed, normal and ``--check --diff``;
- per-user loops (n=1 and n=N, per-user cost = (T(N) - T(1)) / (N - 1), extrapolated to 10,000
  users and said so): ``cucm_end_user``, a no-op module (the cost of an Ansible task), the
  ``ansible.builtin.uri`` raw-SOAP ``getUser`` loop of Cisco's DevNet examples, and a per-user
  module built on the ciscoaxl library (PyPI) in a bench-only virtualenv;
- the AXL client's start time and a single ``cucm_end_user`` module's peak memory;
- ``cucm_phone_service_subscriptions`` (issue 14) on a second simulator whose 5,000 devices (the phones and
  Extension Mobility profiles of 2,500 users) are subscribed to the IP Phone Agent service: 1,000 agent
  devices unchanged (normal and ``--check --diff``) and with 1 % changed, side by side with today's
  per-device loop of ``cucm_phone_service_subscription`` (n=1 and n=N, extrapolated to 1,000 devices).

- the change feed (issue 17): finding 10 users changed (by another client) among all of them, with
  ``cucm_end_users state=gathered`` from a checkpoint, side by side with a full gathered run
  (``--only change-feed`` runs just these rows and prints them, leaving docs/performance.md alone).

Columns: wall time, AXL requests, writes, Basic authentications, peak RSS of the largest process,
and ratios.  Prints the tables, writes docs/performance.md.  Counts are exact; times are this
machine's.  ``--only users`` or ``--only subscriptions`` measures one section and keeps the other
section of docs/performance.md as it is; ``--only change-feed`` prints its rows only.  Usage:
``.venv/bin/python tests/bench/bench_collection.py [--users 80000] [--n 50] [--only subscriptions]``
"""

import argparse
import json
import os
import re
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WORK = ROOT / "build" / "bench"
sys.path.insert(0, str(ROOT / "simulator"))

from cucm_axl_sim.seed import seed_user  # noqa: E402

CISCOAXL = "ciscoaxl==0.164"
REPEATS = 3         # bulk rows: median of this many runs
SOAP_GET_USER = (
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:ns="http://www.cisco.com/AXL/API/14.0"><soapenv:Body><ns:getUser><userid>{{ item }}</userid>'
    "</ns:getUser></soapenv:Body></soapenv:Envelope>")


class Simulator:
    def __init__(self, users, latency_ms, name="sim"):
        self.dir = WORK / name
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [str(BIN / "cucm-axl-sim"), "--port", "0", "--seed-users", str(users), "--latency-ms", str(latency_ms),
             "--db", str(self.dir / "cucm.sqlite")], stdout=subprocess.PIPE, stderr=open(self.dir / "stderr", "w"),
            text=True)
        line = self.proc.stdout.readline()
        self.start_s = time.monotonic() - started
        if "ready" not in line:
            raise SystemExit("bench: simulator did not start: " + (self.dir / "stderr").read_text())
        self.port = int(re.search(r":(\d+)/axl/", line).group(1))
        self.cert = str(self.dir / "cucm-axl-sim.crt")
        self.context = ssl.create_default_context(cafile=self.cert)

    def admin(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"https://127.0.0.1:{self.port}/__sim__/{path}", method=method, data=data,
                                     headers={"Content-Type": "application/json"} if data else {})
        with urllib.request.urlopen(req, context=self.context, timeout=120) as resp:
            return json.load(resp)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def playbook(name, tasks, connection=True, sim=None, interpreter=None):
    play = {"name": name, "hosts": "localhost", "gather_facts": False, "tasks": tasks}
    if connection:
        play["module_defaults"] = {"group/voiceops.cucm.cucm": {
            "cucm_host": "127.0.0.1", "cucm_port": sim.port, "cucm_username": "administrator",
            "cucm_password": "ciscopsdt", "ca_path": sim.cert, "axl_version": "14.0"}}
    if interpreter:
        play["vars"] = {"ansible_python_interpreter": interpreter}
    path = WORK / f"{name}.yml"
    path.write_text(yaml.safe_dump([play], sort_keys=False))
    return path


def run(sim, path, *args, unset=()):
    """Run a playbook; return wall seconds, simulator counter deltas, largest process RSS (MB)."""
    env = dict((k, v) for k, v in os.environ.items() if k not in unset)
    env.update(ANSIBLE_COLLECTIONS_PATH=str(ROOT / "build" / "collections"),
               ANSIBLE_LIBRARY=str(ROOT / "tests" / "bench" / "library"), ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               PATH=f"{BIN}:{os.environ['PATH']}")
    before = sim.admin("GET", "stats")
    started = time.monotonic()
    proc = subprocess.Popen([str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(path), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    output = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    if status:
        raise SystemExit(f"bench: {path.name} failed:\n{output[-3000:]}")
    after = sim.admin("GET", "stats")
    delta = dict((k, after[k] - before[k]) for k in ("requests", "writes", "auth_basic"))
    return dict(wall=wall, rss_mb=usage.ru_maxrss // 1024, output=output, **delta)


def desired(count, changed_every=0):
    users = []
    for i in range(1, count + 1):
        u = seed_user(i)
        title = u["title"] + (" (changed)" if changed_every and i % changed_every == 0 else "")
        users.append({"userid": u["userid"], "first_name": u["firstname"], "last_name": u["lastname"],
                      "mail": u["mailid"], "department": u["department"], "telephone_number": u["telephonenumber"],
                      "title": title, "groups": {"set": ["Standard CCM End Users"]}})
    return users


def ciscoaxl_python():
    venv = WORK.parent / "bench-venv-ciscoaxl"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", CISCOAXL], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return str(python)


def client_start_seconds(sim):
    """Import of the AXL client and its construction, in a fresh Python (median of 7)."""
    code = ("import time; t = time.perf_counter(); "
            "from ansible_collections.voiceops.cucm.plugins.module_utils.axl import AxlClient; "
            f"c = AxlClient('127.0.0.1', 'administrator', 'ciscopsdt', port={sim.port}, ca_path='{sim.cert}', "
            "axl_version='14.0'); print(time.perf_counter() - t)")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "build" / "collections"))
    times = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout)
             for _attempt in range(7)]
    return statistics.median(times)


def module_rss_mb(sim, userid):
    """Peak RSS of one cucm_end_user module process (run directly, as AnsiballZ would run it)."""
    args = WORK / "module_args.json"
    args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {
        "cucm_host": "127.0.0.1", "cucm_port": sim.port, "cucm_username": "administrator",
        "cucm_password": "ciscopsdt", "ca_path": sim.cert, "axl_version": "14.0", "userid": userid,
        "last_name": seed_user(int(userid[4:]))["lastname"]}}))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "build" / "collections"))
    proc = subprocess.Popen([sys.executable, str(ROOT / "plugins/modules/cucm_end_user.py"), str(args)],
                            stdout=subprocess.PIPE, env=env)
    proc.stdout.read()
    return os.wait4(proc.pid, 0)[2].ru_maxrss / 1024


SUBSCRIPTIONS_HEADING = "## Phone-service subscriptions"


SOAP_UPDATE_TITLE = (
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:ns="http://www.cisco.com/AXL/API/14.0"><soapenv:Body><ns:updateUser><userid>{userid}</userid>'
    "<title>{title}</title></ns:updateUser></soapenv:Body></soapenv:Envelope>")
FEED_CHANGED = 10


def feed_bound(changed):
    """The most AXL requests an incremental gathered run may make for ``changed`` changed users: one
    listChange (per 1,000 changes), one SQL read of their user IDs (per 200), one getUser each, one SQL
    read of their LDAP directories (per 500)."""
    return -(-changed // 1000) + -(-changed // 200) + changed + -(-changed // 500)


def change_feed_rows(sim, users, rows):
    """Full gathered vs gathered from a checkpoint, after another client changed FEED_CHANGED users."""
    checkpoint = WORK / "feed.checkpoint"
    checkpoint.unlink(missing_ok=True)
    gathered = {"state": "gathered", "scope": {"userid": "%"}}
    run(sim, playbook("feed_start", [{"name": "checkpoint", "voiceops.cucm.cucm_end_users": dict(
        gathered, scope={"userid": "user00001"}, checkpoint_file=str(checkpoint))}], sim=sim))
    step = max(1, users // FEED_CHANGED)
    for n in range(FEED_CHANGED):
        userid = seed_user(1 + n * step)["userid"]
        body = SOAP_UPDATE_TITLE.format(userid=userid, title=f"Changed {n}").encode()
        req = urllib.request.Request(f"https://127.0.0.1:{sim.port}/axl/", data=body, method="POST", headers={
            "Content-Type": "text/xml", "SOAPAction": '"CUCM:DB ver=14.0 updateUser"',
            "Authorization": "Basic YWRtaW5pc3RyYXRvcjpjaXNjb3BzZHQ="})
        with urllib.request.urlopen(req, context=sim.context, timeout=120) as resp:
            resp.read()
    full = run(sim, playbook("feed_full", [{"name": "every user", "voiceops.cucm.cucm_end_users": dict(
        gathered, dest=str(WORK / "feed_all.json"))}], sim=sim))
    incremental = run(sim, playbook("feed_incremental", [
        {"name": "since the checkpoint", "voiceops.cucm.cucm_end_users": dict(gathered, checkpoint_file=str(checkpoint)),
         "register": "r"},
        {"name": "found", "ansible.builtin.debug": {"msg": "{{ r.users | length }} changed {{ r.incremental }}"}}],
        sim=sim))
    found = re.search(r'"msg": "(\d+) changed (\w+)"', incremental["output"])
    for label, r in ((f"cucm_end_users gathered, all {users} users (to find {FEED_CHANGED} changed)", full),
                     (f"cucm_end_users gathered from a checkpoint ({FEED_CHANGED} of {users} changed)", incremental)):
        rows.append(dict(label=label, per_user=None, extrapolated=False, **r))
        print(f"  {label}: {r['wall']:.1f} s, {r['requests']} AXL requests", flush=True)
    bound = feed_bound(FEED_CHANGED)
    print(f"  incremental: {found.group(1) if found else '?'} users returned (incremental: "
          f"{found.group(2) if found else '?'}); bound for {FEED_CHANGED} changed users: {bound} requests; "
          f"{'within' if incremental['requests'] <= bound else 'OVER'} the bound", flush=True)
    if incremental["requests"] > bound or not found or found.group(1) != str(FEED_CHANGED):
        raise SystemExit("bench: the incremental gathered run did not find exactly the changed users within the bound")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--users", type=int, default=80000, help="users seeded in the simulator")
    parser.add_argument("--bulk", type=int, default=10000, help="users cucm_end_users converges")
    parser.add_argument("--n", type=int, default=50, help="loop length of the per-user and per-device approaches")
    parser.add_argument("--devices", type=int, default=5000, help="devices subscribed (phones and profiles of half as many users)")
    parser.add_argument("--agents", type=int, default=1000, help="agent devices cucm_phone_service_subscriptions converges")
    parser.add_argument("--latency-ms", type=int, default=30)
    parser.add_argument("--only", choices=("all", "users", "subscriptions", "change-feed"), default="all",
                        help="measure one section; the other section of --out is kept as it is (change-feed: "
                             "print its rows, write nothing)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance.md"))
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    (ROOT / "build" / "collections" / "ansible_collections" / "voiceops").mkdir(parents=True, exist_ok=True)
    link = ROOT / "build" / "collections" / "ansible_collections" / "voiceops" / "cucm"
    if not link.exists():
        link.symlink_to(ROOT)
    if args.only == "change-feed":
        print(f"setting up: simulator with {args.users} users, {args.latency_ms} ms latency, TLS", flush=True)
        sim = Simulator(args.users, args.latency_ms)
        try:
            print("change feed:", flush=True)
            change_feed_rows(sim, args.users, [])
        finally:
            sim.stop()
        return
    out = Path(args.out)
    before = out.read_text(encoding="utf-8") if out.exists() else ""
    users, subscriptions = before, ""
    if SUBSCRIPTIONS_HEADING in before:
        at = before.index(SUBSCRIPTIONS_HEADING)
        users, subscriptions = before[:at].rstrip("\n") + "\n", before[at:]
    if args.only in ("all", "users"):
        users = bench_users(args)
    if args.only in ("all", "subscriptions"):
        subscriptions = bench_subscriptions(args)
    if not users.strip():
        raise SystemExit(f"bench: {out} has no users section to keep; run without --only")
    text = users + ("\n" + subscriptions if subscriptions else "")
    out.write_text(text, encoding="utf-8")
    print("\n" + text)


def bench_users(args):
    """The cucm_end_users section: its rows and targets, as Markdown."""
    print(f"setting up: ciscoaxl venv, simulator with {args.users} users, {args.latency_ms} ms latency, TLS", flush=True)
    ciscoaxl = ciscoaxl_python()
    sim = Simulator(args.users, args.latency_ms)
    rows, notes = [], []
    try:
        unchanged = WORK / "users_unchanged.json"
        unchanged.write_text(json.dumps({"users": desired(args.bulk)}))
        one_percent = WORK / "users_1pct.json"
        one_percent.write_text(json.dumps({"users": desired(args.bulk, changed_every=100)}))

        def bulk(users_file):
            return playbook("bulk_" + users_file.stem, [
                {"name": "converge", "voiceops.cucm.cucm_end_users": {"users_file": str(users_file)}, "register": "r"},
                {"name": "cost", "ansible.builtin.debug": {"msg": "{{ r.performance | to_json }}"}}], sim=sim)

        def bulk_row(label, path, *flags, writes=False):
            # the median of REPEATS runs (a shared 2-core machine is noisy); a run that writes starts
            # from the seeded state each time
            runs = []
            for _attempt in range(REPEATS):
                if writes:
                    sim.admin("POST", "reset")
                runs.append(run(sim, path, *flags))
            r = sorted(runs, key=lambda x: x["wall"])[REPEATS // 2]
            r["walls"] = [x["wall"] for x in runs]
            rows.append(dict(label=label, per_user=None, extrapolated=False, **r))
            print(f"  {label}: {r['wall']:.1f} s (runs: {', '.join('%.1f' % w for w in r['walls'])}), "
                  f"{r['requests']} requests, {r['writes']} writes, module {module_seconds(r)} s", flush=True)
            return r

        print("cucm_end_users (one task):", flush=True)
        bulk_row(f"cucm_end_users, {args.bulk} users, 0% changed", bulk(unchanged))
        bulk_row(f"cucm_end_users, {args.bulk} users, 0% changed, --check --diff", bulk(unchanged), "--check", "--diff")
        bulk_row(f"cucm_end_users, {args.bulk} users, 1% changed, --check --diff", bulk(one_percent), "--check", "--diff")
        bulk_row(f"cucm_end_users, {args.bulk} users, 1% changed", bulk(one_percent), writes=True)
        sim.admin("POST", "reset")

        users = [seed_user(i) for i in range(1, args.n + 1)]
        loops = {
            "cucm_end_user (one task per user)": lambda n: playbook(f"loop_end_user_{n}", [{
                "name": "per user", "voiceops.cucm.cucm_end_user": {
                    "userid": "{{ item.userid }}", "last_name": "{{ item.lastname }}", "title": "{{ item.title }}"},
                "loop": users[:n]}], sim=sim),
            "no-op module (the cost of a task)": lambda n: playbook(f"loop_noop_{n}", [{
                "name": "per user", "bench_noop": {"name": "{{ item.userid }}"}, "loop": users[:n]}], connection=False),
            "ansible.builtin.uri raw SOAP getUser (DevNet style)": lambda n: playbook(f"loop_uri_{n}", [{
                "name": "per user", "ansible.builtin.uri": {
                    "url": f"https://127.0.0.1:{sim.port}/axl/", "method": "POST", "ca_path": sim.cert,
                    "headers": {"Content-Type": "text/xml", "SOAPAction": '"CUCM:DB ver=14.0 getUser"'},
                    "body": SOAP_GET_USER, "user": "administrator", "password": "ciscopsdt",
                    "force_basic_auth": True, "return_content": True}, "loop": [u["userid"] for u in users[:n]]}],
                connection=False),
            "per-user module on the ciscoaxl library": lambda n: playbook(f"loop_ciscoaxl_{n}", [{
                "name": "per user", "bench_ciscoaxl_user": {
                    "host": "127.0.0.1", "port": sim.port, "username": "administrator", "password": "ciscopsdt",
                    "userid": "{{ item.userid }}", "fields": {"lastName": "{{ item.lastname }}", "title": "{{ item.title }}"}},
                "loop": users[:n]}], connection=False, interpreter=ciscoaxl),
        }
        print(f"per-user loops (n=1 and n={args.n}):", flush=True)
        for label, make in loops.items():
            # ciscoaxl falls back to verify=False on a certificate error, and REQUESTS_CA_BUNDLE (set on
            # many CI machines) then overrides even that: it only works with the variable unset.
            unset = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE") if "ciscoaxl" in label else ()
            one = run(sim, make(1), unset=unset)
            many = run(sim, make(args.n), unset=unset)
            per = (many["wall"] - one["wall"]) / (args.n - 1)
            rows.append(dict(label=f"{label}, n={args.n}", per_user=per, extrapolated=True, wall=per * args.bulk,
                             requests=many["requests"] * args.bulk // args.n, writes=many["writes"] * args.bulk // args.n,
                             auth_basic=many["auth_basic"] * args.bulk // args.n, rss_mb=many["rss_mb"],
                             measured=many))
            print(f"  {label}: {per:.3f} s per user, {many['requests'] / args.n:.1f} requests and "
                  f"{many['auth_basic'] / args.n:.1f} authentications per user", flush=True)
        sim.admin("POST", "reset")
        print("change feed:", flush=True)
        change_feed_rows(sim, args.users, rows)
        start_s = client_start_seconds(sim)
        module_rss = module_rss_mb(sim, "user00001")
    finally:
        sim.stop()
    return write_report(args, rows, start_s, module_rss, sim.start_s)


def write_report(args, rows, start_s, module_rss, sim_start_s):
    bulk0 = rows[0]
    uri = next(r for r in rows if r["label"].startswith("ansible.builtin.uri"))
    noop = next(r for r in rows if r["label"].startswith("no-op"))
    ours1 = next(r for r in rows if r["label"].startswith("cucm_end_user (one task"))
    lines = [
        "# Performance", "",
        f"Measured by `make bench` on {time.strftime('%Y-%m-%d')} on this project's CI machine class (2 cores), against "
        f"`cucm-axl-sim` with TLS, {args.latency_ms} ms added to every AXL answer and {args.users:,} seeded users "
        f"(seeded and started in {sim_start_s:.1f} s). Request, write and authentication counts are exact; times "
        f"are this machine's; each cucm_end_users row is the median of {REPEATS} runs (the module's own share of the "
        "wall, which it reports, is in the targets table: the rest is ansible-playbook starting). "
        "Per-user loops were measured with n=1 and "
        f"n={args.n} and **extrapolated** to {args.bulk:,} users from the per-user cost (T(n) − T(1)) / (n − 1).", "",
        f"| Approach | wall for {args.bulk:,} users | AXL requests | writes | Basic auths | peak RSS, largest process | "
        "bulk is faster by |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        wall = r["wall"]
        shown = f"{wall / 3600:.2f} h (extrapolated)" if r["extrapolated"] and wall > 3600 else (
            f"{wall / 60:.1f} min (extrapolated)" if r["extrapolated"] else f"{wall:.1f} s")
        ratio = f"{wall / bulk0['wall']:.0f}×" if r["extrapolated"] else ""
        lines.append(f"| {r['label']} | {shown} | {r['requests']:,} | {r['writes']:,} | {r['auth_basic']:,} | "
                     f"{r['rss_mb']} MB | {ratio} |")
    lines += [
        "", "Per task, one unchanged user (issue 4 targets):", "",
        "| Measure | Value | Target |", "|---|---:|---|",
        f"| `cucm_end_user` per task | {ours1['per_user']:.3f} s | ≤ no-op + 0.25 s = {noop['per_user'] + 0.25:.3f} s |",
        f"| no-op module per task | {noop['per_user']:.3f} s | |",
        f"| `ansible.builtin.uri` raw SOAP `getUser` per task | {uri['per_user']:.3f} s | |",
        f"| AXL requests per `cucm_end_user` task | {ours1['measured']['requests'] / args.n:.2f} | 1 (getUser) |",
        f"| Basic authentications per task | {ours1['measured']['auth_basic'] / args.n:.2f} | 1 |",
        f"| AXL client start (import + construction) | {start_s * 1000:.0f} ms | ≤ 150 ms |",
        f"| `cucm_end_user` module peak RSS | {module_rss:.0f} MB | |",
        "", f"Bulk targets (issue 7), {args.bulk:,} users of {args.users:,}:", "",
        "| Measure | Value | Target |", "|---|---:|---|",
        f"| unchanged: AXL requests | {bulk0['requests']} | ≤ 45 |",
        f"| unchanged: writes | {bulk0['writes']} | 0 |",
        f"| unchanged: Basic authentications | {bulk0['auth_basic']} | 1 |",
        f"| unchanged: wall (runs: {', '.join('%.1f' % w for w in bulk0['walls'])}) | {bulk0['wall']:.1f} s | ≤ 8 s |",
        f"| unchanged: the module's own time (reported) | {module_seconds(bulk0)} s | |",
        f"| 1% changed: writes | {rows[3]['writes']} | exactly {args.bulk // 100} |",
        f"| module peak RSS (reported by the module) | {module_peak(rows[0])} MB | ≤ 80 MB |",
        f"| faster than the uri loop | {uri['wall'] / bulk0['wall']:.0f}× | ≥ 500× |",
    ]
    full = next((r for r in rows if r["label"].startswith("cucm_end_users gathered, all")), None)
    feed = next((r for r in rows if r["label"].startswith("cucm_end_users gathered from a checkpoint")), None)
    if full and feed:
        lines += [
            "", f"Change feed (issue 17), {FEED_CHANGED} users changed by another client among {args.users:,}:", "",
            "| Measure | Value | Target |", "|---|---:|---|",
            f"| from a checkpoint: AXL requests | {feed['requests']} | ≤ {feed_bound(FEED_CHANGED)}: 1 `listChange` per "
            "1,000 changes + 1 SQL read per 200 changed users + 1 `getUser` each + 1 LDAP read per 500 |",
            f"| full gathered run: AXL requests | {full['requests']} | |",
            f"| wall: from a checkpoint, full | {feed['wall']:.1f} s, {full['wall']:.1f} s | |",
        ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------- subscriptions (issue 14)
IPPA_URL = "http://uccx.example.com:6293/ipphone/jsp/sciphonexml/IPAgentLogin.jsp?dev=#DEVICENAME#"
IPPA_PASSWORD = "Bench-Ippa-1"


def agent_devices(users):
    """The IP Phone Agent subscription of each user's phone and Extension Mobility profile, in the input shape."""
    out = []
    for i in range(1, users + 1):
        u = seed_user(i)
        parameters = {"username": u["userid"], "password": IPPA_PASSWORD, "extension": str(100000 + i)}
        out.append({"device": u["phone"], "service": "IPPA", "parameters": dict(parameters)})
        out.append({"device": u["profile"], "device_type": "device_profile", "service": "IPPA",
                    "parameters": dict(parameters)})
    return out


def bench_subscriptions(args):
    """The cucm_phone_service_subscriptions section: 1,000 agent devices of 5,000 subscribed, as Markdown."""
    users = args.devices // 2
    print(f"subscriptions: simulator with {users} users ({args.devices} devices), {args.latency_ms} ms latency, TLS",
          flush=True)
    sim = Simulator(users, args.latency_ms, name="sim-subscriptions")
    rows = []
    try:
        # the cluster: the IPPA service, every device subscribed (set up without latency, by the module itself)
        sim.admin("POST", "faults", {"latency_ms": 0})
        everything = agent_devices(users)
        (WORK / "subs_all.json").write_text(json.dumps({"subscriptions": everything}))
        seeded = run(sim, playbook("subs_seed", [
            {"name": "service", "voiceops.cucm.cucm_phone_service": {
                "name": "IPPA", "url": IPPA_URL, "parameters": [
                    {"name": "username", "display_name": "Agent ID", "required": True},
                    {"name": "password", "display_name": "Agent password", "required": True, "password": True},
                    {"name": "extension", "display_name": "Agent extension", "required": True}]}},
            {"name": "subscribe every device", "voiceops.cucm.cucm_phone_service_subscriptions": {
                "subscriptions_file": str(WORK / "subs_all.json"), "concurrency": 4}}], sim=sim))
        print(f"  {len(everything)} devices subscribed in {seeded['wall']:.0f} s ({seeded['writes']} writes)", flush=True)
        setup_s = seeded["wall"]
        sim.admin("POST", "faults", {"latency_ms": args.latency_ms})

        agents = everything[:args.agents]
        changed_every = 100
        unchanged = WORK / "subs_agents.json"
        unchanged.write_text(json.dumps({"subscriptions": agents}))
        # 1 % of the agents get a new extension, and back: each run changes exactly that many values
        changed = [dict(a, parameters=dict(a["parameters"], extension=a["parameters"]["extension"] + "9"))
                   if n % changed_every == changed_every - 1 else a for n, a in enumerate(agents)]
        (WORK / "subs_changed.json").write_text(json.dumps({"subscriptions": changed}))

        def bulk(path):
            return playbook("subs_bulk_" + path.stem, [
                {"name": "converge", "voiceops.cucm.cucm_phone_service_subscriptions": {"subscriptions_file": str(path)},
                 "register": "r"},
                {"name": "cost", "ansible.builtin.debug": {"msg": "{{ r.performance | to_json }}"}}], sim=sim)

        def bulk_row(label, paths, *flags):
            runs = [run(sim, bulk(paths[attempt % len(paths)]), *flags) for attempt in range(REPEATS)]
            r = sorted(runs, key=lambda x: x["wall"])[REPEATS // 2]
            r["walls"] = [x["wall"] for x in runs]
            r["all_writes"] = [x["writes"] for x in runs]
            rows.append(dict(label=label, per_user=None, extrapolated=False, **r))
            print(f"  {label}: {r['wall']:.1f} s (runs: {', '.join('%.1f' % w for w in r['walls'])}), "
                  f"{r['requests']} requests, writes {r['all_writes']}, module {module_seconds(r)} s", flush=True)

        print(f"cucm_phone_service_subscriptions (one task), {args.agents} agent devices of {args.devices}:", flush=True)
        bulk_row(f"cucm_phone_service_subscriptions, {args.agents} devices, 0% changed", [unchanged])
        bulk_row(f"cucm_phone_service_subscriptions, {args.agents} devices, 0% changed, --check --diff", [unchanged],
                 "--check", "--diff")

        def loop(n):
            return playbook(f"subs_loop_{n}", [{
                "name": "per device", "voiceops.cucm.cucm_phone_service_subscription": {
                    "device": "{{ item.device }}", "device_type": "{{ item.device_type | default('phone') }}",
                    "service": "IPPA", "parameters": "{{ item.parameters }}"},
                "loop": agents[:n], "loop_control": {"label": "{{ item.device }}"}}], sim=sim)

        one, many = run(sim, loop(1)), run(sim, loop(args.n))
        per = (many["wall"] - one["wall"]) / (args.n - 1)
        rows.append(dict(label=f"cucm_phone_service_subscription (one task per device, today's loop), n={args.n}",
                         per_user=per, extrapolated=True, wall=per * args.agents,
                         requests=many["requests"] * args.agents // args.n, writes=many["writes"] * args.agents // args.n,
                         auth_basic=many["auth_basic"] * args.agents // args.n, rss_mb=many["rss_mb"], measured=many))
        print(f"  per-device loop: {per:.3f} s per device, {many['requests'] / args.n:.1f} requests and "
              f"{many['auth_basic'] / args.n:.1f} authentications per device", flush=True)
        # last: these runs write (to the changed extensions, then back)
        bulk_row(f"cucm_phone_service_subscriptions, {args.agents} devices, 1% changed",
                 [WORK / "subs_changed.json", unchanged])
    finally:
        sim.stop()
    return subscriptions_report(args, rows, users, sim.start_s, setup_s, args.agents // changed_every)


def subscriptions_report(args, rows, users, sim_start_s, setup_s, changed):
    unchanged, check, loop_row, one_percent = rows
    bound = 1 + 2 * -(-args.agents // 500)
    lines = [
        SUBSCRIPTIONS_HEADING + ": `cucm_phone_service_subscriptions` (issue 14)", "",
        f"The IP Phone Agent subscriptions of a contact centre: a second `cucm-axl-sim` (TLS, {args.latency_ms} ms "
        f"added to every AXL answer) with {users:,} users, whose {args.devices:,} devices (a phone and an Extension "
        f"Mobility profile each) are all subscribed to the IPPA service (3 parameters, one a password): seeded and "
        f"started in {sim_start_s:.1f} s, then subscribed by the module itself, latency off, in {setup_s:.0f} s. "
        f"The task converges {args.agents:,} of those devices from a "
        "`subscriptions_file`. Each bulk row is the median of "
        f"{REPEATS} runs; the 1 % row alternates between the changed extensions and the original ones, so that every "
        f"run changes exactly {changed} values. The per-device loop (`cucm_phone_service_subscription` in a loop, "
        f"what the roles did before) was measured with n=1 and n={args.n} and is **extrapolated** to "
        f"{args.agents:,} devices. `make bench BENCH_ARGS='--only subscriptions'` measures this section alone.", "",
        f"| Approach | wall for {args.agents:,} devices | AXL requests | writes | Basic auths | peak RSS, largest process | "
        "bulk is faster by |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        wall = r["wall"]
        shown = f"{wall / 60:.1f} min (extrapolated)" if r["extrapolated"] else f"{wall:.1f} s"
        ratio = f"{wall / unchanged['wall']:.0f}×" if r["extrapolated"] else ""
        lines.append(f"| {r['label']} | {shown} | {r['requests']:,} | {r['writes']:,} | {r['auth_basic']:,} | "
                     f"{r['rss_mb']} MB | {ratio} |")
    lines += [
        "", f"Targets (issue 14), {args.agents:,} agent devices of {args.devices:,}:", "",
        "| Measure | Value | Target |", "|---|---:|---|",
        f"| unchanged: AXL requests | {unchanged['requests']} | ≤ {bound}: 1 `getIpPhoneServices` per service + 2 "
        f"`executeSQLQuery` per 500 devices (a page more per 2 MB of answer), whatever the number of devices beyond that |",
        f"| unchanged: writes | {unchanged['writes']} | 0 |",
        f"| unchanged: Basic authentications | {unchanged['auth_basic']} | 1 |",
        f"| unchanged, `--check --diff`: requests, writes | {check['requests']}, {check['writes']} | the same reads, 0 |",
        f"| unchanged: wall (runs: {', '.join('%.1f' % w for w in unchanged['walls'])}) | {unchanged['wall']:.1f} s | |",
        f"| unchanged: the module's own time (reported) | {module_seconds(unchanged)} s | |",
        f"| 1% changed: writes (each run) | {', '.join(str(w) for w in one_percent['all_writes'])} | exactly {changed} |",
        f"| per-device loop: requests, authentications per device | "
        f"{loop_row['measured']['requests'] / args.n:.1f}, {loop_row['measured']['auth_basic'] / args.n:.1f} | |",
        f"| faster than the per-device loop | {loop_row['wall'] / unchanged['wall']:.0f}× | |",
    ]
    return "\n".join(lines) + "\n"


def module_seconds(row):
    """The module's own time, as it reports it (the rest of the wall is ansible-playbook)."""
    match = re.search(r'"seconds\\?": ([0-9.]+)', row["output"])
    return match.group(1) if match else "?"


def module_peak(row):
    # the debug task prints the performance dict as JSON text inside "msg" (its quotes escaped)
    match = re.search(r'peak_rss_mb\\?": (\d+)', row["output"])
    return match.group(1) if match else "?"


if __name__ == "__main__":
    main()
