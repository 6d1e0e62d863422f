"""load(): POST each transaction Bundle to a FHIR server, in order."""

from __future__ import annotations

from typing import Any

import httpx

FHIR_JSON = "application/fhir+json"


class LoadError(RuntimeError):
    """A Bundle was refused. The message carries the HTTP status and the OperationOutcome summary."""

    def __init__(self, index: int, status: int, summary: str) -> None:
        super().__init__(f"bundle {index} was refused with HTTP {status}: {summary}")
        self.index = index
        self.status = status
        self.summary = summary


def outcome_summary(response: httpx.Response) -> str:
    try:
        body: Any = response.json()
    except ValueError:
        return response.text[:500] or response.reason_phrase
    if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
        parts = []
        for issue in body.get("issue", [])[:10]:
            text = (
                issue.get("diagnostics") or (issue.get("details") or {}).get("text") or issue.get("code", "")
            )
            where = ", ".join(issue.get("expression", []) or issue.get("location", []) or [])
            parts.append(f"{issue.get('severity', 'error')}: {text}" + (f" (at {where})" if where else ""))
        return "; ".join(parts) or "OperationOutcome without issues"
    return str(body)[:500]


def _entry_failures(body: Any) -> list[str]:
    """A server that runs a transaction as a batch answers 200 with per-entry statuses."""
    failures = []
    if isinstance(body, dict) and body.get("resourceType") == "Bundle":
        for n, entry in enumerate(body.get("entry") or []):
            response = (entry or {}).get("response") or {}
            status = str(response.get("status", ""))
            if status and not status.startswith("2"):
                issue = ((response.get("outcome") or {}).get("issue") or [{}])[0]
                text = issue.get("diagnostics") or (issue.get("details") or {}).get("text", "")
                failures.append(f"entry {n}: {status} {text}")
    return failures


def load(base_url: str, dataset: Any, *, client: httpx.Client | None = None) -> None:
    """POST every Bundle of `dataset` to `base_url` (the FHIR base, e.g. http://127.0.0.1:8080/fhir).

    Raises LoadError on the first non-2xx answer, or on a 2xx batch answer with a failed entry."""
    own = client is None
    http = client or httpx.Client(timeout=httpx.Timeout(120.0, connect=10.0))
    url = base_url.rstrip("/")
    headers = {"Content-Type": FHIR_JSON, "Accept": FHIR_JSON}
    try:
        for index, bundle in enumerate(dataset.bundles):
            response = http.post(url, json=bundle, headers=headers)
            if not response.is_success:
                raise LoadError(index, response.status_code, outcome_summary(response))
            try:
                failures = _entry_failures(response.json())
            except ValueError:
                failures = []
            if failures:
                raise LoadError(index, response.status_code, "; ".join(failures[:10]))
    finally:
        if own:
            http.close()
