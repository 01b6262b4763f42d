"""out/losses.csv: the losses and D's outputs, averaged over windows of iterations.

Each iteration's values stay on the training device and reach the host once a window, so
logging adds no host-device synchronisation to a GPU loop. The same values name the first
iteration whose loss was NaN or infinite.
"""

import csv
import math
import os

import torch

from .files import read_columns, read_csv, write_csv

COLUMNS = ("iteration", "D_loss", "G_loss", "D_real", "D_fake")


class Diverged(Exception):
    def __init__(self, iteration, what="D_loss or G_loss"):
        super().__init__(f"{what} became NaN or infinite at iteration {iteration}")
        self.iteration = iteration


class LossLog:
    def __init__(self, path, device, every=100, on_row=None, log=print):
        self.path, self.every, self.on_row, self.log = path, every, on_row, log
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
                raise Diverged(self.first + i, what="D's output")  # run/device.py, NanGuard
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
        elif iteration > 0:
            self.log(f"{self.path} is missing: it starts again at iteration {iteration}, "
                     "without the rows before")
        if iteration > 0:
            self.kept = rows
        else:
            self._write(rows)

    def _write(self, rows):
        write_csv(self.path, [COLUMNS, *rows])

    def state_dict(self):
        return {"window": self.window[: self.count].cpu(), "first": self.first}

    def load_state_dict(self, state):
        self.count = state["window"].shape[0]
        self.window[: self.count] = state["window"]
        self.first = state["first"]


def read_losses(path):
    """The rows of a losses.csv as a dict of columns of floats."""
    return read_columns(path, *_KIND)


def _read_rows(path):
    return read_csv(path, *_KIND)


_KIND = (COLUMNS, "a gan-vanilla loss log", "an iteration and four numbers")
