#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_leaver_devices
short_description: Delete the phones and device profiles of leaving end users that nobody else uses
version_added: 1.0.0
description:
  - Finds the phones and Extension Mobility device profiles associated with, or owned by, the users in O(userids), and
    deletes each one whose every associated user and owner is in O(userids). A device that another user still
    controls, has as a profile, or owns is kept and reported in RV(kept) with that user in C(shared_with).
  - The C(voiceops.cucm.leavers) role uses it for C(leavers_devices=delete), before it removes the leavers from their
    groups and devices and deletes them.
  - Associations are the rows of CUCM's C(enduserdevicemap) (controlled devices, Extension Mobility profiles,
    CTI-controlled profiles); the owner is C(device.fkenduser). Both are read with one C(executeSQLQuery) each
    (paged), every user ID a quoted, checked SQL literal.
  - Phones (C(device.tkclass=1), real devices) are deleted with C(removePhone), user device profiles
    (C(tkclass=254), C(tkdeviceprofile=1)) with C(removeDeviceProfile). Other devices of the users (CTI route
    points, remote destination profiles, ...) are neither deleted nor reported. The directory numbers of a deleted
    device stay (CUCM keeps unassigned directory numbers).
  - A device that is already gone when the module deletes it (deleted meanwhile by someone else) is not reported as
    deleted. A device CUCM refuses to delete is reported in RV(failures); the module deletes the others and then
    fails.
  - In check mode nothing is deleted and RV(deleted) lists what would be.
extends_documentation_fragment:
  - voiceops.cucm.connection
  - voiceops.cucm.connection.ATTRIBUTES
author:
  - voiceops.cucm contributors (@voiceops)
options:
  userids:
    description:
      - The leaving users (user IDs, as CUCM spells them; the comparison is exact). User IDs that do not exist have no
        devices and are ignored.
      - At least one; no empty user ID, no control character or line break, no backslash.
    type: list
    elements: str
    required: true
  kinds:
    description: Which devices to delete (and report); the others are left alone.
    type: list
    elements: str
    choices: [phone, device_profile]
    default: [phone, device_profile]
  max_deletions:
    description:
      - The most devices one run may delete. More fails before any device is deleted, saying how many and which
        (check mode reports the same failure).
    type: int
    default: 20
    version_added: 1.1.0
notes:
  - Extension Mobility logins (CUCM's C(extensionmobilitydynamic) table) are not consulted, B(UNCONFIRMED) against a
    live cluster. A phone associated with and owned only by leavers is deleted even if another user is logged in to it
    with Extension Mobility at that moment; a leaver's device profile is deleted even if it is logged in somewhere.
  - The module does not reset or restart anything; a deleted phone unregisters when CUCM drops its configuration.
seealso:
  - module: voiceops.cucm.cucm_end_users
  - module: voiceops.cucm.cucm_end_user_info
"""

EXAMPLES = r"""
- name: Delete the devices of two leavers that nobody else uses
  voiceops.cucm.cucm_leaver_devices:
    userids: [jdoe, asmith]
  register: leaver_devices

- name: Show the devices kept because another user still uses them
  ansible.builtin.debug:
    msg: "{{ item.name }} is still used by {{ item.shared_with | join(', ') }}"
  loop: "{{ leaver_devices.kept }}"

- name: Only the Extension Mobility profiles; phones stay for the next user
  voiceops.cucm.cucm_leaver_devices:
    userids: "{{ leavers }}"
    kinds: [device_profile]
"""

RETURN = r"""
deleted:
  description:
    - The devices deleted (in check mode, that would be), ordered by name, each with the leaving users it belonged to.
    - C(kind) is V(phone) or V(device_profile).
  returned: always
  type: list
  elements: dict
  sample: [{name: SEP001122334455, kind: phone, users: [jdoe]}, {name: UDP_jdoe, kind: device_profile, users: [jdoe]}]
kept:
  description: Devices of the leaving users that another user still uses (associated or owner), in C(shared_with).
  returned: always
  type: list
  elements: dict
  sample: [{name: SEP0011223344AA, kind: phone, users: [jdoe], shared_with: [asmith]}]
failures:
  description: Devices CUCM refused to delete (the task fails), with CUCM's message in C(msg).
  returned: when a deletion failed
  type: list
  elements: dict
  sample: [{name: SEP001122334455, kind: phone, users: [jdoe], msg: "AXL removePhone failed (axlcode 5007): ..."}]
"""

from ansible_collections.voiceops.cucm.plugins.module_utils import axl, sql
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError, CucmModule
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import identity_problem, sql_text

# kind: (device.tkclass as executeSQLQuery returns it, AXL operation that deletes it)
KINDS = {"phone": ("1", "removePhone"), "device_profile": ("254", "removeDeviceProfile")}
_KIND_OF_CLASS = {tkclass: kind for kind, (tkclass, _op) in KINDS.items()}

# The devices in scope: phones (real devices) and user device profiles of the kinds asked for
# ({phones}/{profiles} are 1 or 0), associated with or owned by one of {userids}.
_SCOPE = (
    "((d.tkclass = 1 and d.tkdeviceprofile = 0 and {phones} = 1) "
    "or (d.tkclass = 254 and d.tkdeviceprofile = 1 and {profiles} = 1)) "
    "and (d.pkid in (select lm.fkdevice from enduserdevicemap lm join enduser lu on lu.pkid = lm.fkenduser "
    "where lu.userid in {userids}) "
    "or d.fkenduser in (select ou.pkid from enduser ou where ou.userid in {userids}))"
)
# Every user associated with one of those devices (in any way), and every owner of one.
ASSOCIATED_SQL = (
    "select d.name name, d.tkclass tkclass, u.userid userid from device d "
    "join enduserdevicemap m on m.fkdevice = d.pkid join enduser u on u.pkid = m.fkenduser "
    "where " + _SCOPE + " order by d.name, u.userid, m.tkuserassociation"
)
OWNED_SQL = (
    "select d.name name, d.tkclass tkclass, u.userid userid from device d "
    "join enduser u on u.pkid = d.fkenduser where " + _SCOPE + " order by d.name"
)
EXISTS_SQL = "select count(*) n from device where name = {name}"


def check_userids(userids):
    """The user IDs, deduplicated and sorted; CucmError for an unusable list (before any request)."""
    if not userids:
        raise CucmError("userids: give at least one user ID")
    for userid in userids:
        if not isinstance(userid, str) or not userid.strip():
            raise CucmError("userids: a user ID is empty")
        sql_text("userids", userid)
        problem = identity_problem("userids", userid)
        if problem:
            raise CucmError(problem)
    return sorted(set(userids))


def statements(userids, kinds):
    """The two SELECTs (associated users, owners) for these user IDs and kinds."""
    values = dict(userids=list(userids), phones=int("phone" in kinds), profiles=int("device_profile" in kinds))
    return [sql.render(ASSOCIATED_SQL, **values), sql.render(OWNED_SQL, **values)]


def plan(rows, userids):
    """``(delete, keep)`` from the rows of the SELECTs (name, tkclass, userid): a device goes when
    every user related to it is one of ``userids``, else it is kept with the others in ``shared_with``."""
    leavers = set(userids)
    devices = {}
    for row in rows:
        kind = _KIND_OF_CLASS.get(row["tkclass"])
        if kind is None:     # not a phone or device profile (the SELECTs do not return those)
            continue
        entry = devices.setdefault(row["name"], dict(kind=kind, users=set()))
        if row["userid"]:
            entry["users"].add(row["userid"])
    delete, keep = [], []
    for name in sorted(devices):
        entry = devices[name]
        mine, others = sorted(entry["users"] & leavers), sorted(entry["users"] - leavers)
        if not mine:        # cannot happen with the SELECTs' scope; never delete on no evidence
            continue
        if others:
            keep.append(dict(name=name, kind=entry["kind"], users=mine, shared_with=others))
        else:
            delete.append(dict(name=name, kind=entry["kind"], users=mine))
    return delete, keep


def _still_there(client, name):
    rows = client.sql_query(sql.render(EXISTS_SQL, name=name))
    return bool(rows) and rows[0].get("n", "0") not in ("", "0")


def remove(client, device):
    """Delete one device; True if it was deleted now, False if it was already gone."""
    operation = KINDS[device["kind"]][1]
    try:
        client.call(operation, {"name": device["name"]})
    except axl.AmbiguousWrite:
        # sent, but no answer: decide from what is there now (never send it twice)
        if _still_there(client, device["name"]):
            raise
        return True
    except axl.AxlFault as fault:
        if fault.not_found:
            return False
        raise
    return True


def main():
    module = CucmModule(dict(
        userids=dict(type="list", elements="str", required=True),
        kinds=dict(type="list", elements="str", choices=list(KINDS), default=list(KINDS)),
        max_deletions=dict(type="int", default=20),
    ))

    def run():
        userids = check_userids(module.params["userids"])
        kinds = set(module.params["kinds"] or [])
        if not kinds:
            raise CucmError("kinds: give at least one of %s" % ", ".join(KINDS))
        client = module.client
        rows = []
        for statement in statements(userids, kinds):
            rows.extend(client.sql_query_paged(statement))
        to_delete, kept = plan(rows, userids)
        limit = module.params["max_deletions"]
        if len(to_delete) > limit:
            names = [d["name"] for d in to_delete]
            raise CucmError("%d devices would be deleted (%s%s), more than max_deletions=%d. Nothing was deleted."
                            % (len(names), ", ".join(names[:10]), ", ..." if len(names) > 10 else "", limit),
                            would_delete=len(names))
        deleted, failures = [], []
        stopped = None
        for device in to_delete:
            if stopped is not None:
                failures.append(dict(device, msg="not attempted: %s" % stopped))
            elif module.check_mode:
                deleted.append(device)
            else:
                try:
                    if remove(client, device):
                        deleted.append(device)
                except (axl.AxlFault, axl.SchemaError) as fault:    # refused: go on with the others
                    failures.append(dict(device, msg=str(fault)))
                except axl.AxlError as exc:        # no connection, throttled past the budget: stop
                    failures.append(dict(device, msg=str(exc)))
                    stopped = "the deletion of %s failed first" % device["name"]
        result = dict(changed=bool(deleted), deleted=deleted, kept=kept)
        if module.diff_mode:
            result["diff"] = dict(before=dict(devices=[d["name"] for d in deleted]), after=dict(devices=[]))
        if failures:
            raise CucmError("%d of the %d devices to delete could not be deleted: %s" % (
                len(failures), len(to_delete), "; ".join("%s: %s" % (f["name"], f["msg"]) for f in failures)),
                failures=failures, **result)
        return result

    module.run(run)


if __name__ == "__main__":
    main()
