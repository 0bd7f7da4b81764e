"""The change notification queue that ``listChange`` reads (AXL 10.0+; the collection uses it from 11.5).

What Cisco documents (AXL Developer Guide, "Data Change Notification"), and how it is modelled:

- AXL turns database changes into changes of AXL objects (type, uuid, action ``a``/``u``/``r``, the
  changed tags with their new values) and keeps them in an in-memory cache of at most 100,000 changes.
  Here every modelled table carries SQLite triggers (``TRACKED``/``CHILDREN`` below) that write a row
  into ``sim_change`` (+ ``sim_change_tag``) whenever a row is added, changed or removed: every write
  path (AXL add/update/remove, executeSQLUpdate, the Self Care edit, LDAP sync, the admin API) feeds
  the queue without knowing it.  A table added later is covered by adding it to ``TRACKED`` (an object
  table) or ``CHILDREN`` (a table whose rows belong to another object); every column of an object
  table is tracked, named by ``TAGS`` or else by the column itself.
- The cache is bounded (``--change-queue-size``, default 100,000 as documented): the oldest changes
  are dropped, so ``firstChangeId`` moves on.
- ``queueId`` changes every time the AXL service restarts, and the cache is lost then: here a new
  ``queueId`` (8 random letters and digits, the shape of a real capture) and an empty queue on every
  start and on ``POST /__sim__/reset``; the change ids go on increasing.
- Secret columns (passwords, PINs, digests) give their tag with no value.

- One change per database row written (the guide: changes are transformed "as they occur" from the
  raw table/column data, and one object may have several results): one AXL request can show as
  several changes of one object (an addUser as an add, then updates for its credential rows).
- ``uuid`` is written as the XSD types it (XUUID, ``{UPPERCASE}``); the guide's hand-written example
  shows lowercase without braces, so clients should accept both.

What nobody documents is behind a ``--compat`` switch (``compat.py``): ``change-first-call`` (the
first request without ``startChangeId``) and ``change-expired`` (a ``startChangeId`` older than the
queue).  The simulator's own choices: ``doGet`` is true for an add and for an update of more than one
tag; the value of a tag that references another object (``devicePoolName``...) or holds a list is
empty; the changes of one answer are at most ``--change-page-size`` (default 1,000).
"""

import re
import secrets
import string

DEFAULT_QUEUE_SIZE = 100000
DEFAULT_PAGE_SIZE = 1000

CHANGE_DDL = """
CREATE TABLE IF NOT EXISTS sim_change (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    uuid TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('a', 'u', 'r')),
    txn INTEGER             -- unused (kept so that older databases keep their shape)
);
CREATE INDEX IF NOT EXISTS sim_change_type ON sim_change (type, id);
CREATE TABLE IF NOT EXISTS sim_change_tag (
    change INTEGER NOT NULL REFERENCES sim_change(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT
);
CREATE INDEX IF NOT EXISTS sim_change_tag_change ON sim_change_tag (change);
CREATE TRIGGER IF NOT EXISTS sim_change_bound AFTER INSERT ON sim_change
BEGIN
    DELETE FROM sim_change WHERE id <= NEW.id - (SELECT CAST(value AS INTEGER) FROM sim_meta WHERE key = 'change_queue_size');
END;
"""

_DEVICE_TYPE = "CASE {row}.tkclass WHEN 254 THEN 'DeviceProfile' ELSE 'Phone' END"


def _device_of(pkid_expr):
    return f"(SELECT CASE tkclass WHEN 254 THEN 'DeviceProfile' ELSE 'Phone' END FROM device WHERE pkid = {pkid_expr})"


# AXL tag of a column, per table (a column not listed is named by itself).
TAGS = {
    "enduser": {
        "userid": "userid", "firstname": "firstName", "middlename": "middleName", "lastname": "lastName",
        "displayname": "displayName", "mailid": "mailid", "department": "department", "manager": "manager",
        "telephonenumber": "telephoneNumber", "mobile": "mobileNumber", "homephone": "homeNumber", "pager": "pagerNumber",
        "title": "title", "directoryuri": "directoryUri", "assocpc": "associatedPc", "tkuserlocale": "userLocale",
        "fkmatrix_presence": "presenceGroupName", "fkcallingsearchspace_restrict": "subscribeCallingSearchSpaceName",
        "fkucserviceprofile": "serviceProfile", "fkucuserprofile": "userProfile",
        "fkdirectorypluginconfig": "ldapDirectoryName", "allowcticontrolflag": "enableCti",
        "enablemobility": "enableMobility", "enablemobilevoice": "enableMobileVoiceAccess", "enableemcc": "enableEmcc",
        "enablecups": "imAndPresenceEnable", "enablecalendarpresence": "calendarPresence",
        "enableusertohostconferencenow": "enableUserToHostConferenceNow", "islocaluser": "homeCluster",
        "maxdeskpickupwaittime": "maxDeskPickupWaitTime", "remotedestinationlimit": "remoteDestinationLimit",
        "emmaxlogintime": "emMaxLoginTime", "conferencenowaccesscode": "attendeesAccessCode",
        "keypadenteredalternateidentifier": "selfService", "namedialing": "nameDialing",
        "discoveryuseridentity": "userIdentity", "passwordreverse": "digestCredentials", "status": "status",
    },
    "device": {
        "name": "name", "description": "description", "tkmodel": "model", "tkproduct": "product",
        "tkdeviceprotocol": "protocol", "tkprotocolside": "protocolSide", "tkclass": "class",
        "fkdevicepool": "devicePoolName", "fklocation": "locationName", "fkcallingsearchspace": "callingSearchSpaceName",
        "fkenduser": "ownerUserName", "fkcommonphoneconfig": "commonPhoneConfigName",
        "fkphonetemplate": "phoneTemplateName", "fksoftkeytemplate": "softkeyTemplateName",
        "fksecurityprofile": "securityProfileName", "fksipprofile": "sipProfileName",
        "ikdevice_defaultprofile": "defaultProfileName", "allowhotelingflag": "enableExtensionMobility",
        "versionstamp": "versionStamp",
    },
    "numplan": {"dnorpattern": "pattern", "fkroutepartition": "routePartitionName", "description": "description",
                "alertingname": "alertingName", "tkpatternusage": "usage"},
    "dirgroup": {"name": "name", "minimumuserrank": "userRank"},
    "telecasterservice": {
        "name": "serviceName", "nameascii": "asciiServiceName", "description": "serviceDescription",
        "urltemplate": "serviceUrl", "secureurltemplate": "secureServiceUrl", "tkphoneservicecategory": "serviceCategory",
        "tkphoneservice": "serviceType", "vendor": "serviceVendor", "version": "serviceVersion", "enabled": "enabled",
        "enterprisesubscription": "enterpriseSubscription", "priority": "priority",
    },
    "processconfig": {"paramvalue": "value", "paramname": "name", "tkservice": "service",
                      "fkprocessnode": "processNodeName"},
    "directorypluginconfig": {"name": "name"},
    "applicationuser": {"name": "userid"},
}
# Columns whose value is never put in a changed tag (the tag is, without a value).
SECRET_COLUMNS = {("enduser", "passwordreverse")}
# Columns that are bookkeeping, not AXL fields: never a changed tag.
HIDDEN_COLUMNS = {("enduser", "userrank"), ("enduser", "tkuserprofile"), ("enduser", "deletedtimestamp"),
                  ("dirgroup", "isstandard"), ("applicationuser", "isstandard")}

# Object tables: (table, AXL change type (SQL over {row}), condition on {row} or None)
TRACKED = [
    ("enduser", "'User'", None),
    ("applicationuser", "'AppUser'", None),
    ("dirgroup", "'UserGroup'", None),
    ("device", _DEVICE_TYPE, None),
    ("numplan", "'Line'", "{row}.tkpatternusage = 2"),
    ("telecasterservice", "'IpPhoneServices'", None),
    ("processconfig", "'ServiceParameter'", None),
    ("directorypluginconfig", "'LdapDirectory'", None),
    ("routepartition", "'RoutePartition'", None),
    ("callingsearchspace", "'Css'", None),
    ("devicepool", "'DevicePool'", None),
    ("location", "'Location'", None),
    ("voicemessagingprofile", "'VoiceMailProfile'", None),
]

# Tables whose rows belong to another object: a row added, changed or removed is an update of that
# object with one tag.  (table, [(type SQL, uuid SQL, tag, value SQL or None)]), over {row}.
CHILDREN = [
    ("credential", [
        ("CASE WHEN {row}.fkenduser IS NOT NULL THEN 'User' END", "{row}.fkenduser",
         "CASE {row}.tkcredential WHEN 3 THEN 'password' ELSE 'pin' END", None),
        ("CASE WHEN {row}.fkapplicationuser IS NOT NULL THEN 'AppUser' END", "{row}.fkapplicationuser",
         "CASE {row}.tkcredential WHEN 3 THEN 'password' ELSE 'pin' END", None)]),
    ("enduserdirgroupmap", [("'User'", "{row}.fkenduser", "'associatedGroups'", None),
                            ("'UserGroup'", "{row}.fkdirgroup", "'members'", None)]),
    ("applicationuserdirgroupmap", [("'AppUser'", "{row}.fkapplicationuser", "'associatedGroups'", None)]),
    ("functionroledirgroupmap", [("'UserGroup'", "{row}.fkdirgroup", "'userRoles'", None)]),
    ("enduserdevicemap", [("'User'", "{row}.fkenduser",
                           "CASE {row}.tkuserassociation WHEN 1 THEN 'associatedDevices' WHEN 2 THEN "
                           "'ctiControlledDeviceProfiles' ELSE 'phoneProfiles' END", None)]),
    ("endusernumplanmap", [("'User'", "{row}.fkenduser", "'primaryExtension'", None)]),
    # call forward all is kept beside the line (DD12.5 callforwarddynamic), an update of the Line
    ("callforwarddynamic", [("CASE WHEN (SELECT tkpatternusage FROM numplan WHERE pkid = {row}.fknumplan) = 2 "
                             "THEN 'Line' END", "{row}.fknumplan", "'callForwardAll'", None)]),
    ("devicenumplanmap", [(_device_of("{row}.fkdevice"), "{row}.fkdevice", "'lines'", None)]),
    ("telecasterserviceparameter", [("'IpPhoneServices'", "{row}.fktelecasterservice", "'parameters'", None)]),
    ("telecastersubscribedservice", [(_device_of("{row}.fkdevice"), "{row}.fkdevice", "'services'", None)]),
    ("telecastersubscribedparameter", [
        (_device_of("(SELECT fkdevice FROM telecastersubscribedservice WHERE pkid = {row}.fktelecastersubscribedservice)"),
         "(SELECT fkdevice FROM telecastersubscribedservice WHERE pkid = {row}.fktelecastersubscribedservice)",
         "'services'", None)]),
]


def _columns(conn, table):
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def _booleans(conn, table):
    """The columns ddl._bool made (AXL booleans stored as 't'/'f')."""
    create = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()[0]
    return set(re.findall(r"(\w+) TEXT NOT NULL DEFAULT '[tf]' CHECK \(\1 IN \('t', 'f'\)\)", create))


def _tag_value(table, column, booleans):
    if (table, column) in SECRET_COLUMNS or column.startswith(("fk", "ik")):
        return "NULL"
    if column in booleans:
        return f"CASE NEW.{column} WHEN 't' THEN 'true' WHEN 'f' THEN 'false' END"
    return f"CAST(NEW.{column} AS TEXT)"


def _object_triggers(conn, table, type_sql, where):
    def cond(row):
        return f" AND ({where.format(row=row)})" if where else ""

    tags = TAGS.get(table, {})
    booleans = _booleans(conn, table)
    cols = [c for c in _columns(conn, table) if c != "pkid" and (table, c) not in HIDDEN_COLUMNS]
    new_type, old_type = type_sql.format(row="NEW"), type_sql.format(row="OLD")
    differs = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in cols) or "0"
    branches = " UNION ALL ".join(
        f"SELECT '{tags.get(c, c)}' AS name, {_tag_value(table, c, booleans)} AS value "
        f"WHERE OLD.{c} IS NOT NEW.{c}" for c in cols)
    return f"""
CREATE TRIGGER IF NOT EXISTS sim_chg_{table}_ins AFTER INSERT ON {table} WHEN 1{cond('NEW')}
BEGIN
    INSERT INTO sim_change (type, uuid, action, txn) VALUES ({new_type}, NEW.pkid, 'a', NULL);
END;
CREATE TRIGGER IF NOT EXISTS sim_chg_{table}_del AFTER DELETE ON {table} WHEN 1{cond('OLD')}
BEGIN
    INSERT INTO sim_change (type, uuid, action, txn) VALUES ({old_type}, OLD.pkid, 'r', NULL);
END;
CREATE TRIGGER IF NOT EXISTS sim_chg_{table}_upd AFTER UPDATE ON {table} WHEN ({differs}){cond('NEW')}
BEGIN
    INSERT INTO sim_change (type, uuid, action, txn) VALUES ({new_type}, NEW.pkid, 'u', NULL);
    INSERT INTO sim_change_tag (change, name, value) SELECT last_insert_rowid(), name, value FROM ({branches});
END;
"""


def _child_triggers(conn, table, parents):
    cols = [c for c in _columns(conn, table) if c != "pkid"]
    differs = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in cols) or "0"
    out = []
    for number, (type_sql, uuid_sql, tag_sql, value_sql) in enumerate(parents):
        for event, row, when in (("INSERT", "NEW", "1"), ("DELETE", "OLD", "1"), ("UPDATE", "NEW", differs)):
            ptype, puuid = type_sql.format(row=row), uuid_sql.format(row=row)
            # the parent must still exist: a child removed with its parent is part of the parent's removal
            alive = f"({ptype}) IS NOT NULL AND ({puuid}) IS NOT NULL"
            value = value_sql.format(row=row) if value_sql else "NULL"
            out.append(f"""
CREATE TRIGGER IF NOT EXISTS sim_chg_{table}_{number}_{event.lower()} AFTER {event} ON {table} WHEN ({when})
BEGIN
    INSERT INTO sim_change (type, uuid, action, txn) SELECT {ptype}, {puuid}, 'u', NULL WHERE {alive};
    INSERT INTO sim_change_tag (change, name, value) SELECT last_insert_rowid(), {tag_sql.format(row=row)}, {value}
        WHERE {alive};
END;""")
    return "".join(out)


def trigger_sql(conn):
    """The triggers that feed the queue, for the tables this database has."""
    existing = set(row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
    parts = [_object_triggers(conn, table, type_sql, where) for table, type_sql, where in TRACKED if table in existing]
    parts += [_child_triggers(conn, table, parents) for table, parents in CHILDREN if table in existing]
    return "".join(parts)


def new_queue_id():
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _position in range(8))


def install(conn):
    """Create the queue and its triggers (idempotent: a database from an older simulator gets them again).
    The triggers use plain SQL only (the queue size comes from ``sim_meta``), so that a write through any
    SQLite connection, not only the simulator's, is a change too."""
    old = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND "
                                          "(name LIKE 'sim_chg_%' OR name = 'sim_change_bound')")]
    drops = "".join("DROP TRIGGER IF EXISTS %s;" % name for name in old)
    conn.executescript("BEGIN;" + drops + CHANGE_DDL + trigger_sql(conn) + "COMMIT;")


def set_queue_size(conn, size):
    """The bound of the queue, read by its trigger."""
    conn.execute("INSERT OR REPLACE INTO sim_meta (key, value) VALUES ('change_queue_size', ?)", (str(int(size)),))


def restart(conn):
    """What an AXL service restart does to the cache: a new queueId and no changes."""
    conn.execute("DELETE FROM sim_change")
    conn.execute("INSERT OR REPLACE INTO sim_meta (key, value) VALUES ('change_queue_id', ?)", (new_queue_id(),))


def queue_id(conn):
    row = conn.execute("SELECT value FROM sim_meta WHERE key = 'change_queue_id'").fetchone()
    return row[0] if row else ""


def bounds(conn):
    """``(first, last)`` change ids in the queue; an empty queue gives ``(next, next - 1)``."""
    first, last = conn.execute("SELECT min(id), max(id) FROM sim_change").fetchone()
    if first is None:
        seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'sim_change'").fetchone()
        nxt = (seq[0] if seq else 0) + 1
        return nxt, nxt - 1
    return first, last


def read(conn, start, types, limit):
    """Changes with id >= start (of the given types, all when None), at most ``limit``:
    ``[(id, type, uuid, action, txn, [(tag, value)])]``."""
    where, args = ["id >= ?"], [start]
    if types is not None:
        if not types:
            return []
        where.append(f"type IN ({', '.join('?' * len(types))})")
        args.extend(types)
    rows = conn.execute(f"SELECT id, type, uuid, action, txn FROM sim_change WHERE {' AND '.join(where)} "
                        "ORDER BY id LIMIT ?", (*args, limit)).fetchall()
    if not rows:
        return []
    tags = {}
    low, high = rows[0][0], rows[-1][0]
    for change, name, value in conn.execute(
            "SELECT change, name, value FROM sim_change_tag WHERE change BETWEEN ? AND ? ORDER BY rowid", (low, high)):
        tags.setdefault(change, []).append((name, value))
    return [(r[0], r[1], r[2], r[3], r[4], tags.get(r[0], [])) for r in rows]
