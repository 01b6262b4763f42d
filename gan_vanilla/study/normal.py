"""Is my run normal? One run's numbers placed in the spread of the committed study's runs of
the same settings (docs/study/), figure by figure.

A seed run again on another machine follows a trajectory of its own from the first rounding
that differs, so the question is not whether it repeats the study's run of that seed, but
whether it lands where the study's seeds land: within, above or below the range of their
figures, and above how many of them. The run's quality.csv is placed at each iteration the
study measured too, and its evaluation.json (evaluate --json) against results.csv.
"""

import json
import os

from ..io.csv_tables import DamagedFile
from ..run.monitor import read_quality
from .report import METRICS
from .results import StudyResults, read_config

# What makes a configuration: the settings that change what is trained, but for its length,
# which decides only how far the run's numbers reach.
TRAINING = ("mb_size", "Z_dim", "h_dim", "lr", "beta1")
QUALITY = ("classes_covered", "kl_uniform", "classifier_score", "frechet_distance")
# Each figure as the quality monitor's line names and writes it (run/monitor.py quality_line).
SHOWN = {"parzen_ll": ("Parzen", "{:.1f}"), "classes_covered": ("digits", "{:.0f}"),
         "kl_uniform": ("KL", "{:.2f}"), "classifier_score": ("score", "{:.2f}"),
         "frechet_distance": ("FD", "{:.0f}")}


class NotComparable(Exception):
    """The run and the study cannot be compared; the message says why."""


def how_far(values, reference):
    """Where a reference figure lies against a range of values: 'far above' or 'far below'
    when it lies outside the range by more than the range is wide, 'above' or 'below' when
    outside by less, 'within' inside. (docs/REPRODUCTION.md words its figures so too.)"""
    low, high = min(values), max(values)
    if low <= reference <= high:
        return "within"
    gap = reference - high if reference > high else low - reference
    where = "above" if reference > high else "below"
    return f"far {where}" if gap > high - low else where


def listing(items, last="and"):
    """['a'] -> 'a'; ['a', 'b'] -> 'a and b'; ['a', 'b', 'c'] -> 'a, b and c'."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def place(value, values):
    """Where a run's figure lies among the seeds' figures: how_far's word ('within', 'above',
    'below', or 'far above' when it lies outside by more than the seeds' range is wide) and
    how many seeds lie lower, level and higher: ('within', '2 lower, 3 level, 5 higher'),
    ('above', 'all 10 lower')."""
    counts = {"lower": sum(v < value for v in values), "level": sum(v == value for v in values),
              "higher": sum(v > value for v in values)}
    if max(counts.values()) == len(values):
        side = next(k for k, n in counts.items() if n)
        return how_far(values, value), f"all {len(values)} {side}"
    return how_far(values, value), ", ".join(f"{n} {k}" for k, n in counts.items() if n)


def configuration_of(study, settings):
    """The study's configuration trained with the run's settings: the same TRAINING settings,
    and the same length where the study has one; None where it has none."""
    same = [config for config, theirs in study.settings.items()
            if all(theirs.get(k) == settings.get(k) for k in TRAINING)]
    long = [c for c in same if study.settings[c].get("iterations") == settings.get("iterations")]
    return (long or same or [None])[0]


def read_run(run_dir):
    """The run's settings (config.json), its quality.csv's columns and its evaluations
    (evaluation.json, evaluation-best.json; None where there is none)."""
    if os.path.exists(os.path.join(run_dir, "ensemble.json")):
        raise NotComparable(f"{run_dir} holds an ensemble: name one member's folder, e.g. "
                            f"{os.path.join(run_dir, 'seed-S')}")
    config = os.path.join(run_dir, "config.json")
    if not os.path.exists(config):
        raise NotComparable(f"{run_dir} has no config.json: is it a run's folder (the "
                            "train command's --out-dir)?")
    settings = read_config(config)["settings"]
    evaluations = {}
    for kind, name in (("last", "evaluation.json"), ("best", "evaluation-best.json")):
        path = os.path.join(run_dir, name)
        try:
            with open(path, encoding="utf-8") as f:
                evaluations[kind] = json.load(f)
            if not all(isinstance(evaluations[kind].get(m), int | float) for m in METRICS):
                raise ValueError
        except FileNotFoundError:
            evaluations[kind] = None
        except (OSError, ValueError, AttributeError):
            raise DamagedFile(f"{path} is not an evaluation (evaluate --json)") from None
    return settings, read_quality(os.path.join(run_dir, "quality.csv")), evaluations


def compare(run_dir, study_dir):
    """The lines that place the run in the study's spread, and the figures that lie
    outside it ([] when every one lies within)."""
    settings, quality, evaluations = read_run(run_dir)
    study = StudyResults(study_dir)
    config = configuration_of(study, settings)
    if config is None:
        wanted = ", ".join(f"{k} {settings.get(k)}" for k in TRAINING)
        raise NotComparable(f"{study_dir} has no configuration trained with {run_dir}'s "
                            f"settings ({wanted}); it has {', '.join(study.configurations)}")
    rows = study.of(config)
    seeds = [r["seed"] for r in rows]
    lines = [f"{run_dir} (seed {settings.get('seed')}) against {study_dir}'s configuration "
             f"{config!r}: each figure within, above or below the range of its "
             f"{len(seeds)} seeds, and how many of them lie lower, level and higher"]
    outside = []

    def placed(what, metric, value, values):
        word, rank = place(value, values)
        name, fmt = SHOWN[metric]
        if word != "within":
            outside.append(f"{what}: {name} {word}")
        return f"{name} {fmt.format(value)} ({word}: {rank})"

    study_quality = {s: study.quality(config, s) for s in seeds}
    if quality["iteration"]:
        lines.append("the quality monitor (quality.csv):")
    for k, it in enumerate(quality["iteration"]):
        theirs = {s: q["iteration"].index(it) for s, q in study_quality.items()
                  if it in q["iteration"]}
        if not theirs:
            continue
        cells = [placed(f"quality at {int(it):,}", m, quality[m][k],
                        [study_quality[s][m][i] for s, i in theirs.items()]) for m in QUALITY]
        lines.append(f"  {int(it):>7,}: " + "; ".join(cells))
    for kind, name, prefix in (("last", "evaluation.json", ""),
                               ("best", "evaluation-best.json", "best_")):
        ev = evaluations[kind]
        theirs = [r for r in rows if r[prefix + "parzen_ll"] is not None]
        if ev is None or not theirs or kind == "last" and ev.get("iteration") != theirs[0][
                "iterations"]:  # a run of another length: its monitor alone compares
            continue
        cells = [placed(f"the {kind} generator's evaluation", m, ev[m],
                        [r[prefix + m] for r in theirs]) for m in METRICS]
        lines.append(f"the {kind} generator's evaluation ({name}, iteration "
                     f"{ev.get('iteration'):,}):")
        lines.append("  " + "; ".join(cells))
    if len(lines) == 1:
        raise NotComparable(f"nothing to compare: {run_dir} has no quality.csv row at an "
                            f"iteration {config!r}'s runs measured, and no evaluation of its "
                            "last iteration (evaluate --json) as theirs")
    accuracy = study.real.get("classifier_test_accuracy")
    lines.append(f"The classifier's figures depend on the classifier: the study's scored "
                 f"{100 * accuracy:.2f}% on the test images (real.json); one trained on "
                 f"another machine differs a little, and so do the figures it gives "
                 f"(docs/monitor.md).")
    return lines, outside
