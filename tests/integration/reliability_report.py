"""docs/reliability.md: rendered from the rows test_reliability.py saved and the gates' result files.

- The campaign's tests save their rows under ``build/reliability/<run>/`` (see reliability_support);
  the last of them to finish renders the report.
- The gates (``ansible-test sanity``, ``ansible-test units``, ``ansible-lint``, ``make package``) are
  make targets that run after the integration tests in ``make test``. Each writes
  ``build/gates/<target>.json`` when it passes (and removes it when it starts), and a result counts only
  if it is newer than every file that gate checks. The suite shows a gate that has no such result yet
  as *pending*.
- ``python tests/integration/reliability_report.py`` (``make reliability-report``, the last step of
  ``make test``) renders the report again from the last complete run of the suite with the gates'
  results as they are now, and exits 1 if any row fails or any gate has no current result.
"""

import datetime
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "build" / "reliability"
REPORT = ROOT / "docs" / "reliability.md"
GATES_DIR = ROOT / "build" / "gates"
LATEST = RESULTS / "latest.json"

CATEGORIES = (
    ("bad-input", "1. Bad input",
     "Each case is one task of a play (ignore_errors). Pass: the task fails, its message names the option, it sent "
     "no write (the simulator's write counter, read after the task) and changed no row of any table (the "
     "simulator's database read directly after the task, compared with before it)."),
    ("hostile", "2. Hostile input on the SQL paths",
     "Quotes, doubled quotes, semicolons, comment markers, LIKE wildcards, braces, backslashes, line breaks and "
     "non-ASCII letters in every value that reaches an executeSQLQuery/executeSQLUpdate. Pass: the value is refused "
     "naming the option with no write, or stored exactly (read back from the database); and every row the task "
     "added or removed, in every table, is the target's (the whole database compared before and after each task)."),
    ("faults", "3. Faults from the simulator's switches",
     "Each fault is compared with the same play without it, from the same seeded state. Pass: the task converges "
     "(or fails with a clear message and no traceback), with no duplicate object or row, no lost change, the "
     "same `changed`, and the database equal to the fault-free run's (generated pkids, salted digests and "
     "timestamps aside)."),
    ("secrets", "4. Secrets",
     "Canary values for every secret, at -vvvv with --diff, also in failing tasks. Pass: zero occurrences in "
     "stdout/stderr, the registered results and the callback's result log (warnings, diffs, failure messages "
     "included), Ansible's log file, and every file ansible-runner writes in its private data directory."),
    ("tls", "5. TLS",
     "Module tasks with REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and SSL_CERT_FILE unset in the controller's "
     "environment, then set per task (`environment:`) to a CA bundle without the simulator's certificate, or to "
     "that certificate itself."),
    ("concurrency", "6. Concurrency",
     "Two ansible-playbook processes at once against one simulator, with latency so that both read before either "
     "writes (checked in the simulator's request log)."),
    # Issue 12, "Never touch the wrong person": one section per defect class.
    ("keep-lists", "8. Keep and protect lists",
     "Inputs that name who stays (the leavers role's keep file in YAML, JSON, CSV or text; keep and protected user "
     "IDs as lists or text). Pass: read exactly, or refused with a clear error before any write (0 writes, tables "
     "unchanged); an unreadable or empty keep source is an error, never an empty list."),
    ("survey-text", "9. Survey text",
     "User IDs given as text, as an AWX survey does. Pass: one ID per line or comma-separated; blanks inside an ID "
     "are kept; the users de-provisioned are exactly those named (read from the simulator's database)."),
    ("empty-declarations", "10. Nothing declared",
     "Empty declarations on the paths that delete. Pass: refused (0 writes) unless the task says allow_empty, and "
     "the message says what would have been deleted."),
    ("bounded-deletes", "11. Bounded deletes",
     "Every state and role path that deletes, above max_deletions. Pass: refused before any write, naming the count."),
    ("lookalike-identities", "12. Look-alike identities",
     "Names that differ from an existing object only by case, surrounding blanks or invisible characters. Pass: "
     "refused naming the existing object (0 writes); no shadow object is created and nothing is deleted."),
    ("numbers-as-text", "13. Numbers as text",
     "User IDs, PINs, passwords and extensions written as YAML numbers, in files, inline, and as AWX !unsafe extra "
     "vars. Pass: AWX's quoted strings are taken exactly on every supported ansible-core; a value YAML turned into a "
     "number is refused naming the field and saying to quote it (0 writes)."),
    ("lost-updates", "14. Lost updates",
     "Two jobs adding or removing at once (the simulator's write barrier makes both read before either writes). "
     "Pass: both changes are in the database afterwards, and nothing undeclared appears."),
    ("secret-leaks", "15. Secrets where they must not be",
     "Secrets in the simulator's request log, password parameters unmarked by a re-declaration, misspelt or "
     "malformed secret options at -vvv. Pass: zero occurrences of the canary; an unmarking needs an explicit option."),
    ("half-done", "16. Half-done work",
     "A dropped answer on the last write, rollbacks, and defaults that only fail at write time. Pass: the task "
     "reports what really happened (checked in the database); check mode predicts the failure with 0 writes."),
    ("lax-input", "17. Lax input",
     "CSV booleans and columns, pathological scope patterns, certificate files and negative numbers. Pass: a clear "
     "error naming the option, in bounded time, 0 writes."),
    ("provision-after-leavers", "18. Provision after leavers",
     "The unchanged Git state provisioned after the leavers role ran. Pass: every bad entry reported with its "
     "reason; the documented mode converges the valid ones; no leaver is re-created."),
    ("gates", "19. Gates",
     "Recorded from the result files the make targets write when they pass (build/gates/<target>.json; `make test` "
     "runs them after the integration tests, then `make reliability-report` renders this report again). A result "
     "counts only if it is newer than every file the gate checks."),
)

# gate row: (case, make target, what it is, the files it checks; a result older than any of them is stale)
_ALL = ("plugins", "roles", "meta", "playbooks", "extensions", "galaxy.yml", "changelogs", "tests", "tools",
        "simulator", "docs/docsite", "README.md", "requirements.txt", "inventory", "execution-environment.yml")
GATES = (
    ("GATE-sanity", "sanity", "`make sanity`: ansible-test sanity, every test (pslint skipped: no PowerShell here), "
     "no ignore files", _ALL),
    ("GATE-units", "units-collection", "`make units-collection`: ansible-test units", ("plugins", "tests/unit")),
    ("GATE-lint", "lint", "`make lint`: ansible-lint --profile production",
     ("plugins", "roles", "meta", "playbooks", "extensions", "galaxy.yml", ".ansible-lint")),
    ("GATE-cores", "integration-cores", "`make integration-cores`: the tests marked `cores` (roles, playbooks, AWX-style "
     "extra vars, the AWX job through ansible-runner) on ansible-core 2.16 and on the newest release",
     ("plugins", "roles", "meta", "playbooks", "simulator", "tests/integration")),
    ("GATE-package", "package", "`make package`: ansible-galaxy collection build, install of the built tarball, smoke "
     "run of the installed copy (build_ignore checked)", _ALL),
)
IGNORED = ("__pycache__", ".pytest_cache", "output")
# what the campaign's own rows depend on
SUITE_SOURCES = ("plugins", "roles", "meta", "playbooks", "simulator", "tests/integration")


def newest(entries):
    """``(mtime, path)`` of the newest file under ``entries`` (the report itself aside)."""
    found = (0.0, None)
    for entry in entries:
        path = ROOT / entry
        files = [path] if path.is_file() else (p for p in path.rglob("*") if p.is_file()) if path.is_dir() else ()
        for file in files:
            if file == REPORT or any(part in IGNORED for part in file.relative_to(ROOT).parts) or file.suffix == ".pyc":
                continue
            mtime = file.stat().st_mtime
            if mtime > found[0]:
                found = (mtime, file)
    return found


def gate_rows(final):
    """Rows of the gates as their result files say now; without a current result a gate is pending
    (``final``: failing)."""
    rows = []
    ignores = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "sanity").glob("ignore-*.txt"))
    rows.append(dict(case="GATE-ignore", category="gates", module="all", expected="no sanity ignore file "
                     "(tests/sanity/ignore-*.txt)", observed=", ".join(ignores) or "none", passed=not ignores))
    for case, target, what, sources in GATES:
        path = GATES_DIR / ("%s.json" % target)
        result = json.loads(path.read_text()) if path.exists() else None
        row = dict(case=case, category="gates", module="all", expected="%s: passed, on the current files" % what)
        if result is None:
            row.update(observed="no result: `make %s` has not passed since it last started" % target, passed=False)
        else:
            mtime, file = newest(sources)
            when = datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.timezone.utc).strftime("%H:%M UTC")
            args = result.get("args", "").strip()
            if args:
                row.update(observed="passed at %s, but with arguments (%s): not the whole gate" % (when, args), passed=False)
            elif mtime > path.stat().st_mtime:
                row.update(observed="passed at %s, but %s changed since" % (when, file.relative_to(ROOT)), passed=False)
            else:
                row.update(observed="passed at %s (rc 0); no checked file changed since" % when, passed=True)
        if not row["passed"] and not final:
            row["pending"] = True
        rows.append(row)
    return rows


def _cell(text):
    text = str(text).replace("\r", " ").replace("\n", " ").replace("|", "\\|")
    return text if len(text) <= 420 else text[:417] + "..."


def render(saved, complete, final=False):
    rows = [r for s in saved for r in s["rows"]] + gate_rows(final)
    started = min(s["started"] for s in saved)
    finished = max(s["finished"] for s in saved)
    busy = sum(s["finished"] - s["started"] for s in saved)
    pending = sum(1 for r in rows if r.get("pending"))
    passed = sum(1 for r in rows if r["passed"])
    failed = len(rows) - passed - pending
    counts = ", ".join("%s %d" % (title.split(" ", 1)[1].lower(), sum(1 for r in rows if r["category"] == key))
                       for key, title, _h in CATEGORIES)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "# Reliability and security report",
        "",
        "Generated on %s by `tests/integration/test_reliability.py` (`make integration`), with the gates' results "
        "added by `make reliability-report`; both are part of `make test`. Do not edit: every run writes it again "
        "from what it observed." % now,
    ]
    if not complete:
        out += ["", "**Partial run**: only some of the campaign's tests ran; this report is not published."]
    out += [
        "",
        "**Summary: %d rows, %d pass, %d fail%s** (%s). The campaign's tests took %d s (%d s of wall clock; they run "
        "beside the other integration tests in the pytest-xdist workers)." % (
            len(rows), passed, failed, ", %d pending" % pending if pending else "", counts, round(busy),
            round(finished - started)),
        "",
        "Against `cucm-axl-sim` (the collection's AXL simulator, AXL 14.0) in strict mode: every request is validated "
        "against Cisco's AXL schema. Case ids: E cucm_end_user, B cucm_end_users, G cucm_user_group, R cucm_role, "
        "S cucm_phone_service, P cucm_phone_service_subscription, L cucm_leaver_devices, I info modules, C connection options, H hostile "
        "input, F faults, SEC secrets, T TLS, K concurrency, GATE gates.",
    ]
    for key, title, how in CATEGORIES:
        mine = [r for r in rows if r["category"] == key]
        if not mine:
            continue
        out += ["", "## %s" % title, "", how, "", "| case | module | expected | observed | result |",
                "|---|---|---|---|---|"]
        for r in mine:
            result = "pending" if r.get("pending") else "pass" if r["passed"] else "**FAIL**"
            out.append("| %s | %s | %s | %s | %s |" % (_cell(r["case"]), _cell(r["module"]), _cell(r["expected"]),
                                                       _cell(r["observed"]), result))
    return "\n".join(out) + "\n", failed, pending


def load(run):
    return [json.loads(p.read_text()) for p in sorted((RESULTS / run).glob("*.json"))]


def main():
    """The last step of ``make test``: the report of the last complete run with the gates' results."""
    if not LATEST.exists():
        print("reliability-report: no complete run of tests/integration/test_reliability.py (run make integration)")
        return 1
    latest = json.loads(LATEST.read_text())
    saved = load(latest["run"])
    if not saved:
        print("reliability-report: the rows of run %s are gone (run make integration)" % latest["run"])
        return 1
    finished = max(s["finished"] for s in saved)
    mtime, changed = newest(SUITE_SOURCES)
    if mtime > finished:
        print("reliability-report: %s changed after the last complete run of the campaign (run make integration)"
              % changed.relative_to(ROOT))
        return 1
    age = time.time() - finished
    text, failed, _pending = render(saved, True, final=True)
    REPORT.write_text(text, encoding="utf-8")
    print("reliability-report: %s (rows of the suite run %d min ago): %s" % (
        REPORT.relative_to(ROOT), age // 60, text.split("**Summary: ", 1)[1].split("**", 1)[0]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
