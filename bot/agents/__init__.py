"""Agent accounts of the console: a file of argon2id password hashes (docs/console.md).

The file (``AGENTS_FILE``, default ``var/agents``) holds one ``name:hash`` line per agent, where
the hash is an argon2id string from argon2-cffi (its parameters and salt are inside it). It is
written whole to a temporary file of mode 0600 and renamed over the old one, so a reader never
sees half a file and the mode never widens. Passwords are never stored, logged or taken from argv.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

AGENTS_FILE_ENV = "AGENTS_FILE"
DEFAULT_AGENTS_FILE = Path(__file__).resolve().parent.parent.parent / "var" / "agents"
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024

_hasher = PasswordHasher()  # argon2id, argon2-cffi's recommended parameters
# Verified when the name is unknown, so that an unknown name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """A name, password or the accounts file is wrong; the message says how (never the password)."""


@dataclass(frozen=True)
class Account:
    name: str
    password_hash: str


def agents_file() -> Path:
    raw = os.environ.get(AGENTS_FILE_ENV, "").strip()
    return Path(raw) if raw else DEFAULT_AGENTS_FILE


def check_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name):
        raise AccountError(
            "an agent's name is 1 to 64 characters: lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    if password != password.strip() or "\n" in password:
        raise AccountError("a password cannot begin or end with spaces or hold a line break")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(check_password(password))


class AccountsFile:
    """The accounts file: read on every call, so that a change by the command applies at once."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or agents_file()

    def load(self) -> dict[str, Account]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as error:
            raise AccountError(f"cannot read the accounts file {self.path}: {error.strerror}") from None
        accounts: dict[str, Account] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip() or line.startswith("#"):
                continue
            name, sep, password_hash = line.partition(":")
            if not sep or not NAME_PATTERN.fullmatch(name) or not password_hash.startswith("$argon2"):
                raise AccountError(f"line {number} of the accounts file {self.path} is not name:argon2-hash")
            accounts[name] = Account(name, password_hash)
        return accounts

    def names(self) -> list[str]:
        return sorted(self.load())

    def add(self, name: str, password: str) -> None:
        accounts = self.load()
        if check_name(name) in accounts:
            raise AccountError(f"there is already an agent named {name!r} (use passwd to change it)")
        accounts[name] = Account(name, hash_password(password))
        self._write(accounts)

    def set_password(self, name: str, password: str) -> None:
        accounts = self.load()
        if name not in accounts:
            raise AccountError(f"there is no agent named {name!r}")
        accounts[name] = Account(name, hash_password(password))
        self._write(accounts)

    def remove(self, name: str) -> None:
        accounts = self.load()
        if accounts.pop(name, None) is None:
            raise AccountError(f"there is no agent named {name!r}")
        self._write(accounts)

    def verify(self, name: str, password: str) -> bool:
        """Whether the password is the agent's. Unknown names cost as much as wrong passwords."""
        account = self.load().get(name)
        password_hash = account.password_hash if account is not None else _DUMMY_HASH
        try:
            matched = _hasher.verify(password_hash, password[:MAX_PASSWORD_LENGTH])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return account is not None and matched

    def _write(self, accounts: dict[str, Account]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = "".join(
            f"{a.name}:{a.password_hash}\n" for a in sorted(accounts.values(), key=lambda a: a.name)
        )
        descriptor, temporary = tempfile.mkstemp(prefix=".agents-", dir=self.path.parent)
        try:
            os.fchmod(descriptor, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
