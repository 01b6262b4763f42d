"""An ensemble's folder: OUT_DIR/ensemble.json names its seeds, OUT_DIR/seed-S/ holds each
member as a single run's folder (checkpoint.pt, config.json, losses.csv, grids, ...)."""

import json
import os
import shlex

from ..io.atomic import write_json
from ..settings import Settings
from .checkpoint import CheckpointError, load_checkpoint
from .flags import seeds_problem, seeds_text, typed_form

NAME = "ensemble.json"


def member_dir(out_dir, seed):
    return os.path.join(out_dir, f"seed-{seed}")


def is_ensemble(path):
    return os.path.isdir(path) and os.path.exists(os.path.join(path, NAME))


def write_seeds(out_dir, seeds):
    write_json(os.path.join(out_dir, NAME), {"seeds": list(seeds)})


def read_seeds(out_dir):
    """The seeds ensemble.json names, checked as --seeds is (flags.seeds_problem); CheckpointError,
    saying what is wrong, when it is not an ensemble's."""
    path = os.path.join(out_dir, NAME)
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:  # ValueError: not JSON, or not UTF-8
        problem = f"cannot be read as JSON ({e.strerror if isinstance(e, OSError) else e})"
    else:
        problem = _problem(data)
    if problem:
        raise CheckpointError(f"{path} is damaged or not a gan-vanilla ensemble's: it "
                              f"{problem}; repair it (an ensemble's is {{\"seeds\": [...]}}, its "
                              f"members' seeds) or move it away")
    return data["seeds"]


def _problem(data):
    """What is wrong with ensemble.json's content, or None."""
    if not isinstance(data, dict) or "seeds" not in data:
        return f"holds {json.dumps(data)[:40]}, not an object with the key \"seeds\""
    unknown = sorted(set(data) - {"seeds"})
    if unknown:
        return f"holds the key {json.dumps(unknown[0])}, which an ensemble's does not"
    return seeds_problem(data["seeds"])


def same_seeds(a, b):
    """Whether two lists name the same members (--seeds' order is only the stack's)."""
    return sorted(a) == sorted(b)


def member_of(folder):
    """(the ensemble's folder, the seed) when `folder` is the folder of one member of an
    ensemble (seed-S, beside an ensemble.json that names S), else None."""
    parent, name = os.path.split(os.path.normpath(folder))
    parent = parent or "."
    if not name.startswith("seed-") or not is_ensemble(parent):
        return None
    try:
        seeds = read_seeds(parent)
    except CheckpointError:
        return None
    seed = next((s for s in seeds if name == f"seed-{s}"), None)
    return None if seed is None else (parent, seed)


def load_members(out_dir, seeds):
    """Every member's checkpoint, in the order of `seeds`; CheckpointError, with the commands
    that put it right, when one is missing or damaged or another run's than its seed of this
    ensemble, or when they stand at different iterations."""
    states = [load_checkpoint(os.path.join(member_dir(out_dir, s), "checkpoint.pt")) for s in seeds]
    for seed, state in zip(seeds, states, strict=True):
        why = _another_run(member_dir(out_dir, seed), seed, state)
        if why:
            others = [st for s, st in zip(seeds, states, strict=True)
                      if s != seed and not _another_run(member_dir(out_dir, s), s, st)]
            raise CheckpointError(_retrain(out_dir, seed, why, (others or [state])[0]))
    at = sorted({s["iteration"] for s in states})
    if len(at) > 1:
        where = ", ".join(f"seed {seed} at {state['iteration']}"
                          for seed, state in zip(seeds, states, strict=True))
        behind = " and ".join(
            f"--resume {shlex.quote(os.path.join(member_dir(out_dir, seed), 'checkpoint.pt'))} "
            f"--iterations {at[-1]}"
            for seed, state in zip(seeds, states, strict=True) if state["iteration"] < at[-1])
        raise CheckpointError(
            f"the members of {out_dir} ({seeds_text(seeds)}) stand at different iterations "
            f"({where}), so they cannot go on as one ensemble; bring each one behind to "
            f"iteration {at[-1]} alone first: {behind}")
    return states


def _another_run(folder, seed, state):
    """Why a member's folder holds another run than seed `seed` of its ensemble, or None: its
    checkpoint is of another seed, or its config.json (unreadable: it says nothing) of another
    run, started there and stopped before its first checkpoint."""
    found = state["settings"].get("seed")
    if found != seed:
        return f"its checkpoint.pt is a run of seed {found}"
    try:
        with open(os.path.join(folder, "config.json")) as f:
            config = json.load(f)["settings"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(config, dict):
        return None
    if config.get("seed") != seed:
        return f"its config.json is of a run of seed {config.get('seed')}"
    differ = [key for key, value in state["settings"].items()
              if key not in Settings.WHERE and config.get(key) != value]
    if differ:
        return (f"its config.json describes other settings ({', '.join(differ)}) than its "
                f"checkpoint.pt")
    return None


def _retrain(out_dir, seed, why, other):
    """What to do with a member's folder that holds another run: move it away, and train the
    seed again to the iteration and with the settings of another member (`other`)."""
    folder = member_dir(out_dir, seed)
    n = 1
    while os.path.lexists(f"{os.path.normpath(out_dir)}.seed-{seed}.old-{n}"):
        n += 1
    aside = f"{os.path.normpath(out_dir)}.seed-{seed}.old-{n}"
    saved, default = other["settings"], Settings().to_dict()
    flags = [form for key, value in saved.items()
             if key not in ("seed", "out_dir", "iterations") and key in default
             and value != default[key] and (form := typed_form(key, value)) is not None]
    command = shlex.join(["--seed", str(seed), "--out-dir", folder, "--iterations",
                          str(other["iteration"])])
    return (f"{folder} holds another run than seed {seed} of the ensemble in {out_dir} "
            f"({why}), so the ensemble cannot go on with it; move it out of {out_dir} "
            f"({shlex.join(['mv', folder, aside])}), then train seed {seed} again to the "
            f"other members' iteration: {' '.join([command, *flags])}")
