"""The console's state in the Rasa server: accounts, sessions, the queue, contexts, the audit log."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from actions.ehr import FhirGateway
from bot import lifecycle
from bot.agents import AccountsFile
from bot.console import availability
from bot.console.audit import AuditLog
from bot.console.context import PatientContext, RecordSource, fetch_context
from bot.console.live import Hub
from bot.console.queue import Entry, HandoffQueue
from bot.console.replies import Line, stored_lines, tell_requeued
from bot.console.sessions import SessionStore, SignInLimiter
from bot.console.settings import ConsoleSettings
from bot.lifecycle import EndReason
from bot.metrics import broker as metrics_broker
from settings.clinic import ClinicSettings, cached_clinic_settings

log = logging.getLogger("frontdesk.console")

CLIENT_ATTEMPTS_FACTOR = 4


class Console:
    def __init__(
        self,
        settings: ConsoleSettings,
        accounts: AccountsFile | None = None,
        audit: AuditLog | None = None,
        records: RecordSource | None = None,
        clinic: ClinicSettings | None = None,
    ) -> None:
        self.settings = settings
        self.accounts = accounts or AccountsFile()
        self.audit = audit or AuditLog()
        self.sessions = SessionStore(settings.idle_seconds)
        # Per agent name, and per client address (more: colleagues behind one address mistype too).
        self.name_limiter = SignInLimiter(settings.sign_in_attempts, settings.sign_in_window_seconds)
        self.client_limiter = SignInLimiter(
            settings.sign_in_attempts * CLIENT_ATTEMPTS_FACTOR, settings.sign_in_window_seconds
        )
        self.queue = HandoffQueue()
        self._records = records
        self._clinic = clinic
        self._contexts: dict[str, asyncio.Task[PatientContext]] = {}  # entry id -> its fetch
        self.queue.on_queued.append(self._entry_queued)
        self.hub = Hub()
        self.queue.on_change.append(lambda: self.hub.publish("queue", {}))
        self.queue.on_line.append(self._line)
        self.queue.on_closed.append(self._closed)
        self._keeping: asyncio.Task[None] | None = None
        self._app: Any = None  # the Sanic app, to tell patients their agent left

    def attach(self, app: Any = None) -> None:
        """Start watching tracker events and conversation ends."""
        self._app = app
        metrics_broker.on_event(self.queue.observe)
        lifecycle.on_conversation_end(self.conversation_ended)
        availability.publish(self.queue, self.sessions, self.settings.handle_minutes, self._clinic)
        self._keeping = asyncio.get_running_loop().create_task(self._keep_taken_alive())

    def _line(self, entry: Entry, sender: str, text: str) -> None:
        if entry.taken_by is not None:
            self.hub.publish("line", {"entry": entry.id, "sender": sender, "text": text}, entry.taken_by)

    def _closed(self, entry: Entry, why: str) -> None:
        if entry.taken_by is not None:
            self.hub.publish("closed", {"entry": entry.id, "why": why}, entry.taken_by)

    def keep_alive_interval(self) -> float:
        return max(0.5, min(60.0, lifecycle.idle_timeout_seconds() / 3))

    async def _keep_taken_alive(self) -> None:
        """A conversation held by a signed-in agent is not idle: touch it, so the idle sweep leaves
        it. One whose agent's session expired goes back to the queue (``release_left``), where the
        idle timeout applies again (nothing is held forever)."""
        while True:
            await asyncio.sleep(self.keep_alive_interval())
            await self.release_left()
            for entry in self.queue.taken():
                lifecycle.touch(entry.sender_id)

    async def release_left(self) -> int:
        """Put back in the queue every conversation whose agent is no longer signed in (signed out,
        or the session expired), and tell those patients; how many went back."""
        released = 0
        for entry in self.queue.taken():
            if entry.taken_by is None or self.sessions.signed_in(entry.taken_by):
                continue
            if self.queue.release(entry.id) is None:
                continue
            released += 1
            log.info("a conversation went back to the queue: its agent is no longer signed in")
            if self._app is not None:
                try:
                    await tell_requeued(self._app, entry.sender_id, entry.channel)
                except Exception as error:  # the entry is queued all the same
                    log.error("could not tell a patient they are queued again: %s", type(error).__name__)
        return released

    async def detach(self) -> None:
        self.hub.close()
        availability.withdraw(self.queue)
        if self._keeping is not None:
            self._keeping.cancel()
        metrics_broker.remove_event_listener(self.queue.observe)
        lifecycle.remove_listener(self.conversation_ended)
        for task in self._contexts.values():
            task.cancel()
        self._contexts.clear()
        if isinstance(self._records, FhirGateway):
            await self._records.aclose()

    @property
    def records(self) -> RecordSource:
        if self._records is None:
            self._records = FhirGateway()
        return self._records

    @property
    def clinic(self) -> ClinicSettings:
        return self._clinic or cached_clinic_settings()

    def _entry_queued(self, entry: Entry) -> None:
        for gone in [entry_id for entry_id in self._contexts if self.queue.get(entry_id) is None]:
            self._contexts.pop(gone).cancel()  # entries returned to the assistant
        if entry.patient_id is None:
            return  # not verified: nothing is read from the record
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (a unit test's synchronous feed): fetched when first asked for
        task = self._contexts[entry.id] = loop.create_task(self._fetch(entry.patient_id))
        # Open queue pages listed it as "loading the record": they ask again once it is read.
        task.add_done_callback(lambda done: None if done.cancelled() else self.hub.publish("queue", {}))

    async def context(self, entry: Entry) -> PatientContext | None:
        """The verified patient's context (fetched once); None for an unverified patient."""
        if entry.patient_id is None:
            return None
        task = self._contexts.get(entry.id)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._fetch(entry.patient_id))
            self._contexts[entry.id] = task
        return await asyncio.shield(task)

    async def _fetch(self, patient_id: str) -> PatientContext:
        """The context; any failure is the agent's note, logged by type only (never its text)."""
        try:
            return await fetch_context(self.records, patient_id, self.clinic)
        except Exception as error:
            log.error("a patient's context could not be read: %s", type(error).__name__)
            return PatientContext(
                f"Patient/{patient_id}", problem="The record could not be read.", complete=False
            )

    def loaded_context(self, entry: Entry) -> PatientContext | None:
        """The context if already fetched (the queue list does not wait for the EHR)."""
        task = self._contexts.get(entry.id)
        if task is None or not task.done() or task.cancelled() or task.exception() is not None:
            return None
        return task.result()

    async def transcript(self, app_agent: Any, entry: Entry) -> list[Line]:
        return await stored_lines(app_agent, entry.sender_id)

    async def conversation_ended(self, sender_id: str, reason: EndReason) -> None:
        for entry in self.queue.entries():
            if entry.sender_id == sender_id:
                task = self._contexts.pop(entry.id, None)
                if task is not None:
                    task.cancel()
        await self.queue.conversation_ended(sender_id, reason)
