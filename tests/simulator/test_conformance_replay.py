"""Replay every conformance transcript (``tests/simulator/conformance_transcripts/*.json``) against
the simulator: the simulator must answer each probe as the transcript's cluster did, except the
probes the transcript lists as known differences.  See that folder's README for how a user's
capture becomes a fixture."""

import copy
import json
from pathlib import Path

import pytest

from cucm_axl_sim.conformance import kit, probes, report

FOLDER = Path(__file__).resolve().parent / "conformance_transcripts"
TRANSCRIPTS = sorted(FOLDER.glob("*.json"))


def test_a_transcript_generated_from_the_simulator_is_shipped_and_labelled():
    shipped = [json.loads(p.read_text()) for p in TRANSCRIPTS]
    simulated = [t for t in shipped if t["origin"] == "cucm-axl-sim"]
    assert simulated, f"no simulator transcript in {FOLDER}"
    for data in simulated:
        assert "not captured from a real cluster" in data["label"]
        assert data["write_scratch"] is True and all(data["found"].values())
        assert {p["name"] for p in data["probes"]} == {p.name for p in probes.PROBES}


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.name for p in TRANSCRIPTS])
def test_transcript_replays(path, tmp_path):
    data = json.loads(path.read_text())
    assert data["format"] == report.TRANSCRIPT_FORMAT and data["origin"] in ("cluster", "cucm-axl-sim")
    out = kit.replay(str(path), str(tmp_path))
    failing = {p["name"]: (p["status"], p.get("reason"), p.get("reference"), p.get("simulator"))
               for p in out["probes"] if p["status"] in (report.DIFFERS, report.ERROR)}
    hint = (" (a transcript generated from the simulator: if its default behaviour changed on purpose, regenerate "
            "it with `make conformance-fixture`)" if data["origin"] == "cucm-axl-sim" else "")
    assert not failing, f"the simulator no longer answers as {path.name} records{hint}: {json.dumps(failing, indent=1)}"
    assert out["exit_code"] == 0
    compared = {p["name"] for p in out["probes"] if p["status"] in (report.SAME, report.KNOWN)}
    assert compared == {p["name"] for p in data["probes"] if p["outcome"] == "answered"}


def _shipped(tmp_path, change):
    source = next(p for p in TRANSCRIPTS if p.name.startswith("cucm-axl-sim-"))
    data = copy.deepcopy(json.loads(source.read_text()))
    change(data)
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(data))
    return path


def _view(data, name):
    return next(p for p in data["probes"] if p["name"] == name)


def test_replay_finds_an_answer_that_changed(tmp_path):
    def change(data):
        _view(data, "user-not-found")["view"]["axlcode"] = 5003
    out = kit.replay(str(_shipped(tmp_path, change)), str(tmp_path / "r"), only=["user-not-found"])
    assert out["exit_code"] == 1
    row = next(p for p in out["probes"] if p["name"] == "user-not-found")
    assert row["status"] == report.DIFFERS
    assert row["reference"]["axlcode"] == 5003 and row["simulator"]["axlcode"] == 5007
    assert "### `user-not-found`: differs" in (tmp_path / "r" / "report.md").read_text()


def test_known_differences_are_reported_and_must_stay_true(tmp_path):
    def known(data):
        _view(data, "user-not-found")["view"]["axlcode"] = 5003
        data["replay"]["known_differences"] = {"user-not-found": "cluster X answers 5003 (issue #0)"}
    out = kit.replay(str(_shipped(tmp_path, known)), str(tmp_path / "a"), only=["user-not-found", "version-format"])
    assert out["exit_code"] == 0
    assert {p["name"]: p["status"] for p in out["probes"]} == {
        "version-format": report.SAME, "user-not-found": report.KNOWN}

    def stale(data):
        data["replay"]["known_differences"] = {"user-not-found": "fixed since"}
    out = kit.replay(str(_shipped(tmp_path, stale)), str(tmp_path / "b"), only=["user-not-found"])
    assert out["exit_code"] == 1 and "now the same" in out["probes"][0]["reason"]


def test_replay_uses_the_transcripts_compat_settings(tmp_path):
    def alternative(data):
        data["replay"]["compat"] = {"service-uuid": "present"}
    out = kit.replay(str(_shipped(tmp_path, alternative)), str(tmp_path / "r"), only=["version-format"])
    assert out["simulator"]["compat"]["service-uuid"] == "present"


def test_a_file_that_is_not_a_transcript_is_a_usage_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}')
    with pytest.raises(kit.UsageError):
        kit.replay(str(bad), str(tmp_path / "r"))
    assert kit.main(["--replay", str(bad), "--report", str(tmp_path / "r")]) == 2
