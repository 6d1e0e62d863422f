"""The one way texts go out: it checks the opt-out list every time, shapes the text for a phone,
and reports how far it got."""

from __future__ import annotations

import pytest

from bot.channels.sms.text import septets
from tests.unit.bot.sms.fakes import MessagesRecorder, sender_for

NUMBER = "+16175550123"
pytestmark = pytest.mark.asyncio


async def test_a_short_text_is_sent_once_in_gsm(tmp_path):
    twilio = MessagesRecorder()
    result = await sender_for(twilio, tmp_path).send(NUMBER, "See you Tuesday \U0001f44b \u2014 thanks!")
    assert result.delivered and result.parts == 1
    assert twilio.sent == [{"To": NUMBER, "From": "+17815550100", "Body": "See you Tuesday - thanks!"}]


async def test_a_long_text_goes_in_numbered_parts(tmp_path):
    twilio = MessagesRecorder()
    text = " ".join(f"Sentence number {i} of a long answer." for i in range(60))
    result = await sender_for(twilio, tmp_path, max_segments=2).send(NUMBER, text)
    bodies = twilio.bodies()
    assert result.delivered and result.total == len(bodies) > 1
    assert [b.split(" ", 1)[0] for b in bodies] == [f"({i}/{len(bodies)})" for i in range(1, len(bodies) + 1)]
    assert all(septets(b) <= 306 for b in bodies)


async def test_nothing_is_sent_to_a_number_that_opted_out(tmp_path):
    twilio = MessagesRecorder()
    sender = sender_for(twilio, tmp_path)
    sender.opt_outs.opt_out(sender.hasher.opt_out_key(NUMBER))
    result = await sender.send(NUMBER, "Your appointment reminder")
    assert result.opted_out and not result.delivered
    assert twilio.sent == []
    # The confirmation of the opt-out itself is the one exception, asked for explicitly.
    assert (await sender.send(NUMBER, "You're unsubscribed", despite_opt_out=True)).delivered
    # Another sender on the same data directory (a restart) still refuses.
    assert (await sender_for(twilio, tmp_path).send(NUMBER, "again")).opted_out
    assert len(twilio.sent) == 1


async def test_twilio_saying_the_number_unsubscribed_records_an_opt_out(tmp_path):
    twilio = MessagesRecorder()
    twilio.answer, twilio.code = 400, 21610
    sender = sender_for(twilio, tmp_path)
    assert (await sender.send(NUMBER, "hello")).opted_out
    assert sender.is_opted_out(NUMBER)


async def test_a_refused_text_is_reported_not_raised(tmp_path):
    twilio = MessagesRecorder()
    twilio.answer, twilio.code = 500, 20500
    result = await sender_for(twilio, tmp_path).send(NUMBER, "hello")
    assert result.parts == 0 and result.total == 1 and not result.delivered and not result.opted_out
