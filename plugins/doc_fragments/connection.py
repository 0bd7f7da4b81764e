# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Connection options shared by every module of the collection.  Each falls back to a CUCM_*
    # environment variable, which is how AWX/AAP credential types inject them.
    DOCUMENTATION = r"""
options:
  cucm_host:
    description:
      - Host name or IP address of the CUCM publisher that serves AXL.
      - The connection options are named C(cucm_*) because some modules have options of their own called
        C(password) (for example the end user's password of M(voiceops.cucm.cucm_end_user)).
      - If not set, the value of the E(CUCM_HOST) environment variable is used.
    type: str
    required: true
  cucm_port:
    description:
      - HTTPS port of the AXL service.
      - If not set, the value of the E(CUCM_PORT) environment variable is used.
    type: int
    default: 8443
  cucm_username:
    description:
      - AXL application user. It needs the C(Standard AXL API Access) role (read-only tasks can use
        C(Standard AXL Read Only API Access)).
      - If not set, the value of the E(CUCM_USERNAME) environment variable is used.
    type: str
    required: true
  cucm_password:
    description:
      - Password of O(cucm_username). Never shown in results, diffs or logs.
      - If not set, the value of the E(CUCM_PASSWORD) environment variable is used.
    type: str
    required: true
  cucm_validate_certs:
    description:
      - Verify the TLS certificate of CUCM. Turn it off only in a lab; the module warns when it is off.
      - If not set, the value of the E(CUCM_VALIDATE_CERTS) environment variable is used.
      - Environment variables of other tools (E(REQUESTS_CA_BUNDLE), E(CURL_CA_BUNDLE)) never override this.
      - Called O(validate_certs) before version 1.1.0; that name still works.
    type: bool
    default: true
    aliases: [validate_certs]
  cucm_ca_path:
    description:
      - PEM file (or directory of hashed PEM files) with the CA certificate that issued CUCM's Tomcat
        certificate, or the self-signed certificate itself. Without it the system trust store is used.
      - If not set, the value of the E(CUCM_CA_PATH) environment variable is used.
      - Called O(ca_path) before version 1.1.0; that name still works.
    type: path
    aliases: [ca_path]
  cucm_axl_version:
    description:
      - AXL schema version to speak. When omitted, the module asks the cluster once per task
        (C(getCCMVersion)); setting it (for example through C(module_defaults)) saves that request.
      - CUCM 15 accepts 15.0, 14.0 and 12.5; CUCM 14 accepts 14.0, 12.5 and 11.5.
      - If not set, the value of the E(CUCM_AXL_VERSION) environment variable is used.
      - Called O(axl_version) before version 1.1.0; that name still works.
    type: str
    choices: ['11.5', '12.5', '14.0', '15.0']
    aliases: [axl_version]
  cucm_timeout:
    description:
      - Seconds to wait for CUCM to connect or answer one request.
      - If not set, the value of the E(CUCM_TIMEOUT) environment variable is used.
      - Called O(timeout) before version 1.1.0; that name still works.
    type: int
    default: 30
    aliases: [timeout]
  cucm_retry_budget:
    description:
      - Total seconds the task may spend retrying throttled writes (HTTP 503), busy reads and
        connection failures before it gives up. A task that had to retry says so in a warning, with the count.
      - If not set, the value of the E(CUCM_RETRY_BUDGET) environment variable is used.
      - Called O(retry_budget) before version 1.1.0; that name still works.
    type: int
    default: 300
    aliases: [retry_budget]
  cucm_retry_delay:
    description:
      - Base of the full-jitter exponential backoff between retries, in seconds (the n-th retry waits a
        random time up to O(cucm_retry_delay) times 2 to the n, at most 60 seconds).
      - If not set, the value of the E(CUCM_RETRY_DELAY) environment variable is used.
      - Called O(retry_delay) before version 1.1.0; that name still works.
    type: float
    default: 2.0
    aliases: [retry_delay]
  cucm_proxy:
    description:
      - An HTTP proxy to reach CUCM through, as C(http://host:port) or C(http://user:password@host:port) (the
        password is never shown). The module opens a tunnel with C(CONNECT); TLS runs end to end with CUCM through it,
        so O(cucm_ca_path) and O(cucm_validate_certs) apply as without a proxy.
      - If not set, the value of the E(CUCM_PROXY) environment variable is used; if that is not set either, the
        E(HTTPS_PROXY) (or E(https_proxy)) environment variable, unless E(NO_PROXY) (or E(no_proxy)) names the host
        (comma-separated host names, domains, IP addresses, or C(*)). E(NO_PROXY) does not apply to O(cucm_proxy) or
        E(CUCM_PROXY).
      - An empty string connects directly, whatever the environment says.
    type: str
    version_added: 1.1.0
notes:
  - All options of this group can be set once for a play with C(module_defaults) and the action
    group C(group/voiceops.cucm.cucm).
  - Every connection option is named C(cucm_<name>), its environment variable C(CUCM_<NAME>), and the playbooks of
    this collection read inventory variables of the same names (C(cucm_ca_path), C(cucm_proxy), ...).
  - The modules run where the task runs (usually C(localhost) or the AWX execution environment) and
    need the Python library C(lxml) there.
"""

    ATTRIBUTES = r"""
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
  action_group:
    description: Use C(group/voiceops.cucm.cucm) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - voiceops.cucm.cucm
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: Cisco Unified Communications Manager (AXL)
"""

    INFO_ATTRIBUTES = r"""
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: This module never changes anything.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: N/A
    details: This module never changes anything.
  action_group:
    description: Use C(group/voiceops.cucm.cucm) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - voiceops.cucm.cucm
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: Cisco Unified Communications Manager (AXL)
"""
