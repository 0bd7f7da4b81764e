# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Expensive shared state is made once per pytest process, before the first test runs.

ansible-test runs every unit test in a forked child process (its ``ansible_forked`` plugin), so
a fixture, even a module- or session-scoped one, is built again for each test and thrown away
with the child.  A test module that has costly state (Cisco's compiled XSDs, running simulators)
defines ``prime()``; it is called here, in the process that forks the tests, after collection and
only for modules that have collected tests.  The children inherit what it built (the schemas) or
reach it over TCP (the simulators, served by threads of this process).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def pytest_collection_modifyitems(session, config, items):
    primed = set()
    for item in items:
        module = getattr(item, "module", None)
        prime = getattr(module, "prime", None)
        if prime is not None and module.__name__ not in primed:
            primed.add(module.__name__)
            prime()
