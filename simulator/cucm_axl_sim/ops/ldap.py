"""LDAP directories: listLdapDirectory, doLdapSync, getLdapSyncStatus (``ldap.py`` models the sync).

- A directory agreement is a ``directorypluginconfig`` row, named by ``name`` or ``uuid``; an unknown
  one: 5007 "Item not valid: The specified LDAP Directory <name> was not found" (CHOICE: wording).
- doLdapSync ``sync`` true starts a synchronisation (one already running goes on: CHOICE), false
  cancels the running one; it answers "true" (StandardResponse: "Returns true in case of success").
  It counts as a write (the client and the simulator treat every ``do*`` operation as one).
- getLdapSyncStatus answers the status text of the directory's last synchronisation (see ``ldap.py``;
  ``--compat ldap-sync-status=boolean``: "true" while one runs, else "false", as the XSD documents).
- listLdapDirectory: ``searchCriteria`` ``name``/``ldapDn``/``userSearchBase`` are SQL LIKE patterns,
  case-insensitive (CHOICE); returns ``name``, ``ldapDn``, ``userSearchBase`` (the columns the
  simulator keeps), ordered by name; ``returnedTags`` is required and selects.
"""

from .. import ldap, soap
from . import not_found, operation, page
from .users import as_bool, check_children, search, text, unmarshal


def _directory(req):
    name, uid = req.find("name"), req.find("uuid")
    if name is None and uid is None:
        raise unmarshal(f"cvc-complex-type.2.4.b: The content of element '{req.operation}' is not complete. "
                        "One of '{name, uuid}' is expected.")
    if uid is not None and text(uid):
        row = ldap.directory(req.conn, pkid=soap.unbraced(text(uid)))
    else:
        row = ldap.directory(req.conn, name=text(name))
    if row is None:
        raise not_found(f"LDAP Directory {text(name) if name is not None else text(uid)}")
    return row


@operation("doLdapSync", write=True)
def do_ldap_sync(req):
    check_children(req.element, {"name", "uuid", "sync"}, req.operation)
    sync = req.find("sync")
    if sync is None:
        raise unmarshal("cvc-complex-type.2.4.b: The content of element 'doLdapSync' is not complete. "
                        "One of '{sync}' is expected.")
    pkid, _name = _directory(req)
    ldap.refresh(req.server, req.conn)
    if as_bool(sync.text or "", "sync") == "t":
        ldap.start(req.conn, req.server, pkid)
    else:
        ldap.cancel(req.conn, pkid)
    return "true"


@operation("getLdapSyncStatus")
def get_ldap_sync_status(req):
    check_children(req.element, {"name", "uuid"}, req.operation)
    pkid, _name = _directory(req)
    ldap.refresh(req.server)
    state, message = ldap.status(req.conn, pkid)
    if req.server.config.compat.get("ldap-sync-status") == "boolean":
        return "true" if state in ("initiated", "running") else "false"
    return message


@operation("listLdapDirectory", listing=True)
def list_ldap_directory(req):
    where, params = search(req, {"name": "name", "ldapDn": "ldapdn", "userSearchBase": "ldapsynchronizationbase"},
                           {"name", "ldapDn", "userSearchBase"})
    limit, offset = page(req)
    ldap.refresh(req.server)
    rows = req.conn.execute(f"SELECT pkid, name, ldapdn, ldapsynchronizationbase FROM directorypluginconfig "
                            f"WHERE {where} ORDER BY name LIMIT ? OFFSET ?", (*params, limit, offset)).fetchall()
    tags = req.find("returnedTags")
    return {"ldapDirectory": [soap.select({"@uuid": soap.braced(p), "name": n, "ldapDn": dn, "userSearchBase": base},
                                          tags) for p, n, dn, base in rows]}
