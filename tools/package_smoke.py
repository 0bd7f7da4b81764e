"""``make package``: the Galaxy packaging gate.

The Makefile has built the tarball with ``ansible-galaxy collection build`` and installed it into
``<dir>/collections``. This script checks what the tarball holds (build_ignore), then proves the
*installed* copy works on its own: it starts the AXL simulator from the installed ``simulator/``
package and runs the installed playbooks against it, with ANSIBLE_COLLECTIONS_PATH showing only
the installed copy (never this checkout).
"""

import os
import signal
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

BIN = Path(sys.executable).parent
MUST_HAVE = [
    "MANIFEST.json", "FILES.json", "README.md", "requirements.txt", "meta/runtime.yml",
    "meta/execution-environment.yml", "execution-environment.yml", "extensions/awx/controller_objects.yml",
    "extensions/awx/configure_controller.yml", "playbooks/drift_report.yml", "docs/examples/state/cucm_emea/users.yml",
    "roles/identity/meta/argument_specs.yml", "roles/leavers/meta/argument_specs.yml",
    "roles/phone_services_self_service/meta/argument_specs.yml", "playbooks/provision.yml",
    "playbooks/repair_phone_service_subscriptions.yml", "playbooks/ippa_password_self_service.yml",
    "playbooks/deprovision_leavers.yml", "playbooks/export_state.yml", "inventory/clusters.example.yml",
    "docs/docsite/extra-docs.yml", "simulator/pyproject.toml", "simulator/cucm_axl_sim/server.py",
    "plugins/modules/cucm_end_users.py", "changelogs/changelog.yaml",
    "extensions/eda/plugins/event_source/axl_changes.py", "extensions/eda/rulebooks/repair_subscriptions.yml",
    "extensions/eda/rulebooks/drift_on_user_change.yml", "plugins/modules/cucm_changes_info.py",
]
MUST_NOT_START = (".venv/", "build/", ".git/", ".ci/", "tools/", "tests/integration/", "tests/unit/", "tests/simulator/",
                  "tests/bench/", "tests/support/", "tests/output/", ".pytest_cache/", "dist/")


def check_tarball(tarball):
    with tarfile.open(tarball) as tar:
        names = [n.split("/", 1)[1] if "/" in n and n.startswith("voiceops-cucm") else n for n in tar.getnames()]
    names = [n[2:] if n.startswith("./") else n for n in names]
    problems = ["missing: %s" % m for m in MUST_HAVE if m not in names]
    problems += ["must not be packaged: %s" % n for n in names if n.startswith(MUST_NOT_START)]
    problems += ["must not be packaged: %s" % n for n in names
                 if "__pycache__" in n or n.endswith((".pyc", ".egg-info"))]
    tests = sorted(n for n in names if n.startswith("tests/") and n != "tests/")
    if tests != ["tests/config.yml"]:
        problems.append("tests/ must hold only config.yml, holds %s" % tests)
    if problems:
        raise SystemExit("package: %s\n  %s" % (tarball.name, "\n  ".join(problems)))
    size = tarball.stat().st_size
    print("package: %s (%d files, %.0f kB): contents as expected" % (tarball.name, len(names), size / 1024))


def run(cmd, env, cwd):
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode:
        command = " ".join(map(str, cmd[:4]))
        raise SystemExit("package: %s failed (rc=%d)\n%s%s" % (command, proc.returncode, proc.stdout[-4000:], proc.stderr[-2000:]))
    return proc.stdout


def main():
    base = Path(sys.argv[1]).resolve()
    tarball = next(base.glob("voiceops-cucm-*.tar.gz"))
    check_tarball(tarball)
    installed = base / "collections" / "ansible_collections" / "voiceops" / "cucm"
    work = Path(tempfile.mkdtemp(prefix="smoke-", dir=base))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CUCM_", "ANSIBLE_"))}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(base / "collections"), ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_NOCOLOR="1",
               PATH="%s:%s" % (BIN, env.get("PATH", "")))

    listed = run([str(BIN / "ansible-galaxy"), "collection", "list", "voiceops.cucm"], env, work)
    if str(base / "collections") not in listed:
        raise SystemExit("package: ansible does not see the installed copy:\n" + listed)

    # the simulator, from the installed copy's simulator/ package
    sim_env = dict(env, PYTHONPATH=str(installed / "simulator"))
    sim = subprocess.Popen([sys.executable, "-m", "cucm_axl_sim", "--port", "0", "--seed-users", "20",
                            "--db", str(work / "sim" / "cucm.sqlite")], stdout=subprocess.PIPE,
                           stderr=open(work / "simulator.log", "w"), text=True, env=sim_env, cwd=work)
    try:
        ready = sim.stdout.readline().strip()
        if not ready.startswith("AXL simulator ready: "):
            raise SystemExit("package: the installed simulator did not start: %r (see %s)" % (ready, work / "simulator.log"))
        port = ready.split()[3].rsplit(":", 1)[1].split("/")[0]
        env.update(CUCM_HOST="127.0.0.1", CUCM_PORT=port, CUCM_USERNAME="administrator", CUCM_PASSWORD="ciscopsdt",
                   CUCM_CA_PATH=str(work / "sim" / "cucm-axl-sim.crt"), CUCM_AXL_VERSION="14.0", PWD=str(work))
        state = work / "state" / "localhost"
        state.mkdir(parents=True)
        (state / "users.yml").write_text("users:\n  - userid: smoke1\n    last_name: Smoke\n"
                                         "    groups: {set: [Standard CCM End Users]}\n")
        playbook = [str(BIN / "ansible-playbook"), "-i", "localhost,"]
        run(playbook + ["voiceops.cucm.provision"], env, work)
        again = run(playbook + ["voiceops.cucm.provision", "--check"], env, work)
        if "changed=0" not in again:
            raise SystemExit("package: a second provision run from the installed copy is not idempotent:\n" + again[-2000:])
        run(playbook + ["voiceops.cucm.export_state"], env, work)
        if "userid: smoke1" not in (state / "users.yml").read_text():
            raise SystemExit("package: export_state from the installed copy did not export smoke1")
        doc = run([str(BIN / "ansible-doc"), "-t", "role", "voiceops.cucm.leavers"], env, work)
        if "leavers_max_deletions" not in doc:
            raise SystemExit("package: ansible-doc does not show the leavers role's argument spec")
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.wait(timeout=20)
    print("package: installed copy works: provision, idempotent re-run, export, role docs "
          "(simulator started from the installed simulator/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
