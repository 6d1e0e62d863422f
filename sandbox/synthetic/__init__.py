"""Deterministic synthetic data for the sandbox EHR.

    from sandbox.synthetic import generate, load
    dataset = generate(patients=500, seed=20261128)
    load("http://127.0.0.1:8080/fhir", dataset)

Everything is made by code from `random.Random(seed)` and the pools in names.py: no fixture is copied
from a real person. The conventions (billing, controlled substances, visit types, pharmacies) are in
docs/sandbox.md, section "Synthetic data"."""

from .bundle import DEFAULT_PATIENTS, DEFAULT_SEED, DEFAULT_TIMEZONE, Dataset, generate
from .cases import CASE_NAMES, Case, Cases
from .load import LoadError, load
from .model import MedicationInfo, PatientInfo

__all__ = [
    "CASE_NAMES",
    "DEFAULT_PATIENTS",
    "DEFAULT_SEED",
    "DEFAULT_TIMEZONE",
    "Case",
    "Cases",
    "Dataset",
    "LoadError",
    "MedicationInfo",
    "PatientInfo",
    "generate",
    "load",
]
