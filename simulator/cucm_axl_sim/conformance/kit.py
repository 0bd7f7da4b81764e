"""``cucm-axl-sim conformance``: compare a lab cluster with the simulator, probe by probe.

Live run (``--against``): identify the cluster (``getCCMVersion``), run the suite against it,
start a simulator of the same release in this process, create in it what discovery found on the
cluster (:func:`probes.mirror`), run the same suite against it, compare, write the report and the
transcript.  Replay (``--replay``): the same, with the cluster's views read from a transcript.

Exit status: 0 every probe matched (or was not comparable), 1 at least one differs, 2 usage or
connection error, or a run that stopped early (the report says why).
"""

import argparse
import datetime
import getpass
import json
import os
import re
import sys
import tempfile
import threading
import time

from .. import compat, ops, server
from . import client as axlclient, probes, report
from .report import DIFFERS, ERROR, KNOWN, NOT_COMPARABLE, SAME

PROBE_VERSION = "12.5"     # accepted by CUCM 12.5, 14 and 15; an 11.5 cluster answers 599 with its list
KNOWN_VERSIONS = ("15.0", "14.0", "12.5", "12.0", "11.5", "11.0", "10.5", "10.0")
TRANSCRIPT_LABEL_SIM = ("Generated from cucm-axl-sim itself, not captured from a real cluster: it pins what the "
                        "simulator answers with these compat settings.")
TRANSCRIPT_LABEL_CLUSTER = "Captured from a CUCM cluster with the voiceops conformance kit."


class UsageError(Exception):
    """A bad option, an unreachable or refusing cluster: exit 2 with this message."""


class Aborted(Exception):
    def __init__(self, probe_name, cause):
        super().__init__(f"probe {probe_name}: {cause}")
        self.probe_name = probe_name
        self.cause = cause


# ------------------------------------------------------------------ command line
def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="cucm-axl-sim conformance",
        description="Run a fixed probe suite against a CUCM cluster and against a simulator of the same release, "
                    "and report where they differ. Read-only unless --write-scratch. See docs/conformance.md.")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--against", metavar="URL", help="the cluster's AXL address, https://HOST:8443")
    target.add_argument("--replay", metavar="TRANSCRIPT", help="compare the simulator with a saved transcript instead")
    p.add_argument("--username", help="AXL user (required with --against)")
    p.add_argument("--password-env", default="CUCM_PASSWORD", metavar="VAR",
                   help="environment variable holding the password (default CUCM_PASSWORD; asked for on a terminal "
                        "when it is unset)")
    p.add_argument("--ca-path", metavar="FILE", help="PEM file of the CA (or certificate) to trust for the cluster")
    p.add_argument("--axl-version", metavar="V", help="AXL schema version of the requests (default: the cluster's release)")
    p.add_argument("--write-scratch", action="store_true",
                   help="also run the write checks: create voiceops-conformance-* objects, change them, remove them "
                        "(a lab cluster only)")
    p.add_argument("--compat", action="append", default=[], metavar="NAME=VALUE",
                   help="run the kit's simulator with this --compat setting (repeatable; default: the defaults)")
    p.add_argument("--probe", action="append", default=[], metavar="NAME", help="run only these probes (repeatable)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for one answer (default 60)")
    p.add_argument("--report", required=True, metavar="DIR", help="folder for report.md, report.json, transcript.json")
    args = p.parse_args(argv)
    if args.against and not args.username:
        p.error("--username is required with --against")
    if args.replay and (args.username or args.ca_path or args.axl_version or args.write_scratch):
        p.error("--replay takes its cluster, version and write checks from the transcript")
    unknown = sorted(set(args.probe) - {pr.name for pr in probes.PROBES})
    if unknown:
        p.error(f"unknown probe(s): {', '.join(unknown)} (known: {', '.join(pr.name for pr in probes.PROBES)})")
    try:
        args.compat_settings = compat.parse(args.compat)
        args.compat_explicit = {}
        for item in args.compat:
            name, _sep, value = item.partition("=")
            args.compat_explicit.update(compat.check({name.strip(): value.strip()}))
    except ValueError as exc:
        p.error(str(exc))
    return args


def main(argv=None):
    """``cucm-axl-sim conformance ARGS`` (``argv`` without the word ``conformance``)."""
    args = parse_args(sys.argv[2:] if argv is None else argv)
    try:
        if args.replay:
            outcome = replay(args.replay, args.report, compat_overrides=args.compat_explicit, only=args.probe,
                             timeout=args.timeout)
        else:
            password = os.environ.get(args.password_env)
            if not password:
                if not sys.stdin.isatty():
                    raise UsageError(f"no password: set {args.password_env} (or run on a terminal to be asked)")
                password = getpass.getpass(f"AXL password of {args.username}: ")
            outcome = run(args.against, args.username, password, args.report, ca_path=args.ca_path,
                          axl_version=args.axl_version, write_scratch=args.write_scratch,
                          compat_settings=args.compat_settings, only=args.probe, timeout=args.timeout)
    except UsageError as exc:
        print(f"cucm-axl-sim conformance: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:      # the report folder cannot be written
        print(f"cucm-axl-sim conformance: cannot write the report: {exc}", file=sys.stderr)
        return 2
    print(summary_line(outcome), flush=True)
    return outcome["exit_code"]


def summary_line(outcome):
    counts = outcome["summary"]
    parts = ", ".join(f"{counts[k]} {k}" for k in (SAME, DIFFERS, KNOWN, NOT_COMPARABLE, ERROR) if counts.get(k))
    names = [p["name"] for p in outcome["probes"] if p["status"] in (DIFFERS, ERROR)]
    line = f"conformance: {outcome['result']} ({parts}); report {outcome['paths']['markdown']}"
    if names:
        line += "; differs: " + ", ".join(names)
    if outcome.get("aborted"):
        line += f"; stopped early: {outcome['aborted']}"
    return line


# ------------------------------------------------------------------ the cluster
def identify(client, axl_version=None):
    """``(request version, full version string, release "14.0")`` of the cluster; UsageError when
    it cannot be reached, refuses the credentials or answers no version."""
    version = axl_version
    try:
        if not version:
            answer = client.axl("getCCMVersion", "", PROBE_VERSION)
            _check_auth(answer, client)
            if answer.status == 599:
                offered = supported_versions(answer.text)
                usable = [v for v in KNOWN_VERSIONS if v in offered]
                if not usable:
                    raise UsageError(f"{client.base} refuses AXL {PROBE_VERSION} and names no version the kit knows "
                                     f"(HTTP 599: {answer.text[:200]!r}); pass --axl-version")
                version = usable[0]
            else:
                version = PROBE_VERSION
        answer = client.axl("getCCMVersion", "", version)
        _check_auth(answer, client)
    except axlclient.ClientError as exc:
        raise UsageError(str(exc)) from None
    full = axlclient.child_text(answer.result(), "componentVersion/version") if answer.status == 200 else None
    if not full:
        raise UsageError(f"getCCMVersion in AXL {version} at {client.base} answered HTTP {answer.status}: "
                         f"{answer.text[:300]!r}")
    match = re.match(r"(\d+)\.(\d+)", full)
    if not match:
        raise UsageError(f"cannot read a release from the version {full!r}")
    release = f"{match.group(1)}.{match.group(2)}"
    if not axl_version:
        version = release if release in KNOWN_VERSIONS else version
    return version, full, release


def _check_auth(answer, client):
    if answer.status == 401:
        raise UsageError(f"{client.base} refused the credentials (HTTP 401)")
    if answer.status == 403:
        raise UsageError(f"{client.base}: the user may not use AXL (HTTP 403; it needs the Standard AXL API Access role)")


def supported_versions(text):
    """Versions a 599 page names: ``12.x`` stands for 12.5 and 12.0."""
    found = []
    for major, minor in re.findall(r"(\d+)\.(\d+|x)\b", text):
        found += [f"{major}.5", f"{major}.0"] if minor == "x" else [f"{major}.{minor}"]
    return found


def simulator_release(release):
    """The modelled release to compare a cluster of ``release`` with: the same, else the closest
    newer one (it accepts the older release's schema), else the newest."""
    key = ops.version_key
    modelled = sorted(server.ACCEPTED, key=key)
    if release in modelled:
        return release
    newer = [r for r in modelled if key(r) >= key(release)]
    return newer[0] if newer else modelled[-1]


def detect_simulator(client):
    """The compat settings when the target is itself a cucm-axl-sim (its admin API answers), else None."""
    try:
        answer = client.get("/__sim__/faults")
        if answer.status == 200 and answer.content_type.startswith("application/json"):
            return dict(json.loads(answer.body).get("compat") or {})
    except (axlclient.ClientError, ValueError, AttributeError):
        pass
    return None


# ------------------------------------------------------------------ the kit's simulator
class OwnSimulator:
    """A simulator served from a thread of this process, on a free loopback port."""

    def __init__(self, release, compat_settings):
        from .. import cli
        self.workdir = tempfile.TemporaryDirectory(prefix="cucm-conformance-")
        self.password = "conformance-" + os.urandom(8).hex()
        flags = ["--host", "127.0.0.1", "--port", "0", "--no-tls", "--db", os.path.join(self.workdir.name, "sim.sqlite"),
                 "--axl-version", release, "--password", self.password]
        for name, value in sorted(compat_settings.items()):
            flags += ["--compat", f"{name}={value}"]
        self.sim, self.httpd = cli.build(cli.parse_args(flags))
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.sim.config.port}"
        self.compat = dict(self.sim.config.compat)

    def client(self, timeout):
        return axlclient.Client(self.url, self.sim.config.username, self.password, timeout=timeout)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.sim.store.close()
        self.workdir.cleanup()


# ------------------------------------------------------------------ running the suite
def selected(only, write_scratch):
    return [p for p in probes.PROBES if (write_scratch or not p.scratch) and (not only or p.name in only)]


def run_probe(probe, side):
    side.exchanges = []
    try:
        view = probe.fn(side)
        result = {"outcome": "answered", "view": view}
    except probes.NotComparable as exc:
        result = {"outcome": NOT_COMPARABLE, "reason": str(exc)}
    except probes.StepFailed as exc:
        result = {"outcome": "answered", "view": exc.view()}
    except axlclient.ClientError as exc:
        result = {"outcome": ERROR, "reason": str(exc), "fatal": True}
    except Exception as exc:  # pylint: disable=broad-except  # a probe that cannot cope with an answer
        result = {"outcome": ERROR, "reason": f"{type(exc).__name__}: {exc}", "fatal": False}
    result["exchanges"] = side.exchanges
    return result


def run_suite(side, write_scratch, only=()):
    """Discovery, read-only probes, then (write_scratch) the scratch probes between two sweeps.
    Returns ``(results by probe name, discovery, cleanup, aborted)``.  The sweep after the scratch
    probes runs whatever happened; a probe that fails (a lost connection, an answer it cannot read)
    stops the run, because the state of the scratch objects is then unknown."""
    results, cleanup, aborted = {}, None, None
    found = probes.discover(side)
    chosen = selected(only, write_scratch)
    for probe in [p for p in chosen if not p.scratch]:
        results[probe.name] = run_probe(probe, side)
        if results[probe.name].get("fatal"):    # a lost connection; a read-only probe that failed otherwise is just reported
            return results, found, cleanup, f"{probe.name} on the {side.role}: {results[probe.name]['reason']}"
    if write_scratch:
        cleanup = {}
        try:
            cleanup["before"] = probes.sweep(side)
            for probe in [p for p in chosen if p.scratch]:
                results[probe.name] = run_probe(probe, side)
                if results[probe.name]["outcome"] == ERROR:   # the scratch objects' state is unknown: stop
                    aborted = f"{probe.name} on the {side.role}: {results[probe.name]['reason']}"
                    break
        except axlclient.ClientError as exc:
            aborted = f"sweep before the write checks on the {side.role}: {exc}"
        finally:
            cleanup["after"] = _sweep_after(side)
    return results, found, cleanup, aborted


def _sweep_after(side):
    error = None
    for attempt in range(3):
        try:
            return probes.sweep(side)
        except axlclient.ClientError as exc:
            error = str(exc)
            time.sleep(1.0 + attempt)
    return {"error": error, "removed": [], "left": []}


def compare(chosen, reference, simulated, hosts, known=None):
    known = known or {}
    rows = []
    for probe in chosen:
        ref, sim = reference.get(probe.name), simulated.get(probe.name)
        row = {"name": probe.name, "title": probe.title, "covers": list(probe.covers), "scratch": probe.scratch}
        failed = [r for r in (ref, sim) if r is not None and r["outcome"] == ERROR]
        if failed:
            row.update(status=ERROR, reason="; ".join(r.get("reason") or "" for r in failed))
        elif ref is None or sim is None:
            row.update(status=NOT_COMPARABLE, reason="not run on " + ("the reference" if ref is None else "the simulator"))
        elif NOT_COMPARABLE in (ref["outcome"], sim["outcome"]):
            row.update(status=NOT_COMPARABLE, reason="; ".join(r["reason"] for r in (ref, sim) if r.get("reason")))
        else:
            matches = report.same(ref["view"], sim["view"], hosts)
            row.update(status=SAME if matches else DIFFERS)
            if probe.name in known:
                row.update(status=KNOWN if not matches else DIFFERS, reason=(
                    f"known difference: {known[probe.name]}" if not matches else
                    f"listed as a known difference ({known[probe.name]}) but now the same: remove it from the "
                    "transcript's replay.known_differences"))
        if ref is not None and ref.get("view") is not None:
            row["reference"] = report.normalise(ref["view"], hosts)
        if sim is not None and sim.get("view") is not None:
            row["simulator"] = report.normalise(sim["view"], hosts)
        rows.append(row)
    return rows


def finish(rows, aborted):
    counts = {k: 0 for k in (SAME, DIFFERS, KNOWN, NOT_COMPARABLE, ERROR)}
    for row in rows:
        counts[row["status"]] += 1
    if aborted or counts[ERROR]:
        return counts, 2, "stopped early" if aborted else "error"
    if counts[DIFFERS]:
        return counts, 1, "differs"
    return counts, 0, "conforms"


def writable(report_dir):
    """Create the report folder before the first request, so a bad --report costs the cluster nothing."""
    try:
        os.makedirs(report_dir, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the report folder {report_dir}: {exc}") from None
    if not os.access(report_dir, os.W_OK):
        raise UsageError(f"cannot write to the report folder {report_dir}")


def run(url, username, password, report_dir, *, ca_path=None, axl_version=None, write_scratch=False,
        compat_settings=None, only=(), timeout=60.0):
    """A live run against the cluster at ``url``; returns the report (with ``paths``)."""
    started = time.monotonic()
    writable(report_dir)
    try:
        target = axlclient.Client(url, username, password, ca_path=ca_path, timeout=timeout)
    except (ValueError, OSError) as exc:   # a bad address, an unreadable CA file
        raise UsageError(str(exc)) from None
    version, full_version, release = identify(target, axl_version)
    sim_release = simulator_release(release)
    if version not in server.ACCEPTED[sim_release]:
        raise UsageError(f"the simulator as CUCM {sim_release} does not accept AXL {version}; pass --axl-version "
                         f"with one of {', '.join(server.ACCEPTED[sim_release])}")
    target_compat = detect_simulator(target)
    hosts = (target.host, "127.0.0.1", "localhost")
    models = set(ops.load_all())
    cluster = probes.Side("cluster", target, version, sim_release)
    ref_results, found, ref_cleanup, aborted = run_suite(cluster, write_scratch, only)
    sim_results, sim_cleanup, sim_compat = {}, None, dict(compat_settings or compat.defaults())
    if not aborted:
        own = OwnSimulator(sim_release, compat_settings or compat.defaults())
        try:
            sim_side = probes.Side("simulator", own.client(timeout), version, sim_release, models)
            try:
                probes.mirror(sim_side, found)
            except (RuntimeError, ValueError, probes.StepFailed, axlclient.ClientError) as exc:
                aborted = f"preparing the kit's simulator: {exc}"
            else:
                sim_results, _sim_found, sim_cleanup, aborted = run_suite(sim_side, write_scratch, only)
            sim_compat = own.compat
        finally:
            own.stop()
    chosen = selected(only, write_scratch)
    rows = compare(chosen, ref_results, sim_results, hosts)
    counts, code, result = finish(rows, aborted)
    kind = "cucm-axl-sim" if target_compat is not None else "cluster"
    transcript = {
        "format": report.TRANSCRIPT_FORMAT,
        "origin": kind,
        "label": TRANSCRIPT_LABEL_SIM if kind == "cucm-axl-sim" else TRANSCRIPT_LABEL_CLUSTER,
        "captured": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
        "cucm_version": full_version,
        "release": sim_release,
        "axl_version": version,
        "target_compat": target_compat,
        "write_scratch": write_scratch,
        "found": found,
        "replay": {"compat": dict(target_compat) if target_compat else {}, "known_differences": {}},
        "probes": [{"name": p.name, "outcome": ref_results[p.name]["outcome"],
                    "reason": ref_results[p.name].get("reason"),
                    "view": report.normalise(ref_results[p.name].get("view"), hosts),
                    "exchanges": report.exchanges(ref_results[p.name]["exchanges"], hosts, p.private)}
                   for p in chosen if p.name in ref_results],
    }
    out = {
        "kit": "cucm-axl-sim conformance",
        "result": result,
        "exit_code": code,
        "summary": counts,
        "aborted": aborted,
        "duration_s": round(time.monotonic() - started, 1),
        "write_scratch": write_scratch,
        # the address stays out of the report too: users attach it to public issues
        "reference": {"name": "cluster", "kind": kind, "cucm_version": full_version,
                      "axl_version": version, "compat": target_compat,
                      "description": f"{'cucm-axl-sim' if kind != 'cluster' else 'CUCM'} {full_version} "
                                     f"(the --against address), requests in AXL {version}"},
        "simulator": {"release": sim_release, "axl_version": version, "compat": sim_compat},
        "found": found,
        "cleanup": ref_cleanup,
        "simulator_cleanup": sim_cleanup,
        "probes": rows,
        "transcript": os.path.join(report_dir, "transcript.json"),
    }
    out["paths"] = report.write(report_dir, out, transcript)
    return out


def prepare(url, username, password, ca_path=None, found=None, timeout=60.0):
    """Give a *simulator* the objects discovery looks for (a local user, a phone with a
    subscription, an E.164 line, a user whose primary extension is one), as a lab cluster has
    them: used by the tests and by tools/conformance_fixture.py.  Never point it at a cluster."""
    target = axlclient.Client(url, username, password, ca_path=ca_path, timeout=timeout)
    version, _full, release = identify(target)
    if detect_simulator(target) is None:
        raise UsageError(f"{target.base} is not a cucm-axl-sim: prepare() only writes to simulators")
    side = probes.Side("simulator", target, version, release)
    probes.mirror(side, found or dict.fromkeys(probes.DISCOVERY, True))


def load_transcript(path):
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read the transcript {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != report.TRANSCRIPT_FORMAT:
        raise UsageError(f"{path} is not a conformance transcript ({report.TRANSCRIPT_FORMAT})")
    for key in ("release", "axl_version", "found", "probes", "write_scratch"):
        if key not in data:
            raise UsageError(f"the transcript {path} lacks {key!r}")
    if data["release"] not in server.ACCEPTED:
        raise UsageError(f"the transcript's release {data['release']} is not one the simulator models")
    return data


def replay(path, report_dir, compat_overrides=None, only=(), timeout=60.0):
    """Run the simulator side of the suite and compare it with a transcript's views."""
    data = load_transcript(path)
    writable(report_dir)
    replay_settings = dict(data.get("replay") or {})
    settings = compat.defaults()
    settings.update(compat.check(replay_settings.get("compat") or {}))
    settings.update(compat_overrides or {})
    known = dict(replay_settings.get("known_differences") or {})
    only = tuple(only or ())
    recorded = {p["name"]: p for p in data["probes"]}
    chosen = selected(only, data["write_scratch"])
    own = OwnSimulator(data["release"], settings)
    sim_results, sim_cleanup = {}, None
    try:
        side = probes.Side("simulator", own.client(timeout), data["axl_version"], data["release"], set(ops.load_all()))
        try:
            probes.mirror(side, data["found"])
        except (RuntimeError, ValueError, probes.StepFailed, axlclient.ClientError) as exc:
            aborted = f"preparing the kit's simulator: {exc}"
        else:
            sim_results, _found, sim_cleanup, aborted = run_suite(side, data["write_scratch"], only)
        sim_compat = own.compat
    finally:
        own.stop()
    rows = compare(chosen, recorded, sim_results, ("127.0.0.1", "localhost"), known)
    counts, code, result = finish(rows, aborted)
    out = {
        "kit": "cucm-axl-sim conformance --replay",
        "result": result,
        "exit_code": code,
        "summary": counts,
        "aborted": aborted,
        "write_scratch": data["write_scratch"],
        "reference": {"name": "transcript", "kind": data.get("origin"), "cucm_version": data.get("cucm_version"),
                      "axl_version": data["axl_version"],
                      "description": f"transcript {os.path.basename(path)} ({data.get('origin')}, "
                                     f"CUCM {data.get('cucm_version')}): {data.get('label', '')}"},
        "simulator": {"release": data["release"], "axl_version": data["axl_version"], "compat": sim_compat},
        "found": data["found"],
        "cleanup": None,
        "simulator_cleanup": sim_cleanup,
        "probes": rows,
    }
    out["paths"] = report.write(report_dir, out)
    return out
