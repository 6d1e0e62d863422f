"""``python -m bot agents add|remove|list|passwd``: the console's agent accounts (docs/console.md).

A password is prompted for (twice, not echoed) or read from standard input with
``--password-stdin`` (its first line); never from the command line, where other users of the
machine could see it. Exit status: 0 done, 1 refused (the message says why)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from bot.agents import AccountError, AccountsFile, check_password


def add_parser(commands: argparse._SubParsersAction) -> None:
    agents = commands.add_parser("agents", help="the agent console's accounts")
    agents.add_argument("--file", type=Path, help="the accounts file (default: AGENTS_FILE or var/agents)")
    sub = agents.add_subparsers(dest="action", required=True)
    for action, text in (("add", "add an agent"), ("passwd", "change an agent's password")):
        command = sub.add_parser(action, help=text)
        command.add_argument("name")
        command.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
    remove = sub.add_parser("remove", help="remove an agent")
    remove.add_argument("name")
    sub.add_parser("list", help="list the agents' names")
    agents.set_defaults(handler=main)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    check_password(first)
    if getpass.getpass("Again: ") != first:
        raise AccountError("the two passwords differ")
    return first


def main(args: argparse.Namespace) -> int:
    accounts = AccountsFile(args.file)
    try:
        if args.action == "list":
            for name in accounts.names():
                print(name)
        elif args.action == "add":
            accounts.add(args.name, _password(args.password_stdin))
            print(f"added {args.name}")
        elif args.action == "passwd":
            accounts.set_password(args.name, _password(args.password_stdin))
            print(f"changed the password of {args.name}")
        elif args.action == "remove":
            accounts.remove(args.name)
            print(f"removed {args.name}")
    except AccountError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
