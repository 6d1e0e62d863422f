"""What an agent does in a conversation: reply, return it to the assistant, end it.

A reply goes out on the patient's channel (``deliver``): web chat through the web chat channel's
output (to every tab open on the conversation), SMS through the SMS channel, which texts the
number it holds for the conversation (the console never sees the number). Once delivered it is
added to the tracker as a ``BotUttered`` whose metadata names the agent, so the transcript (the
widget's after a reload, the console's) has it, and it goes when the conversation's data does.
A REST conversation cannot receive a reply from a person (REST answers only its own request).

"Return to assistant" appends Rasa's ``ConversationResumed`` (as Rasa's own
``POST /conversations/<id>/tracker/events`` does: under the conversation's lock, then saved), so
the assistant answers the patient's next message (an ``action_listen`` follows it: the pause
ended the assistant's turn before it listened). "End" is ``bot.lifecycle.end_conversation``
with ``EndReason.AGENT_CLOSED``: the tracker and everything held for it go.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationResumed,
    Event,
    SessionStarted,
    UserUttered,
)

from bot import lifecycle
from bot.console.queue import AGENT_METADATA
from bot.lifecycle import EndReason

log = logging.getLogger("frontdesk.console")

MAX_REPLY_CHARS = 1000
RETURNED_TEXT = "You're back with the clinic's virtual assistant. What else can I help you with?"
# Its agent signed out (or their session expired) without returning or ending the conversation.
REQUEUED_TEXT = (
    "The member of our staff who was helping you has had to leave. You're back in the queue: "
    "the next person available will pick up your conversation here."
)
# The web chat widget shows its own message for EndReason.AGENT_CLOSED; a text message needs one.
ENDED_SMS_TEXT = "A member of our staff has ended this conversation. Text us again any time."
NO_REPLIES = {
    "rest": "This patient is on the REST API, which cannot receive a message from a person. "
    "Return the conversation to the assistant or end it.",
    "other": "This conversation's channel cannot receive a message from a person.",
}

Line = dict[str, str]


class NotDelivered(Exception):
    """Why a reply did not reach the patient (shown to the agent as it is; no patient data)."""


def _channel(app: Any, name: str) -> Any:
    for channel in getattr(getattr(app, "ctx", None), "input_channels", None) or []:
        if channel.name() == name:
            return channel
    return None


async def deliver(app: Any, sender_id: str, channel: str, text: str) -> None:
    """Send ``text`` to the patient on their channel; raises ``NotDelivered``."""
    if channel == "web":
        webchat = _channel(app, "webchat")
        output = webchat.get_output_channel() if webchat is not None else None
        if output is None:
            raise NotDelivered("The web chat channel is not running on this server.")
        await output.send_text_message(sender_id, text)
        return
    if channel == "sms":
        sms = _channel(app, "sms")
        if sms is None:
            raise NotDelivered("The SMS channel is not running on this server.")
        result = await sms.text_conversation(sender_id, text)
        if result is None:
            raise NotDelivered("The patient's number is no longer known (the conversation ended).")
        if result.opted_out:
            raise NotDelivered("The patient has opted out of text messages: nothing was sent.")
        if not result.delivered:
            raise NotDelivered("The text message service did not take the reply. Try again.")
        return
    raise NotDelivered(NO_REPLIES.get(channel, NO_REPLIES["other"]))


async def _append(app: Any, sender_id: str, *events: Event) -> bool:
    """Append events to a live conversation's tracker and save it; False if it is gone."""
    agent = app.ctx.agent
    async with agent.lock_store.lock(sender_id):
        tracker = await agent.tracker_store.retrieve(sender_id)
        if tracker is None:
            return False
        for event in events:
            tracker.update(event)
        await agent.tracker_store.save(tracker)
    return True


def agent_line(text: str, agent_name: str) -> BotUttered:
    return BotUttered(text, metadata={AGENT_METADATA: agent_name})


async def reply(app: Any, sender_id: str, channel: str, text: str, agent_name: str) -> None:
    """Deliver and record an agent's reply; raises ``NotDelivered``."""
    if not lifecycle.is_live(sender_id):
        raise NotDelivered("This conversation has ended.")
    await deliver(app, sender_id, channel, text)
    lifecycle.touch(sender_id)
    await _append(app, sender_id, agent_line(text, agent_name))


async def return_to_assistant(app: Any, sender_id: str, channel: str, agent_name: str) -> bool:
    """Tell the patient (where the channel can), then resume the bot; False if it had ended."""
    told = []
    try:
        await deliver(app, sender_id, channel, RETURNED_TEXT)
        told.append(agent_line(RETURNED_TEXT, agent_name))
    except NotDelivered:
        pass  # REST, or a number that opted out: the assistant still resumes
    # The pause stopped the assistant's turn before it listened: listening now makes the patient's
    # next message start a turn the policies know (without it they fall back and hand off again).
    return await _append(app, sender_id, *told, ConversationResumed(), ActionExecuted(ACTION_LISTEN_NAME))


async def tell_requeued(app: Any, sender_id: str, channel: str) -> bool:
    """Tell the patient their agent left and they are queued again (recorded as the assistant's
    line); False if the channel cannot be reached (REST) or the conversation ended."""
    try:
        await deliver(app, sender_id, channel, REQUEUED_TEXT)
    except NotDelivered:
        return False
    return await _append(app, sender_id, BotUttered(REQUEUED_TEXT))


async def end(app: Any, sender_id: str, channel: str) -> bool:
    """Tell an SMS patient, then end the conversation (EndReason.AGENT_CLOSED)."""
    if channel == "sms":
        with contextlib.suppress(NotDelivered):  # ending must not depend on the text going out
            await deliver(app, sender_id, channel, ENDED_SMS_TEXT)
    return await lifecycle.end_conversation(sender_id, EndReason.AGENT_CLOSED)


def console_transcript(events: list[Event]) -> list[Line]:
    """The current session's messages: ``{"sender": "patient"|"assistant"|"agent", "text"}``."""
    lines: list[Line] = []
    for event in events:
        if isinstance(event, SessionStarted):
            lines = []
        elif isinstance(event, UserUttered) and event.text:
            lines.append({"sender": "patient", "text": event.text})
        elif isinstance(event, BotUttered) and event.text:
            by_agent = isinstance(event.metadata, dict) and event.metadata.get(AGENT_METADATA)
            lines.append({"sender": "agent" if by_agent else "assistant", "text": event.text})
    return lines


async def stored_lines(app_agent: Any, sender_id: str) -> list[Line]:
    store = getattr(app_agent, "tracker_store", None)
    tracker = await store.retrieve(sender_id) if store is not None else None
    return console_transcript(list(tracker.events)) if tracker is not None else []
