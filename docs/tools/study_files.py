"""The committed files the generated pages are written from (docs/study/; README.md there says
what each holds), each read once and checked: a file that is missing or damaged stops the
generator with one line naming it. Those compare reads too come from the package's reader
(study/results.py), the pages' own from here, through the package's one table reader."""

import glob
import os
from functools import cached_property

from gan_vanilla.io.csv_tables import DamagedFile, columns_of, read_table
from gan_vanilla.run.losslog import read_losses
from gan_vanilla.study.results import StudyResults

from .dynamics import COLUMNS, SAMPLE_COLUMNS

BASELINE = "post"  # the configuration every other one is compared with
DIGEST_EVERY = 1000  # a run's losses digest keeps a losses.csv row every this many iterations
LOSSES = f"losses-every-{DIGEST_EVERY}.csv"  # each run's losses digest (publish.py)


class PageError(Exception):
    """A committed file is not what the pages are written from; the message says how."""


class StudyFiles(StudyResults):
    """docs/study/'s files, each read (and checked) the first time a page asks for it."""

    @cached_property
    def rows(self):
        rows = super().rows
        if not any(r["configuration"] == BASELINE for r in rows):
            raise PageError(f"{self.path('results.csv')} has no run of the configuration "
                            f"'{BASELINE}', which every other one is compared with")
        return rows

    @cached_property
    def repeats(self):
        """{configuration: iteration} for each configuration whose runs are the baseline's runs
        of the same seeds up to that iteration: every quality.csv row they share equal, up to
        the last one before they part (a longer run continued, as 200,000 iterations continue
        the post's seeds). Its curves up to there are no more evidence than the baseline's."""
        out, base = {}, {r["seed"] for r in self.of(BASELINE)}
        for config in self.configurations:
            seeds = [r["seed"] for r in self.of(config)]
            if config == BASELINE or not base.issuperset(seeds):
                continue
            ends = [same_rows(self.quality(config, k), self.quality(BASELINE, k)) for k in seeds]
            # They part before the end of every run, so a run that never parts is no repeat.
            if all(e is not None and e < max(self.quality(config, k)["iteration"])
                   for e, k in zip(ends, seeds, strict=True)):
                out[config] = min(ends)
        return out

    def losses(self, config, seed):
        """A run's losses digest (every DIGEST_EVERY-th row of its losses.csv), as columns."""
        return read_losses(self.run_file(config, seed, LOSSES))

    @cached_property
    def wide(self):
        """{'h512 seed 0': the log's columns, ...} of wide/, by width then seed, the pilots of
        other configurations (h512-lr-quarter) last."""
        folder = self.path("wide")
        names = [n[:-4] for n in glob.glob("h*-seed-*.csv", root_dir=folder)]

        def order(name):  # h128 before h512 before h1200 (a shorter width is a smaller one)
            run, _, seed = name.partition("-seed-")
            return (not run[1:].isdigit(), len(run), run, int(seed))

        return {n.replace("-seed-", " seed "): _columns(os.path.join(folder, f"{n}.csv"), COLUMNS)
                for n in sorted(names, key=order)}

    @cached_property
    def wide_real(self):
        """wide/real.csv: the same image numbers of real validation images (the reference)."""
        return {c: v[0] for c, v in _columns(self.path("wide", "real.csv"),
                                                       SAMPLE_COLUMNS).items()}

    @cached_property
    def samples(self):
        """samples.csv: {configuration: its row, the numbers as floats}."""
        return {r["configuration"]: r for r in self._table(
            "samples.csv", "the samples' numbers",
            ("configuration", "seed", "samples", *SAMPLE_COLUMNS), configuration=str)}

    def published(self, table):
        """published.csv's rows of one table of a paper (figures the page quotes, each with
        its source; never measured here), value and ± as floats."""
        return [r for r in self._table("published.csv", "figures quoted from papers", (
            "table", "model", "figure", "value", "plus_minus", "source"), table=str, model=str,
            figure=str, source=str) if r["table"] == table]

    def _table(self, name, what, columns, **kinds):
        """A committed table's rows, checked: each column a float unless `kinds` says otherwise
        (configuration=str)."""
        rows = read_table(self.path(name), columns, f"{what} ({name})",
                          "a row with a value of its kind in each column", kinds, exact=False)
        return [{c: r[c] if c in kinds else float(r[c]) for c in columns} for r in rows]


def read_text(path):
    """A committed text file, whole; PageError, naming it, when it cannot be read."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise PageError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}") from None


def _columns(path, columns):
    """A log of scripts/wide_diagnostics.py as a dict of columns of floats; one without rows is
    damaged."""
    rows = read_table(path, columns, "a log of scripts/wide_diagnostics.py",
                      f"{len(columns)} numbers")
    if not rows:
        raise DamagedFile(f"{path} has no rows: run scripts/wide_diagnostics.py again")
    return columns_of(rows, columns)


def at(log, column, it):
    """A column's value at an iteration of a log (a wide log, quality.csv, a losses digest);
    None where it has none."""
    return log[column][log["iteration"].index(it)] if it in log["iteration"] else None


def same_rows(a, b):
    """The last iteration up to which two tables' columns (quality.csv's, a losses digest's)
    agree at every iteration they share (None if they share none, or differ at the first)."""
    theirs = {it: k for k, it in enumerate(b["iteration"])}
    last = None
    for k, it in enumerate(a["iteration"]):
        if it not in theirs:
            continue
        if any(a[c][k] != b[c][theirs[it]] for c in a):
            break
        last = it
    return last
