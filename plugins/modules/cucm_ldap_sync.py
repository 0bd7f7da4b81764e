#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_ldap_sync
short_description: Synchronise CUCM's end users with an LDAP directory now, and wait for it
version_added: 1.1.0
description:
  - Starts a synchronisation of one LDAP directory agreement (System > LDAP > LDAP Directory), or of all of them, as the
    administration page's Perform Full Sync Now does, and by default waits until it has finished, at most
    O(wait_timeout) seconds. Run it before de-provisioning leavers so that CUCM knows who left the directory.
  - A directory whose synchronisation is already running is not started again; the module waits for that one.
  - The directories are listed with C(listLdapDirectory), a sync is started with C(doLdapSync) and followed with
    C(getLdapSyncStatus) every O(poll_interval) seconds. Available in AXL 11.5, 12.5, 14.0 and 15.0.
  - In check mode nothing is started; RV(directories) reports the current status and which directories would be
    synchronised.
extends_documentation_fragment:
  - voiceops.cucm.connection
  - voiceops.cucm.connection.ATTRIBUTES
author:
  - voiceops.cucm contributors (@voiceops)
options:
  name:
    description:
      - The LDAP directory agreement (its name in System > LDAP > LDAP Directory). Omitted, every directory is
        synchronised.
      - A name CUCM does not have fails the task before anything is started, with close matches.
    type: str
    aliases: [directory]
  wait:
    description: Wait until the synchronisation has finished (or O(wait_timeout) has passed).
    type: bool
    default: true
  wait_timeout:
    description:
      - The most seconds to wait. When they have passed and a synchronisation still runs, the task fails (CUCM goes on
        with it).
    type: int
    default: 600
  poll_interval:
    description: Seconds between two status requests while waiting (at least 1).
    type: int
    default: 5
notes:
  - C(getLdapSyncStatus) answers a text; the module knows "Sync is initiated" and "Sync is currently under process"
    (running), "Sync is performed successfully" (completed) and the XSD's C(true)/C(false). Texts with "cancel" or
    "fail" count as cancelled or failed (a failed synchronisation fails the task); any other text is reported with a
    warning. Which texts every release returns is B(UNCONFIRMED).
  - Right after C(doLdapSync), a cluster might still report the previous synchronisation's result; the first status
    request is sent O(poll_interval) seconds after the start.
seealso:
  - module: voiceops.cucm.cucm_end_users
  - ref: ansible_collections.voiceops.cucm.docsite.ldap_users
    description: LDAP-synchronised users and the collection.
"""

EXAMPLES = r"""
- name: Synchronise every LDAP directory and wait (at most 10 minutes)
  voiceops.cucm.cucm_ldap_sync:
  register: ldap_sync

- name: One directory, waiting at most 30 minutes
  voiceops.cucm.cucm_ldap_sync:
    name: corp-ldap
    wait_timeout: 1800
    poll_interval: 15

- name: Start it and go on (the status is in the result)
  voiceops.cucm.cucm_ldap_sync:
    name: corp-ldap
    wait: false
"""

RETURN = r"""
directories:
  description:
    - Each directory synchronised (in check mode, that would be), sorted by name.
    - C(started) is false when a synchronisation was already running (the module then waited for it).
    - C(status_before) and C(status) are CUCM's answers before the start and at the end; C(state) reads C(status) as
      one of V(initiated), V(running), V(completed), V(cancelled), V(failed), V(idle) or V(unknown).
  returned: always
  type: list
  elements: dict
  sample:
    - name: corp-ldap
      started: true
      status_before: Sync is performed successfully
      status: Sync is performed successfully
      state: completed
"""

from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError, CucmModule
from ansible_collections.voiceops.cucm.plugins.module_utils.resources import ldap_directory

MAX_WAIT = 86400


def main():
    module = CucmModule(dict(
        name=dict(type="str", aliases=["directory"]),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
        poll_interval=dict(type="int", default=5),
    ))

    def run():
        p = module.params
        if not 1 <= p["wait_timeout"] <= MAX_WAIT:
            raise CucmError("wait_timeout: give 1 to %d seconds" % MAX_WAIT)
        if not 1 <= p["poll_interval"] <= p["wait_timeout"]:
            raise CucmError("poll_interval: give 1 second to wait_timeout")
        if p["name"] is not None and not p["name"].strip():
            raise CucmError("name: give a directory name, or leave it out for all directories")
        return ldap_directory.synchronise(module, p["name"], p["wait"], p["wait_timeout"], p["poll_interval"])

    module.run(run)


if __name__ == "__main__":
    main()
