#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_changes_info
short_description: What changed on CUCM since a checkpoint (AXL change notification, listChange)
version_added: 1.1.0
description:
  - Returns the changes CUCM recorded since a checkpoint - users, phones, lines, device profiles, access control
    groups, IP phone services and more, each with its type, uuid, name, action and changed tags - and the checkpoint
    to give next time. It reads CUCM's change notification queue (AXL C(listChange), CUCM 10.0 and later; the
    collection supports 11.5 and later), so a tool that keeps a copy of CUCM's data reads only what changed instead
    of the whole cluster. See R(the change feed guide,ansible_collections.voiceops.cucm.docsite.eda).
  - A checkpoint is RV(checkpoint) of a previous run - C(queue_id), the identity of CUCM's queue, and
    C(next_change_id), the first change not yet seen. Keep it in O(checkpoint_file), or pass it as O(checkpoint).
  - B(A lost checkpoint is never skipped silently.) CUCM's queue lives in memory - it starts again, empty and with a
    new C(queue_id), whenever the AXL service restarts - and it keeps a bounded number of changes (100,000), dropping
    the oldest. When either happened after the checkpoint, the task returns no change, RV(resync_required=true) with
    the RV(reason), and a new checkpoint taken before you read again; read everything (for example
    M(voiceops.cucm.cucm_end_users) with O(voiceops.cucm.cucm_end_users#module:state=gathered)), then go on from that
    checkpoint. Without any checkpoint the task also says RV(resync_required=true) (reason C(no_checkpoint)) and
    returns the current one.
  - CUCM does not say who made a change - an administrator, Self Care, LDAP synchronisation, this collection.
  - Names come from one SQL read per change type (and 200 objects) - a removed object's name only when a changed
    tag carries it.
extends_documentation_fragment:
  - voiceops.cucm.connection
author:
  - voiceops.cucm contributors (@voiceops)
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: >-
      The changes are read in check mode too (reading changes nothing on CUCM); O(checkpoint_file) is not written, so
      the next run sees the same changes again. C(changed) says whether the file would have been written.
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
  checkpoint:
    description:
      - The checkpoint to read from - RV(checkpoint) of a previous run, C(queue_id) and C(next_change_id).
      - When given, O(checkpoint_file) is not read (it is still written).
    type: dict
    suboptions:
      queue_id:
        description: CUCM's queue identity (C(queueId)).
        type: str
        required: true
      next_change_id:
        description: The first change to return.
        type: int
        required: true
  checkpoint_file:
    description:
      - A JSON file on the host that runs the module (usually the controller) that keeps the checkpoint between runs.
        It is read when O(checkpoint) is not given (a missing file means no checkpoint) and written with the new
        checkpoint at the end - atomically (a temporary file renamed over it), readable by its owner only - unless
        in check mode.
      - Write it only once what you did with the changes has succeeded - a task that fails after this one would
        otherwise lose them. To do so, register this task and write RV(checkpoint) yourself at the end of the play, or
        run it in check mode first.
    type: path
  objects:
    description:
      - The change types to return (CUCM's names, case-sensitive), for example C(User), C(Phone), C(DeviceProfile),
        C(Line), C(UserGroup), C(IpPhoneServices), C(AppUser), C(ServiceParameter). Empty - every type.
      - Asking only for the types you need makes CUCM's answer smaller.
    type: list
    elements: str
    default: []
  resolve_names:
    description: Look up each changed object's name (one SQL read per type and 200 objects).
    type: bool
    default: true
  max_changes:
    description:
      - The most changes to return. When there are more, RV(truncated) is true and RV(checkpoint) points at the first
        change not returned - run again from it.
    type: int
    default: 10000
seealso:
  - module: voiceops.cucm.cucm_end_users
    description: O(voiceops.cucm.cucm_end_users#module:state=gathered) with O(voiceops.cucm.cucm_end_users#module:checkpoint) reads only the users that changed.
  - ref: ansible_collections.voiceops.cucm.docsite.eda
    description: The change feed, the event source plugin and the rulebooks.
"""

EXAMPLES = r"""
- name: What changed since the last run (the checkpoint kept in a file)
  voiceops.cucm.cucm_changes_info:
    objects: [User, Phone, DeviceProfile]
    checkpoint_file: /var/lib/cucm-sync/checkpoint.json
  register: feed

- name: Read everything again when the checkpoint was lost
  voiceops.cucm.cucm_end_users:
    state: gathered
    scope: "%"
    dest: /var/lib/cucm-sync/users.json
  when: feed.resync_required

- name: Phones whose service subscriptions changed
  ansible.builtin.debug:
    msg: "{{ feed.changes | selectattr('type', 'eq', 'Phone') | selectattr('changed_tags', 'contains', 'services')
             | map(attribute='name') | list }}"

- name: From a checkpoint kept elsewhere (for example an AWX job's artifacts)
  voiceops.cucm.cucm_changes_info:
    checkpoint: "{{ last_checkpoint }}"
    objects: [User]
  register: feed
"""

RETURN = r"""
changes:
  description:
    - The changes after the checkpoint, oldest first (empty when RV(resync_required)). CUCM may report several
      changes of one object, even for one request (one per database row it wrote).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: CUCM's change id.
      type: int
      sample: 1042
    type:
      description: The object's change type (C(User), C(Phone), ...).
      type: str
      sample: User
    uuid:
      description: The object's uuid, as AXL writes it (C({UPPERCASE})).
      type: str
      sample: "{5AA55B56-3D0A-4F3C-9F6C-2F7C1B1B3C11}"
    name:
      description:
        - The object's name (user ID, device name, directory number, group or service name), when O(resolve_names)
          and the object still exists (or a changed tag carries its name); else null.
      type: str
      sample: jdoe
    action:
      description: V(add), V(update) or V(remove).
      type: str
      sample: update
    changed_tags:
      description: The AXL elements that changed (for an update), as CUCM names them (C(firstName), C(services), ...).
      type: list
      elements: str
      sample: [firstName, department]
    values:
      description:
        - The new values CUCM gave with the changed tags, by tag. Tags whose name suggests a secret (password, PIN,
          credentials) never have a value here.
      type: dict
      sample: {firstName: Jane, department: Sales}
    do_get:
      description: CUCM's hint that the change is best followed by reading the whole object.
      type: bool
      sample: false
checkpoint:
  description: The checkpoint to give next time (after a full read when RV(resync_required)).
  returned: always
  type: dict
  contains:
    queue_id:
      description: CUCM's queue identity.
      type: str
      sample: DdkNST9m
    next_change_id:
      description: The first change not returned yet.
      type: int
      sample: 1043
  sample: {queue_id: DdkNST9m, next_change_id: 1043}
resync_required:
  description: True when the changes after the checkpoint cannot all be returned, or when there was no checkpoint; read everything again.
  returned: always
  type: bool
  sample: false
reason:
  description:
    - Why a resync is required - V(no_checkpoint), V(queue_restarted) (a new queue, for example after an AXL service
      restart, or a checkpoint of another cluster), V(changes_dropped) (the queue dropped changes after the checkpoint),
      V(checkpoint_ahead) (a checkpoint past the end of the queue). Null otherwise.
  returned: always
  type: str
  sample: changes_dropped
message:
  description: The reason in words (null when there is none).
  returned: always
  type: str
  sample: "CUCM's change queue dropped changes after the checkpoint (it keeps a bounded number)"
truncated:
  description: True when O(max_changes) changes were returned and more may follow.
  returned: always
  type: bool
  sample: false
queue:
  description: CUCM's queue as the last answer described it.
  returned: always
  type: dict
  contains:
    queue_id:
      description: The queue's identity.
      type: str
    first_change_id:
      description: The oldest change CUCM still keeps.
      type: int
    last_change_id:
      description: The newest change.
      type: int
  sample: {queue_id: DdkNST9m, first_change_id: 1, last_change_id: 1042}
requests:
  description: How many AXL requests the task made (listChange pages and name look-ups).
  returned: always
  type: int
  sample: 2
checkpoint_file:
  description: The file written (or, in check mode, that would be).
  returned: when O(checkpoint_file) is given
  type: str
  sample: /var/lib/cucm-sync/checkpoint.json
"""

import re

from ansible_collections.voiceops.cucm.plugins.module_utils import changes
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError, CucmModule

KNOWN_TYPES = ("User", "AppUser", "UserGroup", "Phone", "DeviceProfile", "Line", "IpPhoneServices", "ServiceParameter",
               "LdapDirectory", "RoutePartition", "Css", "DevicePool", "Location", "RemoteDestination",
               "RemoteDestinationProfile", "UserPhoneAssociation", "LicensedUser", "CommonPhoneConfig",
               "PhoneButtonTemplate", "SoftKeyTemplate", "SipProfile", "PhoneSecurityProfile", "HuntPilot", "HuntList",
               "LineGroup", "RoutePattern", "TransPattern", "SipTrunk", "Gateway", "ServiceProfile", "UcService",
               "UserProfileProvision", "UniversalDeviceTemplate", "UniversalLineTemplate", "CallPickupGroup")
MAX_CHANGES = 1000000


def check_objects(module, objects):
    for name in objects:
        if not re.match(r"^[A-Za-z][A-Za-z0-9]*$", name or ""):
            raise CucmError("objects: %r is not a change type name (letters and digits, e.g. User, Phone)" % (name,))
    unknown = sorted(set(objects) - set(KNOWN_TYPES))
    if unknown:
        module.warn("objects: %s not among the change types this collection knows (%s); CUCM returns nothing for a "
                    "name it does not know - check the spelling (case matters)" % (", ".join(unknown), ", ".join(KNOWN_TYPES)))


def main():
    module = CucmModule(dict(
        checkpoint=dict(type="dict", options=dict(queue_id=dict(type="str", required=True),
                                                  next_change_id=dict(type="int", required=True))),
        checkpoint_file=dict(type="path"),
        objects=dict(type="list", elements="str", default=[]),
        resolve_names=dict(type="bool", default=True),
        max_changes=dict(type="int", default=10000),
    ))

    def run():
        p = module.params
        if not 1 <= p["max_changes"] <= MAX_CHANGES:
            raise CucmError("max_changes: give 1 to %d. Nothing was read." % MAX_CHANGES)
        check_objects(module, p["objects"])
        if p["checkpoint"] is not None:
            checkpoint = changes.parse_checkpoint(p["checkpoint"])
        elif p["checkpoint_file"]:
            checkpoint = changes.read_checkpoint_file(p["checkpoint_file"])
        else:
            checkpoint = None
        found = changes.changes_since(module.client, checkpoint, p["objects"] or None, max_changes=p["max_changes"])
        requests = found["requests"]
        if p["resolve_names"] and found["changes"]:
            requests += changes.resolve_names(module.client, found["changes"])
        queue = found["queue"] or {}
        result = dict(
            changed=False, changes=[changes.public(c) for c in found["changes"]], checkpoint=found["checkpoint"].as_dict(),
            resync_required=found["resync_required"], reason=found["reason"], message=found["message"],
            truncated=len(found["changes"]) >= p["max_changes"],
            queue=dict(queue_id=queue.get("queue_id"), first_change_id=queue.get("first"), last_change_id=queue.get("last")),
            requests=requests)
        if p["checkpoint_file"]:
            current = None
            try:
                current = changes.read_checkpoint_file(p["checkpoint_file"])
            except CucmError:
                current = None
            result["changed"] = current is None or current.as_dict() != found["checkpoint"].as_dict()
            if result["changed"] and not module.check_mode:
                changes.write_checkpoint_file(p["checkpoint_file"], found["checkpoint"])
            result["checkpoint_file"] = p["checkpoint_file"]
        return result

    module.run(run)


if __name__ == "__main__":
    main()
