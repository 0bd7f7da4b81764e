#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cucm_end_user
short_description: Manage a CUCM end user
version_added: 1.0.0
description:
  - Create, update or delete one end user of Cisco Unified Communications Manager through AXL, the way
    Cisco's setup guide walks it (create the user, associate devices, set the primary extension, add it
    to access control groups such as C(Standard CCM End Users)).
  - Idempotent. Only the declared options are compared and only the fields that differ are written,
    in one C(updateUser) request.
  - List options (O(associated_devices), O(groups), O(em_profiles), O(cti_controlled_profiles)) take
    C(add), C(remove) or C(set), see R(the list guide,ansible_collections.voiceops.cucm.docsite.lists). A plain
    list means C(set), so O(groups) given as the list C([Standard CCM End Users]) is the set of that list.
  - Users synchronised from LDAP keep their directory-owned fields (names, mail, phone numbers,
    department, title, manager, directory URI); declaring a different value fails with the list of
    those fields and writes nothing (or, with O(ldap_owned_fields=skip), is reported and not written).
    Everything else (groups, devices, PIN, primary extension, ...) converges. See C(docs/ldap-users.md).
  - Every referenced object (group, device, device profile, presence group, calling search space,
    profile, locale, line) is checked to exist before anything is written, also in check mode.
  - Passwords and PINs cannot be read back from CUCM; O(update_password) decides when they are written.
extends_documentation_fragment:
  - voiceops.cucm.connection
  - voiceops.cucm.connection.ATTRIBUTES
author:
  - voiceops.cucm contributors (@voiceops)
options:
  userid:
    description:
      - User ID of the end user (at most 128 bytes). It identifies the user and is never renamed.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the user, V(absent) deletes it.
      - CUCM refuses to delete a user synchronised from LDAP while directory synchronisation is on;
        the module fails before writing anything in that case.
    type: str
    choices: [present, absent]
    default: present
  first_name:
    description: First name. Owned by the directory for LDAP-synchronised users.
    type: str
  middle_name:
    description: Middle name (at most 64 bytes). Owned by the directory for LDAP-synchronised users.
    type: str
  last_name:
    description:
      - Last name. Required to create a user. Owned by the directory for LDAP-synchronised users.
    type: str
  display_name:
    description: Display name (at most 132 bytes). Owned by the directory for LDAP-synchronised users.
    type: str
  mail:
    description: Mail ID. CUCM refuses a mail ID another user already has (case-insensitive).
    type: str
  telephone_number:
    description: Telephone number as the directory shows it (at most 64 bytes).
    type: str
  mobile_number:
    description: Mobile number (at most 64 bytes).
    type: str
  home_number:
    description: Home number (at most 64 bytes).
    type: str
  pager_number:
    description: Pager number (at most 64 bytes).
    type: str
  department:
    description: Department.
    type: str
  title:
    description: Title (at most 64 bytes).
    type: str
  manager:
    description: User ID of the manager (at most 255 bytes).
    type: str
  directory_uri:
    description: Directory URI (at most 254 bytes), for example C(alice@example.com).
    type: str
  user_locale:
    description: User locale, for example C(English United States). An empty string clears it.
    type: str
  presence_group:
    description:
      - Presence group. On create it defaults to C(Standard Presence group), which AXL requires.
    type: str
  subscribe_css:
    description: Subscribe calling search space (presence). An empty string clears it.
    type: str
  service_profile:
    description: UC service profile. An empty string clears it.
    type: str
  user_profile:
    description: User profile (universal device and line templates for self-provisioning).
    type: str
  home_cluster:
    description: Whether this cluster is the user's home cluster.
    type: bool
  im_and_presence:
    description: Enable the user for IM and Presence (C(imAndPresenceEnable)).
    type: bool
  calendar_presence:
    description: Include meeting information in presence.
    type: bool
  enable_cti:
    description: Allow control of the user's devices through CTI.
    type: bool
  enable_mobility:
    description: Enable Mobility (single number reach).
    type: bool
  enable_mobile_voice_access:
    description: Enable Mobile Voice Access.
    type: bool
  enable_emcc:
    description: Enable Extension Mobility Cross Cluster.
    type: bool
  enable_user_to_host_conference_now:
    description: Let the user host Conference Now meetings.
    type: bool
  attendees_access_code:
    description: Conference Now attendees access code (3 to 10 digits).
    type: str
  max_desk_pickup_wait_time:
    description: Maximum wait time for desk pickup, in milliseconds (0 to 30000).
    type: int
  remote_destination_limit:
    description: Maximum number of remote destinations (1 to 10).
    type: int
  em_max_login_time:
    description: Extension Mobility maximum login time in minutes. Needs AXL 12.5 or later.
    type: int
  self_service_id:
    description: Self-service user ID (at most 50 characters), used by self-provisioning IVR.
    type: str
  associated_pc:
    description: Associated PC (at most 50 bytes).
    type: str
  user_identity:
    description: User identity (C(user@domain)), as used for discovery.
    type: str
  name_dialing:
    description: Name dialing string.
    type: str
  primary_extension:
    description:
      - Primary extension. The line must be a line of one of the user's associated devices (CUCM's rule);
        the module checks it before writing.
      - An empty dictionary (or an empty O(primary_extension.pattern)) clears it.
    type: dict
    suboptions:
      pattern:
        description:
          - Directory number. An E.164 number may be given as V(+14085554019) or as V(\\+14085554019); CUCM stores
            it with an escaped plus, both forms are the same DN, results show it with a plain C(+), and the
            module sends CUCM the DN exactly as CUCM stores it.
        type: str
      partition:
        description: Route partition of the directory number; omit it for the C(<None>) partition.
        type: str
  associated_devices:
    description:
      - Phones the user controls (C(associatedDevices)).
      - C(add) and C(remove) keep devices you do not mention; C(set) makes the list exactly this
        (C(set) with an empty list removes them all). C(set) cannot be combined with C(add) or C(remove).
    type: dict
    suboptions:
      add:
        description: Devices to associate.
        type: list
        elements: str
      remove:
        description: Devices to disassociate.
        type: list
        elements: str
      set:
        description: The complete list of devices.
        type: list
        elements: str
  em_profiles:
    description: Extension Mobility device profiles the user can log in with (C(phoneProfiles)). Same list semantics as O(associated_devices).
    type: dict
    suboptions:
      add:
        description: Profiles to add.
        type: list
        elements: str
      remove:
        description: Profiles to remove.
        type: list
        elements: str
      set:
        description: The complete list of profiles.
        type: list
        elements: str
  cti_controlled_profiles:
    description: Device profiles the user controls through CTI. Same list semantics as O(associated_devices).
    type: dict
    suboptions:
      add:
        description: Profiles to add.
        type: list
        elements: str
      remove:
        description: Profiles to remove.
        type: list
        elements: str
      set:
        description: The complete list of profiles.
        type: list
        elements: str
  default_profile:
    description: Default Extension Mobility device profile.
    type: str
  groups:
    description:
      - Access control groups of the user (C(associatedGroups)). Same list semantics as O(associated_devices).
      - Roles come with the groups; use M(voiceops.cucm.cucm_user_group) to manage a group's roles.
    type: dict
    suboptions:
      add:
        description: Groups to add the user to.
        type: list
        elements: str
      remove:
        description: Groups to remove the user from.
        type: list
        elements: str
      set:
        description: The complete list of groups.
        type: list
        elements: str
  password:
    description:
      - Password. Written on create, and on update only with O(update_password=always).
      - Not settable for users that authenticate against LDAP.
    type: str
  pin:
    description: PIN (digits). Written on create, and on update only with O(update_password=always).
    type: str
  digest_credentials:
    description: Digest credentials (SIP digest authentication). Written like O(password).
    type: str
  update_password:
    description:
      - V(on_create) writes O(password), O(pin) and O(digest_credentials) only when the user is created,
        so a user's own later change is never undone.
      - V(always) writes them on every run (and so always reports a change); CUCM cannot tell whether
        they differ because it never returns them.
    type: str
    choices: [always, on_create]
    default: on_create
  ldap_owned_fields:
    description:
      - What a declared value that differs from the directory does, in a field an LDAP directory owns (names, mail,
        phone numbers, department, title, manager, directory URI) of a user synchronised from LDAP. CUCM refuses to
        change those fields; nothing is ever written to them.
      - V(fail) fails the task before any write, naming the fields.
      - V(skip) leaves them as the directory has them, converges the other options, and reports the declared values in
        RV(ldap_skipped), in the diff (C(ldap_owned_not_written)) and in a warning.
    type: str
    choices: [fail, skip]
    default: fail
    version_added: 1.1.0
seealso:
  - module: voiceops.cucm.cucm_end_user_info
  - module: voiceops.cucm.cucm_user_group
"""

EXAMPLES = r"""
- name: Create an end user as in Cisco's setup guide
  voiceops.cucm.cucm_end_user:
    cucm_host: cucm-pub.example.com
    cucm_username: axladmin
    cucm_password: "{{ vault_axl_password }}"
    userid: jdoe
    first_name: Jane
    last_name: Doe
    mail: jdoe@example.com
    telephone_number: "+15551234567"
    associated_devices:
      set: [SEP001122334455]
    primary_extension:
      pattern: "1001"
      partition: Internal_PT
    groups:
      add: [Standard CCM End Users]
    pin: "{{ vault_initial_pin }}"

- name: Manage many users with shared connection settings
  module_defaults:
    group/voiceops.cucm.cucm:
      cucm_host: cucm-pub.example.com
      cucm_username: axladmin
      cucm_password: "{{ vault_axl_password }}"
      cucm_ca_path: /etc/pki/cucm-tomcat.pem
      cucm_axl_version: "14.0"
  block:
    - name: Give an agent the CTI group without touching her other groups
      voiceops.cucm.cucm_end_user:
        userid: asmith
        groups:
          add: [Standard CTI Enabled]

    - name: Reset a PIN (CUCM cannot tell whether it differs, so this always reports a change)
      voiceops.cucm.cucm_end_user:
        userid: asmith
        pin: "{{ new_pin }}"
        update_password: always
      no_log: true

    - name: Remove a leaver
      voiceops.cucm.cucm_end_user:
        userid: bleaver
        state: absent
"""

RETURN = r"""
user:
  description:
    - The end user after the task, in the module's option names (without secrets). In check mode, what
      the user would be. Empty when O(state=absent).
  returned: always
  type: dict
  sample:
    userid: jdoe
    uuid: "{6A3E9C2F-4B1D-4E8A-9C7F-2D5B8E1A0C34}"
    first_name: Jane
    last_name: Doe
    mail: jdoe@example.com
    associated_devices: [SEP001122334455]
    primary_extension: {pattern: "1001", partition: Internal_PT}
    groups: [Standard CCM End Users]
ldap_skipped:
  description:
    - With O(ldap_owned_fields=skip), the user when its declaration differs from the directory in fields the directory
      owns, with the declared and the directory's values (none of them written); else empty.
  returned: always
  type: list
  elements: dict
  sample:
    - userid: jdoe
      ldap_directory: corp-ldap
      fields: {title: {declared: Team Lead, directory: Director}}
  version_added: 1.1.0
diff:
  description:
    - With C(--diff), the declared options before and after (secrets shown as C(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER)
      when they are written).
  returned: when diff mode is on
  type: dict
  sample:
    before: {userid: jdoe, department: Sales}
    after: {userid: jdoe, department: Support}
"""

from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmModule
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import LDAP_OWNED_POLICIES, ensure
from ansible_collections.voiceops.cucm.plugins.module_utils.resources.end_user import EndUser


def main():
    resource = EndUser()
    spec = resource.argument_spec()
    spec["ldap_owned_fields"] = dict(type="str", choices=list(LDAP_OWNED_POLICIES), default="fail")
    module = CucmModule(spec)
    module.run(lambda: ensure(module, resource))


if __name__ == "__main__":
    main()
