#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_sql_info
short_description: Run a read-only SQL report on CUCM's database (executeSQLQuery)
version_added: 1.1.0
description:
  - Runs one C(SELECT) with AXL's C(executeSQLQuery) and returns its rows as a list of dicts, and optionally writes
    them to a CSV or JSON file. See R(the report guide,ansible_collections.voiceops.cucm.docsite.reports) for reports
    admins use (unassigned directory numbers, users without devices, devices without owners, group memberships).
  - B(Read-only by construction.) The statement is checked before anything is sent, and refused unless it is exactly
    one C(SELECT) - no second statement, no comment of any kind (C(--), C(/* */), C({ })), no C(INTO) (C(INTO TEMP)),
    no word of a write or a procedure (C(DELETE), C(UPDATE), C(INSERT), C(DROP), C(EXECUTE), ...), no call of a
    routine other than built-in functions such as C(count), C(lower) or C(nvl), and no character outside a quoted
    literal that a C(SELECT) does not need. C(executeSQLUpdate) is never used.
  - Values go in through O(params), never by editing the statement - C({name}) in O(sql) is replaced by the value of
    C(name) in O(params) as a quoted, escaped Informix literal (integers as digits, booleans as C('t')/C('f'), a list as
    C((a, b, ...)) for C(IN)), and the statement is checked again with the values in.
  - Results are paged under AXL's 8 MB answer limit - a statement with an C(ORDER BY) is fetched C(SKIP n FIRST m) at
    a time, and a page CUCM finds too large is asked again at the size it suggests. A statement without C(ORDER BY)
    is sent once; if its result is too large for one answer, the task fails and asks for an C(ORDER BY).
  - At most O(row_limit) rows are returned; RV(truncated) says whether there were more.
extends_documentation_fragment:
  - voiceops.cucm.connection
author:
  - voiceops.cucm contributors (@voiceops)
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: The query runs in check mode too (it reads); O(dest) is not written, C(changed) says whether it would be.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  action_group:
    description: Use C(group/voiceops.cucm.cucm) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - voiceops.cucm.cucm
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: Cisco Unified Communications Manager (AXL)
options:
  sql:
    description:
      - One C(SELECT) statement in CUCM's Informix dialect, with C({name}) placeholders for the values of O(params)
        (outside quotes). A single C(;) at the end is allowed. C(SKIP), C(FIRST) and C(LIMIT) are not - the module
        pages itself; use O(row_limit).
      - Columns are returned by the names Informix gives them; give an expression a name (C(count(*) users)).
    type: str
    required: true
  params:
    description:
      - Values of the C({name}) placeholders of O(sql) - text, integers, booleans, or lists of them. Every placeholder
        needs a value and every value a placeholder. Text must not hold line breaks, control characters or
        backslashes.
    type: dict
    default: {}
  row_limit:
    description: The most rows to return (and write to O(dest)).
    type: int
    default: 10000
  page_size:
    description: Rows per C(executeSQLQuery) of a paged statement; smaller pages are asked when CUCM says an answer is too large.
    type: int
    default: 5000
  dest:
    description:
      - Write the rows to this file on the host that runs the module (usually the controller). It is written only when
        its content changes, readable by its owner only when the module creates it.
    type: path
  format:
    description: The format of O(dest). Omitted, V(csv) for a file name ending in C(.csv), else V(json).
    type: str
    choices: [csv, json]
  return_rows:
    description: Return the rows in RV(rows). Set it to V(false) for a large export written to O(dest).
    type: bool
    default: true
seealso:
  - ref: ansible_collections.voiceops.cucm.docsite.reports
    description: Reports admins use, ready to copy.
"""

EXAMPLES = r"""
- name: Directory numbers no device uses (unassigned DNs)
  voiceops.cucm.cucm_sql_info:
    sql: >-
      select n.dnorpattern pattern, nvl(rp.name, '') partition, n.description
      from numplan n left join routepartition rp on rp.pkid = n.fkroutepartition
      where n.tkpatternusage = 2
        and not exists (select 1 from devicenumplanmap m where m.fknumplan = n.pkid)
      order by n.dnorpattern
  register: unassigned

- name: End users without any associated device, written to a CSV file
  voiceops.cucm.cucm_sql_info:
    sql: >-
      select u.userid, u.firstname, u.lastname, u.department from enduser u
      where not exists (select 1 from enduserdevicemap m where m.fkenduser = u.pkid)
      order by u.userid
    dest: /tmp/users-without-devices.csv
    return_rows: false

- name: Phones without an owner
  voiceops.cucm.cucm_sql_info:
    sql: >-
      select d.name, d.description from device d
      where d.tkclass = 1 and d.fkenduser is null order by d.name

- name: Members of some access control groups (values through params, never in the statement)
  voiceops.cucm.cucm_sql_info:
    sql: >-
      select g.name groupname, u.userid from dirgroup g
      join enduserdirgroupmap m on m.fkdirgroup = g.pkid join enduser u on u.pkid = m.fkenduser
      where g.name in {groups} order by g.name, u.userid
    params:
      groups: [Standard CCM End Users, Standard CTI Enabled]
"""

RETURN = r"""
rows:
  description: The rows, each a dict of column name to text (C('') for NULL), at most O(row_limit); empty with O(return_rows=false).
  returned: always
  type: list
  elements: dict
  sample: [{pattern: "1001", partition: Internal_PT, description: ""}]
columns:
  description: The column names, in the order of the first row (empty when there is no row).
  returned: always
  type: list
  elements: str
  sample: [pattern, partition, description]
row_count:
  description: How many rows were read (at most O(row_limit)).
  returned: always
  type: int
  sample: 1
truncated:
  description: Whether the statement had more rows than O(row_limit).
  returned: always
  type: bool
  sample: false
sql:
  description: The statement sent, with the values of O(params) in.
  returned: always
  type: str
  sample: "select g.name groupname from dirgroup g where g.name in ('Standard CCM End Users') order by g.name"
dest:
  description: The file written (or, in check mode, that would be).
  returned: when O(dest) is given
  type: str
  sample: /tmp/users-without-devices.csv
"""

import csv
import io
import json
import os
import tempfile

from ansible_collections.voiceops.cucm.plugins.module_utils import axl, sql
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError, CucmModule

MAX_ROWS = 1000000


def statement(params):
    """The checked statement; CucmError naming the option at fault."""
    try:
        return sql.report(params["sql"], params["params"])
    except sql.SqlValueError as exc:
        where = "params" if str(exc).startswith(("params", "no value in params")) else "sql"
        raise CucmError("%s: %s. Nothing was sent to CUCM." % (where, exc))


def fetch(client, report, row_limit, page_size):
    """``(rows, truncated)``: at most ``row_limit`` rows of the statement."""
    rows = []
    if report.ordered and not report.compound:
        for row in client.iter_sql_paged(report.sql, min(page_size, row_limit + 1)):
            if len(rows) == row_limit:
                return rows, True
            rows.append(row)
        return rows, False
    try:
        rows = client.sql_query(report.sql)
    except axl.AxlFault as fault:
        if fault.too_large:
            raise CucmError("sql: %d rows match, more than one AXL answer holds (about %d). %s" % (
                fault.too_large[0], fault.too_large[1],
                "A UNION cannot be paged: narrow it or split it into several reports." if report.compound else
                "Add an ORDER BY (on a unique column) so that the module can page the result."))
        raise
    return rows[:row_limit], len(rows) > row_limit


def render(rows, columns, fmt):
    if fmt == "json":
        return json.dumps(rows, indent=1, ensure_ascii=False) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write(module, path, content):
    """Write ``content`` to ``path`` if it differs; True if it did (or, in check mode, would)."""
    data = content.encode("utf-8")
    if os.path.exists(path):
        with open(path, "rb") as handle:
            if handle.read() == data:
                return False
    if module.check_mode:
        return True
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise CucmError("dest: the directory %s does not exist" % directory)
    # mkstemp creates the file readable by its owner only; an existing file keeps its mode
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".cucm_sql_info.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if os.path.exists(path):
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return True


def main():
    module = CucmModule(dict(
        sql=dict(type="str", required=True),
        params=dict(type="dict", default={}),
        row_limit=dict(type="int", default=10000),
        page_size=dict(type="int", default=5000),
        dest=dict(type="path"),
        format=dict(type="str", choices=["csv", "json"]),
        return_rows=dict(type="bool", default=True),
    ))

    def run():
        p = module.params
        if not 1 <= p["row_limit"] <= MAX_ROWS:
            raise CucmError("row_limit: give 1 to %d" % MAX_ROWS)
        if not 1 <= p["page_size"] <= 50000:
            raise CucmError("page_size: give 1 to 50000")
        report = statement(p)
        rows, truncated = fetch(module.client, report, p["row_limit"], p["page_size"])
        columns = list(rows[0]) if rows else []
        result = dict(changed=False, rows=rows if p["return_rows"] else [], columns=columns, row_count=len(rows),
                      truncated=truncated, sql=report.sql)
        if truncated:
            module.warn("the report has more than row_limit=%d rows; only the first %d are returned"
                        % (p["row_limit"], p["row_limit"]))
        if p["dest"]:
            fmt = p["format"] or ("csv" if p["dest"].lower().endswith(".csv") else "json")
            result["changed"] = write(module, p["dest"], render(rows, columns, fmt))
            result["dest"] = p["dest"]
        return result

    module.run(run)


if __name__ == "__main__":
    main()
