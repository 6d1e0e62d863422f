"""The transcript a reloaded page gets back (bot/channels/webchat/transcript.py), and the idle
warning's lead time (bot/channels/webchat/channel.py).

Tried: user and bot messages in order; events without text (intents triggered by payload, bot
events with only buttons) and other event types left out; an earlier session left out."""

from __future__ import annotations

from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

from bot.channels.webchat.channel import warn_before
from bot.channels.webchat.transcript import transcript


def test_the_current_sessions_messages_in_order():
    events = [
        UserUttered("an earlier session"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("what are your hours"),
        SlotSet("verified", False),
        BotUttered("We are open 8 to 5."),
        UserUttered(None, intent={"name": "greet"}),
        BotUttered(None, data={"buttons": []}),
        UserUttered("<script>x</script>"),
    ]
    assert transcript(events) == [
        {"sender": "user", "text": "what are your hours"},
        {"sender": "bot", "text": "We are open 8 to 5."},
        {"sender": "user", "text": "<script>x</script>"},
    ]


def test_no_events_no_transcript():
    assert transcript([]) == []


def test_the_warning_comes_a_quarter_before_the_timeout_at_most_two_minutes():
    assert warn_before(900) == 120
    assert warn_before(8) == 2
    assert warn_before(480) == 120
    assert warn_before(240) == 60
