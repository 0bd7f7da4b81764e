"""The simulator's admin API (``/__sim__/``), for tests and users' CI.

- ``GET  /__sim__/stats``: request counters (``requests``, ``by_operation``, ``auth_basic``,
  ``auth_cookie``, ``writes``, ``throttled``, ``connections``, ``faults``, ``dropped``, ``unauthorized``).
- ``POST /__sim__/reset``: counters, sessions and the database back to the seeded state.
- ``GET  /__sim__/faults`` / ``POST /__sim__/faults``: read or change fault injection at run time
  (JSON object with any of the ``--latency-ms`` ... ``--random-seed`` switches, underscored, and
  ``compat``: ``{NAME: VALUE}`` of the ``--compat`` switches).
- ``GET  /__sim__/effective-urls?device=NAME``: the service URLs the phone would request now.
- ``POST /__sim__/selfcare/service-parameter``: ``{device, service, parameter, value}``, the
  Self Care Portal's edit of a subscription parameter as a field report describes it: the value
  changes, the subscription's built URL does not, until an administrator re-saves the device.  The
  symptom comes from the field; the mechanism below (a replaced row that RI-167 does not see) is the
  simulator's own, and Cisco documents stale URLs only after a service changes.
- ``GET  /__sim__/ldap`` / ``POST /__sim__/ldap``: the LDAP sync settings and each directory's sync
  state; POST changes any of ``fixture`` (a JSON file's path, null for none), ``content`` (the fixture
  itself) and ``sync_seconds`` (see ``ldap.py``).
"""


def route(sim, route, query, body):
    method, path = route
    if (method, path) == ("GET", "/__sim__/stats"):
        return sim.stats.snapshot()
    if (method, path) == ("POST", "/__sim__/reset"):
        sim.reset()
        return {"reset": True}
    if path == "/__sim__/faults":
        if method == "POST":
            sim.set_faults(body)
        return sim.faults()
    if (method, path) == ("GET", "/__sim__/effective-urls"):
        return effective_urls(sim.store, query["device"])
    if (method, path) == ("POST", "/__sim__/selfcare/service-parameter"):
        return selfcare_set_parameter(sim.store, body["device"], body["service"], body["parameter"], body["value"])
    if path == "/__sim__/ldap":
        return ldap_settings(sim, body if method == "POST" else None)
    return None


def ldap_settings(sim, changes):
    from . import ldap
    if changes is not None:
        unknown = sorted(set(changes) - {"fixture", "content", "sync_seconds"})
        if unknown:
            raise ValueError(f"unknown LDAP settings: {', '.join(unknown)}")
        if "fixture" in changes and changes["fixture"] is None and "content" not in changes:
            ldap.clear(sim)
        ldap.configure(sim, fixture=changes.get("fixture"), seconds=changes.get("sync_seconds"),
                       content=changes.get("content"))
    return ldap.report(sim)


def effective_urls(store, device):
    with store.read() as conn:
        found = conn.execute("SELECT pkid FROM device WHERE name = ?", (device,)).fetchone()
        if found is None:
            raise KeyError(f"no device named {device!r}")
        rows = conn.execute(
            "SELECT s.name, ss.servicename, ss.serviceurl, ss.secureserviceurl, ss.urlbuttonindex "
            "FROM telecastersubscribedservice ss JOIN telecasterservice s ON s.pkid = ss.fktelecasterservice "
            "WHERE ss.fkdevice = ? ORDER BY ss.urlbuttonindex, ss.rowid", (found[0],)).fetchall()
    return {"device": device, "subscriptions": [
        {"service": r[0], "name": r[1], "url": (r[2] or "").replace("#DEVICENAME#", device),
         "secure_url": (r[3] or "").replace("#DEVICENAME#", device), "url_button_index": r[4]} for r in rows]}


def selfcare_set_parameter(store, device, service, parameter, value):
    """A Self Care Portal edit of a service parameter, as modelled (UNCONFIRMED mechanism; the stale URL is a
    field report): the parameter's value row is replaced.  A replaced row is not an UPDATE of the value, so
    the database rule that rebuilds the built URL (RI-167) does not run and the phone keeps the old URL."""
    with store.write() as conn:
        sub = conn.execute(
            "SELECT ss.pkid, ss.fktelecasterservice FROM telecastersubscribedservice ss "
            "JOIN device d ON d.pkid = ss.fkdevice JOIN telecasterservice s ON s.pkid = ss.fktelecasterservice "
            "WHERE d.name = ? AND s.name = ? ORDER BY ss.rowid LIMIT 1", (device, service)).fetchone()
        if sub is None:
            raise KeyError(f"device {device!r} has no subscription to {service!r}")
        param = conn.execute("SELECT pkid FROM telecasterserviceparameter WHERE fktelecasterservice = ? AND name = ?",
                             (sub[1], parameter)).fetchone()
        if param is None:
            raise KeyError(f"service {service!r} has no parameter {parameter!r}")
        conn.execute("DELETE FROM telecastersubscribedparameter WHERE fktelecastersubscribedservice = ? "
                     "AND fktelecasterserviceparameter = ?", (sub[0], param[0]))
        conn.execute("INSERT INTO telecastersubscribedparameter (fktelecastersubscribedservice, fktelecasterserviceparameter, value) "
                     "VALUES (?, ?, ?)", (sub[0], param[0], value))
    return {"changed": True}
