"""Twilio's Messages API: one text out, retried when Twilio asks us to wait.

``POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP basic auth (the account
sid and auth token) and a form body: ``To``, ``From`` (or ``MessagingServiceSid``), ``Body``.

Retried, with jittered exponential backoff: 429 and every 5xx (honouring ``Retry-After``, up to
``max_wait``; a longer wait fails at once), and a connection that could not be made (nothing was
sent). Never retried: any other 4xx (the request is wrong and will stay wrong), and a request
that timed out after it was sent (Twilio may have sent the text; a retry could send it twice).

Nothing here logs a number, a body or Twilio's error message (which quotes the number): only the
HTTP status, Twilio's numeric error code and the attempt count.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import httpx

log = logging.getLogger("frontdesk.sms")

API_VERSION = "2010-04-01"


class SendFailed(Exception):
    """A text was not accepted by Twilio. ``status`` is the last HTTP status (None when no
    answer came), ``code`` Twilio's error code when it gave one."""

    def __init__(self, reason: str, status: int | None = None, code: int | None = None) -> None:
        super().__init__(f"{reason} (HTTP {status}, Twilio code {code})" if status else reason)
        self.status, self.code = status, code


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 3  # extra attempts
    base_delay: float = 0.5  # seconds before the first retry, doubled each time
    max_wait: float = 20.0  # longest single wait, Retry-After included

    def backoff(self, attempt: int) -> float:
        """The wait before retry number ``attempt`` (1-based), without a Retry-After."""
        delay = min(self.max_wait, self.base_delay * 2 ** (attempt - 1))
        return delay * random.uniform(0.8, 1.0)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """A Retry-After header (seconds or an HTTP date) in seconds; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _retryable(status: int) -> bool:
    return status == 429 or 500 <= status <= 599


def _error_code(response: httpx.Response) -> int | None:
    try:
        code = response.json().get("code")
    except (ValueError, AttributeError):
        return None
    return code if isinstance(code, int) else None


class MessagesApi:
    """One long-lived httpx client for Twilio's Messages API (opened lazily, closed by aclose)."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        from_number: str = "",
        messaging_service_sid: str = "",
        base_url: str = "https://api.twilio.com",
        policy: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        timeout: float = 10.0,
    ) -> None:
        if not from_number and not messaging_service_sid:
            raise ValueError("a From number or a messaging service sid is needed")
        self._auth = (account_sid, auth_token)
        self._sender = (
            {"MessagingServiceSid": messaging_service_sid} if messaging_service_sid else {"From": from_number}
        )
        self.url = f"{base_url.rstrip('/')}/{API_VERSION}/Accounts/{account_sid}/Messages.json"
        self.policy = policy or RetryPolicy()
        self._transport, self._sleep, self._timeout = transport, sleep, timeout
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(
                auth=self._auth, timeout=self._timeout, transport=self._transport
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def create(self, to: str, body: str) -> str:
        """Send one text; return Twilio's message sid. Raises ``SendFailed``."""
        form = {"To": to, **self._sender, "Body": body}
        attempt = 0
        while True:
            attempt += 1
            wait: float | None
            try:
                response = await self._http().post(self.url, data=form)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
                status, code = None, None
                wait = self.policy.backoff(attempt)
                reason = f"could not reach Twilio ({type(error).__name__})"
            except httpx.HTTPError as error:
                # Sent but unanswered: Twilio may have queued the text, so it is not sent again.
                log.warning("Twilio did not answer a send (%s); not retried", type(error).__name__)
                raise SendFailed(f"no answer from Twilio ({type(error).__name__})") from None
            else:
                status, code = response.status_code, _error_code(response)
                if 200 <= status < 300:
                    sid = _message_sid(response)
                    log.info("text sent to Twilio: HTTP %s after %d attempt(s)", status, attempt)
                    return sid
                if not _retryable(status):
                    log.warning("Twilio refused a text: HTTP %s, code %s; not retried", status, code)
                    raise SendFailed("Twilio refused the text", status, code)
                reason = "Twilio asked to retry"
                asked = retry_after_seconds(response.headers.get("Retry-After"))
                wait = asked if asked is not None else self.policy.backoff(attempt)
            if attempt > self.policy.retries or wait > self.policy.max_wait:
                log.warning(
                    "giving up on a text after %d attempt(s): HTTP %s, code %s", attempt, status, code
                )
                raise SendFailed(reason, status, code)
            log.info("retrying a text in %.1f s (attempt %d: HTTP %s)", wait, attempt, status)
            await self._sleep(wait)

    async def sent_since(self, to: str, since: float, max_pages: int = 20) -> bool | None:
        """Whether Twilio holds a text to ``to`` created at or after ``since`` (epoch seconds):
        how a job interrupted mid-send learns whether its text went out. None when it cannot
        tell (an error, or more pages than ``max_pages``).

        The list is asked for by date only and filtered here: a number in the query string would
        end up in HTTP client logs."""
        day = datetime.fromtimestamp(since, timezone.utc).date().isoformat()
        since = math.floor(since)  # Twilio's times are to the second
        url: str | None = self.url
        params: dict[str, str] | None = {"DateSent>": day, "PageSize": "1000"}
        for _ in range(max_pages):
            if url is None:
                return False
            try:
                response = await self._http().get(url, params=params)
                page = response.json() if response.status_code == 200 else None
            except (httpx.HTTPError, ValueError) as error:
                log.warning("could not list texts at Twilio (%s)", type(error).__name__)
                return None
            if not isinstance(page, dict):
                log.warning("could not list texts at Twilio: HTTP %s", response.status_code)
                return None
            for message in page.get("messages") or []:
                if isinstance(message, dict) and message.get("to") == to and _created_at(message) >= since:
                    return True
            next_page = page.get("next_page_uri")
            url = self._same_host(next_page) if isinstance(next_page, str) and next_page else None
            params = None
        return None

    def _same_host(self, uri: str) -> str:
        """A paging link, as an absolute URL on the API's own host (never another host)."""
        base = httpx.URL(self.url)
        return str(base.copy_with(raw_path=httpx.URL(uri).raw_path))


def _created_at(message: dict[str, object]) -> float:
    raw = message.get("date_created")
    try:
        return email.utils.parsedate_to_datetime(str(raw)).timestamp()
    except (TypeError, ValueError):
        return float("-inf")


def _message_sid(response: httpx.Response) -> str:
    try:
        sid = response.json().get("sid")
    except (ValueError, AttributeError):
        return ""
    return sid if isinstance(sid, str) else ""
