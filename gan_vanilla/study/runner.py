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

A flag is written by its exact name in `gan-vanilla-train --help`, without the dashes (`h_dim`
for `h-dim` is fine); a flag without a value takes true or false. Everything in the file is
checked when it is read, and what could fail only later (MNIST, --mb-size against the training
split, a GPU, TensorBoard) before any run starts: a study never trains for hours and then
refuses.

Every run is two commands, train and evaluate, each a process of its own, so that a run is
exactly what a user would type (`--list` prints them) and a crash or Ctrl-C loses only the
iterations since the last checkpoint. A run whose evaluation was written for exactly its
flags is done; a run with a checkpoint goes on from it (--auto-resume); a run whose folder
holds a run with other flags is moved aside, whole, and trained anew.
"""

import argparse
import contextlib
import difflib
import fcntl
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import tomllib
import unicodedata

from ..run import flags as train_flags
from ..run.files import write_json
from ..run.flags import settings_from_args, train_parser
from .ensembles import Ensemble, ensembles_on, plan

TOP_KEYS = {"out_dir", "data_dir", "seeds", "evaluate_samples", "flags", "configurations",
            "classifier_cache", "ensembles"}
# What each top-level key must hold, in words for the message that refuses it.
TOP_TYPES = {"out_dir": (str, "text in quotes"), "data_dir": (str, "text in quotes"),
             "classifier_cache": (str, "text in quotes"), "seeds": (list, "a list"),
             "evaluate_samples": (int, "an integer"), "flags": (dict, "a table ([flags])"),
             "ensembles": (bool, "true or false"),
             "configurations": (dict, "tables ([configurations.NAME])")}
# Flags a study may not set per run: the study chooses them.
RESERVED = {"out-dir", "data-dir", "seed", "seeds", "resume", "auto-resume", "quiet",
            "classifier-cache", "overwrite"}
# What evaluation.json must hold for the study to use it: the numbers results.csv takes, the
# iteration and the sample count it was made for.
EVALUATION_KEYS = ("iteration", "samples", "parzen_ll", "parzen_se", "classes_covered",
                   "kl_uniform", "classifier_score", "frechet_distance", "class_histogram")
# Settings that say where a run reads, writes and runs, not what it trains.
WHERE = ("out_dir", "data_dir", "classifier_cache", "device")
RECORD = "study-run.json"  # in each run's folder: its flags and training time
LOCK = "study.lock"  # in the study's folder: held while a study runs or collects there


class StudyError(Exception):
    """The study file is wrong, or the study cannot go on; the message says where."""


class Stopped(Exception):
    """A signal stopped the study; the runs in progress were stopped through it."""

    def __init__(self, signum):
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


class Run:
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

    def command_line(self):
        """The run as one shell line: what --list prints for a scheduler."""
        train = " ".join(shlex.quote(a) for a in ["gan-vanilla-train", *self.train_argv()])
        evaluate = " ".join(shlex.quote(a) for a in ["gan-vanilla-evaluate",
                                                     *self.evaluate_argv()])
        if not self.settings.quality_every:
            return f"{train} && {evaluate}"
        best = " ".join(shlex.quote(a) for a in ["gan-vanilla-evaluate",
                                                 *self.evaluate_argv(best=True)])
        # best.pt is there unless the quality monitor could not be had.
        return f"{train} && {evaluate} && {{ test ! -e {shlex.quote(self.best)} || {best}; }}"

    def read_evaluation(self, best=False):
        """(evaluation.json's numbers, None); (None, why the study cannot use it); or (None,
        None) when there is none. A usable one holds every number of EVALUATION_KEYS and was
        made of the run's last iteration with the study's evaluate_samples. best: the same
        for evaluation-best.json, made of best.pt's iteration."""
        path = self.best_evaluation if best else self.evaluation
        if not os.path.exists(path):
            return None, None
        try:
            with open(path) as f:
                evaluation = json.load(f)
        except (OSError, ValueError) as e:  # ValueError: not JSON, or not UTF-8
            return None, f"cannot be read ({e})"
        if not isinstance(evaluation, dict):
            return None, "is not an evaluation"
        lacking = next((key for key in EVALUATION_KEYS
                        if not _holds_numbers(evaluation.get(key), key)), None)
        if lacking:
            return None, f"is incomplete (no {lacking})"
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
        from ..run.checkpoint import CheckpointError, load_checkpoint

        try:
            return load_checkpoint(self.best, generator_only=True)["iteration"]
        except CheckpointError:
            return None

    def evaluations_owed(self, log=None):
        """Which of the run's two generators still want an evaluation: "last", and "best"
        when the run kept a best.pt. An evaluation the study cannot use is owed again, and
        said (log)."""
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

    def matches(self):
        """Trained (or being trained) with exactly this run's flags. A run is done when it
        matches and read_evaluation gives its numbers."""
        return self.mismatch() is None

    def mismatch(self):
        """None when the run in the folder was trained with exactly this run's flags; else
        why not. The study's record says so; for a run a scheduler ran from --list (no
        record), the checkpoint's settings do."""
        from ..run.checkpoint import CheckpointError, load_checkpoint

        record = self.recorded()
        if record:
            return None if record.get("flags") == self.flags else "its flags changed"
        try:
            saved = load_checkpoint(self.checkpoint)["settings"]
        except CheckpointError as e:
            return str(e)
        differ = [key for key, value in self.settings.to_dict().items()
                  if key not in WHERE and saved.get(key) != value]
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

    def move_aside(self):
        """Rename the run's folder to the first free name beside it, seed-N.old-1, -2, ...
        One rename: the old run is all there or all moved, never half-deleted, and every file
        and folder it wrote (TensorBoard's too) goes with it."""
        n = 1
        while os.path.lexists(f"{self.dir}.old-{n}"):
            n += 1
        os.rename(self.dir, f"{self.dir}.old-{n}")
        return f"{self.dir}.old-{n}"

    def trained(self):
        """Whether the checkpoint holds every iteration the run asks for."""
        from ..run.checkpoint import CheckpointError, load_checkpoint

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


def train_argv(study, who, out_dir, flags):
    """The train command's arguments for a study's run (who: --seed S) or ensemble (--seeds
    LIST, ensembles.py): into out_dir with its flags. --auto-resume: the same line starts the
    run, continues it after a stop, and does nothing once it is finished, so that a line of
    --list can be run again (a requeued job) without losing a run."""
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


def _holds_numbers(value, key):
    if key == "class_histogram":
        return isinstance(value, list) and len(value) == 10 and all(map(_is_number, value))
    return _is_number(value)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Study:
    def __init__(self, path, out_dir, data_dir, evaluate_samples, classifier_cache, runs):
        self.path, self.out_dir, self.data_dir = path, out_dir, data_dir
        self.evaluate_samples, self.classifier_cache = evaluate_samples, classifier_cache
        self.runs = runs

    @property
    def configurations(self):
        return list(dict.fromkeys(run.config for run in self.runs))


def load_study(path, data_dir=None):
    """Read and check a study file: its keys, their types, the configurations' names, and
    every run's flags, which pass the train command's own checks. data_dir, when given,
    overrides the file's."""
    data = _read_toml(path)
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise _error(path, f"unknown key {unknown[0]!r}{_nearest(unknown[0], TOP_KEYS)} "
                     f"(known: {', '.join(sorted(TOP_KEYS))})")
    for key, (kind, words) in TOP_TYPES.items():
        value = data.get(key)
        if key in data and (not isinstance(value, kind) or value == ""
                            or isinstance(value, bool) and kind is not bool):
            raise _error(path, f"{key} must be {words}, not {_toml(value)}")
    configurations = data.get("configurations")
    if not configurations:
        raise _error(path, "it names no [configurations.NAME]")
    out_dir = data.get("out_dir") or os.path.join(
        "out", "study-" + os.path.splitext(os.path.basename(path))[0])
    study = Study(path, out_dir, data_dir or data.get("data_dir", "data"),
                  _evaluate_samples(data.get("evaluate_samples", 10000), path),
                  data.get("classifier_cache"), [])
    study.ensembles = data.get("ensembles")  # None: on CUDA (ensembles.py)
    shared = _flags(data.get("flags", {}), "[flags]", path)
    folders = {}  # each configuration's folder name as a case-insensitive file system sees it
    for name, table in configurations.items():
        _check_name(name, folders, path)
        if not isinstance(table, dict):
            raise _error(path, f"configurations.{name} must be a table")
        table = dict(table)
        seeds = table.pop("seeds", data.get("seeds"))
        if not seeds:
            raise _error(path, f"configuration {name!r} has no seeds (give seeds = [...] in it "
                         "or at the top)")
        if not isinstance(seeds, list) or len(set(map(str, seeds))) != len(seeds):
            raise _error(path, f"seeds of {name!r} must be a list of different integers")
        flags = _merge(shared, _flags(table, f"configurations.{name}", path))
        for seed in seeds:
            run = Run(study, name, _int(seed, f"a seed of {name!r}", path), flags)
            run.settings = _check_flags(run, path)
            study.runs.append(run)
    return study


def _read_toml(path):
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as e:
        raise StudyError(f"cannot read study file {path}: {e.strerror or e}") from None
    except UnicodeDecodeError as e:  # TOML is UTF-8
        raise StudyError(f"study file {path} is not UTF-8 text (byte 0x{e.object[e.start]:02x} "
                         f"at position {e.start})") from None
    except tomllib.TOMLDecodeError as e:  # a configuration named twice is one of these
        raise StudyError(f"study file {path} is not valid TOML: {e}") from None


def _error(path, message):
    return StudyError(f"study file {path}: {message}")


def _toml(value):
    """A value as the study file wrote it: false, not False; "x", not 'x'."""
    return json.dumps(value, default=str)


def _nearest(word, names):
    """'; did you mean NAME?' for the name that `word` begins, or else the closest one."""
    names = sorted(names)
    close = [n for n in names if n.startswith(word)] or difflib.get_close_matches(word, names, 1)
    return f"; did you mean {close[0]}?" if close else ""


def _int(value, what, path):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _error(path, f"{what} must be a non-negative integer, not {_toml(value)}")
    return value


def _evaluate_samples(value, path):
    """evaluate_samples, within evaluate's own bounds for --samples."""
    try:
        return train_flags.samples_type()(str(_int(value, "evaluate_samples", path)))
    except argparse.ArgumentTypeError as e:
        raise _error(path, f"evaluate_samples {e}") from None


def _check_name(name, folders, path):
    """A configuration's name is its folder under runs/: one plain folder name, and not the
    folder of another configuration on any file system (a case-insensitive one included)."""
    plain = (name not in ("", ".", "..") and not any(sep in name for sep in "/\\")
             and not any(ord(c) < 32 or ord(c) == 127 for c in name)
             and len(name.encode()) <= 255)
    if not plain:
        raise _error(path, f"configuration name {_toml(name)} is not a plain folder name (one "
                     "name of at most 255 bytes, no / or \\, not . or .., no control characters)")
    folder = unicodedata.normalize("NFC", name).casefold()
    if folder in folders:
        raise _error(path, f"configurations {_toml(folders[folder])} and {_toml(name)} would "
                     "share one folder (names that differ only in case are one folder on "
                     "some file systems)")
    folders[folder] = name


def _train_flags():
    """The train command's flags by their exact names, without the dashes: {name: action}."""
    return {option[2:]: action for action in train_parser()._actions
            for option in action.option_strings if option.startswith("--") and option != "--help"}


def _flags(table, where, path):
    """A TOML table of flags as {flag: text, or true/false for a flag without a value}, each
    key the exact name of one of the train command's flags (an underscore for a dash is
    fine), each flag set once."""
    known = _train_flags()
    flags, keys = {}, {}
    for key, value in table.items():
        flag = key.replace("_", "-")
        if flag in RESERVED:
            hint = " (give seeds = [...] instead)" if flag in ("seed", "seeds") else ""
            raise _error(path, f"{where} sets --{flag}, which the study chooses for every run"
                         f"{hint}")
        action = known.get(flag)
        if action is None:
            raise _error(path, f"{where}: {key} is not a flag of gan-vanilla-train"
                         f"{_nearest(flag, known)}")
        name = action.option_strings[0][2:]  # --no-cuda-graph sets --cuda-graph
        if name in keys:
            raise _error(path, f"{where} sets --{name} twice, as {keys[name]} and as {key}")
        keys[name] = key
        if action.nargs == 0:  # a flag without a value
            if not isinstance(value, bool):
                raise _error(path, f"{where}: {key} is true or false, not {_toml(value)}")
            flags[name] = value if flag == name else not value
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise _error(path, f"{where}: {key} takes a number or text, not {_toml(value)}")
            flags[name] = str(value)
    return flags


def _merge(shared, own):
    """A configuration's flags over the shared ones. False turns a flag off: a flag with a
    --no- form (--cuda-graph) passes that on; any other flag that is off is left out."""
    negatable = {name for name, action in _train_flags().items()
                 if isinstance(action, argparse.BooleanOptionalAction)}
    flags = {**shared, **own}
    return {flag: value for flag, value in flags.items()
            if value is not False or flag in negatable}


def _check_flags(run, path):
    """The train command's own parser judges the flags, so a study accepts what it does;
    returns the run's Settings."""
    import io

    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            args = train_parser().parse_args(run.train_argv())
    except SystemExit:
        message = _last_line(stderr.getvalue()).removeprefix("gan-vanilla-train: error: ")
        raise _error(path, f"configuration {run.config!r}: {message}") from None
    return settings_from_args(args)


def check_before_running(study):
    """What would fail only once a run has started, found before any starts: MNIST itself,
    --mb-size larger than its training split, --device cuda without a GPU, --tensorboard
    without its package."""
    import torch

    from ..data import read_data_sets
    from ..run.board import tensorboard_missing
    from ..run.mnist_files import MNISTError

    try:
        images = read_data_sets(study.data_dir).train.num_examples
    except MNISTError as e:
        raise StudyError(str(e)) from None
    for run in study.runs:
        s = run.settings
        if s.mb_size > images:
            raise StudyError(f"configuration {run.config!r}: --mb-size {s.mb_size} is larger "
                             f"than the {images} training images in {study.data_dir}")
        if s.device == "cuda" and not torch.cuda.is_available():
            raise StudyError(f"configuration {run.config!r}: --device cuda, and this machine "
                             "has no usable CUDA GPU")
        if s.tensorboard and tensorboard_missing():
            raise StudyError(f"configuration {run.config!r}: {tensorboard_missing()}")


@contextlib.contextmanager
def lock(out_dir):
    """Hold the study folder's lock: one study at a time runs or collects there, since both
    write results.csv. The lock file holds the holder's process id, for the message of the
    one refused; the lock itself goes with the process, however it ends."""
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, LOCK), "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "unknown"
            raise StudyError(f"another study is running in {out_dir} (process {holder}); wait "
                             "for it to finish, or stop it") from None
        f.truncate(0)
        f.write(f"{os.getpid()}\n")
        f.flush()
        try:
            yield
        finally:
            f.truncate(0)


class Children:
    """The runs' processes. Each starts in a process group of its own, so that the terminal's
    Ctrl-C reaches the study alone, and the study passes every signal on, once: a run then
    stops as a train command does, at its next iteration with a checkpoint (a second signal
    stops it at once)."""

    def __init__(self):
        self.lock = threading.RLock()  # a signal's handler may run while it is held
        self.running = set()
        self.signum = None  # the first signal the study got

    def run(self, command, argv, env):
        """Run `command` ("train" or "evaluate") with `argv` as a process of its own and wait
        for it; None, starting nothing, once the study is stopping."""
        with self.lock:
            if self.signum is not None:
                return None
            process = subprocess.Popen([sys.executable, "-c", _MAIN[command], *argv], env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       text=True, process_group=0)
            self.running.add(process)
        try:
            stdout, stderr = process.communicate()
        finally:
            with self.lock:
                self.running.discard(process)
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    def stop(self, signum):
        """Pass a signal on to every run in progress; a hangup reaches them as SIGTERM,
        which a train command stops on."""
        with self.lock:
            if self.signum is None:
                self.signum = signum
            passed = signal.SIGTERM if signum == signal.SIGHUP else signum
            for process in list(self.running):
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(passed)


@contextlib.contextmanager
def passing_signals_to(children):
    """While the study runs, Ctrl-C, SIGTERM and a hangup stop it through its runs."""
    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {s: signal.signal(s, lambda signum, frame: children.stop(signum))
                for s in signals}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def run_study(study, jobs=1, log=print, ensembles=None):
    """Train and evaluate every run that is not done, `jobs` at a time; returns the number of
    runs that failed. ensembles: train a configuration's runs as one ensemble process
    (ensembles.py; None: the study file's choice, else on CUDA). A signal (Ctrl-C, SIGTERM)
    stops every running run at its next iteration (each writes a checkpoint) and raises
    Stopped once they have; the same command continues."""
    import concurrent.futures

    todo = [run for run in study.runs if not run.matches() or run.evaluations_owed(log)]
    on = ensembles_on(study, study.ensembles if ensembles is None else ensembles)
    work = plan(todo, on)
    together = sum(len(item.runs) for item in work if isinstance(item, Ensemble))
    ensembles_made = _count(sum(isinstance(item, Ensemble) for item in work), "ensemble")
    log(f"study {study.path}: {len(study.runs)} runs, {len(study.runs) - len(todo)} done, "
        f"{len(todo)} to run, {jobs} at a time, in {study.out_dir}"
        + (f"; {together} of them as {ensembles_made}" if together else ""))
    threads = max(1, (os.cpu_count() or 1) // jobs)
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    children = Children()

    def one(item):
        runs = item.runs if isinstance(item, Ensemble) else [item]
        try:
            if isinstance(item, Ensemble):
                return _train_and_evaluate_ensemble(item, children, env, log)
            return [(item, _train_and_evaluate(item, children, env, log))]
        except OSError as e:  # the run's folder or record cannot be written
            return [(run, f"failed: {e.filename or run.dir}: {e.strerror or e}")
                    for run in runs]

    failed = 0
    with passing_signals_to(children), concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        futures = [pool.submit(one, item) for item in work]
        for future in concurrent.futures.as_completed(futures):
            for run, outcome in future.result():
                failed += outcome.startswith(("failed", "evaluation"))
                if outcome != "skipped":
                    log(f"{run.name}: {outcome}")
    if children.signum is not None:
        raise Stopped(children.signum)
    return failed


def _train_and_evaluate(run, children, env, log):
    """One run, as far as it still needs: moved aside if its folder holds another run,
    trained (or resumed), evaluated. Returns what became of it, in words."""
    if children.signum is not None:
        return "skipped"
    why = run.why_anew()
    if why:
        log(f"{run.name}: {why}; moved the old run to {run.move_aside()}, training anew")
    os.makedirs(run.dir, exist_ok=True)
    resume = os.path.exists(run.checkpoint)
    seconds = run.recorded().get("train_seconds", 0.0) if resume else 0.0
    run.write_record(seconds)
    if not (resume and run.trained()):  # stopped after training, before its evaluation
        start = time.monotonic()
        train = children.run("train", run.train_argv(), env)
        if train is None:
            return "skipped"
        seconds += time.monotonic() - start
        run.write_record(round(seconds, 1))
        if train.returncode != 0 and children.signum is not None:
            return "stopped"
        if train.returncode != 0:
            return "failed: " + _last_line(train.stderr)
    return _evaluate(run, children, env, seconds)


def _train_and_evaluate_ensemble(ensemble, children, env, log):
    """An ensemble's runs: folders that hold other runs moved aside, trained (or resumed) by
    one train command, then each evaluated. Each run's record takes its share of the
    training time (the ensemble's over its K members). Returns [(run, what became of it)]."""
    runs = ensemble.runs
    if children.signum is not None:
        return [(run, "skipped") for run in runs]
    resume = ensemble.resume
    shares = {}
    for run in runs:
        why = run.why_anew()
        if why:
            log(f"{run.name}: {why}; moved the old run to {run.move_aside()}, training anew")
        os.makedirs(run.dir, exist_ok=True)
        shares[run] = run.recorded().get("train_seconds", 0.0) if resume else 0.0
        run.write_record(shares[run])
    if not resume:
        moved = ensemble.move_other_seeds_aside()
        if moved:
            log(f"{ensemble.name}: {moved}")
    start = time.monotonic()
    train = children.run("train", ensemble.train_argv(), env)
    if train is None:
        return [(run, "skipped") for run in runs]
    for run in runs:
        shares[run] += (time.monotonic() - start) / len(runs)
        run.write_record(round(shares[run], 1))
    if train.returncode != 0:
        outcome = ("stopped" if children.signum is not None else
                   f"failed (in the ensemble {ensemble.name}): " + _last_line(train.stderr))
        return [(run, outcome) for run in runs]
    return [(run, _evaluate(run, children, env, shares[run])) for run in runs]


def _evaluate(run, children, env, seconds):
    """A trained run's evaluations still owed; what became of it, in words."""
    for kind in run.evaluations_owed():  # the last checkpoint, and best.pt when there is one
        evaluate = children.run("evaluate", run.evaluate_argv(best=kind == "best"), env)
        if evaluate is None or evaluate.returncode != 0 and children.signum is not None:
            return "stopped before its evaluation"
        if evaluate.returncode != 0:
            return f"evaluation of its {kind} generator failed: " + _last_line(evaluate.stderr)
    return f"done in {seconds:.0f} s of training"


_MAIN = {
    "train": "import sys; from gan_vanilla.cli.train import main; sys.exit(main(sys.argv[1:]))",
    "evaluate": "import sys; from gan_vanilla.cli.evaluate import main; "
                "sys.exit(main(sys.argv[1:]))",
}


def _count(n, noun):
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _last_line(text):
    lines = text.strip().splitlines()
    return lines[-1] if lines else "(no message)"


def main(argv=None):
    from ..run.files import DamagedFile
    from .report import collect

    parser = train_flags.parser(
        prog="gan-vanilla-study",
        description="Train and evaluate every run a study file names, then gather the "
        "results. Runs already evaluated are skipped; interrupted runs resume.")
    parser.add_argument("study", help="the study file (TOML); see studies/")
    parser.add_argument("--data-dir", default=None,
                        help="MNIST lives in DATA_DIR/MNIST/raw (default: the study file's "
                        "data_dir, else data)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="runs at a time, torch's threads split among them (default: 1)")
    parser.add_argument("--ensembles", action=argparse.BooleanOptionalAction, default=None,
                        help="train each configuration's seeds as one ensemble process "
                        "(train --seeds) (default: the study file's `ensembles`, else on "
                        "when the runs train on CUDA)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--list", action="store_true",
                      help="print each run's commands, one run (or ensemble) per line, and "
                      "stop")
    what.add_argument("--collect", action="store_true",
                      help="only gather the results of the runs that are done")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    note = lambda line: print(f"gan-vanilla-study: {line}", file=sys.stderr)  # noqa: E731
    try:
        study = load_study(args.study, data_dir=args.data_dir)
        ensembles = study.ensembles if args.ensembles is None else args.ensembles
        if args.list:
            return _list(study, ensembles_on(study, ensembles))
        if args.collect and not os.path.isdir(study.out_dir):
            raise StudyError(f"nothing to collect: {study.out_dir} does not exist")
        if not args.collect:
            check_before_running(study)
        failed = 0
        with lock(study.out_dir):
            if not args.collect:
                failed = run_study(study, args.jobs, ensembles=ensembles)
            written = collect(study, log=note)
    except Stopped as e:
        print(f"gan-vanilla-study: {e}; each run in training stopped at its next iteration "
              f"and wrote its checkpoint. The same command continues: gan-vanilla-study "
              f"{shlex.quote(args.study)}", file=sys.stderr)
        return 128 + e.signum
    except KeyboardInterrupt:  # Ctrl-C before the runs or while collecting (atomic writes)
        print("gan-vanilla-study: stopped; no run was in progress, and every file written is "
              "whole", file=sys.stderr)
        return 130
    except (StudyError, DamagedFile) as e:
        print(f"gan-vanilla-study: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"gan-vanilla-study: error: could not write {e.filename}: {e.strerror or e}",
              file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 1 if failed else 0


def _list(study, ensembles):
    """Every run's commands, for a scheduler; with ensembles, a configuration's seeds on one
    line (its train command, then each member's evaluations)."""
    work = study.runs
    if ensembles:
        by_config = {}
        for run in study.runs:
            by_config.setdefault(run.config, []).append(run)
        work = [Ensemble(runs) if len(runs) > 1 else runs[0] for runs in by_config.values()]
    try:
        for item in work:
            print(item.command_line(), flush=True)
    except BrokenPipeError:  # `--list | head`: the reader has what it wanted
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (nothing more is printed)
    return 0
