"""``FhirGateway``: the EHR protocol implemented over FHIR R4 REST.

One instance per process. It owns one long-lived ``httpx.AsyncClient``,
opened by ``start()`` (or lazily by the first call, inside the running event
loop) and closed by ``aclose()``. Writes are checked against the server's
CapabilityStatement first: what the EHR does not allow raises NotSupported,
which the assistant turns into a request handed to staff.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timezone
from typing import Any

import httpx

from . import billing, callbacks, clinical, patients, prescriptions, reminders, scheduling
from .callbacks import CallbackRequest, OpenCallback
from .capabilities import read_capabilities
from .client import FhirClient, Sleep
from .directory import Directory
from .domain import (
    Allergy,
    Appointment,
    Balance,
    Capabilities,
    Condition,
    CoverageInfo,
    DueAppointment,
    Medication,
    Patient,
    Payment,
    Pharmacy,
    RefillRequest,
    Slot,
    Statement,
)
from .errors import Ambiguous, NotSupported
from .settings import EHRSettings


class FhirGateway:
    def __init__(
        self,
        settings: EHRSettings | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        auth: httpx.Auth | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """``transport`` and ``auth`` are for tests and special deployments; by default
        the transport is httpx's and the auth follows ``settings.auth``."""
        self.settings = settings or EHRSettings.from_env()
        self._transport = transport
        self._auth = auth
        self._sleep = sleep
        self._client: FhirClient | None = None
        self._token_http: httpx.AsyncClient | None = None
        self._directory: Directory | None = None
        self._capabilities: Capabilities | None = None
        self._capabilities_lock = asyncio.Lock()

    # -- lifecycle ---------------------------------------------------------

    async def start(self) -> None:
        if self._client is not None:
            return
        s = self.settings
        timeout = httpx.Timeout(s.read_timeout, connect=s.connect_timeout)
        auth = self._auth
        if auth is None and s.auth == "smart-backend":
            auth = self._smart_auth(timeout)
        http = httpx.AsyncClient(
            timeout=timeout,
            transport=self._transport,
            auth=auth,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            headers={"User-Agent": "Frontdesk"},
        )
        self._client = FhirClient(
            s.base_url,
            http,
            retries=s.retries,
            max_retry_wait=s.max_retry_wait,
            max_pages=s.max_pages,
            sleep=self._sleep,
        )
        self._directory = Directory(self._client)

    def _smart_auth(self, timeout: httpx.Timeout) -> httpx.Auth:
        from .auth import SmartBackendAuth, load_private_key

        s = self.settings
        self._token_http = httpx.AsyncClient(timeout=timeout, transport=self._transport)
        assert s.token_url and s.client_id and s.private_key_file  # checked by settings
        return SmartBackendAuth(
            token_url=s.token_url,
            client_id=s.client_id,
            private_key=load_private_key(s.private_key_file),
            key_id=s.key_id,
            algorithm=s.jwt_alg,
            scope=s.scopes,
            http=self._token_http,
        )

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._token_http is not None:
            await self._token_http.aclose()
            self._token_http = None

    async def __aenter__(self) -> FhirGateway:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    async def _fhir(self) -> FhirClient:
        if self._client is None:
            await self.start()
        assert self._client is not None
        return self._client

    async def _parts(self) -> tuple[FhirClient, Directory]:
        client = await self._fhir()
        assert self._directory is not None
        return client, self._directory

    # -- capabilities --------------------------------------------------------

    async def capabilities(self) -> Capabilities:
        if self._capabilities is None:
            async with self._capabilities_lock:
                if self._capabilities is None:
                    statement = await (await self._fhir()).capability_statement()
                    self._capabilities = read_capabilities(statement)
        return self._capabilities

    # -- patients ------------------------------------------------------------

    async def find_patients_by_phone(self, phone: str) -> list[Patient]:
        return await patients.by_phone(await self._fhir(), phone)

    async def find_patients_by_name_and_birth_date(
        self, given: str, family: str, birth_date: date
    ) -> list[Patient]:
        return await patients.by_name_and_birth_date(await self._fhir(), given, family, birth_date)

    async def find_patient_by_mrn(self, mrn: str) -> Patient | None:
        found = await patients.by_mrn(await self._fhir(), mrn, self.settings.mrn_system)
        if len(found) > 1:
            raise Ambiguous("more than one patient has this MRN")
        return found[0] if found else None

    async def get_patient(self, patient_id: str) -> Patient:
        return patients.to_patient(await (await self._fhir()).read("Patient", patient_id))

    # -- scheduling ----------------------------------------------------------

    async def upcoming_appointments(self, patient_id: str, *, limit: int = 10) -> list[Appointment]:
        client, directory = await self._parts()
        now = datetime.now(timezone.utc)
        return await scheduling.upcoming(
            client, directory, self.settings.zone, patient_id, now=now, limit=limit
        )

    async def free_slots(
        self,
        *,
        start: datetime,
        end: datetime,
        visit_type: str | None = None,
        clinician_id: str | None = None,
        limit: int = 10,
    ) -> list[Slot]:
        client, directory = await self._parts()
        return await scheduling.free(
            client,
            directory,
            self.settings.zone,
            start=start,
            end=end,
            visit_type=visit_type,
            clinician_id=clinician_id,
            limit=limit,
        )

    async def book(self, patient_id: str, slot_id: str, *, visit_type: str | None = None) -> Appointment:
        caps = await self.capabilities()
        if not caps.can_book:
            raise NotSupported("this EHR does not accept bookings over its API")
        client, directory = await self._parts()
        return await scheduling.book(
            client,
            directory,
            self.settings.zone,
            patient_id,
            slot_id,
            visit_type=visit_type,
            use_patch=caps.supports_patch,
        )

    async def cancel(self, appointment_id: str, *, reason: str = "patient") -> Appointment:
        caps = await self.capabilities()
        if not caps.can_cancel:
            raise NotSupported("this EHR does not accept cancellations over its API")
        client, directory = await self._parts()
        return await scheduling.cancel(
            client,
            directory,
            self.settings.zone,
            appointment_id,
            reason=reason,
            use_patch=caps.supports_patch,
        )

    # -- reminders (the reminder job, not the assistant) ----------------------

    async def appointments_starting(
        self, start: datetime, end: datetime, *, limit: int = 20_000
    ) -> list[DueAppointment]:
        """Booked appointments starting in [start, end), with each patient's mobile number."""
        today = datetime.now(self.settings.zone).date()
        return await reminders.appointments_starting(
            await self._fhir(), self.settings.zone, start, end, today=today, limit=limit
        )

    async def confirm_attendance(self, appointment_id: str, patient_id: str) -> None:
        """The patient confirmed they will come: their participation becomes accepted."""
        caps = await self.capabilities()
        if not caps.can_cancel:  # the same write: an update of the Appointment
            raise NotSupported("this EHR does not accept appointment updates over its API")
        await reminders.confirm_attendance(
            await self._fhir(), appointment_id, patient_id, use_patch=caps.supports_patch
        )

    async def billing_text_consenters(self, *, limit: int = 20_000) -> list[str]:
        """Ids of the patients who agreed to billing text messages."""
        return await reminders.billing_text_consenters(await self._fhir(), limit=limit)

    async def patient_mobiles(self, patient_ids: set[str]) -> dict[str, str]:
        """Mobile numbers (E.164) of the adult, living patients among ``patient_ids`` that have one."""
        today = datetime.now(self.settings.zone).date()
        return await reminders.patient_mobiles(await self._fhir(), patient_ids, today=today)

    # -- billing ---------------------------------------------------------------

    async def outstanding_balance(self, patient_id: str) -> Balance | None:
        return await billing.balance(await self._fhir(), patient_id)

    async def last_statement(self, patient_id: str) -> Statement | None:
        return await billing.last_statement(await self._fhir(), patient_id)

    async def last_payment(self, patient_id: str) -> Payment | None:
        return await billing.last_payment(await self._fhir(), patient_id)

    async def coverage(self, patient_id: str) -> list[CoverageInfo]:
        return await billing.coverage(await self._fhir(), patient_id)

    # -- prescriptions -----------------------------------------------------------

    async def active_medications(self, patient_id: str) -> list[Medication]:
        client, directory = await self._parts()
        return await prescriptions.active(client, directory, patient_id)

    async def pharmacies(self) -> list[Pharmacy]:
        return await prescriptions.pharmacies(await self._fhir())

    async def request_refill(
        self, patient_id: str, medication_id: str, *, pharmacy_id: str | None = None
    ) -> RefillRequest:
        if not (await self.capabilities()).can_request_refill:
            raise NotSupported("this EHR does not accept refill requests over its API")
        return await prescriptions.request_refill(
            await self._fhir(), patient_id, medication_id, pharmacy_id=pharmacy_id
        )

    # -- callbacks -----------------------------------------------------------------

    async def request_callback(
        self, patient_id: str, *, reason: str, reason_text: str, description: str
    ) -> CallbackRequest:
        if not (await self.capabilities()).can_request_refill:  # the same write: creating a Task
            raise NotSupported("this EHR does not accept tasks over its API")
        return await callbacks.request_callback(
            await self._fhir(), patient_id, reason=reason, reason_text=reason_text, description=description
        )

    async def open_callbacks(self, *, limit: int = 100) -> list[OpenCallback]:
        """Callback requests staff have not done yet, oldest first (the agent console's list)."""
        return await callbacks.open_callbacks(await self._fhir(), limit=limit)

    async def complete_callback(self, task_id: str) -> str | None:
        """Mark a callback request done; its patient's id (NotFound: not a callback request)."""
        caps = await self.capabilities()
        return await callbacks.complete_callback(await self._fhir(), task_id, use_patch=caps.supports_patch)

    # -- clinical summary ----------------------------------------------------------

    async def active_conditions(self, patient_id: str) -> list[Condition]:
        return await clinical.active_conditions(await self._fhir(), patient_id)

    async def allergies(self, patient_id: str) -> list[Allergy]:
        return await clinical.allergies(await self._fhir(), patient_id)
