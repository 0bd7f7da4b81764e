"""Number pool and joiners rows of ``make bench``, against one ``cucm-axl-sim`` with 30 ms added to every
answer (500 seeded users holding 100001..100500 in Internal_PT):

- ``pool``: the pool lookup's AXL request count for ranges of 1,000 and 100,000 numbers (the same lines
  in use), which depends on the lines before the free numbers, never on the size of the range;
- ``joiners``: the joiners role provisioning 500 joiners in one run (a third each Jabber CSF, desk phone,
  Extension Mobility profile, numbers from 100000-100999), then the same run again (nothing to change):
  wall time, AXL requests and writes, per joiner.

Prints the tables and writes them to the "Number pool and joiners" section of docs/performance.md (make
bench runs this after bench_collection.py, which rewrites the rest of that file).  ``--only pool`` or
``--only joiners`` measures one part and keeps the other part's last figures (build/bench/number_pool.json).
Usage: ``.venv/bin/python tests/bench/bench_number_pool.py [--only joiners] [--joiners 500]``
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_collection import WORK, Simulator, playbook, run  # noqa: E402

BEGIN, END = "<!-- bench_number_pool: begin -->", "<!-- bench_number_pool: end -->"
KINDS = ("jabber_csf", "desk_phone", "em_profile")


def pool_rows(sim):
    rows = []
    for size, count in ((1000, 10), (100000, 10), (1000, 100), (100000, 100)):
        end = str(100000 + size - 1)
        path = playbook(f"pool_{size}_{count}", [
            {"name": "pool", "voiceops.cucm.cucm_number_pool_info": {
                "ranges": [{"start": "100000", "end": end, "partition": "Internal_PT"}], "count": count}}], sim=sim)
        r = run(sim, path)
        rows.append({"size": size, "count": count, "requests": r["requests"], "wall": r["wall"]})
        print(f"  range {size}, count {count}: {r['requests']} requests, {r['wall']:.1f} s", flush=True)
    return rows


def joiner_rows(sim, count):
    joiners = []
    for i in range(count):
        kind = KINDS[i % 3]
        device = {"kind": kind, "mac": "00AA00%06X" % i} if kind == "desk_phone" else {"kind": kind}
        joiners.append({"userid": f"joiner{i:04d}", "first_name": "Joiner", "last_name": f"Number {i}",
                        "device": device})
    path = playbook(f"joiners_{count}", [{"name": "joiners", "ansible.builtin.include_role": {
        "name": "voiceops.cucm.joiners"}, "vars": {
        "joiners_users": joiners, "joiners_number_ranges": [{"start": "100000", "end": "100999", "partition": "Internal_PT"}],
        "joiners_report_file": str(WORK / "joiners_writeback.json")}}], sim=sim)
    rows = []
    for label in (f"{count} joiners, first run", f"{count} joiners, run again (nothing to change)"):
        r = run(sim, path)
        rows.append({"label": label, "joiners": count, "requests": r["requests"], "writes": r["writes"],
                     "auth_basic": r["auth_basic"], "wall": r["wall"]})
        print(f"  {label}: {r['wall']:.1f} s, {r['requests']} requests ({r['requests'] / count:.1f} per joiner), "
              f"{r['writes']} writes", flush=True)
    taken = json.loads((WORK / "joiners_writeback.json").read_text())
    numbers = [row["number"] for row in taken]
    if len(set(numbers)) != count:
        raise SystemExit("bench: the joiners did not get distinct numbers")
    return rows


def render(data):
    lines = [BEGIN, "## Number pool and joiners", "",
             "Written by `tests/bench/bench_number_pool.py` (run by `make bench`; against one simulator with 500 users "
             "holding 100001..100500 and 30 ms added to every answer).", ""]
    if data.get("pool"):
        lines += ["| Pool lookup (500 lines in use at the start of the range) | numbers in range | free numbers asked | "
                  "AXL requests | wall |", "|---|---:|---:|---:|---:|"]
        lines += [f"| cucm_number_pool_info | {r['size']:,} | {r['count']} | {r['requests']} | {r['wall']:.1f} s |"
                  for r in data["pool"]]
        lines += [""]
    if data.get("joiners"):
        lines += ["| Role voiceops.cucm.joiners (one ansible-playbook run; a third each Jabber, desk phone, Extension "
                  "Mobility profile) | wall | per joiner | AXL requests | per joiner | writes | Basic auths |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        lines += [f"| {r['label']} | {r['wall']:.0f} s | {r['wall'] / r['joiners']:.2f} s | {r['requests']:,} | "
                  f"{r['requests'] / r['joiners']:.1f} | {r['writes']:,} | {r['auth_basic']:,} |" for r in data["joiners"]]
        lines += ["", "Most of a joiner's wall time is Ansible's cost of a loop item (the device or profile, and the "
                  "description of the new line, are one task item each); the reservation, the users, the Self Care "
                  "group and the associations are one bulk task each for all joiners.", ""]
    lines += [END]
    return "\n".join(lines)


def write_section(out, text):
    current = out.read_text() if out.exists() else ""
    if BEGIN in current and END in current:
        head, rest = current.split(BEGIN, 1)
        current = head + text + rest.split(END, 1)[1]
    else:
        current = current.rstrip("\n") + "\n\n" + text + "\n"
    out.write_text(current)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--only", choices=("all", "pool", "joiners"), default="all",
                        help="measure one part; the other keeps its last figures")
    parser.add_argument("--joiners", type=int, default=500, help="joiners the role provisions in one run")
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance.md"))
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    link = ROOT / "build" / "collections" / "ansible_collections" / "voiceops" / "cucm"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.exists():
        link.symlink_to(ROOT)
    saved = WORK / "number_pool.json"
    data = json.loads(saved.read_text()) if saved.exists() else {}
    if not isinstance(data, dict):
        data = {}
    sim = Simulator(users=500, latency_ms=30)
    try:
        if args.only in ("all", "pool"):
            print("number pool lookup:", flush=True)
            data["pool"] = pool_rows(sim)
        if args.only in ("all", "joiners"):
            print(f"joiners role, {args.joiners} joiners:", flush=True)
            sim.admin("POST", "reset")
            data["joiners"] = joiner_rows(sim, args.joiners)
    finally:
        sim.stop()
    saved.write_text(json.dumps(data))
    text = render(data)
    print(text)
    write_section(Path(args.out), text)


if __name__ == "__main__":
    main()
