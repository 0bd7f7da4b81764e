"""Generate ``plugins/module_utils/axl_schema_devices.py`` from Cisco's AXL schema (development time only).

Lines, phones and device profiles are large AXL types (``XPhone`` has about 150 elements, ``XLine``
about 60).  The collection sends a small part of them; this script reads Cisco's ``AXLSoap.xsd`` of
every supported version (``../shared/axl-schema/<version>/`` beside the project, or ``--schema-dir``)
and writes the compact specs ``module_utils/axl_schema.py`` understands for the elements listed in
``WANTED`` below: their order, type code, maximum length, whether they repeat, and the versions that
have them.  Elements a request must contain (``minOccurs`` 1, outside a choice) are added by
themselves, with the XSD's default value when it gives one; choices at the top of a request become
``CHOICES``.  ``ENUM_VALUES`` are checked to be members of the XSD's enumerations in every version.

Only these facts reach the output: no documentation, no copy of Cisco's files.  The output is
committed; ``tests/unit/plugins/module_utils/test_axl_schema_gen.py`` regenerates it from ``../shared``
and compares byte for byte.

    python3 tools/axl_schema_gen.py [--schema-dir DIR] [--check] [--output FILE]
"""

import argparse
import os
import sys

from lxml import etree

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SCHEMA_DIR = os.path.join(os.path.dirname(ROOT), "shared", "axl-schema")
OUTPUT = os.path.join(ROOT, "plugins", "module_utils", "axl_schema_devices.py")
VERSIONS = ("11.5", "12.5", "14.0", "15.0")
XS = "http://www.w3.org/2001/XMLSchema"

# compact type -> the elements the collection sends or asks for (``name:Type`` for element content;
# the XSD gives the order, the repetition and the simple types).  Lower-case keys are operations.
_LINE = ("pattern description usage routePartitionName callForwardAll:CallForwardAll callForwardBusy:CallForward "
         "callForwardBusyInt:CallForward callForwardNoAnswer:CallForward callForwardNoAnswerInt:CallForward "
         "callForwardNotRegistered:CallForward callForwardNotRegisteredInt:CallForward alertingName "
         "asciiAlertingName shareLineAppearanceCssName voiceMailProfileName")
_LINE_CHANGES = _LINE.replace("pattern ", "").replace("usage ", "")
_PHONE = ("name description product class protocol protocolSide callingSearchSpaceName devicePoolName "
          "commonPhoneConfigName locationName phoneTemplateName softkeyTemplateName userLocale ownerUserName")
_PHONE_CHANGES = ("description callingSearchSpaceName devicePoolName locationName phoneTemplateName softkeyTemplateName "
                  "userLocale ownerUserName")
_PROFILE = "name description product class protocol protocolSide phoneTemplateName softkeyTemplateName userLocale"
_PROFILE_CHANGES = "description phoneTemplateName softkeyTemplateName userLocale"
WANTED = {
    # lines
    "CallForward": "forwardToVoiceMail callingSearchSpaceName destination",
    "CallForwardAll": "forwardToVoiceMail callingSearchSpaceName secondaryCallingSearchSpaceName destination",
    "XLine": _LINE,
    "RLine": _LINE,
    "LLine": "pattern description usage routePartitionName alertingName",
    "LineSearch": "pattern description routePartitionName",
    "addLine": "line:XLine",
    "getLine": "uuid pattern routePartitionName returnedTags:RLine",
    "updateLine": "uuid pattern routePartitionName " + _LINE_CHANGES,
    "listLine": "searchCriteria:LineSearch returnedTags:LLine skip first",
    "removeLine": "uuid pattern routePartitionName",
    # the lines of a device
    "Dirn": "pattern routePartitionName",
    "DeviceLine": "index label display dirn:Dirn e164Mask",
    "DeviceLines": "line:DeviceLine",
    # phones
    "XPhone": _PHONE + " lines:DeviceLines services:ServiceList",
    "RPhone": _PHONE + " model lines:DeviceLines services:ServiceList",
    "LPhone": "name description product model protocol devicePoolName ownerUserName",
    "PhoneSearch": "name description protocol callingSearchSpaceName devicePoolName",
    "addPhone": "phone:XPhone",
    "getPhone": "name uuid returnedTags:RPhone",
    "updatePhone": "name uuid " + _PHONE_CHANGES + " removeLines lines services:ServiceList",
    "listPhone": "searchCriteria:PhoneSearch returnedTags:LPhone skip first",
    "removePhone": "name uuid",
    # device profiles (Extension Mobility)
    "XDeviceProfile": _PROFILE + " lines:DeviceLines services:ServiceList",
    "RDeviceProfile": _PROFILE + " model lines:DeviceLines services:ServiceList",
    "LDeviceProfile": "name description product model protocol",
    "ProfileSearch": "name description",
    "addDeviceProfile": "deviceProfile:XDeviceProfile",
    "getDeviceProfile": "name uuid returnedTags:RDeviceProfile",
    "updateDeviceProfile": "name uuid " + _PROFILE_CHANGES + " lines services:ServiceList",
    "listDeviceProfile": "searchCriteria:ProfileSearch returnedTags:LDeviceProfile skip first",
    "removeDeviceProfile": "name uuid",
}
# ``lines`` of an update is the same content as XPhone's (a compact type the generator infers)
INFERRED = {"lines": "DeviceLines", "removeLines": "DeviceLines"}
# hand-written compact types of axl_schema.py the generated ones refer to (not generated here)
EXTERNAL = ("ServiceList",)
# enumeration values the modules offer or send, checked against each version's XSD
ENUM_VALUES = {
    "XDeviceProtocol": ("SIP", "SCCP"),
    "XClass": ("Phone", "Device Profile"),
    "XPatternUsage": ("Device",),
    "XProduct": ("Cisco Unified Client Services Framework", "Cisco Dual Mode for iPhone", "Cisco Dual Mode for Android",
                 "Cisco Jabber for Tablet", "Cisco 7811", "Cisco 7821", "Cisco 7841", "Cisco 7861", "Cisco 8811",
                 "Cisco 8821", "Cisco 8841", "Cisco 8845", "Cisco 8851", "Cisco 8861", "Cisco 8865"),
}


def _local(tag):
    return tag.split("}", 1)[1] if "}" in tag else tag


def _children(node):
    return [c for c in node if isinstance(c.tag, str) and _local(c.tag) != "annotation"]


class Schema(object):
    """The parts of one AXLSoap.xsd the generator reads."""

    def __init__(self, path):
        root = etree.parse(path).getroot()
        self.tns = root.get("targetNamespace")
        self.complex, self.simple, self.elements = {}, {}, {}
        for child in _children(root):
            table = {"complexType": self.complex, "simpleType": self.simple, "element": self.elements}.get(_local(child.tag))
            if table is not None:
                table[child.get("name")] = child

    def content(self, ctype):
        """``[{name, node, many, required, choice}]`` of a complexType, base type first."""
        out = []
        for child in _children(ctype):
            kind = _local(child.tag)
            if kind in ("sequence", "choice"):
                self._group(child, out, False, True, ())
            elif kind == "complexContent":
                derivation = _children(child)[0]
                if _local(derivation.tag) != "extension":
                    raise SystemExit("unsupported complexContent derivation %s" % _local(derivation.tag))
                out.extend(self.content(self.complex[derivation.get("base").split(":")[-1]]))
                for part in _children(derivation):
                    if _local(part.tag) in ("sequence", "choice"):
                        self._group(part, out, False, True, ())
        return out

    def _group(self, node, out, many, required, choices):
        many = many or node.get("maxOccurs", "1") not in ("0", "1")
        is_choice = _local(node.tag) == "choice"
        required = required and not is_choice
        for index, child in enumerate(_children(node)):
            where = choices + ((id(node), index),) if is_choice else choices
            kind = _local(child.tag)
            if kind == "element":
                out.append(dict(name=child.get("name"), node=child, choices=where,
                                many=many or child.get("maxOccurs", "1") not in ("0", "1"),
                                required=required and child.get("minOccurs", "1") != "0", default=child.get("default")))
            elif kind in ("sequence", "choice"):
                self._group(child, out, many, required, where)

    def kind(self, element):
        """``(code, complexType node)``: the compact type code of an element, and its content when complex."""
        type_name = element.get("type")
        if type_name is None:
            inline = [c for c in _children(element) if _local(c.tag) in ("complexType", "simpleType")]
            if _local(inline[0].tag) == "simpleType":
                return self._simple(inline[0]), None
            return "complex", inline[0]
        prefix, _sep, name = type_name.rpartition(":")
        if element.nsmap.get(prefix or None) == XS:
            return {"string": "s", "unsignedLong": "ul"}[name], None
        if name == "XFkType":
            return "fk", None
        if name in self.complex:
            return "complex", self.complex[name]
        return {"boolean": "b", "XInteger": "i", "XUUID": "u"}.get(name) or self._simple(self.simple[name]), None

    def _simple(self, stype):
        for child in _children(stype):
            if _local(child.tag) != "restriction":
                continue                      # a union (AXL's open enumerations): a string without a length
            facet = [f for f in _children(child) if _local(f.tag) == "maxLength"]
            if facet:
                return "s" + facet[0].get("value")
            base = (child.get("base") or "").split(":")[-1]
            if base in self.simple:
                return self._simple(self.simple[base])
        return "s"

    def enumeration(self, name):
        return set(e.get("value") for e in self.simple[name].iter("{%s}enumeration" % XS))


def _spec(fields):
    return [(f.split(":")[0], f.split(":")[1] if ":" in f else None) for f in fields.split()]


class Generator(object):
    def __init__(self, schemas):
        self.schemas = schemas                  # version -> Schema
        self.types = {}                         # compact type -> [field dict]
        self.places = {}                        # compact type -> {version: complexType node}
        self.required = {}
        self.choices = {}

    def run(self):
        for name in WANTED:
            if name[0].islower():
                self._place(name, dict((v, s.complex[s.elements[name].get("type").split(":")[-1]])
                                       for v, s in self.schemas.items()))
        for name in WANTED:
            if name not in self.places:
                missing = [v for v, s in self.schemas.items() if name not in s.complex]
                if missing:
                    raise SystemExit("%s is not reached from an operation and is no XSD type in %s" % (name, missing))
                self._place(name, dict((v, s.complex[name]) for v, s in self.schemas.items()))
        return self

    def _place(self, name, nodes):
        """Build compact type ``name`` from the XSD content at ``nodes`` (version -> complexType)."""
        if name in self.places:
            if name not in self.types:
                return
            again = Generator(self.schemas)
            again._build(name, nodes)
            if again.types[name] != self.types[name]:
                raise SystemExit("%s differs between the places it is used: %s vs %s" % (name, self.types[name], again.types[name]))
            return
        self.places[name] = nodes
        self._build(name, nodes)

    def _build(self, name, nodes):
        wanted = dict(_spec(WANTED[name]))
        contents = dict((v, self.schemas[v].content(node)) for v, node in nodes.items())
        order = []
        for version in reversed(VERSIONS):
            for element in contents[version]:
                keep = element["name"] in wanted or element["required"]
                if keep and element["name"] not in order:
                    order.append(element["name"])
        unknown = set(wanted) - set(order)
        if unknown:
            raise SystemExit("%s: no element %s in any version" % (name, sorted(unknown)))
        for version in VERSIONS:        # every version orders the kept elements the same way
            names = [e["name"] for e in contents[version] if e["name"] in order]
            if names != sorted(names, key=order.index):
                raise SystemExit("%s: element order differs in %s" % (name, version))
        fields, required, pairs = [], [], set()
        for field in order:
            per_version = {}
            for version in VERSIONS:
                element = next((e for e in contents[version] if e["name"] == field), None)
                if element is not None:
                    code, node = self.schemas[version].kind(element["node"])
                    per_version[version] = (element, code, node)
            present = [v for v in VERSIONS if v in per_version]
            if present != list(VERSIONS[VERSIONS.index(present[0]):VERSIONS.index(present[-1]) + 1]):
                raise SystemExit("%s/%s: present in %s, not a range of versions" % (name, field, present))
            codes = set((c, e["many"]) for e, c, _n in per_version.values())
            if len(codes) != 1:
                raise SystemExit("%s/%s: the type differs between versions: %s" % (name, field, sorted(codes)))
            code, many = codes.pop()
            if code == "complex":
                nested = wanted.get(field) or INFERRED.get(field)
                if not nested:
                    raise SystemExit("%s/%s has element content: name its compact type" % (name, field))
                if nested not in EXTERNAL:
                    self._place(nested, dict((v, n) for v, (_e, _c, n) in per_version.items()))
                code = nested
            elif wanted.get(field):
                raise SystemExit("%s/%s is a simple element, not %s" % (name, field, wanted[field]))
            if any(e["required"] for e, _c, _n in per_version.values()):
                defaults = set(e["default"] for e, _c, _n in per_version.values())
                if len(defaults) != 1:
                    raise SystemExit("%s/%s: the default differs between versions" % (name, field))
                required.append((field, defaults.pop()))
            spec = field + ("" if code == "s" else ":" + code) + ("*" if many else "")
            if present[0] != VERSIONS[0]:
                spec += "@" + present[0]
            if present[-1] != VERSIONS[-1]:
                spec += "!" + VERSIONS[VERSIONS.index(present[-1]) + 1]
            fields.append(spec)
            for other in order[:order.index(field)]:
                for version, (element, _c, _n) in per_version.items():
                    mine = dict(element["choices"])
                    them = next((e for e in contents[version] if e["name"] == other), None)
                    if them and any(c in mine and mine[c] != b for c, b in them["choices"]):
                        pairs.add((other, field))
        self.types[name] = fields
        if required:
            self.required[name] = tuple(required)
        if pairs and name[0].islower():
            self.choices[name] = tuple(sorted(pairs, key=lambda p: (order.index(p[0]), order.index(p[1]))))
        elif pairs:
            raise SystemExit("%s: a choice inside a nested type (%s): the serializer guards only requests" % (name, pairs))

    def enums(self):
        out = {}
        for name, values in sorted(ENUM_VALUES.items()):
            for version, schema in self.schemas.items():
                missing = set(values) - schema.enumeration(name)
                if missing:
                    raise SystemExit("%s: %s not in AXL %s" % (name, sorted(missing), version))
            out[name] = values
        return out


HEADER = '''# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compact AXL request schema of lines, phones and device profiles: GENERATED, do not edit.

Written by ``tools/axl_schema_gen.py`` from Cisco's AXLSoap.xsd of AXL %s (element names,
order, types, lengths and versions of the elements the collection uses; nothing else).  Run
``python3 tools/axl_schema_gen.py`` after changing its ``WANTED`` list.  ``axl_schema`` merges
``TYPES`` and ``CHOICES``; ``REQUIRED`` lists the elements a type must contain (with the XSD's
default, or None), which the serializer fills in when a request leaves them out; ``ENUMS`` holds
enumeration values checked to exist in every version.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

'''


def _wrap(prefix, words, indent=8, width=118):
    lines, line = [], ""
    for word in words:
        if line and len(" " * indent + line + " " + word) + 2 > width:
            lines.append(line + " ")
            line = word
        else:
            line = (line + " " + word) if line else word
    lines.append(line)
    if len(lines) == 1 and len(prefix) + len(lines[0]) + 4 <= width:
        return '%s"%s",\n' % (prefix, lines[0])
    return prefix + "(\n" + "".join(" " * indent + '"%s"\n' % part for part in lines) + " " * (indent - 4) + "),\n"


def render(generator):
    out = [HEADER % ", ".join(VERSIONS), "TYPES = {\n"]
    for name in WANTED:
        out.append(_wrap('    "%s": ' % name, generator.types[name]))
    out.append("}\n\nCHOICES = {\n")
    for name in WANTED:
        if name in generator.choices:
            out.append('    "%s": %r,\n' % (name, generator.choices[name]))
    out.append("}\n\nREQUIRED = {\n")
    for name in WANTED:
        if name in generator.required:
            out.append('    "%s": (\n' % name)
            out.extend("        %r,\n" % (item,) for item in generator.required[name])
            out.append("    ),\n")
    out.append("}\n\nENUMS = {\n")
    for name, values in generator.enums().items():
        out.append('    "%s": (\n' % name)
        out.extend("        %r,\n" % v for v in values)
        out.append("    ),\n")
    out.append("}\n")
    return "".join(out)


def generate(schema_dir):
    schemas = {}
    for version in VERSIONS:
        path = os.path.join(schema_dir, version, "AXLSoap.xsd")
        if not os.path.isfile(path):
            raise SystemExit("axl_schema_gen: %s does not exist" % path)
        schemas[version] = Schema(path)
    return render(Generator(schemas).run())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--schema-dir", default=DEFAULT_SCHEMA_DIR, help="folder of <version>/AXLSoap.xsd")
    parser.add_argument("--output", default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="fail when the committed output differs")
    args = parser.parse_args(argv)
    text = generate(args.schema_dir)
    if args.check:
        with open(args.output, encoding="utf-8") as handle:
            if handle.read() != text:
                print("%s is not what %s generates; run it again" % (args.output, __file__), file=sys.stderr)
                return 1
        return 0
    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write(text)
    print("wrote %s" % args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
