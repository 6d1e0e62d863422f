"""What the SMS channel keeps: opt-outs across restarts (keyed by a keyed hash, never the
number), the hashing secret (generated once and kept), and the memory of MessageSids seen."""

from __future__ import annotations

import sqlite3
import stat

import pytest

from bot.channels.sms.dedupe import SeenMessages
from bot.channels.sms.identity import NumberHasher, load_secret, sender_number
from bot.channels.sms.optouts import OptOutStore
from bot.channels.sms.settings import load_sms_settings

NUMBER = "+16175550123"


def test_an_opt_out_survives_a_new_store_on_the_same_file(tmp_path):
    hasher = NumberHasher(b"s" * 32)
    key = hasher.opt_out_key(NUMBER)
    first = OptOutStore.in_dir(tmp_path)
    assert first.opt_out(key) is True
    assert first.opt_out(key) is False  # already recorded

    restarted = OptOutStore.in_dir(tmp_path)
    assert restarted.is_opted_out(key)
    assert restarted.opt_in(key) is True
    assert not OptOutStore.in_dir(tmp_path).is_opted_out(key)
    assert restarted.opt_in(key) is False


def test_the_file_holds_no_number(tmp_path):
    store = OptOutStore.in_dir(tmp_path)
    store.opt_out(NumberHasher(b"s" * 32).opt_out_key(NUMBER))
    raw = (tmp_path / "opt-outs.sqlite3").read_bytes()
    for spelling in (NUMBER, NUMBER[2:], "617-555-0123", "6175550123"):
        assert spelling.encode() not in raw
    with sqlite3.connect(tmp_path / "opt-outs.sqlite3") as db:
        rows = db.execute("SELECT key FROM opt_out").fetchall()
    assert len(rows) == 1 and len(rows[0][0]) == 64
    assert stat.S_IMODE((tmp_path / "opt-outs.sqlite3").stat().st_mode) == 0o600


def test_ids_and_opt_out_keys_are_keyed_and_distinct():
    one, other = NumberHasher(b"a" * 32), NumberHasher(b"b" * 32)
    conversation = one.conversation_id(NUMBER)
    assert conversation.startswith("sms:") and len(conversation) == 4 + 64
    assert conversation == one.conversation_id(NUMBER)
    assert conversation != other.conversation_id(NUMBER)
    assert one.opt_out_key(NUMBER) != conversation[4:]
    assert NUMBER[1:] not in conversation
    with pytest.raises(ValueError):
        NumberHasher(b"short")


def test_a_generated_secret_is_kept_and_private(tmp_path):
    settings = load_sms_settings({"SMS_DATA_DIR": str(tmp_path)})
    secret = load_secret(settings)
    assert len(secret) >= 32
    assert load_secret(settings) == secret  # the same after a "restart"
    assert stat.S_IMODE((tmp_path / "hash-secret").stat().st_mode) == 0o600
    configured = load_sms_settings({"SMS_DATA_DIR": str(tmp_path), "SMS_HASH_SECRET": "x" * 20})
    assert load_secret(configured) == b"x" * 20


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+16175550123", "+16175550123"),
        (" +447700900123 ", "+447700900123"),
        ("6175550123", None),  # not E.164: Twilio always sends E.164 for SMS
        ("whatsapp:+16175550123", None),
        ("CLINIC", None),
        ("+1", None),
        ("+99999999999999999", None),
        ("", None),
        (None, None),
        (["+16175550123"], None),
    ],
)
def test_sender_numbers(raw, expected):
    assert sender_number(raw) == expected


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_message_sid_is_handled_once_until_it_expires():
    clock = Clock()
    seen = SeenMessages(max_entries=10, ttl=60, clock=clock)
    assert seen.first_time("SM1")
    assert not seen.first_time("SM1")
    clock.now = 59
    assert not seen.first_time("SM1")
    clock.now = 200
    assert seen.first_time("SM1")  # expired, then seen afresh


def test_the_memory_of_sids_is_bounded():
    seen = SeenMessages(max_entries=3, ttl=3600, clock=Clock())
    for sid in ("SM1", "SM2", "SM3", "SM4"):
        assert seen.first_time(sid)
    assert len(seen) == 3
    assert seen.first_time("SM1")  # the oldest was forgotten
    assert not seen.first_time("SM4")
