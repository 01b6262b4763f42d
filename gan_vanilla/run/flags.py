"""The train command's flags: one per setting, each bounded, so that a typo is refused by
argparse with one line instead of surfacing deep inside torch."""

import argparse
import collections
import dataclasses
import json
import math
import re
import shlex

from ..settings import Settings

SEED_MAX = 2**63 - 1  # torch.manual_seed and torch.Generator take a 64-bit seed
COUNT_MAX = 10**12  # iterations and intervals: a trillion iterations is a century of CPU
LOG_EVERY_MAX = 10**6  # the loss log's open window lives in memory, 16 bytes an iteration
MB_SIZE_MAX = 60000  # MNIST's training file; the training split (55,000) is checked later
DIM_MAX = 10000  # Z_dim and h_dim: at 10000 each, Wzh and its Adam state take 1.6 GB
SAMPLES_MAX = 50000  # evaluate --samples: the Parzen window's memory and time grow with it
THREADS_MAX = 1024  # --threads: more than any CPU this runs on has
MAX_MEMBERS = 10000  # --seeds: a seed list longer than this is a typo (10,000 copies of the GAN)


def _float(ok, must):
    """argparse type: a number for which ok(value) holds; `must` says what it must be."""

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"{text!r} must be {must}")
        return value

    parse.__name__ = "float"  # argparse names the type in its messages
    return parse


def int_between(low, high):
    """argparse type: an integer from `low` to `high`."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} must be between {low} and {high}")
        return value

    parse.__name__ = "int"
    return parse


positive_type = _float(lambda v: v > 0 and math.isfinite(v), "a positive, finite number")
beta1_type = _float(lambda v: 0 <= v < 1, "at least 0 and less than 1")  # as Adam's must be
seed_type = int_between(0, SEED_MAX)  # every command's --seed: what torch.manual_seed takes
samples_type = int_between(2, SAMPLES_MAX)  # evaluate's --samples; a study's evaluate_samples


def threads_type(text):
    """argparse type of --threads: auto, or a count from 1 to THREADS_MAX."""
    if text == "auto":
        return text
    try:
        return int_between(1, THREADS_MAX)(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither auto nor a count from 1 to {THREADS_MAX}") from None


threads_type.__name__ = "threads"


def parse_seeds(text):
    """`0-9`, `0,3,7` or a mix (`0-4,10,20-22`) -> [0, 1, ...], in the order written.
    argparse type of --seeds: a bad list is refused with one line."""
    seeds = []
    for part in text.split(","):
        bounds = part.strip().split("-")
        try:
            if len(bounds) == 1:
                low = high = int(bounds[0])
            elif len(bounds) == 2:
                low, high = int(bounds[0]), int(bounds[1])
            else:
                raise ValueError
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a list of seeds: write 0-9, 0,3,7 or a mix such as "
                f"0-4,10") from None
        if len(bounds) == 1 and not 0 <= low <= SEED_MAX:
            raise argparse.ArgumentTypeError(
                f"{part.strip()!r} in {text!r} is not a seed: each is 0 to 2^63-1")
        if not 0 <= low <= high <= SEED_MAX:
            raise argparse.ArgumentTypeError(
                f"{part.strip()!r} in {text!r} is not a range of seeds from low to high, "
                f"each 0 to 2^63-1")
        if high - low + len(seeds) >= MAX_MEMBERS:
            raise argparse.ArgumentTypeError(f"{text!r} names more than {MAX_MEMBERS} seeds")
        seeds.extend(range(low, high + 1))
    problem = seeds_problem(seeds)
    if problem:
        raise argparse.ArgumentTypeError(f"{text!r} {problem}")
    return seeds


def seeds_problem(seeds):
    """What is wrong with a list of seeds, in words ("names seed 1 twice: ..."), or None: the one
    check of --seeds and of an ensemble's ensemble.json (stacked_folder.py)."""
    if not isinstance(seeds, list) or not seeds:
        return "names no seeds"
    for s in seeds:
        # bool is an int in Python: JSON's true must not read as seed 1
        if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s <= SEED_MAX:
            return f"names {json.dumps(s)}, which is not a seed (0 to 2^63-1)"
    if len(seeds) > MAX_MEMBERS:
        return f"names more than {MAX_MEMBERS} seeds"
    repeated = sorted(s for s, n in collections.Counter(seeds).items() if n > 1)
    if repeated:
        return f"names seed {repeated[0]} twice: each member must be a run of its own"
    return None


def seeds_text(seeds):
    """The shortest --seeds text for a list: [0, 1, 2, 5] -> '0-2,5'."""
    runs = []  # [first, last] of each run of consecutive seeds
    for s in seeds:
        if runs and s == runs[-1][1] + 1:
            runs[-1][1] = s
        else:
            runs.append([s, s])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def parser(**kwargs):
    """The ArgumentParser of every command. allow_abbrev=False: argparse would take any
    unambiguous prefix, `--see 5` for `--seed 5` (how a study once trained one seed and recorded
    another). And `--lr -1e-3` reaches the flag's type, to be refused in its words: Python
    3.11's test for a negative number misses exponents ("expected one argument"); this is the
    test argparse uses from 3.12.8 and 3.13.1 on (CPython issue 123945)."""
    made = argparse.ArgumentParser(allow_abbrev=False, **kwargs)
    made._negative_number_matcher = re.compile(r"-\.?\d")
    return made


def train_parser(typed_only=False):
    """The train command's flags: one per setting, its dest the Settings field, its default the
    post's value, shown in --help; then the command's own. typed_only: no defaults
    (argparse.SUPPRESS), so the namespace holds only the flags the user typed."""
    made = parser(prog="gan-vanilla-train",
                  description="Train the post's vanilla GAN on MNIST. Defaults are the post's "
                  "values.", argument_default=argparse.SUPPRESS if typed_only else None)
    made.add_argument("--iterations", type=int_between(1, COUNT_MAX),
                      help="training iterations, in total, 1 to 10^12 (default: %(default)s)")
    made.add_argument("--mb-size", type=int_between(1, MB_SIZE_MAX),
                      help=f"minibatch size, mb_size, 1 to {MB_SIZE_MAX} (default: %(default)s)")
    made.add_argument("--z-dim", dest="Z_dim", type=int_between(1, DIM_MAX),
                      help=f"noise size, Z_dim, 1 to {DIM_MAX} (default: %(default)s)")
    made.add_argument("--h-dim", type=int_between(1, DIM_MAX),
                      help=f"hidden units in G and D, h_dim, 1 to {DIM_MAX} (default: %(default)s)")
    made.add_argument("--lr", type=positive_type,
                      help="Adam learning rate of both solvers, positive and finite "
                      "(default: %(default)s)")
    made.add_argument("--sample-every", type=int_between(1, COUNT_MAX),
                      help="report and save a grid every N iterations, 1 to 10^12 "
                      "(default: %(default)s)")
    made.add_argument("--checkpoint-every", type=int_between(1, COUNT_MAX),
                      help="write out/checkpoint.pt every N iterations and at the end, "
                      "1 to 10^12 (default: %(default)s)")
    made.add_argument("--log-every", type=int_between(1, LOG_EVERY_MAX),
                      help="one row of out/losses.csv per N iterations, their means, "
                      f"1 to {LOG_EVERY_MAX} (default: %(default)s)")
    made.add_argument("--quality-every", type=int_between(0, COUNT_MAX),
                      help="measure 2,000 samples with the project's MNIST classifier every "
                      "N iterations and at the end, into out/quality.csv; 0 turns it off, "
                      "at most 10^12 (default: %(default)s)")
    made.add_argument("--tensorboard", action="store_true",
                      help="also write losses, quality and grids to out/tensorboard/ "
                      "(needs pip install -e \".[tensorboard]\")")
    made.add_argument("--seed", type=seed_type,
                      help="seeds every random draw, 0 to 2^63-1 (default: %(default)s)")
    made.add_argument("--data-dir", help="MNIST lives in DATA_DIR/MNIST/raw (default: %(default)s)")
    made.add_argument("--out-dir",
                      help="grids, checkpoint and config go here (default: %(default)s)")
    made.add_argument("--device", choices=("auto", "cpu", "cuda"),
                      help="auto = cuda when available (default: %(default)s)")
    made.add_argument("--threads", type=threads_type, metavar="N",
                      help="CPU threads of the training loop: auto measures 1, 2, 4, ... up "
                      "to torch's count as the run goes and keeps the fastest; a count "
                      f"from 1 to {THREADS_MAX} fixes it; the results are the same either "
                      "way (default: %(default)s)")
    made.add_argument("--beta1", type=beta1_type,
                      help="Adam's beta1 for both solvers, in [0, 1) (default: %(default)s, "
                      "torch's, as in the post; DCGAN used 0.5)")
    made.add_argument("--cuda-graph", action=argparse.BooleanOptionalAction,
                      help="on CUDA, replay each iteration as one CUDA graph, for speed; "
                      "--no-cuda-graph runs the eager loop (default: on)")
    made.add_argument("--classifier-cache", metavar="DIR",
                      help="where the quality monitor's classifier is cached, as in evaluate "
                      "(default: DATA_DIR/classifier, or the user's cache folder when "
                      "DATA_DIR is read-only)")
    if not typed_only:
        made.set_defaults(**Settings().to_dict())
    made.add_argument("--seeds", type=parse_seeds, metavar="LIST",
                      help="train one run per seed at once, e.g. 0-9 or 0,3,7: each in "
                      "OUT_DIR/seed-S, as --seed S alone would train it (not with --seed)")
    made.add_argument("--resume", metavar="PATH",
                      help="continue the run saved in PATH (a checkpoint, or an ensemble's "
                      "OUT_DIR); --iterations is the total")
    made.add_argument("--auto-resume", action="store_true",
                      help="where OUT_DIR already holds the run this command describes (the "
                      "same settings), continue it from its checkpoint, or do nothing if it "
                      "is finished; else start it (a scheduler may run the line again)")
    made.add_argument("--quiet", action="store_true", help="no progress bar")
    made.add_argument("--overwrite", action="store_true", help="start even where OUT_DIR holds "
                      "another run's checkpoint, and replace it")
    return made


def typed_settings(argv):
    """The settings the user typed on the train command line, as {Settings field: value}."""
    typed = vars(train_parser(typed_only=True).parse_args(argv))
    return {key: value for key, value in typed.items() if key in SETTING_FIELDS}


SETTING_FIELDS = {field.name for field in dataclasses.fields(Settings)}


def typed_form(field, value):
    """How to type `value` for the setting `field` on the train command line:
    ("quality_every", 0) -> "--quality-every 0", ("cuda_graph", False) -> "--no-cuda-graph";
    None where no flag sets that value (--tensorboard cannot be typed off)."""
    action = next(a for a in train_parser()._actions if a.dest == field)
    name = action.option_strings[0]
    if isinstance(action, argparse.BooleanOptionalAction):
        return name if value else f"--no-{name[2:]}"
    if action.nargs == 0:  # store_true
        return name if value else None
    return f"{name} {shlex.quote(str(value))}"


def settings_from_args(args):
    """The Settings a parsed train command line asks for."""
    return Settings(**{key: value for key, value in vars(args).items() if key in SETTING_FIELDS})
