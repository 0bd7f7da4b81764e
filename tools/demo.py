"""``make demo``: start the AXL simulator, run the example playbooks, show the result, stop it.

Steps: onboard three users as Cisco's setup guide does; run the same playbook again (nothing to
change); a ``--check --diff`` run that shows a pending change without writing it; a report read
back from CUCM; then a summary of what each step cost in AXL requests and writes.
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

        created = step("1/4 Onboard three end users (user, phone, primary extension, group)", "demo_onboard.yml")
        again = step("2/4 The same playbook again: nothing to change", "demo_onboard.yml")
        pending = step("3/4 --check --diff of a pending change (asmith becomes Senior Agent): shown, not written",
                       "demo_onboard.yml", "--check", "--diff", "-e", "demo_title='Senior Agent'")
        step("4/4 Read the users back from CUCM", "demo_report.yml")

        banner("Summary")
        print(f"{'step':<92} {'changed':>7} {'AXL requests':>12} {'writes':>6} {'logins':>6}")
        for title, changed, requests, writes, logins in steps:
            print(f"{title:<92} {changed!s:>7} {requests:>12} {writes:>6} {logins:>6}")
        ok = created == 1 and again == 0 and pending == 1 and steps[1][3] == 0 and steps[2][3] == 0
        print("\nDemo " + ("passed: 3 users created, re-run changed nothing, check mode showed 1 pending change "
                           "and wrote nothing." if ok else "FAILED: unexpected counts above."))
        return 0 if ok else 1
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.wait(timeout=20)
        print("Simulator stopped.")


if __name__ == "__main__":
    sys.exit(main())
