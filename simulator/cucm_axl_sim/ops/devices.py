"""Phones and device profiles: ``add/get/update/remove/list`` ``Phone`` and ``DeviceProfile``.

Both are rows of ``device`` (DD12.5 §2.3.91): a phone has ``tkdeviceprofile = 0``; a user device
profile (extension mobility) has ``tkclass = 254`` and ``tkdeviceprofile = 1``.  Lines are
``devicenumplanmap`` rows to ``numplan``; subscriptions are handled by :mod:`.services`.  The
elements stored here are the same in AXL 11.5, 12.5, 14.0 and 15.0.

What is stored: name, description, product/model/class/protocol/protocolSide, the foreign keys in
``FKS`` (device pool, location, calling search space, common phone profile, phone button
template, softkey template, security profile, SIP profile, owner), lines (index, label, display,
directory number) and subscriptions.  Other XPhone elements are accepted and ignored; responses
leave them out (they are all optional in the R and L types).

Behaviour choices (UNCONFIRMED where Cisco's text is silent):
- CUCM's unmarshaller does not enforce every ``minOccurs=1`` of XPhone: Cisco's own samples add
  phones without ``commonPhoneConfigName``, ``phoneTemplateName``, ``primaryPhoneName``,
  ``useTrustedRelayPoint``, ``builtInBridgeStatus``, ``packetCaptureMode``, ``certificateOperation``,
  ``deviceMobilityMode`` (DevNet's ``axl_add_Jabber_Bulk.py``) and ``locationName`` (DevNet's Ansible
  examples), and a ``dirn`` without ``routePartitionName``.  An addPhone without ``name``, ``product``,
  ``class``, ``protocol``, ``protocolSide`` or ``devicePoolName`` gets the SOAP Client fault a
  schema-validating server gives.  A phone without a phone button template gets its model's standard
  one (the one the installation provides for the model); the common phone profile defaults to the
  standard one (the data dictionary's column default).
- ``class`` is required but not trusted: a phone's class comes from its model (RI-66); a device
  profile is always class 254 "Device Profile".
- A device profile's ``loginUserId`` is ``device.fkenduser`` (inference: the dictionary's remark on
  fkenduser, "the currently logged on user if EM is being used, or the owner").
- A line's directory number (``dirn`` pattern + partition) is created when it does not exist, as
  the administration pages do; ``lineIdentifier`` must name an existing one.  A pattern that begins
  with ``+`` is stored as ``\\+...`` (``--compat plus-escape=escaped``, the default: real captures
  show E.164 patterns escaped); ``lineIdentifier`` must then use that stored form.  Removing a device
  keeps its directory numbers.  ``lines`` in an update replaces the device's lines;
  ``removeLines``/``addLines`` change them one by one.
- get/update/remove of a device that does not exist (or is of the other kind): fault 5007
  "Item not valid: The specified Phone was not found" (or "Device Profile").  A foreign key that
  names nothing: 5007 "Item not valid: The specified <what> <name> was not found".  A duplicate
  device name: -239, the duplicate-insert fault.
- listPhone/listDeviceProfile: ``searchCriteria`` values are SQL ``LIKE`` patterns (``%``, ``_``;
  ASCII case-insensitive); the results are ordered by name, which makes ``skip``/``first`` stable.
"""

import dataclasses

from .. import soap
from . import lookup, not_found, operation, page
from .services import enum_of, integer, new_pkid, read_subscriptions, replace_subscriptions, require, run, value

# element: (device column, table, name column of that table, what faults call it)
FKS = {
    "callingSearchSpaceName": ("fkcallingsearchspace", "callingsearchspace", "name", "Calling Search Space"),
    "devicePoolName": ("fkdevicepool", "devicepool", "name", "Device Pool"),
    "commonPhoneConfigName": ("fkcommonphoneconfig", "commonphoneconfig", "name", "Common Phone Profile"),
    "locationName": ("fklocation", "location", "name", "Location"),
    "securityProfileName": ("fksecurityprofile", "securityprofile", "name", "Phone Security Profile"),
    "sipProfileName": ("fksipprofile", "sipprofile", "name", "SIP Profile"),
    "phoneTemplateName": ("fkphonetemplate", "phonetemplate", "name", "Phone Button Template"),
    "softkeyTemplateName": ("fksoftkeytemplate", "softkeytemplate", "name", "Softkey Template"),
    "ownerUserName": ("fkenduser", "enduser", "userid", "User"),
    "loginUserId": ("fkenduser", "enduser", "userid", "User"),
}
PROTOCOL_SIDES = {"Network": 0, "User": 1}


@dataclasses.dataclass(frozen=True)
class Kind:
    noun: str          # what faults call it
    element: str       # the request/response element: phone, deviceProfile
    where: str         # SQL condition on ``device d`` selecting this kind
    profile: int       # device.tkdeviceprofile
    required: tuple    # XSD-mandatory children of the add element
    fields: tuple      # stored elements in R-type (get) order
    list_fields: tuple  # stored elements in L-type (list) order
    search: dict       # listX searchCriteria element -> SQL expression


PHONE_FIELDS = ("name", "description", "product", "model", "class", "protocol", "protocolSide", "callingSearchSpaceName",
                "devicePoolName", "commonPhoneConfigName", "locationName", "securityProfileName", "sipProfileName",
                "lines", "phoneTemplateName", "userLocale", "services", "softkeyTemplateName", "ownerUserName")
PROFILE_FIELDS = ("name", "description", "product", "model", "class", "protocol", "protocolSide", "lines",
                  "phoneTemplateName", "userLocale", "loginUserId", "softkeyTemplateName", "services")

PHONE = Kind(
    "Phone", "phone", "d.tkdeviceprofile = 0 AND d.tkclass <> 254", 0,
    ("name", "product", "class", "protocol", "protocolSide", "devicePoolName"),
    PHONE_FIELDS, tuple(f for f in PHONE_FIELDS if f not in ("lines", "services")),
    {"name": "d.name", "description": "d.description",
     "protocol": "(SELECT name FROM typedeviceprotocol WHERE enum = d.tkdeviceprotocol)",
     "callingSearchSpaceName": "(SELECT name FROM callingsearchspace WHERE pkid = d.fkcallingsearchspace)",
     "devicePoolName": "(SELECT name FROM devicepool WHERE pkid = d.fkdevicepool)",
     "securityProfileName": "(SELECT name FROM securityprofile WHERE pkid = d.fksecurityprofile)"})
PROFILE = Kind(
    "Device Profile", "deviceProfile", "d.tkclass = 254 AND d.tkdeviceprofile = 1", 1,
    ("name", "product", "class", "protocol", "protocolSide", "phoneTemplateName"),
    PROFILE_FIELDS, tuple(f for f in PROFILE_FIELDS if f not in ("lines", "services")),
    {"name": "d.name", "description": "d.description"})


# ------------------------------------------------------------------ reading
def _device_pkid(req, kind):
    uuid = req.text("uuid")
    if uuid:
        row = req.conn.execute(f"SELECT pkid FROM device d WHERE pkid = ? AND {kind.where}", (soap.unbraced(uuid),)).fetchone()
    else:
        row = req.conn.execute(f"SELECT pkid FROM device d WHERE name = ? AND {kind.where}", (req.text("name", ""),)).fetchone()
    if row is None:
        raise not_found(kind.noun)
    return row[0]


def _fk(conn, element, pkid):
    if not pkid:
        return None
    _col, table, name_column, _what = FKS[element]
    row = conn.execute(f"SELECT {name_column} FROM {table} WHERE pkid = ?", (pkid,)).fetchone()
    return soap.Fk(row[0], pkid) if row else None


def _lines(conn, device):
    rows = conn.execute(
        "SELECT m.pkid, m.numplanindex, m.label, m.display, n.pkid, n.dnorpattern, n.fkroutepartition, p.name, m.e164mask "
        "FROM devicenumplanmap m JOIN numplan n ON n.pkid = m.fknumplan LEFT JOIN routepartition p ON p.pkid = n.fkroutepartition "
        "WHERE m.fkdevice = ? ORDER BY m.numplanindex, m.rowid", (device,)).fetchall()
    return {"line": [{"@uuid": soap.braced(r[0]), "index": r[1], "label": r[2], "display": r[3],
                      "dirn": {"@uuid": soap.braced(r[4]), "pattern": r[5],
                               "routePartitionName": soap.Fk(r[7], r[6]) if r[6] else None},
                      "e164Mask": r[8] or ""} for r in rows]}


def _record(conn, pkid, kind, fields, with_uuid=False):
    columns = sorted({FKS[f][0] for f in fields if f in FKS})
    row = conn.execute(
        "SELECT d.name, d.description, pr.name, m.name, c.name, dp.name, d.tkprotocolside, "
        "(SELECT name FROM typeuserlocale WHERE enum = d.tkuserlocale)"
        + "".join(f", d.{c}" for c in columns) +
        " FROM device d JOIN typeproduct pr ON pr.enum = d.tkproduct JOIN typemodel m ON m.enum = d.tkmodel "
        "JOIN typeclass c ON c.enum = d.tkclass JOIN typedeviceprotocol dp ON dp.enum = d.tkdeviceprotocol "
        "WHERE d.pkid = ?", (pkid,)).fetchone()
    sides = {v: k for k, v in PROTOCOL_SIDES.items()}
    known = dict(zip(("name", "description", "product", "model", "class", "protocol"), row[:6]),
                 protocolSide=sides.get(row[6], "User"), userLocale=row[7] or "")
    fk_pkids = dict(zip(columns, row[8:]))
    record = {"@uuid": soap.braced(pkid)}
    for field in fields:
        if field in known:
            record[field] = known[field]
        elif field in FKS:
            record[field] = _fk(conn, field, fk_pkids[FKS[field][0]])
        elif field == "lines":
            record[field] = _lines(conn, pkid)
        elif field == "services":
            record[field] = {"service": read_subscriptions(conn, pkid, with_uuid)}
    return record


# ------------------------------------------------------------------ writing
def _resolve_fk(conn, element, name, nocase=False):
    """The pkid an XFkType child of ``element`` names: ``(present, pkid)``; empty or nil is NULL.
    ``nocase`` (``--compat fk-name-case=insensitive``): a name matches whatever its case."""
    node = soap.find(element, name)
    if node is None:
        return False, None
    _col, table, name_column, what = FKS[name]
    uuid = node.get("uuid")
    if uuid:
        row = conn.execute(f"SELECT pkid FROM {table} WHERE pkid = ?", (soap.unbraced(uuid),)).fetchone()
        if row is None:
            raise not_found(what)
        return True, row[0]
    text = (node.text or "").strip()
    return True, (lookup(conn, table, text, what, name_column, nocase) if text else None)


def escaped(pattern, plus_escape):
    """A DN pattern as ``--compat plus-escape=escaped`` stores it: a leading ``+`` escaped."""
    if plus_escape == "escaped" and pattern.startswith("+"):
        return "\\" + pattern
    return pattern


def _numplan(conn, pattern, partition, create, nocase=False):
    part = lookup(conn, "routepartition", partition, "Route Partition", nocase=nocase) if partition else None
    row = conn.execute("SELECT pkid FROM numplan WHERE dnorpattern = ? AND ifnull(fkroutepartition, '') = ifnull(?, '')",
                       (pattern, part)).fetchone()
    if row is not None:
        return row[0]
    if not create:
        raise not_found(f"Directory Number {pattern} in {partition or '<None>'}")
    pkid = new_pkid()
    run(conn, "INSERT INTO numplan (pkid, dnorpattern, fkroutepartition, tkpatternusage) VALUES (?, ?, ?, 2)",
        (pkid, pattern, part))
    return pkid


def _requested_lines(req, container):
    """``(index, label, display, numplan pkid)`` of each ``line``/``lineIdentifier`` in a lines wrapper."""
    conn, nocase = req.conn, req.compat("fk-name-case") == "insensitive"
    out = []
    for node in soap.children(container, "line"):
        require(node, ("index", "dirn"), "line")
        dirn = soap.find(node, "dirn")
        require(dirn, ("pattern",), "dirn")
        pattern = escaped(soap.child_text(dirn, "pattern", "").strip(), req.compat("plus-escape"))
        numplan = _numplan(conn, pattern, (soap.child_text(dirn, "routePartitionName") or "").strip(), create=True,
                           nocase=nocase)
        index = integer(soap.child_text(node, "index", ""), len(out) + 1, "index")
        out.append((index, soap.child_text(node, "label", ""),
                    soap.child_text(node, "display", ""), numplan, (soap.child_text(node, "e164Mask") or "").strip() or None))
    for node in soap.children(container, "lineIdentifier"):
        require(node, ("directoryNumber", "routePartitionName"), "lineIdentifier")
        numplan = _numplan(conn, soap.child_text(node, "directoryNumber", "").strip(),
                           (soap.child_text(node, "routePartitionName") or "").strip(), create=False, nocase=nocase)
        out.append((len(out) + 1, "", "", numplan, None))
    return out


def _add_lines(conn, device, lines):
    for index, label, display, numplan, mask in lines:
        run(conn, "INSERT INTO devicenumplanmap (pkid, fkdevice, fknumplan, numplanindex, label, display, e164mask) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?)", (new_pkid(), device, numplan, index, label, display, mask))


def _write_lines(req, device, element):
    conn = req.conn
    replace = soap.find(element, "lines")
    if replace is not None:
        lines = _requested_lines(req, replace)
        run(conn, "DELETE FROM devicenumplanmap WHERE fkdevice = ?", (device,))
        _add_lines(conn, device, lines)
    removed = soap.find(element, "removeLines")
    if removed is not None:
        for _i, _l, _d, numplan, _m in _requested_lines(req, removed):
            run(conn, "DELETE FROM devicenumplanmap WHERE fkdevice = ? AND fknumplan = ?", (device, numplan))
    added = soap.find(element, "addLines")
    if added is not None:
        _add_lines(conn, device, _requested_lines(req, added))


def _locale(conn, element):
    """``(present, enum)`` of ``userLocale`` (a ``typeuserlocale`` name; empty or nil: none)."""
    present, text = value(element, "userLocale")
    text = (text or "").strip()
    return present, (enum_of(conn, "typeuserlocale", text, "User Locale") if text else None)


def _standard_template(conn, model, protocol):
    """The phone button template the installation provides for a model (its protocol's first)."""
    row = conn.execute("SELECT pkid FROM phonetemplate WHERE tkmodel = ? ORDER BY tkdeviceprotocol = ? DESC, rowid "
                       "LIMIT 1", (model, protocol)).fetchone()
    return row[0] if row else None


def _add(req, kind):
    conn = req.conn
    element = req.find(kind.element)
    require(req.element, (kind.element,), "add" + kind.element[0].upper() + kind.element[1:])
    require(element, kind.required, kind.element)
    product = soap.child_text(element, "product", "")
    found = conn.execute("SELECT p.enum, m.enum, m.tkclass FROM typeproduct p JOIN typemodel m ON m.enum = p.tkmodel "
                         "WHERE p.name = ?", (product,)).fetchone()
    if found is None:
        raise not_found(f"Product {product}")
    side = soap.child_text(element, "protocolSide", "") or "User"
    if side not in PROTOCOL_SIDES:
        raise not_found(f"Protocol Side {side}")
    columns = {
        "pkid": new_pkid(),
        "name": soap.child_text(element, "name", "").strip(),
        "description": soap.child_text(element, "description", ""),
        "tkclass": 254 if kind.profile else found[2],
        "tkmodel": found[1],
        "tkproduct": found[0],
        "tkdeviceprotocol": enum_of(conn, "typedeviceprotocol", soap.child_text(element, "protocol", ""), "Device Protocol"),
        "tkprotocolside": PROTOCOL_SIDES[side],
        "tkdeviceprofile": kind.profile,
        "tkuserlocale": _locale(conn, element)[1],
    }
    nocase = req.compat("fk-name-case") == "insensitive"
    for field in kind.fields:
        if field in FKS:
            present, pkid = _resolve_fk(conn, element, field, nocase)
            if present and (pkid is not None or field != "commonPhoneConfigName"):
                columns[FKS[field][0]] = pkid
    if not columns.get("fkphonetemplate"):
        columns["fkphonetemplate"] = _standard_template(conn, columns["tkmodel"], columns["tkdeviceprotocol"])
    run(conn, f"INSERT INTO device ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", tuple(columns.values()))
    device = columns["pkid"]
    lines = soap.find(element, "lines")
    if lines is not None:
        _add_lines(conn, device, _requested_lines(req, lines))
    services = soap.find(element, "services")
    if services is not None:
        replace_subscriptions(conn, device, services, req.compat("resave-url"))
    return soap.braced(device)


def _update(req, kind):
    conn, element = req.conn, req.element
    device = _device_pkid(req, kind)
    columns = {}
    for name, column in (("newName", "name"), ("description", "description")):
        present, text = value(element, name)
        if present:
            columns[column] = (text or "").strip() if column == "name" else (text or "")
    present, locale = _locale(conn, element)
    if present:
        columns["tkuserlocale"] = locale
    for field in kind.fields:
        if field in FKS:
            present, pkid = _resolve_fk(conn, element, field, req.compat("fk-name-case") == "insensitive")
            if present:
                columns[FKS[field][0]] = pkid
    if columns:
        run(conn, f"UPDATE device SET {', '.join(c + ' = ?' for c in columns)} WHERE pkid = ?", (*columns.values(), device))
    _write_lines(req, device, element)
    services = soap.find(element, "services")
    if services is not None:
        replace_subscriptions(conn, device, services, req.compat("resave-url"))
    return soap.braced(device)


def _list(req, kind):
    criteria = req.find("searchCriteria")
    where, args = [kind.where], []
    for element, expression in kind.search.items():
        text = soap.child_text(criteria, element) if criteria is not None else None
        if text is not None:
            where.append(f"{expression} LIKE ?")
            args.append(text)
    limit, offset = page(req)
    rows = req.conn.execute(f"SELECT d.pkid FROM device d WHERE {' AND '.join(where)} ORDER BY d.name LIMIT ? OFFSET ?",
                            (*args, limit, offset)).fetchall()
    tags = req.find("returnedTags")
    return {kind.element: [soap.select(_record(req.conn, r[0], kind, kind.list_fields), tags) for r in rows]}


def _get(req, kind):
    record = _record(req.conn, _device_pkid(req, kind), kind, kind.fields, req.compat("service-uuid") == "present")
    return {kind.element: soap.select(record, req.find("returnedTags"))}


def _remove(req, kind):
    device = _device_pkid(req, kind)
    run(req.conn, "DELETE FROM device WHERE pkid = ?", (device,))
    return soap.braced(device)


def _register(kind, noun):
    operation(f"add{noun}", write=True)(lambda req: _add(req, kind))
    operation(f"get{noun}")(lambda req: _get(req, kind))
    operation(f"update{noun}", write=True)(lambda req: _update(req, kind))
    operation(f"remove{noun}", write=True)(lambda req: _remove(req, kind))
    operation(f"list{noun}", listing=True)(lambda req: _list(req, kind))


_register(PHONE, "Phone")
_register(PROFILE, "DeviceProfile")
