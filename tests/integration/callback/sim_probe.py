# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: after every task, an independent read of the AXL simulator.

For each task result it appends one JSON line to $SIM_PROBE_LOG with the simulator's counters
(its admin API) and the rows that task added to or removed from each table of its database (a
read-only SQLite connection to $SIM_PROBE_DB), so a test can tell what every task of one
playbook run wrote, without a probe task between them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sqlite3
import ssl
from urllib.request import HTTPSHandler, ProxyHandler, build_opener

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: sim_probe
type: notification
short_description: Record the AXL simulator's counters and database changes after each task (tests only)
description:
  - Appends one JSON object per task result to the file named by the SIM_PROBE_LOG environment variable, with
    the counters of the simulator at SIM_PROBE_BASE and the rows each task added to or removed from the database
    file SIM_PROBE_DB.
requirements:
  - enable in configuration
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "sim_probe"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._rows = None
        self._path = os.environ.get("SIM_PROBE_LOG")

    def _tables(self):
        conn = sqlite3.connect("file:%s?mode=ro" % os.environ["SIM_PROBE_DB"], uri=True)
        try:
            # the simulator's own bookkeeping (sim_meta, the change queue sim_change*, sqlite_sequence) is no
            # CUCM table: a write's footprint is what it did to the modelled tables
            names = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table' and name not like "
                                                "'sim\\_%' escape '\\' and name != 'sqlite_sequence' order by name")]
            return dict((name, set(conn.execute("select * from [%s]" % name).fetchall())) for name in names)
        finally:
            conn.close()

    def _stats(self):
        context = ssl.create_default_context(cafile=os.environ["SIM_PROBE_CERT"])
        opener = build_opener(ProxyHandler({}), HTTPSHandler(context=context))
        return json.load(opener.open(os.environ["SIM_PROBE_BASE"] + "/__sim__/stats", timeout=30))

    def v2_playbook_on_play_start(self, play):
        if self._path:
            self._rows = self._tables()

    def _probe(self, result, status):
        if not self._path:
            return
        rows = self._tables()
        diff = {}
        for name in sorted(set(rows) | set(self._rows or {})):
            before, after = (self._rows or {}).get(name, set()), rows.get(name, set())
            if before != after:
                diff[name] = {"added": sorted(after - before, key=repr), "removed": sorted(before - after, key=repr)}
        self._rows = rows
        entry = {"task": result._task.get_name(), "status": status, "stats": self._stats(), "diff": diff}
        with open(self._path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, default=str) + "\n")

    def v2_runner_on_ok(self, result):
        self._probe(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._probe(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._probe(result, "skipped")
