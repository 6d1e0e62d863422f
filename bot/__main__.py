"""``python -m bot``: Frontdesk's command line (``python -m bot --help``)."""

from __future__ import annotations

import argparse
import sys

from bot.agents import cli as agents_cli
from bot.reminders import cli as reminders_cli


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Frontdesk's command line.")
    commands = parser.add_subparsers(dest="command", required=True)
    reminders_cli.add_parser(commands)
    agents_cli.add_parser(commands)
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
