"""The simulator's database: one SQLite file shaped after CUCM's data dictionary.

All AXL operations and ``executeSQL*`` run against the same connection, serialised by a lock:
each request is one transaction, as it is in CUCM.  The file persists across restarts; the state
right after seeding is kept beside it (``<db>.seed``) so ``POST /__sim__/reset`` can restore it.
"""

import contextlib
import os
import re
import sqlite3
import threading
import urllib.parse
import uuid

from . import changes, ddl, informix, seed

SCHEMA_VERSION = "1"


def _regexp(pattern, value):
    return value is not None and re.search(pattern, value) is not None


class Store:
    def __init__(self, path, *, app_user="administrator", app_password="ciscopsdt",
                 seed_users=0, ldap_users=0, resource_catalog=None, change_queue_size=changes.DEFAULT_QUEUE_SIZE):
        self.path = path
        self.change_queue_size = change_queue_size
        self.snapshot_path = path + ".seed"
        self.lock = threading.RLock()
        self.conn = self._connect(path)
        fresh = self.conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'enduser'").fetchone()[0] == 0
        self.created = fresh
        if fresh:
            # A big page cache while seeding: with the default 2 MB, the indexes of an 80,000-user
            # seed no longer fit and the inserts cost ~40 % more; lowered again afterwards.
            self.conn.execute("PRAGMA cache_size = -262144")
            with self.lock:
                self.conn.executescript("BEGIN;" + ddl.DDL + ddl.RULES + "COMMIT;")
            with self.write() as conn:
                seed.install(conn, app_user, app_password)
                if resource_catalog:
                    seed.load_resource_catalog(conn, resource_catalog)
                seed.add_synthetic_users(conn, seed_users, min(ldap_users, seed_users))
                conn.execute("INSERT INTO sim_meta (key, value) VALUES ('schema', ?), ('seed_users', ?), ('ldap_users', ?)",
                             (SCHEMA_VERSION, str(seed_users), str(min(ldap_users, seed_users))))
            self.conn.execute("PRAGMA cache_size = -65536")
        # the change queue's triggers come after the seed (seeding is not a change anyone made)
        with self.lock:
            changes.install(self.conn)
        if fresh or not os.path.exists(self.snapshot_path):
            self._save_snapshot()
        with self.write() as conn:
            changes.set_queue_size(conn, self.change_queue_size)
            changes.restart(conn)

    def set_change_queue_size(self, size):
        self.change_queue_size = size
        with self.write() as conn:
            changes.set_queue_size(conn, size)

    @staticmethod
    def _connect(path):
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.create_function("regexp", 2, _regexp, deterministic=True)
        conn.create_function("newid", 0, lambda: str(uuid.uuid4()))
        informix.install(conn)
        conn.create_function("build_service_url", 2, lambda pkid, secure: build_service_url(conn, pkid, secure))
        return conn

    @contextlib.contextmanager
    def write(self):
        """One write transaction; rolled back if the block raises."""
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    @contextlib.contextmanager
    def read(self):
        with self.lock:
            yield self.conn

    def _save_snapshot(self):
        with self.lock:
            target = sqlite3.connect(self.snapshot_path)
            try:
                self.conn.backup(target)
            finally:
                target.close()

    def reset(self):
        """Put the database back to the state right after seeding."""
        with self.lock:
            source = sqlite3.connect(self.snapshot_path)
            try:
                source.backup(self.conn)
            finally:
                source.close()
            # the database went back in time: a client's checkpoint must not survive it
            changes.install(self.conn)
            with self.write() as conn:
                changes.set_queue_size(conn, self.change_queue_size)
                changes.restart(conn)

    def close(self):
        with self.lock:
            self.conn.close()


def build_service_url(conn, subscription_pkid, secure):
    """The URL a phone requests for a subscription: the service's URL template followed by the
    subscription's parameter values as a query string, in the order the parameters were created (CUCM
    has no order column; the query-string order is unconfirmed).

    CUCM's exact encoding is not published; values are percent-encoded (RFC 3986), which is what a
    phone's HTTP client needs.  ``#DEVICENAME#`` in a template is left for the phone to expand.
    """
    row = conn.execute(
        "SELECT s.urltemplate, s.secureurltemplate FROM telecastersubscribedservice ss "
        "JOIN telecasterservice s ON s.pkid = ss.fktelecasterservice WHERE ss.pkid = ?", (subscription_pkid,)).fetchone()
    if row is None:
        return None
    template = row[1] if secure else row[0]
    if not template:
        return None
    pairs = conn.execute(
        "SELECT p.name, sp.value FROM telecastersubscribedparameter sp "
        "JOIN telecasterserviceparameter p ON p.pkid = sp.fktelecasterserviceparameter "
        "WHERE sp.fktelecastersubscribedservice = ? ORDER BY p.rowid", (subscription_pkid,)).fetchall()
    if not pairs:
        return template
    query = "&".join(f"{name}={urllib.parse.quote(value or '', safe='')}" for name, value in pairs)
    return template + ("&" if "?" in template else "?") + query
