"""Agent accounts: the hash file, its mode, and ``python -m bot agents``."""

from __future__ import annotations

import io
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.agents import AccountError, AccountsFile

ROOT = Path(__file__).resolve().parents[4]
PASSWORD = "correct horse battery"


def test_add_stores_an_argon2id_hash_in_a_0600_file(tmp_path: Path) -> None:
    """Adding an agent writes name:argon2id-hash (never the password) to a file only its owner reads."""
    accounts = AccountsFile(tmp_path / "sub" / "agents")
    accounts.add("ana", PASSWORD)
    text = (tmp_path / "sub" / "agents").read_text()
    assert text.startswith("ana:$argon2id$")
    assert PASSWORD not in text
    assert stat.S_IMODE((tmp_path / "sub" / "agents").stat().st_mode) == 0o600
    assert accounts.verify("ana", PASSWORD)
    assert not accounts.verify("ana", PASSWORD + "x")


def test_unknown_names_and_bad_input_are_refused_with_the_reason(tmp_path: Path) -> None:
    """Tried: an unknown name, a duplicate, a bad name, a short password, a password with spaces
    around it, removing and changing an agent that does not exist."""
    accounts = AccountsFile(tmp_path / "agents")
    assert not accounts.verify("nobody", PASSWORD)
    accounts.add("ana", PASSWORD)
    with pytest.raises(AccountError, match="already"):
        accounts.add("ana", PASSWORD)
    with pytest.raises(AccountError, match="name"):
        accounts.add("Ana:x", PASSWORD)
    with pytest.raises(AccountError, match="at least 12"):
        accounts.add("bo", "short")
    with pytest.raises(AccountError, match="spaces"):
        accounts.add("bo", f" {PASSWORD} ")
    with pytest.raises(AccountError, match="no agent"):
        accounts.remove("bo")
    with pytest.raises(AccountError, match="no agent"):
        accounts.set_password("bo", PASSWORD)
    assert accounts.names() == ["ana"]


def test_passwd_and_remove(tmp_path: Path) -> None:
    """A new password replaces the old one; a removed agent cannot sign in."""
    accounts = AccountsFile(tmp_path / "agents")
    accounts.add("ana", PASSWORD)
    accounts.add("bo", PASSWORD)
    accounts.set_password("ana", "another long password")
    assert not accounts.verify("ana", PASSWORD)
    assert accounts.verify("ana", "another long password")
    accounts.remove("bo")
    assert not accounts.verify("bo", PASSWORD)
    assert stat.S_IMODE((tmp_path / "agents").stat().st_mode) == 0o600


def test_a_damaged_file_is_named_not_guessed(tmp_path: Path) -> None:
    """A line that is not name:hash makes the file unreadable, with the line number."""
    path = tmp_path / "agents"
    path.write_text("ana:plaintext\n")
    with pytest.raises(AccountError, match="line 1"):
        AccountsFile(path).load()


def test_the_command_reads_the_password_from_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """add/list/passwd/remove through ``python -m bot agents`` with --password-stdin."""
    path = tmp_path / "agents"
    monkeypatch.setenv("AGENTS_FILE", str(path))
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["agents", "add", "ana", "--password-stdin"]) == 0
    assert main(["agents", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == ["added ana", "ana"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["agents", "passwd", "ana", "--password-stdin"]) == 1
    assert "at least 12" in capsys.readouterr().err
    assert main(["agents", "remove", "ghost"]) == 1
    assert main(["agents", "remove", "ana"]) == 0
    assert AccountsFile(path).names() == []


def test_the_command_as_a_process_never_takes_a_password_in_argv(tmp_path: Path) -> None:
    """A real ``python -m bot agents add`` with the password on stdin; argv has no password option."""
    path = tmp_path / "agents"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "agents", "--file", str(path), "add", "ana", "--password-stdin"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert AccountsFile(path).verify("ana", PASSWORD)
    refused = subprocess.run(
        [sys.executable, "-m", "bot", "agents", "add", "bo", "--password", PASSWORD],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert refused.returncode == 2
