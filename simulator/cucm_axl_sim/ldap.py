"""LDAP directory synchronisation: what ``doLdapSync`` starts and ``getLdapSyncStatus`` reports.

A real cluster's DirSync service reads the directory server; the simulator reads a **fixture**: a
JSON file (``--ldap-fixture PATH``, or ``POST /__sim__/ldap``) that holds, per directory agreement
(``directorypluginconfig.name``), the directory's users as LDAP attributes::

    {"corp-ldap": [{"sAMAccountName": "user00001", "givenName": "Ada", "sn": "Bauer",
                    "mail": "user00001@example.com", "department": "Sales", "title": "Agent",
                    "telephoneNumber": "+15551000001"}]}

A sync runs for ``--ldap-sync-seconds`` (default 2), then applies the fixture to the directory's
users in one transaction:
- a listed user of this directory gets the listed attributes (the directory owns them all: an attribute
  the entry leaves out becomes empty) and is active again (``enduser.status`` 1);
- a listed user that does not exist is created as a user of this directory (presence group
  "Standard Presence group");
- a listed user who is a local user becomes a user of this directory (CHOICE: CUCM 10+ converts a local
  user whose user ID matches, UNCONFIRMED); one of another directory is left alone;
- a user of this directory the fixture does not list is marked inactive (``status`` 2: CUCM shows it as
  "Inactive LDAP Synchronized User" and deletes it later; the status code is UNCONFIRMED);
- a user the database refuses (a duplicate mail ID, RI-2159) is skipped and named in the message.
A directory the fixture does not name keeps its users; without a fixture a sync changes nothing.

Completion is evaluated when a request looks at the directory (doLdapSync, getLdapSyncStatus,
listLdapDirectory, ``GET /__sim__/ldap``): a sync whose time has come is applied then, so the state
lives in the database only (``POST /__sim__/reset`` also resets it).

``getLdapSyncStatus`` answers with the texts public AXL clients wait for (their code compares with
them): "Sync is initiated", "Sync is currently under process", "Sync is performed successfully";
"Sync is cancelled", "Sync failed: <reason>" and "" (never synchronised) are the simulator's own
(UNCONFIRMED).  These texts do not match the XSD's StandardResponse pattern; ``--compat
ldap-sync-status=boolean`` answers what the XSD documents instead ("true" while a sync runs, else
"false").
"""

import json
import sqlite3
import time

from . import seed

ATTRIBUTES = {
    # LDAP attribute (Active Directory's, as CUCM maps them by default) -> enduser column
    "sAMAccountName": "userid", "givenName": "firstname", "middleName": "middlename", "sn": "lastname",
    "displayName": "displayname", "mail": "mailid", "department": "department", "title": "title",
    "telephoneNumber": "telephonenumber", "mobile": "mobile", "homePhone": "homephone", "pager": "pager",
    "manager": "manager",
}
INITIATED_S = 0.3            # "Sync is initiated" for this long, then "currently under process"
TEXT = {"initiated": "Sync is initiated", "running": "Sync is currently under process",
        "completed": "Sync is performed successfully", "cancelled": "Sync is cancelled", "never": ""}


class Settings:
    def __init__(self, fixture=None, seconds=2.0, content=None):
        self.fixture = fixture          # path of the JSON fixture, or None
        self.content = content          # the fixture given inline (admin API), or None
        self.seconds = float(seconds)

    def as_dict(self):
        return {"fixture": self.fixture, "inline": self.content is not None, "sync_seconds": self.seconds}


def settings(sim):
    if getattr(sim, "ldap_settings", None) is None:
        sim.ldap_settings = Settings()
    return sim.ldap_settings


def configure(sim, fixture=None, seconds=None, content=None):
    """Set the fixture (a path, or inline content) and the sync duration; ValueError for a bad fixture."""
    current = settings(sim)
    if content is not None:
        check_fixture(content, "the inline fixture")
        current.content, current.fixture = content, None
    elif fixture is not None:
        load_fixture(fixture)
        current.fixture, current.content = fixture, None
    if seconds is not None:
        if float(seconds) < 0:
            raise ValueError("ldap sync_seconds must not be negative")
        current.seconds = float(seconds)
    return current


def clear(sim):
    current = settings(sim)
    current.fixture = current.content = None
    return current


def load_fixture(path):
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ValueError(f"LDAP fixture {path}: {exc}") from None
    return check_fixture(data, f"LDAP fixture {path}")


def check_fixture(data, where):
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected an object of directory name -> list of users")
    for directory, users in data.items():
        if not isinstance(users, list):
            raise ValueError(f"{where}: {directory}: expected a list of users")
        seen = set()
        for number, user in enumerate(users, 1):
            if not isinstance(user, dict):
                raise ValueError(f"{where}: {directory} user {number}: expected an object of LDAP attributes")
            unknown = sorted(set(user) - set(ATTRIBUTES))
            if unknown:
                raise ValueError(f"{where}: {directory} user {number}: unknown attribute {unknown[0]!r} "
                                 f"(known: {', '.join(sorted(ATTRIBUTES))})")
            for required in ("sAMAccountName", "sn"):
                if not isinstance(user.get(required), str) or not user[required]:
                    raise ValueError(f"{where}: {directory} user {number}: {required} is required")
            if user["sAMAccountName"] in seen:
                raise ValueError(f"{where}: {directory}: {user['sAMAccountName']} is listed twice")
            seen.add(user["sAMAccountName"])
    return data


def _fixture(sim):
    current = settings(sim)
    if current.content is not None:
        return current.content
    if current.fixture:
        return load_fixture(current.fixture)
    return None


# ------------------------------------------------------------------ state (database)
def directory(conn, name=None, pkid=None):
    """``(pkid, name)`` of a directory agreement, or None."""
    if pkid:
        return conn.execute("SELECT pkid, name FROM directorypluginconfig WHERE pkid = ?", (pkid,)).fetchone()
    return conn.execute("SELECT pkid, name FROM directorypluginconfig WHERE name = ?", (name,)).fetchone()


def start(conn, sim, pkid, now=None):
    """Start a sync (a running one goes on: CHOICE); the caller's transaction writes it."""
    now = time.time() if now is None else now
    row = conn.execute("SELECT state FROM sim_ldapsync WHERE fkdirectorypluginconfig = ?", (pkid,)).fetchone()
    if row and row[0] == "running":
        return
    conn.execute("INSERT OR REPLACE INTO sim_ldapsync (fkdirectorypluginconfig, state, started, due, finished, message) "
                 "VALUES (?, 'running', ?, ?, NULL, '')", (pkid, now, now + settings(sim).seconds))


def cancel(conn, pkid, now=None):
    now = time.time() if now is None else now
    conn.execute("UPDATE sim_ldapsync SET state = 'cancelled', finished = ? WHERE fkdirectorypluginconfig = ? "
                 "AND state = 'running'", (now, pkid))


def refresh(sim, conn=None, now=None):
    """Apply every running sync whose time has come, in the caller's write transaction ``conn`` or
    in one of its own."""
    now = time.time() if now is None else now
    query = "SELECT fkdirectorypluginconfig FROM sim_ldapsync WHERE state = 'running' AND due <= ?"
    if conn is not None:
        for (pkid,) in conn.execute(query, (now,)).fetchall():
            _complete(conn, sim, pkid, now)
        return
    with sim.store.read() as reader:
        if not reader.execute(query, (now,)).fetchone():
            return
    with sim.store.write() as writer:
        for (pkid,) in writer.execute(query, (now,)).fetchall():
            _complete(writer, sim, pkid, now)


def status(conn, pkid, now=None):
    """``(state, text)``: state is never, initiated, running, completed, cancelled or failed."""
    now = time.time() if now is None else now
    row = conn.execute("SELECT state, started, message FROM sim_ldapsync WHERE fkdirectorypluginconfig = ?",
                       (pkid,)).fetchone()
    if row is None:
        return "never", TEXT["never"]
    state, started, message = row
    if state == "running" and now - started < INITIATED_S:
        state = "initiated"
    if state == "failed":
        return state, f"Sync failed: {message}"
    return state, TEXT[state]


def _complete(conn, sim, pkid, now):
    name = conn.execute("SELECT name FROM directorypluginconfig WHERE pkid = ?", (pkid,)).fetchone()[0]
    try:
        fixture = _fixture(sim)
    except ValueError as exc:
        conn.execute("UPDATE sim_ldapsync SET state = 'failed', finished = ?, message = ? "
                     "WHERE fkdirectorypluginconfig = ?", (now, str(exc), pkid))
        return
    message = ""
    if fixture is not None and name in fixture:
        message = _apply(conn, pkid, fixture[name])
    conn.execute("UPDATE sim_ldapsync SET state = 'completed', finished = ?, message = ? "
                 "WHERE fkdirectorypluginconfig = ?", (now, message, pkid))


def _apply(conn, pkid, users):
    presence = conn.execute("SELECT pkid FROM matrix WHERE name = ?", (seed.DEFAULTS["presence_group"],)).fetchone()
    listed, skipped = set(), []
    for user in users:
        # the directory owns every mapped attribute: one the entry lacks is empty in CUCM too
        values = dict((column, user.get(attr, "")) for attr, column in ATTRIBUTES.items())
        userid = values.pop("userid")
        listed.add(userid)
        row = conn.execute("SELECT pkid, fkdirectorypluginconfig FROM enduser WHERE userid = ?", (userid,)).fetchone()
        conn.execute("SAVEPOINT ldap_user")
        try:
            if row is None:
                columns = ["userid", "fkdirectorypluginconfig", "fkmatrix_presence", *values]
                conn.execute(f"INSERT INTO enduser ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                             (userid, pkid, presence[0] if presence else None, *values.values()))
            elif row[1] in (None, pkid):
                sets = ", ".join(f"{column} = ?" for column in values)
                conn.execute(f"UPDATE enduser SET fkdirectorypluginconfig = ?, status = 1{', ' if sets else ''}{sets} "
                             "WHERE pkid = ?", (pkid, *values.values(), row[0]))
            else:
                skipped.append(f"{userid} (a user of another directory)")
            conn.execute("RELEASE ldap_user")
        except sqlite3.DatabaseError as exc:
            conn.execute("ROLLBACK TO ldap_user")
            conn.execute("RELEASE ldap_user")
            skipped.append(f"{userid} ({exc})")
    gone = [r[0] for r in conn.execute("SELECT userid FROM enduser WHERE fkdirectorypluginconfig = ? AND status = 1",
                                       (pkid,)) if r[0] not in listed]
    conn.executemany("UPDATE enduser SET status = 2 WHERE userid = ?", [(u,) for u in gone])
    return ("skipped " + "; ".join(skipped)) if skipped else ""


def report(sim):
    """Settings and the sync state of every directory (the admin API's ``GET /__sim__/ldap``)."""
    refresh(sim)
    with sim.store.read() as conn:
        rows = conn.execute("SELECT d.pkid, d.name, s.started, s.finished, s.message FROM directorypluginconfig d "
                            "LEFT JOIN sim_ldapsync s ON s.fkdirectorypluginconfig = d.pkid ORDER BY d.name").fetchall()
        out = []
        for pkid, name, started, finished, message in rows:
            state, text = status(conn, pkid)
            out.append({"name": name, "state": state, "status": text, "started": started, "finished": finished,
                        "message": message or ""})
    return dict(settings(sim).as_dict(), directories=out)
