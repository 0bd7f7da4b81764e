"""The conformance kit (``cucm-axl-sim conformance``): the simulator's own probe suite, run against a
lab cluster and against a simulator of the same release, with a report of where they differ and a
transcript of the cluster's answers that the test suite replays.  See docs/conformance.md.

- :mod:`.client`: a raw AXL client that hides nothing (status, reason, body as they came);
- :mod:`.probes`: the probes (data + small functions), discovery, mirroring, the scratch sweep;
- :mod:`.report`: normalising, redacting, writing report.md / report.json / transcript.json;
- :mod:`.kit`: the command line, the runs (live and replay), the kit's own simulator.
"""
