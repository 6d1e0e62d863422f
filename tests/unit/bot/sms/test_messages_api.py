"""Twilio's Messages API client: the request it makes, and its retry policy, against a fake
Twilio served through httpx's MockTransport (no network)."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

import httpx
import pytest

from bot.channels.sms.messages_api import MessagesApi, RetryPolicy, SendFailed, retry_after_seconds

SID, TOKEN = "AC" + "1" * 32, "token"


class FakeTwilio:
    """Answers each request with the next planned status (then 201); records requests and waits."""

    def __init__(self, plan: list[int | tuple[int, dict[str, str]] | Exception] | None = None) -> None:
        self.plan = list(plan or [])
        self.requests: list[httpx.Request] = []
        self.waits: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.plan.pop(0) if self.plan else 201
        if isinstance(step, Exception):
            raise step
        status, headers = step if isinstance(step, tuple) else (step, {})
        body = {"sid": "SM" + "2" * 32} if status == 201 else {"code": 21610 if status == 400 else 20500}
        return httpx.Response(status, json=body, headers=headers)

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    def api(self, retries: int = 3, max_wait: float = 20.0, **kwargs: str) -> MessagesApi:
        return MessagesApi(
            SID,
            TOKEN,
            from_number=kwargs.get("from_number", "+17815550100"),
            messaging_service_sid=kwargs.get("messaging_service_sid", ""),
            base_url="https://twilio.test",
            policy=RetryPolicy(retries=retries, base_delay=0.5, max_wait=max_wait),
            transport=httpx.MockTransport(self),
            sleep=self.sleep,
        )


@pytest.mark.asyncio
async def test_the_request_is_twilios_form_with_basic_auth():
    twilio = FakeTwilio()
    assert await twilio.api().create("+16175550123", "Hello") == "SM" + "2" * 32
    (request,) = twilio.requests
    assert request.method == "POST"
    assert str(request.url) == f"https://twilio.test/2010-04-01/Accounts/{SID}/Messages.json"
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert parse_qs(request.content.decode()) == {
        "To": ["+16175550123"],
        "From": ["+17815550100"],
        "Body": ["Hello"],
    }


@pytest.mark.asyncio
async def test_a_messaging_service_replaces_the_from_number():
    twilio = FakeTwilio()
    await twilio.api(from_number="", messaging_service_sid="MG" + "3" * 32).create("+16175550123", "Hi")
    form = parse_qs(twilio.requests[0].content.decode())
    assert form["MessagingServiceSid"] == ["MG" + "3" * 32] and "From" not in form


@pytest.mark.asyncio
async def test_429_and_5xx_are_retried_with_backoff_honouring_retry_after():
    twilio = FakeTwilio([(429, {"Retry-After": "3"}), 500, 503])
    await twilio.api().create("+16175550123", "Hi")
    assert len(twilio.requests) == 4
    assert twilio.waits[0] == 3.0  # Twilio's Retry-After
    assert 0.8 <= twilio.waits[1] <= 1.0 and 1.6 <= twilio.waits[2] <= 2.0  # doubling, jittered


@pytest.mark.asyncio
async def test_retries_stop_after_the_policy_allows():
    twilio = FakeTwilio([500, 500, 500])
    with pytest.raises(SendFailed) as failure:
        await twilio.api(retries=2).create("+16175550123", "Hi")
    assert failure.value.status == 500 and len(twilio.requests) == 3


@pytest.mark.asyncio
async def test_a_retry_after_longer_than_the_ceiling_fails_at_once():
    twilio = FakeTwilio([(429, {"Retry-After": "120"})])
    with pytest.raises(SendFailed):
        await twilio.api(max_wait=20).create("+16175550123", "Hi")
    assert len(twilio.requests) == 1 and twilio.waits == []


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [400, 401, 403, 404])
async def test_4xx_is_never_retried(status):
    twilio = FakeTwilio([status])
    with pytest.raises(SendFailed) as failure:
        await twilio.api().create("+16175550123", "Hi")
    assert len(twilio.requests) == 1 and failure.value.status == status
    if status == 400:
        assert failure.value.code == 21610


@pytest.mark.asyncio
async def test_a_refused_connection_is_retried_but_a_timeout_after_sending_is_not():
    refused = FakeTwilio([httpx.ConnectError("refused")])
    await refused.api().create("+16175550123", "Hi")
    assert len(refused.requests) == 2

    timed_out = FakeTwilio([httpx.ReadTimeout("slow")])
    with pytest.raises(SendFailed):
        await timed_out.api().create("+16175550123", "Hi")
    assert len(timed_out.requests) == 1  # Twilio may have sent it: not sent twice


@pytest.mark.asyncio
async def test_nothing_logged_names_the_number_or_the_text(caplog):
    twilio = FakeTwilio([500, 400])
    with pytest.raises(SendFailed) as failure:
        await twilio.api().create("+16175550123", "Your visit is Tuesday")
    logged = caplog.text + str(failure.value)
    assert "5550123" not in logged and "Tuesday" not in logged
    assert "HTTP 400" in caplog.text


def test_retry_after_values():
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0


class MessageList:
    """Twilio's message list, in pages of two; records the URLs asked for."""

    def __init__(self, messages: list[dict[str, str]], status: int = 200) -> None:
        self.messages, self.status = messages, status
        self.urls: list[httpx.URL] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(request.url)
        if self.status != 200:
            return httpx.Response(self.status, json={"code": 20500})
        page = int(request.url.params.get("Page", "0"))
        chunk = self.messages[page * 2 : page * 2 + 2]
        more = (page + 1) * 2 < len(self.messages)
        next_uri = (
            f"/2010-04-01/Accounts/{SID}/Messages.json?Page={page + 1}&PageToken=PA{page}" if more else None
        )
        return httpx.Response(200, json={"messages": chunk, "next_page_uri": next_uri})

    def api(self) -> MessagesApi:
        return MessagesApi(
            SID, TOKEN, from_number="+1", base_url="https://twilio.test", transport=httpx.MockTransport(self)
        )


SINCE = 1795824000.0  # Sat, 28 Nov 2026 00:00:00 +0000
OTHERS = [{"to": "+15085550100", "date_created": "Sat, 28 Nov 2026 09:00:00 +0000"}] * 3


@pytest.mark.asyncio
async def test_sent_since_finds_a_text_on_a_later_page_without_the_number_in_any_url():
    listing = MessageList(
        [*OTHERS, {"to": "+16175550123", "date_created": "Sat, 28 Nov 2026 08:00:00 +0000"}]
    )
    assert await listing.api().sent_since("+16175550123", SINCE) is True
    assert len(listing.urls) == 2
    assert listing.urls[0].params["DateSent>"] == "2026-11-28"
    assert all("5550123" not in str(url) and url.host == "twilio.test" for url in listing.urls)


@pytest.mark.asyncio
async def test_sent_since_is_false_for_older_or_other_texts_and_none_when_twilio_fails():
    older = MessageList([*OTHERS, {"to": "+16175550123", "date_created": "Fri, 27 Nov 2026 23:59:00 +0000"}])
    assert await older.api().sent_since("+16175550123", SINCE) is False
    assert await MessageList([], status=500).api().sent_since("+16175550123", SINCE) is None
