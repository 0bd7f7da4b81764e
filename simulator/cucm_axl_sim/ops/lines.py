"""Directory numbers on their own: ``addLine``, ``getLine``, ``updateLine``, ``listLine``, ``removeLine``.

A line is a ``numplan`` row (DD12.5 §2.3.279, TI-24): ``dnorpattern``, ``fkroutepartition``,
``description``, ``alertingname``, ``alertingnameascii``, ``tkpatternusage``, the call forward
busy / no answer / not registered columns (``cf<kind>destination``, ``cf<kind>voicemailenabled``,
``fkcallingsearchspace_cf<kind>``, each with an internal ``int`` twin), the shared line appearance
CSS (``fkcallingsearchspace_sharedlineappear``) and the voice mail profile
(``fkvoicemessagingprofile``).  Call forward all lives in ``callforwarddynamic`` (TI-434, one row per
DN: ``cfadestination``, ``cfavoicemailenabled``, ``fkcallingsearchspace_cfa``/``_scfa``).  Phones and
device profiles reach the same rows through their ``lines`` (:mod:`.devices`), which also create a
directory number that does not exist yet.

These ``XLine`` elements are stored and returned: ``pattern``, ``description``, ``usage``,
``routePartitionName``, ``callForwardAll``, ``callForwardBusy``/``Int``, ``callForwardNoAnswer``/``Int``,
``callForwardNotRegistered``/``Int`` (``forwardToVoiceMail``, ``callingSearchSpaceName``,
``secondaryCallingSearchSpaceName`` for CFA, ``destination``), ``alertingName``, ``asciiAlertingName``,
``shareLineAppearanceCssName``, ``voiceMailProfileName``.  The other elements are accepted and
ignored, and left out of answers (every element of ``RLine``/``LLine`` is optional).

- ``addLine`` stores a pattern that begins with ``+`` as ``\\+...`` (``--compat
  plus-escape=escaped``, the default; real captures show E.164 patterns escaped), whether or not
  the request escaped it; with ``plus-escape=verbatim`` as sent.
- get/update/remove by ``pattern`` name an existing DN, so they must use the stored form (as
  ``lineIdentifier`` and ``primaryExtension`` do): with ``escaped``, ``+1408...`` does not find
  ``\\+1408...`` (5007).
- ``routePartitionName`` and the other reference names match whatever their case (``--compat
  fk-name-case=insensitive``, the default; ``exact``: case-sensitive).  A reference that names
  nothing: 5007 "Item not valid: The specified <what> <name> was not found".
- ``asciiAlertingName`` left out: the alerting name when it is all ASCII (DD: "This is same as Alerting
  Name if all characters are ASCII"), otherwise empty.  UNCONFIRMED for updateLine: an update that
  changes ``alertingName`` without ``asciiAlertingName`` sets it the same way (as the administration page).
- A call forward element replaces the values it carries; an empty or nil child clears that value.
- ``addLine`` of a pattern + partition that exists: -239, the duplicate-insert fault (MFI-67).
- get/update/remove of a line that does not exist: 5007 "Item not valid: The specified Line was not
  found" (the text of a real getLine fault).
- ``listLine``: ``searchCriteria`` (``pattern``, ``description``, ``routePartitionName``) are SQL
  ``LIKE`` patterns, ASCII case-insensitive; results ordered by pattern then partition, which makes
  ``skip``/``first`` stable.
- ``removeLine`` also removes the line from the devices that have it (``devicenumplanmap`` rows
  cascade) and from users' primary extensions.
"""

from .. import soap
from . import lookup, not_found, operation, page
from .devices import _numplan, escaped
from .services import enum_of, flag, require, run, value

DUPLICATE = "Could not insert new row - duplicate value in a UNIQUE INDEX column (Unique Index:)."
LINE = "Line"
CSS = ("callingsearchspace", "Calling Search Space")
# element: (destination, voice mail flag, CSS column) of numplan; CFA is in callforwarddynamic (None)
FORWARDS = {
    "callForwardAll": None,
    "callForwardBusy": ("cfbdestination", "cfbvoicemailenabled", "fkcallingsearchspace_cfb"),
    "callForwardBusyInt": ("cfbintdestination", "cfbintvoicemailenabled", "fkcallingsearchspace_cfbint"),
    "callForwardNoAnswer": ("cfnadestination", "cfnavoicemailenabled", "fkcallingsearchspace_cfna"),
    "callForwardNoAnswerInt": ("cfnaintdestination", "cfnaintvoicemailenabled", "fkcallingsearchspace_cfnaint"),
    "callForwardNotRegistered": ("cfurdestination", "cfurvoicemailenabled", "fkcallingsearchspace_cfur"),
    "callForwardNotRegisteredInt": ("cfurintdestination", "cfurintvoicemailenabled", "fkcallingsearchspace_cfurint"),
}
CFA = ("cfadestination", "cfavoicemailenabled", "fkcallingsearchspace_cfa")
# element: (numplan column, table, what faults call it)
REFERENCES = {
    "shareLineAppearanceCssName": ("fkcallingsearchspace_sharedlineappear", "callingsearchspace", "Calling Search Space"),
    "voiceMailProfileName": ("fkvoicemessagingprofile", "voicemessagingprofile", "Voice Mail Profile"),
}
SEARCH = {"pattern": "n.dnorpattern", "description": "n.description",
          "routePartitionName": "ifnull((SELECT name FROM routepartition WHERE pkid = n.fkroutepartition), '')"}


def _nocase(req):
    return req.compat("fk-name-case") == "insensitive"


def _line_pkid(req):
    """The numplan row a get/update/remove names by ``uuid`` or ``pattern`` + ``routePartitionName``."""
    uuid = req.text("uuid")
    if uuid:
        row = req.conn.execute("SELECT pkid FROM numplan WHERE pkid = ?", (soap.unbraced(uuid),)).fetchone()
        if row is None:
            raise not_found(LINE)
        return row[0]
    if req.find("pattern") is None:
        raise soap.AxlFault(None, f"Unmarshalling Error: cvc-complex-type.2.4.b: The content of element "
                                  f"'{req.operation}' is not complete. One of '{{uuid, pattern}}' is expected.",
                            "soapenv:Client")
    partition = (req.text("routePartitionName") or "").strip()
    if partition:
        try:
            lookup(req.conn, "routepartition", partition, "Route Partition", nocase=_nocase(req))
        except soap.AxlFault:
            raise not_found(LINE) from None
    try:   # the pattern as sent: naming an existing DN needs its stored form (see the module docstring)
        return _numplan(req.conn, req.text("pattern", "").strip(), partition, create=False, nocase=_nocase(req))
    except soap.AxlFault:
        raise not_found(LINE) from None


def _name(conn, table, pkid):
    if not pkid:
        return None
    row = conn.execute(f"SELECT name FROM {table} WHERE pkid = ?", (pkid,)).fetchone()
    return soap.Fk(row[0], pkid) if row else None


def _forward(conn, destination, voicemail, css, secondary=False, scss=None):
    out = {"forwardToVoiceMail": voicemail == "t", "callingSearchSpaceName": _name(conn, "callingsearchspace", css)}
    if secondary:
        out["secondaryCallingSearchSpaceName"] = _name(conn, "callingsearchspace", scss)
    out["destination"] = destination or ""
    return out


def _record(conn, pkid, listing=False):
    columns = ["dnorpattern", "description", "tkpatternusage", "fkroutepartition", "alertingname", "alertingnameascii",
               "fkcallingsearchspace_sharedlineappear", "fkvoicemessagingprofile"]
    for spec in FORWARDS.values():
        columns.extend(spec or ())
    row = dict(zip(columns, conn.execute(f"SELECT {', '.join(columns)} FROM numplan WHERE pkid = ?", (pkid,)).fetchone()))
    usage = conn.execute("SELECT name FROM typepatternusage WHERE enum = ?", (row["tkpatternusage"],)).fetchone()
    record = {"@uuid": soap.braced(pkid), "pattern": row["dnorpattern"], "description": row["description"],
              "usage": usage[0] if usage else "", "routePartitionName": _name(conn, "routepartition", row["fkroutepartition"])}
    if not listing:
        cfa = conn.execute("SELECT cfadestination, cfavoicemailenabled, fkcallingsearchspace_cfa, fkcallingsearchspace_scfa "
                           "FROM callforwarddynamic WHERE fknumplan = ?", (pkid,)).fetchone() or (None, "f", None, None)
        record["callForwardAll"] = _forward(conn, cfa[0], cfa[1], cfa[2], True, cfa[3])
        for element, spec in FORWARDS.items():
            if spec:
                record[element] = _forward(conn, *(row[c] for c in spec))
    record["alertingName"] = row["alertingname"]
    record["asciiAlertingName"] = row["alertingnameascii"]
    record["shareLineAppearanceCssName"] = _name(conn, "callingsearchspace", row["fkcallingsearchspace_sharedlineappear"])
    record["voiceMailProfileName"] = _name(conn, "voicemessagingprofile", row["fkvoicemessagingprofile"])
    return record


def _reference(req, element, name, table, what):
    """``(present, pkid)`` of an XFkType child; empty or nil is NULL; a name that names nothing is 5007."""
    node = soap.find(element, name)
    if node is None:
        return False, None
    uuid = node.get("uuid")
    if uuid:
        row = req.conn.execute(f"SELECT pkid FROM {table} WHERE pkid = ?", (soap.unbraced(uuid),)).fetchone()
        if row is None:
            raise not_found(what)
        return True, row[0]
    text = (node.text or "").strip()
    return True, (lookup(req.conn, table, text, what, nocase=_nocase(req)) if text else None)


def _write_fields(req, element, pkid, creating):
    """Store the modelled XLine/UpdateLineReq children of ``element`` on numplan row ``pkid``."""
    conn, columns = req.conn, {}
    for name, column in (("description", "description"), ("alertingName", "alertingname"),
                         ("asciiAlertingName", "alertingnameascii")):
        present, text = value(element, name)
        if present:
            columns[column] = text or ""
    if "alertingname" in columns and "alertingnameascii" not in columns:
        alerting = columns["alertingname"]
        columns["alertingnameascii"] = alerting[:30] if alerting.isascii() else ""
    for name, (column, table, what) in REFERENCES.items():
        present, ref = _reference(req, element, name, table, what)
        if present:
            columns[column] = ref
    cfa = {}
    for name, spec in FORWARDS.items():
        node = soap.find(element, name)
        if node is None:
            continue
        destination_column, voicemail_column, css_column = spec or CFA
        target = cfa if spec is None else columns
        present, text = value(node, "destination")
        if present:
            target[destination_column] = (text or "").strip() or None
        present, text = value(node, "forwardToVoiceMail")
        if present:
            target[voicemail_column] = flag(text, "f")
        present, ref = _reference(req, node, "callingSearchSpaceName", *CSS)
        if present:
            target[css_column] = ref
        if spec is None:
            present, ref = _reference(req, node, "secondaryCallingSearchSpaceName", *CSS)
            if present:
                target["fkcallingsearchspace_scfa"] = ref
    if columns:
        run(conn, f"UPDATE numplan SET {', '.join(c + ' = ?' for c in columns)} WHERE pkid = ?", (*columns.values(), pkid))
    if cfa or creating:
        if conn.execute("SELECT 1 FROM callforwarddynamic WHERE fknumplan = ?", (pkid,)).fetchone() is None:
            run(conn, "INSERT INTO callforwarddynamic (fknumplan) VALUES (?)", (pkid,))
        if cfa:
            run(conn, f"UPDATE callforwarddynamic SET {', '.join(c + ' = ?' for c in cfa)} WHERE fknumplan = ?",
                (*cfa.values(), pkid))


@operation("addLine", write=True)
def add_line(req):
    conn = req.conn
    element = req.find("line")
    require(element, ("pattern", "usage"), "line")
    pattern = escaped(soap.child_text(element, "pattern", "").strip(), req.compat("plus-escape"))
    partition = (soap.child_text(element, "routePartitionName") or "").strip()
    usage = enum_of(conn, "typepatternusage", soap.child_text(element, "usage", "").strip(), "Pattern Usage")
    try:
        _numplan(conn, pattern, partition, create=False, nocase=_nocase(req))
    except soap.AxlFault:     # not there (an unknown partition: the insert below says so)
        pass
    else:
        raise soap.AxlFault(-239, DUPLICATE)
    pkid = _numplan(conn, pattern, partition, create=True, nocase=_nocase(req))
    run(conn, "UPDATE numplan SET tkpatternusage = ? WHERE pkid = ?", (usage, pkid))
    _write_fields(req, element, pkid, creating=True)
    return soap.braced(pkid)


@operation("getLine")
def get_line(req):
    return {"line": soap.select(_record(req.conn, _line_pkid(req)), req.find("returnedTags"))}


@operation("updateLine", write=True)
def update_line(req):
    pkid = _line_pkid(req)
    _write_fields(req, req.element, pkid, creating=False)
    return soap.braced(pkid)


@operation("listLine", listing=True)
def list_line(req):
    criteria = req.find("searchCriteria")
    where, args = ["1 = 1"], []
    for element, expression in SEARCH.items():
        text = soap.child_text(criteria, element) if criteria is not None else None
        if text is not None:
            where.append(f"{expression} LIKE ?")
            args.append(text)
    limit, offset = page(req)
    rows = req.conn.execute(
        f"SELECT n.pkid FROM numplan n WHERE {' AND '.join(where)} ORDER BY n.dnorpattern, "
        "ifnull((SELECT name FROM routepartition WHERE pkid = n.fkroutepartition), '') LIMIT ? OFFSET ?",
        (*args, limit, offset)).fetchall()
    tags = req.find("returnedTags")
    return {"line": [soap.select(_record(req.conn, r[0], listing=True), tags) for r in rows]}


@operation("removeLine", write=True)
def remove_line(req):
    pkid = _line_pkid(req)
    run(req.conn, "DELETE FROM numplan WHERE pkid = ?", (pkid,))
    return soap.braced(pkid)
