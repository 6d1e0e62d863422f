"""The one place that talks HTTP to the EHR.

Every request goes through ``FhirClient.request``: it applies the timeouts,
retries idempotent reads on transport errors, 429 and 502-504 (honouring
Retry-After), maps every status to the error tree of ``errors.py``, and turns
the body into ``fhir.resources`` models. Searches follow ``next`` links only
while they stay under the base URL.

Logs carry the method, the resource type, the status and the time taken;
never a query string or a body, which would name the patient.

Observers registered with ``observe.add_request_observer`` hear of every request once it is
over (retries included), by operation, outcome and seconds; the action server counts them for
``/metrics`` (``observe.py``).
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, cast
from urllib.parse import urlsplit

import httpx
from fhir.resources.R4B import construct_fhir_element
from pydantic import ValidationError

from .errors import (
    BadResponse,
    EHRError,
    EHRTimeout,
    EHRUnauthorized,
    EHRUnavailable,
    Issue,
    NotFound,
    Rejected,
    VersionConflict,
)
from .observe import OTHER, SUCCESS, operation_of, tell_observers, watched

log = logging.getLogger("frontdesk.ehr")

FHIR_JSON = "application/fhir+json"
JSON_PATCH = "application/json-patch+json"
RETRYABLE_STATUS = frozenset({429, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD"})

Params = Mapping[str, str] | list[tuple[str, str]]
Sleep = Callable[[float], Awaitable[None]]


class FhirClient:
    """A FHIR R4 REST client over one long-lived ``httpx.AsyncClient``."""

    def __init__(
        self,
        base_url: str,
        http: httpx.AsyncClient,
        *,
        retries: int = 2,
        max_retry_wait: float = 5.0,
        max_pages: int = 20,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        _quiet_http_loggers()
        self.base_url = base_url.rstrip("/")
        self._base = urlsplit(self.base_url)
        self._http = http
        self._retries = retries
        self._max_retry_wait = max_retry_wait
        self._max_pages = max_pages
        self._sleep = sleep

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- the chokepoint --------------------------------------------------

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Params | None = None,
        body: Any = None,
        content_type: str = FHIR_JSON,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request (with retries when it is safe) and return a 2xx response.

        ``url`` is relative to the base URL, or an absolute URL under it.
        """
        if not watched():
            return await self._request(method, url, params, body, content_type, headers)
        started = time.perf_counter()
        outcome = OTHER
        try:
            response = await self._request(method, url, params, body, content_type, headers)
            outcome = SUCCESS
            return response
        except EHRError as error:
            outcome = type(error).__name__
            raise
        finally:
            tell_observers(self._operation(method, url), outcome, time.perf_counter() - started)

    async def _request(
        self,
        method: str,
        url: str,
        params: Params | None,
        body: Any,
        content_type: str,
        headers: dict[str, str] | None,
    ) -> httpx.Response:
        target = self._resolve(url)
        label = self._label(method, target)
        send_headers = {"Accept": FHIR_JSON, **(headers or {})}
        content: bytes | None = None
        if body is not None:
            content = json.dumps(body, separators=(",", ":")).encode()
            send_headers["Content-Type"] = content_type
        attempts = 1 + (self._retries if method in IDEMPOTENT_METHODS else 0)
        for attempt in range(1, attempts + 1):
            started = time.perf_counter()
            try:
                response = await self._http.request(
                    method,
                    target,
                    params=None if params is None else httpx.QueryParams(cast(Any, params)),
                    content=content,
                    headers=send_headers,
                )
            except httpx.TimeoutException as exc:
                failure: EHRUnavailable = EHRTimeout(f"{label}: {type(exc).__name__}")
            except httpx.TransportError as exc:
                failure = EHRUnavailable(f"{label}: {type(exc).__name__}")
            else:
                elapsed_ms = (time.perf_counter() - started) * 1000
                log.info("%s -> %s in %.0f ms", label, response.status_code, elapsed_ms)
                if response.is_success:
                    return response
                error = self._error_for(label, response)
                if not (isinstance(error, EHRUnavailable) and response.status_code in RETRYABLE_STATUS):
                    raise error
                failure = error
            if attempt == attempts:
                raise failure
            wait = self._backoff(attempt, failure.retry_after)
            if wait is None:
                raise failure
            log.warning("%s failed (%s), retrying in %.2f s", label, type(failure).__name__, wait)
            await self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before the next attempt, or None when waiting is not worth it."""
        if retry_after is not None:
            return retry_after if retry_after <= self._max_retry_wait else None
        base = min(0.2 * 2 ** (attempt - 1), self._max_retry_wait)
        return base * (0.5 + random.random() / 2)  # jitter spreads out a herd of retries

    def _resolve(self, url: str) -> str:
        if "://" not in url:
            return f"{self.base_url}/{url.lstrip('/')}"
        parts = urlsplit(url)
        base = self._base
        same_origin = (parts.scheme, parts.netloc) == (base.scheme, base.netloc)
        under_base = parts.path == base.path or parts.path.startswith(base.path.rstrip("/") + "/")
        if not (same_origin and under_base):
            # A server (or anyone who can write into its responses) must not be able to
            # send our credentials elsewhere by way of a paging link.
            raise BadResponse("refused a URL outside the EHR base URL")
        return url

    def _operation(self, method: str, url: str) -> str:
        path = urlsplit(url).path
        if "://" in url:
            if not path.startswith(self._base.path):
                return f"{OTHER}.{OTHER}"  # refused by _resolve; still counted
            path = path[len(self._base.path) :]
        return operation_of(method, path)

    def _label(self, method: str, url: str) -> str:
        path = urlsplit(url).path[len(self._base.path) :].strip("/")
        resource = path.split("/", 1)[0] or "(root)"
        return f"{method} {resource}"

    def _error_for(self, label: str, response: httpx.Response) -> EHRError:
        status = response.status_code
        issues = _outcome_issues(response)
        if status in (401, 403):
            return EHRUnauthorized(label, status=status, issues=issues)
        if status in (404, 410):
            return NotFound(label, status=status, issues=issues)
        if status in (409, 412):
            return VersionConflict(label, status=status, issues=issues)
        if status == 429 or status >= 500:
            return EHRUnavailable(label, status=status, issues=issues, retry_after=_retry_after(response))
        return Rejected(label, status=status, issues=issues)

    # -- FHIR on top of the chokepoint -----------------------------------

    async def read(self, resource_type: str, resource_id: str) -> Any:
        response = await self.request("GET", f"{resource_type}/{resource_id}")
        return self._parse(response, resource_type)

    async def create(self, resource: dict[str, Any]) -> Any:
        response = await self.request("POST", resource["resourceType"], body=resource)
        return self._parse(response, resource["resourceType"])

    async def update(self, resource: dict[str, Any], *, version_id: str | None = None) -> Any:
        headers = {"If-Match": f'W/"{version_id}"'} if version_id else None
        url = f"{resource['resourceType']}/{resource['id']}"
        response = await self.request("PUT", url, body=resource, headers=headers)
        return self._parse(response, resource["resourceType"])

    async def patch(
        self,
        resource_type: str,
        resource_id: str,
        operations: list[dict[str, Any]],
        *,
        version_id: str | None = None,
    ) -> Any:
        headers = {"If-Match": f'W/"{version_id}"'} if version_id else None
        response = await self.request(
            "PATCH",
            f"{resource_type}/{resource_id}",
            body=operations,
            content_type=JSON_PATCH,
            headers=headers,
        )
        return self._parse(response, resource_type)

    async def set_fields(
        self,
        resource: Any,
        replace: Mapping[str, Any],
        add: Mapping[str, Any] | None = None,
        *,
        use_patch: bool,
    ) -> Any:
        """Change top-level fields of a resource read before, with If-Match on the version read:
        a JSON Patch (``replace`` for fields it has, ``add`` for ones it may lack) when the EHR
        takes one, else the whole resource PUT back with the fields changed."""
        version = resource.meta.versionId if resource.meta else None
        add = add or {}
        if use_patch:
            operations = [{"op": "replace", "path": f"/{k}", "value": v} for k, v in replace.items()]
            operations += [{"op": "add", "path": f"/{k}", "value": v} for k, v in add.items()]
            return await self.patch(resource.resource_type, resource.id, operations, version_id=version)
        body: dict[str, Any] = json.loads(resource.json())
        body.update(replace)
        body.update(add)
        return await self.update(body, version_id=version)

    async def search(self, resource_type: str, params: Params, *, limit: int | None = None) -> list[Any]:
        """All matches (and _include'd resources) across pages, up to ``limit`` matches."""
        found: list[Any] = []
        matches = 0
        url: str | None = resource_type
        query: Params | None = params
        for _ in range(self._max_pages):
            if url is None:
                break
            response = await self.request("GET", url, params=query)
            bundle = self._parse(response, "Bundle")
            entries: list[Any] = bundle.entry or []
            for entry in entries:
                if entry.resource is None:
                    continue
                is_match = entry.search is None or entry.search.mode in (None, "match")
                if is_match:
                    if limit is not None and matches >= limit:
                        continue
                    matches += 1
                found.append(entry.resource)
            if limit is not None and matches >= limit:
                break
            links: list[Any] = bundle.link or []
            url = next((link.url for link in links if link.relation == "next"), None)
            query = None  # the next link carries the query
        return found

    async def capability_statement(self) -> Any:
        response = await self.request("GET", "metadata")
        return self._parse(response, "CapabilityStatement")

    @staticmethod
    def _parse(response: httpx.Response, expected: str) -> Any:
        try:
            data = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise BadResponse(f"expected {expected}, got a body that is not JSON") from None
        if not isinstance(data, dict) or "resourceType" not in data:
            raise BadResponse(f"expected {expected}, got JSON that is not a FHIR resource")
        if data["resourceType"] != expected:
            raise BadResponse(f"expected {expected}, got {str(data['resourceType'])[:40]}")
        try:
            return construct_fhir_element(expected, data)
        except (ValidationError, ValueError, TypeError, LookupError) as exc:
            # pydantic's message quotes the offending values; keep only where they were.
            where = _validation_locations(exc)
            raise BadResponse(f"invalid {expected} from the EHR at {where}") from None


def _quiet_http_loggers() -> None:
    """Raise httpx's loggers to WARNING: at INFO they log every request's full URL, and a
    FHIR search URL carries names, birth dates and phone numbers. Our own line says what is safe."""
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)


def _outcome_issues(response: httpx.Response) -> tuple[Issue, ...]:
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return ()
    if not isinstance(data, dict) or data.get("resourceType") != "OperationOutcome":
        return ()
    issues = []
    for raw in data.get("issue") or []:
        if isinstance(raw, dict):
            details = raw.get("details")
            text = raw.get("diagnostics") or (details.get("text") if isinstance(details, dict) else None)
            issues.append(
                Issue(
                    severity=str(raw.get("severity", "error")),
                    code=str(raw.get("code", "unknown")),
                    diagnostics=str(text) if text else None,
                )
            )
    return tuple(issues)


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    if not raw:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _validation_locations(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        places = {".".join(str(part) for part in error["loc"]) for error in exc.errors()}
        return ", ".join(sorted(places)[:5])
    return type(exc).__name__
