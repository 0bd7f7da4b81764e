# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.cucm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compact AXL request schema of lines, phones and device profiles: GENERATED, do not edit.

Written by ``tools/axl_schema_gen.py`` from Cisco's AXLSoap.xsd of AXL 11.5, 12.5, 14.0, 15.0 (element names,
order, types, lengths and versions of the elements the collection uses; nothing else).  Run
``python3 tools/axl_schema_gen.py`` after changing its ``WANTED`` list.  ``axl_schema`` merges
``TYPES`` and ``CHOICES``; ``REQUIRED`` lists the elements a type must contain (with the XSD's
default, or None), which the serializer fills in when a request leaves them out; ``ENUMS`` holds
enumeration values checked to exist in every version.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

TYPES = {
    "CallForward": "forwardToVoiceMail:b callingSearchSpaceName:fk destination:s50",
    "CallForwardAll": (
        "forwardToVoiceMail:b callingSearchSpaceName:fk secondaryCallingSearchSpaceName:fk destination:s50"
    ),
    "XLine": (
        "pattern description usage routePartitionName:fk callForwardAll:CallForwardAll callForwardBusy:CallForward "
        "callForwardBusyInt:CallForward callForwardNoAnswer:CallForward callForwardNoAnswerInt:CallForward "
        "callForwardNotRegistered:CallForward callForwardNotRegisteredInt:CallForward alertingName:s50 "
        "asciiAlertingName:s32 shareLineAppearanceCssName:fk voiceMailProfileName:fk"
    ),
    "RLine": (
        "pattern description usage routePartitionName:fk callForwardAll:CallForwardAll callForwardBusy:CallForward "
        "callForwardBusyInt:CallForward callForwardNoAnswer:CallForward callForwardNoAnswerInt:CallForward "
        "callForwardNotRegistered:CallForward callForwardNotRegisteredInt:CallForward alertingName:s50 "
        "asciiAlertingName:s32 shareLineAppearanceCssName:fk voiceMailProfileName:fk"
    ),
    "LLine": "pattern description usage routePartitionName:fk alertingName:s50",
    "LineSearch": "pattern description routePartitionName",
    "addLine": "line:XLine",
    "getLine": "uuid:u pattern routePartitionName:fk returnedTags:RLine",
    "updateLine": (
        "uuid:u pattern routePartitionName:fk description callForwardAll:CallForwardAll callForwardBusy:CallForward "
        "callForwardBusyInt:CallForward callForwardNoAnswer:CallForward callForwardNoAnswerInt:CallForward "
        "callForwardNotRegistered:CallForward callForwardNotRegisteredInt:CallForward alertingName:s50 "
        "asciiAlertingName:s32 shareLineAppearanceCssName:fk voiceMailProfileName:fk"
    ),
    "listLine": "searchCriteria:LineSearch returnedTags:LLine skip:ul first:ul",
    "removeLine": "uuid:u pattern routePartitionName:fk",
    "Dirn": "pattern routePartitionName:fk",
    "DeviceLine": "index:i label:s50 display:s50 dirn:Dirn e164Mask:s255",
    "DeviceLines": "line:DeviceLine*",
    "XPhone": (
        "name:s128 description:s128 product class protocol protocolSide callingSearchSpaceName:fk devicePoolName:fk "
        "commonPhoneConfigName:fk locationName:fk useTrustedRelayPoint lines:DeviceLines phoneTemplateName:fk "
        "primaryPhoneName:fk userLocale services:ServiceList softkeyTemplateName:fk builtInBridgeStatus "
        "ownerUserName:fk packetCaptureMode certificateOperation deviceMobilityMode"
    ),
    "RPhone": (
        "name:s128 description:s128 product model class protocol protocolSide callingSearchSpaceName:fk "
        "devicePoolName:fk commonPhoneConfigName:fk locationName:fk lines:DeviceLines phoneTemplateName:fk userLocale "
        "services:ServiceList softkeyTemplateName:fk ownerUserName:fk"
    ),
    "LPhone": "name:s128 description:s128 product model protocol devicePoolName:fk ownerUserName:fk",
    "PhoneSearch": "name description protocol callingSearchSpaceName devicePoolName",
    "addPhone": "phone:XPhone",
    "getPhone": "name:s100 uuid:u returnedTags:RPhone",
    "updatePhone": (
        "name:s100 uuid:u description:s128 callingSearchSpaceName:fk devicePoolName:fk locationName:fk "
        "removeLines:DeviceLines lines:DeviceLines phoneTemplateName:fk userLocale services:ServiceList "
        "softkeyTemplateName:fk ownerUserName:fk"
    ),
    "listPhone": "searchCriteria:PhoneSearch returnedTags:LPhone skip:ul first:ul",
    "removePhone": "name:s100 uuid:u",
    "XDeviceProfile": (
        "name:s128 description:s128 product class protocol protocolSide lines:DeviceLines phoneTemplateName:fk "
        "userLocale softkeyTemplateName:fk services:ServiceList"
    ),
    "RDeviceProfile": (
        "name:s128 description:s128 product model class protocol protocolSide lines:DeviceLines phoneTemplateName:fk "
        "userLocale softkeyTemplateName:fk services:ServiceList"
    ),
    "LDeviceProfile": "name:s128 description:s128 product model protocol",
    "ProfileSearch": "name description",
    "addDeviceProfile": "deviceProfile:XDeviceProfile",
    "getDeviceProfile": "name:s100 uuid:u returnedTags:RDeviceProfile",
    "updateDeviceProfile": (
        "name:s100 uuid:u description:s128 lines:DeviceLines phoneTemplateName:fk userLocale softkeyTemplateName:fk "
        "services:ServiceList"
    ),
    "listDeviceProfile": "searchCriteria:ProfileSearch returnedTags:LDeviceProfile skip:ul first:ul",
    "removeDeviceProfile": "name:s100 uuid:u",
}

CHOICES = {
    "getLine": (('uuid', 'pattern'), ('uuid', 'routePartitionName')),
    "updateLine": (('uuid', 'pattern'), ('uuid', 'routePartitionName')),
    "removeLine": (('uuid', 'pattern'), ('uuid', 'routePartitionName')),
    "getPhone": (('name', 'uuid'),),
    "updatePhone": (('name', 'uuid'), ('removeLines', 'lines')),
    "removePhone": (('name', 'uuid'),),
    "getDeviceProfile": (('name', 'uuid'),),
    "updateDeviceProfile": (('name', 'uuid'),),
    "removeDeviceProfile": (('name', 'uuid'),),
}

REQUIRED = {
    "CallForward": (
        ('callingSearchSpaceName', None),
    ),
    "CallForwardAll": (
        ('callingSearchSpaceName', None),
        ('secondaryCallingSearchSpaceName', None),
    ),
    "XLine": (
        ('pattern', None),
        ('usage', None),
    ),
    "addLine": (
        ('line', None),
    ),
    "listLine": (
        ('searchCriteria', None),
        ('returnedTags', None),
    ),
    "Dirn": (
        ('pattern', None),
        ('routePartitionName', None),
    ),
    "DeviceLine": (
        ('index', None),
        ('dirn', None),
    ),
    "XPhone": (
        ('name', None),
        ('product', None),
        ('class', None),
        ('protocol', None),
        ('protocolSide', 'User'),
        ('devicePoolName', None),
        ('commonPhoneConfigName', None),
        ('locationName', None),
        ('useTrustedRelayPoint', 'Default'),
        ('phoneTemplateName', None),
        ('primaryPhoneName', None),
        ('builtInBridgeStatus', 'Default'),
        ('packetCaptureMode', 'None'),
        ('certificateOperation', 'No Pending Operation'),
        ('deviceMobilityMode', 'Default'),
    ),
    "addPhone": (
        ('phone', None),
    ),
    "listPhone": (
        ('searchCriteria', None),
        ('returnedTags', None),
    ),
    "XDeviceProfile": (
        ('name', None),
        ('product', None),
        ('class', None),
        ('protocol', None),
        ('protocolSide', 'User'),
        ('phoneTemplateName', None),
    ),
    "addDeviceProfile": (
        ('deviceProfile', None),
    ),
    "listDeviceProfile": (
        ('searchCriteria', None),
        ('returnedTags', None),
    ),
}

ENUMS = {
    "XClass": (
        'Phone',
        'Device Profile',
    ),
    "XDeviceProtocol": (
        'SIP',
        'SCCP',
    ),
    "XPatternUsage": (
        'Device',
    ),
    "XProduct": (
        'Cisco Unified Client Services Framework',
        'Cisco Dual Mode for iPhone',
        'Cisco Dual Mode for Android',
        'Cisco Jabber for Tablet',
        'Cisco 7811',
        'Cisco 7821',
        'Cisco 7841',
        'Cisco 7861',
        'Cisco 8811',
        'Cisco 8821',
        'Cisco 8841',
        'Cisco 8845',
        'Cisco 8851',
        'Cisco 8861',
        'Cisco 8865',
    ),
}
