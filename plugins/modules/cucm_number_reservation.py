#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_number_reservation
short_description: Reserve directory numbers from a pool for users, race-free, or release them to it
version_added: 1.1.0
description:
  - B(state=reserved) gives each of O(users) a directory number of O(ranges) - the number it already holds, or a free one
    (see M(voiceops.cucm.cucm_number_pool_info) for what is free). Idempotent - a user whose primary extension is in
    the ranges, or for whom a line of the ranges is reserved (its description is the reservation marker
    C(reserved YYYY-MM-DD <userid>)), gets that number back and nothing is written.
  - B(Race-free.) A number without a line is reserved by creating its line (C(addLine), description the reservation
    marker). CUCM refuses a second line with the same pattern and partition, so when two runs try the same number at
    once, one creates it and the other gets CUCM's duplicate fault (-239) and goes on to the next number - an
    existing line is never overwritten. A released line is reserved with one conditional C(executeSQLUpdate) that
    changes its description only while it is still the release marker that was read and the line is still unused;
    unless CUCM reports one row updated, the number is skipped (RV(skipped)).
  - A user who left and comes back (O(prefer_previous)) gets the line they held before when it is still released and
    unused, even within the retention period (it goes back to the same person); otherwise a free number.
  - O(users[].number) asks for one number exactly (a mover's new number); the module fails for that user when the number
    is in use or reserved for someone else.
  - B(state=released) writes the release marker C(released YYYY-MM-DD <userid>) on O(lines), or on the lines of
    O(userids) (their primary extensions and the lines of their devices and device profiles), that no device has and
    that are nobody's primary extension, with the same conditional update. Lines still in use are not changed and are
    reported in RV(kept) with the reason. The C(voiceops.cucm.leavers) role does this after deleting the leavers'
    devices.
  - Check mode writes nothing and names the numbers that would be reserved (distinct for each user) or released.
  - The markers are described in R(the joiners guide,ansible_collections.voiceops.cucm.docsite.joiners).
extends_documentation_fragment:
  - voiceops.cucm.connection
  - voiceops.cucm.connection.ATTRIBUTES
author:
  - voiceops.cucm contributors (@voiceops)
options:
  state:
    description: V(reserved) gives numbers to O(users); V(released) returns O(lines) or the lines of O(userids) to the pool.
    type: str
    choices: [reserved, released]
    default: reserved
  users:
    description: With O(state=reserved), the users who need a number.
    type: list
    elements: dict
    suboptions:
      userid:
        description: The user ID (the markers name it; it need not exist yet).
        type: str
        required: true
      number:
        description: This number exactly, instead of the next free one (it must be in O(ranges)).
        type: str
  ranges:
    description:
      - With O(state=reserved), the number ranges of the pool (see M(voiceops.cucm.cucm_number_pool_info)), searched in
        this order.
    type: list
    elements: dict
    suboptions:
      start:
        description: The first number (digits, optionally after a C(+)); quote it in YAML.
        type: str
        required: true
      end:
        description: The last number (inclusive), of the form and length of O(ranges[].start).
        type: str
        required: true
      partition:
        description: The route partition of the range's lines; empty for none.
        type: str
        default: ""
  retention_days:
    description: How many days a released number stays out of the pool before it is given to someone else.
    type: int
    default: 90
  prefer_previous:
    description: Give a returning user the number they held before when its line is still released and unused.
    type: bool
    default: true
  lines:
    description: With O(state=released), the lines to release.
    type: list
    elements: dict
    suboptions:
      number:
        description: The number (C(+14085550100) and C(\+14085550100) are the same).
        type: str
        required: true
      partition:
        description: Its route partition; empty for none.
        type: str
        default: ""
      userid:
        description: The user who held it (named in the marker, so that they can get it back).
        type: str
        default: ""
  userids:
    description: With O(state=released), release the lines of these users (primary extensions and lines of their devices).
    type: list
    elements: str
  as_of:
    description:
      - The day (YYYY-MM-DD) written in markers and counted to for the retention period; default today (UTC).
    type: str
"""

EXAMPLES = r"""
- name: Numbers for three joiners from the pool (a released number comes back after 90 days)
  voiceops.cucm.cucm_number_reservation:
    users:
      - userid: jdoe
      - userid: asmith
      - userid: bkhan
        number: "+4930555010"
    ranges:
      - {start: "+4930555000", end: "+4930555999", partition: Internal_PT}
  register: numbers

- name: Release the numbers of a leaver after their devices were deleted
  voiceops.cucm.cucm_number_reservation:
    state: released
    lines:
      - {number: "+4930555010", partition: Internal_PT, userid: bkhan}
"""

RETURN = r"""
reservations:
  description:
    - With O(state=reserved), one entry per user - C(number) (with a plain C(+)), C(pattern) (as CUCM stores it),
      C(partition), C(uuid) of the line (null in check mode for a line not created yet), and C(source) - V(held) (their
      primary extension), V(reserved) (reserved for them earlier), V(previous) (the line they held before they left),
      V(new line) or V(released line). C(replaces) is the user's primary extension when it is outside the ranges or
      not the number asked for (the caller releases it once it is no longer used).
  returned: success
  type: list
  elements: dict
  sample: [{userid: jdoe, number: "+4930555000", pattern: "\\+4930555000", partition: Internal_PT, uuid: "{...}",
            source: new line}]
numbers:
  description: With O(state=reserved), the number of each user, by user ID.
  returned: success
  type: dict
  sample: {jdoe: "+4930555000"}
skipped:
  description: Numbers another run reserved first (so this run took the next one).
  returned: success
  type: list
  elements: str
released:
  description: With O(state=released), the lines marked released (in check mode, that would be), with the marker.
  returned: success
  type: list
  elements: dict
  sample: [{number: "1004", partition: Internal_PT, userid: jdoe, pattern: "1004", uuid: "{...}",
            marker: released 2026-03-01 jdoe}]
already:
  description: With O(state=released), lines that were released already (unchanged).
  returned: success
  type: list
  elements: dict
kept:
  description: With O(state=released), lines left as they are because they are in use (C(reason)).
  returned: success
  type: list
  elements: dict
missing:
  description: With O(state=released), lines that do not exist.
  returned: success
  type: list
  elements: dict
"""

from ansible_collections.voiceops.cucm.plugins.module_utils import number_pool as np
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError, CucmModule
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import identity_problem, sql_text

RANGE_SPEC = dict(start=dict(type="str", required=True), end=dict(type="str", required=True),
                  partition=dict(type="str", default=""))


def check_userid(option, userid):
    if not isinstance(userid, str) or not userid.strip():
        raise CucmError("%s: a user ID is empty" % option)
    sql_text(option, userid)
    problem = identity_problem(option, userid)
    if problem:
        raise CucmError(problem)


def reserve(module):
    p = module.params
    if not p["users"]:
        raise CucmError("users: give at least one user with state=reserved")
    if not p["ranges"]:
        raise CucmError("ranges: give at least one range with state=reserved")
    ranges = np.parse_ranges(p["ranges"])
    users, seen = [], set()
    for i, user in enumerate(p["users"]):
        check_userid("users[%d].userid" % i, user["userid"])
        if user["userid"] in seen:
            raise CucmError("users[%d].userid: %s is listed twice" % (i, user["userid"]))
        seen.add(user["userid"])
        if user.get("number"):
            np.parse_number("users[%d].number" % i, user["number"])
            if not any(r.contains(user["number"]) for r in ranges):
                raise CucmError("users[%d].number: %s is in none of the ranges" % (i, user["number"]))
        users.append(user)
    day = np.today(p["as_of"])
    client = module.client
    pool = np.Pool(client, ranges, p["retention_days"], day)
    pool.resolve_partitions()
    reserver = np.Reserver(client, pool, day, module.check_mode, module.warn)
    userids = [u["userid"] for u in users]

    # what each user has now: a primary extension (anywhere) and a number in the ranges
    primaries = {}
    for chunk in np._chunks(userids, 500):
        for row in client.sql_query(np.sql.render(np.PRIMARY_SQL, userids=chunk)):
            primaries.setdefault(row["userid"], row)
    held = reserver.holdings(userids)
    for key, entry in held.items():
        reserver.planned.add((entry["number"], entry["partition"]))

    result, failures = {}, []
    wanted_explicit = [u for u in users if u.get("number")]
    need = [u for u in users if not u.get("number") and u["userid"] not in held]
    previous = reserver.previous([u["userid"] for u in need]) if p["prefer_previous"] and need else {}

    # enough free numbers for everyone? (read-only; nothing is written when the pool is too small)
    fresh = [u for u in need if u["userid"] not in previous]
    if fresh and not module.check_mode:
        probe = np.Pool(client, ranges, p["retention_days"], day)
        probe.partition_pkids = pool.partition_pkids
        available = 0
        for rng, number, _row, _parsed in probe.candidates():
            if (number, rng.partition) not in reserver.planned:
                available += 1
            if available >= len(fresh):
                break
        if available < len(fresh):
            raise CucmError("the ranges have %d free number(s) and %d user(s) need one (%s%s). Nothing was written."
                            % (available, len(fresh), ", ".join(u["userid"] for u in fresh[:10]),
                               ", ..." if len(fresh) > 10 else ""))

    for user in users:
        userid = user["userid"]
        entry = None
        if user.get("number"):
            entry = explicit(reserver, pool, user, held.get(userid), failures)
        elif userid in held:
            entry = held[userid]
        elif userid in previous:
            rng, row, parsed = previous[userid]
            entry = reserver.take_line(userid, rng, row, parsed)
            if entry is not None:
                entry["source"] = "previous"
        if entry is None and not user.get("number"):
            entry = reserver.next_free(userid)
            if entry is None:
                failures.append("%s: the ranges have no free number left" % userid)
        if entry is None:
            continue
        primary = primaries.get(userid)
        if primary is not None and (np.plain(primary["pattern"]), primary["partition"]) != (entry["number"], entry["partition"]):
            entry["replaces"] = dict(number=np.plain(primary["pattern"]), partition=primary["partition"])
        result[userid] = dict(entry, userid=userid)
    reservations = [result[u["userid"]] for u in users if u["userid"] in result]
    changed = any(r["source"] not in ("held", "reserved") for r in reservations)
    out = dict(changed=changed, reservations=reservations, numbers=dict((r["userid"], r["number"]) for r in reservations),
               skipped=reserver.skipped)
    if module.diff_mode:
        taken = [r for r in reservations if r["source"] not in ("held", "reserved")]
        out["diff"] = dict(before=dict(), after=dict((r["userid"], "%s in %s" % (r["number"], r["partition"] or "<None>"))
                                                     for r in taken))
    if failures:
        raise CucmError("; ".join(failures), **out)
    return out


def explicit(reserver, pool, user, held, failures):
    """Reserve exactly ``user['number']``; None (with a failure) when it belongs to someone else."""
    userid, number = user["userid"], np.plain(user["number"])
    rng = next(r for r in pool.ranges if r.contains(number))
    if held is not None and held["number"] == number and held["partition"] == rng.partition:
        return held
    row = np.find_line(reserver.client, pool, number, rng.partition)
    if row is None:
        entry = reserver.add_line(userid, rng, number)
        if entry is None:
            failures.append("%s: number %s was reserved by someone else meanwhile" % (userid, number))
        return entry
    parsed = np.parse_marker(row["description"])
    if parsed and parsed[0] == np.RESERVED and np.same_user(parsed[2], userid) and not np.Pool.in_use(row):
        return dict(reserver._entry(rng, dict(row, partition=rng.partition), "reserved"))
    free, parsed = pool.released_free(row)
    mine = parsed and parsed[0] == np.RELEASED and np.same_user(parsed[2], userid) and not np.Pool.in_use(row)
    if not (free or mine):
        failures.append("%s: number %s in %s is in use or not released to the pool (line description %r)"
                        % (userid, number, rng.partition or "<None>", row["description"]))
        return None
    entry = reserver.take_line(userid, rng, row, parsed)
    if entry is None:
        failures.append("%s: number %s was reserved by someone else meanwhile" % (userid, number))
    elif mine:
        entry["source"] = "previous"
    return entry


def release(module):
    p = module.params
    if not p["lines"] and not p["userids"]:
        raise CucmError("give lines or userids with state=released")
    lines = []
    for i, line in enumerate(p["lines"] or []):
        np.parse_number("lines[%d].number" % i, np.plain(line["number"]))
        if line.get("partition"):
            sql_text("lines[%d].partition" % i, line["partition"])
        if line.get("userid"):
            check_userid("lines[%d].userid" % i, line["userid"])
        lines.append(dict(number=np.plain(line["number"]), partition=line.get("partition") or "",
                          userid=line.get("userid") or ""))
    for i, userid in enumerate(p["userids"] or []):
        check_userid("userids[%d]" % i, userid)
    day = np.today(p["as_of"])
    client = module.client
    if p["userids"]:
        lines += np.user_lines(client, sorted(set(p["userids"])))
    pool = np.Pool(client, [], 0, day)
    out = dict(released=[], already=[], kept=[], missing=[])
    seen = set()
    for line in lines:
        key = (line["number"], line["partition"])
        if key in seen:
            continue
        seen.add(key)
        status, entry = np.release(client, pool, day, line, module.check_mode)
        out[status].append(entry)
    out["changed"] = bool(out["released"])
    if module.diff_mode:
        out["diff"] = dict(before=dict((e["number"], e["description_before"]) for e in out["released"]),
                           after=dict((e["number"], e["marker"]) for e in out["released"]))
    return out


def main():
    module = CucmModule(dict(
        state=dict(type="str", choices=["reserved", "released"], default="reserved"),
        users=dict(type="list", elements="dict", options=dict(userid=dict(type="str", required=True),
                                                              number=dict(type="str"))),
        ranges=dict(type="list", elements="dict", options=RANGE_SPEC),
        retention_days=dict(type="int", default=90),
        prefer_previous=dict(type="bool", default=True),
        lines=dict(type="list", elements="dict", options=dict(number=dict(type="str", required=True),
                                                              partition=dict(type="str", default=""),
                                                              userid=dict(type="str", default=""))),
        userids=dict(type="list", elements="str"),
        as_of=dict(type="str"),
    ))

    def run():
        if module.params["state"] == "reserved":
            return reserve(module)
        return release(module)

    module.run(run)


if __name__ == "__main__":
    main()
