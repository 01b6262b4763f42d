"""An ensemble's folder: OUT_DIR/ensemble.json names its seeds, OUT_DIR/seed-S/ holds each
member as a single run's folder (checkpoint.pt, config.json, losses.csv, grids, ...)."""

import json
import os

from ..files.atomic import write_json
from .checkpoint import CheckpointError, load_checkpoint
from .flags import seeds_problem, seeds_text

NAME = "ensemble.json"


def member_dir(out_dir, seed):
    return os.path.join(out_dir, f"seed-{seed}")


def is_ensemble(path):
    return os.path.isdir(path) and os.path.exists(os.path.join(path, NAME))


def write_seeds(out_dir, seeds):
    write_json(os.path.join(out_dir, NAME), {"seeds": list(seeds)})


def read_seeds(out_dir):
    """The seeds ensemble.json names, checked as --seeds is (flags.seeds_problem);
    CheckpointError, saying what is wrong, when it is not an ensemble's: not JSON, not an
    object of "seeds" alone, or not a list of seeds."""
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
    """Whether two lists name the same members: the order of --seeds is only the order of
    the stack."""
    return sorted(a) == sorted(b)


def load_members(out_dir, seeds):
    """Every member's checkpoint, in the order of `seeds`; CheckpointError, in one line, when
    one is missing or damaged, or when they stand at different iterations."""
    states = [load_checkpoint(os.path.join(member_dir(out_dir, s), "checkpoint.pt"))
              for s in seeds]
    at = sorted({s["iteration"] for s in states})
    if len(at) > 1:
        where = ", ".join(f"seed {seed} at {state['iteration']}"
                          for seed, state in zip(seeds, states, strict=True))
        raise CheckpointError(
            f"the members of {out_dir} ({seeds_text(seeds)}) stand at different iterations "
            f"({where}), so they cannot go on as one ensemble; resume each behind one alone "
            f"with --resume {member_dir(out_dir, '<seed>')}/checkpoint.pt --iterations {at[-1]} "
            f"first")
    return states
