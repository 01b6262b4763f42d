"""A study (docs/studies.md): many training runs, each evaluated, gathered into one table.

A study file (TOML; studies/knobs.toml is one) names configurations, each a table of the train
command's flags by their exact names without the dashes, and the seeds to run each with. It
is checked whole when it is read, and what could fail only later (MNIST, --mb-size, a GPU,
TensorBoard) before any run starts: a study never trains for hours and then refuses."""

import argparse
import contextlib
import difflib
import json
import os
import tomllib
import unicodedata

from ..run import flags as train_flags
from ..run.flags import seeds_text, settings_from_args, train_parser
from .folder import StudyRun

# Each top-level key, and what it must hold, in words for the message that refuses it.
TOP_TYPES = {"out_dir": (str, "text in quotes"), "data_dir": (str, "text in quotes"),
             "classifier_cache": (str, "text in quotes"), "seeds": (list, "a list"),
             "evaluate_samples": (int, "an integer"), "flags": (dict, "a table ([flags])"),
             "ensembles": (bool, "true or false"),
             "configurations": (dict, "tables ([configurations.NAME])")}
TOP_KEYS = set(TOP_TYPES)
# Flags a study may not set per run: the study chooses them.
RESERVED = {"out-dir", "data-dir", "seed", "seeds", "resume", "auto-resume", "quiet",
            "classifier-cache", "overwrite"}


class StudyError(Exception):
    """The study file is wrong, or the study cannot go on; the message says where."""


class Study:
    def __init__(self, path, out_dir, data_dir, evaluate_samples, classifier_cache, runs):
        self.path, self.out_dir, self.data_dir = path, out_dir, data_dir
        self.evaluate_samples, self.classifier_cache = evaluate_samples, classifier_cache
        self.runs = runs

    @property
    def configurations(self):
        return list(dict.fromkeys(run.config for run in self.runs))

    def keep_only(self, config, seeds=None):
        """Leave the runs of one configuration (of `seeds` alone, when given): what a line of
        --list runs (--only, --seeds). StudyError when the file names no such runs."""
        if config not in self.configurations:
            raise StudyError(f"study file {self.path} has no configuration {config!r}; it has "
                             f"{', '.join(self.configurations)}")
        runs = [run for run in self.runs if run.config == config]
        missing = sorted(set(seeds or ()) - {run.seed for run in runs})
        if missing:
            raise StudyError(f"configuration {config!r} of {self.path} has no seed "
                             f"{missing[0]}; its seeds are {seeds_text([r.seed for r in runs])}")
        self.runs = [run for run in runs if seeds is None or run.seed in seeds]


def load_study(path, data_dir=None):
    """Read and check a study file: its keys and their types, the configurations' names, every
    run's flags (by the train command's own checks). data_dir, when given, wins."""
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
    study.ensembles = data.get("ensembles")  # None: on CUDA (stacked_runs.py)
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
            run = StudyRun(study, name, _int(seed, f"a seed of {name!r}", path), flags)
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
        return train_flags.samples_type(str(_int(value, "evaluate_samples", path)))
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
    """A TOML table of flags as {flag: text, or true/false for a flag without a value}, each key a
    train command flag's exact name (underscores for dashes will do), each flag set once."""
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
    return {flag: value for flag, value in flags.items() if value is not False or flag in negatable}


def _check_flags(run, path):
    """The train command's own parser judges the flags, so a study accepts what it does;
    returns the run's Settings."""
    import io

    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            args = train_parser().parse_args(run.train_argv())
    except SystemExit:
        message = last_line(stderr.getvalue()).removeprefix("gan-vanilla-train: error: ")
        raise _error(path, f"configuration {run.config!r}: {message}") from None
    return settings_from_args(args)


def check_before_running(study):
    """What would fail only once a run has started, found before any starts: MNIST, --mb-size
    over its training split, --device cuda without a GPU, --tensorboard without its package."""
    import torch

    from ..data import read_data_sets
    from ..io.mnist import MNISTError
    from ..run.board import tensorboard_missing

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


def last_line(text):
    """A command's last line of output: its message."""
    lines = text.strip().splitlines()
    return lines[-1] if lines else "(no message)"
