"""A study: many training runs, each evaluated, gathered into one table.

A study file (TOML) names configurations, each a set of the train command's flags, and the
seeds to run each with:

    out_dir = "out/study-knobs"        # runs and results go here
    data_dir = "data"                  # MNIST, as --data-dir
    seeds = [0, 1, 2]                  # for every configuration that names none
    evaluate_samples = 10000           # evaluate --samples (default: 10000)

    [flags]                            # flags every run shares (optional)
    quality-every = 10000

    [configurations.post]              # the post's settings: no flags of its own
    seeds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]

    [configurations.dcgan-adam]
    lr = 2e-4
    beta1 = 0.5

Every run is two commands, train and evaluate, each a process of its own, so that a run is
exactly what a user would type (`--list` prints them) and a crash or Ctrl-C loses only the
iterations since the last checkpoint. A run whose evaluation was written for exactly its
flags is done; a run with a checkpoint goes on from it with --resume.
"""

import argparse
import json
import os
import shlex
import sys
import time
import tomllib

from ..run.files import write_json
from ..run.flags import train_parser

TOP_KEYS = {"out_dir", "data_dir", "seeds", "evaluate_samples", "flags", "configurations",
            "classifier_cache"}
# Flags a study may not set per run: the study chooses them.
RESERVED = {"out-dir", "data-dir", "seed", "resume", "quiet", "classifier-cache"}


class StudyError(Exception):
    """The study file is wrong; the message says where."""


class Run:
    """One configuration with one seed: its folder, its flags, its two commands."""

    def __init__(self, study, config, seed, flags):
        self.study, self.config, self.seed, self.flags = study, config, seed, flags
        self.dir = os.path.join(study.out_dir, "runs", config, f"seed-{seed}")
        self.checkpoint = os.path.join(self.dir, "checkpoint.pt")
        self.evaluation = os.path.join(self.dir, "evaluation.json")
        self.record = os.path.join(self.dir, "study-run.json")  # the flags, the time spent

    def train_argv(self, resume=False):
        argv = ["--data-dir", self.study.data_dir, "--seed", str(self.seed), "--quiet"]
        if self.study.classifier_cache:
            argv += ["--classifier-cache", self.study.classifier_cache]
        if resume:
            argv += ["--resume", self.checkpoint]
            if "iterations" in self.flags:
                argv += ["--iterations", self.flags["iterations"]]
        else:
            argv += ["--out-dir", self.dir]
            for flag, value in self.flags.items():
                argv += [f"--{flag}"] if value is True else [f"--{flag}", value]
        return argv

    def evaluate_argv(self):
        argv = ["--checkpoint", self.checkpoint, "--data-dir", self.study.data_dir,
                "--samples", str(self.study.evaluate_samples), "--json", self.evaluation,
                "--png", os.path.join(self.dir, "evaluation.png")]
        if self.study.classifier_cache:
            argv += ["--classifier-cache", self.study.classifier_cache]
        return argv

    def command_line(self):
        """The run as one shell line: what --list prints for a scheduler."""
        train = " ".join(shlex.quote(a) for a in ["gan-vanilla-train", *self.train_argv()])
        evaluate = " ".join(shlex.quote(a) for a in ["gan-vanilla-evaluate",
                                                     *self.evaluate_argv()])
        return f"{train} && {evaluate}"

    def done(self):
        """Evaluated, for exactly these flags and this seed: as the study's record says, or,
        for a run a scheduler ran from --list (no record), as its checkpoint's settings say."""
        if not os.path.exists(self.evaluation):
            return False
        record = self.recorded()
        if record:
            return record.get("flags") == self.flags
        return self.checkpoint_matches()

    def checkpoint_matches(self):
        from ..run.checkpoint import CheckpointError, load_checkpoint
        from ..run.flags import settings_from_args

        try:
            saved = load_checkpoint(self.checkpoint)["settings"]
        except CheckpointError:
            return False
        expected = settings_from_args(train_parser().parse_args(self.train_argv())).to_dict()
        where = ("out_dir", "data_dir", "classifier_cache", "device")  # not the run's math
        return all(saved.get(k) == v for k, v in expected.items() if k not in where)

    def trained(self):
        """Whether the checkpoint holds every iteration the run asks for."""
        from ..run.checkpoint import CheckpointError, load_checkpoint
        from ..settings import Settings

        try:
            iteration = load_checkpoint(self.checkpoint)["iteration"]
        except CheckpointError:
            return False
        return iteration >= int(self.flags.get("iterations", Settings().iterations))

    def recorded(self):
        try:
            with open(self.record) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}


class Study:
    def __init__(self, path, out_dir, data_dir, evaluate_samples, classifier_cache, runs):
        self.path, self.out_dir, self.data_dir = path, out_dir, data_dir
        self.evaluate_samples, self.classifier_cache = evaluate_samples, classifier_cache
        self.runs = runs

    @property
    def configurations(self):
        return list(dict.fromkeys(run.config for run in self.runs))


def load_study(path, data_dir=None):
    """Read and check a study file: every run's flags pass the train command's own checks.
    data_dir, when given, overrides the file's."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        raise StudyError(f"cannot read study file {path}: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:  # a configuration named twice is one of these
        raise StudyError(f"study file {path} is not valid TOML: {e}") from None
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise StudyError(f"study file {path}: unknown key {sorted(unknown)[0]!r} (known: "
                         f"{', '.join(sorted(TOP_KEYS))})")
    configurations = data.get("configurations")
    if not isinstance(configurations, dict) or not configurations:
        raise StudyError(f"study file {path} names no [configurations.NAME]")
    out_dir = str(data.get("out_dir") or os.path.join(
        "out", "study-" + os.path.splitext(os.path.basename(path))[0]))
    study = Study(path, out_dir, data_dir or str(data.get("data_dir", "data")),
                  _int(data.get("evaluate_samples", 10000), "evaluate_samples", path),
                  data.get("classifier_cache"), [])
    shared = _flags(data.get("flags", {}), "[flags]", path)
    for name, table in configurations.items():
        if not isinstance(table, dict):
            raise StudyError(f"study file {path}: configurations.{name} must be a table")
        table = dict(table)
        seeds = table.pop("seeds", data.get("seeds"))
        if not seeds:
            raise StudyError(f"study file {path}: configuration {name!r} has no seeds (give "
                             "seeds = [...] in it or at the top)")
        if not isinstance(seeds, list) or len(set(map(str, seeds))) != len(seeds):
            raise StudyError(f"study file {path}: seeds of {name!r} must be a list of "
                             "different integers")
        flags = {**shared, **_flags(table, f"configurations.{name}", path)}
        for seed in seeds:
            run = Run(study, name, _int(seed, f"a seed of {name!r}", path), flags)
            _check_flags(run, path)
            study.runs.append(run)
    return study


def _int(value, what, path):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise StudyError(f"study file {path}: {what} must be a non-negative integer, "
                         f"not {value!r}")
    return value


def _flags(table, where, path):
    """A TOML table of flags as {flag: text}; true means a flag without a value."""
    flags = {}
    for key, value in table.items():
        flag = key.replace("_", "-")
        if flag in RESERVED:
            raise StudyError(f"study file {path}: {where} sets --{flag}, which the study "
                             "chooses for every run")
        if value is False:
            continue
        flags[flag] = True if value is True else str(value)
    return flags


def _check_flags(run, path):
    """The train command's own parser judges the flags, so a study accepts what it does."""
    import contextlib
    import io

    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            train_parser().parse_args(run.train_argv())
    except SystemExit:
        message = _last_line(stderr.getvalue()).removeprefix("gan-vanilla-train: error: ")
        raise StudyError(f"study file {path}, configuration {run.config!r}: {message}") from None


def run_study(study, jobs=1, log=print):
    """Train and evaluate every run that is not done, `jobs` at a time; returns the number of
    runs that failed. Ctrl-C stops every running run at its next iteration (each writes a
    checkpoint); the same command continues."""
    import concurrent.futures
    import subprocess

    todo = [run for run in study.runs if not run.done()]
    log(f"study {study.path}: {len(study.runs)} runs, {len(study.runs) - len(todo)} done, "
        f"{len(todo)} to run, {jobs} at a time, in {study.out_dir}")
    threads = max(1, (os.cpu_count() or 1) // jobs)
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    stopping = []

    def one(run):
        if stopping:
            return "skipped"
        os.makedirs(run.dir, exist_ok=True)
        record = run.recorded() if os.path.exists(run.checkpoint) else {}
        if record.get("flags", run.flags) != run.flags:  # old flags: start the run anew
            for name in os.listdir(run.dir):
                os.remove(os.path.join(run.dir, name))
            record = {}
        resume = os.path.exists(run.checkpoint)
        seconds = record.get("train_seconds", 0.0)
        write_json(run.record, {"flags": run.flags, "seed": run.seed,
                                 "train_seconds": seconds})
        if not (resume and run.trained()):  # stopped after training, before its evaluation
            start = time.monotonic()
            train = subprocess.run([sys.executable, "-c", _TRAIN, *run.train_argv(resume)],
                                   env=env, capture_output=True, text=True)
            seconds += time.monotonic() - start
            write_json(run.record, {"flags": run.flags, "seed": run.seed,
                                     "train_seconds": round(seconds, 1)})
            if train.returncode in (130, 143):
                stopping.append(run)
                return "stopped"
            if train.returncode != 0:
                return "failed: " + _last_line(train.stderr)
        evaluate = subprocess.run([sys.executable, "-c", _EVALUATE, *run.evaluate_argv()],
                                  env=env, capture_output=True, text=True)
        if evaluate.returncode != 0:
            return "evaluation failed: " + _last_line(evaluate.stderr)
        return f"done in {seconds:.0f} s of training"

    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(one, run): run for run in todo}
        try:
            for future in concurrent.futures.as_completed(futures):
                run, outcome = futures[future], future.result()
                failed += outcome.startswith(("failed", "evaluation failed"))
                if outcome != "skipped":
                    log(f"{run.config} seed {run.seed}: {outcome}")
        except KeyboardInterrupt:
            stopping.append(None)  # the runs themselves got the same Ctrl-C
            for future in futures:
                future.cancel()
            raise
    if stopping:
        raise KeyboardInterrupt
    return failed


_TRAIN = "import sys; from gan_vanilla.cli.train import main; sys.exit(main(sys.argv[1:]))"
_EVALUATE = "import sys; from gan_vanilla.cli.evaluate import main; sys.exit(main(sys.argv[1:]))"


def _last_line(text):
    lines = text.strip().splitlines()
    return lines[-1] if lines else "(no message)"


def main(argv=None):
    from .report import collect

    parser = argparse.ArgumentParser(
        prog="gan-vanilla-study",
        description="Train and evaluate every run a study file names, then gather the "
        "results. Runs already evaluated are skipped; interrupted runs resume.")
    parser.add_argument("study", help="the study file (TOML); see studies/")
    parser.add_argument("--data-dir", default=None,
                        help="MNIST lives in DATA_DIR/MNIST/raw (default: the study file's "
                        "data_dir, else data)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="runs at a time, torch's threads split among them (default: 1)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--list", action="store_true",
                      help="print each run's commands, one run per line, and stop")
    what.add_argument("--collect", action="store_true",
                      help="only gather the results of the runs that are done")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    try:
        study = load_study(args.study, data_dir=args.data_dir)
    except StudyError as e:
        print(f"gan-vanilla-study: error: {e}", file=sys.stderr)
        return 1
    if args.list:
        try:
            for run in study.runs:
                print(run.command_line(), flush=True)
        except BrokenPipeError:  # `--list | head`: the reader has what it wanted
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (nothing more is printed)
        return 0
    failed = 0
    if not args.collect:
        try:
            failed = run_study(study, args.jobs)
        except KeyboardInterrupt:
            print(f"gan-vanilla-study: stopped; every run wrote its checkpoint. The same "
                  f"command continues: gan-vanilla-study {shlex.quote(args.study)}",
                  file=sys.stderr)
            return 130
    try:
        written = collect(study)
    except OSError as e:
        print(f"gan-vanilla-study: error: could not write {e.filename}: {e.strerror or e}",
              file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 1 if failed else 0
