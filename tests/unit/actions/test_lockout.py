from actions.lockout import LockoutBook


def test_keys_name_no_one_and_differ_per_process():
    first, second = LockoutBook(), LockoutBook()
    key = first.key("identity", "dana|whitfield|1984-03-14")
    assert "dana" not in key and "1984" not in key
    assert key == first.key("identity", "dana|whitfield|1984-03-14")
    assert key != second.key("identity", "dana|whitfield|1984-03-14")


def test_lock_after_max_attempts_covers_every_key_then_expires():
    now = [0.0]
    book = LockoutBook(max_attempts=3, lockout_seconds=60, clock=lambda: now[0])
    assert not book.record_failure("conv", "who")
    assert not book.record_failure("conv", "who")
    assert book.record_failure("conv", "who-else")  # the conversation's third failure
    assert book.is_locked("conv") and book.is_locked("who-else")  # locked together
    assert not book.is_locked("who")  # two failures so far: one more locks it
    now[0] = 61
    assert not book.is_locked("conv", "who-else")
    assert book.record_failure("who")


def test_success_clears_failures_and_forgetting_keeps_locks():
    book = LockoutBook(max_attempts=2)
    book.record_failure("conv", "who")
    book.record_success("conv", "who")
    assert not book.record_failure("conv", "who")
    book.record_failure("conv", "who")
    book.forget_conversation("conv")
    assert book.is_locked("conv")
