"""Frontdesk's EHR gateway: the only code that speaks FHIR.

Import from here; the modules behind it are private to the package::

    from actions.ehr import FhirGateway, EHRSettings, EHRError

It imports nothing of Rasa, of ``bot/`` or of the other action modules.
"""

from .callbacks import CallbackRequest, OpenCallback
from .domain import (
    Allergy,
    Appointment,
    Balance,
    Capabilities,
    Clinician,
    Condition,
    CoverageInfo,
    DueAppointment,
    Medication,
    Money,
    Patient,
    Payment,
    Pharmacy,
    Place,
    RefillRequest,
    Slot,
    Statement,
)
from .errors import (
    Ambiguous,
    BadResponse,
    EHRError,
    EHRTimeout,
    EHRUnauthorized,
    EHRUnavailable,
    Issue,
    NotFound,
    NotSupported,
    Rejected,
    VersionConflict,
)
from .gateway import FhirGateway
from .protocol import EHRGateway
from .settings import EHRSettings, SettingsError

__all__ = [
    "Allergy",
    "Ambiguous",
    "Appointment",
    "BadResponse",
    "Balance",
    "CallbackRequest",
    "Capabilities",
    "Clinician",
    "Condition",
    "CoverageInfo",
    "DueAppointment",
    "EHRError",
    "EHRGateway",
    "EHRSettings",
    "EHRTimeout",
    "EHRUnauthorized",
    "EHRUnavailable",
    "FhirGateway",
    "Issue",
    "Medication",
    "Money",
    "NotFound",
    "NotSupported",
    "OpenCallback",
    "Patient",
    "Payment",
    "Pharmacy",
    "Place",
    "RefillRequest",
    "Rejected",
    "SettingsError",
    "Slot",
    "Statement",
    "VersionConflict",
]
