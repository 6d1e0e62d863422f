"""python -m sandbox serve: run the sandbox EHR seeded with synthetic patients until stopped.

    python -m sandbox serve [--host H] [--port P] [--patients N] [--seed S] [--no-seed]

Defaults come from SANDBOX_HOST (127.0.0.1), SANDBOX_PORT (8080), SANDBOX_PATIENTS (500)
and SANDBOX_SEED (20261128). Stops on SIGINT or SIGTERM, stopping the node server with it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Sequence
from types import FrameType
from typing import Any

from sandbox.server import SandboxEHR, SandboxError

DEFAULT_SEED = 20261128


class _Stopped(Exception):
    """Raised in the main thread by SIGINT or SIGTERM, even in the middle of seeding."""


def _on_signal(signum: int, frame: FrameType | None) -> None:
    # One signal is enough: later ones must not interrupt the shutdown itself.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    raise _Stopped


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="start the sandbox EHR, seed it, and wait until stopped")
    env = os.environ.get
    # String defaults go through type=int like typed values, so a bad variable is a usage error.
    serve.add_argument("--host", default=env("SANDBOX_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=env("SANDBOX_PORT", "8080"))
    serve.add_argument("--patients", type=int, default=env("SANDBOX_PATIENTS", "500"))
    serve.add_argument("--seed", type=int, default=env("SANDBOX_SEED", str(DEFAULT_SEED)))
    serve.add_argument("--no-seed", action="store_true", help="start empty, without synthetic data")
    serve.add_argument("--log", action="store_true", help="log each request (method, path, status, time)")
    samples = commands.add_parser("samples", help="print the sample patients a seeded sandbox holds")
    samples.add_argument("--patients", type=int, default=int(os.environ.get("SANDBOX_PATIENTS", "500")))
    samples.add_argument("--seed", type=int, default=int(os.environ.get("SANDBOX_SEED", str(DEFAULT_SEED))))
    return parser


def _seed(base_url: str, patients: int, seed: int) -> None:
    # Imported here so that --no-seed works without the generator's dependencies.
    from sandbox.synthetic import generate, load

    started = time.monotonic()
    dataset = generate(patients=patients, seed=seed)
    load(base_url, dataset)
    print(f"seeded {patients} synthetic patients (seed {seed}) in {time.monotonic() - started:.1f} s")
    _print_samples(dataset)


def _print_samples(dataset: Any) -> None:
    print("sample patients (name | date of birth | phone):")
    for sample in dataset.samples(n=5):
        print(f"  {sample.name} | {sample.birth_date} | {sample.phone or '-'}")


def samples(args: argparse.Namespace) -> int:
    from sandbox.synthetic import generate

    _print_samples(generate(patients=args.patients, seed=args.seed))
    return 0


def serve(args: argparse.Namespace) -> int:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _on_signal)

    ehr = SandboxEHR(args.host, args.port, log=args.log)
    try:
        base_url = ehr.start()
        print(f"sandbox EHR listening at {base_url}", flush=True)
        if not args.no_seed:
            _seed(base_url, args.patients, args.seed)
        print("press Ctrl-C to stop", flush=True)
        while ehr.running:
            time.sleep(0.5)
        print("sandbox: the node server exited unexpectedly", file=sys.stderr)
        return 1
    except _Stopped:
        return 0
    except SandboxError as err:
        print(f"sandbox: {err}", file=sys.stderr)
        return 1
    finally:
        ehr.stop()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return samples(args) if args.command == "samples" else serve(args)


if __name__ == "__main__":
    sys.exit(main())
