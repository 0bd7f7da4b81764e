"""User groups (access control groups): addUserGroup, getUserGroup, updateUserGroup,
removeUserGroup, listUserGroup.

Where each AXL field lives (CUCM 12.5 data dictionary): the group is a ``dirgroup`` row (``name``,
``isstandard``); ``members/member/userId`` are ``enduserdirgroupmap`` rows (end users only);
``userRoles/userRole/roleName`` are ``functionroledirgroupmap`` rows naming ``functionrole``.

Behaviour (CHOICE marks what Cisco does not document; each is local and easy to change):

- ``XUserGroup`` is ``members``, ``userRoles``, then ``name`` (required: a missing ``name`` is a
  ``soapenv:Client`` "Unmarshalling Error", as are unknown elements and a request that mixes
  ``members`` with ``addMembers``/``removeMembers`` or ``userRoles`` with
  ``addUserRoles``/``removeUserRoles``, which the XSD's choice forbids).
- updateUserGroup: ``members`` replaces the whole member list and ``userRoles`` the whole role
  list (an empty wrapper clears it); ``removeMembers`` then ``addMembers`` (and
  ``removeUserRoles`` then ``addUserRoles``) change only what they name. Removing a non-member
  and adding an existing member are no-ops; duplicates in a list count once. ``newName`` renames.
  Replacement is a diff (CHOICE): rows that stay are not touched, so re-sending a standard
  group's current roles succeeds.
- Standard groups (``isstandard``): membership changes work; any change to their roles is
  refused by the RI-334 trigger (-746 "Cannot modify the Functional Roles associated with a
  standard DirGroup"); renaming or removing them is refused by the ``dirgroup`` triggers (-746).
- Unknown member userid → 5007 "Item not valid: The specified User <userid> was not found";
  unknown role → 5007 "... The specified Role <name> was not found" (CHOICE: members are end
  users only; application users are not looked up). A missing target group → 5007 "Item not
  valid: The specified User Group was not found". A duplicate name → -239; an invalid name →
  the ``dirgroup`` name rule (-746).
- getUserGroup returns ``members/member`` (``userId``, ``uuid`` = the end user's) ordered by
  userid and ``userRoles/userRole`` (``roleName`` XFkType, ``uuid`` = the role's) ordered by
  name, then ``name``; ``returnedTags`` selects, nested tags included.
- listUserGroup: ``searchCriteria/name`` is a SQL LIKE pattern (``%``, ``_``), case-insensitive
  (CHOICE); an empty ``searchCriteria`` → 5003 "At least one element under searchCriteria has to
  be mentioned"; ``returnedTags`` is required; ``skip`` applies only with ``first``; rows are
  ordered by name.
"""

from .. import soap
from . import operation, page
from .users import check_children, db, fk_of, new_pkid, replace_map, require, resolve, search, target, text, unmarshal

GROUP_FIELDS = {"members", "userRoles", "name"}
UPDATE_FIELDS = {"name", "uuid", "removeMembers", "addMembers", "members", "removeUserRoles", "addUserRoles",
                 "userRoles", "newName"}


def _members(conn, wrapper):
    """End-user pkids a ``members``-like element names (in order, de-duplicated), or None."""
    if wrapper is None:
        return None
    out = []
    for member in soap.children(wrapper, "member"):
        check_children(member, {"userId"}, "member")
        userid = text(require(member, "userId", "member"))
        out.append(resolve(conn, "enduser", "User", userid, column="userid"))
    return list(dict.fromkeys(out))


def _roles(conn, wrapper):
    """Role pkids a ``userRoles``-like element names, or None."""
    if wrapper is None:
        return None
    out = []
    for role in soap.children(wrapper, "userRole"):
        check_children(role, {"roleName"}, "userRole")
        name, pkid = fk_of(require(role, "roleName", "userRole"))
        out.append(resolve(conn, "functionrole", "Role", name, pkid))
    return list(dict.fromkeys(out))


def _insert_members(conn, group, users):
    conn.executemany("INSERT INTO enduserdirgroupmap (pkid, fkenduser, fkdirgroup) VALUES (?, ?, ?)",
                     [(new_pkid(), u, group) for u in users])


def _insert_roles(conn, group, roles):
    conn.executemany("INSERT INTO functionroledirgroupmap (pkid, fkdirgroup, fkfunctionrole) VALUES (?, ?, ?)",
                     [(new_pkid(), group, r) for r in roles])


def _present(conn, table, col, group, items):
    return {r[0] for r in conn.execute(f"SELECT {col} FROM {table} WHERE fkdirgroup = ?", (group,))} & set(items)


def group_value(conn, pkid):
    name = conn.execute("SELECT name FROM dirgroup WHERE pkid = ?", (pkid,)).fetchone()[0]
    members = conn.execute("SELECT e.userid, e.pkid FROM enduserdirgroupmap m JOIN enduser e ON e.pkid = m.fkenduser "
                           "WHERE m.fkdirgroup = ? ORDER BY e.userid", (pkid,)).fetchall()
    roles = conn.execute("SELECT f.name, f.pkid FROM functionroledirgroupmap m JOIN functionrole f "
                         "ON f.pkid = m.fkfunctionrole WHERE m.fkdirgroup = ? ORDER BY f.name", (pkid,)).fetchall()
    return {
        "members": {"member": [{"userId": u, "@uuid": soap.braced(p)} for u, p in members]},
        "userRoles": {"userRole": [{"roleName": soap.Fk(n, p), "@uuid": soap.braced(p)} for n, p in roles]},
        "name": name,
        "@uuid": soap.braced(pkid),
    }


@operation("addUserGroup", write=True)
@db
def add_user_group(req):
    conn = req.conn
    group = require(req.element, "userGroup", "addUserGroup")
    check_children(group, GROUP_FIELDS, "userGroup")
    name = require(group, "name", "userGroup").text or ""
    pkid = new_pkid()
    conn.execute("INSERT INTO dirgroup (pkid, name) VALUES (?, ?)", (pkid, name))
    _insert_members(conn, pkid, _members(conn, soap.find(group, "members")) or [])
    _insert_roles(conn, pkid, _roles(conn, soap.find(group, "userRoles")) or [])
    return soap.braced(pkid)


@operation("getUserGroup")
def get_user_group(req):
    pkid = target(req, "dirgroup", "name", "User Group", "name")
    return {"userGroup": soap.select(group_value(req.conn, pkid), req.find("returnedTags"))}


@operation("updateUserGroup", write=True)
@db
def update_user_group(req):
    conn, element = req.conn, req.element
    check_children(element, UPDATE_FIELDS, "updateUserGroup")
    for whole, parts in (("members", ("removeMembers", "addMembers")), ("userRoles", ("removeUserRoles", "addUserRoles"))):
        if soap.find(element, whole) is not None and any(soap.find(element, p) is not None for p in parts):
            raise unmarshal(f"cvc-complex-type.2.4.a: Invalid content was found in element 'updateUserGroup': "
                            f"'{whole}' cannot be combined with '{parts[0]}'/'{parts[1]}'.")
    pkid = target(req, "dirgroup", "name", "User Group", "name")

    members = _members(conn, soap.find(element, "members"))
    if members is not None:
        _insert_members(conn, pkid, replace_map(conn, "enduserdirgroupmap", "fkdirgroup", pkid, "fkenduser", members))
    for user in _members(conn, soap.find(element, "removeMembers")) or []:
        conn.execute("DELETE FROM enduserdirgroupmap WHERE fkdirgroup = ? AND fkenduser = ?", (pkid, user))
    adds = _members(conn, soap.find(element, "addMembers")) or []
    _insert_members(conn, pkid, [u for u in adds if u not in _present(conn, "enduserdirgroupmap", "fkenduser", pkid, adds)])

    roles = _roles(conn, soap.find(element, "userRoles"))
    if roles is not None:
        _insert_roles(conn, pkid, replace_map(conn, "functionroledirgroupmap", "fkdirgroup", pkid, "fkfunctionrole", roles))
    for role in _roles(conn, soap.find(element, "removeUserRoles")) or []:
        conn.execute("DELETE FROM functionroledirgroupmap WHERE fkdirgroup = ? AND fkfunctionrole = ?", (pkid, role))
    adds = _roles(conn, soap.find(element, "addUserRoles")) or []
    _insert_roles(conn, pkid, [r for r in adds if r not in _present(conn, "functionroledirgroupmap", "fkfunctionrole", pkid, adds)])

    node = soap.find(element, "newName")
    if node is not None:
        conn.execute("UPDATE dirgroup SET name = ? WHERE pkid = ? AND name <> ?", (node.text or "", pkid, node.text or ""))
    return soap.braced(pkid)


@operation("removeUserGroup", write=True)
@db
def remove_user_group(req):
    pkid = target(req, "dirgroup", "name", "User Group", "name")
    req.conn.execute("DELETE FROM dirgroup WHERE pkid = ?", (pkid,))
    return soap.braced(pkid)


@operation("listUserGroup", listing=True)
def list_user_group(req):
    where, params = search(req, {"name": "g.name"}, {"name"})
    limit, offset = page(req)
    rows = req.conn.execute(f"SELECT g.pkid, g.name FROM dirgroup g WHERE {where} ORDER BY g.name LIMIT ? OFFSET ?",
                            (*params, limit, offset)).fetchall()
    tags = req.find("returnedTags")
    return {"userGroup": [soap.select({"name": n, "@uuid": soap.braced(p)}, tags) for p, n in rows]}
