"""``make conformance-fixture``: regenerate the transcript the conformance replay test ships.

It is *not* a capture of a real cluster: a simulator with the default ``--compat`` settings stands in
for the cluster (seeded users, plus what discovery looks for: a local user, a phone with a
subscription, an E.164 line, a user whose primary extension is one), and the kit runs against it
with ``--write-scratch``.  The transcript says so itself (``origin: cucm-axl-sim``).  Regenerate it
whenever the simulator's default behaviour changes on purpose; the replay test then pins the new
behaviour.  Real transcripts contributed by users sit beside it and are never regenerated.

Usage: ``python tools/conformance_fixture.py [RELEASE ...]`` (default 14.0).
"""

import json
import shutil
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "simulator"))

from cucm_axl_sim import cli  # noqa: E402  pylint: disable=wrong-import-position
from cucm_axl_sim.conformance import kit  # noqa: E402  pylint: disable=wrong-import-position

FIXTURES = ROOT / "tests" / "simulator" / "conformance_transcripts"


def generate(release, work):
    args = cli.parse_args(["--port", "0", "--no-tls", "--db", str(work / f"target-{release}.sqlite"), "--axl-version",
                           release, "--seed-users", "3", "--ldap-users", "1"])
    sim, httpd = cli.build(args)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{sim.config.port}"
    try:
        kit.prepare(url, "administrator", "ciscopsdt")
        out = kit.run(url, "administrator", "ciscopsdt", str(work / f"report-{release}"), write_scratch=True)
    finally:
        httpd.shutdown()
        httpd.server_close()
        sim.store.close()
    if out["exit_code"] != 0:
        raise SystemExit(f"the kit does not conform against the default simulator {release}: {out['summary']}, "
                         f"see {out['paths']['markdown']}")
    target = FIXTURES / f"cucm-axl-sim-{release}-default.json"
    shutil.copy(out["paths"]["transcript"], target)
    data = json.loads(target.read_text())
    print(f"{target.relative_to(ROOT)}: {len(data['probes'])} probes, origin {data['origin']}")


def main(argv):
    FIXTURES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="conformance-fixture-") as tmp:
        for release in argv or ["14.0"]:
            generate(release, Path(tmp))


if __name__ == "__main__":
    main(sys.argv[1:])
