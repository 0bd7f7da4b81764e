"""Change notification: listChange (see ``cucm_axl_sim.changes`` for the queue and its sources).

- Without ``startChangeId``: the queue's ids (``--compat change-first-call``: no change, or every
  cached change from the first one).
- With ``startChangeId queueId=...``: a ``queueId`` other than the current one is refused with the
  guide's 5007 fault ("The queueId value does not match the server..."); an id older than the queue's
  first change (the cache dropped what it named) is refused (``--compat change-expired=fault``, code and
  text the simulator's own) or answered from the oldest change left (``silent``).
- ``objectList`` limits the answer to those change types; ids of other types are skipped over.
- An answer holds at most ``--change-page-size`` changes; ``nextStartChangeId`` is the id after the last
  change read, so a client asks again while ``lastChangeId >= nextStartChangeId``.
"""

from .. import changes, soap
from . import operation

QUEUE_MISMATCH = ("The queueId value does not match the server. This indicates that it is either incorrect or the "
                  "server restarted and a full sync is needed.")


def _change(row):
    ident, kind, uuid, action, _txn, tags = row
    if action != "u":
        tags = []
    return {"@type": kind, "@uuid": soap.braced(uuid),
            "id": ident, "action": action, "doGet": action == "a" or (action == "u" and len(tags) > 1),
            "changedTags": {"changedTag": [{"@name": name, soap.TEXT: value} for name, value in tags]}}


@operation("listChange", listing=True)
def list_change(req):
    conn = req.conn
    server_queue = changes.queue_id(conn)
    first, last = changes.bounds(conn)
    start_el = req.find("startChangeId")
    objects = req.find("objectList")
    types = None
    if objects is not None:
        types = [(o.text or "").strip() for o in soap.children(objects, "object")]
    page_size = getattr(getattr(req.server, "config", None), "change_page_size", changes.DEFAULT_PAGE_SIZE)
    if start_el is None:
        if req.compat("change-first-call") == "empty":
            start = last + 1
        else:
            start = first
    else:
        if (start_el.get("queueId") or "").strip() != server_queue:
            raise soap.AxlFault(5007, QUEUE_MISMATCH)
        try:
            start = int((start_el.text or "").strip())
        except ValueError:
            raise soap.AxlFault(None, "Unmarshalling Error: startChangeId is not an integer", "soapenv:Client") from None
        if start < first:
            if req.compat("change-expired") == "fault":
                raise soap.AxlFault(5007, f"The startChangeId {start} is no longer in the change queue (its first "
                                          f"change is {first}): changes were dropped and a full sync is needed.")
            start = first
    rows = changes.read(conn, start, types, page_size) if start <= last else []
    if len(rows) == page_size and rows:
        next_start = rows[-1][0] + 1
    else:
        next_start = max(start, last + 1)
    return soap.Unwrapped(
        queueInfo={"firstChangeId": first, "lastChangeId": last, "nextStartChangeId": next_start, "queueId": server_queue},
        changes={"change": [_change(row) for row in rows]})
