"""A configuration's seeds trained as one ensemble process (`train --seeds`), into the folders
single runs write, so all that comes after the training is the same (docs/studies.md,
"Ensembles"). An ensemble is the runs that still need training, two or more that can go on
together: none has a checkpoint yet, or all have one at one iteration and ensemble.json names
exactly their seeds; any other mix trains run by run. On by default on CUDA only."""

import os

from ..run.checkpoint import CheckpointError, load_checkpoint
from ..run.flags import seeds_text
from ..run.stacked_folder import NAME, is_ensemble, read_seeds, same_seeds
from .folder import move_aside, train_argv


class Ensemble:
    """Runs of one configuration, trained by one train command."""

    def __init__(self, runs):
        self.runs = runs
        self.study, self.config = runs[0].study, runs[0].config
        self.seeds = [run.seed for run in runs]
        self.dir = os.path.dirname(runs[0].dir)  # runs/CONFIG: the members' seed-S beside
        self.name = f"{self.config} seeds {seeds_text(self.seeds)}"
        self.resume = False  # whether it goes on from its members' checkpoints (plan)

    def train_argv(self):
        return train_argv(self.study, ["--seeds", seeds_text(self.seeds)], self.dir,
                          self.runs[0].flags)

    def resumable(self):
        """Whether the members were stopped together: checkpoints at one iteration, and the
        folder's ensemble.json naming exactly these seeds."""
        if not is_ensemble(self.dir):
            return False
        try:
            if not same_seeds(read_seeds(self.dir), self.seeds):
                return False
            at = {load_checkpoint(run.checkpoint)["iteration"] for run in self.runs}
        except CheckpointError:
            return False
        return len(at) == 1

    def move_other_seeds_aside(self):
        """A new ensemble in a folder whose ensemble.json names other seeds (an earlier ensemble's)
        or is damaged: the file moves to ensemble.json.old-N, which frees the folder and loses
        nothing. Returns what was done, in words, or None."""
        path = os.path.join(self.dir, NAME)
        if not os.path.exists(path):
            return None
        try:
            if same_seeds(read_seeds(self.dir), self.seeds):
                return None
        except CheckpointError:
            pass
        return (f"{path} named other seeds; moved it to {move_aside(path)}, training seeds "
                f"{seeds_text(self.seeds)} as one ensemble")


def ensembles_on(study, setting):
    """Whether the study trains its configurations as ensembles: `setting` (the command's
    --ensembles / --no-ensembles, or the file's `ensembles`) when given, else on CUDA."""
    if setting is not None:
        return setting
    import torch

    devices = {run.settings.device for run in study.runs}
    return devices <= {"auto", "cuda"} and torch.cuda.is_available()


def plan(runs, on):
    """The work: each item a Run, or an Ensemble of runs of one configuration. `runs` are
    those not done, in the study's order."""
    if not on:
        return list(runs)
    work, by_config = [], {}
    for run in runs:
        by_config.setdefault(run.config, []).append(run)
    for group in by_config.values():
        need = [run for run in group if run.why_anew() or not run.trained()]
        rest = [run for run in group if run not in need]
        if len(need) >= 2:
            ensemble = Ensemble(need)
            anew = [bool(run.why_anew()) for run in need]
            fresh = all(a or not os.path.exists(run.checkpoint) for a, run in zip(anew, need,
                                                                                strict=True))
            ensemble.resume = not any(anew) and ensemble.resumable()
            if fresh or ensemble.resume:
                work.append(ensemble)
                work.extend(rest)
                continue
        work.extend(group)
    return work
