#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_phone_service_subscriptions
short_description: Converge many CUCM phone-service subscriptions in one task
version_added: 1.1.0
description:
  - Converge the IP phone service subscriptions of thousands of phones and device profiles (the IP Phone Agent
    subscriptions of a contact centre) in one task, with the options of
    M(voiceops.cucm.cucm_phone_service_subscription) for each (the same option table and the same rules).
  - Reads in a few paged requests whatever the number of devices, instead of a task per device - for N declared
    devices, one C(getIpPhoneServices) per declared service and two C(executeSQLQuery) per 500 devices (the
    subscriptions of those devices, and the parameter values of their subscriptions to the declared services),
    plus a page more when an answer would pass 2 MB, and C(getCCMVersion) when O(axl_version) is not given. A
    run where nothing changes writes nothing, and the whole task uses one AXL session (one authentication).
  - Checks every subscription and every device before the first write (also in check mode), as
    M(voiceops.cucm.cucm_phone_service_subscription) does for one, then writes only what differs, with a few
    parallel workers sharing the session, each device by one worker. A device whose list of subscriptions changes
    (a new, renamed, relabelled or removed subscription) is read again just before it is written
    (C(getPhone)/C(getDeviceProfile), then one C(updatePhone)/C(updateDeviceProfile) for all of its changes), so a
    subscription another job added meanwhile stays. Each parameter value that differs is one C(executeSQLUpdate).
    The URLs of what was written are then checked in a few reads; a device with a stale URL is saved again once
    (C(getPhone) and C(updatePhone), without any URL), and an URL still stale after that is set by SQL.
  - Identifies, compares and hides as the single module does. A subscription is its C(device),
    C(service) and C(url_button_index); it is matched with its row of CUCM's
    C(telecastersubscribedservice) table, never with a C(uuid) of the device's list, and a stored URL is never
    sent back.
  - B(Password parameters.) Values of parameters the service marks as password are never shown, in results,
    diffs, warnings, errors or C(-vvvv) output. Until the services have been read, every value of O(subscriptions)
    (and of O(subscriptions_file)) is kept out of what the module reports; from then on only the password values
    (and those of unknown parameters). With O(update_secrets=on_create) (the default) a password that has a value is
    never rewritten; agents own their IP Phone Agent password once it is set. A password value declared as
    C(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER) (as results and RV(subscriptions) show one) means "keep it".
  - The result holds counts, and details only for the subscriptions that changed or failed.
extends_documentation_fragment:
  - voiceops.cucm.connection
  - voiceops.cucm.connection.ATTRIBUTES
author:
  - voiceops.cucm contributors (@voiceops)
options:
  subscriptions:
    description:
      - The subscriptions, each a mapping of M(voiceops.cucm.cucm_phone_service_subscription) options except
        C(state) - C(device) (required), C(device_type) (V(phone) or V(device_profile), default V(phone)), C(service)
        (required), C(url_button_index) (default V(0), the Services menu), C(name), C(url_label), C(parameters) (values
        by name; only the declared ones are compared and written) and C(update_secrets) (this subscription's
        O(update_secrets)).
      - Checked as the single module checks them; text options refuse numbers (quote them). Two items for the same
        device, service and URL button index are refused.
      - For thousands, prefer O(subscriptions_file), which ansible-core neither templates nor logs.
    type: list
    elements: dict
  subscriptions_file:
    description:
      - A file of subscriptions read by the module itself, in JSON or YAML (a list, or a mapping with a
        C(subscriptions) list) or CSV (a header row of option names, one column C(parameters.<name>) per parameter,
        empty cells not declared). Numbers are read as the text written (an extension C(0042) stays C(0042)).
      - Its values are never logged; password values are hidden as in O(subscriptions).
    type: path
  state:
    description:
      - V(merged) creates missing subscriptions and converges the declared options of each.
      - V(replaced) does the same and, on each declared device, removes the subscriptions in O(scope) that are not
        declared; without O(scope), those to the services declared for that device (at another URL button).
        Subscriptions to other services are left alone.
      - V(overridden) does what V(merged) does and removes every subscription in O(scope), on any device, that is
        not declared.
      - V(deleted) removes the declared subscriptions (C(device), C(service) and C(url_button_index) are what
        count; duplicates of one are all removed).
      - V(gathered) returns the subscriptions in O(scope), or the declared ones, in the input shape (password values
        masked); it writes nothing.
      - Every removal counts against O(max_deletions).
    type: str
    choices: [merged, replaced, overridden, deleted, gathered]
    default: merged
  scope:
    description:
      - Which subscriptions V(overridden) and V(replaced) may remove, and V(gathered) reads. Required for
        V(overridden). Give O(scope.service), O(scope.device) or both.
    type: dict
    suboptions:
      service:
        description: Only subscriptions to this service.
        type: str
      device:
        description:
          - Only devices whose name matches this pattern, with C(%) wildcards (SQL LIKE, case-sensitive), for example
            C(SEP%) or C(UDP_agent%). It must not be empty; C(%) (every device) has to be written out.
        type: str
  max_deletions:
    description:
      - The most subscriptions one run may remove (V(deleted), V(replaced), V(overridden)). More fails before any
        write, saying how many and which. A device's duplicates of one subscription count once.
    type: int
    default: 10
  allow_empty:
    description:
      - With V(overridden) or V(deleted), accept an empty declaration. Without it such a run fails before any write
        and says what it would have removed; an empty list is far more often a missing file or a broken template
        than a wish to remove every subscription in scope.
    type: bool
    default: false
  on_invalid:
    description:
      - What a subscription whose declaration cannot be applied does to the run (an unknown device, service or
        parameter, a bad value, a missing required parameter, a URL button in use, a device with 100 subscriptions).
      - V(fail) fails the whole task before any write and lists every problem.
      - V(skip) leaves those subscriptions untouched, converges the others, and reports the ones left out with their
        reasons in RV(skipped_subscriptions) (and a warning). A subscription left out is still declared, so
        V(replaced) and V(overridden) never remove it. Problems of the whole run (O(max_deletions), O(scope)) still
        fail it.
    type: str
    choices: [fail, skip]
    default: fail
  update_secrets:
    description:
      - V(on_create) writes a password parameter only when the subscription is created or the parameter has no
        value yet, so a password its owner changed (in the Self Care Portal) is never undone.
      - V(always) rewrites a password parameter whose value differs from the declared one.
      - The default of each subscription's C(update_secrets).
    type: str
    choices: [always, on_create]
    default: on_create
  concurrency:
    description:
      - Parallel workers for writes (1 to 8). Reads are never parallel.
    type: int
    default: 2
  dest:
    description:
      - With V(gathered), write the subscriptions to this file (C(.json), C(.yml) or C(.yaml)), as a mapping with a
        C(subscriptions) list, instead of returning them.
    type: path
notes:
  - For a cluster, run one task for all its subscriptions; for many clusters, make each cluster an inventory host
    and let forks run them in parallel.
  - A declaration that fails its checks changes nothing, in check mode too. With O(on_invalid=fail) (the default),
    one bad subscription stops the whole run before its first write.
  - The module does not restart or apply the devices; CUCM serves the rebuilt URL the next time a phone opens the
    service.
seealso:
  - module: voiceops.cucm.cucm_phone_service_subscription
  - module: voiceops.cucm.cucm_phone_service_subscription_info
  - module: voiceops.cucm.cucm_phone_service
"""

EXAMPLES = r"""
- name: The IP Phone Agent subscriptions of every agent (a JSON file keeps ansible-core fast with thousands)
  voiceops.cucm.cucm_phone_service_subscriptions:
    subscriptions_file: "{{ playbook_dir }}/state/subscriptions.json"

- name: Two agents' extension mobility profiles; the password is written once, the agents own it afterwards
  voiceops.cucm.cucm_phone_service_subscriptions:
    subscriptions:
      - device: UDP_agent0042
        device_type: device_profile
        service: IPPA
        parameters: {username: agent0042, password: "{{ vault_ippa_initial }}", extension: "4242"}
      - device: UDP_agent0043
        device_type: device_profile
        service: IPPA
        parameters: {username: agent0043, password: "{{ vault_ippa_initial }}", extension: "4243"}

- name: The IPPA subscriptions of the agents' profiles are exactly these; remove any other, at most 5 per run
  voiceops.cucm.cucm_phone_service_subscriptions:
    state: overridden
    scope:
      service: IPPA
      device: "UDP_agent%"
    max_deletions: 5
    subscriptions_file: "{{ playbook_dir }}/state/ippa.yml"

- name: Export the IPPA subscriptions (password values masked)
  voiceops.cucm.cucm_phone_service_subscriptions:
    state: gathered
    scope:
      service: IPPA
    dest: "{{ playbook_dir }}/state/ippa.json"
"""

RETURN = r"""
counts:
  description: How many subscriptions were created, updated, deleted, left unchanged, or failed (in check mode, would be).
  returned: always
  type: dict
  sample: {created: 2, updated: 8, deleted: 0, unchanged: 990, failed: 0}
changes:
  description:
    - One entry per subscription that changed (or would), with the options that changed (a parameter as
      C(parameters.<name>); a value is never shown), and whether its URL was rebuilt (C(url_rebuilt)). An unchanged
      subscription whose URL was stale and rebuilt is C(updated) with no field.
  returned: always
  type: list
  elements: dict
  sample:
    - {device: SEP0A0000000001, device_type: phone, service: IPPA, url_button_index: 0, action: updated,
       fields: [parameters.extension], url_rebuilt: false}
failures:
  description: One entry per subscription whose write failed, with the reason. The other subscriptions' changes are kept.
  returned: always
  type: list
  elements: dict
  sample:
    - {device: SEP0A0000000002, device_type: phone, service: IPPA, url_button_index: 0, action: created,
       msg: "AXL updatePhone failed (axlcode 5007): ..."}
skipped_subscriptions:
  description: With O(on_invalid=skip), the subscriptions left untouched because their declaration cannot be applied.
  returned: always
  type: list
  elements: dict
  sample:
    - {device: SEP0A000000000A, service: IPPA, url_button_index: 0, reasons: ["device: unknown phone 'SEP0A000000000A'"]}
subscriptions:
  description:
    - With O(state=gathered) and no O(dest), the subscriptions in the input shape; password values are
      C(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER), which declared back means "keep the current value".
  returned: when state is gathered
  type: list
  elements: dict
  sample:
    - {device: UDP_agent0042, device_type: device_profile, service: IPPA, url_button_index: 0, name: IPPA,
       url_label: "", parameters: {username: agent0042, password: VALUE_SPECIFIED_IN_NO_LOG_PARAMETER, extension: "4242"}}
exported:
  description: With O(state=gathered) and O(dest), the file written.
  returned: when state is gathered and dest is given
  type: str
axl:
  description: What the task cost in AXL requests (all workers together).
  returned: always
  type: dict
  sample: {requests: 5, basic_auths: 1, retries: 0, throttled: 0}
performance:
  description: Seconds the module ran and its peak memory (resident set, MB).
  returned: always
  type: dict
  sample: {seconds: 1.2, peak_rss_mb: 48}
diff:
  description:
    - "With C(--diff), before and after of the subscriptions that changed, keyed C(<device>: <service>), followed by
      the URL button in parentheses off the Services menu; limited to the declared options; a password shows masked,
      and only when it is written."
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.voiceops.cucm.plugins.module_utils import bulk
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmModule
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.phone_service_subscription import (
    SubscriptionSet, declared_values)


def main():
    module = CucmModule(
        dict(
            subscriptions=dict(type="list", elements="dict", no_log=False),
            subscriptions_file=dict(type="path"),
            state=dict(type="str", choices=list(bulk.STATES), default="merged"),
            scope=dict(type="dict", options=dict(service=dict(type="str"), device=dict(type="str"))),
            max_deletions=dict(type="int", default=10),
            allow_empty=dict(type="bool", default=False),
            on_invalid=dict(type="str", choices=["fail", "skip"], default="fail"),
            update_secrets=dict(type="str", choices=["always", "on_create"], default="on_create", no_log=False),
            concurrency=dict(type="int", default=2),
            dest=dict(type="path"),
        ),
        # until the services say which parameters are passwords, no declared value is shown
        deferred_no_log=(declared_values,),
        mutually_exclusive=[("subscriptions", "subscriptions_file")],
        required_if=[("state", "overridden", ("scope",))],
    )
    module.run(lambda: SubscriptionSet(module).run())


if __name__ == "__main__":
    main()
