"""Directory numbers on their own: ``addLine``, ``getLine``, ``removeLine``.

A line is a ``numplan`` row (DD12.5 §2.3.253): ``dnorpattern``, ``fkroutepartition``,
``description``, ``alertingname``, ``tkpatternusage``.  Phones and device profiles reach the same
rows through their ``lines`` (:mod:`.devices`), which also create a directory number that does not
exist yet; these operations are what a client uses to create, read and delete one explicitly (the
conformance kit's ``--write-scratch`` checks do).

Only ``pattern``, ``description``, ``usage``, ``routePartitionName``, ``alertingName`` and
``asciiAlertingName`` are stored; the other elements of ``XLine`` are accepted and ignored, and
``getLine`` leaves them out (every element of ``RLine`` is optional).  A pattern is looked up and
stored through the same helpers as the lines of a device, so the two paths agree on how a pattern
is kept:

- ``addLine`` stores a pattern that begins with ``+`` as ``\\+...`` (``--compat
  plus-escape=escaped``, the default; real captures show E.164 patterns escaped), whether or not
  the request escaped it; with ``plus-escape=verbatim`` as sent.
- ``getLine``/``removeLine`` by ``pattern`` name an existing DN, so they must use the stored form
  (as ``lineIdentifier`` and ``primaryExtension`` do): with ``escaped``, ``+1408...`` does not find
  ``\\+1408...`` (5007).
- ``routePartitionName`` matches whatever its case (``--compat fk-name-case=insensitive``, the
  default; ``exact``: case-sensitive), as the other reference names do.

- ``addLine`` of a pattern + partition that exists: -239, the duplicate-insert fault (MFI-67).
- get/remove of a line that does not exist: 5007 "Item not valid: The specified Line was not
  found" (the text of a real getLine fault).
- ``removeLine`` also removes the line from the devices that have it (``devicenumplanmap`` rows
  cascade) and from users' primary extensions.
"""

from .. import soap
from . import lookup, not_found, operation
from .devices import _numplan, escaped
from .services import enum_of, require, run, value

DUPLICATE = "Could not insert new row - duplicate value in a UNIQUE INDEX column (Unique Index:)."
LINE = "Line"


def _line_pkid(req):
    """The numplan row a get/remove names by ``uuid`` or ``pattern`` + ``routePartitionName``."""
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
    nocase = req.compat("fk-name-case") == "insensitive"
    if partition:
        try:
            lookup(req.conn, "routepartition", partition, "Route Partition", nocase=nocase)
        except soap.AxlFault:
            raise not_found(LINE) from None
    try:   # the pattern as sent: naming an existing DN needs its stored form (see the module docstring)
        return _numplan(req.conn, req.text("pattern", "").strip(), partition, create=False, nocase=nocase)
    except soap.AxlFault:
        raise not_found(LINE) from None


def _record(conn, pkid):
    row = conn.execute(
        "SELECT n.dnorpattern, n.description, u.name, n.fkroutepartition, p.name, n.alertingname "
        "FROM numplan n LEFT JOIN typepatternusage u ON u.enum = n.tkpatternusage "
        "LEFT JOIN routepartition p ON p.pkid = n.fkroutepartition WHERE n.pkid = ?", (pkid,)).fetchone()
    alerting = row[5] or ""
    return {"@uuid": soap.braced(pkid), "pattern": row[0], "description": row[1], "usage": row[2],
            "routePartitionName": soap.Fk(row[4], row[3]) if row[3] else None,
            "alertingName": alerting, "asciiAlertingName": alerting if alerting.isascii() else ""}


@operation("addLine", write=True)
def add_line(req):
    conn = req.conn
    element = req.find("line")
    require(element, ("pattern", "usage"), "line")
    pattern = escaped(soap.child_text(element, "pattern", "").strip(), req.compat("plus-escape"))
    partition = (soap.child_text(element, "routePartitionName") or "").strip()
    nocase = req.compat("fk-name-case") == "insensitive"
    usage = enum_of(conn, "typepatternusage", soap.child_text(element, "usage", "").strip(), "Pattern Usage")
    try:
        _numplan(conn, pattern, partition, create=False, nocase=nocase)
    except soap.AxlFault:     # not there (an unknown partition: the insert below says so)
        pass
    else:
        raise soap.AxlFault(-239, DUPLICATE)
    pkid = _numplan(conn, pattern, partition, create=True, nocase=nocase)
    _p, description = value(element, "description")
    _p, alerting = value(element, "alertingName")
    run(conn, "UPDATE numplan SET description = ?, alertingname = ?, tkpatternusage = ? WHERE pkid = ?",
        (description or "", alerting or "", usage, pkid))
    return soap.braced(pkid)


@operation("getLine")
def get_line(req):
    return {"line": soap.select(_record(req.conn, _line_pkid(req)), req.find("returnedTags"))}


@operation("removeLine", write=True)
def remove_line(req):
    pkid = _line_pkid(req)
    run(req.conn, "DELETE FROM numplan WHERE pkid = ?", (pkid,))
    return soap.braced(pkid)
