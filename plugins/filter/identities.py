# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that read user IDs and other identities exactly (documented in text.yml, userids.yml,
userids_from_file.yml and lookalikes.yml): the roles use them on every input that names people."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.voiceops.cucm.plugins.module_utils import identity
from ansible_collections.voiceops.cucm.plugins.plugin_utils import exact_text


def _filter(function):
    # The results are marked unsafe: a user ID or password holding '{{' is never templated later.
    def run(*args, **kwargs):
        try:
            return wrap_var(function(*args, **kwargs))
        except ValueError as exc:
            raise AnsibleFilterError(str(exc))
    run.__name__ = function.__name__
    return run


@_filter
def text(value, field="value", secret=False):
    return exact_text.exact(value, field, secret=secret)


@_filter
def userids(value, field="user IDs", allow_empty=True):
    return exact_text.userids(value, field, allow_empty=allow_empty)


@_filter
def userids_from_file(path, field="file", allow_empty=False):
    return exact_text.userids_from_file(path, field, allow_empty=allow_empty)


def lookalikes(names, others):
    """``[name, other]`` pairs: a name of ``names`` that equals one of ``others`` except for letter case."""
    by_fold = {}
    for other in others or ():
        by_fold.setdefault(identity.fold(str(other)), []).append(str(other))
    return [[str(name), other] for name in names or () for other in by_fold.get(identity.fold(str(name)), ())
            if other != name]


class FilterModule(object):

    def filters(self):
        return {"text": text, "userids": userids, "userids_from_file": userids_from_file, "lookalikes": lookalikes}
