# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""voiceops.cucm.axl_changes: CUCM's change feed (AXL listChange) as Event-Driven Ansible events.

Polls CUCM's change notification queue and puts one event per change on the rulebook's queue::

    {"cucm": {"type": "Phone", "uuid": "{...}", "name": "SEP...", "action": "update",
              "changed_tags": ["services"], "values": {...}, "id": 1042, "host": "cucm.example.com"}}

and, when changes were lost (CUCM's AXL service restarted, or its bounded queue dropped changes
before they were read), one event ``{"cucm": {"resync_required": true, "reason": ..., "message": ...,
"host": ...}}``, after which it goes on from the current end of the queue.

Arguments: ``host`` (required), ``port`` (8443), ``username``, ``password`` (required), ``ca_path``,
``validate_certs`` (true), ``axl_version`` (detected when omitted), ``objects`` (change types, e.g.
``[User, Phone, DeviceProfile]``; all when omitted), ``interval`` (seconds between polls, 60),
``checkpoint_file`` (where the position in the queue is kept: after a restart the source goes on from
it, losing nothing and repeating nothing; without it, it starts from the end of the queue), ``max_backoff``
(seconds, 900), ``names`` (look the objects' names up, true).

- The checkpoint is written (atomically) after each event is put on the queue, so a restart repeats at
  most the one event whose checkpoint was not yet written. Without a checkpoint file the source starts at
  the end of the queue: changes before its start are not events.
- Throttling (HTTP 503), "Maximum AXL Memory Allocation Consumed" and connection failures are retried by
  the AXL client within its budget; when they persist, the source waits ``interval`` doubled each time (up
  to ``max_backoff``, with jitter) and tries again. It never stops on them.
- Nothing secret is logged: the password is never in a message, and changed-tag values whose name
  suggests a secret are left out of events.

The AXL client is the collection's own (``plugins/module_utils/axl.py``), imported from the collection
this file belongs to.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
short_description: Turn CUCM's change notification queue (AXL listChange) into events.
description:
  - Polls CUCM's AXL change notification queue and puts one event per change, C({"cucm" {"type", "uuid", "name",
    "action", "changed_tags", ...}}), and an event with C(resync_required) when changes were lost.
  - See docs/eda.md.
options:
  host:
    description: CUCM publisher (AXL) host name.
    type: str
    required: true
  port:
    description: AXL port.
    type: int
    default: 8443
  username:
    description: The AXL application user.
    type: str
    required: true
  password:
    description: Its password (never logged).
    type: str
    required: true
  ca_path:
    description: CA bundle (PEM) that signed CUCM's certificate.
    type: str
  validate_certs:
    description: Verify CUCM's TLS certificate.
    type: bool
    default: true
  axl_version:
    description: AXL schema version; detected when omitted.
    type: str
  objects:
    description: Change types to report (User, Phone, DeviceProfile, Line, UserGroup, IpPhoneServices, ...); all when omitted.
    type: list
    elements: str
  interval:
    description: Seconds between polls.
    type: float
    default: 60
  checkpoint_file:
    description: File that keeps the position in the queue across restarts.
    type: str
  max_backoff:
    description: Longest wait, in seconds, after repeated throttling or connection failures.
    type: float
    default: 900
  names:
    description: Look up each object's name (one SQL read per type and 200 objects).
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Repair stale phone-service URLs as soon as a subscription changes
  hosts: localhost
  sources:
    - voiceops.cucm.axl_changes:
        host: cucm-pub.example.com
        username: "{{ cucm_username }}"
        password: "{{ cucm_password }}"
        ca_path: /etc/pki/cucm-ca.pem
        objects: [Phone, DeviceProfile]
        interval: 30
        checkpoint_file: /var/lib/eda/cucm-checkpoint.json
  rules:
    - name: Subscriptions changed
      condition: event.cucm.changed_tags is defined and "services" in event.cucm.changed_tags
      action:
        debug:
"""

import asyncio
import logging
import os
import random
import sys

try:
    from ansible_collections.voiceops.cucm.plugins.module_utils import axl, changes
except ImportError:  # run from a checkout or an installed collection that is not on sys.path
    _ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), *[os.pardir] * 7))
    if os.path.isdir(os.path.join(_ROOT, "ansible_collections")):
        sys.path.insert(0, _ROOT)
    from ansible_collections.voiceops.cucm.plugins.module_utils import axl, changes

LOG = logging.getLogger("voiceops.cucm.axl_changes")
_sleep = asyncio.sleep          # tests replace it
_RETRYABLE = (axl.AxlThrottled, axl.AxlConnectionError)


def _settings(args):
    missing = [name for name in ("host", "username", "password") if not args.get(name)]
    if missing:
        raise ValueError("voiceops.cucm.axl_changes: %s required" % ", ".join(missing))
    interval = float(args.get("interval", 60))
    if interval <= 0:
        raise ValueError("voiceops.cucm.axl_changes: interval must be a positive number of seconds")
    objects = args.get("objects") or None
    if objects is not None and (not isinstance(objects, list) or not all(isinstance(o, str) and o for o in objects)):
        raise ValueError("voiceops.cucm.axl_changes: objects must be a list of change type names")
    validate = args.get("validate_certs", True)
    if isinstance(validate, str):
        validate = validate.strip().lower() not in ("false", "no", "0", "off")
    return dict(host=args["host"], port=int(args.get("port", 8443)), username=args["username"],
                password=args["password"], ca_path=args.get("ca_path"), validate_certs=bool(validate),
                axl_version=args.get("axl_version"), objects=objects, interval=interval,
                checkpoint_file=args.get("checkpoint_file"), max_backoff=float(args.get("max_backoff", 900)),
                names=bool(args.get("names", True)), batch=int(args.get("batch", 1000)))


def _client(s):
    return axl.AxlClient(s["host"], s["username"], s["password"], port=s["port"], validate_certs=s["validate_certs"],
                         ca_path=s["ca_path"], axl_version=s["axl_version"], retry_budget=min(120.0, s["interval"] * 2))


def _retryable(exc):
    return isinstance(exc, _RETRYABLE) or (isinstance(exc, axl.AxlFault) and exc.memory)


def _event(change, host):
    event = changes.public(change)
    event["host"] = host
    return {"cucm": event}


def _save(path, checkpoint):
    if path:
        changes.write_checkpoint_file(path, checkpoint)


async def _start(client, s):
    """The checkpoint to begin with: the file's, or the end of the queue."""
    checkpoint = changes.read_checkpoint_file(s["checkpoint_file"]) if s["checkpoint_file"] else None
    if checkpoint is not None:
        LOG.info("axl_changes: %s: resuming at change %s of queue %s", s["host"], checkpoint.next_change_id,
                 checkpoint.queue_id)
        return checkpoint
    found = await asyncio.to_thread(changes.changes_since, client, None)
    checkpoint = found["checkpoint"]
    _save(s["checkpoint_file"], checkpoint)
    LOG.info("axl_changes: %s: starting at the end of queue %s (change %s)", s["host"], checkpoint.queue_id,
             checkpoint.next_change_id)
    return checkpoint


async def poll_once(queue, client, s, checkpoint):
    """One poll: put the events, keep the checkpoint; returns ``(checkpoint, more)`` (``more``: the
    queue had more changes than one batch)."""
    found = await asyncio.to_thread(changes.changes_since, client, checkpoint, s["objects"], s["batch"])
    if found["resync_required"]:
        LOG.warning("axl_changes: %s: %s; a full read is needed", s["host"], found["message"])
        await queue.put({"cucm": dict(resync_required=True, reason=found["reason"], message=found["message"],
                                      host=s["host"], checkpoint=found["checkpoint"].as_dict())})
        _save(s["checkpoint_file"], found["checkpoint"])
        return found["checkpoint"], False
    if found["changes"] and s["names"]:
        await asyncio.to_thread(changes.resolve_names, client, found["changes"])
    for change in found["changes"]:
        await queue.put(_event(change, s["host"]))
        if change["id"] is not None:
            _save(s["checkpoint_file"], changes.Checkpoint(checkpoint.queue_id, change["id"] + 1))
    _save(s["checkpoint_file"], found["checkpoint"])
    if found["changes"]:
        LOG.info("axl_changes: %s: %d change(s)", s["host"], len(found["changes"]))
    return found["checkpoint"], len(found["changes"]) >= s["batch"]


async def main(queue, args):
    s = _settings(args)
    client = _client(s)
    failures = 0
    checkpoint = None
    try:
        while True:
            try:
                if checkpoint is None:
                    checkpoint = await _start(client, s)
                    more = False
                else:
                    checkpoint, more = await poll_once(queue, client, s, checkpoint)
                failures = 0
            except Exception as exc:  # pylint: disable=broad-except
                if not _retryable(exc):
                    if isinstance(exc, (axl.AxlAuthError, axl.AxlVersionError, changes.CucmError)):
                        LOG.error("axl_changes: %s: %s", s["host"], exc)
                        raise
                    LOG.warning("axl_changes: %s: %s: %s", s["host"], type(exc).__name__, exc)
                failures += 1
                client.close()
                delay = min(s["max_backoff"], s["interval"] * (2 ** min(failures, 16)))
                delay = delay / 2 + random.random() * delay / 2
                LOG.warning("axl_changes: %s: CUCM is busy or unreachable (%s); next try in %.0f s", s["host"],
                            type(exc).__name__, delay)
                await _sleep(delay)
                continue
            if not more:
                await _sleep(s["interval"])
    finally:
        client.close()


if __name__ == "__main__":
    # A quick look at a cluster's feed: python axl_changes.py HOST USER (password from CUCM_PASSWORD)
    class _Printer(object):
        async def put(self, event):
            print(event)

    logging.basicConfig(level=logging.INFO)
    asyncio.run(main(_Printer(), dict(host=sys.argv[1], username=sys.argv[2], password=os.environ.get("CUCM_PASSWORD", ""),
                                      interval=10)))
