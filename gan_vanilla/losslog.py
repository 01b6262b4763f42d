"""out/losses.csv: the losses and D's outputs, averaged over windows of iterations.

Each iteration's values stay on the training device and reach the host once a window, so
logging adds no host-device synchronisation to a GPU loop. The same values name the first
iteration whose loss was NaN or infinite.
"""

import csv
import math
import os

import torch

from .atomic import save_atomic

COLUMNS = ("iteration", "D_loss", "G_loss", "D_real", "D_fake")


class Diverged(Exception):
    def __init__(self, iteration, what="D_loss or G_loss"):
        super().__init__(f"{what} became NaN or infinite at iteration {iteration}")
        self.iteration = iteration


class DamagedFile(Exception):
    """A file in the run folder that the run reads back is damaged or not the run's own."""


class LossLog:
    def __init__(self, path, device, every=100, on_row=None):
        self.path, self.every, self.on_row = path, every, on_row
        # One row per iteration of the open window: D_loss, G_loss, mean D(x), mean D(G(z)).
        self.window = torch.zeros(every, 4, device=device)
        self.count = 0  # rows filled
        self.first = 0  # the iteration of row 0
        self.kept = None  # a resumed log's earlier rows, rewritten with its first new row

    @torch.no_grad()
    def record(self, it, D_loss, G_loss, D_real, D_fake):
        """Keep iteration `it`'s values; at the end of each window, write its row."""
        if self.count == 0:
            self.first = it
        self.window[self.count] = torch.stack((D_loss, G_loss, D_real.mean(), D_fake.mean()))
        self.count += 1
        if self.count == self.every:
            self.flush()

    def check(self):
        """Raise Diverged, naming the iteration, if the open window holds a bad loss."""
        rows = self.window[: self.count].tolist()  # the one host-device transfer per window
        for i, row in enumerate(rows):
            if not (math.isfinite(row[2]) and math.isfinite(row[3])):
                raise Diverged(self.first + i, what="D's output")  # see train.bce_input
            if not (math.isfinite(row[0]) and math.isfinite(row[1])):
                raise Diverged(self.first + i)
        return rows

    def flush(self):
        """Write the open window's means as one row (the row of its last iteration)."""
        rows = self.check()
        if self.kept is not None:
            self._write(self.kept)
            self.kept = None
        if not rows:
            return
        means = [sum(column) / len(rows) for column in zip(*rows, strict=True)]
        with open(self.path, "a", newline="") as f:
            csv.writer(f).writerow([self.first + len(rows) - 1, *(f"{v:.6g}" for v in means)])
        self.count = 0
        if self.on_row is not None:
            self.on_row(self.first + len(rows) - 1, means)

    def start(self, iteration):
        """Begin the file at `iteration`. When resuming, rows from the open window on are
        dropped: a finished run's last, partial row, or rows a crash wrote after the
        checkpoint. The resumed run writes them again, so every row is written once. A resumed
        log checks the file now and rewrites it only with its first new row, so a resume that
        fails before that leaves the file as it was."""
        keep_before = self.first if self.count else iteration
        rows = []
        if iteration > 0 and os.path.exists(self.path):
            rows = [r for r in _read_rows(self.path) if int(r[0]) < keep_before]
        if iteration > 0:
            self.kept = rows
        else:
            self._write(rows)

    def _write(self, rows):
        def write(tmp):
            with open(tmp, "w", newline="") as f:
                csv.writer(f).writerows([COLUMNS, *rows])

        save_atomic(self.path, write)

    def state_dict(self):
        return {"window": self.window[: self.count].cpu(), "first": self.first}

    def load_state_dict(self, state):
        self.count = state["window"].shape[0]
        self.window[: self.count] = state["window"]
        self.first = state["first"]


def read_losses(path):
    """The rows of a losses.csv as a dict of columns of floats."""
    columns = {name: [] for name in COLUMNS}
    for row in _read_rows(path):
        for name, value in zip(COLUMNS, row, strict=True):
            columns[name].append(float(value))
    return columns


def _read_rows(path, columns=COLUMNS, what="a gan-vanilla loss log",
               row_is="an iteration and four numbers"):
    """The data rows of a losses.csv (or another of the run's CSV files: `columns`), as
    text, each checked to hold an iteration and numbers; DamagedFile, naming the file and
    the line, where one does not."""
    try:
        with open(path, newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            rows = [(reader.line_num, row) for row in reader if row]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise DamagedFile(f"{path} cannot be read as {what} ({e})") from None
    if header is None or tuple(header) != tuple(columns):
        raise DamagedFile(f"{path} is not {what} (its first line is not "
                          f"{','.join(columns)}); repair it or move it away")
    for line, row in rows:
        try:
            if len(row) != len(columns):
                raise ValueError
            int(row[0])
            list(map(float, row[1:]))
        except ValueError:
            raise DamagedFile(f"{path} is damaged: line {line} ({','.join(row)[:60]!r}) is "
                              f"not {row_is}; repair it or move it away") from None
    return [row for _, row in rows]
