"""Number pool rows of ``make bench``: the pool lookup's AXL request count for ranges of 1,000 and 100,000
numbers (the same existing lines), against one ``cucm-axl-sim`` with 30 ms added to every answer.

Prints a Markdown table; run alone with ``.venv/bin/python tests/bench/bench_number_pool.py``.
The joiners role's 500-joiner row needs the modules cucm_phone/cucm_device_profile/cucm_line.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_collection import WORK, Simulator, playbook, run  # noqa: E402


def main():
    WORK.mkdir(parents=True, exist_ok=True)
    link = ROOT / "build" / "collections" / "ansible_collections" / "voiceops" / "cucm"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.exists():
        link.symlink_to(ROOT)
    sim = Simulator(users=500, latency_ms=30)
    rows = []
    try:
        for size, count in ((1000, 10), (100000, 10), (1000, 100), (100000, 100)):
            end = str(100000 + size - 1)
            path = playbook(f"pool_{size}_{count}", [
                {"name": "pool", "voiceops.cucm.cucm_number_pool_info": {
                    "ranges": [{"start": "100000", "end": end, "partition": "Internal_PT"}], "count": count},
                 "register": "r"},
                {"name": "cost", "ansible.builtin.debug": {"msg": "{{ {'requests': r.requests, 'lines': r.lines_read} | to_json }}"}}],
                sim=sim)
            r = run(sim, path)
            rows.append((size, count, r["requests"], r["wall"]))
            print(f"  range {size}, count {count}: {r['requests']} requests, {r['wall']:.1f} s", flush=True)
    finally:
        sim.stop()
    lines = ["| Pool lookup (500 lines in use at the start of the range) | numbers in range | free numbers asked | "
             "AXL requests | wall |", "|---|---:|---:|---:|---:|"]
    lines += [f"| cucm_number_pool_info | {size:,} | {count} | {req} | {wall:.1f} s |" for size, count, req, wall in rows]
    print("\n".join(lines))
    (WORK / "number_pool.json").write_text(json.dumps(rows))


if __name__ == "__main__":
    main()
