"""Strict mode (``--validate-with DIR``): check every request against a Cisco AXL schema folder.

``DIR`` is the ``schema/<version>`` folder of the AXL toolkit a user downloads from their own
cluster (it holds ``AXLSoap.xsd``).  A request of that schema's version that the schema rejects
(an element out of order, too long, missing, unknown) is answered with a SOAP Client fault, as
CUCM does.  Requests of other versions pass unchecked.
"""

import copy
import os

from lxml import etree


def load(schema_dir):
    path = os.path.join(schema_dir, "AXLSoap.xsd")
    if not os.path.exists(path):
        raise SystemExit(f"cucm-axl-sim: --validate-with: {path} does not exist")
    document = etree.parse(path)
    target = document.getroot().get("targetNamespace")
    schema = etree.XMLSchema(document)

    def validate(element, namespace):
        if namespace != target:
            return None
        if schema.validate(copy.deepcopy(element)):
            return None
        return "; ".join(f"{e.message}" for e in schema.error_log)

    validate.target_namespace = target
    return validate
