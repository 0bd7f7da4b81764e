"""Normalising, redacting and writing what the kit found.

- :func:`normalise` makes two views comparable: ids/uuids, time stamps and the address of either
  side become placeholders (``{UUID}``, ``GUID``, ``TIMESTAMP``, ``SCHEME://HOST``).  Build numbers
  and orders that mean nothing are removed by the probes themselves (``probes.version_shape``,
  sorted lists).
- :func:`redact` is applied to every request and answer written to disk: the contents of
  ``password``, ``pin``, ``digestCredentials`` and ``mlppPassword`` elements become ``********``
  and the cluster's address ``HOST``.  Credentials are never recorded (the HTTP headers are not
  kept), and probes on discovered users and devices keep no exchanges at all.
- :func:`write` writes ``report.md`` (for people), ``report.json`` (for tools) and, for a live
  run, ``transcript.json``: the cluster's answers, the file a user sends back.
"""

import json
import os
import re

TRANSCRIPT_FORMAT = "voiceops-conformance-transcript/1"
SAME, DIFFERS, NOT_COMPARABLE, KNOWN, ERROR = "same", "differs", "not comparable", "known difference", "error"
_BRACED = re.compile(r"\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}")
_BARE = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
_STAMPS = (
    re.compile(r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\b"),
    re.compile(r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December) "
               r"\d{1,2}, \d{4} \d{1,2}:\d{2}(?::\d{2})?(?: [A-Z]{2,5})?"),
)
_SECRETS = re.compile(r"<((?:[\w.-]+:)?(?:password|pin|digestCredentials|mlppPassword))(\s[^>]*)?>[^<]+</\1\s*>")
MAX_RESPONSE_CHARS = 20000


def _host_pattern(hosts):
    """Patterns of the given hosts: in URLs, and on their own when they cannot be mistaken for a
    word (an address or a dotted name; a short host name like ``cucm`` is replaced in URLs only)."""
    names = sorted({h for h in hosts if h}, key=len, reverse=True)
    if not names:
        return None
    in_url = "|".join(re.escape(f"[{h}]" if ":" in h else h) for h in names)
    alone = "|".join(re.escape(h) for h in names if "." in h or ":" in h) or r"(?!x)x"
    return (re.compile(rf"https?://(?:{in_url})(?::\d+)?", re.I),
            re.compile(rf"(?<![\w.-])(?:{alone})(?![\w-]|\.\w)", re.I))


def normalise(value, hosts=()):
    """A copy of a view with ids, time stamps and addresses replaced by placeholders."""
    patterns = _host_pattern(hosts)

    def fix(item):
        if isinstance(item, dict):
            return {k: fix(v) for k, v in item.items()}
        if isinstance(item, list):
            return [fix(v) for v in item]
        if not isinstance(item, str):
            return item
        text = _BRACED.sub("{UUID}", item)
        text = _BARE.sub("GUID", text)
        for stamp in _STAMPS:
            text = stamp.sub("TIMESTAMP", text)
        if patterns:
            text = patterns[0].sub("SCHEME://HOST", text)
        return text
    return fix(value)


def same(a, b, hosts=()):
    return canonical(a, hosts) == canonical(b, hosts)


def canonical(view, hosts=()):
    return json.dumps(normalise(view, hosts), sort_keys=True, ensure_ascii=False)


def redact(text, hosts=()):
    """Secrets and the cluster's address out of a request or an answer."""
    if not text:
        return text
    text = _SECRETS.sub(r"<\1\2>********</\1>", text)
    patterns = _host_pattern(hosts)
    if patterns:
        text = patterns[0].sub("SCHEME://HOST", text)
        text = patterns[1].sub("HOST", text)
    if len(text) > MAX_RESPONSE_CHARS:
        text = text[:MAX_RESPONSE_CHARS] + f"... [{len(text) - MAX_RESPONSE_CHARS} more characters]"
    return text


def exchanges(records, hosts, private):
    if private:
        return "not kept: this probe's requests name a real user or device of the cluster"
    return [{"operation": r["operation"], "request": redact(r["request"], hosts), "status": r["status"],
             "response": redact(r["response"], hosts)} for r in records]


# ------------------------------------------------------------------ writing
def write(directory, report, transcript=None):
    os.makedirs(directory, exist_ok=True)
    paths = {"markdown": os.path.join(directory, "report.md"), "json": os.path.join(directory, "report.json")}
    with open(paths["json"], "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1, ensure_ascii=False)
        handle.write("\n")
    with open(paths["markdown"], "w", encoding="utf-8") as handle:
        handle.write(markdown(report))
    if transcript is not None:
        paths["transcript"] = os.path.join(directory, "transcript.json")
        with open(paths["transcript"], "w", encoding="utf-8") as handle:
            json.dump(transcript, handle, indent=1, ensure_ascii=False)
            handle.write("\n")
    return paths


def _block(value):
    return "```json\n" + json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False) + "\n```\n"


def markdown(report):
    ref = report["reference"]
    sim = report["simulator"]
    counts = report["summary"]
    out = ["# CUCM AXL conformance report\n",
           f"- Reference: {ref['description']}",
           f"- Simulator: cucm-axl-sim as CUCM {sim['release']}, requests in AXL {sim['axl_version']}, "
           f"compat {', '.join(f'{k}={v}' for k, v in sorted(sim['compat'].items()))}",
           f"- Write checks (`--write-scratch`): {'yes' if report['write_scratch'] else 'no (read-only run)'}",
           f"- Result: **{report['result']}** (exit {report['exit_code']}): " +
           ", ".join(f"{counts[k]} {k}" for k in (SAME, DIFFERS, KNOWN, NOT_COMPARABLE, ERROR) if counts.get(k)),
           ""]
    if report.get("aborted"):
        out += [f"**The run stopped early:** {report['aborted']}", ""]
    out += ["| probe | result | covers | what it checks |", "|---|---|---|---|"]
    for p in report["probes"]:
        out.append(f"| `{p['name']}` | {p['status']} | {', '.join(p['covers']) or '-'} | {p['title']} |")
    out.append("")
    differing = [p for p in report["probes"] if p["status"] in (DIFFERS, KNOWN, ERROR)]
    if differing:
        out.append("## Differences\n")
        for p in differing:
            out.append(f"### `{p['name']}`: {p['status']}\n")
            out.append(p["title"] + ".\n")
            if p.get("reason"):
                out.append(p["reason"] + "\n")
            out.append(f"{ref['name']}:\n")
            out.append(_block(p.get("reference")))
            out.append("cucm-axl-sim:\n")
            out.append(_block(p.get("simulator")))
    skipped = [p for p in report["probes"] if p["status"] == NOT_COMPARABLE]
    if skipped:
        out.append("## Not comparable\n")
        out += [f"- `{p['name']}`: {p.get('reason') or ''}" for p in skipped]
        out.append("")
    cleanup = report.get("cleanup")
    if cleanup:
        out.append("## Scratch objects (`voiceops-conformance-*`)\n")
        for when in ("before", "after"):
            done = cleanup.get(when) or {}
            if "error" in done:
                out.append(f"- {when} the checks: could not sweep ({done['error']}); run the kit again to remove leftovers")
                continue
            removed = ", ".join(f"{r['what']} {r['name']}" for r in done.get("removed", [])) or "nothing"
            out.append(f"- {when} the checks: removed {removed}")
            for left in done.get("left", []):
                out.append(f"- **left behind** ({when}): {left['what']} {left.get('name', '')}: {left.get('error')}")
        out.append("")
    if report.get("transcript"):
        out += ["## What to send back\n",
                f"`{os.path.basename(report['transcript'])}` holds the cluster's answers (passwords and PINs "
                "masked, the cluster's address replaced by HOST, no credentials, nothing about real users). "
                "Read it, then attach it to an issue: it becomes a test fixture (see docs/conformance.md).", ""]
    return "\n".join(out) + "\n"
