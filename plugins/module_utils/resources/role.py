# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Roles: AXL has no role operations, so roles live in SQL (data dictionary tables ``functionrole``,
``functionroleresourcemap``, ``typeresource``, ``typeresourceaction``, ``typeapplication``).

Every statement is a constant template filled by :func:`sql.render` (quoted, escaped literals;
integers and GUIDs checked); role names are also held to a strict character set.  A write that
fails half-way is undone, so a role is never left half-made.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.voiceops.cucm.plugins.module_utils import axl, sql
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError
from ansible_collections.voiceops.cucm.plugins.module_utils.engine import Option, Resource, sql_text, suggest

# Bits of functionroleresourcemap.permission (Cisco's sample: 1 read, 2 update, 3 both; a
# resource with a single action, such as "Allow to use API", uses bit 1).
PERMISSIONS = {"read": 1, "update": 2, "read_update": 3, "allow": 1}
ROLE_NAME = r"^[A-Za-z0-9][A-Za-z0-9 ._()/&+,:-]{0,127}\Z"   # \Z: "$" would let a final newline through
ROLE_NAME_HINT = ("use letters, digits, spaces and . _ - ( ) / & + , : only (at most 128 characters, "
                  "starting with a letter or digit)")

ROLE_SQL = (
    "select fr.pkid, fr.name, fr.description, fr.isstandard, frm.tkresource, frm.permission, tr.name resource, "
    "ta.name application, (select count(*) from typeresourceaction tra where tra.tkresource = frm.tkresource) actions "
    "from functionrole fr "
    "left join functionroleresourcemap frm on frm.fkfunctionrole = fr.pkid "
    "left join typeresource tr on tr.enum = frm.tkresource "
    "left join typeapplication ta on ta.enum = tr.tkapplication where fr.name = {name}")
CATALOG_SQL = (
    "select tr.enum, tr.name, ta.name application, "
    "(select count(*) from typeresourceaction tra where tra.tkresource = tr.enum) actions "
    "from typeresource tr left join typeapplication ta on ta.enum = tr.tkapplication where tr.name in {names}")
ALL_RESOURCES_SQL = ("select tr.name, ta.name application from typeresource tr "
                     "left join typeapplication ta on ta.enum = tr.tkapplication")
APPLICATIONS_SQL = "select name from typeapplication"
GROUPS_SQL = (
    "select g.pkid, g.name, g.isstandard from functionroledirgroupmap m join dirgroup g on g.pkid = m.fkdirgroup "
    "where m.fkfunctionrole = {pkid}")
INSERT_ROLE = "insert into functionrole (name, description) values ({name}, {description})"
ROLE_PKID = "select pkid from functionrole where name = {name}"
UPDATE_DESCRIPTION = "update functionrole set description = {description} where pkid = {pkid}"
DELETE_ROLE = "delete from functionrole where pkid = {pkid}"
DELETE_MAPS = "delete from functionroleresourcemap where fkfunctionrole = {pkid} and tkresource in {enums}"
DELETE_ALL_MAPS = "delete from functionroleresourcemap where fkfunctionrole = {pkid}"
INSERT_MAPS = (
    "insert into functionroleresourcemap (fkfunctionrole, tkresource, permission) "
    "select {pkid}, enum, {permission} from typeresource where enum in {enums}")
# Incremental writes: a resource another job added meanwhile is neither duplicated nor lost.
INSERT_MISSING_MAPS = INSERT_MAPS + (
    " and not exists (select 1 from functionroleresourcemap m where m.fkfunctionrole = {pkid} "
    "and m.tkresource = typeresource.enum)")
UPDATE_PERMISSIONS = ("update functionroleresourcemap set permission = {permission} "
                      "where fkfunctionrole = {pkid} and tkresource in {enums}")
ROWS_SUFFIX = re.compile(r" \(\d+ rows\)\Z")

OPTIONS = (
    Option("description", max_len=128, sql=True),
    Option("application", max_len=50, sql=True),
    Option("resources", kind="keyed", value_key="permission", value_choices=sorted(PERMISSIONS), max_len=128, sql=True),
)


class Role(Resource):
    noun = "role"
    key = Option("name", max_len=128, pattern=ROLE_NAME, pattern_hint=ROLE_NAME_HINT)
    options = OPTIONS
    result_key = "role"
    lookalike_sql = "select name from functionrole where lower(name) in {names}"

    def argument_spec(self):
        spec = super(Role, self).argument_spec()
        spec["copy_from"] = dict(type="str")
        spec["detach_from_groups"] = dict(type="bool", default=False)
        return spec

    # ------------------------------------------------------------------ reading
    def read(self, client, key, params=None):
        rows = client.sql_query(sql.render(ROLE_SQL, name=key))
        role = self._parse(rows, (params or {}).get("application")) if rows else None
        if role is not None and (params or {}).get("state") == "absent":
            # refuse here, so check mode predicts the refusal instead of a deletion
            role["_groups"] = self._refuse_delete(client, key, role)
        return role

    def read_many(self, client, pattern):
        """Roles whose name matches a ``%`` pattern: ``{name: role}`` (one query, read in pages)."""
        sql_text("name", pattern)
        statement = sql.render(ROLE_SQL.replace("where fr.name = {name}", "where fr.name like {name} order by fr.name, "
                                                "frm.tkresource, frm.permission"), name=pattern)
        by_role = {}
        for row in client.sql_query_paged(statement):
            by_role.setdefault(row["name"], []).append(row)
        return dict((name, self._parse(rows, None)) for name, rows in by_role.items())

    def _parse(self, rows, declared_app):
        first = rows[0]
        resources, counts, apps, bits, app_of = {}, {}, set(), {}, {}
        for row in rows:
            if not row["tkresource"]:
                continue
            name = row["resource"]
            counts[name] = counts.get(name, 0) + 1
            bits.setdefault(name, set()).add(int(row["permission"]))
            app_of[name] = row["application"]
            apps.add(row["application"])
        for name, found in bits.items():
            single = int(next(r["actions"] for r in rows if r["resource"] == name) or 0) <= 1
            if len(found) == 1:
                resources[name] = permission_name(found.pop(), single)
            else:
                resources[name] = "+".join(permission_name(b, single) for b in sorted(found))
            if counts[name] > 1:
                # duplicate map rows (the table has no uniqueness): shown, and so rewritten when declared
                resources[name] += " (%d rows)" % counts[name]
        if len(apps) == 1:
            application = apps.pop()
        elif not apps:
            application = declared_app or ""   # an empty role contradicts no application
        else:
            application = ", ".join(sorted(apps))
        return {"description": first["description"], "application": application, "resources": resources,
                "_uuid": "{%s}" % first["pkid"].upper(), "_pkid": first["pkid"],
                "_standard": first["isstandard"] == "t", "_enums": dict((r["resource"], int(r["tkresource"]))
                                                                        for r in rows if r["tkresource"]),
                "_duplicates": sorted(n for n, c in counts.items() if c > 1),
                "_apps": app_of, "_rows": [(int(r["tkresource"]), int(r["permission"])) for r in rows if r["tkresource"]]}

    _single = {}     # resource name -> True when it has a single action (filled by prepare)
    _catalog = {}    # resource name -> enum, for the names this task uses
    _app_of = {}     # resource name -> its application, for the names this task uses
    detach = False   # detach_from_groups of this task
    _source = None   # the role copy_from names, when a new role starts from it

    # ------------------------------------------------------------------ resolving declared names
    def prepare(self, client, params):
        """Resolve declared resource names against the catalogue and canonicalise permissions."""
        self.detach = bool(params.get("detach_from_groups"))
        spec = params.get("resources") or {}
        names = set(item["name"] for sub in ("add", "remove", "set") for item in spec.get(sub) or [])
        copy_from = params.get("copy_from")
        # every text that reaches SQL: refuse what no literal can hold, naming the option
        sql_text("description", params.get("description"))
        sql_text("application", params.get("application"))
        sql_text("copy_from", copy_from)
        for name in sorted(names):
            sql_text("resources", name)
        if params.get("application"):
            apps = [r["name"] for r in client.sql_query(APPLICATIONS_SQL)]
            if params["application"] not in apps:
                raise CucmError("application: unknown application %r%s. Nothing was written."
                                % (params["application"], suggest(params["application"], apps)))
        self._load_catalog(client, names, params.get("application"), copy_from=copy_from)
        if copy_from and params.get("resources") is None:
            # a new role starts from the copied resources even when the task declares none
            return dict(params, resources={"add": []})
        if not spec:
            return params
        fixed = {}
        for sub in ("add", "remove", "set"):
            if spec.get(sub) is None:
                continue
            fixed[sub] = []
            for item in spec[sub]:
                permission = item.get("permission")
                if sub != "remove":          # the permission of a resource to remove is ignored
                    permission = self._canonical(item["name"], permission)
                fixed[sub].append({"name": item["name"], "permission": permission})
        return dict(params, resources=fixed)

    def _load_catalog(self, client, names, application, copy_from=None):
        self._catalog, self._single, self._app_of = {}, {}, {}
        if copy_from:
            # the resources of the role to copy are known by enum: no lookup by name (names are not unique)
            for row in client.sql_query(sql.render(ROLE_SQL, name=copy_from)):
                if row["tkresource"]:
                    self._catalog[row["resource"]] = int(row["tkresource"])
                    self._single[row["resource"]] = int(row["actions"] or 0) <= 1
                    self._app_of[row["resource"]] = row["application"]
        if not names:
            return
        rows = client.sql_query(sql.render(CATALOG_SQL, names=sorted(names)))
        by_name = {}
        for row in rows:
            by_name.setdefault(row["name"], []).append(row)
        problems, pool = [], None
        for name in sorted(names):
            found = by_name.get(name, [])
            if application:
                in_app = [r for r in found if r["application"] == application]
                if found and not in_app:
                    problems.append("resources: %r belongs to %s, not to application %r"
                                    % (name, " and ".join(sorted(set(r["application"] or "no application" for r in found))),
                                       application))
                    continue
                found = in_app
            if not found:
                if pool is None:
                    pool = client.sql_query(ALL_RESOURCES_SQL)
                candidates = [r["name"] for r in pool if not application or r["application"] == application]
                problems.append("resources: unknown resource %r%s%s" % (
                    name, " in application %r" % application if application else "", suggest(name, candidates)))
                continue
            if len(found) > 1:
                problems.append("resources: %r exists in several applications (%s); set application to choose"
                                % (name, ", ".join(sorted(r["application"] or "none" for r in found))))
                continue
            self._catalog[name] = int(found[0]["enum"])
            self._single[name] = int(found[0]["actions"] or 0) <= 1
            self._app_of[name] = found[0]["application"]
        if problems:
            raise CucmError("; ".join(problems) + ". Nothing was written.")

    def _canonical(self, name, permission):
        single = self._single.get(name)
        if permission is None:
            raise CucmError("resources: %r needs a permission (%s)" % (name, ", ".join(sorted(PERMISSIONS))))
        if single and permission in ("update", "read_update"):
            raise CucmError("resources: %r has a single action (allow); permission %r does not apply, use 'allow'"
                            % (name, permission))
        if not single and permission == "allow":
            raise CucmError("resources: %r has Read and Update actions; permission 'allow' does not apply, use "
                            "read, update or read_update" % name)
        return "allow" if single else permission

    def initial(self, client, key, params):
        if not params.get("copy_from"):
            return {}
        source = self.read(client, params["copy_from"])
        if source is None:
            raise CucmError("copy_from: there is no role %r to copy. Nothing was written." % params["copy_from"])
        self._source = source
        return {"resources": source["resources"]}

    # ------------------------------------------------------------------ checks
    def check(self, client, key, desired, changes, current):
        if current and current["_standard"]:
            raise CucmError("role %r is a standard role: CUCM says \"Cannot modify the Permission and Resources "
                            "associated with a standard Functional Role.\" Create a new role (copy_from: %r) and "
                            "use that instead. Nothing was written." % (key, key))
        if "application" in changes and current and current["resources"] and "resources" not in changes:
            raise CucmError("application: role %r holds resources of %s; declare its resources (with set) to move it "
                            "to %r. Nothing was written." % (key, current["application"], changes["application"]))
        if "resources" in changes and desired.get("application"):
            app_of = dict((current or {}).get("_apps") or {})
            app_of.update(self._app_of)
            stray = [n for n in changes["resources"] if app_of.get(n) != desired["application"]]
            if stray:
                raise CucmError("resources: the role keeps %s, which do not belong to application %r; remove them "
                                "or declare the resources with set. Nothing was written."
                                % (", ".join(repr(n) for n in sorted(stray)), desired["application"]))

    def _refuse_delete(self, client, key, current):
        """The groups to detach the role from; raise when CUCM would refuse the delete."""
        if current["_standard"]:
            raise CucmError("role %r is a standard role; CUCM does not allow deleting it. Nothing was written." % key)
        groups = sorted(client.sql_query(sql.render(GROUPS_SQL, pkid=sql.Guid(current["_pkid"]))),
                        key=lambda g: g["name"])
        if groups and not self.detach:
            raise CucmError("role %r is used by the access control group(s) %s; set detach_from_groups: true to take "
                            "it out of them and delete it. Nothing was written."
                            % (key, ", ".join(repr(g["name"]) for g in groups)))
        return [(g["name"], g["pkid"]) for g in groups]

    # ------------------------------------------------------------------ writing
    def _enum(self, name, current):
        if name in self._catalog:
            return self._catalog[name]
        return (current or {}).get("_enums", {})[name]

    def _bits(self, name, permission, current):
        if permission in PERMISSIONS:
            return PERMISSIONS[permission]
        bits = 0        # a resource kept as it is (odd bits, duplicate rows): its bits as they were
        for enum, found in current["_rows"]:
            bits |= found if enum == self._enum(name, current) else 0
        return bits

    def _insert_maps(self, client, pkid, resources, current=None, statement=INSERT_MAPS):
        by_permission = {}
        for name, permission in resources.items():
            by_permission.setdefault(self._bits(name, permission, current), []).append(self._enum(name, current))
        for bits, enums in sorted(by_permission.items()):
            client.sql_update(sql.render(statement, pkid=sql.Guid(pkid), permission=bits, enums=sorted(enums)))

    def create(self, client, key, values):
        client.sql_update(sql.render(INSERT_ROLE, name=key, description=values.get("description") or ""))
        pkid = client.sql_query(sql.render(ROLE_PKID, name=key))[0]["pkid"]
        try:
            self._insert_maps(client, pkid, values.get("resources") or {}, self._source)
        except Exception:
            # never leave a half-made role behind
            client.sql_update(sql.render(DELETE_ROLE, pkid=sql.Guid(pkid)))
            raise
        return "{%s}" % pkid.upper()

    def update(self, client, key, changes, current):
        pkid = sql.Guid(current["_pkid"])
        done = []
        try:
            if "description" in changes:
                client.sql_update(sql.render(UPDATE_DESCRIPTION, description=changes["description"], pkid=pkid))
                done.append("description")
            if "resources" in changes or current["_duplicates"]:
                target = changes.get("resources", current["resources"])
                # what this task removes is decided by what it read; a resource another job adds meanwhile stays
                remove = set(current["resources"]) - set(target)
                now = current
                for _attempt in range(3):
                    self._write_resources(client, pkid, target, remove, now, done)
                    # read back: another job may have changed the role's resources since this task read them;
                    # converge to exactly what is declared (never a union of both jobs' permissions)
                    now = self.read(client, key)
                    missing = self._differences(target, remove, now)
                    if not missing:
                        break
                else:
                    raise CucmError("role %r: another client kept changing its resources while this task wrote them "
                                    "(%s); run the task again" % (key, ", ".join(missing)))
        except Exception:
            self._undo(client, pkid, current, done)
            raise

    def _write_resources(self, client, pkid, target, remove, current, done):
        """Write the difference between ``current`` and ``target`` resources statement by statement:
        delete what goes, update what changes permission, insert what is new unless it exists by now."""
        before = current["resources"]
        clean = dict((n, ROWS_SUFFIX.sub("", p)) for n, p in before.items())
        gone = [n for n in before if n in remove]
        # duplicate rows, and permissions shown as combinations ("read+update"), are rewritten as one row
        redo = [n for n in target if n in before and (n in current["_duplicates"] or clean[n] not in PERMISSIONS)]
        changed = [n for n in target if n in before and n not in redo and clean[n] != target[n]]
        new = [n for n in target if n not in before]
        if gone or redo:
            done.append("resources")
            client.sql_update(sql.render(DELETE_MAPS, pkid=pkid, enums=sorted(self._enum(n, current) for n in gone + redo)))
        by_permission = {}
        for name in changed:
            by_permission.setdefault(self._bits(name, target[name], current), []).append(self._enum(name, current))
        for bits, enums in sorted(by_permission.items()):
            done.append("resources")
            client.sql_update(sql.render(UPDATE_PERMISSIONS, pkid=pkid, permission=bits, enums=sorted(enums)))
        if new or redo:
            done.append("resources")
            self._insert_maps(client, pkid, dict((n, target[n]) for n in new + redo), current, INSERT_MISSING_MAPS)

    def _differences(self, target, remove, role):
        """What ``role`` (as read) holds otherwise than declared: ``target`` permissions, ``remove`` gone."""
        held = (role or {}).get("resources") or {}
        return sorted(["%s: %s instead of %s" % (n, held.get(n, "absent"), p) for n, p in target.items()
                       if held.get(n) != p and p in PERMISSIONS] + ["%s: still there" % n for n in remove if n in held])

    def as_input_value(self, option, value):
        if option.name == "resources":
            return dict((n, ROWS_SUFFIX.sub("", p)) for n, p in (value or {}).items())
        return value

    def _undo(self, client, pkid, current, done):
        """Put back what this task changed before a statement failed."""
        if "description" in done:
            client.sql_update(sql.render(UPDATE_DESCRIPTION, description=current["description"], pkid=pkid))
        if "resources" in done:
            client.sql_update(sql.render(DELETE_ALL_MAPS, pkid=pkid))
            by_bits = {}
            for enum, bits in current["_rows"]:
                by_bits.setdefault(bits, set()).add(enum)
            for bits, enums in sorted(by_bits.items()):
                client.sql_update(sql.render(INSERT_MAPS, pkid=pkid, permission=bits, enums=sorted(enums)))

    def delete(self, client, key, current):
        groups = current.get("_groups")
        if groups is None:
            groups = self._refuse_delete(client, key, current)
        detached = []
        try:
            for _name, pkid in groups:       # by uuid: a group name may be longer than updateUserGroup's 100
                client.call("updateUserGroup", {"uuid": "{%s}" % pkid.upper(),
                                                "removeUserRoles": {"userRole": [{"roleName": key}]}})
                detached.append(pkid)
            try:
                client.sql_update(sql.render(DELETE_ROLE, pkid=sql.Guid(current["_pkid"])))
            except axl.AmbiguousWrite:
                # the answer was lost: if the role is gone, the delete happened and nothing is to be undone
                if not client.sql_query(sql.render(ROLE_PKID, name=key)):
                    return
                raise
        except Exception:
            for pkid in detached:     # the role stays: give it back to the groups it was taken from
                client.call("updateUserGroup", {"uuid": "{%s}" % pkid.upper(),
                                                "addUserRoles": {"userRole": [{"roleName": key}]}})
            raise

    def public(self, obj):
        out = super(Role, self).public(obj)
        out["resources"] = [{"name": n, "permission": p} for n, p in sorted((obj.get("resources") or {}).items())]
        return out


def permission_name(bits, single):
    if single:
        return "allow" if bits & 1 else "none"
    return {1: "read", 2: "update", 3: "read_update"}.get(bits, "bits:%d" % bits)
