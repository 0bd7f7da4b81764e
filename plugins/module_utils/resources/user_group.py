# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access control groups ("user groups" in AXL).

Read with one SQL query (the group, its roles and the membership of the users a task declares);
written with AXL's incremental ``updateUserGroup`` (``addMembers``/``removeMembers``,
``addUserRoles``/``removeUserRoles``), so two pipelines adding different users to one group never
lose each other's members, and a ``set`` sends only the difference.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.voiceops.cucm.plugins.module_utils import sql
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import Option, Resource, sql_text, suggest

GROUP_NAME = r"^[a-zA-Z 0-9._-]{1,128}\Z"    # dirgroup.name validation (data dictionary); \Z, not $
GROUP_NAME_HINT = "CUCM allows letters, digits, spaces and . _ - only (at most 128 characters)"

# One round trip; each branch's kind is a literal, which Informix types CHAR(n) for the whole column and
# blank-pads ('role ' next to 'member'), so kinds are compared stripped.  isstandard is a BOOLEAN, which a
# UNION with character columns would refuse: it travels as the CASE's 't'/'f'.
GROUP_SQL = (
    "select 'group' kind, g.pkid value, case when g.isstandard = 't' then 't' else 'f' end extra from dirgroup g "
    "where g.name = {name} "
    "union all select 'role' kind, r.name value, '' extra from functionroledirgroupmap m "
    "join functionrole r on r.pkid = m.fkfunctionrole join dirgroup g on g.pkid = m.fkdirgroup where g.name = {name}")
MEMBERS_OF_SQL = (
    " union all select 'member' kind, u.userid value, '' extra from enduserdirgroupmap m "
    "join enduser u on u.pkid = m.fkenduser join dirgroup g on g.pkid = m.fkdirgroup "
    "where g.name = {name} and u.userid in {userids}")
ALL_MEMBERS_SQL = (
    "select u.userid from enduserdirgroupmap m join enduser u on u.pkid = m.fkenduser "
    "join dirgroup g on g.pkid = m.fkdirgroup where g.name = {name} order by u.userid")
EXISTING_SQL = (
    "select 'role' kind, name from functionrole where name in {roles} "
    "union all select 'user' kind, userid name from enduser where userid in {userids}")
ROLE_NAMES_SQL = "select name from functionrole"
GROUPS_LIKE_SQL = (
    "select g.pkid, g.name, g.isstandard, r.name role from dirgroup g left join functionroledirgroupmap m on m.fkdirgroup = g.pkid "
    "left join functionrole r on r.pkid = m.fkfunctionrole where g.name like {pattern} order by g.name, r.name")
STANDARD_REASON = "Cannot modify the Functional Roles associated with a standard DirGroup"

OPTIONS = (
    Option("roles", "userRoles/userRole*/roleName", kind="list", max_len=128, sql=True),
    Option("members", "members/member*/userId", kind="list", max_len=128, sql=True),
)


class UserGroup(Resource):
    noun = "access control group"
    key = Option("name", max_len=128, pattern=GROUP_NAME, pattern_hint=GROUP_NAME_HINT)
    options = OPTIONS
    result_key = "group"
    lookalike_sql = "select name from dirgroup where lower(name) in {names}"

    def argument_spec(self):
        spec = super(UserGroup, self).argument_spec()
        spec["copy_from"] = dict(type="str")
        return spec

    def prepare(self, client, params):
        """Refuse, naming the option, texts that cannot reach SQL as a literal (see sql.literal)."""
        for option in ("roles", "members"):
            for sub in ("add", "remove", "set"):
                for value in ((params.get(option) or {}).get(sub) or []):
                    sql_text(option, value)
        sql_text("copy_from", params.get("copy_from"))
        if params.get("copy_from") and params.get("roles") is None:
            # a new group starts from the copied roles even when the task declares none
            params = dict(params, roles={"add": []})
        return params

    def read(self, client, key, params=None):
        members = (params or {}).get("members") or {}
        statement = sql.render(GROUP_SQL, name=key)
        if members.get("set") is None:
            declared = set(members.get("add") or []) | set(members.get("remove") or [])
            if declared:
                statement += sql.render(MEMBERS_OF_SQL, name=key, userids=sorted(declared))
        rows = [dict(r, kind=r["kind"].strip(), extra=r["extra"].strip()) for r in client.sql_query(statement)]
        group = [r for r in rows if r["kind"] == "group"]
        if not group:
            return None
        obj = {"roles": sorted(r["value"] for r in rows if r["kind"] == "role"),
               "_pkid": group[0]["value"], "_uuid": "{%s}" % group[0]["value"].upper(),
               "_standard": group[0]["extra"] == "t"}
        if members.get("set") is not None:
            # the whole membership is needed to compute what to remove: read it in pages
            obj["members"] = [r["userid"] for r in client.sql_query_paged(sql.render(ALL_MEMBERS_SQL, name=key))]
        else:
            obj["members"] = sorted(r["value"] for r in rows if r["kind"] == "member")
        if (params or {}).get("state") == "absent":
            self._refuse_delete(key, obj)     # here, so check mode predicts the refusal too
        return obj

    def read_many(self, client, pattern, members=False):
        """Groups whose name matches a ``%`` pattern: ``{name: group}``; members read in pages when asked."""
        sql_text("name", pattern)
        groups = {}
        for row in client.sql_query_paged(sql.render(GROUPS_LIKE_SQL, pattern=pattern)):
            group = groups.setdefault(row["name"], {"roles": [], "_standard": row["isstandard"] == "t",
                                                    "_uuid": "{%s}" % row["pkid"].upper()})
            if row["role"]:
                group["roles"].append(row["role"])
        for name, group in groups.items():
            group["roles"].sort()
            if members:
                group["members"] = [r["userid"] for r in client.sql_query_paged(sql.render(ALL_MEMBERS_SQL, name=name))]
        return groups

    def initial(self, client, key, params):
        if not params.get("copy_from"):
            return {}
        source = self.read(client, params["copy_from"])
        if source is None:
            raise CucmError("copy_from: there is no access control group %r to copy. Nothing was written."
                            % params["copy_from"])
        return {"roles": source["roles"]}

    def check(self, client, key, desired, changes, current):
        if current and current["_standard"] and "roles" in changes:
            raise CucmError("access control group %r is a standard group: CUCM says \"%s\" (only its members can "
                            "change). Create a group with copy_from: %r and the extra roles instead. Nothing was "
                            "written." % (key, STANDARD_REASON, key))
        roles = set(changes.get("roles") or []) - set((current or {}).get("roles") or [])
        users = set(changes.get("members") or []) - set((current or {}).get("members") or [])
        if not roles and not users:
            return
        found = [dict(r, kind=r["kind"].strip())
                 for r in client.sql_query(sql.render(EXISTING_SQL, roles=sorted(roles), userids=sorted(users)))]
        missing_roles = sorted(roles - set(r["name"] for r in found if r["kind"] == "role"))
        missing_users = sorted(users - set(r["name"] for r in found if r["kind"] == "user"))
        problems = []
        if missing_roles:
            names = [r["name"] for r in client.sql_query(ROLE_NAMES_SQL)]
            problems += ["roles: unknown role %r%s" % (n, suggest(n, names)) for n in missing_roles]
        problems += ["members: unknown end user %r" % n for n in missing_users]
        if problems:
            raise CucmError("; ".join(problems) + ". Nothing was written.")

    @staticmethod
    def _members(names):
        return {"member": [{"userId": n} for n in sorted(names)]}

    @staticmethod
    def _roles(names):
        return {"userRole": [{"roleName": n} for n in sorted(names)]}

    def create(self, client, key, values):
        group = {"name": key}
        if values.get("members"):
            group["members"] = self._members(values["members"])
        if values.get("roles"):
            group["userRoles"] = self._roles(values["roles"])
        return client.call("addUserGroup", {"userGroup": group}).text

    @staticmethod
    def _target(key, current):
        """How requests name the group: get/update/remove take a name of at most 100 characters
        (String100) although a group name may have 128, so a longer name goes by uuid."""
        return {"name": key} if len(key) <= 100 else {"uuid": current["_uuid"]}

    def update(self, client, key, changes, current):
        body = self._target(key, current)
        for option, add, remove, wrap in (("members", "addMembers", "removeMembers", self._members),
                                          ("roles", "addUserRoles", "removeUserRoles", self._roles)):
            if option not in changes:
                continue
            before, after = set(current.get(option) or []), set(changes[option])
            if after - before:
                body[add] = wrap(after - before)
            if before - after:
                body[remove] = wrap(before - after)
        if len(body) > 1:
            client.call("updateUserGroup", body)

    def delete(self, client, key, current):
        self._refuse_delete(key, current)
        client.call("removeUserGroup", self._target(key, current))

    @staticmethod
    def _refuse_delete(key, current):
        if current["_standard"]:
            raise CucmError("access control group %r is a standard group; CUCM does not allow deleting it. Nothing "
                            "was written." % key)
