"""The conformance kit (``cucm-axl-sim conformance``) run against simulators standing in for a lab
cluster.

A simulator with the default settings must conform (exit 0); one started with any ``--compat``
switch flipped must not (exit 1), and the report must name the probe that sees it.  The write checks
must leave no ``voiceops-conformance-*`` object behind, also when a probe fails half-way, and must
never touch anything else.  What is left on a target is read from its SQLite file, not from the
kit's own report.
"""

import io
import json
import subprocess

import pytest

from cucm_axl_sim import compat
from cucm_axl_sim.conformance import kit, probes
from test_cli import command

PASSWORD_ENV = "CONFORMANCE_TEST_PASSWORD"
FLAGS = ("--seed-users", "3", "--ldap-users", "1")
LEFTOVER_SQL = (   # GLOB: case-sensitive, as the prefix is
    "SELECT 'user ' || userid FROM enduser WHERE userid GLOB 'voiceops-conformance-*' "
    "UNION ALL SELECT 'device ' || name FROM device WHERE name GLOB 'voiceops-conformance-*' "
    "UNION ALL SELECT 'line ' || dnorpattern FROM numplan WHERE description GLOB 'voiceops-conformance-*' "
    "OR dnorpattern GLOB '*1999555010[0-9]' "
    "UNION ALL SELECT 'service ' || name FROM telecasterservice WHERE name GLOB 'voiceops-conformance-*'")
FLIPPED = [(name, values[1]) for name, (values, _doc) in sorted(compat.SWITCHES.items())]


def prepared(sim_factory, name, *flags):
    """A target simulator holding what discovery looks for on a cluster, back at that state.  The
    reset puts the compat switches back to their defaults: those the flags set are set again."""
    target = sim_factory(name, *FLAGS, *flags)
    target.reset()
    settings = compat.parse([flags[i + 1] for i, flag in enumerate(flags) if flag == "--compat"])
    if settings != compat.defaults():
        target.faults(compat=settings)
    assert target.faults()["compat"] == settings
    kit.prepare(target.base, "administrator", "ciscopsdt", ca_path=target.cert)
    return target


def run_kit(target, report_dir, *extra, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "ciscopsdt")
    argv = ["--against", target.base, "--username", "administrator", "--password-env", PASSWORD_ENV,
            "--report", str(report_dir), *extra]
    if target.cert:
        argv += ["--ca-path", target.cert]
    code = kit.main(argv)
    with open(report_dir / "report.json", encoding="utf-8") as handle:
        return code, json.load(handle)


def statuses(report):
    return {p["name"]: p["status"] for p in report["probes"]}


def leftovers(target):
    return [r[0] for r in target.sql(LEFTOVER_SQL)]


# ------------------------------------------------------------------------------------ conforming runs
def test_read_only_run_against_a_default_simulator_conforms_and_writes_nothing(sim_factory, tmp_path, monkeypatch):
    target = prepared(sim_factory, "conf-default")
    writes = target.stats()["writes"]
    code, report = run_kit(target, tmp_path / "report", monkeypatch=monkeypatch)
    assert code == 0, report["probes"]
    assert report["result"] == "conforms" and report["write_scratch"] is False
    assert set(statuses(report).values()) == {"same"}, statuses(report)      # discovery found every kind
    assert not any(p.scratch for p in probes.PROBES if p.name in statuses(report))
    assert target.stats()["writes"] == writes                                # read-only means read-only
    assert report["reference"]["kind"] == "cucm-axl-sim" and report["found"] == dict.fromkeys(probes.DISCOVERY, True)
    assert (tmp_path / "report" / "report.md").read_text().startswith("# CUCM AXL conformance report")


def test_write_scratch_through_the_console_command(sim_factory, tmp_path):
    target = prepared(sim_factory, "conf-default")
    report_dir = tmp_path / "out"
    cmd, env = command()
    env[PASSWORD_ENV] = "ciscopsdt"
    done = subprocess.run([*cmd, "conformance", "--against", target.base, "--username", "administrator",
                           "--password-env", PASSWORD_ENV, "--ca-path", target.cert, "--write-scratch",
                           "--report", str(report_dir)], capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("conformance: conforms (") and "Traceback" not in done.stderr
    report = json.loads((report_dir / "report.json").read_text())
    names = statuses(report)
    assert set(names.values()) == {"same"}, names
    assert {p.name for p in probes.PROBES} == set(names)                     # the whole suite ran
    assert leftovers(target) == []
    removed = {(r["what"], r["name"]) for r in report["cleanup"]["after"]["removed"]}
    assert ("user", probes.USER) in removed and ("device profile", probes.PROFILE) in removed
    assert ("IP phone service", probes.SERVICE) in removed and ("line", probes.DN_DESCRIPTION) in removed

    transcript = json.loads((report_dir / "transcript.json").read_text())
    assert transcript["origin"] == "cucm-axl-sim" and "not captured from a real cluster" in transcript["label"]
    assert transcript["found"] == dict.fromkeys(probes.DISCOVERY, True)
    private = {p.name for p in probes.PROBES if p.private}
    for entry in transcript["probes"]:
        if entry["name"] in private:                                         # requests naming real users: not kept
            assert isinstance(entry["exchanges"], str)
            assert "user0000" not in json.dumps(entry)
    for path in report_dir.iterdir():                                        # no credential, no address
        text = path.read_text()
        assert "ciscopsdt" not in text and "Authorization" not in text and "JSESSIONID" not in text
        assert f":{target.config.port}" not in text and "127.0.0.1" not in text, path.name


@pytest.mark.parametrize("release", ["11.5", "12.5", "15.0"])
def test_other_releases_conform(sim_factory, tmp_path, monkeypatch, release):
    """Every request the kit sends is valid for the release's own schema (the session validates the
    target's log against Cisco's XSD), and the kit picks the release's own AXL version."""
    target = prepared(sim_factory, f"conf-{release}", "--axl-version", release, "--no-tls")
    code, report = run_kit(target, tmp_path / "report", "--write-scratch", monkeypatch=monkeypatch)
    assert code == 0, {k: v for k, v in statuses(report).items() if v != "same"}
    assert report["simulator"]["release"] == release and report["reference"]["axl_version"] == release
    assert set(statuses(report).values()) == {"same"}
    assert leftovers(target) == []


# ------------------------------------------------------------------------------------ flipped switches
@pytest.mark.parametrize("switch,value", FLIPPED, ids=[f"{n}={v}" for n, v in FLIPPED])
def test_a_flipped_compat_switch_is_found(sim_factory, tmp_path, monkeypatch, switch, value):
    target = prepared(sim_factory, f"conf-{switch}", "--compat", f"{switch}={value}")
    code, report = run_kit(target, tmp_path / "report", "--write-scratch", monkeypatch=monkeypatch)
    differing = {p["name"]: p["covers"] for p in report["probes"] if p["status"] == "differs"}
    assert code == 1 and report["result"] == "differs"
    assert differing, statuses(report)
    for name, covers in differing.items():                                   # only probes of this switch differ
        assert f"compat:{switch}" in covers, (name, covers)
    # a read-only run sees it too, unless only a write can (and a scratch probe too, where there is one)
    kinds = {p.scratch for p in probes.PROBES if f"compat:{switch}" in p.covers}
    assert {probes.by_name(name).scratch for name in differing} == kinds, differing
    markdown = (tmp_path / "report" / "report.md").read_text()
    for name in differing:
        assert f"### `{name}`: differs" in markdown
    assert leftovers(target) == []


# Switches that only one kind of probe can observe, and why.
WRITE_ONLY = {"resave-url": "a re-save is a write",
              "change-first-call": "a cluster's change queue may hold no change (it starts empty whenever AXL "
                                   "restarts): the scratch probes' own writes make sure it holds some"}
READ_ONLY = {
    "char-padding": "a SELECT over standard rows shows it; a write would add nothing a read cannot see",
    "ldap-sync-status": "the kit cannot create an LDAP directory agreement (it needs a directory server), and a "
                        "sync of an existing one would change real users: the read-only probe asks a directory "
                        "discovery finds (not comparable on a cluster without one)",
}


def test_every_compat_switch_is_covered_by_a_read_only_and_a_scratch_probe():
    covered = {}
    for p in probes.PROBES:
        for item in p.covers:
            if item.startswith("compat:"):
                covered.setdefault(item[len("compat:"):], set()).add(p.scratch)
    assert set(covered) == set(compat.SWITCHES)
    for name in compat.SWITCHES:
        expected = {True} if name in WRITE_ONLY else {False} if name in READ_ONLY else {False, True}
        assert covered[name] == expected, name


def test_the_kits_simulator_gets_every_kind_of_object_discovery_found():
    """mirror() gives a bare simulator (no seeded users; here not even an LDAP directory) one object of
    each kind discovery looks for, so the probes on discovered objects compare on both sides."""
    own = kit.OwnSimulator("14.0", compat.defaults())
    try:
        with own.sim.store.write() as conn:
            conn.execute("DELETE FROM directorypluginconfig")
        side = probes.Side("simulator", own.client(30), "14.0", "14.0")
        assert probes.discover(side)["ldap_directory"] is False
        probes.mirror(side, dict.fromkeys(probes.DISCOVERY, True))
        side.found = {}
        assert probes.discover(side) == dict.fromkeys(probes.DISCOVERY, True)
        with own.sim.store.read() as conn:
            assert conn.execute("SELECT name FROM directorypluginconfig").fetchall() == [
                (probes.MIRROR["ldap_directory"],)]
    finally:
        own.stop()


# ------------------------------------------------------------------------------------ clean-up
def test_write_scratch_cleans_up_after_a_dropped_connection(sim_factory, tmp_path, monkeypatch):
    target = prepared(sim_factory, "conf-default")
    target.faults(drop_after_commit=4)          # the 4th write (addDeviceProfile) commits, then no answer
    try:
        code, report = run_kit(target, tmp_path / "report", "--write-scratch", monkeypatch=monkeypatch)
    finally:
        target.faults(drop_after_commit=0)
    assert code == 2 and report["result"] == "stopped early"
    assert "scratch-device-profile" in report["aborted"]
    assert statuses(report)["scratch-device-profile"] == "error"
    assert target.sql("SELECT count(*) FROM device WHERE name = ?", (probes.PROFILE,)) == [(0,)]
    assert leftovers(target) == []
    assert report["cleanup"]["after"]["left"] == []
    assert "stopped early" in (tmp_path / "report" / "report.md").read_text()


def test_write_scratch_cleans_up_when_a_probe_raises(sim_factory, tmp_path, monkeypatch):
    target = prepared(sim_factory, "conf-default")

    def boom(side):
        raise RuntimeError("a probe hook failed on purpose")
    monkeypatch.setattr(probes.by_name("resave-stale-url"), "fn", boom)
    code, report = run_kit(target, tmp_path / "report", "--write-scratch", monkeypatch=monkeypatch)
    assert code == 2
    assert statuses(report)["resave-stale-url"] == "error"
    assert "a probe hook failed on purpose" in report["aborted"]
    assert statuses(report)["scratch-device-profile"] == "not comparable"   # the simulator side never ran
    assert leftovers(target) == []


def test_a_read_only_probe_that_fails_is_reported_and_the_others_still_run(sim_factory, tmp_path, monkeypatch):
    target = prepared(sim_factory, "conf-default")

    def confused(side):
        raise ValueError("an answer this probe cannot read")
    monkeypatch.setattr(probes.by_name("standard-group-roles"), "fn", confused)
    code, report = run_kit(target, tmp_path / "report", monkeypatch=monkeypatch)
    assert code == 2 and report["aborted"] is None
    found = statuses(report)
    assert found.pop("standard-group-roles") == "error"
    assert set(found.values()) == {"same"}


def test_the_sweep_removes_leftovers_of_an_earlier_run_and_nothing_else(sim_factory, tmp_path, monkeypatch):
    target = prepared(sim_factory, "conf-default")
    assert target.post("addUser", "<user><lastName>Old</lastName><userid>voiceops-conformance-old</userid>"
                                  "<presenceGroupName>Standard Presence group</presenceGroupName></user>").status_code == 200
    keep = "<user><firstName>{0}</firstName><lastName>Keep</lastName><userid>{0}</userid>" \
           "<presenceGroupName>Standard Presence group</presenceGroupName></user>"   # MFI-784: distinct names
    for userid in ("VOICEOPS-CONFORMANCE-keep", "voiceops-conformancekeep", "keep-voiceops-conformance-x"):
        assert target.post("addUser", keep.format(userid)).status_code == 200
    assert target.post("addIpPhoneServices", "<ipPhoneServices><serviceName>voiceops-conformance-old</serviceName>"
                       "<asciiServiceName>voiceops-conformance-old</asciiServiceName><serviceUrl>http://x.invalid/</serviceUrl>"
                       "<serviceCategory>XML Service</serviceCategory><serviceType>Standard IP Phone Service</serviceType>"
                       "</ipPhoneServices>").status_code == 200
    for pattern, description in (("4455", "voiceops-conformance-dn"), ("4456", "keep voiceops-conformance-dn")):
        assert target.post("addLine", f"<line><pattern>{pattern}</pattern><description>{description}</description>"
                                      "<usage>Device</usage></line>").status_code == 200
    # --write-scratch with one read-only probe: the two sweeps and nothing else
    code, report = run_kit(target, tmp_path / "report", "--write-scratch", "--probe", "version-format",
                           monkeypatch=monkeypatch)
    assert code == 0, report
    assert leftovers(target) == []
    assert sorted(r[0] for r in target.sql("SELECT userid FROM enduser WHERE userid LIKE '%keep%'")) == [
        "VOICEOPS-CONFORMANCE-keep", "keep-voiceops-conformance-x", "voiceops-conformancekeep"]
    assert target.sql("SELECT dnorpattern FROM numplan WHERE dnorpattern IN ('4455', '4456')") == [("4456",)]
    assert {r["name"] for r in report["cleanup"]["before"]["removed"]} == {
        "voiceops-conformance-old", "voiceops-conformance-dn"}


# ------------------------------------------------------------------------------------ errors and usage
def test_wrong_password_unreachable_or_untrusted_cluster_exit_2(sim_factory, tmp_path, monkeypatch, capsys):
    target = sim_factory("conf-default", *FLAGS)
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    base = ["--username", "administrator", "--password-env", PASSWORD_ENV, "--report", str(tmp_path / "r")]
    assert kit.main(["--against", target.base, "--ca-path", target.cert, *base]) == 2
    assert "refused the credentials (HTTP 401)" in capsys.readouterr().err
    monkeypatch.setenv(PASSWORD_ENV, "ciscopsdt")
    assert kit.main(["--against", target.base, *base]) == 2                 # the system store does not trust it
    assert "cannot connect" in capsys.readouterr().err
    assert kit.main(["--against", "https://127.0.0.1:9", *base]) == 2
    assert "cannot connect" in capsys.readouterr().err
    (tmp_path / "file").write_text("")
    assert kit.main(["--against", target.base, "--ca-path", target.cert, *base[:-1], str(tmp_path / "file" / "r")]) == 2
    assert "cannot create the report folder" in capsys.readouterr().err
    monkeypatch.delenv(PASSWORD_ENV)
    monkeypatch.setattr("sys.stdin", io.StringIO())                       # not a terminal: nobody to ask
    assert kit.main(["--against", target.base, "--ca-path", target.cert, *base]) == 2
    assert f"set {PASSWORD_ENV}" in capsys.readouterr().err
    assert not (tmp_path / "r" / "report.json").exists()


@pytest.mark.parametrize("argv,message", [
    (["--against", "https://h:8443", "--report", "r"], "--username is required"),
    (["--against", "https://h:8443", "--username", "u"], "--report"),
    (["--username", "u", "--report", "r"], "one of the arguments --against --replay is required"),
    (["--against", "https://h:8443", "--username", "u", "--report", "r", "--probe", "nope"], "unknown probe"),
    (["--against", "https://h:8443", "--username", "u", "--report", "r", "--compat", "plus-escape=maybe"], "plus-escape"),
    (["--replay", "t.json", "--report", "r", "--write-scratch"], "from the transcript"),
])
def test_bad_arguments_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exited:
        kit.main(argv)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_the_guide_describes_every_probe_and_option():
    from conftest import ROOT
    guide = (ROOT / "docs" / "conformance.md").read_text()
    for p in probes.PROBES:
        assert f"| `{p.name}` | {'write' if p.scratch else 'read'}" in guide, p.name
    switches = guide.split("| switch | read-only probes | write probes |", 1)[1].split("\n\n", 1)[0]
    for name in compat.SWITCHES:                                             # every switch, with its probes
        row = next(line for line in switches.splitlines() if line.startswith(f"| `{name}` |"))
        for p in probes.PROBES:
            assert (f"`{p.name}`" in row) == (f"compat:{name}" in p.covers), (name, p.name)
    for action in kit.parse_args(["--replay", "x", "--report", "r"]).__dict__:
        if action not in ("compat_settings", "compat_explicit"):
            assert f"`--{action.replace('_', '-')}" in guide, action


def test_the_server_command_is_unchanged_and_lists_the_subcommand():
    cmd, env = command()
    out = subprocess.run([*cmd, "--help"], capture_output=True, text=True, env=env, timeout=30, check=True).stdout
    assert "cucm-axl-sim conformance" in out and "--against" not in out
    sub = subprocess.run([*cmd, "conformance", "--help"], capture_output=True, text=True, env=env, timeout=30, check=True)
    for flag in ("--against", "--username", "--password-env", "--ca-path", "--axl-version", "--write-scratch",
                 "--report", "--replay", "--compat"):
        assert flag in sub.stdout, flag
