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

# Bounds on the numbers the flags take, so that a typo is refused by argparse instead of
# surfacing as an allocation error or an overflow deep inside torch.
SEED_MAX = 2**63 - 1  # torch.manual_seed and torch.Generator take a 64-bit seed
COUNT_MAX = 10**12  # iterations and intervals: a trillion iterations is a century of CPU
LOG_EVERY_MAX = 10**6  # the loss log's open window lives in memory, 16 bytes an iteration
MB_SIZE_MAX = 60000  # MNIST's training file; the training split (55,000) is checked later
DIM_MAX = 10000  # Z_dim and h_dim: at 10000 each, Wzh and its Adam state take 1.6 GB
SAMPLES_MAX = 50000  # evaluate --samples: the Parzen window's memory and time grow with it
THREADS_MAX = 1024  # --threads: more than any CPU this runs on has


def _positive(kind):
    """argparse type: a positive, finite number of `kind`."""

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not (value > 0 and math.isfinite(value)):
            raise argparse.ArgumentTypeError(f"{text!r} must be a positive, finite number")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


def _fraction(text):
    """argparse type: a number in [0, 1), as Adam's beta1 must be."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 0 and less than 1")
    return value


_fraction.__name__ = "float"


def int_at_least(low, high=None):
    """argparse type: an integer in [low, high]."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low or (high is not None and value > high):
            bounds = f"at least {low}" if high is None else f"between {low} and {high}"
            raise argparse.ArgumentTypeError(f"{text!r} must be {bounds}")
        return value

    parse.__name__ = "int"
    return parse


def threads_type(text):
    """argparse type of --threads: auto, or a count from 1 to THREADS_MAX."""
    if text == "auto":
        return text
    try:
        return int_at_least(1, THREADS_MAX)(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither auto nor a count from 1 to {THREADS_MAX}") from None


threads_type.__name__ = "threads"


def seed_type():
    """argparse type of every command's --seed: what torch.manual_seed takes, negatives not."""
    return int_at_least(0, SEED_MAX)


def samples_type():
    """argparse type of evaluate's --samples (and a study's evaluate_samples)."""
    return int_at_least(2, SAMPLES_MAX)


MAX_MEMBERS = 10000  # --seeds: a seed list longer than this is a typo (10,000 copies of the GAN)


def parse_seeds(text, seed_max=SEED_MAX):
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
        if len(bounds) == 1 and not 0 <= low <= seed_max:
            raise argparse.ArgumentTypeError(
                f"{part.strip()!r} in {text!r} is not a seed: each is 0 to 2^63-1")
        if not 0 <= low <= high <= seed_max:
            raise argparse.ArgumentTypeError(
                f"{part.strip()!r} in {text!r} is not a range of seeds from low to high, "
                f"each 0 to 2^63-1")
        if high - low + len(seeds) >= MAX_MEMBERS:
            raise argparse.ArgumentTypeError(f"{text!r} names more than {MAX_MEMBERS} seeds")
        seeds.extend(range(low, high + 1))
    problem = seeds_problem(seeds, seed_max)
    if problem:
        raise argparse.ArgumentTypeError(f"{text!r} {problem}")
    return seeds


def seeds_problem(seeds, seed_max=SEED_MAX):
    """What is wrong with a list of seeds, in words ("names seed 1 twice: ..."), or None: the
    one check of --seeds and of an ensemble's ensemble.json (stacked_folder.py). Each seed an
    integer from 0 to 2^63-1, each once, one to MAX_MEMBERS of them."""
    if not isinstance(seeds, list) or not seeds:
        return "names no seeds"
    for s in seeds:
        # bool is an int in Python: JSON's true must not read as seed 1
        if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s <= seed_max:
            return f"names {json.dumps(s)}, which is not a seed (0 to 2^63-1)"
    if len(seeds) > MAX_MEMBERS:
        return f"names more than {MAX_MEMBERS} seeds"
    repeated = sorted(s for s, n in collections.Counter(seeds).items() if n > 1)
    if repeated:
        return f"names seed {repeated[0]} twice: each member must be a run of its own"
    return None


def seeds_text(seeds):
    """The shortest --seeds text for a list: [0, 1, 2, 5] -> '0-2,5'."""
    parts, start = [], None
    for i, s in enumerate(seeds):
        if start is None:
            start = s
        if i + 1 == len(seeds) or seeds[i + 1] != s + 1:
            parts.append(str(s) if s == start else f"{start}-{s}")
            start = None
    return ",".join(parts)


def parser(**kwargs):
    """The ArgumentParser of every command: flags by their exact names only, and `--lr -1e-3`
    reaches the flag's type, which refuses it with the right words.

    allow_abbrev=False: argparse would otherwise take any unambiguous prefix, `--see 5` for
    `--seed 5`, and a prefix accepted in silence is how a study once trained one seed and
    recorded another. A typo is refused with the command's usage instead.

    Negative numbers: argparse takes a token that starts with '-' for a flag unless it looks
    like a negative number; Python 3.11's test misses exponents such as -1e-3 (the user saw
    "expected one argument"). This is the test argparse itself uses from Python 3.12.8 and
    3.13.1 on (CPython issue 123945), set where 3.11 keeps it."""
    made = argparse.ArgumentParser(allow_abbrev=False, **kwargs)
    made._negative_number_matcher = re.compile(r"-\.?\d")
    return made


def train_parser(typed_only=False):
    """The train command's flags. typed_only: no defaults, so the namespace holds only the
    flags the user typed (argparse.SUPPRESS)."""
    made = parser(
        prog="gan-vanilla-train",
        description="Train the post's vanilla GAN on MNIST. Defaults are the post's values.",
        argument_default=argparse.SUPPRESS if typed_only else None,
    )
    add_training_flags(made)
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
    made.add_argument("--overwrite", action="store_true",
                      help="start even where OUT_DIR holds another run's checkpoint, and "
                      "replace it")
    return made


def typed_settings(argv):
    """The settings the user typed on the train command line, as {Settings field: value}."""
    typed = vars(train_parser(typed_only=True).parse_args(argv))
    return {key: value for key, value in typed.items() if key in SETTING_FIELDS}


def add_training_flags(parser):
    """One flag per setting, its dest the Settings field; each default is the post's value
    and shows in --help (none with argument_default=SUPPRESS: only typed flags are set)."""
    parser.add_argument("--iterations", type=int_at_least(1, COUNT_MAX),
                        help="training iterations, in total, 1 to 10^12 (default: %(default)s)")
    parser.add_argument("--mb-size", type=int_at_least(1, MB_SIZE_MAX),
                        help=f"minibatch size, mb_size, 1 to {MB_SIZE_MAX} "
                        "(default: %(default)s)")
    parser.add_argument("--z-dim", dest="Z_dim", type=int_at_least(1, DIM_MAX),
                        help=f"noise size, Z_dim, 1 to {DIM_MAX} (default: %(default)s)")
    parser.add_argument("--h-dim", type=int_at_least(1, DIM_MAX),
                        help=f"hidden units in G and D, h_dim, 1 to {DIM_MAX} "
                        "(default: %(default)s)")
    parser.add_argument("--lr", type=_positive(float),
                        help="Adam learning rate of both solvers, positive and finite "
                        "(default: %(default)s)")
    parser.add_argument("--sample-every", type=int_at_least(1, COUNT_MAX),
                        help="report and save a grid every N iterations, 1 to 10^12 "
                        "(default: %(default)s)")
    parser.add_argument("--checkpoint-every", type=int_at_least(1, COUNT_MAX),
                        help="write out/checkpoint.pt every N iterations and at the end, "
                        "1 to 10^12 (default: %(default)s)")
    parser.add_argument("--log-every", type=int_at_least(1, LOG_EVERY_MAX),
                        help="one row of out/losses.csv per N iterations, their means, "
                        f"1 to {LOG_EVERY_MAX} (default: %(default)s)")
    parser.add_argument("--quality-every", type=int_at_least(0, COUNT_MAX),
                        help="measure 2,000 samples with the project's MNIST classifier every "
                        "N iterations and at the end, into out/quality.csv; 0 turns it off, "
                        "at most 10^12 (default: %(default)s)")
    parser.add_argument("--tensorboard", action="store_true",
                        help="also write losses, quality and grids to out/tensorboard/ "
                        "(needs pip install -e \".[tensorboard]\")")
    parser.add_argument("--seed", type=seed_type(),
                        help="seeds every random draw, 0 to 2^63-1 (default: %(default)s)")
    parser.add_argument("--data-dir",
                        help="MNIST lives in DATA_DIR/MNIST/raw (default: %(default)s)")
    parser.add_argument("--out-dir",
                        help="grids, checkpoint and config go here (default: %(default)s)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"),
                        help="auto = cuda when available (default: %(default)s)")
    parser.add_argument("--threads", type=threads_type, metavar="N",
                        help="CPU threads of the training loop: auto measures 1, 2, 4, ... up "
                        "to torch's count as the run goes and keeps the fastest; a count "
                        f"from 1 to {THREADS_MAX} fixes it; the results are the same either "
                        "way (default: %(default)s)")
    parser.add_argument("--beta1", type=_fraction,
                        help="Adam's beta1 for both solvers, in [0, 1) (default: %(default)s, "
                        "torch's, as in the post; DCGAN used 0.5)")
    parser.add_argument("--cuda-graph", action=argparse.BooleanOptionalAction,
                        help="on CUDA, replay each iteration as one CUDA graph, for speed; "
                        "--no-cuda-graph runs the eager loop (default: on)")
    parser.add_argument("--classifier-cache", metavar="DIR",
                        help="where the quality monitor's classifier is cached, as in evaluate "
                        "(default: DATA_DIR/classifier, or the user's cache folder when "
                        "DATA_DIR is read-only)")
    if parser.argument_default is None:
        parser.set_defaults(**Settings().to_dict())
    return parser


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
