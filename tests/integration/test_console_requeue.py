"""An agent who leaves without returning or ending a conversation: it goes back to the queue.

Against the real servers: a texting patient (the session's fake Twilio) asks for a person; an agent
takes the conversation and signs out; the patient is texted that they are queued again; another
agent sees it waiting, takes it, and their reply reaches the patient. (A session that expires is
found by the console's keep-alive sweep: tests/unit/bot/console/test_release.py.)
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from bot.agents import AccountError, AccountsFile
from bot.console.replies import REQUEUED_TEXT
from tests.integration.fake_twilio import FakeTwilio, SmsPhone, unlisted_number
from tests.integration.test_console import PASSWORD, Agent, console_dir, new_entry  # noqa: F401 (a fixture)

pytestmark = pytest.mark.integration

LEAVER = "dee"  # an account of this module's own: no other test holds a session for it


def test_a_conversation_whose_agent_signs_out_goes_back_to_the_queue_and_the_patient_is_told(
    assistant: str,
    fake_twilio: FakeTwilio,
    console_dir: Path,  # noqa: F811
) -> None:
    """Tried: dee takes a texting patient's conversation and signs out (the sign-out form's POST
    with its CSRF token): the patient is texted REQUEUED_TEXT once; the entry is waiting again,
    untaken; bo takes it (not "taken by another"), and his reply reaches the patient's number;
    a reply from dee's signed-out client is refused (401)."""
    with contextlib.suppress(AccountError):  # a rerun in the same base directory has it already
        AccountsFile(console_dir / "agents").add(LEAVER, PASSWORD)
    dee, bo = Agent(assistant, LEAVER), Agent(assistant, "bo")
    try:
        assert dee.sign_in().status_code == 303 and bo.sign_in().status_code == 303
        phone = SmsPhone(assistant, fake_twilio, unlisted_number())
        before = bo.queue()
        phone.text("i want to talk to a real person")
        entry = new_entry(bo, before)
        assert dee.take(entry["id"]).status_code == 200
        texted = len(fake_twilio.texts_to(phone.phone))

        signed_out = dee.client.post("/console/sign-out", headers={"X-CSRF-Token": dee.csrf})
        assert signed_out.status_code == 303, signed_out.text
        assert phone.wait_for_texts(texted + 1)[texted:] == [REQUEUED_TEXT]
        [waiting] = [e for e in bo.queue() if e["id"] == entry["id"]]
        assert waiting["taken_by"] is None

        refused = dee.client.post(
            f"/console/api/queue/{entry['id']}/reply",
            json={"text": "still here?"},
            headers={"X-CSRF-Token": dee.csrf},
        )
        assert refused.status_code == 401
        assert bo.take(entry["id"]).status_code == 200
        answer = bo.client.post(
            f"/console/api/queue/{entry['id']}/reply",
            json={"text": "Hi, this is Bo. How can I help?"},
            headers={"X-CSRF-Token": bo.csrf},
        )
        assert answer.status_code == 200, answer.text
        assert phone.wait_for_texts(texted + 2)[texted + 1 :] == ["Hi, this is Bo. How can I help?"]
        ended = bo.client.post(f"/console/api/queue/{entry['id']}/end", headers={"X-CSRF-Token": bo.csrf})
        assert ended.status_code == 200
    finally:
        dee.client.close()
        bo.client.close()
