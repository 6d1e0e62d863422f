"""NLU accuracy by cross-validation, and the time one full training takes.

1. ``rasa test nlu --cross-validation`` on data/nlu with config.yml (5 folds by default), into a
   temporary directory: intent macro-F1 and accuracy, entity F1 (micro and macro, per token as
   Rasa scores it) over the held-out folds, and the intents most often confused with one another.
2. One full ``rasa train`` (NLU and dialogue, domain/ and data/) into a temporary directory, timed.

Targets: intent macro-F1 >= 0.95, entity F1 >= 0.90, training <= 8 minutes on a 2-core machine.
Nothing is written under models/. Rasa shuffles the folds without a fixed seed, so two runs on the
same data differ: intent macro-F1 by about +-0.005 here. Compare runs, not single figures.

    python -m bench nlu
    BENCH_NLU_FOLDS=3 BENCH_NLU_TRAIN=0 python -m bench nlu   # quicker: 3 folds, no timed training
    BENCH_NLU_CV=0 python -m bench nlu                        # the timed training alone
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FOLDS = int(os.environ.get("BENCH_NLU_FOLDS", "5"))
CROSS_VALIDATE = os.environ.get("BENCH_NLU_CV", "1") != "0"
TIME_TRAINING = os.environ.get("BENCH_NLU_TRAIN", "1") != "0"
TARGETS = {"intent macro-F1": 0.95, "entity F1 (micro)": 0.90}
TRAINING_BUDGET_SECONDS = 8 * 60


def rasa(*args: str, log: Path, cache: Path | None = None) -> float:
    """Run a rasa command from the repository root; seconds taken. Its output goes to ``log``."""
    env = dict(os.environ)
    if cache is not None:
        # Rasa reuses components trained before with the same config and data: an empty cache
        # makes the timed training a full one.
        env["RASA_CACHE_DIRECTORY"] = str(cache)
    started = time.perf_counter()
    with log.open("w") as out:
        completed = subprocess.run(
            [sys.executable, "-m", "rasa", *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    took = time.perf_counter() - started
    if completed.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
        raise RuntimeError(f"rasa {args[0]} {args[1]} failed ({completed.returncode}):\n{tail}")
    return took


def confusions(report: dict[str, Any], top: int = 8) -> list[tuple[int, str, str]]:
    """(count, true intent, predicted intent), most frequent first."""
    found = []
    for label, scores in report.items():
        if isinstance(scores, dict):
            for other, count in scores.get("confused_with", {}).items():
                found.append((int(count), label, other))
    return sorted(found, reverse=True)[:top]


def cross_validate(workdir: Path) -> dict[str, float]:
    out = workdir / "cv"
    took = rasa(
        "test",
        "nlu",
        "--nlu",
        "data/nlu",
        "--config",
        "config.yml",
        "--cross-validation",
        "--folds",
        str(FOLDS),
        "--no-plot",
        "--out",
        str(out),
        log=workdir / "cv.log",
    )
    intents = json.loads((out / "intent_report.json").read_text())
    # One report per entity extractor, named after it (e.g. CRFEntityExtractor_report.json).
    extractor_reports = [p for p in out.glob("*_report.json") if p.name != "intent_report.json"]
    entities = json.loads(extractor_reports[0].read_text())
    figures = {
        "intent macro-F1": intents["macro avg"]["f1-score"],
        "intent accuracy": intents["accuracy"],
        "entity F1 (micro)": entities["micro avg"]["f1-score"],
        "entity F1 (macro)": entities["macro avg"]["f1-score"],
    }
    print(f"NLU {FOLDS}-fold cross-validation ({intents['macro avg']['support']} examples, {took:.0f} s)")
    for name, value in figures.items():
        target = TARGETS.get(name)
        verdict = (
            "" if target is None else f"   target >= {target:.2f}: {'ok' if value >= target else 'MISSED'}"
        )
        print(f"  {name:<20} {value:.3f}{verdict}")
    for label in ("visit_type", "medication", "clinician"):
        if label in entities:
            print(f"  entity {label:<13} F1 {entities[label]['f1-score']:.3f}")
    worst = sorted(
        (scores["f1-score"], label)
        for label, scores in intents.items()
        if isinstance(scores, dict) and "confused_with" in scores
    )[:5]
    print("  lowest intent F1:   " + ", ".join(f"{label} {f1:.2f}" for f1, label in worst))
    pairs = confusions(intents)
    if pairs:
        print("  most confused (true -> predicted: count):")
        for count, label, other in pairs:
            print(f"    {label} -> {other}: {count}")
    return figures


def time_training(workdir: Path) -> float:
    took = rasa(
        "train",
        "--config",
        "config.yml",
        "--domain",
        "domain",
        "--data",
        "data",
        "--out",
        str(workdir / "models"),
        "--fixed-model-name",
        "bench",
        log=workdir / "train.log",
        cache=workdir / "cache",
    )
    verdict = "ok" if took <= TRAINING_BUDGET_SECONDS else "MISSED"
    print(f"full rasa train: {took:.0f} s   target <= {TRAINING_BUDGET_SECONDS} s: {verdict}")
    return took


def main() -> None:
    print(f"cores: {os.cpu_count()}, load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="frontdesk-bench-nlu-") as tmp:
        workdir = Path(tmp)
        if CROSS_VALIDATE:
            cross_validate(workdir)
        if TIME_TRAINING:
            time_training(workdir)


if __name__ == "__main__":
    main()
