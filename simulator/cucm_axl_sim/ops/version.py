"""getCCMVersion."""

from . import operation

# A full build string per served version, in the format CUCM's getCCMVersion reports: real answers read
# "11.5.1.14900(11)" (a Go client's test fixtures) and "14.0.1.11900(132)" (a Python client's fixture).
# 12.5 and 15.0 use their first releases' build numbers (12.5.1.10000-22, 15.0.1.10000-32) in that format.
BUILDS = {"11.5": "11.5.1.14900(11)", "12.5": "12.5.1.10000(22)", "14.0": "14.0.1.11900(132)",
          "15.0": "15.0.1.10000(32)"}


@operation("getCCMVersion")
def get_ccm_version(req):
    return {"componentVersion": {"version": BUILDS[req.server.config.axl_version]}}
