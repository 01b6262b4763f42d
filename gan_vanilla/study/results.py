"""A finished study's figures read back, checked: results.csv (one row per run, as report.py writes
it), real.json (evaluate --real --json: the reference row) and each run's quality.csv and
config.json, as docs/study/ holds the committed study's; and a run's own evaluation.json. Each file
is read when first asked for; one missing or damaged raises DamagedFile, naming it, as does a figure
that no measurement can give."""

import json
import math
import os
from functools import cached_property

from ..io.csv_tables import OPTIONAL, DamagedFile, read_table
from ..run.monitor import read_quality
from ..settings import Settings

QUALITY, CONFIG = "quality.csv", "config.json"
# The figures of an evaluation (evaluate --json), each better the higher or the lower it is.
METRICS = ("parzen_ll", "classes_covered", "kl_uniform", "classifier_score", "frechet_distance")
BETTER = {"parzen_ll": "higher", "classes_covered": "higher", "kl_uniform": "lower",
          "classifier_score": "higher", "frechet_distance": "lower"}
# The best generator's figures (best.pt, evaluated beside the last checkpoint); empty for a
# run that kept none.
BEST = ("best_iteration", *(f"best_{m}" for m in METRICS))
# What evaluate --json writes (measure/evaluation.py), each a number but the histogram.
EVALUATION_KEYS = ("iteration", "samples", "parzen_ll", "parzen_se", "classes_covered",
                   "kl_uniform", "classifier_score", "frechet_distance", "class_histogram")
# What each figure can be: the classifier's ten classes bound the digits covered, the KL to
# uniform (log 10 when every sample is one digit) and the classifier score (1 to 10); a
# distance is never negative; a log-likelihood is any finite number.
LIMITS = {"parzen_ll": (-math.inf, math.inf), "classes_covered": (0, 10),
          "kl_uniform": (0, math.log(10)), "classifier_score": (1, 10),
          "frechet_distance": (0, math.inf)}


def run_folder(study, config, seed):
    return os.path.join(study, "runs", config, f"seed-{seed}")


class StudyResults:
    """A study's files in `folder` (docs/study/, or a study's out_dir once gathered)."""

    def __init__(self, folder):
        self.folder = folder

    def path(self, *names):
        return os.path.join(self.folder, *names)

    def run_file(self, config, seed, name):
        """A file of one run of results.csv, which must be there."""
        path = os.path.join(run_folder(self.folder, config, seed), name)
        if not os.path.exists(path):
            raise DamagedFile(f"{path} is missing: results.csv has the run {config} seed {seed}")
        return path

    @cached_property
    def rows(self):
        return read_results(self.path("results.csv"))

    @cached_property
    def real(self):
        return read_real(self.path("real.json"))

    @cached_property
    def configurations(self):
        return list(dict.fromkeys(r["configuration"] for r in self.rows))

    def of(self, config):
        """The rows of one configuration, in the file's (seed) order."""
        return [r for r in self.rows if r["configuration"] == config]

    @cached_property
    def _quality(self):
        return {}

    def quality(self, config, seed):
        """A run's quality.csv as columns of floats."""
        if (config, seed) not in self._quality:
            self._quality[config, seed] = read_figures(self.run_file(config, seed, QUALITY))
        return self._quality[config, seed]

    def config(self, config, seed):
        """A run's config.json."""
        return read_config(self.run_file(config, seed, CONFIG))

    @cached_property
    def settings(self):
        """{configuration: its first run's settings (config.json)}; the runs of one
        configuration share them but for the seed."""
        return {c: self.config(c, self.of(c)[0]["seed"])["settings"] for c in self.configurations}


def read_results(path):
    """results.csv as dicts, the metrics as floats; in the file's (the study's) order. Every
    figure must be a finite number; only the training time may be empty (a run a scheduler
    ran from `scripts/study.py --list` has none on record), and the best generator's figures
    (a run that kept none)."""
    numbers = ("iterations", "train_seconds", "parzen_se", "parzen_sigma", *METRICS,
               *(f"share_{k}" for k in range(10)))
    kinds = {"configuration": str, "seed": int, "flags": str, "train_seconds": OPTIONAL,
             **dict.fromkeys(BEST, OPTIONAL)}
    rows = read_table(path, ("configuration", "seed", "flags", *numbers, *BEST),
                      "a study's results.csv", "a row with a value of its kind in each column",
                      kinds, exact=False)
    for line, row in enumerate(rows, start=2):
        _read_best(row, path, line)
        for c in ("seed", *numbers):
            row[c] = int(row[c]) if c == "seed" else float(row[c] or "nan")
            if not (c == "seed" or math.isfinite(row[c])
                    or c == "train_seconds" and math.isnan(row[c])):
                raise DamagedFile(f"{path}, line {line}: {c} '{row[c]}' is not a finite number")
    return rows


def _read_best(row, path, line):
    """The row's best_* figures as floats, or None each when the run kept no best generator
    (a run has all of them or none)."""
    given = [c for c in BEST if row.get(c)]
    if given and len(given) != len(BEST):
        missing = next(c for c in BEST if not row.get(c))
        raise DamagedFile(f"{path}, line {line}: {missing} is empty while {given[0]} is not")
    for c in BEST:
        row[c] = float(row[c]) if given else None
        if given and not math.isfinite(row[c]):
            raise DamagedFile(f"{path}, line {line}: {c} is not a finite number")


def _read_json(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, UnicodeDecodeError) as e:
        raise DamagedFile(f"cannot read {path}: {getattr(e, 'strerror', None) or e}") from None
    except ValueError:
        raise DamagedFile(f"{path} is not JSON: write it with {what}") from None


def read_config(path):
    """A run's config.json: its settings and the versions it ran with. Each setting that is a
    number (Settings) must be one of its kind: `"lr": "0.001"` is no learning rate."""
    data = _read_json(path, "the train command")
    if not isinstance(data, dict) or not isinstance(data.get("settings"), dict):
        raise DamagedFile(f"{path} is not a run's config.json")
    for key, value in data["settings"].items():
        kind = type(getattr(Settings, key, None))
        if kind in (int, float) and not (_is_number(value) and (kind is float or
                                                                 isinstance(value, int))):
            raise DamagedFile(f"{path} has {key} {json.dumps(value)}, not "
                              f"{'an integer' if kind is int else 'a number'}; repair it or "
                              "move it away")
    return data


def figure_problem(metric, value):
    """Why `value` cannot be a figure of `metric` ('frechet_distance -3, outside 0 to inf';
    LIMITS, and digits are whole), or None. The files round to six digits, so a bound may
    be passed by that much."""
    if not (_is_number(value) and math.isfinite(value)):
        return f"{metric} {json.dumps(value)}, not a finite number"
    low, high = LIMITS.get(metric, (-math.inf, math.inf))
    if not low - 1e-5 * max(1, abs(low)) <= value <= high + 1e-5 * max(1, abs(high)):
        return f"{metric} {value:g}, outside {low:g} to {high:.4g}"
    if metric == "classes_covered" and value != int(value):
        return f"{metric} {value:g}, not a whole number"
    return None


def evaluation_problem(evaluation, keys=EVALUATION_KEYS):
    """Why evaluate --json's object is no evaluation ('is incomplete (no samples)', 'has
    iteration "30000", not a count'), or None: each of `keys` a number (the histogram ten),
    the iteration a count, each figure one that a measurement can give."""
    if not isinstance(evaluation, dict):
        return "is not an evaluation"
    lacking = next((key for key in keys if key not in evaluation), None)
    if lacking:
        return f"is incomplete (no {lacking})"
    for key in keys:
        value = evaluation[key]
        if key == "class_histogram":
            if not (isinstance(value, list) and len(value) == 10 and all(map(_finite, value))):
                return "has a class_histogram that is not ten numbers"
        elif key in ("iteration", "samples"):
            if not (_is_number(value) and isinstance(value, int) and value >= 0):
                return f"has {key} {json.dumps(value)}, not a count"
        elif problem := figure_problem(key, value):
            return f"has {problem}"
    return None


def read_evaluation(path, keys=EVALUATION_KEYS):
    """evaluation.json (evaluate --json) checked by evaluation_problem; None where there is none."""
    if not os.path.exists(path):
        return None
    evaluation = _read_json(path, "evaluate --json")
    problem = evaluation_problem(evaluation, keys)
    if problem:
        raise DamagedFile(f"{path} {problem}; write it again with evaluate --json")
    return evaluation


def read_figures(path):
    """A run's quality.csv as read_quality gives it, each iteration once and each figure one
    that the monitor can give (figure_problem); DamagedFile, naming the file, otherwise."""
    quality = read_quality(path)
    its = quality["iteration"]
    again = next((it for k, it in enumerate(its) if it in its[:k]), None)
    if again is not None:
        raise DamagedFile(f"{path} has iteration {again:.0f} twice; repair it or move it away")
    for k, it in enumerate(its):
        problem = next(filter(None, (figure_problem(m, quality[m][k])
                                     for m in METRICS if m in quality)), None)
        if problem:
            raise DamagedFile(f"{path}, iteration {it:.0f}: {problem}")
    return quality


def read_real(path):
    """The reference row: evaluate --real --json."""
    real = _read_json(path, "`evaluate.py --real --json`")
    keys = (*METRICS, "parzen_se", "parzen_sigma", "class_histogram")
    if evaluation_problem(real, keys) or real.get("source") != "real":
        raise DamagedFile(f"{path} is not an evaluation of real images "
                          "(`evaluate.py --real --json`)")
    return real


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def _finite(value):
    return _is_number(value) and math.isfinite(value)
