"""Benchmark of the CUCM AXL simulator (``make bench`` runs it; it is not a test).

Measures, with the real ``cucm-axl-sim`` command in a subprocess:

- start time to the ready line, and the seeding time the simulator reports, for fresh
  databases of 1,000 / 10,000 / 80,000 users (the issue's target: 80,000 users in under 30 s);
- the size of the resulting database (and of the ``.seed`` snapshot kept for ``/__sim__/reset``);
- ``getCCMVersion`` round-trip latency over one keep-alive connection, with and without TLS
  (p50 / p90 / p99 of ``--requests`` calls after a warm-up).

Prints a small table; ``--json FILE`` also writes the figures.  Usage::

    .venv/bin/python tests/bench/bench_simulator.py [--sizes 1000,10000,80000] [--requests 500]
"""

import argparse
import json
import os
import re
import selectors
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
READY = re.compile(rb"AXL simulator ready: (https?)://[^ ]+:(\d+)/axl/")
SEEDED = re.compile(r"seeded (\d+) users in ([0-9.]+) s")
BODY = (b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        b'xmlns:ns="http://www.cisco.com/AXL/API/14.0"><soapenv:Body><ns:getCCMVersion/></soapenv:Body></soapenv:Envelope>')
HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"CUCM:DB ver=14.0 getCCMVersion"'}


def command():
    console = Path(sys.executable).parent / "cucm-axl-sim"
    if console.exists():
        return [str(console)], dict(os.environ)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "simulator"))
    return [sys.executable, "-m", "cucm_axl_sim"], env


class Sim:
    def __init__(self, workdir, *flags, timeout=300):
        cmd, env = command()
        self.stderr_path = workdir / "stderr.txt"
        self._stderr = open(self.stderr_path, "wb")
        started = time.perf_counter()
        self.proc = subprocess.Popen([*cmd, "--port", "0", *flags], stdout=subprocess.PIPE, stderr=self._stderr,
                                     env=env, cwd=workdir)
        line = self._first_line(timeout)
        self.start_s = time.perf_counter() - started
        match = READY.search(line)
        if not match:
            self.stop()
            raise SystemExit(f"simulator did not start: {line!r}\n{self.stderr_path.read_text()}")
        self.scheme, self.port = match.group(1).decode(), int(match.group(2))
        self.url = f"{self.scheme}://127.0.0.1:{self.port}/axl/"

    def _first_line(self, timeout):
        selector = selectors.DefaultSelector()
        selector.register(self.proc.stdout, selectors.EVENT_READ)
        data, deadline = b"", time.monotonic() + timeout
        while not data.endswith(b"\n") and selector.select(max(0.0, deadline - time.monotonic())):
            chunk = os.read(self.proc.stdout.fileno(), 256)
            if not chunk:
                break
            data += chunk
        return data

    def seeded_s(self):
        found = SEEDED.search(self.stderr_path.read_text())
        return float(found.group(2)) if found else None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._stderr.close()


def size_mb(*paths):
    return sum(p.stat().st_size for p in paths if p.exists()) / 1e6


def seed_rows(sizes):
    out = []
    for n in sizes:
        work = Path(tempfile.mkdtemp(prefix=f"bench-seed-{n}-"))
        try:
            db = work / "cucm.sqlite"
            sim = Sim(work, "--no-tls", "--db", str(db), "--seed-users", str(n), "--ldap-users", str(n // 10))
            start_s, seeded = sim.start_s, sim.seeded_s()
            sim.stop()
            out.append({"users": n, "seed_s": seeded, "start_s": round(start_s, 2),
                        "db_mb": round(size_mb(db, Path(str(db) + "-wal")), 1),
                        "snapshot_mb": round(size_mb(Path(str(db) + ".seed")), 1)})
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return out


def round_trips(tls, count):
    work = Path(tempfile.mkdtemp(prefix="bench-rt-"))
    try:
        flags = ["--db", str(work / "cucm.sqlite")] + ([] if tls else ["--no-tls"])
        sim = Sim(work, *flags)
        http = requests.Session()
        http.trust_env = False                     # REQUESTS_CA_BUNDLE would override verify
        http.verify = str(work / "cucm-axl-sim.crt") if tls else True
        http.auth = ("administrator", "ciscopsdt")
        for _attempt in range(50):                        # warm-up: connection, TLS handshake, session cookie
            http.post(sim.url, data=BODY, headers=HEADERS).raise_for_status()
        samples = []
        for _attempt in range(count):
            t0 = time.perf_counter()
            http.post(sim.url, data=BODY, headers=HEADERS).raise_for_status()
            samples.append((time.perf_counter() - t0) * 1000)
        connections = http.get(sim.url.replace("/axl/", "/__sim__/stats")).json()["connections"]
        sim.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    q = statistics.quantiles(samples, n=100)
    return {"transport": "https" if tls else "http", "requests": count, "p50_ms": round(statistics.median(samples), 2),
            "p90_ms": round(q[89], 2), "p99_ms": round(q[98], 2), "connections": connections}


def table(rows, columns):
    widths = [max(len(c), *(len(str(r[c])) for r in rows)) for c in columns]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths))]
    lines += ["  ".join(str(r[c]).rjust(w) for c, w in zip(columns, widths)) for r in rows]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sizes", default="1000,10000,80000", help="comma-separated user counts to seed")
    parser.add_argument("--requests", type=int, default=500, help="getCCMVersion calls per transport")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)

    seeds = seed_rows([int(n) for n in args.sizes.split(",") if n])
    print("Seeding (fresh database, 10 % LDAP users)")
    print(table(seeds, ["users", "seed_s", "start_s", "db_mb", "snapshot_mb"]))
    rts = [round_trips(False, args.requests), round_trips(True, args.requests)]
    print("\ngetCCMVersion round trip, one keep-alive connection, Basic auth + cookie")
    print(table(rts, ["transport", "requests", "p50_ms", "p90_ms", "p99_ms", "connections"]))
    target = next((r for r in seeds if r["users"] == 80000), None)
    if target:
        verdict = "OK" if target["start_s"] < 30 else "OVER TARGET"
        print(f"\n80,000 users start in {target['start_s']} s (target < 30 s): {verdict}")
    if args.json:
        Path(args.json).write_text(json.dumps({"seed": seeds, "round_trip": rts}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
