"""How medications, refills left and pharmacies are named to the patient."""

from __future__ import annotations

from actions.ehr import Medication, Pharmacy


def needs_care_team(medication: Medication) -> bool:
    """Controlled substances and prescriptions with no refills left need the clinician."""
    return medication.controlled or medication.refills_left == 0


def refills_note(medication: Medication) -> str:
    if medication.controlled:
        return "controlled substance: refills go through your care team"
    if medication.refills_left is None:
        return ""
    if medication.refills_left == 0:
        return "no refills left"
    return f"{medication.refills_left} refill{'s' if medication.refills_left != 1 else ''} left"


def medication_label(medication: Medication) -> str:
    note = refills_note(medication)
    return f"{medication.name} ({note})" if note else medication.name


def pharmacy_label(pharmacy: Pharmacy) -> str:
    return f"{pharmacy.name}, {pharmacy.address}" if pharmacy.address else pharmacy.name


def numbered(labels: list[str]) -> str:
    return "\n".join(f"{n}. {label}" for n, label in enumerate(labels, start=1))
