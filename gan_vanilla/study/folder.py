"""One run of a study: a configuration with one seed, in OUT_DIR/runs/CONFIG/seed-S; its record
(study-run.json: its flags and training time), its two commands and its evaluations; whether it
is done, goes on, or is moved aside for a run of other flags."""

import json
import os

from ..io.atomic import write_json
from ..run.checkpoint import CheckpointError, load_checkpoint
from ..settings import Settings
from .results import evaluation_problem

RECORD = "study-run.json"  # in each run's folder: its flags and training time


class StudyRun:
    """One configuration with one seed: its folder, its flags, its two commands."""

    def __init__(self, study, config, seed, flags):
        self.study, self.config, self.seed, self.flags = study, config, seed, flags
        self.name = f"{config} seed {seed}"
        self.dir = os.path.join(study.out_dir, "runs", config, f"seed-{seed}")
        self.checkpoint = os.path.join(self.dir, "checkpoint.pt")
        self.evaluation = os.path.join(self.dir, "evaluation.json")
        self.best = os.path.join(self.dir, "best.pt")  # with the quality monitor on
        self.best_evaluation = os.path.join(self.dir, "evaluation-best.json")
        self.record = os.path.join(self.dir, RECORD)
        self.settings = None  # the Settings the train command makes of the flags (load_study)

    def train_argv(self):
        return train_argv(self.study, ["--seed", str(self.seed)], self.dir, self.flags)

    def evaluate_argv(self, best=False):
        """evaluate's arguments for the last checkpoint, or (best) for best.pt."""
        checkpoint, json_path = ((self.best, self.best_evaluation) if best else
                                 (self.checkpoint, self.evaluation))
        png = os.path.join(self.dir, "evaluation-best.png" if best else "evaluation.png")
        argv = ["--checkpoint", checkpoint, "--data-dir", self.study.data_dir,
                "--samples", str(self.study.evaluate_samples), "--json", json_path,
                "--png", png]
        if self.study.classifier_cache:
            argv += ["--classifier-cache", self.study.classifier_cache]
        return argv

    def read_evaluation(self, best=False):
        """(evaluation.json's numbers, None), (None, why the study cannot use it), or (None,
        None) without one: it must hold every number evaluate writes, each one a measurement
        can give (results.evaluation_problem), of the run's last iteration (best:
        evaluation-best.json, of best.pt's) and evaluate_samples samples."""
        path = self.best_evaluation if best else self.evaluation
        if not os.path.exists(path):
            return None, None
        try:
            with open(path) as f:
                evaluation = json.load(f)
        except (OSError, ValueError) as e:  # ValueError: not JSON, or not UTF-8
            return None, f"cannot be read ({e})"
        problem = evaluation_problem(evaluation)
        if problem:
            return None, problem
        iteration, which = ((self.best_iteration(), "best.pt's") if best else
                            (self.settings.iterations, "the run's last"))
        if evaluation["iteration"] != iteration:
            return None, f"is of iteration {evaluation['iteration']}, not {which} ({iteration})"
        if evaluation["samples"] != self.study.evaluate_samples:
            return None, (f"measured {evaluation['samples']} samples, not evaluate_samples "
                          f"{self.study.evaluate_samples}")
        return evaluation, None

    def best_iteration(self):
        """The iteration of the run's best.pt, or None where it has none (or a broken one)."""
        try:
            return load_checkpoint(self.best, generator_only=True)["iteration"]
        except CheckpointError:
            return None

    def evaluations_owed(self, log=None):
        """Which of the run's generators still want an evaluation: "last", and "best" where it
        kept a best.pt. One the study cannot use is owed again, and said (log)."""
        owed = []
        for kind, best in (("last", False), ("best", True)):
            if best and not os.path.exists(self.best):
                continue
            evaluation, problem = self.read_evaluation(best)
            if problem and log is not None:
                path = self.best_evaluation if best else self.evaluation
                log(f"{self.name}: {path} {problem}; evaluating it again")
            if evaluation is None:
                owed.append(kind)
        return owed

    def mismatch(self):
        """None when the run in the folder was trained with exactly this run's flags, as its
        record says (or, without one, its checkpoint's settings), else why not. A run is done
        when it matches and read_evaluation gives its numbers."""
        record = self.recorded()
        if record:
            return None if record.get("flags") == self.flags else "its flags changed"
        try:
            saved = load_checkpoint(self.checkpoint)["settings"]
        except CheckpointError as e:
            return str(e)
        differ = [key for key, value in self.settings.to_dict().items()
                  if key not in Settings.WHERE and saved.get(key) != value]
        return f"its checkpoint has other settings ({', '.join(differ)})" if differ else None

    def why_anew(self):
        """Why the run must start again from iteration 0 in an empty folder, or None: its
        folder holds a run with other flags, or files but no checkpoint to go on from."""
        if not os.path.isdir(self.dir):
            return None
        if os.path.exists(self.checkpoint):
            return self.mismatch()
        if set(os.listdir(self.dir)) - {RECORD}:
            return "its folder holds files but no checkpoint"
        return None

    def trained(self):
        """Whether the checkpoint holds every iteration the run asks for."""
        try:
            iteration = load_checkpoint(self.checkpoint)["iteration"]
        except CheckpointError:
            return False
        return iteration >= self.settings.iterations

    def recorded(self):
        try:
            with open(self.record) as f:
                record = json.load(f)
        except (OSError, ValueError):
            return {}
        return record if isinstance(record, dict) else {}

    def write_record(self, train_seconds):
        write_json(self.record, {"flags": self.flags, "seed": self.seed,
                                 "train_seconds": train_seconds})


def move_aside(path):
    """Rename `path` to the first free name beside it, PATH.old-1, -2, ...; returns it. One
    rename: a run's folder, or an ensemble.json, is all there or all moved, never half gone."""
    n = 1
    while os.path.lexists(f"{path}.old-{n}"):
        n += 1
    os.rename(path, f"{path}.old-{n}")
    return f"{path}.old-{n}"


def train_argv(study, who, out_dir, flags):
    """The train command's arguments for a study's run (who: --seed S) or ensemble (--seeds
    LIST): into out_dir with its flags. --auto-resume: the same command starts the run, goes on
    after a stop, and does nothing once it is finished, so a study can be run again."""
    argv = ["--data-dir", study.data_dir, *who, "--quiet"]
    if study.classifier_cache:
        argv += ["--classifier-cache", study.classifier_cache]
    return [*argv, "--out-dir", out_dir, *flag_argv(flags), "--auto-resume"]


def flag_argv(flags):
    """A study's flags as the train command's arguments: true is a bare flag, false the
    --no- form (only --cuda-graph has one), anything else a flag and its value."""
    argv = []
    for flag, value in flags.items():
        argv += ([f"--{flag}"] if value is True else [f"--no-{flag}"] if value is False
                 else [f"--{flag}", value])
    return argv

