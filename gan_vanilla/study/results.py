"""A finished study's figures read back, checked: results.csv (one row per run, as report.py
writes it), real.json (evaluate --real --json: the reference row) and, for each run,
runs/CONFIGURATION/seed-N/quality.csv and config.json, as docs/study/ holds the committed
study's. Each file is read the first time it is asked for; one that is missing or damaged
raises DamagedFile, naming it."""

import json
import math
import os
from functools import cached_property

from ..io.csv_tables import OPTIONAL, DamagedFile, read_table
from ..run.monitor import read_quality
from .report import BEST, METRICS

QUALITY, CONFIG = "quality.csv", "config.json"


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
            self._quality[config, seed] = read_quality(self.run_file(config, seed, QUALITY))
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
    """A run's config.json: its settings and the versions it ran with."""
    data = _read_json(path, "the train command")
    if not isinstance(data, dict) or not isinstance(data.get("settings"), dict):
        raise DamagedFile(f"{path} is not a run's config.json")
    return data


def read_real(path):
    """The reference row: evaluate --real --json."""
    real = _read_json(path, "`evaluate.py --real --json`")
    numbers = (*METRICS, "parzen_se", "parzen_sigma")
    histogram = real.get("class_histogram") if isinstance(real, dict) else None
    if (not isinstance(real, dict) or real.get("source") != "real"
            or not all(_finite(real.get(m)) for m in numbers)
            or not isinstance(histogram, list) or len(histogram) != 10
            or not all(_finite(p) for p in histogram)):
        raise DamagedFile(f"{path} is not an evaluation of real images "
                          "(`evaluate.py --real --json`)")
    return real


def _finite(value):
    return isinstance(value, int | float) and math.isfinite(value)
