"""AXL operations.  Each module of this package registers the handlers of one family.

A handler takes a :class:`Request` and returns the content of the response's ``<return>``
element as a value for :func:`cucm_axl_sim.soap.fill` (built in the XSD's element order), or
raises :class:`cucm_axl_sim.soap.AxlFault`.  Writes run inside one store transaction; a fault
rolls the whole request back, as CUCM does.
"""

import dataclasses
import importlib
import sqlite3

from .. import compat as _compat, soap

OPERATIONS = {}
FAMILIES = ("version", "sql", "users", "groups", "devices", "services", "lines", "params", "ldap", "changes")
MODELLED_VERSIONS = ("11.5", "12.5", "14.0", "15.0")


@dataclasses.dataclass(frozen=True)
class Operation:
    name: str
    handler: object
    write: bool      # add/update/remove and executeSQLUpdate: throttled, counted as writes
    listing: bool    # a query whose response is subject to the 8 MB read limit


def operation(name, *, write=False, listing=False):
    def register(handler):
        known = OPERATIONS.get(name)
        if known is not None and (known.handler.__module__, known.handler.__qualname__) != (
                handler.__module__, handler.__qualname__):
            # two families modelling one operation: the one imported last would win without a word
            raise RuntimeError(f"{name} is registered twice: {known.handler.__module__}.{known.handler.__qualname__} "
                               f"and {handler.__module__}.{handler.__qualname__}")
        OPERATIONS[name] = Operation(name, handler, write, listing)
        return handler
    return register


@dataclasses.dataclass
class Request:
    operation: str
    version: str          # the modelled schema version whose shapes the response uses
    element: object       # the request element (lxml), e.g. <ns:getUser>
    conn: sqlite3.Connection
    server: object        # the running simulator (for admin-visible state such as the AXL user)

    def text(self, path, default=None):
        return soap.child_text(self.element, path, default)

    def find(self, path):
        return soap.find(self.element, path)

    def at_least(self, version):
        return version_key(self.version) >= version_key(version)

    def compat(self, name):
        """The value of an unconfirmed-behaviour switch (``--compat``; see :mod:`cucm_axl_sim.compat`)."""
        return settings(self.server).get(name) or _compat.defaults()[name]


def settings(server):
    """The ``--compat`` settings of a running simulator (the defaults when there is none)."""
    config = getattr(server, "config", None)
    return dict(_compat.defaults(), **(getattr(config, "compat", None) or {}))


def version_key(version):
    return tuple(int(part) for part in version.split("."))


def for_version(value, version, added=None, removed=None):
    """Drop the fields a schema version does not have.

    ``added`` maps a field to the first version that has it, ``removed`` to the first that no
    longer has it.
    """
    key = version_key(version)
    return {
        k: v for k, v in value.items()
        if not (added and k in added and key < version_key(added[k]))
        and not (removed and k in removed and key >= version_key(removed[k]))
    }


def load_all():
    for family in FAMILIES:
        importlib.import_module(f"{__name__}.{family}")
    return OPERATIONS


# ------------------------------------------------------------------ helpers shared by families
def not_found(what):
    return soap.AxlFault(5007, f"Item not valid: The specified {what} was not found")


def lookup(conn, table, name, what, column="name", nocase=False):
    """pkid of the row of ``table`` whose ``column`` equals ``name``; a 5007 fault otherwise.  ``nocase``
    (``--compat fk-name-case=insensitive``): any case matches, an exact match first."""
    if nocase:
        row = conn.execute(f"SELECT pkid FROM {table} WHERE lower({column}) = lower(?) ORDER BY {column} = ? DESC "
                           "LIMIT 1", (name, name)).fetchone()
    else:
        row = conn.execute(f"SELECT pkid FROM {table} WHERE {column} = ?", (name,)).fetchone()
    if row is None:
        raise not_found(f"{what} {name}")
    return row[0]


def fk_value(conn, table, pkid):
    """An XFkType response value (name + uuid) for a pkid, or None."""
    if not pkid:
        return None
    row = conn.execute(f"SELECT name FROM {table} WHERE pkid = ?", (pkid,)).fetchone()
    return soap.Fk(row[0], pkid) if row else None


def fk_input(req_element, path):
    """Name and uuid of an XFkType request element: ``(name, pkid)``, either may be None.
    ``(None, None)`` when the element is absent; ``('', None)`` when it is present and empty."""
    node = soap.find(req_element, path)
    if node is None:
        return None, None
    uuid = node.get("uuid")
    return (node.text or "").strip(), soap.unbraced(uuid) if uuid else None


def like_pattern(value):
    """AXL searchCriteria use SQL ``%`` wildcards; matching is case-insensitive (as observed
    with CUCM list operations; UNCONFIRMED in Cisco text)."""
    return value


def sql_error(exc):
    """Map a SQLite error raised by a store write to the AXL fault CUCM gives for the DB error."""
    from .. import informix  # local import: informix is optional for families that never write
    err = informix.sqlite_error(exc)
    return soap.AxlFault(err.code, err.message)


def page(req):
    """``skip``/``first`` of a list request as SQL ``LIMIT``/``OFFSET`` values."""
    first = req.text("first")
    skip = req.text("skip")
    limit = int(first) if first not in (None, "") else -1
    offset = int(skip) if skip not in (None, "") and limit != -1 else 0
    return limit, offset
