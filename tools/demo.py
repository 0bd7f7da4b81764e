"""``make demo``: start the AXL simulator, run the example playbooks, show the result, stop it.

Steps: onboard three users as Cisco's setup guide does; run the same playbook again (nothing to
change); a ``--check --diff`` run that shows a pending change without writing it; a report read
back from CUCM; then the cycle joiner -> leaver -> rejoiner with numbers from a pool (the joiners
and leavers roles: three joiners get free numbers, two leave and their numbers are released, a new
joiner inside the retention period gets neither while the rejoiner gets hers back, and after the
period the other number goes to the next joiner); then a summary of what each step cost in AXL
requests and writes.
"""

import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WORK = ROOT / "build" / "demo"


def stats(base, cert):
    context = ssl.create_default_context(cafile=cert)
    with urllib.request.urlopen(f"{base}/__sim__/stats", context=context, timeout=10) as resp:
        return json.load(resp)


def banner(text):
    print(f"\n\033[1m=== {text}\033[0m", flush=True)


def playbook(name, env, *args):
    cmd = [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(ROOT / "playbooks" / name), *args]
    print("$ " + " ".join(cmd[:1] + [str(Path(cmd[5]).relative_to(ROOT))] + list(args)), flush=True)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    print(proc.stdout, end="")
    if proc.returncode:
        print(proc.stderr, file=sys.stderr)
        raise SystemExit(f"demo: {name} failed (rc={proc.returncode})")
    recap = re.search(r"localhost\s+:\s+ok=(\d+)\s+changed=(\d+)", proc.stdout)
    return int(recap.group(2)) if recap else None


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    sim = subprocess.Popen([str(BIN / "cucm-axl-sim"), "--port", "0", "--seed-users", "20", "--db", str(WORK / "cucm.sqlite")],
                           stdout=subprocess.PIPE, stderr=open(WORK / "simulator.log", "w"), text=True)
    try:
        ready = sim.stdout.readline().strip()
        if not ready.startswith("AXL simulator ready:"):
            raise SystemExit(f"demo: the simulator did not start ({ready!r}); see {WORK / 'simulator.log'}")
        url = ready.split()[3]
        base, port = url[: -len("/axl/")], url.rsplit(":", 1)[1].split("/")[0]
        cert = str(WORK / "cucm-axl-sim.crt")
        banner(f"CUCM AXL simulator: {ready}")
        env = dict(os.environ, CUCM_HOST="127.0.0.1", CUCM_PORT=port, CUCM_USERNAME="administrator",
                   CUCM_PASSWORD="ciscopsdt", CUCM_CA_PATH=cert, CUCM_AXL_VERSION="14.0",
                   ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
                   ANSIBLE_PYTHON_INTERPRETER=sys.executable)
        env.setdefault("ANSIBLE_COLLECTIONS_PATH", str(ROOT / "build" / "collections"))

        steps = []

        def step(title, name, *args):
            banner(title)
            before = stats(base, cert)
            changed = playbook(name, env, *args)
            after = stats(base, cert)
            steps.append((title, changed, after["requests"] - before["requests"], after["writes"] - before["writes"],
                          after["auth_basic"] - before["auth_basic"]))
            return changed

        created = step("1/8 Onboard three end users (user, phone, primary extension, group)", "demo_onboard.yml")
        again = step("2/8 The same playbook again: nothing to change", "demo_onboard.yml")
        pending = step("3/8 --check --diff of a pending change (asmith becomes Senior Agent): shown, not written",
                       "demo_onboard.yml", "--check", "--diff", "-e", "demo_title='Senior Agent'")
        step("4/8 Read the users back from CUCM", "demo_report.yml")

        # the cycle joiner -> leaver -> rejoiner (30 days of retention; the days are set, not today)
        def joiners(title, day, wave):
            report = WORK / f"writeback-{wave}.json"
            step(title, "onboard_joiners.yml", "-e", f"joiners_file={ROOT / 'playbooks' / 'vars' / f'demo_joiners_{wave}.yml'}",
                 "-e", f"joiners_as_of={day}", "-e", "joiners_retention_days=30", "-e", f"joiners_report_file={report}",
                 "-e", f"joiners_report_csv={report.with_suffix('.csv')}")
            print(f"write-back for HR/AD ({report.with_suffix('.csv').name}):")
            print(report.with_suffix(".csv").read_text(), end="")
            return {row["userid"]: row["number"] for row in json.loads(report.read_text())}

        cycle = [joiners("5/8 Joiners (2026-01-05): a free number, user, Jabber / desk phone / EM profile each",
                         "2026-01-05", "day1")]
        step("6/8 Leavers jdoe and lchan (2026-01-10): devices deleted, numbers released to the pool",
             "deprovision_leavers.yml", "-e", "leavers_userids=jdoe,lchan", "-e", "leavers_devices=delete",
             "-e", "leavers_release_date=2026-01-10")
        cycle.append(joiners("7/8 2026-01-20, inside the retention: a new joiner gets neither, rejoiner jdoe hers", "2026-01-20", "day20"))
        cycle.append(joiners("8/8 2026-02-15, retention over: lchan's number goes to the next joiner",
                             "2026-02-15", "day46"))

        banner("Summary")
        print(f"{'step':<92} {'changed':>7} {'AXL requests':>12} {'writes':>6} {'logins':>6}")
        for title, changed, requests, writes, logins in steps:
            print(f"{title:<92} {changed!s:>7} {requests:>12} {writes:>6} {logins:>6}")
        ok = created == 1 and again == 0 and pending == 1 and steps[1][3] == 0 and steps[2][3] == 0
        first = cycle[0]
        cycle_ok = (len(set(first.values())) == 3 and cycle[1]["jdoe"] == first["jdoe"]
                    and cycle[1]["mnew"] not in (first["jdoe"], first["lchan"]) and cycle[2]["nlate"] == first["lchan"])
        print("\nNumbers: " + "; ".join(f"{day}: " + ", ".join(f"{u} {n}" for u, n in wave.items())
                                        for day, wave in zip(("2026-01-05", "2026-01-20", "2026-02-15"), cycle)))
        print("\nDemo " + ("passed: 3 users created, re-run changed nothing, check mode showed 1 pending change "
                           "and wrote nothing; joiners got 3 distinct numbers, the leavers' numbers were not given "
                           "out inside the retention period, the rejoiner got hers back, the other went out after it."
                           if ok and cycle_ok else "FAILED: unexpected counts or numbers above."))
        ok = ok and cycle_ok
        return 0 if ok else 1
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.wait(timeout=20)
        print("Simulator stopped.")


if __name__ == "__main__":
    sys.exit(main())
