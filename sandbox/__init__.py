"""The sandbox EHR: an in-memory FHIR R4 server (sandbox/server.mjs, Medplum's engine) and
the synthetic data it is seeded with (sandbox.synthetic).

Only tests/ and bench/ import this package; `python -m sandbox serve` runs it by hand.
"""
