import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from actions.ehr.capabilities import read_capabilities
from actions.ehr.settings import EHRSettings, SettingsError


def statement(resources: dict[str, list[str]], system: list[str] = ()) -> CapabilityStatement:
    return CapabilityStatement.parse_obj(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": "2026-11-28",
            "kind": "instance",
            "fhirVersion": "4.0.1",
            "format": ["json"],
            "rest": [
                {
                    "mode": "server",
                    "resource": [
                        {"type": t, "interaction": [{"code": c} for c in codes]}
                        for t, codes in resources.items()
                    ],
                    "interaction": [{"code": c} for c in system],
                }
            ],
        }
    )


def test_full_read_write_server():
    caps = read_capabilities(
        statement(
            {
                "Appointment": ["read", "search-type", "create", "patch"],
                "Slot": ["read", "update"],
                "Task": ["create"],
            },
            ["transaction"],
        )
    )
    assert caps.can_book and caps.can_cancel and caps.can_request_refill
    assert caps.supports_patch and caps.supports_transaction
    assert caps.fhir_version == "4.0.1"


def test_read_only_appointments_cannot_book_or_cancel():
    # Epic's R4 Appointment: read and search only; athena: read-only everywhere.
    caps = read_capabilities(statement({"Appointment": ["read", "search-type"], "Slot": ["read"]}))
    assert not caps.can_book and not caps.can_cancel and not caps.can_request_refill
    assert not caps.supports_patch and not caps.supports_transaction


def test_booking_needs_the_slot_to_be_writable_too():
    caps = read_capabilities(statement({"Appointment": ["create", "update"], "Slot": ["read"]}))
    assert not caps.can_book
    assert caps.can_cancel


def test_settings_defaults_point_at_the_sandbox():
    settings = EHRSettings.from_env({})
    assert settings.base_url == "http://127.0.0.1:8080/fhir"
    assert settings.auth == "none"
    assert str(settings.zone) == "America/New_York"


def test_settings_read_the_environment():
    settings = EHRSettings.from_env(
        {
            "EHR_BASE_URL": "https://ehr.example.org/fhir/r4/",
            "EHR_READ_TIMEOUT": "2.5",
            "CLINIC_TIMEZONE": "America/Chicago",
            "EHR_RETRIES": "0",
        }
    )
    assert settings.base_url == "https://ehr.example.org/fhir/r4"
    assert settings.read_timeout == 2.5 and settings.retries == 0
    assert str(settings.zone) == "America/Chicago"


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"EHR_BASE_URL": "ftp://x"}, "EHR_BASE_URL"),
        ({"EHR_READ_TIMEOUT": "soon"}, "EHR_READ_TIMEOUT"),
        ({"EHR_READ_TIMEOUT": "-1"}, "EHR_READ_TIMEOUT"),
        ({"CLINIC_TIMEZONE": "Mars/Olympus"}, "CLINIC_TIMEZONE"),
        ({"EHR_AUTH": "basic"}, "EHR_AUTH"),
        ({"EHR_AUTH": "smart-backend"}, "EHR_TOKEN_URL"),
    ],
)
def test_bad_settings_name_the_variable(env, names):
    with pytest.raises(SettingsError, match=names):
        EHRSettings.from_env(env)
