"""The errors the EHR gateway raises, and only these.

Every failure of a call to the EHR ends as one of these types, raised from the
gateway's single request chokepoint (or from auth, for the token endpoint)::

    EHRError
     ├── EHRUnavailable        transport error, 5xx, 429 after retries: try later
     │    └── EHRTimeout        connect or read timeout
     ├── EHRUnauthorized       401/403 from the EHR, or the token endpoint refused us
     ├── NotFound              404/410, or a read that found nothing
     ├── Ambiguous             more than one record where the caller needs exactly one
     ├── VersionConflict       409/412: the resource changed under us (a slot taken meanwhile)
     ├── Rejected              any other 4xx; carries the server's OperationOutcome issues
     ├── BadResponse           the EHR answered something that is not the FHIR we asked for
     └── NotSupported          the EHR's CapabilityStatement does not allow this operation

Messages never carry PHI: they name the operation, the status and the issue
codes, never a name, a birth date, a phone number or a resource body. The
server's own diagnostics are kept on ``issues`` for callers that need them, and
left out of ``str()`` because servers echo the values they were sent.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One OperationOutcome.issue, reduced to what a caller can act on."""

    severity: str
    code: str
    diagnostics: str | None = None


class EHRError(Exception):
    """Base of every error the gateway raises."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        issues: tuple[Issue, ...] = (),
    ) -> None:
        self.status = status
        self.issues = issues
        codes = ",".join(issue.code for issue in issues)
        parts = [message]
        if status is not None:
            parts.append(f"status={status}")
        if codes:
            parts.append(f"issues={codes}")
        super().__init__(" ".join(parts))


class EHRUnavailable(EHRError):
    """The EHR could not be reached or is failing; the same call may work later."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class EHRTimeout(EHRUnavailable):
    """The EHR did not connect or answer within the configured timeout."""


class EHRUnauthorized(EHRError):
    """The EHR or its token endpoint refused our credentials."""


class NotFound(EHRError):
    """The resource does not exist (or no longer does)."""


class Ambiguous(EHRError):
    """More than one record matched where exactly one was needed."""


class VersionConflict(EHRError):
    """The resource changed since we read it (HTTP 409 or 412)."""


class Rejected(EHRError):
    """The EHR refused the request (a 4xx other than the above)."""


class BadResponse(EHRError):
    """The EHR answered with something that is not valid FHIR of the expected type."""


class NotSupported(EHRError):
    """The EHR does not offer this operation over its API."""
