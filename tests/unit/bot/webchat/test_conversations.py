"""The web chat's registry of issued conversation ids (bot/channels/webchat/conversations.py).

Tried here: a first connection gets a fresh ``web:`` id; presenting it again resumes it; ids from
other channels (``rest:``, ``sms:``), made-up ids, non-strings and ended conversations get a fresh
id; an issued id with no message yet expires after the idle timeout, a live one does not; two
sockets (a duplicated tab) share a conversation and both are returned when it ends.
"""

from __future__ import annotations

from bot.channels.webchat.conversations import PREFIX, Conversations, new_conversation_id


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def registry(live: set[str] | None = None, timeout: float = 60.0) -> tuple[Conversations, Clock, set[str]]:
    live = set() if live is None else live
    clock = Clock()
    return Conversations(live.__contains__, lambda: timeout, clock=clock), clock, live


def test_fresh_ids_are_namespaced_and_unguessable():
    ids = {new_conversation_id() for _ in range(1000)}
    assert len(ids) == 1000
    for cid in ids:
        assert cid.startswith(PREFIX)
        assert len(cid) == len(PREFIX) + 32  # 24 bytes, base64url


def test_first_connection_gets_a_fresh_id_and_presenting_it_again_resumes():
    conversations, _, _ = registry()
    first = conversations.bind("sock-1", None)
    assert first.conversation_id.startswith(PREFIX) and not first.resumed
    conversations.unbind("sock-1")
    again = conversations.bind("sock-2", first.conversation_id)
    assert again.resumed and again.conversation_id == first.conversation_id
    assert conversations.conversation_of("sock-2") == first.conversation_id
    assert conversations.conversation_of("sock-1") is None


def test_foreign_made_up_and_malformed_ids_get_a_fresh_id():
    conversations, _, live = registry()
    mine = conversations.bind("sock-0", None).conversation_id
    live.update({"rest:alice", "sms:" + "ab" * 32, "web:not-issued-here"})  # live, but not issued here
    for presented in ["rest:alice", "sms:" + "ab" * 32, "web:not-issued-here", "", 42, {"id": mine}, [mine]]:
        binding = conversations.bind("sock-x", presented)
        assert not binding.resumed, presented
        assert binding.conversation_id != mine and binding.conversation_id != presented, presented
        assert binding.conversation_id.startswith(PREFIX)


def test_an_unused_id_expires_after_the_idle_timeout_but_a_live_one_does_not():
    conversations, clock, live = registry(timeout=60)
    unused = conversations.bind("a", None).conversation_id
    used = conversations.bind("b", None).conversation_id
    live.add(used)
    conversations.unbind("a")
    conversations.unbind("b")
    clock.now += 61
    assert not conversations.going_on(unused)
    assert conversations.going_on(used)
    assert not conversations.bind("c", unused).resumed
    assert conversations.bind("d", used).resumed


def test_stale_ids_without_sockets_are_pruned():
    conversations, clock, _ = registry(timeout=10)
    for n in range(5):
        conversations.bind(str(n), None)
        conversations.unbind(str(n))
    assert len(conversations) == 5
    clock.now += 11
    conversations.bind("new", None)
    assert len(conversations) == 1


def test_ending_forgets_the_conversation_and_returns_every_socket():
    conversations, _, live = registry()
    cid = conversations.bind("tab-1", None).conversation_id
    live.add(cid)
    assert conversations.bind("tab-2", cid).resumed  # a duplicated tab shares sessionStorage
    assert conversations.forget(cid) == {"tab-1", "tab-2"}
    assert conversations.conversation_of("tab-1") is None
    assert conversations.conversation_of("tab-2") is None
    assert not conversations.going_on(cid)
    assert not conversations.bind("tab-1", cid).resumed  # still live in the store, but ended here
    assert conversations.forget("web:unknown") == set()
