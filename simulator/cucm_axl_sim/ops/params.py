"""Enterprise and service parameters: getServiceParameter, updateServiceParameter, listServiceParameter.

Where they live (CUCM 12.5 data dictionary): one ``processconfig`` row per (process node, service,
parameter name) (MFI-10); the node is a ``processnode`` row (enterprise parameters belong to the
Enterprise Node, ``EnterpriseWideData``), the service a ``typeservice`` row (AXL ``service``), the value
type a ``typeparam`` row (AXL ``valueType``).  ``parameters.py`` lists what is seeded and why.

Behaviour (CHOICE marks what Cisco does not document):

- A parameter is named by ``uuid`` or by ``processNodeName`` (XFkType: name, or its uuid attribute),
  ``name`` and ``service``; the match is exact, except the node name, which is compared without case
  (host names) (CHOICE).  A parameter that does not exist: 5007 "Item not valid: The specified
  Service Parameter <service>/<name> on <node> was not found" (CHOICE: wording).
- getServiceParameter returns ``processNodeName`` (with the node's uuid), ``name``, ``service``,
  ``value`` (as stored) and ``valueType`` in RServiceParameter's order, the row's uuid as attribute;
  ``returnedTags`` selects.
- updateServiceParameter checks ``value`` against the parameter's type before writing (CHOICE: axlcode
  5003 and wording): a boolean takes t/f/true/false/1/0 in any case and is stored as ``T``/``F`` (DD12.5
  "if tParam is boolean, use T or F"); a long takes digits within ``processconfigdefaults``' min/max; an
  enumeration takes one of its codes; the Self Care Portal Default Server takes a process node name
  (not the Enterprise Node) or empty for None; text takes up to 255 characters (DD12.5).  Without
  ``value`` nothing changes.  It answers the row's uuid.
- listServiceParameter: ``searchCriteria`` ``processNodeName``/``service`` are SQL LIKE patterns,
  case-insensitive (CHOICE); an empty ``searchCriteria`` → 5003; ``returnedTags`` is required; rows are
  ordered by node, service and name; ``skip`` applies only with ``first``.
"""

import re

from .. import parameters, soap
from . import not_found, operation, page
from .users import check_children, db, fk_of, invalid, search, text, unmarshal

KEY = ("processNodeName", "name", "service")
_LONG = re.compile(r"^-?\d+$")

_SELECT = (
    "SELECT pc.pkid, pn.pkid, pn.name, pc.paramname, ts.name, pc.paramvalue, tp.name, pcd.minlongvalue, "
    "pcd.maxlongvalue FROM processconfig pc JOIN processnode pn ON pn.pkid = pc.fkprocessnode "
    "JOIN typeservice ts ON ts.enum = pc.tkservice JOIN typeparam tp ON tp.enum = pc.tkparam "
    "LEFT JOIN processconfigdefaults pcd ON pcd.tkservice = pc.tkservice AND pcd.paramname = pc.paramname "
)


def _target(req):
    """The processconfig row a get/update names (a tuple of _SELECT's columns)."""
    uid = req.find("uuid")
    if uid is not None and text(uid):
        row = req.conn.execute(_SELECT + "WHERE pc.pkid = ?", (soap.unbraced(text(uid)),)).fetchone()
        if row is None:
            raise not_found(f"Service Parameter {text(uid)}")
        return row
    missing = [k for k in KEY if req.find(k) is None]
    if missing:
        raise unmarshal(f"cvc-complex-type.2.4.b: The content of element '{req.operation}' is not complete. "
                        f"One of '{{{missing[0]}}}' is expected.")
    node, node_pkid = fk_of(req.find("processNodeName"))
    name, service = text(req.find("name")), text(req.find("service"))
    if node_pkid:
        row = req.conn.execute(_SELECT + "WHERE pn.pkid = ? AND ts.name = ? AND pc.paramname = ?",
                               (node_pkid, service, name)).fetchone()
    else:
        row = req.conn.execute(_SELECT + "WHERE lower(pn.name) = lower(?) AND ts.name = ? AND pc.paramname = ?",
                               (node, service, name)).fetchone()
    if row is None:
        raise not_found(f"Service Parameter {service}/{name} on {node or soap.braced(node_pkid)}")
    return row


def _value(row):
    pkid, node_pkid, node, name, service, value, value_type = row[:7]
    return {"@uuid": soap.braced(pkid), "processNodeName": soap.Fk(node, node_pkid), "name": name,
            "service": service, "value": value, "valueType": value_type}


@operation("getServiceParameter")
@db
def get_service_parameter(req):
    check_children(req.element, {"uuid", "returnedTags", *KEY}, req.operation)
    return {"serviceParameter": soap.select(_value(_target(req)), req.find("returnedTags"))}


def _stored(conn, row, value):
    """The value to store for an update, checked against the parameter's type (5003 otherwise)."""
    _pkid, _node_pkid, node, name, service, _old, value_type, low, high = row
    where = f"{service}/{name}"
    spec = parameters.spec(service, name) or {}
    if value_type == "boolean":
        flag = {"t": "T", "true": "T", "1": "T", "f": "F", "false": "F", "0": "F"}.get(value.strip().lower())
        if flag is None:
            raise invalid(f"Service Parameter {where}: {value!r} is not a valid boolean value (true or false)")
        return flag
    if value_type == "long":
        if not _LONG.match(value.strip()):
            raise invalid(f"Service Parameter {where}: {value!r} is not a valid long value")
        number = int(value)
        if spec.get("choices") and str(number) not in spec["choices"]:
            raise invalid(f"Service Parameter {where}: {value!r} is not one of the allowed values "
                          f"{', '.join(sorted(spec['choices']))}")
        if (low is not None and number < low) or (high is not None and number > high):
            raise invalid(f"Service Parameter {where}: {number} is outside the range {low} to {high}")
        return str(number)
    if len(value) > 255:
        raise invalid(f"Service Parameter {where}: the value is longer than 255 characters")
    if spec.get("server") and value:
        found = conn.execute("SELECT 1 FROM processnode WHERE name = ? AND pkid <> ?",
                             (value, parameters.ENTERPRISE_NODE)).fetchone()
        if found is None:
            raise invalid(f"Service Parameter {where}: {value!r} is not a server of this cluster")
    return value


@operation("updateServiceParameter", write=True)
@db
def update_service_parameter(req):
    check_children(req.element, {"uuid", "value", *KEY}, req.operation)
    row = _target(req)
    node = req.find("value")
    if node is not None:
        value = node.text or ""
        req.conn.execute("UPDATE processconfig SET paramvalue = ? WHERE pkid = ?", (_stored(req.conn, row, value), row[0]))
    return soap.braced(row[0])


@operation("listServiceParameter", listing=True)
@db
def list_service_parameter(req):
    where, params = search(req, {"processNodeName": "pn.name", "service": "ts.name"}, {"processNodeName", "service"})
    limit, offset = page(req)
    rows = req.conn.execute(_SELECT + f"WHERE {where} ORDER BY pn.name, ts.name, pc.paramname LIMIT ? OFFSET ?",
                            (*params, limit, offset)).fetchall()
    tags = req.find("returnedTags")
    return {"serviceParameter": [soap.select(_value(row), tags) for row in rows]}
