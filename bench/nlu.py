"""NLU accuracy by seeded cross-validation, and the time one full training takes.

1. k-fold cross-validation (5 by default) of config.yml on data/nlu, with the folds shuffled by a
   fixed seed (bench/nlu_cv.py: the steps of ``rasa test nlu --cross-validation``, scored by Rasa's
   own evaluation, but reproducible): intent macro-F1 and accuracy, entity F1 (micro and macro,
   per token as Rasa scores it), the weakest intents and the pairs most often confused. With
   several seeds, each seed's figures and then the mean and the minimum over seeds.
2. One full ``rasa train`` (NLU and dialogue, domain/ and data/) into a temporary directory, timed.

Targets: intent macro-F1 >= 0.95, entity F1 >= 0.90, training <= 8 minutes on a 2-core machine.
Nothing is written under models/. Different seeds give different folds, and intent macro-F1
differs between them by about +-0.005 here: judge a change by the mean and minimum over seeds.

    python -m bench nlu                                   # seed 1, 5 folds, then the timed training
    BENCH_SEEDS=1,2,3 BENCH_NLU_TRAIN=0 python -m bench nlu   # three fold shuffles, no training
    BENCH_SEED=7 BENCH_NLU_FOLDS=3 python -m bench nlu    # another seed, 3 folds
    BENCH_NLU_ERRORS=/tmp/errors.json python -m bench nlu # also write the misclassified examples
    BENCH_NLU_CONFIG=/tmp/other.yml python -m bench nlu   # another pipeline on the same folds
    BENCH_NLU_DATA=/tmp/nlu python -m bench nlu           # another copy of data/nlu
    BENCH_NLU_CV=0 python -m bench nlu                    # the timed training alone
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import yaml

from bench.nlu_cv import FoldedReport, cross_validate

ROOT = Path(__file__).resolve().parent.parent
FOLDS = int(os.environ.get("BENCH_NLU_FOLDS", "5"))
SEEDS = [int(s) for s in os.environ.get("BENCH_SEEDS", os.environ.get("BENCH_SEED", "1")).split(",")]
CONFIG = Path(os.environ.get("BENCH_NLU_CONFIG", str(ROOT / "config.yml")))
DATA = Path(os.environ.get("BENCH_NLU_DATA", str(ROOT / "data" / "nlu")))
ERRORS_FILE = os.environ.get("BENCH_NLU_ERRORS")
CROSS_VALIDATE = os.environ.get("BENCH_NLU_CV", "1") != "0"
TIME_TRAINING = os.environ.get("BENCH_NLU_TRAIN", "1") != "0"
TARGETS = {"intent macro-F1": 0.95, "entity F1 (micro)": 0.90}
TRAINING_BUDGET_SECONDS = 8 * 60


def fallback_threshold(config: Path = CONFIG) -> float | None:
    """The FallbackClassifier's threshold in the pipeline measured (its ambiguity rule is not
    counted here); None when the pipeline has none."""
    pipeline = (yaml.safe_load(config.read_text()) or {}).get("pipeline") or []
    for component in pipeline:
        if isinstance(component, dict) and component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.3))  # Rasa's default
    return None


def figures(report: FoldedReport) -> dict[str, float]:
    return {
        "intent macro-F1": report.intents["macro avg"]["f1-score"],
        "intent accuracy": report.intents["accuracy"],
        "entity F1 (micro)": report.entities["micro avg"]["f1-score"],
        "entity F1 (macro)": report.entities["macro avg"]["f1-score"],
    }


def intent_f1(report: FoldedReport) -> dict[str, float]:
    """Each intent's F1 (Rasa marks the per-label entries with "confused_with")."""
    return {
        label: scores["f1-score"]
        for label, scores in report.intents.items()
        if isinstance(scores, dict) and "confused_with" in scores
    }


def confusions(report: FoldedReport) -> Counter[tuple[str, str]]:
    """(true intent, predicted intent) -> how many held-out examples."""
    found: Counter[tuple[str, str]] = Counter()
    for error in report.errors:
        found[(error["intent"], error["prediction"])] += 1
    return found


def verdict(name: str, value: float) -> str:
    target = TARGETS.get(name)
    return "" if target is None else f"   target >= {target:.2f}: {'ok' if value >= target else 'MISSED'}"


def print_seed(report: FoldedReport, took: float) -> None:
    print(f"seed {report.seed}: {FOLDS}-fold cross-validation ({report.examples} examples, {took:.0f} s)")
    for name, value in figures(report).items():
        print(f"  {name:<20} {value:.3f}{verdict(name, value)}")
    for label in ("visit_type", "medication", "clinician"):
        if label in report.entities:
            print(f"  entity {label:<13} F1 {report.entities[label]['f1-score']:.3f}")
    print(f"  classifier confidence below (the fallback's threshold is {fallback_threshold()}):")
    for threshold in (0.3, 0.4, 0.5, 0.6):
        right, wrong = below(report, threshold)
        print(f"    {threshold}: {right:5.1%} of right predictions, {wrong:5.1%} of wrong ones")


def below(report: FoldedReport, threshold: float) -> tuple[float, float]:
    """Shares of right and of wrong held-out predictions whose confidence is under ``threshold``."""
    right = [c for ok, c in report.confidences if ok]
    wrong = [c for ok, c in report.confidences if not ok]
    return (
        sum(c < threshold for c in right) / max(len(right), 1),
        sum(c < threshold for c in wrong) / max(len(wrong), 1),
    )


def print_summary(reports: list[FoldedReport]) -> None:
    if len(reports) > 1:
        print(f"over {len(reports)} seeds ({', '.join(str(r.seed) for r in reports)}): mean, min")
        per_seed = [figures(r) for r in reports]
        for name in per_seed[0]:
            values = [f[name] for f in per_seed]
            low = min(values)
            print(f"  {name:<20} {statistics.mean(values):.3f}  {low:.3f}{verdict(name, low)}")
    by_intent: dict[str, list[float]] = defaultdict(list)
    for report in reports:
        for label, f1 in intent_f1(report).items():
            by_intent[label].append(f1)
    worst = sorted((statistics.mean(values), label) for label, values in by_intent.items())[:8]
    print("  lowest intent F1:   " + ", ".join(f"{label} {f1:.2f}" for f1, label in worst))
    pairs: Counter[tuple[str, str]] = Counter()
    for report in reports:
        pairs += confusions(report)
    if pairs:
        print(f"  most confused (true -> predicted: held-out examples, all {len(reports)} seeds):")
        for (label, other), count in pairs.most_common(10):
            print(f"    {label} -> {other}: {count}")


def run_cross_validation() -> list[FoldedReport]:
    reports = []
    for seed in SEEDS:
        started = time.perf_counter()
        report = cross_validate(CONFIG, DATA, FOLDS, seed)
        print_seed(report, time.perf_counter() - started)
        reports.append(report)
    print_summary(reports)
    if ERRORS_FILE:
        errors = [dict(error, seed=r.seed) for r in reports for error in r.errors]
        Path(ERRORS_FILE).write_text(json.dumps(errors, indent=1))
        print(f"  misclassified held-out examples: {ERRORS_FILE}")
    return reports


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


def time_training(workdir: Path) -> float:
    took = rasa(
        "train",
        "--config",
        str(CONFIG),
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
    print(
        f"full rasa train: {took:.0f} s   target <= {TRAINING_BUDGET_SECONDS} s: "
        f"{'ok' if took <= TRAINING_BUDGET_SECONDS else 'MISSED'}"
    )
    return took


def main() -> None:
    print(f"cores: {os.cpu_count()}, load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if CROSS_VALIDATE:
        run_cross_validation()
    if TIME_TRAINING:
        with tempfile.TemporaryDirectory(prefix="frontdesk-bench-nlu-") as tmp:
            time_training(Path(tmp))


if __name__ == "__main__":
    main()
