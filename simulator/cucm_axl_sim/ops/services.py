"""IP phone services (``add/get/update/remove/listIpPhoneServices``) and device subscriptions
(``services/service`` of phones and device profiles, used by :mod:`.devices`).

Tables (DD12.5 §2.3.393-396): ``telecasterservice``, ``telecasterserviceparameter``,
``telecastersubscribedservice``, ``telecastersubscribedparameter``.  The elements these operations
read and write are the same in AXL 11.5, 12.5, 14.0 and 15.0, so no field depends on the version.
The dictionary's field validations and rules (RI-189, RI-476, RI-477, RI-707, RI-948, RI-167) are
triggers in :mod:`cucm_axl_sim.ddl`; their failures come back as Informix error -746 with the
rule's message, through ``executeSQLUpdate`` as well as through these operations.

Behaviour where Cisco's text is silent (UNCONFIRMED on a live cluster; chosen to be safe for users
and easy to change here):

IP phone services
- ``serviceName`` identifies a service in get/update/remove, so adding (or renaming to) a name that
  exists is refused with the duplicate-insert fault (-239), although the table has no unique index.
- Parameter names are unique within a service (``UniqueString50`` in the XSD): a duplicate is -239.
- ``paramRequired`` is ``required`` and ``paramPassword`` is ``hidden`` (inference: the only
  candidate columns).  The data dictionary has no order column for parameters, so their order is
  UNCONFIRMED: ``getIpPhoneServices`` returns them newest first (``--compat parameter-order=reverse``,
  the default, so that a client relying on the declared order fails in tests) or in the order they
  were created (``parameter-order=creation``).  A re-declared list never reorders existing ones.
- ``updateIpPhoneServices``: ``parameters`` replaces the list, matching parameters by name so the
  ones kept keep their pkid and every subscriber's value; the others are deleted with their
  subscribed values (cascade).  ``removeParameters`` removes by name (unknown names are ignored);
  ``addParameters`` adds.  ``enterpriseSubscription`` cannot change (it is not in the request).
- Changing a service does not rebuild its subscribers' URLs: CUCM needs the administrator's
  "Update Subscriptions" button, which AXL does not have.  A device's URLs are rebuilt when the
  device's ``services`` list is saved again (``updatePhone``/``updateDeviceProfile``).
- A missing service is fault 5007 "Item not valid: The specified IP Phone Service was not found".

Subscriptions (``services/service``)
- ``services`` in an update replaces the device's whole list; an empty ``<services/>`` removes
  every subscription, an absent one changes nothing.  Each requested item is matched to an
  existing subscription with the same service, ``name`` and ``urlButtonIndex`` (one to one, in
  order): a match keeps its row and its parameter values; existing subscriptions no item matches
  are deleted with their values; the other items are inserted.  Then the ``serviceurl`` and
  ``secureserviceurl`` of every listed subscription are rebuilt from its parameter rows
  (:func:`cucm_axl_sim.store.build_service_url`), which is what an administrator's Save does.
- ``url`` (UNCONFIRMED for AXL; ``--compat resave-url``): with ``parse`` (the default, the most
  damaging plausible behaviour; CUCM's UDS documents this parsing) the query-string keys of a sent
  ``url`` that are parameters of the service are stored as values in
  ``telecastersubscribedparameter``, also when the subscription exists and the URL is the one
  ``getPhone`` returned: a stale URL sent back overwrites newer values.  Other keys, and the part
  before ``?``, are not stored; no value rows are invented for parameters the URL does not carry.
  With ``ignore`` the ``url`` is not read.  Either way (and when ``url`` is absent or nil) the URL
  is then built from the value rows, as the data dictionary's RI-167 does when a subscription is
  saved.
- Values, passwords too, are stored and returned in clear (the column has no encryption).
- ``serviceNameAscii`` defaults to ``name`` when that is ASCII.
- ``<service>`` items of ``getPhone``/``getDeviceProfile`` carry no ``uuid`` attribute (the only real
  capture, CUCM 10.5, has none; ``--compat service-uuid=present`` adds the subscription's pkid).
"""

import sqlite3
import urllib.parse
import uuid as uuidlib

from .. import soap
from . import lookup, not_found, operation, page, sql_error

XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
DUPLICATE = "Could not insert new row - duplicate value in a UNIQUE INDEX column (Unique Index:)."
SERVICE = "IP Phone Service"

# XSD-mandatory children (minOccurs 1) of the request types read here.
SERVICE_REQUIRED = ("serviceName", "asciiServiceName", "serviceUrl", "serviceCategory", "serviceType")
PARAMETER_REQUIRED = ("name", "displayName", "description")
SUBSCRIPTION_REQUIRED = ("telecasterServiceName", "name")

# RIpPhoneServices / LIpPhoneServices order: (element, column); parameters follow in R only.
SERVICE_FIELDS = (("serviceName", "name"), ("asciiServiceName", "nameascii"), ("serviceDescription", "description"),
                  ("serviceUrl", "urltemplate"), ("secureServiceUrl", "secureurltemplate"),
                  ("serviceCategory", "tkphoneservicecategory"), ("serviceType", "tkphoneservice"),
                  ("serviceVendor", "vendor"), ("serviceVersion", "version"), ("enabled", "enabled"),
                  ("enterpriseSubscription", "enterprisesubscription"))
# XIpPhoneServicesParameter order: (element, column, default on insert)
PARAMETER_FIELDS = (("name", "name", None), ("displayName", "displayname", None), ("default", "defaultvalue", ""),
                    ("description", "description", None), ("paramRequired", "required", "t"),
                    ("paramPassword", "hidden", "f"))
SEARCH = {"serviceName": "name", "serviceDescription": "description"}


# ------------------------------------------------------------------ helpers shared with devices
def client_fault(parent, missing):
    """A request without an element the XSD makes mandatory: the SOAP layer's Client fault."""
    return soap.AxlFault(None, f"Unmarshalling Error: cvc-complex-type.2.4.b: The content of element '{parent}' "
                               f"is not complete. One of '{{{missing}}}' is expected.", "soapenv:Client")


def require(element, names, parent):
    if element is None:
        raise client_fault(parent, names[0])
    for name in names:
        if soap.find(element, name) is None:
            raise client_fault(parent, name)


def value(element, name):
    """``(present, text)`` of a child: text is None when the child is absent or ``xsi:nil``."""
    node = soap.find(element, name) if element is not None else None
    if node is None:
        return False, None
    if node.get(XSI_NIL) in ("true", "1"):
        return True, None
    return True, node.text or ""


def integer(text, default, element):
    """An AXL ``XInteger`` (an integer or empty); anything else is the SOAP layer's Client fault."""
    if text is None or not text.strip():
        return default
    try:
        return int(text)
    except ValueError:
        raise soap.AxlFault(None, f"Unmarshalling Error: cvc-datatype-valid.1.2.3: '{text}' is not a valid value of "
                                  f"union type 'XInteger' of element '{element}'.", "soapenv:Client") from None


def flag(text, default):
    """An AXL ``boolean`` (t/f/true/false/0/1) as a DB bool."""
    if text in (None, ""):
        return default
    return "t" if text.strip().lower() in ("t", "true", "1") else "f"


def run(conn, sql, params=()):
    """Run a write; a database error becomes the AXL fault CUCM gives for it."""
    try:
        return conn.execute(sql, params)
    except sqlite3.Error as exc:
        raise sql_error(exc) from None


def new_pkid():
    return str(uuidlib.uuid4())


def enum_of(conn, table, name, what):
    row = conn.execute(f"SELECT enum FROM {table} WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise not_found(f"{what} {name}")
    return row[0]


# ------------------------------------------------------------------ IP phone services
def _service_pkid(req):
    """The service a request names by ``uuid`` or ``serviceName``; 5007 when there is none."""
    uuid = req.text("uuid")
    if uuid:
        row = req.conn.execute("SELECT pkid FROM telecasterservice WHERE pkid = ?", (soap.unbraced(uuid),)).fetchone()
    else:
        row = req.conn.execute("SELECT pkid FROM telecasterservice WHERE name = ? ORDER BY rowid LIMIT 1",
                               (req.text("serviceName", ""),)).fetchone()
    if row is None:
        raise not_found(SERVICE)
    return row[0]


def _parameters(container):
    """The ``parameter`` items of a parameters wrapper as column dicts (defaults applied)."""
    items = []
    for node in soap.children(container, "parameter"):
        require(node, PARAMETER_REQUIRED, "parameter")
        item = {}
        for element, column, default in PARAMETER_FIELDS:
            present, text = value(node, element)
            if column in ("required", "hidden"):
                item[column] = flag(text, default)
            elif column == "description":
                item[column] = text          # nil -> NULL
            else:
                item[column] = text if present and text is not None else default
        items.append(item)
    names = [i["name"] for i in items]
    if len(set(names)) != len(names):
        raise soap.AxlFault(-239, DUPLICATE)
    return items


def _insert_parameter(conn, service, item):
    if conn.execute("SELECT 1 FROM telecasterserviceparameter WHERE fktelecasterservice = ? AND name = ?",
                    (service, item["name"])).fetchone():
        raise soap.AxlFault(-239, DUPLICATE)
    run(conn, "INSERT INTO telecasterserviceparameter (pkid, fktelecasterservice, name, displayname, defaultvalue, "
              "description, required, hidden) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (new_pkid(), service, item["name"], item["displayname"], item["defaultvalue"], item["description"],
         item["required"], item["hidden"]))


def _replace_parameters(conn, service, items):
    existing = dict(conn.execute("SELECT name, pkid FROM telecasterserviceparameter WHERE fktelecasterservice = ?",
                                 (service,)).fetchall())
    wanted = {i["name"] for i in items}
    for name, pkid in existing.items():
        if name not in wanted:
            run(conn, "DELETE FROM telecasterserviceparameter WHERE pkid = ?", (pkid,))
    for item in items:
        if item["name"] in existing:
            run(conn, "UPDATE telecasterserviceparameter SET displayname = ?, defaultvalue = ?, description = ?, "
                      "required = ?, hidden = ? WHERE pkid = ?",
                (item["displayname"], item["defaultvalue"], item["description"], item["required"], item["hidden"],
                 existing[item["name"]]))
        else:
            _insert_parameter(conn, service, item)


def _service_record(conn, pkid, with_parameters, order="reverse"):
    cols = ", ".join(c for _e, c in SERVICE_FIELDS)
    row = conn.execute(f"SELECT {cols} FROM telecasterservice WHERE pkid = ?", (pkid,)).fetchone()
    record = {"@uuid": soap.braced(pkid)}
    for (element, column), cell in zip(SERVICE_FIELDS, row):
        if column == "tkphoneservicecategory":
            cell = conn.execute("SELECT name FROM typephoneservicecategory WHERE enum = ?", (cell,)).fetchone()[0]
        elif column == "tkphoneservice":
            cell = conn.execute("SELECT name FROM typephoneservice WHERE enum = ?", (cell,)).fetchone()[0]
        elif column in ("enabled", "enterprisesubscription"):
            cell = cell == "t"
        record[element] = cell
    if with_parameters:
        record["parameters"] = {"parameter": [
            {"@uuid": soap.braced(p[0]), "name": p[1], "displayName": p[2], "default": p[3], "description": p[4],
             "paramRequired": p[5] == "t", "paramPassword": p[6] == "t"}
            for p in conn.execute(
                "SELECT pkid, name, displayname, defaultvalue, description, required, hidden "
                "FROM telecasterserviceparameter WHERE fktelecasterservice = ? ORDER BY rowid "
                + ("DESC" if order == "reverse" else "ASC"), (pkid,))]}
    return record


def _service_columns(conn, element, names):
    """Columns set by the children of ``element`` among ``names`` (update: only those present)."""
    columns = {}
    for name in names:
        present, text = value(element, name)
        if not present:
            continue
        if name in ("serviceName", "newServiceName"):
            columns["name"] = text or ""
        elif name == "asciiServiceName":
            columns["nameascii"] = text or ""
        elif name == "serviceDescription":
            columns["description"] = text
        elif name == "serviceUrl":
            columns["urltemplate"] = text or None
        elif name == "secureServiceUrl":
            columns["secureurltemplate"] = text or None
        elif name == "serviceCategory":
            columns["tkphoneservicecategory"] = enum_of(conn, "typephoneservicecategory", text, "Phone Service Category")
        elif name == "serviceType":
            columns["tkphoneservice"] = enum_of(conn, "typephoneservice", text, "Phone Service Type")
        elif name == "serviceVendor":
            columns["vendor"] = text or ""
        elif name == "serviceVersion":
            columns["version"] = text or ""
        elif name in ("enabled", "enterpriseSubscription"):
            columns[name.lower()] = flag(text, "t" if name == "enabled" else "f")
    return columns


@operation("addIpPhoneServices", write=True)
def add_ip_phone_services(req):
    element = req.find("ipPhoneServices")
    require(element, SERVICE_REQUIRED, "ipPhoneServices")
    columns = _service_columns(req.conn, element, ("serviceName", "asciiServiceName", "serviceDescription",
                                                   "serviceUrl", "secureServiceUrl", "serviceCategory", "serviceType",
                                                   "serviceVendor", "serviceVersion", "enabled", "enterpriseSubscription"))
    if req.conn.execute("SELECT 1 FROM telecasterservice WHERE name = ?", (columns["name"],)).fetchone():
        raise soap.AxlFault(-239, DUPLICATE)
    pkid = new_pkid()
    columns["pkid"] = pkid
    run(req.conn, f"INSERT INTO telecasterservice ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        tuple(columns.values()))
    for item in _parameters(soap.find(element, "parameters")):
        _insert_parameter(req.conn, pkid, item)
    return soap.braced(pkid)


@operation("getIpPhoneServices")
def get_ip_phone_services(req):
    record = _service_record(req.conn, _service_pkid(req), with_parameters=True, order=req.compat("parameter-order"))
    return {"ipPhoneServices": soap.select(record, req.find("returnedTags"))}


@operation("listIpPhoneServices", listing=True)
def list_ip_phone_services(req):
    criteria = req.find("searchCriteria")
    where, args = [], []
    for element, column in SEARCH.items():
        text = soap.child_text(criteria, element) if criteria is not None else None
        if text is not None:
            where.append(f"{column} LIKE ?")
            args.append(text)
    limit, offset = page(req)
    sql = "SELECT pkid FROM telecasterservice" + (" WHERE " + " AND ".join(where) if where else "")
    rows = req.conn.execute(sql + " ORDER BY name, rowid LIMIT ? OFFSET ?", (*args, limit, offset)).fetchall()
    tags = req.find("returnedTags")
    return {"ipPhoneServices": [soap.select(_service_record(req.conn, r[0], False), tags) for r in rows]}


@operation("updateIpPhoneServices", write=True)
def update_ip_phone_services(req):
    conn, element = req.conn, req.element
    pkid = _service_pkid(req)
    columns = _service_columns(conn, element, ("newServiceName", "asciiServiceName", "serviceDescription", "serviceUrl",
                                               "secureServiceUrl", "serviceCategory", "serviceType", "serviceVendor",
                                               "serviceVersion", "enabled"))
    if "name" in columns and conn.execute("SELECT 1 FROM telecasterservice WHERE name = ? AND pkid <> ?",
                                          (columns["name"], pkid)).fetchone():
        raise soap.AxlFault(-239, DUPLICATE)
    if columns:
        run(conn, f"UPDATE telecasterservice SET {', '.join(c + ' = ?' for c in columns)} WHERE pkid = ?",
            (*columns.values(), pkid))
    replace = soap.find(element, "parameters")
    if replace is not None:
        _replace_parameters(conn, pkid, _parameters(replace))
    for item in _parameters(soap.find(element, "removeParameters")):
        run(conn, "DELETE FROM telecasterserviceparameter WHERE fktelecasterservice = ? AND name = ?", (pkid, item["name"]))
    for item in _parameters(soap.find(element, "addParameters")):
        _insert_parameter(conn, pkid, item)
    return soap.braced(pkid)


@operation("removeIpPhoneServices", write=True)
def remove_ip_phone_services(req):
    pkid = _service_pkid(req)
    run(req.conn, "DELETE FROM telecasterservice WHERE pkid = ?", (pkid,))
    return soap.braced(pkid)


# ------------------------------------------------------------------ subscriptions of a device
def read_subscriptions(conn, device, with_uuid=False):
    """The device's subscriptions as ``RSubscribedService`` values, in XSD order; ``with_uuid``
    (``--compat service-uuid=present``) gives each its pkid as ``uuid`` attribute."""
    rows = conn.execute(
        "SELECT ss.pkid, s.pkid, s.name, ss.servicename, ss.serviceurl, ss.urlbuttonindex, ss.urllabel, "
        "ss.servicenameascii, ps.name, pc.name, s.vendor, s.version, ifnull(ss.priority, s.priority) "
        "FROM telecastersubscribedservice ss JOIN telecasterservice s ON s.pkid = ss.fktelecasterservice "
        "JOIN typephoneservice ps ON ps.enum = s.tkphoneservice "
        "JOIN typephoneservicecategory pc ON pc.enum = s.tkphoneservicecategory "
        "WHERE ss.fkdevice = ? ORDER BY ss.rowid", (device,)).fetchall()
    return [{"@uuid": soap.braced(r[0]) if with_uuid else None, "telecasterServiceName": soap.Fk(r[2], r[1]), "name": r[3], "url": r[4],
             "urlButtonIndex": r[5], "urlLabel": r[6], "serviceNameAscii": r[7], "phoneService": r[8],
             "phoneServiceCategory": r[9], "vendor": r[10], "version": r[11], "priority": r[12]} for r in rows]


def _requested_subscriptions(conn, services):
    items = []
    for node in soap.children(services, "service"):
        require(node, SUBSCRIPTION_REQUIRED, "service")
        name, pkid = soap.child_text(node, "telecasterServiceName"), soap.find(node, "telecasterServiceName").get("uuid")
        if pkid:
            row = conn.execute("SELECT pkid FROM telecasterservice WHERE pkid = ?", (soap.unbraced(pkid),)).fetchone()
            if row is None:
                raise not_found(SERVICE)
            service = row[0]
        else:
            service = lookup(conn, "telecasterservice", (name or "").strip(), SERVICE)
        _p, url = value(node, "url")
        _p, index = value(node, "urlButtonIndex")
        _p, label = value(node, "urlLabel")
        _p, ascii_name = value(node, "serviceNameAscii")
        items.append({"service": service, "name": soap.child_text(node, "name", ""), "url": url or None,
                      "index": integer(index, 0, "urlButtonIndex"), "label": label, "ascii": ascii_name})
    return items


def _store_url_parameters(conn, subscription, service, url):
    """Values of the service's parameters carried in ``url``'s query string."""
    if "?" not in url:
        return
    parameters = dict(conn.execute("SELECT name, pkid FROM telecasterserviceparameter WHERE fktelecasterservice = ?",
                                   (service,)).fetchall())
    for key, text in urllib.parse.parse_qsl(url.split("?", 1)[1], keep_blank_values=True):
        if key not in parameters:
            continue
        changed = run(conn, "UPDATE telecastersubscribedparameter SET value = ? WHERE fktelecastersubscribedservice = ? "
                            "AND fktelecasterserviceparameter = ?", (text, subscription, parameters[key])).rowcount
        if not changed:
            run(conn, "INSERT INTO telecastersubscribedparameter (pkid, fktelecastersubscribedservice, "
                      "fktelecasterserviceparameter, value) VALUES (?, ?, ?, ?)",
                (new_pkid(), subscription, parameters[key], text))


def replace_subscriptions(conn, device, services, resave_url="parse"):
    """Make the device's subscriptions the list in the ``services`` element (see the module
    docstring for the matching rule), then rebuild the URLs of every listed subscription.
    ``resave_url`` (``--compat resave-url``): ``parse`` stores the values a sent ``url`` carries,
    ``ignore`` does not read it."""
    items = _requested_subscriptions(conn, services)
    existing = conn.execute("SELECT pkid, fktelecasterservice, servicename, urlbuttonindex, serviceurl, secureserviceurl "
                            "FROM telecastersubscribedservice WHERE fkdevice = ? ORDER BY rowid", (device,)).fetchall()
    used, plan = set(), []
    for item in items:
        match = next((row for row in existing if row[0] not in used
                      and (row[1], row[2], row[3]) == (item["service"], item["name"], item["index"])), None)
        if match is not None:
            used.add(match[0])
        plan.append((item, match))
    for row in existing:
        if row[0] not in used:
            run(conn, "DELETE FROM telecastersubscribedservice WHERE pkid = ?", (row[0],))
    for item, match in plan:
        if match is not None:
            subscription = match[0]
            for column, key in (("urllabel", "label"), ("servicenameascii", "ascii")):
                if item[key] is not None:
                    run(conn, f"UPDATE telecastersubscribedservice SET {column} = ? WHERE pkid = ?", (item[key], subscription))
        else:
            subscription = new_pkid()
            ascii_name = item["ascii"]
            if ascii_name is None:
                ascii_name = item["name"] if item["name"].isascii() else ""
            run(conn, "INSERT INTO telecastersubscribedservice (pkid, fkdevice, fktelecasterservice, servicename, "
                      "servicenameascii, urlbuttonindex, urllabel) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (subscription, device, item["service"], item["name"], ascii_name, item["index"], item["label"] or ""))
        if item["url"] is not None and resave_url == "parse":
            _store_url_parameters(conn, subscription, item["service"], item["url"])
        run(conn, "UPDATE telecastersubscribedservice SET serviceurl = build_service_url(pkid, 0), "
                  "secureserviceurl = build_service_url(pkid, 1) WHERE pkid = ?", (subscription,))
