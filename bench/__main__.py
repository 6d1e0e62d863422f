"""Run the benchmarks: `python -m bench` (all) or `python -m bench gateway ...`."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ["gateway", "sandbox_search", "nlu", "nlu_names", "turns", "ephemeral", "reminders", "console"]


def main(argv: list[str]) -> int:
    names = argv or BENCHMARKS
    for name in names:
        if name not in BENCHMARKS:
            print(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
            return 2
    for name in names:
        importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
