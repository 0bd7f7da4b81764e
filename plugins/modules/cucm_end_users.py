#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_end_users
short_description: Converge many CUCM end users in one task
version_added: 1.0.0
description:
  - Converge thousands of end users in one task, with the per-user options of M(voiceops.cucm.cucm_end_user)
    (the same option table; each item of O(users) takes those options, except C(state) and C(update_password)).
  - Reads the cluster in a few paged requests (C(listUser) and C(executeSQLQuery), each page sized to stay
    well under AXL's 8 MB limit and shrunk on a "Query request too large" fault), checks every user and every
    referenced object before the first write, writes only the changed fields with a few parallel workers
    sharing one AXL session (one authentication per task), retries throttled writes, re-reads before retrying
    a write whose answer was lost, and reports per user what failed without losing what succeeded.
  - The result holds counts, and details only for users that changed or failed, so 10,000 users with a few
    changes give a small result and a short diff.
  - Options that no bulk read returns (C(em_profiles), C(cti_controlled_profiles), C(default_profile), C(user_profile),
    C(self_service_id), C(name_dialing), C(attendees_access_code), C(enable_user_to_host_conference_now)) cost one
    C(getUser) for each user that declares them.
extends_documentation_fragment:
  - voiceops.cucm.connection
  - voiceops.cucm.connection.ATTRIBUTES
author:
  - voiceops.cucm contributors (@voiceops)
options:
  users:
    description:
      - The users, each a mapping of M(voiceops.cucm.cucm_end_user) options (C(userid) required).
      - A list option may be given as a plain list, which means its C(set) (a C(groups) list C([Standard CCM End Users])
        is the set of that list). The same holds in O(users_file).
      - Per-user secrets (C(password), C(pin), C(digest_credentials)) are refused here, because Ansible would log
        them and masking 10,000 secrets costs minutes; put them in O(users_file) or use O(default_password) and
        O(default_pin).
      - For large lists prefer O(users_file), so that ansible-core does not template and log 10,000 objects.
    type: list
    elements: dict
  users_file:
    description:
      - A file of users read by the module itself, in JSON or YAML (a list, or a mapping with a C(users) list) or CSV
        (a header row of option names; list options C(;)-separated as their C(set); the primary extension in columns
        C(primary_extension_pattern) and C(primary_extension_partition); empty cells are not declared).
      - Per-user secrets may be given here; they are never returned or logged.
    type: path
  state:
    description:
      - V(merged) creates missing users and converges the declared options of each.
      - V(replaced) does the same and also empties the lists C(groups) and C(associated_devices) of a user that does
        not declare them.
      - V(overridden) does what V(replaced) does and deletes the users in O(scope) that are not declared, never more
        than O(max_deletions) (exceeding it fails before any write and says how many users it would delete).
      - V(deleted) deletes the declared users (only C(userid) is needed).
      - V(gathered) returns the live users (those in O(scope), or the declared ones) in the input shape, with every
        option a bulk read returns; it writes nothing.
    type: str
    choices: [merged, replaced, overridden, deleted, gathered]
    default: merged
  scope:
    description:
      - Which users V(overridden) may delete and V(gathered) reads. Required for V(overridden).
    type: dict
    suboptions:
      userid:
        description:
          - A user ID pattern with C(%) wildcards (SQL LIKE, case-sensitive), for example C(agent%). It must not be
            empty; C(%) (every user of the cluster) has to be written out.
        type: str
        required: true
      local_only:
        description:
          - Leave LDAP-synchronised users in the scope alone (CUCM cannot delete them while synchronisation is on).
            With V(false), an undeclared LDAP user in the scope fails the task before any write.
        type: bool
        default: true
  max_deletions:
    description:
      - The most users one run may delete, with V(overridden) (undeclared users in O(scope)) and with V(deleted)
        (declared users that exist). More fails before any write, saying how many users and which.
    type: int
    default: 10
  allow_empty:
    description:
      - With V(overridden) or V(deleted), accept an empty declaration (no O(users), or a O(users_file) that lists
        nobody). Without it, such a run fails before any write and says what it would have deleted; an empty
        list is far more often a missing file or a broken template than a wish to delete everyone in scope.
    type: bool
    default: false
    version_added: 1.1.0
  on_invalid:
    description:
      - What a user whose declaration cannot be applied does to the run (an unknown group or phone, a look-alike
        of an existing user ID, a departed user, a bad value).
      - V(fail) fails the whole task before any write and lists every problem.
      - V(skip) leaves those users untouched, converges the others, and reports the users left out with their
        reasons in RV(skipped_users) (and a warning). Problems that concern the whole run (O(max_deletions), the scope)
        still fail it. With V(overridden), a user left out is still declared, so it is never deleted.
    type: str
    choices: [fail, skip]
    default: fail
    version_added: 1.1.0
  departed:
    description:
      - User IDs that have left (for example the ledger that the role C(voiceops.cucm.leavers) writes). A declared
        user in this list is never created or changed, so a desired state that still lists a leaver does not bring
        it back; it is reported as a problem (see O(on_invalid)).
    type: list
    elements: str
    version_added: 1.1.0
  concurrency:
    description:
      - Parallel workers for writes (1 to 8). Reads are never parallel. AXL throttles writes by the cluster's
        change queue, so a small number is faster than a large one.
    type: int
    default: 2
  update_password:
    description: As in M(voiceops.cucm.cucm_end_user), for every user.
    type: str
    choices: [always, on_create]
    default: on_create
  default_password:
    description: Password given to each user this task creates without one of its own.
    type: str
  default_pin:
    description: PIN given to each user this task creates without one of its own.
    type: str
  dest:
    description:
      - With V(gathered), write the users to this file instead of returning them, for large exports (a GitOps
        bootstrap). C(.json), C(.yml) or C(.yaml) as a mapping with a C(users) list, or C(.csv) with the columns that
        O(users_file) reads (a header row of option names, list options C(;)-separated, the primary extension in
        C(primary_extension_pattern) and C(primary_extension_partition)), so a gathered CSV can be edited in a
        spreadsheet and given back as O(users_file), as BAT does.
      - In a CSV file an empty cell is not declared, so an empty value and an empty list are not written back.
      - Any other extension fails before anything is read.
    type: path
  full:
    description:
      - With V(gathered), also read the options that no bulk read returns (C(em_profiles), C(cti_controlled_profiles),
        C(default_profile), C(user_profile), C(self_service_id), C(name_dialing), ...), with one C(getUser) per user.
        Without it they are left out of the export (and so of what a desired state built from it converges).
    type: bool
    default: false
    version_added: 1.1.0
  checkpoint:
    description:
      - With V(gathered), return only the users added, changed or removed since this checkpoint of CUCM's change feed
        (RV(checkpoint) of a previous run, or of M(voiceops.cucm.cucm_changes_info)) - one C(listChange), one SQL read
        of the changed users' IDs and one C(getUser) per changed user, instead of reading every user. RV(users) then
        holds the changed users that still exist (in O(scope)), RV(removed) the removed ones, and RV(checkpoint) the
        checkpoint to give next time.
      - When the checkpoint is lost (CUCM's AXL service restarted, or its bounded change queue dropped changes after
        it), the task falls back to a full read - as without a checkpoint - and says so (RV(resync_required), with the
        reason in RV(resync_reason)); RV(checkpoint) is then taken before that read, so nothing changed during it is
        missed next time.
      - Not with O(users) or O(users_file).
    type: dict
    version_added: 1.1.0
    suboptions:
      queue_id:
        description: CUCM's change queue identity (C(queueId)).
        type: str
        required: true
      next_change_id:
        description: The first change not yet seen.
        type: int
        required: true
  checkpoint_file:
    description:
      - With V(gathered), keep the checkpoint in this JSON file - read when O(checkpoint) is not given (a missing file
        means no checkpoint, so a full read), and written atomically with RV(checkpoint) at the end, except in check mode.
    type: path
    version_added: 1.1.0
  ldap_owned_fields:
    description:
      - What a declared value that differs from the directory does, in a field an LDAP directory owns (names, mail,
        phone numbers, department, title, manager, directory URI) of a user synchronised from LDAP. CUCM refuses to
        change those fields; nothing is ever written to them.
      - V(fail) fails the task before any write and names every such user and field (the declaration cannot be
        applied).
      - V(skip) leaves those fields as the directory has them, converges everything else, and reports each such value
        in RV(ldap_skipped), in the diff (under C(ldap_owned_not_written)) and in a warning. Use it for a desired state
        that the directory overtakes (an export kept in Git), as the C(voiceops.cucm.identity) role does.
      - With V(gathered), an LDAP-synchronised user is always exported without those fields.
    type: str
    choices: [fail, skip]
    default: fail
    version_added: 1.1.0
  pending_references:
    description:
      - In check mode, names of objects that the same run creates before this task (the C(voiceops.cucm.identity) role
        passes the access control groups it would create). A user joining one of them cannot be checked yet; the
        membership is planned and shown in the diff as usual, left out of the reference check, and reported in
        RV(pending). Everything else of the user is checked and diffed as usual.
      - Ignored outside check mode, where those objects exist by the time this task runs.
    type: dict
    suboptions:
      groups:
        description: Access control groups this run creates before this task.
        type: list
        elements: str
    version_added: 1.1.0
notes:
  - For a cluster, run one task for all its users; for many clusters, make each cluster an inventory host and let
    forks run them in parallel.
seealso:
  - module: voiceops.cucm.cucm_end_user
  - module: voiceops.cucm.cucm_end_user_info
"""

EXAMPLES = r"""
- name: Converge the users of a GitOps repository (JSON keeps ansible-core fast with 10,000 users)
  voiceops.cucm.cucm_end_users:
    users_file: "{{ playbook_dir }}/state/users.json"
    default_pin: "{{ vault_initial_pin }}"

- name: The agents are exactly these; delete any other local agent, at most 5 per run
  voiceops.cucm.cucm_end_users:
    state: overridden
    scope:
      userid: "agent%"
    max_deletions: 5
    users:
      - {userid: agent001, last_name: One, groups: {set: [Standard CCM End Users, Standard CTI Enabled]}}
      - {userid: agent002, last_name: Two, groups: {set: [Standard CCM End Users, Standard CTI Enabled]}}

- name: Export every end user for a GitOps bootstrap
  voiceops.cucm.cucm_end_users:
    state: gathered
    scope:
      userid: "%"
    dest: "{{ playbook_dir }}/state/users.json"

- name: Export the agents as CSV, with their Extension Mobility profiles, to edit in a spreadsheet
  voiceops.cucm.cucm_end_users:
    state: gathered
    scope:
      userid: "agent%"
    full: true
    dest: "{{ playbook_dir }}/agents.csv"

- name: ... and give the edited file back (LDAP users' directory fields are reported, not written)
  voiceops.cucm.cucm_end_users:
    users_file: "{{ playbook_dir }}/agents.csv"
    ldap_owned_fields: skip
"""

RETURN = r"""
counts:
  description:
    - How many users were created, updated, deleted, left unchanged, or failed (in check mode, would be).
    - With O(state=gathered), also how many were gathered, and how many of them are synchronised from LDAP (C(ldap);
      exported without the fields the directory owns).
  returned: always
  type: dict
  sample: {created: 2, updated: 98, deleted: 0, unchanged: 9900, failed: 0}
changes:
  description: One entry per user that changed (or would), with the options that changed. Secrets are named, never shown.
  returned: always
  type: list
  elements: dict
  sample:
    - {userid: jdoe, action: updated, fields: [department]}
failures:
  description: One entry per user whose write failed, with CUCM's reason. The other users' changes are kept.
  returned: always
  type: list
  elements: dict
  sample:
    - {userid: bsmith, action: updated, msg: "AXL updateUser failed (axlcode 5007): ..."}
users:
  description: With O(state=gathered) and no O(dest), the users in the input shape.
  returned: when state is gathered
  type: list
  elements: dict
skipped_users:
  description:
    - With O(on_invalid=skip), the users left untouched because their declaration could not be applied, each with
      its reasons.
  returned: always
  type: list
  elements: dict
  sample:
    - {userid: user00010, reasons: ["associated_devices: unknown phone 'SEP0A000000000A'"]}
  version_added: 1.1.0
ldap_skipped:
  description:
    - With O(ldap_owned_fields=skip), each LDAP-synchronised user whose declaration differs from the directory in fields
      the directory owns, with the declared and the directory's values. None of them was written.
  returned: always
  type: list
  elements: dict
  sample:
    - userid: user00002
      ldap_directory: corp-ldap
      fields: {title: {declared: Team Lead, directory: Director}}
  version_added: 1.1.0
pending:
  description:
    - In check mode with O(pending_references), the memberships that name an object the run creates first, by user; they
      are in RV(changes) and the diff as well, and are checked when the run applies.
  returned: always
  type: list
  elements: dict
  sample:
    - {userid: jdoe, option: groups, names: [Night Shift]}
  version_added: 1.1.0
checkpoint:
  description: With O(state=gathered) and O(checkpoint) or O(checkpoint_file), the checkpoint to give next time.
  returned: when O(checkpoint) or O(checkpoint_file) is given
  type: dict
  sample: {queue_id: DdkNST9m, next_change_id: 1043}
  version_added: 1.1.0
incremental:
  description: True when RV(users) holds only the users that changed since the checkpoint; false after a full read.
  returned: when O(checkpoint) or O(checkpoint_file) is given
  type: bool
  sample: true
  version_added: 1.1.0
resync_required:
  description: True when the checkpoint was missing or lost and every user in O(scope) was read again.
  returned: when O(checkpoint) or O(checkpoint_file) is given
  type: bool
  sample: false
  version_added: 1.1.0
resync_reason:
  description: Why (C(no_checkpoint), C(queue_restarted), C(changes_dropped), C(checkpoint_ahead)); null otherwise.
  returned: when O(checkpoint) or O(checkpoint_file) is given
  type: str
  sample: changes_dropped
  version_added: 1.1.0
removed:
  description:
    - With an incremental read, the users removed since the checkpoint - their uuid, and their user ID when CUCM's
      change feed named it (else null; match it by uuid).
  returned: when O(checkpoint) or O(checkpoint_file) is given
  type: list
  elements: dict
  sample: [{uuid: "{5AA55B56-3D0A-4F3C-9F6C-2F7C1B1B3C11}", userid: null}]
  version_added: 1.1.0
axl:
  description: What the task cost in AXL requests (all workers together).
  returned: always
  type: dict
  sample: {requests: 21, basic_auths: 1, retries: 0, throttled: 0}
performance:
  description: Seconds the module ran and its peak memory (resident set, MB).
  returned: always
  type: dict
  sample: {seconds: 3.4, peak_rss_mb: 61}
diff:
  description:
    - With C(--diff), before and after of the changed users only, limited to the options that changed.
    - A user whose declared values of directory-owned fields were not written (O(ldap_owned_fields=skip)) has them
      under C(ldap_owned_not_written) in C(after).
  returned: when diff mode is on
  type: dict
"""

import resource
import time

from ansible_collections.voiceops.cucm.plugins.module_utils import bulk, changes
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError, CucmModule
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import LDAP_OWNED_POLICIES, ldap_skipped_warning, pending_spec
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.end_user import EndUser


def main():
    users = EndUser()
    module = CucmModule(
        dict(
            users=dict(type="list", elements="dict", no_log=False),
            users_file=dict(type="path"),
            state=dict(type="str", choices=list(bulk.STATES), default="merged"),
            scope=dict(type="dict", options=dict(userid=dict(type="str", required=True),
                                                 local_only=dict(type="bool", default=True))),
            max_deletions=dict(type="int", default=10),
            allow_empty=dict(type="bool", default=False),
            on_invalid=dict(type="str", choices=["fail", "skip"], default="fail"),
            departed=dict(type="list", elements="str"),
            concurrency=dict(type="int", default=2),
            update_password=dict(type="str", choices=["always", "on_create"], default="on_create", no_log=False),
            default_password=dict(type="str", no_log=True),
            default_pin=dict(type="str", no_log=True),
            dest=dict(type="path"),
            full=dict(type="bool", default=False),
            ldap_owned_fields=dict(type="str", choices=list(LDAP_OWNED_POLICIES), default="fail"),
            pending_references=pending_spec(["groups"]),
            checkpoint=dict(type="dict", options=dict(queue_id=dict(type="str", required=True),
                                                      next_change_id=dict(type="int", required=True))),
            checkpoint_file=dict(type="path"),
        ),
        mutually_exclusive=[("users", "users_file")],
        required_if=[("state", "overridden", ("scope",))],
    )

    def run():
        started = time.monotonic()
        p = module.params
        if not 1 <= p["concurrency"] <= 8:
            raise CucmError("concurrency must be between 1 and 8")
        if p["max_deletions"] < 0:
            raise CucmError("max_deletions must not be negative")
        if p["state"] != "gathered" and p["users"] is None and p["users_file"] is None:
            raise CucmError("state=%s needs users or users_file" % p["state"])
        if p["dest"]:
            bulk.check_dest(p["dest"])
        items = p["users"] or []
        from_file = p["users_file"] is not None
        # inline secrets are refused below, but a failed task echoes its arguments: never show them
        module.hide([str(item[o.name]) for item in items if isinstance(item, dict)
                     for o in users.options if o.kind == "secret" and item.get(o.name) not in (None, "")])
        scope = (p["scope"] or {}).get("userid")
        if scope is not None and not scope.strip():
            raise CucmError("scope.userid is empty; give the pattern of the user IDs in scope (write %% for every user "
                            "of the cluster). Nothing was written.")
        # the defaults are values too: a bad one must fail now, in check mode as well, not after other writes
        bulk.validate_defaults(users, dict(password=p["default_password"], pin=p["default_pin"]), module.client.version)
        if from_file:
            items = bulk.load_file(p["users_file"], users)
        invalid = {} if p["on_invalid"] == "skip" else None
        items = bulk.validate_items(users, items, module.client.version, allow_secrets=from_file, invalid=invalid)
        defaults = dict(update_password=p["update_password"], password=p["default_password"], pin=p["default_pin"])
        policy = dict(max_deletions=p["max_deletions"], allow_empty=p["allow_empty"], departed=p["departed"],
                      invalid=invalid, ldap_owned_fields=p["ldap_owned_fields"], full=p["full"],
                      pending=dict((k, v) for k, v in (p["pending_references"] or {}).items() if v))
        feed = None
        if p["checkpoint"] is not None or p["checkpoint_file"]:
            if p["state"] != "gathered":
                raise CucmError("checkpoint and checkpoint_file go with state=gathered. Nothing was written.")
            if p["users"] is not None or from_file:
                raise CucmError("checkpoint: the users that changed are read; do not declare users or users_file. "
                                "Nothing was read.")
            mark = (changes.parse_checkpoint(p["checkpoint"]) if p["checkpoint"] is not None
                    else changes.read_checkpoint_file(p["checkpoint_file"]))
            # taken before any read: what changes while the users are read is seen next time
            feed = changes.changes_since(module.client, mark, ["User"])
        if feed is not None and not feed["resync_required"]:
            gathered, removed, _requests = bulk.gather_changed(module, users, feed, scope, p["full"])
            outcome = bulk.Outcome()
            outcome.counters = module.client.totals()
            outcome.ldap_users = []
        else:
            removed = None
            outcome, gathered = bulk.converge(module, users, items, p["state"], scope, p["concurrency"], defaults, policy)
        skipped = [dict(userid=u, reasons=r) for u, r in sorted((invalid or {}).items())]
        if skipped:
            module.warn("%d users were left untouched because their declaration cannot be applied (on_invalid=skip): "
                        "%s; see 'skipped_users'" % (len(skipped), ", ".join(s["userid"] for s in skipped[:10])))
        if outcome.ldap_skipped:
            module.warn(ldap_skipped_warning("user", outcome.ldap_skipped, "userid"))
        result = dict(changed=bool(outcome.changes), counts=outcome.counts, changes=outcome.changes,
                      failures=outcome.failures, skipped_users=skipped, axl=outcome.counters,
                      ldap_skipped=outcome.ldap_skipped, pending=outcome.pending,
                      performance=dict(seconds=round(time.monotonic() - started, 2),
                                       peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024))
        if gathered is not None:
            if p["dest"]:
                bulk.write_users(users, p["dest"], gathered)
                result["exported"] = p["dest"]
            else:
                result["users"] = gathered
            result["counts"] = dict(outcome.counts, gathered=len(gathered), ldap=len(outcome.ldap_users))
        if feed is not None:
            result.update(checkpoint=feed["checkpoint"].as_dict(), incremental=not feed["resync_required"],
                          resync_required=feed["resync_required"], resync_reason=feed["reason"], removed=removed or [])
            result["counts"]["removed"] = len(removed or [])
            if feed["resync_required"] and feed["reason"] != "no_checkpoint":
                module.warn("checkpoint: %s; every user in scope was read again" % feed["message"])
            if p["checkpoint_file"] and not module.check_mode:
                changes.write_checkpoint_file(p["checkpoint_file"], feed["checkpoint"])
        if module.diff_mode and (outcome.changes or outcome.ldap_skipped):
            result["diff"] = dict(before=outcome.before, after=outcome.after)
        if outcome.failures:
            raise CucmError("%d of %d users failed (the others were converged): %s" % (
                len(outcome.failures), len(items), "; ".join("%s: %s" % (f["userid"], f["msg"]) for f in outcome.failures[:10])),
                **result)
        return result

    module.run(run)


if __name__ == "__main__":
    main()
