# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""End users: the option table shared by cucm_end_user, cucm_end_users and cucm_end_user_info."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.voiceops.cucm.plugins.module_utils import axl, axl_schema, sql
from ansible_collections.voiceops.cucm.plugins.module_utils.axl import page_rows
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import (
    SQL_UNSAFE, Option, Resource, missing_references, suggest)

DEFAULT_PRESENCE_GROUP = "Standard Presence group"


def plain_dn(pattern):
    """A directory number as the module shows and compares it: CUCM stores an E.164 DN with an escaped
    plus (``\\+14085554019``); ``+14085554019`` and ``\\+14085554019`` are the same DN."""
    return "+" + pattern[2:] if (pattern or "").startswith("\\+") else pattern


class DirectoryNumber(Option):
    """``primary_extension``: a DN given as ``+1408...`` or ``\\+1408...`` (both mean the same DN), read
    back with a plain ``+``.  What is sent to CUCM is the DN exactly as it is stored (found among the
    lines of the user's devices by :meth:`EndUser.check_primary_extension`), so neither form of the
    plus ever depends on how CUCM matches it; the pattern never reaches SQL."""

    def read(self, element):
        value = super(DirectoryNumber, self).read(element)
        value["pattern"] = plain_dn(value["pattern"])
        return value

    def norm(self, value):
        value = super(DirectoryNumber, self).norm(value)
        value["pattern"] = plain_dn(value["pattern"])
        return value


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
    Option("user_locale", "userLocale", ref="locale", sql=True),
    Option("presence_group", "presenceGroupName", ref="presence_group", sql=True),
    Option("subscribe_css", "subscribeCallingSearchSpaceName", ref="css", sql=True),
    Option("service_profile", "serviceProfile", ref="service_profile", sql=True),
    Option("user_profile", "userProfile", ref="user_profile", sql=True),
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
    DirectoryNumber("primary_extension", "primaryExtension", kind="dict",
                    fields={"pattern": "pattern", "partition": "routePartitionName"},
                    pattern=u"^(?:\\\\\\+)?[^\\\\\x00-\x1f\x7f]*\\Z",
                    pattern_hint="a directory number (an E.164 one as +1408... or \\\\+1408...) and its partition; no "
                                 "other backslash or control character"),
    Option("associated_devices", "associatedDevices/device*", kind="list", ref="device", sql=True, max_len=50),
    Option("em_profiles", "phoneProfiles/profileName*", kind="list", ref="em_profile", sql=True, max_len=50),
    Option("cti_controlled_profiles", "ctiControlledDeviceProfiles/profileName*", kind="list", ref="em_profile", sql=True,
           max_len=50),
    Option("default_profile", "defaultProfile", ref="em_profile", sql=True),
    Option("groups", "associatedGroups/userGroup*/name", kind="list", ref="group", sql=True, max_len=100),
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
# Bulk reads (cucm_end_users): what listUser cannot return (LUser has no groups or devices, and
# since 12.5 no display name, presence group or LDAP directory) comes from SQL, in pages.  Each
# entry: (SQL, estimated bytes of one row in the answer, used to size pages).
BULK_SQL = {
    "details": ("select u.userid, u.displayname, pg.name presence_group from enduser u "
                "left join matrix pg on pg.pkid = u.fkmatrix_presence where u.userid like {pattern} order by u.userid", 160),
    "groups": ("select u.userid, g.name from enduserdirgroupmap m join enduser u on u.pkid = m.fkenduser "
               "join dirgroup g on g.pkid = m.fkdirgroup where u.userid like {pattern} order by u.userid, g.name", 110),
    "associated_devices": ("select u.userid, d.name from enduserdevicemap m join enduser u on u.pkid = m.fkenduser "
                           "join device d on d.pkid = m.fkdevice where m.tkuserassociation = 1 and u.userid like {pattern} "
                           "order by u.userid, d.name", 110),
}
LDAP_SQL = ("select u.userid, dp.name from enduser u join directorypluginconfig dp on dp.pkid = u.fkdirectorypluginconfig "
            "where u.userid in {userids}")
# CUCM's rules across users (data dictionary): RI-2159 "Check for duplicate IDs in Enduser fields" (mail,
# directory URI, user identity, self-service ID; compared in lower case) and MFI-784 (first name + last name
# + mail unique).  Checked before any write; compared in Python (a branch per field, kinds stripped).
UNIQUE_FIELDS = (("mail", "mailid"), ("directory_uri", "directoryuri"), ("user_identity", "discoveryuseridentity"),
                 ("self_service_id", "keypadenteredalternateidentifier"))
UNIQUE_SQL = "select {kind} kind, userid, {column} value from enduser where lower({column}) in {values}"
NAMES_SQL = "select userid, firstname, lastname, mailid from enduser where lastname in {lastnames}"
IMP_HOME = ("CUCM enables IM and Presence only for users whose home cluster is this cluster (Cisco: \"You can only "
            "enable IM and Presence feature for users that have this Unified CM cluster marked as their home "
            "cluster\")")
SQL_DETAILS = {"display_name": "displayname", "presence_group": "presence_group"}
FK_FIELDS = set(o.axl for o in OPTIONS if o.ref and o.kind == "str")

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


def query_references(client, wanted, chunk=500):
    """``{kind: set(existing names)}`` for ``{kind: names}``, in as few queries as the IN lists allow."""
    statements = []
    for kind, names in sorted(wanted.items()):
        names = sorted(names)
        statements += [sql.render(REFERENCES[kind][1], names=names[i:i + chunk]) for i in range(0, len(names), chunk)]
    found = {}
    for i in range(0, len(statements), 8):
        for row in client.sql_query(" union all ".join(statements[i:i + 8])):
            # Informix types a column of literals in every branch CHAR(n): 'group' comes back blank-padded
            found.setdefault(row["kind"].strip(), set()).add(row["name"])
    return found


class EndUser(Resource):
    noun = "end user"
    key = Option("userid", "userid", max_len=128, sql=True)
    options = OPTIONS
    result_key = "user"
    secret_options = ("password", "pin", "digest_credentials")
    required_on_create = ("last_name",)
    bulk_lists = ("groups", "associated_devices")   # lists state=replaced resets when undeclared
    create_defaults = {"presence_group": DEFAULT_PRESENCE_GROUP}
    read_tags = returned_tags(OPTIONS, extra=("ldapDirectoryName", "status"))
    lookalike_sql = "select userid name from enduser where lower(userid) in {names}"
    replaced_lists = ("associated_devices", "em_profiles", "cti_controlled_profiles")
    # changes that CUCM refuses for an LDAP-synchronised user
    ldap_sensitive = frozenset([o.name for o in OPTIONS if o.ldap] + ["password"])

    def parse(self, element):
        obj = dict((o.name, o.read(element)) for o in self.options if o.kind != "secret")
        obj["_uuid"] = element.get("uuid")
        # what getUser says: a directory name, or for a local user "Local" (some releases) or nothing (others);
        # directory() settles it, when it matters, with the certain fact: the user's directory link
        obj["_directory_name"] = element.findtext("ldapDirectoryName") or ""
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

    def directory(self, client, key, obj):
        """The LDAP directory the user ``obj`` (as read) is synchronised from, '' for a local user.  getUser
        names a directory for local users too ("Local") on some releases, so a name is confirmed by the
        user's directory link (one SQL query), and only when something depends on it: an unchanged user
        costs its getUser alone."""
        if "_ldap" not in obj:
            named = obj.get("_directory_name")
            obj["_ldap"] = self.ldap_of(client, [key]).get(key, "") if named else ""
        return obj["_ldap"]

    def body(self, values):
        body = {}
        for name, value in values.items():
            if name == "primary_extension" and (value or {}).get("pattern"):
                stored = self._stored_dns().get((plain_dn(value["pattern"]), value.get("partition") or ""))
                value = dict(value, pattern=stored or value["pattern"])
            self.option(name).to_axl(value, body)
        return body

    def _stored_dns(self):
        """``{(plain pattern, partition): pattern as CUCM stores it}`` of the DNs the checks found."""
        if "_dns" not in self.__dict__:
            self._dns = {}
        return self._dns

    def create(self, client, key, values):
        user = self.body(values)
        user["userid"] = key
        return client.call("addUser", {"user": user}).text

    def update(self, client, key, changes, current):
        changes = dict(changes)
        groups = changes.pop("groups", None)
        if changes:
            body = self.body(changes)
            body["userid"] = key
            client.call("updateUser", body)
        if groups is not None:
            self.update_groups(client, key, set(groups), set(current.get("groups") or []))

    @staticmethod
    def update_groups(client, key, wanted, had):
        """Group membership is written one group at a time with updateUserGroup addMembers/removeMembers:
        updateUser's associatedGroups would replace the whole list, losing the group a concurrent job (or
        cucm_user_group members.add) gave the user since this task read it."""
        member = {"member": [{"userId": key}]}
        for name in sorted(wanted - had):
            client.call("updateUserGroup", {"name": name, "addMembers": member})
        for name in sorted(had - wanted):
            client.call("updateUserGroup", {"name": name, "removeMembers": member})

    def delete(self, client, key, current):
        if self.directory(client, key, current):
            raise CucmError("end user %r is synchronised from LDAP directory %r: CUCM refuses to delete it while "
                            "directory synchronisation is enabled. Remove the user from the directory (or from the "
                            "sync agreement's scope) and let the next sync make it inactive" % (key, current["_ldap"]))
        client.call("removeUser", {"userid": key})

    def check(self, client, key, desired, changes, current):
        if current and (set(changes) & self.ldap_sensitive) and self.directory(client, key, current):
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
        problems = self.check_rules(client, [(key, current, desired, changes)])
        if problems:
            raise CucmError("; ".join(problems) + ". Nothing was written.")

    def check_rules(self, client, plans):
        """CUCM's rules across users, for ``plans`` (userid, current, desired, changes): the home cluster that
        IM and Presence needs, RI-2159 and MFI-784.  Returns the problems (messages naming the option and
        the rule); values CUCM may still refuse for reasons not known here are left to CUCM."""
        problems = []
        for userid, current, desired, changes in plans:
            if "im_and_presence" in changes or "home_cluster" in changes:
                known = dict(current or {"home_cluster": True, "im_and_presence": False})
                known.update(desired)
                if known.get("im_and_presence") is True and known.get("home_cluster") is False:
                    problems.append("%sim_and_presence: true needs home_cluster: true; %s" % (
                        "%s: " % userid if len(plans) > 1 else "", IMP_HOME))
        problems += self._unique_problems(client, plans)
        problems += self._name_problems(client, plans)
        return problems

    @staticmethod
    def _who(userid, many):
        return "%s: " % userid if many else ""

    def _unique_problems(self, client, plans):
        """RI-2159: a declared mail, directory URI, user identity or self-service ID another user has."""
        wanted, problems, many = {}, [], len(plans) > 1
        for userid, _current, _desired, changes in plans:
            for option, column in UNIQUE_FIELDS:
                value = changes.get(option)
                if value and not SQL_UNSAFE.search(value):
                    wanted.setdefault(column, {}).setdefault(value.lower(), []).append((userid, option, value))
        for column, values in sorted(wanted.items()):
            for lowered, users in sorted(values.items()):
                if len(set(u for u, _o, _v in users)) > 1:
                    problems.append("%s: %r is declared for %s; CUCM wants it unique across users (rule RI-2159, "
                                    "\"Check for duplicate IDs in Enduser fields\")" % (
                                        users[0][1], users[0][2], " and ".join(sorted(set(u for u, _o, _v in users)))))
        statements = []
        for column, values in sorted(wanted.items()):
            names = sorted(values)
            statements += [sql.render(UNIQUE_SQL.replace("{column}", column), kind=column, values=names[i:i + 500])
                           for i in range(0, len(names), 500)]
        for i in range(0, len(statements), 4):
            for row in client.sql_query(" union all ".join(statements[i:i + 4])):
                for userid, option, value in wanted.get(row["kind"].strip(), {}).get((row["value"] or "").lower(), ()):
                    if row["userid"] != userid:
                        problems.append("%s%s: %r is already used by end user %r; CUCM wants it unique across users "
                                        "(rule RI-2159, \"Check for duplicate IDs in Enduser fields\")"
                                        % (self._who(userid, many), option, value, row["userid"]))
        return problems

    def _name_problems(self, client, plans):
        """MFI-784: first name + last name + mail of another user (or of another declared user)."""
        triples, problems, many = {}, [], len(plans) > 1
        for userid, current, desired, changes in plans:
            if not set(("first_name", "last_name", "mail")) & set(changes):
                continue
            known = dict(current or {"first_name": "", "mail": ""})
            known.update(desired)
            if any(not isinstance(known.get(k), str) for k in ("first_name", "last_name", "mail")):
                continue        # not all three known (a bulk read reads only what is declared): CUCM judges
            triples.setdefault((known["first_name"], known["last_name"], known["mail"]), []).append(userid)
        for triple, users in sorted(triples.items()):
            if len(users) > 1:
                problems.append("%s declare the same first_name, last_name and mail (%s); CUCM wants them unique "
                                "(rule MFI-784)" % (" and ".join(sorted(users)), ", ".join(repr(v) for v in triple)))
        lasts = sorted(set(t[1] for t in triples if not SQL_UNSAFE.search("".join(t))))
        for i in range(0, len(lasts), 500):
            for row in client.sql_query(sql.render(NAMES_SQL, lastnames=lasts[i:i + 500])):
                for userid in triples.get((row["firstname"], row["lastname"], row["mailid"]), ()):
                    if row["userid"] != userid:
                        problems.append("%sfirst_name, last_name and mail (%r, %r, %r) are those of end user %r; "
                                        "CUCM wants the three unique (rule MFI-784)" % (
                                            self._who(userid, many), row["firstname"], row["lastname"], row["mailid"],
                                            row["userid"]))
        return problems

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

    # ------------------------------------------------------------------ many users at once
    def bulk_readable(self, version):
        """Options a bulk read returns without one getUser per user."""
        in_list = set(f.name for f in axl_schema.fields("LUser", version))
        return [o for o in self.options if o.kind != "secret" and (
            o.name in SQL_DETAILS or o.name in BULK_SQL or (o.kind != "list" and o.axl.split("/")[0] in in_list))]

    def read_many(self, client, wanted=None, pattern="%", options=(), slow_users=(), with_scope=True):
        """Current state of many users in a few paged requests.

        Returns ``(objects, in_scope)``: ``objects`` maps each existing user of ``wanted`` (all when
        None) to its options (those in ``options``); ``in_scope`` is every user ID matching
        ``pattern`` (an empty set unless ``with_scope``: 80,000 IDs cost memory for nothing when the
        caller deletes no undeclared user).  listUser (sized pages) gives existence and the fields LUser has; SQL (sized
        pages) gives lists and what LUser lacks; options no bulk read returns are read with
        getUser for the users in ``slow_users`` only.  LDAP facts are read on demand (ldap_of).
        """
        version = client.version
        options = [o for o in self.options if o.name in set(options)]
        bulk = set(o.name for o in self.bulk_readable(version))
        via_list = [o for o in options if o.name in bulk and o.name not in SQL_DETAILS and o.name not in BULK_SQL]
        objects, in_scope = {}, set()
        tags = returned_tags(via_list, extra=("userid",))
        row_bytes = 70 + sum(2 * len(o.axl) + (70 if o.axl in FK_FIELDS else 24) for o in via_list)
        body = {"searchCriteria": {"userid": pattern}, "returnedTags": tags}
        for element in client.list_paged("listUser", body, "user", page_rows(row_bytes)):
            userid = element.findtext("userid")
            if with_scope:
                in_scope.add(userid)
            if wanted is None or userid in wanted:
                obj = objects[userid] = {"_uuid": element.get("uuid"), "_status": None}
                for option in via_list:
                    obj[option.name] = option.read(element)
        if any(o.name in SQL_DETAILS for o in options):
            statement, row_bytes = BULK_SQL["details"]
            for row in client.iter_sql_paged(sql.render(statement, pattern=pattern), page_rows(row_bytes)):
                obj = objects.get(row["userid"])
                if obj is not None:
                    for name, column in SQL_DETAILS.items():
                        obj[name] = row[column] or ""
        for option in options:
            if option.name in BULK_SQL:
                statement, row_bytes = BULK_SQL[option.name]
                for obj in objects.values():
                    obj[option.name] = []
                for row in client.iter_sql_paged(sql.render(statement, pattern=pattern), page_rows(row_bytes)):
                    if row["userid"] in objects:
                        objects[row["userid"]][option.name].append(row["name"])
        slow = [o for o in options if o.name not in bulk]
        for userid in sorted(set(slow_users) & set(objects)) if slow else ():
            full = self.read(client, userid)
            for option in slow:
                objects[userid][option.name] = full[option.name]
        return objects, in_scope

    def ldap_of(self, client, userids):
        """``{userid: LDAP directory}`` for those of ``userids`` that are LDAP-synchronised."""
        names, found = sorted(userids), {}
        for i in range(0, len(names), 500):
            for row in client.sql_query(sql.render(LDAP_SQL, userids=names[i:i + 500])):
                found[row["userid"]] = row["name"]
        return found

    def check_many(self, client, plans):
        """Before any write of a bulk run: return the problems of ``plans`` (userid, current,
        desired, changes) as messages; an empty list means every change may be written."""
        problems, wanted = [], {}
        owned_names = set(o.name for o in self.options if o.ldap) | set(["password"])
        touching = [userid for userid, current, _d, changes in plans if current and owned_names & set(changes)]
        ldap = self.ldap_of(client, touching) if touching else {}
        for userid, current, desired, changes in plans:
            if current and userid in ldap:
                current = dict(current, _ldap=ldap[userid])
            if current and current.get("_ldap"):
                owned = [o.name for o in self.options if o.ldap and o.name in changes]
                if owned:
                    problems.append("%s: synchronised from LDAP directory %r, which owns %s"
                                    % (userid, current["_ldap"], ", ".join(owned)))
                if "password" in changes:
                    problems.append("%s: synchronised from LDAP; its password cannot be set in CUCM" % userid)
            for option in self.options:
                if option.ref and option.name in changes:
                    value = changes[option.name]
                    names = [v for v in value if v not in set((current or {}).get(option.name) or [])] \
                        if option.kind == "list" else ([value] if value else [])
                    for name in names:
                        wanted.setdefault(option.ref, {}).setdefault(name, []).append((userid, option.name))
        found = query_references(client, dict((k, set(v)) for k, v in wanted.items())) if wanted else {}
        for kind, names in sorted(wanted.items()):
            for name, users in sorted(names.items()):
                if name not in found.get(kind, set()):
                    problems.extend("%s: %s: unknown %s %r" % (userid, option, REFERENCES[kind][0], name)
                                    for userid, option in users)
        extensions = [(u, d.get("associated_devices", (cur or {}).get("associated_devices")) or [], c["primary_extension"])
                      for u, cur, d, c in plans if (c.get("primary_extension") or {}).get("pattern")]
        if extensions:
            devices = set()
            for _userid, user_devices, _ext in extensions:
                devices.update(user_devices)
            lines = {}
            names = sorted(devices)
            for i in range(0, len(names), 500):
                for row in client.sql_query(sql.render(DN_SQL, devices=names[i:i + 500])):
                    lines.setdefault(row["device"], set()).add((row["pattern"], row["partition"] or ""))
            stored = self._stored_dns()
            for userid, user_devices, ext in extensions:
                line = (plain_dn(ext["pattern"]), ext.get("partition") or "")
                found = [p for d in user_devices for p, part in lines.get(d, ()) if (plain_dn(p), part) == line]
                if found:
                    stored[line] = found[0]
                else:
                    problems.append("%s: primary_extension: %s in partition %s is not a line of the user's associated "
                                    "devices" % (userid, line[0], line[1] or "<None>"))
        problems += self.check_rules(client, plans)
        return problems

    def check_primary_extension(self, client, extension, devices):
        pattern, partition = extension.get("pattern"), extension.get("partition") or ""
        if not devices:
            raise CucmError("primary_extension: %s can only be a line of one of the user's associated devices, and "
                            "the user has none. Nothing was written." % pattern)
        rows = client.sql_query(sql.render(DN_SQL, devices=sorted(devices)))
        # found among the devices' lines and compared here, so no pattern (nor CUCM's \\+) goes into SQL
        found = [r["pattern"] for r in rows if plain_dn(r["pattern"]) == plain_dn(pattern)
                 and (r["partition"] or "") == partition]
        if found:
            self._stored_dns()[(plain_dn(pattern), partition)] = found[0]
        else:
            lines = sorted(set("%s in %s" % (plain_dn(r["pattern"]), r["partition"] or "<None>") for r in rows))
            raise CucmError("primary_extension: %s in partition %s is not a line of the user's associated devices "
                            "(%s); their lines are: %s. Nothing was written."
                            % (pattern, partition or "<None>", ", ".join(sorted(devices)), ", ".join(lines) or "none"))
