"""The clinic's settings: one typed object, read from clinic.yml and the environment.

Both processes use it: the action server (answers, rules) and the Rasa server (channels,
reminders). The EHR connection has its own settings in ``actions/ehr/settings.py``, so that the
gateway stays a self-contained library.
"""

from .clinic import ClinicSettings, Location, SettingsError, load_clinic_settings

__all__ = ["ClinicSettings", "Location", "SettingsError", "load_clinic_settings"]
