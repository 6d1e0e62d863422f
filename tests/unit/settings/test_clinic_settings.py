import pytest

from settings.clinic import SettingsError, load_clinic_settings


def test_the_shipped_clinic_file_loads():
    clinic = load_clinic_settings({})
    assert clinic.name == "Riverside Family Medicine"
    assert str(clinic.zone) == "America/New_York"
    assert len(clinic.locations) == 3 and all(loc.address for loc in clinic.locations)
    assert clinic.visit_label("telehealth") == "video visit"
    assert clinic.visit_label("unknown-type") == "unknown type"
    assert clinic.change_window_hours == 24 and clinic.verify_max_attempts == 3


def test_environment_overrides_the_file():
    clinic = load_clinic_settings(
        {"CLINIC_NAME": "Elm Street Clinic", "CHANGE_WINDOW_HOURS": "48", "VERIFY_LOCKOUT_MINUTES": "5"}
    )
    assert clinic.name == "Elm Street Clinic"
    assert clinic.change_window_hours == 48 and clinic.verify_lockout_minutes == 5


@pytest.mark.parametrize(
    ("content", "env", "message"),
    [
        ("name: X\nphone: '1'\nhours: h\ntimezone: Mars/Base\n", {}, "time zone"),
        ("phone: '1'\nhours: h\n", {}, "name"),
        ("- a list\n", {}, "mapping"),
        ("name: [unclosed\n", {}, "YAML"),
        ("name: X\nphone: '1'\nhours: h\n", {"CHANGE_WINDOW_HOURS": "soon"}, "CHANGE_WINDOW_HOURS"),
        ("name: X\nphone: '1'\nhours: h\nlocations: [{name: A}]\n", {}, "address"),
    ],
)
def test_bad_settings_say_what_is_wrong(tmp_path, content, env, message):
    path = tmp_path / "clinic.yml"
    path.write_text(content)
    with pytest.raises(SettingsError, match=message):
        load_clinic_settings({"CLINIC_CONFIG": str(path), **env})


def test_missing_file_is_named():
    with pytest.raises(SettingsError, match="cannot read"):
        load_clinic_settings({"CLINIC_CONFIG": "/nonexistent/clinic.yml"})
