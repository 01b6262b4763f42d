"""The committed files the generated pages are written from (docs/study/), each read once and
checked: a file that is missing or damaged stops the generator with one line naming it.

    results.csv        one row per run (scripts/study.py), the baseline's runs among them
    real.json          evaluate --real --json: real training images, the reference row
    runs/CONFIGURATION/seed-N/{quality.csv, losses-every-1000.csv, config.json}
    wide/*.csv         scripts/wide_diagnostics.py's logs of the wide runs' first iterations
    samples.csv        the samples of each configuration's first seed, in numbers
    published.csv      figures quoted from papers, each with its source
    earlier.csv        the figures an earlier version of REPRODUCTION.md gave, with its commit
    rerun/post-seed-0/ the default train command run again (seed 0): what it printed, its
                       quality.csv and its losses digest (docs/monitor.md's example)
"""

import json
import math
import os
from functools import cached_property

from ...files.tables import OPTIONAL, DamagedFile, columns_of, read_table
from ...run.losslog import COLUMNS as LOSS_COLUMNS
from ...run.monitor import read_quality
from ..dynamics import SAMPLE_COLUMNS
from ..publish import CONFIG, LOSSES, QUALITY, WIDE, run_folder, wide_logs
from ..report import BEST, METRICS
from ..wide import read_log

BASELINE = "post"  # the configuration every other one is compared with
RERUN = os.path.join("rerun", "post-seed-0")  # the baseline's seed 0, trained again


class PageError(Exception):
    """A committed file is not what the pages are written from; the message says how."""


class StudyFiles:
    """docs/study/'s files, each read (and checked) the first time a page asks for it."""

    def __init__(self, folder):
        self.folder = folder

    def path(self, *names):
        return os.path.join(self.folder, *names)

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
    def runs(self):
        """{(configuration, seed): (quality.csv's columns, the losses digest's columns)}."""
        return read_runs(self.folder, self.rows)

    def quality(self, config, seed):
        return self.runs[config, seed][0]

    def losses(self, config, seed):
        return self.runs[config, seed][1]

    @cached_property
    def settings(self):
        """{configuration: its first run's settings (config.json)}; the runs of one
        configuration share them but for the seed."""
        out = {}
        for config in self.configurations:
            seed = self.of(config)[0]["seed"]
            path = os.path.join(run_folder(self.folder, config, seed), CONFIG)
            out[config] = _read_json(path)["settings"]
        return out

    @cached_property
    def versions(self):
        """Each run's config.json 'versions' (python, torch, ...), in the rows' order."""
        return [_read_json(os.path.join(run_folder(self.folder, r["configuration"],
                                                   r["seed"]), CONFIG)).get("versions", {})
                for r in self.rows]

    @cached_property
    def wide(self):
        """{'h512 seed 0': the log's columns, ...} of wide/, by width then seed."""
        out = {}
        for path in wide_logs(self.folder):
            try:
                out[os.path.basename(path)[:-4].replace("-seed-", " seed ")] = read_log(path)
            except DamagedFile as e:
                raise PageError(str(e)) from None
        return out

    @cached_property
    def wide_real(self):
        try:
            log = read_log(self.path(WIDE, "real.csv"))
        except DamagedFile as e:
            raise PageError(str(e)) from None
        return {c: values[0] for c, values in log.items()}

    @cached_property
    def samples(self):
        """samples.csv: {configuration: {column: float}}."""
        rows = _read_table(self.path("samples.csv"), "the samples' numbers",
                           ("configuration", "seed", "samples", *SAMPLE_COLUMNS),
                           {"configuration": str})
        return {r["configuration"]: {k: float(v) for k, v in r.items() if k != "configuration"}
                for r in rows}

    @cached_property
    def published(self):
        """published.csv: {(source, model, figure): (value, plus_minus or None)} with the
        source of each; the page quotes them, it never measures them."""
        rows = _read_table(self.path("published.csv"), "figures quoted from papers",
                           ("table", "model", "figure", "value", "plus_minus", "source"),
                           {"table": str, "model": str, "figure": str, "plus_minus": OPTIONAL,
                            "source": str})
        return {(r["table"], r["model"]): {
            **r, "value": float(r["value"]),
            "plus_minus": float(r["plus_minus"]) if r["plus_minus"] else None} for r in rows}

    def published_table(self, table):
        return [r for key, r in self.published.items() if key[0] == table]

    @cached_property
    def earlier(self):
        """earlier.csv: the seeds an earlier page gave, {seed: row}."""
        rows = _read_table(self.path("earlier.csv"), "an earlier page's figures",
                           ("seed", "parzen_ll", "classes_covered", "source"),
                           {"seed": int, "classes_covered": int, "source": str})
        return {int(r["seed"]): {**r, "parzen_ll": float(r["parzen_ll"]),
                                 "classes_covered": int(r["classes_covered"])} for r in rows}

    @cached_property
    def rerun_printed(self):
        """The lines the rerun printed on the terminal (docs/study/README.md says which)."""
        path = self.path(RERUN, "printed.txt")
        try:
            with open(path, encoding="utf-8") as f:
                return f.read().splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise PageError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}") \
                from None

    @cached_property
    def rerun_quality(self):
        try:
            return read_quality(self.path(RERUN, QUALITY))
        except DamagedFile as e:
            raise PageError(str(e)) from None

    @cached_property
    def rerun_losses(self):
        try:
            return _read_losses(self.path(RERUN, LOSSES), LOSS_COLUMNS,
                                "a digest of a gan-vanilla loss log",
                                "an iteration and four numbers")
        except DamagedFile as e:
            raise PageError(str(e)) from None


def _read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise PageError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("settings"), dict):
        raise PageError(f"{path} is not a run's config.json")
    return data


def _read_table(path, what, columns, kinds):
    """A committed table, checked by the one table reader (files/tables.py)."""
    try:
        return read_table(path, columns, f"{what} ({os.path.basename(path)})",
                          "a row with a value of its kind in each column", kinds, exact=False)
    except DamagedFile as e:
        raise PageError(str(e)) from None


def read_results(path):
    """results.csv as dicts, the metrics as floats; in the file's (the study's) order. Every
    figure must be a finite number; only the training time may be empty (a run a scheduler
    ran from `scripts/study.py --list` has none on record), and the best generator's figures
    (a run that kept none)."""
    numbers = ("iterations", "train_seconds", "parzen_se", "parzen_sigma", *METRICS,
               *(f"share_{k}" for k in range(10)))
    kinds = {"configuration": str, "seed": int, "flags": str, "train_seconds": OPTIONAL,
             **dict.fromkeys(BEST, OPTIONAL)}
    rows = _read_table(path, "a study's results.csv", ("configuration", "seed", "flags",
                                                       *numbers, *BEST), kinds)
    for line, row in enumerate(rows, start=2):
        _read_best(row, path, line)
        for c in ("seed", *numbers):
            row[c] = int(row[c]) if c == "seed" else float(row[c] or "nan")
            if not (c == "seed" or math.isfinite(row[c])
                    or c == "train_seconds" and math.isnan(row[c])):
                raise PageError(f"{path}, line {line}: {c} '{row[c]}' is not a finite number")
    if not any(r["configuration"] == BASELINE for r in rows):
        raise PageError(f"{path} has no run of the configuration '{BASELINE}', which every "
                        "other one is compared with")
    return rows


def _read_best(row, path, line):
    """The row's best_* figures as floats, or None each when the run kept no best generator
    (a run has all of them or none)."""
    given = [c for c in BEST if row.get(c)]
    if given and len(given) != len(BEST):
        missing = next(c for c in BEST if not row.get(c))
        raise PageError(f"{path}, line {line}: {missing} is empty while {given[0]} is not")
    for c in BEST:
        try:
            row[c] = float(row[c]) if given else None
        except ValueError:
            row[c] = math.nan
        if given and not math.isfinite(row[c]):
            raise PageError(f"{path}, line {line}: {c} is not a finite number")


def read_real(path):
    """The reference row: evaluate.py --real --json."""
    try:
        with open(path, encoding="utf-8") as f:
            real = json.load(f)
    except (OSError, UnicodeDecodeError) as e:
        raise PageError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}") from None
    except ValueError:
        raise PageError(f"{path} is not JSON: write it with `evaluate.py --real --json`") \
            from None
    numbers = (*METRICS, "parzen_se", "parzen_sigma")
    if (not isinstance(real, dict) or real.get("source") != "real"
            or not all(_finite(real.get(m)) for m in numbers)
            or not isinstance(real.get("class_histogram"), list)
            or len(real["class_histogram"]) != 10
            or not all(_finite(p) for p in real["class_histogram"])):
        raise PageError(f"{path} is not an evaluation of real images "
                        "(`evaluate.py --real --json`)")
    return real


def _finite(value):
    return isinstance(value, int | float) and math.isfinite(value)


def read_runs(study, rows):
    """Each run's committed files (publish.py): {(configuration, seed): (quality.csv's columns,
    the losses digest's columns)}."""
    runs = {}
    for r in rows:
        folder = run_folder(study, r["configuration"], r["seed"])
        for name in (QUALITY, LOSSES, CONFIG):
            if not os.path.exists(os.path.join(folder, name)):
                raise PageError(f"{os.path.join(folder, name)} is missing: results.csv has the "
                                f"run {r['configuration']} seed {r['seed']}; copy the study's "
                                "files with --from-study")
        try:
            runs[r["configuration"], r["seed"]] = (
                read_quality(os.path.join(folder, QUALITY)),
                _read_losses(os.path.join(folder, LOSSES), LOSS_COLUMNS,
                             "a digest of a gan-vanilla loss log",
                             "an iteration and four numbers"))
        except DamagedFile as e:
            raise PageError(str(e)) from None
    return runs


def _read_losses(path, columns, what, row_is):
    """A losses digest (every 1,000th row of a run's losses.csv), as columns of floats."""
    return columns_of(read_table(path, columns, what, row_is, {"iteration": int}), columns)
