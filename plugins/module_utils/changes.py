# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""CUCM's change feed (AXL ``listChange``): changes since a checkpoint, and when a checkpoint is lost.

Shared by ``cucm_changes_info``, ``cucm_end_users state=gathered`` with a checkpoint, and the
Event-Driven Ansible source ``voiceops.cucm.axl_changes``.

A checkpoint is ``{queue_id, next_change_id}``: the queue CUCM's AXL service keeps (its ``queueId``
changes whenever the service restarts, and the queue then starts empty) and the first change not yet
seen.  The queue is bounded (100,000 changes on CUCM), so a checkpoint can also fall behind it.  Either
way changes are lost, and :func:`changes_since` says so (``resync_required`` with a ``reason``) instead
of returning what is left: the caller reads everything again and goes on from the returned checkpoint,
which was taken *before* that full read (a change made during the read shows up again, none is lost).

How a lost checkpoint shows is not fully documented: a wrong ``queueId`` gets a fault (Cisco's guide
shows it); an id the queue dropped gets "an error" (whose text is unpublished) or, possibly, an answer
that simply starts later.  So after any fault the queue is probed (a ``listChange`` without
``startChangeId``), and ``firstChangeId`` is compared with the checkpoint on every answer.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import tempfile

from ansible_collections.voiceops.cucm.plugins.module_utils import axl, sql
from ansible_collections.voiceops.cucm.plugins.module_utils.cucm import CucmError

ACTIONS = {"a": "add", "u": "update", "r": "remove"}
# The change types the collection names objects of: type -> (SQL template of pkid and name, name tag)
NAMED = {
    "User": ("select pkid, userid name from enduser where pkid in {pkids}", "userid"),
    "AppUser": ("select pkid, name from applicationuser where pkid in {pkids}", "userid"),
    "UserGroup": ("select pkid, name from dirgroup where pkid in {pkids}", "name"),
    "Phone": ("select pkid, name from device where pkid in {pkids}", "name"),
    "DeviceProfile": ("select pkid, name from device where pkid in {pkids}", "name"),
    "Line": ("select pkid, dnorpattern name from numplan where pkid in {pkids}", "pattern"),
    "IpPhoneServices": ("select pkid, name from telecasterservice where pkid in {pkids}", "serviceName"),
    "LdapDirectory": ("select pkid, name from directorypluginconfig where pkid in {pkids}", "name"),
}
NAME_CHUNK = 200
# A changed tag whose value could be a secret: the tag is reported, its value never.
SECRET_TAG = re.compile(r"(?i)password|pin$|^pin|secret|credential|digest")
_UUID = re.compile(r"^\{?([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\}?$")
REASONS = {
    "no_checkpoint": "no checkpoint was given",
    "queue_restarted": "CUCM's change queue is not the one of the checkpoint (the AXL service restarted, or the "
                       "checkpoint belongs to another cluster)",
    "changes_dropped": "CUCM's change queue dropped changes after the checkpoint (it keeps a bounded number)",
    "checkpoint_ahead": "the checkpoint is ahead of CUCM's change queue",
}


class Checkpoint(object):
    __slots__ = ("queue_id", "next_change_id")

    def __init__(self, queue_id, next_change_id):
        self.queue_id = queue_id
        self.next_change_id = int(next_change_id)

    def as_dict(self):
        return dict(queue_id=self.queue_id, next_change_id=self.next_change_id)


def parse_checkpoint(value, where="checkpoint"):
    """A checkpoint from a task's option or a file: ``{queue_id, next_change_id}``; None when empty."""
    if value in (None, "", {}):
        return None
    if not isinstance(value, dict):
        raise CucmError("%s: expected a mapping with queue_id and next_change_id, got %s" % (where, type(value).__name__))
    unknown = sorted(set(value) - set(("queue_id", "next_change_id")))
    if unknown:
        raise CucmError("%s: unknown key(s) %s (expected queue_id and next_change_id)" % (where, ", ".join(unknown)))
    queue_id = value.get("queue_id")
    next_id = value.get("next_change_id")
    if not isinstance(queue_id, str) or not queue_id.strip():
        raise CucmError("%s.queue_id: expected the queueId text a previous run returned" % where)
    if isinstance(next_id, bool) or not re.match(r"^\d+$", str(next_id if next_id is not None else "")):
        raise CucmError("%s.next_change_id: expected a whole number, got %r" % (where, next_id))
    return Checkpoint(queue_id.strip(), int(next_id))


def read_checkpoint_file(path):
    """The checkpoint kept in ``path`` (JSON); None when the file does not exist."""
    if not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except ValueError as exc:
        raise CucmError("checkpoint_file: %s is not a checkpoint written by this collection (%s); remove it to "
                        "start again from a full read" % (path, exc))
    except OSError as exc:
        raise CucmError("checkpoint_file: cannot read %s: %s" % (path, exc))
    return parse_checkpoint(data, "checkpoint_file %s" % path)


def write_checkpoint_file(path, checkpoint):
    """Write the checkpoint atomically (a temporary file in the same folder, then rename): a crash
    leaves the old checkpoint or the new one, never half of one."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise CucmError("checkpoint_file: folder %s does not exist" % folder)
    handle, temp = tempfile.mkstemp(prefix=".checkpoint-", dir=folder)
    try:
        with os.fdopen(handle, "w") as out:
            json.dump(checkpoint.as_dict(), out)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o600)
        os.rename(temp, path)
    except OSError as exc:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise CucmError("checkpoint_file: cannot write %s: %s" % (path, exc))


def braced(uuid):
    match = _UUID.match((uuid or "").strip())
    return "{%s}" % match.group(1).upper() if match else (uuid or "")


def _int(element, tag):
    text = element.findtext(tag) if element is not None else None
    return int(text) if text and re.match(r"^-?\d+$", text.strip()) else None


def _queue(response):
    info = response.find("queueInfo")
    return dict(queue_id=(info.findtext("queueId") or "").strip() if info is not None else "",
                first=_int(info, "firstChangeId"), last=_int(info, "lastChangeId"), next=_int(info, "nextStartChangeId"))


def _baseline(queue):
    """The id after the newest change of the queue: where a reader that has everything goes on."""
    if queue["last"] is not None:
        return queue["last"] + 1
    return queue["next"] or 1


def _changes(response):
    out = []
    container = response.find("changes")
    for change in (container.findall("change") if container is not None else []):
        tags = change.find("changedTags")
        names, values = [], {}
        for tag in (tags.findall("changedTag") if tags is not None else []):
            name = tag.get("name") or ""
            if name not in names:
                names.append(name)
            if not SECRET_TAG.search(name):
                values[name] = tag.text or ""
        action = (change.findtext("action") or "").strip()
        out.append(dict(id=_int(change, "id"), type=change.get("type") or "", uuid=braced(change.get("uuid")),
                        action=ACTIONS.get(action, action), do_get=(change.findtext("doGet") or "").strip() == "true",
                        changed_tags=names, values=values, name=None))
    return out


def probe(client):
    """The queue's ids without reading any change (an empty object list)."""
    return _queue(client.call("listChange", {"objectList": {"object": []}}))


def changes_since(client, checkpoint, objects=None, max_changes=None):
    """Changes since ``checkpoint`` (of the change types ``objects``, all when None), paging through
    ``listChange`` until the queue is read (or ``max_changes`` are gathered: the checkpoint then points
    at the first change not returned).

    Returns ``{changes, checkpoint, resync_required, reason, queue, requests}``; on a lost checkpoint,
    no change and the checkpoint to go on from after a full read."""
    requests = [0]

    def call(body):
        requests[0] += 1
        return client.call("listChange", body)

    object_list = {"object": list(objects)} if objects else None

    def lost(reason, queue):
        return dict(changes=[], checkpoint=Checkpoint(queue["queue_id"], _baseline(queue)), resync_required=True,
                    reason=reason, message=REASONS[reason], queue=queue, requests=requests[0])

    if checkpoint is None:
        requests[0] += 1
        return lost("no_checkpoint", probe(client))
    start, found, queue = checkpoint.next_change_id, [], None
    while True:
        try:
            response = call({"startChangeId": {"queueId": checkpoint.queue_id, "id": start}, "objectList": object_list})
        except axl.AxlFault:
            requests[0] += 1
            now = probe(client)
            if now["queue_id"] != checkpoint.queue_id:
                return lost("queue_restarted", now)
            if now["first"] is not None and start < now["first"]:
                return lost("changes_dropped", now)
            raise
        queue = _queue(response)
        if queue["queue_id"] and queue["queue_id"] != checkpoint.queue_id:
            return lost("queue_restarted", queue)
        if queue["first"] is not None and start < queue["first"]:
            return lost("changes_dropped", queue)
        if queue["last"] is not None and start > queue["last"] + 1:
            return lost("checkpoint_ahead", queue)
        page = _changes(response)
        found.extend(page)
        nxt = queue["next"] if queue["next"] is not None else start
        if max_changes and len(found) >= max_changes:
            found = found[:max_changes]
            nxt = found[-1]["id"] + 1 if found and found[-1]["id"] is not None else nxt
            break
        if nxt <= start or queue["last"] is None or nxt > queue["last"]:
            start = max(start, nxt)
            break
        start = nxt
    return dict(changes=found, checkpoint=Checkpoint(checkpoint.queue_id, max(start, nxt)), resync_required=False,
                reason=None, message=None, queue=queue, requests=requests[0])


def resolve_names(client, changes):
    """Fill each change's ``name`` (user ID, device name, pattern, ...): from the current object (one
    SQL read per type and NAME_CHUNK objects), else (a removed object) from a changed tag that carries
    it, else None.  Returns the number of requests made."""
    wanted = {}
    for change in changes:
        if change["type"] in NAMED and change["action"] != "remove":
            wanted.setdefault(change["type"], set()).add(change["uuid"])
    names, requests = {}, 0
    for kind in sorted(wanted):
        template = NAMED[kind][0]
        pkids = sorted(set(sql.Guid(u) for u in wanted[kind] if _UUID.match(u)))
        for at in range(0, len(pkids), NAME_CHUNK):
            rows = client.sql_query(sql.render(template, pkids=pkids[at:at + NAME_CHUNK]))
            requests += 1
            for row in rows:
                names[(kind, braced(row["pkid"]))] = row["name"]
    for change in changes:
        name = names.get((change["type"], change["uuid"]))
        if name is None and change["type"] in NAMED:
            name = change["values"].get(NAMED[change["type"]][1]) or None
        change["name"] = name
    return requests


def public(change):
    """A change as modules and events show it."""
    return dict((k, change[k]) for k in ("id", "type", "uuid", "name", "action", "changed_tags", "values", "do_get"))
