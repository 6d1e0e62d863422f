from datetime import date

import pytest
from fhir.resources.R4B.patient import Patient as FhirPatient

from actions.ehr.domain import Patient
from actions.ehr.patients import names_match, to_patient


def fhir_patient(**overrides) -> FhirPatient:
    data = {
        "resourceType": "Patient",
        "id": "p1",
        "name": [
            {"use": "usual", "given": ["Pepe"], "family": "Núñez"},
            {"use": "official", "given": ["José", "Luis"], "family": "Núñez"},
        ],
        "birthDate": "1980-03-04",
        "telecom": [
            {"system": "email", "value": "synthetic@example.org"},
            {"system": "phone", "value": "(617) 555-0142"},
            {"system": "phone", "value": "617.555.0142"},
        ],
        "identifier": [
            {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "900-12-3456"},
            {
                "type": {
                    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]
                },
                "system": "https://frontdesk.dev/sandbox/mrn",
                "value": "MRN0001",
            },
        ],
        "address": [{"line": ["1 Main St"], "city": "Boston", "state": "MA", "postalCode": "02110"}],
        "communication": [{"language": {"coding": [{"code": "es"}]}, "preferred": True}],
    }
    data.update(overrides)
    return FhirPatient.parse_obj(data)


def test_to_patient_reads_identifiers_and_normalises_phones():
    patient = to_patient(fhir_patient())
    assert patient.id == "p1"
    assert (patient.given_name, patient.family_name) == ("José Luis", "Núñez")  # official name wins
    assert patient.birth_date == date(1980, 3, 4)
    assert patient.phones == ("+16175550142",)  # one number, stored twice in two spellings
    assert patient.mrn == "MRN0001"
    assert patient.ssn_last4 == "3456"
    assert patient.postal_code == "02110"
    assert patient.language == "es"
    assert patient.deceased is False


def test_deceased_patient_is_marked():
    assert to_patient(fhir_patient(deceasedDateTime="2024-05-01")).deceased
    assert to_patient(fhir_patient(deceasedBoolean=True)).deceased


def test_patient_repr_names_no_one():
    text = repr(to_patient(fhir_patient()))
    for phi in ("José", "Núñez", "1980", "0142", "MRN0001", "3456", "02110"):
        assert phi not in text
    assert "p1" in text


def patient(given: str, family: str) -> Patient:
    return Patient(id="x", given_name=given, family_name=family, birth_date=date(1990, 1, 1))


@pytest.mark.parametrize(
    ("on_file", "typed"),
    [
        (("José Luis", "Núñez"), ("jose", "nunez")),
        (("José Luis", "Núñez"), ("José Luis", "Núñez")),
        (("Siobhan", "O'Brien"), ("siobhan", "obrien")),
        (("Mary-Kate", "Smith-Jones"), ("Mary Kate", "smith jones")),
        (("Zoë", "Lefèvre"), ("ZOE", "LEFEVRE")),
    ],
)
def test_names_match_ignoring_case_accents_and_punctuation(on_file, typed):
    assert names_match(patient(*on_file), *typed)


@pytest.mark.parametrize(
    ("on_file", "typed"),
    [
        (("José Luis", "Núñez"), ("luis", "nunez")),  # a middle name alone is not enough
        (("José", "Núñez"), ("jose", "nune")),
        (("José", "Núñez"), ("", "nunez")),
        (("Ann", "Lee"), ("anne", "lee")),
    ],
)
def test_names_do_not_match_loosely(on_file, typed):
    assert not names_match(patient(*on_file), *typed)
