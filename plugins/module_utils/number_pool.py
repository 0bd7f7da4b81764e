# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The number pool: free directory numbers in ranges, their reservation, and their release.

Shared by cucm_number_pool_info (reads) and cucm_number_reservation (reserves and releases).

**The markers.**  A line's description (``numplan.description``, at most 50 characters, none of
``" % & < >``: data dictionary, FI-1203) records where the number is in its life:

- ``released YYYY-MM-DD <userid>``: released to the pool on that date (UTC) by the leavers role
  (or a mover), last held by that user;
- ``reserved YYYY-MM-DD <userid>``: taken from the pool for that user, who does not have it on a
  device yet (the joiners role replaces the description when the line is on the user's device).

``<userid>`` is the user ID with the characters a description cannot hold replaced by ``_``, cut
so that the marker fits in 50 characters (:func:`tag`).

**Free numbers** of a range (``start``..``end`` in ``partition``): numbers without a line in that
partition, and lines whose description is a release marker at least ``retention_days`` old that
no device has (no ``devicenumplanmap`` row) and that is nobody's primary extension.  A line
without a marker, with a reservation marker, or in use, is never free.

**Reading** costs a bounded number of requests that does not depend on the size of a range:
one ``executeSQLQuery`` checks the partitions, then each range is read in order, a page of
:data:`PAGE` existing lines at a time (keyset paging on the number's digits, so every page is
one short answer, far under AXL's 8 MB limit), and the gaps between the lines read are computed
here.  Reading stops as soon as enough free numbers are known: a range of 100,000 numbers with
20 lines costs what a range of 1,000 numbers with the same 20 lines costs.

**Reserving** is race-free without locks: a number without a line is reserved by creating the line
(``addLine``, description a reservation marker); CUCM refuses a second line with the same pattern
and partition (-239, a duplicate in a unique index), so of two runs that try the same number one
wins and the other moves to the next candidate; an existing line is never overwritten.  A released
line is reserved with one conditional ``executeSQLUpdate`` that changes its description only if it
still holds the release marker that was read and the line is still unassigned; unless CUCM reports
exactly one row updated, the number is skipped.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.voiceops.cucm.plugins.module_utils import axl, sql
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError

DESCRIPTION_MAX = 50
RELEASED = "released"
RESERVED = "reserved"
_MARKER = re.compile(r"^(released|reserved) ([0-9]{4}-[0-9]{2}-[0-9]{2})(?: (.*))?\Z")
_NOT_IN_DESCRIPTION = re.compile(u"[\"%&<>\\\\\x00-\x1f\x7f]")
_NUMBER = re.compile(r"^(\+?)([0-9]{1,24})\Z")
PAGE = 1000                 # lines per executeSQLQuery page (about 150 bytes each)
MAX_COUNT = 10000
MAX_LIKE = 100              # user markers per LIKE query

# The stored pattern's digits: after "+" (plus-escape verbatim) or "\+" (as real CUCM stores E.164).
# {plus} is 1 for an E.164 range; {digits} the number of digits of the range.
_DIGITS = ("case when {plus} = 0 then n.dnorpattern "
           "when substr(n.dnorpattern, 1, 1) = '+' then substr(n.dnorpattern, 2) "
           "else substr(n.dnorpattern, 3) end")
_IN_RANGE = (
    "n.tkpatternusage = 2 and n.fkroutepartition {partition_test} "
    "and ((({plus} = 0 and length(n.dnorpattern) = {digits}) "
    "or ({plus} = 1 and length(n.dnorpattern) = {digits} + 1 and substr(n.dnorpattern, 1, 1) = '+') "
    "or ({plus} = 1 and length(n.dnorpattern) = {digits} + 2 and substr(n.dnorpattern, 2, 1) = '+')))"
)
_LINE_COLUMNS = (
    "n.pkid pkid, n.dnorpattern pattern, n.description description, "
    "(select count(*) from devicenumplanmap m where m.fknumplan = n.pkid) devices, "
    "(select count(*) from endusernumplanmap e where e.fknumplan = n.pkid and e.tkdnusage = 1) primaries"
)


def _range_sql(partition_test):
    return ("select first {page} " + _LINE_COLUMNS + ", " + _DIGITS + " digits from numplan n where "
            + _IN_RANGE.replace("{partition_test}", partition_test)
            + " and " + _DIGITS + " >= {low} and " + _DIGITS + " <= {high} order by digits")


RANGE_SQL = _range_sql("= {partition}")
RANGE_SQL_NO_PARTITION = _range_sql("is null")
PARTITIONS_SQL = "select pkid, name from routepartition where name in {names}"
# Lines by their description markers (LIKE patterns; _ is any one character, so the result is
# filtered exactly afterwards), with the partition's name.
MARKED_SQL = ("select " + _LINE_COLUMNS + ", nvl(rp.name, '') partition from numplan n "
              "left join routepartition rp on rp.pkid = n.fkroutepartition where n.tkpatternusage = 2 and ({likes})")
# The primary extensions of users.
PRIMARY_SQL = ("select u.userid userid, " + _LINE_COLUMNS + ", nvl(rp.name, '') partition from enduser u "
               "join endusernumplanmap e on e.fkenduser = u.pkid and e.tkdnusage = 1 "
               "join numplan n on n.pkid = e.fknumplan left join routepartition rp on rp.pkid = n.fkroutepartition "
               "where u.userid in {userids}")
# One line by pkid (after an answer that never came).
LINE_SQL = "select " + _LINE_COLUMNS + " from numplan n where n.pkid = {pkid}"
# The conditional updates: the description changes only while it is the one read and the line is unused.
TAKE_SQL = ("update numplan set description = {new} where pkid = {pkid} and description = {old} "
            "and not exists (select 1 from devicenumplanmap m where m.fknumplan = {pkid}) "
            "and not exists (select 1 from endusernumplanmap e where e.fknumplan = {pkid} and e.tkdnusage = 1)")


# ------------------------------------------------------------------ markers
def tag(userid):
    """The user ID as a marker holds it: the characters a description cannot hold become ``_``."""
    return _NOT_IN_DESCRIPTION.sub("_", userid or "")


def marker(kind, day, userid):
    """``released 2026-03-31 jdoe`` (cut to the 50 characters of a description)."""
    text = "%s %s" % (kind, day.isoformat())
    if userid:
        text += " " + tag(userid)
    return text[:DESCRIPTION_MAX]


def parse_marker(description):
    """``(kind, date, user tag)`` of a marker, or None for any other description."""
    match = _MARKER.match(description or "")
    if not match:
        return None
    try:
        day = datetime.datetime.strptime(match.group(2), "%Y-%m-%d").date()
    except ValueError:
        return None
    return match.group(1), day, match.group(3) or ""


def same_user(marker_tag, userid):
    """Whether a marker's user tag names ``userid`` (as far as the cut tag can tell)."""
    full = tag(userid)
    cut = len(marker_tag) < len(full) and full.startswith(marker_tag) and len(marker_tag) >= DESCRIPTION_MAX - 20
    return bool(marker_tag) and (marker_tag == full or cut)


def like_pattern(kind, userid):
    """A LIKE pattern that matches every marker of ``kind`` for ``userid`` (and maybe a few others:
    ``_`` in a user ID matches any character; the caller compares exactly)."""
    prefix = "%s ____-__-__ " % kind
    return (prefix + tag(userid))[:DESCRIPTION_MAX]


# ------------------------------------------------------------------ numbers and ranges
def plain(pattern):
    """``\\+14085550100`` -> ``+14085550100``."""
    return "+" + pattern[2:] if (pattern or "").startswith("\\+") else pattern


def parse_number(option, value):
    match = _NUMBER.match(value if isinstance(value, str) else "")
    if not match:
        raise CucmError("%s: %r is not a directory number of digits, optionally after a + (E.164), such as 1000 or "
                        "+14085550100. Nothing was written." % (option, value))
    return match.group(1), match.group(2)


class Range(object):
    """``start``..``end`` (inclusive) in ``partition`` ('' = no partition)."""

    def __init__(self, index, spec):
        where = "ranges[%d]" % index
        if not isinstance(spec, dict):
            raise CucmError("%s: give a dict with start, end and partition" % where)
        unknown = sorted(set(spec) - set(("start", "end", "partition")))
        if unknown:
            raise CucmError("%s: unknown key(s) %s (give start, end, partition)" % (where, ", ".join(unknown)))
        for key in ("start", "end"):
            if spec.get(key) is None:
                raise CucmError("%s.%s is required" % (where, key))
        if isinstance(spec["start"], int) or isinstance(spec["end"], int):
            raise CucmError("%s: quote start and end (a YAML number loses leading zeros)" % where)
        plus, start = parse_number(where + ".start", spec["start"])
        plus_end, end = parse_number(where + ".end", spec["end"])
        if plus != plus_end or len(start) != len(end):
            raise CucmError("%s: start %s and end %s must have the same form and number of digits"
                            % (where, spec["start"], spec["end"]))
        if start > end:
            raise CucmError("%s: start %s is after end %s" % (where, spec["start"], spec["end"]))
        partition = spec.get("partition") or ""
        if not isinstance(partition, str):
            raise CucmError("%s.partition: give the name of a route partition" % where)
        if partition:
            problem = sql_problem(partition)
            if problem:
                raise CucmError("%s.partition: %r %s. Nothing was written." % (where, partition, problem))
        self.index, self.plus, self.start, self.end, self.partition = index, plus, start, end, partition
        self.size = int(end) - int(start) + 1

    def number(self, digits):
        return self.plus + digits

    def contains(self, number):
        match = _NUMBER.match(plain(number) or "")
        return bool(match) and match.group(1) == self.plus and len(match.group(2)) == len(self.start) \
            and self.start <= match.group(2) <= self.end

    def label(self):
        return "%s%s-%s%s in %s" % (self.plus, self.start, self.plus, self.end, self.partition or "<None>")


def sql_problem(text):
    try:
        sql.literal(text)
    except sql.SqlValueError as exc:
        return str(exc)
    return None


def parse_ranges(specs):
    if not specs:
        raise CucmError("ranges: give at least one range (start, end, partition)")
    ranges = [Range(i, spec) for i, spec in enumerate(specs)]
    for a in ranges:
        for b in ranges:
            if a.index < b.index and a.partition.lower() == b.partition.lower() and a.plus == b.plus \
                    and len(a.start) == len(b.start) and a.start <= b.end and b.start <= a.end:
                raise CucmError("ranges[%d] and ranges[%d] overlap (%s, %s)" % (a.index, b.index, a.label(), b.label()))
    return ranges


def today(as_of):
    if not as_of:
        return datetime.datetime.utcnow().date()
    try:
        return datetime.datetime.strptime(as_of, "%Y-%m-%d").date()
    except ValueError:
        raise CucmError("as_of: %r is not a date (YYYY-MM-DD)" % (as_of,))


# ------------------------------------------------------------------ the pool
class Pool(object):
    """Free numbers of the ranges, read lazily in order (see the module docstring)."""

    def __init__(self, client, ranges, retention_days, as_of, page=PAGE):
        if retention_days < 0:
            raise CucmError("retention_days must not be negative")
        self.client, self.ranges, self.retention, self.today, self.page = client, ranges, retention_days, as_of, page
        self.partition_pkids = {}
        self.scanned = 0        # existing lines read in the ranges
        self.ignored = []       # patterns in a range that are not plain numbers (wildcards)

    def resolve_partitions(self):
        """The pkids of the ranges' partitions (one request); CucmError for one CUCM does not have."""
        names = sorted(set(r.partition for r in self.ranges if r.partition))
        if not names:
            return
        found = {}
        for row in self.client.sql_query(sql.render(PARTITIONS_SQL, names=names)):
            found[row["name"]] = row["pkid"]
        missing = [n for n in names if n not in found]
        if missing:
            raise CucmError("ranges: CUCM has no route partition %s. Nothing was written."
                            % ", ".join(repr(n) for n in missing))
        self.partition_pkids = found

    def released_free(self, row):
        """``(free, marker)`` of an existing line in a range: free when released long enough ago and unused."""
        parsed = parse_marker(row["description"])
        if not parsed or parsed[0] != RELEASED or self.in_use(row):
            return False, parsed
        return (self.today - parsed[1]).days >= self.retention, parsed

    @staticmethod
    def in_use(row):
        return row.get("devices", "0") not in ("", "0") or row.get("primaries", "0") not in ("", "0")

    def lines(self, rng):
        """The existing lines of a range, in order of their digits, a page at a time."""
        template = RANGE_SQL if rng.partition else RANGE_SQL_NO_PARTITION
        values = dict(page=self.page, plus=1 if rng.plus else 0, digits=len(rng.start), high=rng.end)
        if rng.partition:
            values["partition"] = sql.Guid(self.partition_pkids[rng.partition])
        low = rng.start
        while True:
            rows = self.client.sql_query(sql.render(template, low=low, **values))
            for row in rows:
                self.scanned += 1
                yield row
            if len(rows) < self.page:
                return
            # the next page starts after the last digits read (keyset paging: no SKIP over a growing table)
            low = _next(rows[-1]["digits"])
            if low is None or low > rng.end:
                return

    def candidates(self):
        """Yield ``(range, number, line_row_or_None, marker)`` for every free number, lowest first."""
        if not self.partition_pkids:
            self.resolve_partitions()
        for rng in self.ranges:
            expected = int(rng.start)
            width = len(rng.start)
            for row in self.lines(rng):
                digits = row["digits"]
                if not digits.isdigit() or len(digits) != width or plain(row["pattern"]) != rng.number(digits):
                    self.ignored.append(row["pattern"])
                    continue
                value = int(digits)
                while expected < value:
                    yield rng, rng.number(str(expected).zfill(width)), None, None
                    expected += 1
                if value >= expected:
                    free, parsed = self.released_free(row)
                    if free:
                        yield rng, rng.number(digits), row, parsed
                    expected = value + 1
            while expected <= int(rng.end):
                yield rng, rng.number(str(expected).zfill(width)), None, None
                expected += 1


def _next(digits):
    """The smallest digit string of the same length after ``digits`` (None after 99...9)."""
    if not digits.isdigit():
        return None
    value = int(digits) + 1
    text = str(value).zfill(len(digits))
    return text if len(text) == len(digits) else None


def describe(rng, number, row, parsed):
    entry = dict(number=number, partition=rng.partition, range=rng.index, line=row is not None)
    if row is not None:
        entry.update(pattern=row["pattern"], uuid="{%s}" % row["pkid"].upper(), released_on=parsed[1].isoformat(),
                     released_by=parsed[2])
    return entry


# ------------------------------------------------------------------ reservation
class Reserver(object):
    """Reserve numbers for users (see the module docstring); check mode plans without writing."""

    def __init__(self, client, pool, day, check_mode, warn):
        self.client, self.pool, self.day, self.check_mode, self.warn = client, pool, day, check_mode, warn
        self._candidates = None
        self.planned = set()      # (number, partition) given out by this run
        self.skipped = []         # numbers another run took first

    # ---- what users hold already
    def holdings(self, userids):
        """``{userid: entry}``: the number each user already holds in the ranges - a primary extension,
        or a line reserved for them (their reservation marker)."""
        held = {}
        for chunk in _chunks(userids, 500):
            for row in self.client.sql_query(sql.render(PRIMARY_SQL, userids=chunk)):
                rng = self._range_of(row)
                if rng is not None and row["userid"] not in held:
                    held[row["userid"]] = self._entry(rng, row, "held")
        rest = [u for u in userids if u not in held]
        for chunk in _chunks(rest, 500):      # a line of their devices or profiles (an EM profile user has no primary)
            for row in self.client.sql_query(sql.render(USER_LINES_SQL, userids=chunk)):
                rng = self._range_of(row)
                if rng is not None and row["userid"] not in held:
                    held[row["userid"]] = self._entry(rng, row, "held")
        rest = [u for u in userids if u not in held]
        for row, userid, kind in self.marked(rest, (RESERVED,)):
            rng = self._range_of(row)
            if rng is not None and userid not in held:
                held[userid] = self._entry(rng, row, "reserved")
        return held

    def marked(self, userids, kinds):
        """``(row, userid, kind)`` for the lines whose marker of one of ``kinds`` names one of ``userids``."""
        out = []
        pairs = [(u, k) for u in userids for k in kinds]
        for chunk in _chunks(pairs, MAX_LIKE):
            values = dict(("p%d" % i, like_pattern(k, u)) for i, (u, k) in enumerate(chunk))
            likes = " or ".join("n.description like {p%d}" % i for i in range(len(chunk)))
            for row in self.client.sql_query(sql.render(MARKED_SQL.replace("{likes}", likes), **values)):
                parsed = parse_marker(row["description"])
                if not parsed:
                    continue
                for userid, kind in chunk:
                    if parsed[0] == kind and same_user(parsed[2], userid):
                        out.append((row, userid, kind))
        return out

    def _range_of(self, row):
        for rng in self.pool.ranges:
            if (row.get("partition") or "").lower() == rng.partition.lower() and rng.contains(row["pattern"]):
                return rng
        return None

    @staticmethod
    def _entry(rng, row, source):
        return dict(number=plain(row["pattern"]), pattern=row["pattern"], partition=row.get("partition") or rng.partition,
                    uuid="{%s}" % row["pkid"].upper(), source=source)

    # ---- taking numbers
    def previous(self, userids):
        """``{userid: (range, row, parsed)}``: a released line that last belonged to the user, unused now
        (any age: it goes back to the same person)."""
        found = {}
        for row, userid, _kind in self.marked(userids, (RELEASED,)):
            rng = self._range_of(row)
            if rng is None or userid in found or Pool.in_use(row):
                continue
            found[userid] = (rng, row, parse_marker(row["description"]))
        return found

    def take_line(self, userid, rng, row, parsed):
        """Reserve an existing released line; the entry, or None if someone else was faster."""
        key = (plain(row["pattern"]), rng.partition)
        if key in self.planned:
            return None
        entry = self._entry(rng, dict(row, partition=rng.partition), "released line")
        if not self.check_mode:
            new = marker(RESERVED, self.day, userid)
            try:
                updated = self.client.sql_update(sql.render(TAKE_SQL, new=new, old=row["description"],
                                                            pkid=sql.Guid(row["pkid"])))
            except axl.AmbiguousWrite:
                rows = self.client.sql_query(sql.render(LINE_SQL, pkid=sql.Guid(row["pkid"])))
                updated = 1 if rows and rows[0]["description"] == new else 0
            if updated != 1:
                self.skipped.append(entry["number"])
                return None
        self.planned.add(key)
        return entry

    def add_line(self, userid, rng, number):
        """Reserve a number without a line by creating the line; None if the line exists now."""
        key = (number, rng.partition)
        if key in self.planned:
            return None
        entry = dict(number=number, pattern=number, partition=rng.partition, uuid=None, source="new line")
        if not self.check_mode:
            description = marker(RESERVED, self.day, userid)
            line = dict(pattern=number, description=description, usage="Device")
            if rng.partition:
                line["routePartitionName"] = rng.partition
            try:
                ret = self.client.call("addLine", {"line": line})
                entry["uuid"] = (ret.text or "").strip() or None
            except axl.AxlFault as fault:
                if fault.duplicate:
                    self.skipped.append(number)
                    return None
                raise
            except axl.AmbiguousWrite:
                # sent, but no answer: ours if the line is there with our marker (never send it twice)
                mine = [r for r in self.marked([userid], (RESERVED,))
                        if plain(r[0]["pattern"]) == number and (r[0]["partition"] or "") == rng.partition
                        and r[0]["description"] == description]
                if not mine:
                    self.skipped.append(number)
                    return None
                entry["uuid"] = "{%s}" % mine[0][0]["pkid"].upper()
            rows = self.client.sql_query(sql.render(LINE_SQL, pkid=sql.Guid(entry["uuid"]))) if entry["uuid"] else []
            if rows:
                entry["pattern"] = rows[0]["pattern"]
        self.planned.add(key)
        return entry

    def next_free(self, userid):
        """Reserve the next free number of the pool for ``userid``; None when the pool is exhausted."""
        if self._candidates is None:
            self._candidates = self.pool.candidates()
        for rng, number, row, parsed in self._candidates:
            entry = self.add_line(userid, rng, number) if row is None else self.take_line(userid, rng, row, parsed)
            if entry is not None:
                return entry
        return None


def _chunks(items, size):
    items = list(items)
    return [items[i:i + size] for i in range(0, len(items), size)] if items else []


# ------------------------------------------------------------------ release
USER_LINES_SQL = ("select distinct u.userid userid, " + _LINE_COLUMNS + ", nvl(rp.name, '') partition from enduser u "
                  "join enduserdevicemap a on a.fkenduser = u.pkid join devicenumplanmap dm on dm.fkdevice = a.fkdevice "
                  "join numplan n on n.pkid = dm.fknumplan left join routepartition rp on rp.pkid = n.fkroutepartition "
                  "where n.tkpatternusage = 2 and u.userid in {userids}")
RELEASE_SQL = TAKE_SQL


def user_lines(client, userids):
    """``[{userid, number, partition}]``: the primary extensions of the users and the lines of the
    devices and profiles associated with them."""
    seen, out = set(), []
    for chunk in _chunks(userids, 500):
        rows = client.sql_query(sql.render(PRIMARY_SQL, userids=chunk))
        rows += client.sql_query(sql.render(USER_LINES_SQL, userids=chunk))
        for row in rows:
            key = (row["userid"], plain(row["pattern"]), row["partition"])
            if key not in seen:
                seen.add(key)
                out.append(dict(userid=row["userid"], number=plain(row["pattern"]), partition=row["partition"]))
    return sorted(out, key=lambda e: (e["userid"], e["partition"], e["number"]))


def find_line(client, pool, number, partition):
    """The numplan row of one number (either form of the plus), or None."""
    rng = Range(0, dict(start=number, end=number, partition=partition))
    if partition and partition not in pool.partition_pkids:
        rows = client.sql_query(sql.render(PARTITIONS_SQL, names=[partition]))
        if not rows:
            return None
        pool.partition_pkids[partition] = rows[0]["pkid"]
    for row in pool.lines(rng):
        if plain(row["pattern"]) == number:
            return row
    return None


def release(client, pool, day, line, check_mode):
    """Mark one line released; ``(status, entry)`` with status released, already, kept or missing."""
    entry = dict(number=line["number"], partition=line.get("partition") or "", userid=line.get("userid") or "")
    row = find_line(client, pool, entry["number"], entry["partition"])
    if row is None:
        return "missing", entry
    entry.update(pattern=row["pattern"], uuid="{%s}" % row["pkid"].upper())
    parsed = parse_marker(row["description"])
    if Pool.in_use(row):
        reasons = []
        if row["devices"] not in ("", "0"):
            reasons.append("on %s device(s)" % row["devices"])
        if row["primaries"] not in ("", "0"):
            reasons.append("a user's primary extension")
        entry["reason"] = " and ".join(reasons)
        return "kept", entry
    if parsed and parsed[0] == RELEASED:
        entry["marker"] = row["description"]
        return "already", entry
    entry["marker"] = marker(RELEASED, day, entry["userid"])
    entry["description_before"] = row["description"]
    if check_mode:
        return "released", entry
    try:
        updated = client.sql_update(sql.render(RELEASE_SQL, new=entry["marker"], old=row["description"],
                                               pkid=sql.Guid(row["pkid"])))
    except axl.AmbiguousWrite:
        rows = client.sql_query(sql.render(LINE_SQL, pkid=sql.Guid(row["pkid"])))
        updated = 1 if rows and rows[0]["description"] == entry["marker"] else 0
    if updated != 1:
        entry["reason"] = "changed by someone else meanwhile"
        return "kept", entry
    return "released", entry
