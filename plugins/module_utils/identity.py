# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the collection reads and compares the texts that identify people and objects.

User IDs, group and role names, PINs, passwords and extensions are text, compared exactly as
CUCM's database compares them: character by character, case included (Informix's default; the
public record shows nothing case-insensitive for ``enduser.userid``, ``dirgroup.name`` or
``functionrole.name``).  Exact comparison alone would let a near-miss create a second object that
looks like the first, so the collection also:

- takes such values as text only: a number (what YAML makes of unquoted digits, ``0042`` becoming
  34) is refused, naming the field, with "quote it";
- refuses text that reads the same as other text: control and invisible (format) characters,
  spaces other than the ordinary one, leading or trailing blanks, and text not in Unicode's
  composed form (NFC);
- before creating an object, refuses a name that equals an existing one except for letter case
  (see :func:`fold`), instead of creating a shadow of it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import unicodedata

# General categories that are invisible or read as something else: other/format/surrogate/private/
# unassigned characters, and line/paragraph separators.  Spaces (Zs) other than U+0020 are refused too.
_REFUSED_CATEGORIES = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def problem(text):
    """Why ``text`` cannot identify anything (a short reason), or None when it can."""
    for char in text:
        category = unicodedata.category(char)
        if category in _REFUSED_CATEGORIES or (category == "Zs" and char != " "):
            return "contains the invisible or look-alike character U+%04X (%s)" % (
                ord(char), unicodedata.name(char, "unnamed").lower())
    if text != text.strip(" "):
        return "has a leading or trailing blank"
    if unicodedata.normalize("NFC", text) != text:
        return "is not in Unicode's composed form (NFC); type it again or normalise it"
    return None


def fold(text):
    """The key under which two names count as look-alikes (letter case ignored)."""
    return unicodedata.normalize("NFC", text).casefold()


def number_problem(value, shown=True):
    """Why ``value``, given where text is expected, is refused (None for text and None); ``shown``
    False keeps a secret's value out of the message."""
    if value is None or isinstance(value, str):
        return None
    what = repr(value) if shown else "(hidden)"
    if isinstance(value, bool):
        return "got the boolean %s where text is expected (YAML reads unquoted yes/no/true/false as booleans); " \
               "quote it" % what
    if isinstance(value, (int, float)):
        return "got the number %s where text is expected: YAML reads unquoted digits as a number and may have " \
               "changed them (0042 becomes 34, 1_000 becomes 1000); quote it, e.g. '0042'" % what
    return None


# ---------------------------------------------------------------------------------- files read exactly
_TEXT_LOADER = []


def text_loader():
    """A YAML loader in which numbers and dates stay the text written (``userid: 0042`` is '0042',
    ``pin: 0123`` is '0123'); booleans and nulls keep their meaning.  Typed options convert the text
    themselves.  (PyYAML is imported here, not at module start: most tasks never read a file.)"""
    if not _TEXT_LOADER:
        import yaml

        class TextLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            pass

        for tag in ("int", "float", "timestamp"):
            TextLoader.add_constructor("tag:yaml.org,2002:" + tag, TextLoader.construct_scalar)
        _TEXT_LOADER.append(TextLoader)
    return _TEXT_LOADER[0]


def load_text(handle, ext):
    """A JSON or YAML document, numbers kept as the text written (JSON numbers too).  Raises ValueError
    (JSON) or yaml.YAMLError."""
    if ext == ".json":
        return json.load(handle, parse_int=str, parse_float=str, parse_constant=str)
    import yaml
    return yaml.load(handle, Loader=text_loader())
