# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""End users: the option table shared by cucm_end_user, cucm_end_users and cucm_end_user_info."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.voiceops.cucm.plugins.module_utils import axl, axl_schema, sql
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import (
    Option, Resource, missing_references, suggest)

DEFAULT_PRESENCE_GROUP = "Standard Presence group"

# option name, AXL path, and what the engine needs to know about it.  Limits are CUCM's database
# limits (data dictionary, enduser table); the AXL schema's own facets are checked as well.
OPTIONS = (
    Option("first_name", "firstName", ldap=True),
    Option("middle_name", "middleName", ldap=True, max_len=64),
    Option("last_name", "lastName", ldap=True),
    Option("display_name", "displayName", ldap=True, max_len=132),
    Option("mail", "mailid", ldap=True),
    Option("telephone_number", "telephoneNumber", ldap=True, max_len=64),
    Option("mobile_number", "mobileNumber", ldap=True, max_len=64),
    Option("home_number", "homeNumber", ldap=True, max_len=64),
    Option("pager_number", "pagerNumber", ldap=True, max_len=64),
    Option("department", "department", ldap=True),
    Option("title", "title", ldap=True, max_len=64),
    Option("manager", "manager", ldap=True, max_len=255),
    Option("directory_uri", "directoryUri", ldap=True, max_len=254),
    Option("user_locale", "userLocale", ref="locale"),
    Option("presence_group", "presenceGroupName", ref="presence_group"),
    Option("subscribe_css", "subscribeCallingSearchSpaceName", ref="css"),
    Option("service_profile", "serviceProfile", ref="service_profile"),
    Option("user_profile", "userProfile", ref="user_profile"),
    Option("home_cluster", "homeCluster", kind="bool"),
    Option("im_and_presence", "imAndPresenceEnable", kind="bool"),
    Option("calendar_presence", "calendarPresence", kind="bool"),
    Option("enable_cti", "enableCti", kind="bool"),
    Option("enable_mobility", "enableMobility", kind="bool"),
    Option("enable_mobile_voice_access", "enableMobileVoiceAccess", kind="bool"),
    Option("enable_emcc", "enableEmcc", kind="bool"),
    Option("enable_user_to_host_conference_now", "enableUserToHostConferenceNow", kind="bool"),
    Option("attendees_access_code", "attendeesAccessCode", pattern=r"^[0-9]{3,10}$",
           pattern_hint="3 to 10 digits"),
    Option("max_desk_pickup_wait_time", "maxDeskPickupWaitTime", kind="int"),
    Option("remote_destination_limit", "remoteDestinationLimit", kind="int"),
    Option("em_max_login_time", "emMaxLoginTime", kind="int", since="12.5"),
    Option("self_service_id", "selfService", max_len=50),
    Option("associated_pc", "associatedPc", max_len=50),
    Option("user_identity", "userIdentity", max_len=128),
    Option("name_dialing", "nameDialing"),
    Option("primary_extension", "primaryExtension", kind="dict",
           fields={"pattern": "pattern", "partition": "routePartitionName"}),
    Option("associated_devices", "associatedDevices/device*", kind="list", ref="device", max_len=50),
    Option("em_profiles", "phoneProfiles/profileName*", kind="list", ref="em_profile", max_len=50),
    Option("cti_controlled_profiles", "ctiControlledDeviceProfiles/profileName*", kind="list", ref="em_profile",
           max_len=50),
    Option("default_profile", "defaultProfile", ref="em_profile"),
    Option("groups", "associatedGroups/userGroup*/name", kind="list", ref="group", max_len=100),
    Option("password", "password", kind="secret"),
    Option("pin", "pin", kind="secret", pattern=r"^[0-9]+$", pattern_hint="a PIN holds digits only"),
    Option("digest_credentials", "digestCredentials", kind="secret"),
)

# What each reference kind is, for messages, and the SQL that finds existing names.
REFERENCES = {
    "group": ("access control group", "select 'group' kind, name from dirgroup where name in {names}"),
    "device": ("phone", "select 'device' kind, name from device where tkclass <> 254 and name in {names}"),
    "em_profile": ("device profile", "select 'em_profile' kind, name from device where tkclass = 254 and name in {names}"),
    "presence_group": ("presence group", "select 'presence_group' kind, name from matrix where name in {names}"),
    "css": ("calling search space", "select 'css' kind, name from callingsearchspace where name in {names}"),
    "service_profile": ("UC service profile", "select 'service_profile' kind, name from ucserviceprofile where name in {names}"),
    "user_profile": ("user profile", "select 'user_profile' kind, name from ucuserprofile where name in {names}"),
    "locale": ("user locale", "select 'locale' kind, name from typeuserlocale where name in {names}"),
}
# Small catalogues whose names are worth suggesting when a name is misspelt.
SUGGEST_SQL = {
    "group": "select name from dirgroup",
    "presence_group": "select name from matrix",
    "css": "select name from callingsearchspace",
    "service_profile": "select name from ucserviceprofile",
    "user_profile": "select name from ucuserprofile",
    "locale": "select name from typeuserlocale",
}
DN_SQL = (
    "select n.dnorpattern pattern, rp.name partition, d.name device from devicenumplanmap m "
    "join device d on d.pkid = m.fkdevice join numplan n on n.pkid = m.fknumplan "
    "left join routepartition rp on rp.pkid = n.fkroutepartition where d.name in {devices}"
)


def returned_tags(options, extra=()):
    """returnedTags for the AXL fields of ``options`` (plus ``extra`` AXL paths)."""
    tags = {}
    for path in [o.axl for o in options if o.kind != "secret"] + list(extra):
        node = tags
        parts = path.replace("*", "").split("/")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node.setdefault(parts[-1], "")
    return tags


def query_references(client, wanted):
    statements = [sql.render(REFERENCES[kind][1], names=sorted(names)) for kind, names in sorted(wanted.items())]
    found = {}
    for row in client.sql_query(" union all ".join(statements)):
        found.setdefault(row["kind"], set()).add(row["name"])
    return found


class EndUser(Resource):
    noun = "end user"
    key = Option("userid", "userid", max_len=128)
    options = OPTIONS
    result_key = "user"
    secret_options = ("password", "pin", "digest_credentials")
    required_on_create = ("last_name",)
    create_defaults = {"presence_group": DEFAULT_PRESENCE_GROUP}
    read_tags = returned_tags(OPTIONS, extra=("ldapDirectoryName", "status"))

    def parse(self, element):
        obj = dict((o.name, o.read(element)) for o in self.options if o.kind != "secret")
        obj["_uuid"] = element.get("uuid")
        obj["_ldap"] = element.findtext("ldapDirectoryName") or ""
        status = element.findtext("status") or ""
        obj["_status"] = int(status) if status.isdigit() else None
        return obj

    def tags_for(self, version):
        """read_tags without the fields the cluster's schema version does not have yet."""
        return returned_tags([o for o in self.options if not o.since or axl_schema._key(version) >= axl_schema._key(o.since)],
                             extra=("ldapDirectoryName", "status"))

    def read(self, client, key, params=None):
        try:
            ret = client.call("getUser", {"userid": key, "returnedTags": self.tags_for(client.version)})
        except axl.AxlFault as fault:
            if fault.not_found:
                return None
            raise
        return self.parse(ret.find("user"))

    def body(self, values):
        body = {}
        for name, value in values.items():
            self.option(name).to_axl(value, body)
        return body

    def create(self, client, key, values):
        user = self.body(values)
        user["userid"] = key
        return client.call("addUser", {"user": user}).text

    def update(self, client, key, changes, current):
        body = self.body(changes)
        body["userid"] = key
        client.call("updateUser", body)

    def delete(self, client, key, current):
        if current.get("_ldap"):
            raise CucmError("end user %r is synchronised from LDAP directory %r: CUCM refuses to delete it while "
                            "directory synchronisation is enabled. Remove the user from the directory (or from the "
                            "sync agreement's scope) and let the next sync make it inactive" % (key, current["_ldap"]))
        client.call("removeUser", {"userid": key})

    def check(self, client, key, desired, changes, current):
        if current and current.get("_ldap"):
            owned = [o for o in self.options if o.ldap and o.name in changes]
            if owned:
                raise CucmError(
                    "end user %r is synchronised from LDAP directory %r, which owns %s; CUCM refuses to change "
                    "these fields (change them in the directory, or stop declaring them for this user). Nothing "
                    "was written." % (key, current["_ldap"], ", ".join("%s (%s)" % (o.name, o.axl) for o in owned)),
                    ldap_directory=current["_ldap"], fields=[o.name for o in owned])
            if "password" in changes:
                raise CucmError("end user %r is synchronised from LDAP directory %r and authenticates against it; "
                                "its password cannot be set in CUCM. Nothing was written." % (key, current["_ldap"]))
        self.check_references(client, changes, current)
        if changes.get("primary_extension", {}).get("pattern"):
            devices = desired.get("associated_devices", (current or {}).get("associated_devices") or [])
            self.check_primary_extension(client, changes["primary_extension"], devices)

    def check_references(self, client, changes, current):
        wanted = {}
        for option in self.options:
            if not option.ref or option.name not in changes:
                continue
            value = changes[option.name]
            if option.kind == "list":
                already = set((current or {}).get(option.name) or [])
                names = [v for v in value if v not in already]
            else:
                names = [value] if value else []
            wanted.setdefault(option.ref, set()).update(names)
        missing = missing_references(client, wanted, lambda w: query_references(client, w))
        if not missing:
            return
        problems = []
        for option in self.options:
            names = [n for n in missing.get(option.ref, ()) if option.name in changes and
                     (n in changes[option.name] if option.kind == "list" else n == changes[option.name])]
            for name in names:
                hint = ""
                if option.ref in SUGGEST_SQL:
                    hint = suggest(name, [r["name"] for r in client.sql_query(SUGGEST_SQL[option.ref])])
                problems.append("%s: unknown %s %r%s" % (option.name, REFERENCES[option.ref][0], name, hint))
        raise CucmError("; ".join(problems) + ". Nothing was written.")

    def check_primary_extension(self, client, extension, devices):
        pattern, partition = extension.get("pattern"), extension.get("partition") or ""
        if not devices:
            raise CucmError("primary_extension: %s can only be a line of one of the user's associated devices, and "
                            "the user has none. Nothing was written." % pattern)
        rows = client.sql_query(sql.render(DN_SQL, devices=sorted(devices)))
        if not any(r["pattern"] == pattern and (r["partition"] or "") == partition for r in rows):
            lines = sorted(set("%s in %s" % (r["pattern"], r["partition"] or "<None>") for r in rows))
            raise CucmError("primary_extension: %s in partition %s is not a line of the user's associated devices "
                            "(%s); their lines are: %s. Nothing was written."
                            % (pattern, partition or "<None>", ", ".join(sorted(devices)), ", ".join(lines) or "none"))
