"""out/losses.csv: the losses and D's outputs, averaged over windows of iterations. Each
iteration's values stay on the training device and reach the host once a window (no
host-device synchronisation in a GPU loop), and name the first NaN or infinite loss."""

import math
import os

import torch

from ..io.csv_tables import append_row, read_log, write_table

COLUMNS = ("iteration", "D_loss", "G_loss", "D_real", "D_fake")


class Diverged(Exception):
    def __init__(self, iteration, what="D_loss or G_loss", who=""):
        super().__init__(f"{what} became NaN or infinite at iteration {iteration}{who}")
        self.iteration = iteration


class LossLog:
    """paths: each member's losses.csv (one, for a single run); `names` names a member in a
    message ("seed 3"), none for a single run."""

    def __init__(self, paths, device, every=100, on_row=None, log=print, names=None):
        self.every, self.on_row, self.log = every, on_row, log
        self.paths, self.names = list(paths), names
        # One row per iteration of the open window and member: D_loss, G_loss, mean D(x),
        # mean D(G(z)): (every, members, 4).
        self.window = torch.zeros(every, len(self.paths), 4, device=device)
        self.count = 0  # rows filled
        self.first = 0  # the iteration of row 0
        self.kept = None  # a resumed log's earlier rows (a list per file), rewritten later

    @torch.no_grad()
    def record(self, it, D_loss, G_loss, D_real, D_fake):
        """Keep iteration `it`'s values; at the end of each window, write its row. A single
        run's losses are numbers and D_real is (mb_size, 1); an ensemble's (K,) and
        (K, mb_size, 1): either way each member's mean over its own rows."""
        if self.count == 0:
            self.first = it
        values = (D_loss, G_loss, D_real.mean(dim=(-2, -1)), D_fake.mean(dim=(-2, -1)))
        self.window[self.count] = torch.stack(values, dim=-1)  # (members, 4), or (4,)
        self.count += 1
        if self.count == self.every:
            self.flush()

    def check(self):
        """Raise Diverged, naming the iteration, if the open window holds a bad loss. Returns
        each file's rows: [[D_loss, G_loss, D_real, D_fake] per iteration] per file."""
        rows = self.window[: self.count].tolist()  # the one host-device transfer per window
        per_file = [[row[k] for row in rows] for k in range(len(self.paths))]
        for k, member in enumerate(per_file):
            who = f" ({self.names[k]})" if self.names else ""
            for i, row in enumerate(member):
                if not (math.isfinite(row[2]) and math.isfinite(row[3])):
                    raise Diverged(self.first + i, what="D's output", who=who)  # NanGuard
                if not (math.isfinite(row[0]) and math.isfinite(row[1])):
                    raise Diverged(self.first + i, who=who)
        return per_file

    def flush(self):
        """Write the open window's means as one row (the row of its last iteration)."""
        per_file = self.check()
        if self.kept is not None:
            for path, kept in zip(self.paths, self.kept, strict=True):
                write_table(path, [COLUMNS, *kept])
            self.kept = None
        if not self.count:
            return
        last = self.first + self.count - 1
        all_means = []
        for path, rows in zip(self.paths, per_file, strict=True):
            means = [sum(column) / len(rows) for column in zip(*rows, strict=True)]
            append_row(path, [last, *(f"{v:.6g}" for v in means)])
            all_means.append(means)
        self.count = 0
        if self.on_row is not None:
            self.on_row(last, all_means)

    def start(self, iteration):
        """Begin the file at `iteration`. A resumed log drops the rows from the open window on
        (a finished run's partial last row; rows written after the checkpoint), to write them
        again, and rewrites the file only with its first new row: a failed resume leaves it."""
        if iteration == 0:
            for path in self.paths:
                write_table(path, [COLUMNS])
            return
        keep_before = self.first if self.count else iteration
        self.kept = [[] for _ in self.paths]
        for path, rows in zip(self.paths, self.kept, strict=True):
            if os.path.exists(path):
                rows += [r for r in read_losses(path, as_text=True) if int(r[0]) < keep_before]
            else:
                self.log(f"{path} is missing: it starts again at iteration {iteration}, "
                         "without the rows before")

    def state_dict(self, k=0):
        """Member k's open window (a single run's: k = 0), as its checkpoint keeps it."""
        return {"window": self.window[: self.count, k].cpu(), "first": self.first}

    def load_state_dicts(self, states):
        """Each member's window, from its checkpoint (a single run's: one)."""
        counts = {s["window"].shape[0] for s in states}
        firsts = {s["first"] for s in states}
        if len(counts) > 1 or len(firsts) > 1:
            raise ValueError("the members' loss logs stand at different iterations")
        self.count = counts.pop()
        self.window[: self.count] = torch.stack([s["window"] for s in states], dim=1)
        self.first = firsts.pop()


def read_losses(path, as_text=False):
    """losses.csv, as read_log reads a run's log: columns of floats, or (as_text) rows of text."""
    return read_log(path, COLUMNS, "a gan-vanilla loss log", "an iteration and four numbers",
                    as_text)
