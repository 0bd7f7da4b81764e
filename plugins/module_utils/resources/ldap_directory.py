# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""LDAP directory agreements and their synchronisation: listLdapDirectory, doLdapSync, getLdapSyncStatus.

``getLdapSyncStatus`` answers a text.  Cisco's XSD documents "true" while a sync runs (and its pattern
allows only true, false or a uuid), but public AXL clients wait for the texts "Sync is currently under
process" (and "Sync is initiated") to become "Sync is performed successfully"; :func:`state` reads both.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import suggest

PAGE_SIZE = 200
RUNNING = ("initiated", "running")


def state(text):
    """What a getLdapSyncStatus answer means: initiated, running, completed, cancelled, failed, idle
    (the XSD's "false": no sync runs) or unknown."""
    low = " ".join((text or "").split()).lower()
    if low == "true" or "under process" in low or "in progress" in low or "running" in low:
        return "running"
    if "initiated" in low:
        return "initiated"
    if "successful" in low or "succesful" in low or "completed" in low:
        return "completed"
    if "cancel" in low:
        return "cancelled"
    if "fail" in low or "error" in low:
        return "failed"
    if low == "false":
        return "idle"
    return "unknown"


def directories(client):
    """Names of the LDAP directory agreements, sorted."""
    body = {"searchCriteria": {"name": "%"}, "returnedTags": {"name": ""}}
    return sorted(e.findtext("name") or "" for e in client.list_paged("listLdapDirectory", body, "ldapDirectory", PAGE_SIZE))


def status(client, name):
    return (client.call("getLdapSyncStatus", {"name": name}).text or "").strip()


def start(client, name):
    client.call("doLdapSync", {"name": name, "sync": True})


def synchronise(module, name, wait, wait_timeout, poll_interval, sleep=time.sleep, clock=time.monotonic):
    """The module result of cucm_ldap_sync: start a sync of one directory (or of all), unless one is already
    running, and with ``wait`` poll until none runs or ``wait_timeout`` seconds have passed."""
    client = module.client
    known = directories(client)
    if name is not None:
        if name not in known:
            raise CucmError("name: CUCM has no LDAP directory %r%s (it has: %s)"
                            % (name, suggest(name, known), ", ".join(known) or "none"))
        names = [name]
    else:
        if not known:
            raise CucmError("CUCM has no LDAP directory to synchronise")
        names = known
    report = dict((n, dict(name=n, status_before=status(client, n))) for n in names)
    started = []
    for n in names:
        entry = report[n]
        entry["started"] = state(entry["status_before"]) not in RUNNING
        if entry["started"]:
            started.append(n)
            if not module.check_mode:
                start(client, n)
    timed_out = []
    if wait and not module.check_mode:
        deadline = clock() + wait_timeout
        pending = list(names)
        while pending:
            sleep(max(0.0, min(poll_interval, deadline - clock())))
            for n in list(pending):
                report[n]["status"] = status(client, n)
                if state(report[n]["status"]) not in RUNNING:
                    pending.remove(n)
            if pending and clock() >= deadline:
                timed_out = pending
                break
    for n in names:
        entry = report[n]
        if "status" not in entry:
            entry["status"] = entry["status_before"] if module.check_mode else status(client, n)
        entry["state"] = state(entry["status"])
    result = dict(changed=bool(started), directories=[report[n] for n in names])
    if module.diff_mode:
        result["diff"] = dict(before=dict((n, report[n]["status_before"]) for n in names),
                              after=dict((n, "synchronisation started" if n in started else report[n]["status"])
                                         for n in names))
    failed = [n for n in names if report[n]["state"] == "failed"]
    if timed_out:
        raise CucmError("the LDAP synchronisation of %s did not finish within wait_timeout=%s s (it goes on in CUCM): %s"
                        % (", ".join(timed_out), wait_timeout,
                           "; ".join("%s: %r" % (n, report[n]["status"]) for n in timed_out)), **result)
    if failed:
        raise CucmError("the LDAP synchronisation of %s failed: %s"
                        % (", ".join(failed), "; ".join("%s: %r" % (n, report[n]["status"]) for n in failed)), **result)
    unknown = [n for n in names if report[n]["state"] == "unknown" and report[n]["status"]]
    for n in unknown:
        module.warn("LDAP directory %s: the sync status %r is not one the collection knows" % (n, report[n]["status"]))
    return result
