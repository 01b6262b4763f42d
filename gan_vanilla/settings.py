"""The run's settings: the post's values, in one visible place, and the command line that
overrides them."""

import argparse
import dataclasses
import math
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    # The post's hyperparameters (module globals in its script).
    iterations: int = 100000  # for it in range(100000)
    mb_size: int = 64
    Z_dim: int = 100
    h_dim: int = 128
    lr: float = 1e-3
    beta1: float = 0.9  # Adam's beta1: torch's default, which the post used
    sample_every: int = 1000  # if it % 1000 == 0: print and plot
    checkpoint_every: int = 10000
    log_every: int = 100  # rows of out/losses.csv: means over this many iterations
    quality_every: int = 10000  # rows of out/quality.csv: the classifier's view; 0 = off
    tensorboard: bool = False  # also write out/tensorboard/
    # What the post left implicit.
    seed: int = 0
    data_dir: str = "data"
    out_dir: str = "out"
    device: str = "auto"  # auto = cuda when available, else cpu
    cuda_graph: bool = True  # on CUDA, replay each iteration as one CUDA graph
    classifier_cache: str | None = None  # None: as `evaluate` chooses (classifier.py)

    # Settings that change the shapes of the eight tensors.
    MODEL_KEYS = ("Z_dim", "h_dim")

    def to_dict(self):
        return dataclasses.asdict(self)


# Bounds on the numbers the flags take, so that a typo is refused by argparse instead of
# surfacing as an allocation error or an overflow deep inside torch.
SEED_MAX = 2**63 - 1  # torch.manual_seed and torch.Generator take a 64-bit seed
COUNT_MAX = 10**12  # iterations and intervals: a trillion iterations is a century of CPU
LOG_EVERY_MAX = 10**6  # the loss log's open window lives in memory, 16 bytes an iteration
MB_SIZE_MAX = 60000  # MNIST's training file; the training split (55,000) is checked later
DIM_MAX = 10000  # Z_dim and h_dim: at 10000 each, Wzh and its Adam state take 1.6 GB


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


def seed_type():
    """argparse type of every command's --seed: what torch.manual_seed takes, negatives not."""
    return int_at_least(0, SEED_MAX)


def allow_negative_values(parser):
    """Let `--lr -1e-3` reach the flag's type, which refuses it with the right words.

    argparse takes a token that starts with '-' for a flag unless it looks like a negative
    number, and its test (before Python 3.13) misses exponents such as -1e-3, so the user
    saw "expected one argument". Python 3.13 uses this same test.
    """
    parser._negative_number_matcher = re.compile(r"^-\.?\d")
    return parser


def add_training_flags(parser):
    """One flag per setting; each default is the post's value and shows in --help."""
    d = Settings()
    parser.add_argument("--iterations", type=int_at_least(1, COUNT_MAX), default=d.iterations,
                        help="training iterations, in total, 1 to 10^12 (default: %(default)s)")
    parser.add_argument("--mb-size", type=int_at_least(1, MB_SIZE_MAX), default=d.mb_size,
                        help=f"minibatch size, mb_size, 1 to {MB_SIZE_MAX} "
                        "(default: %(default)s)")
    parser.add_argument("--z-dim", type=int_at_least(1, DIM_MAX), default=d.Z_dim,
                        help=f"noise size, Z_dim, 1 to {DIM_MAX} (default: %(default)s)")
    parser.add_argument("--h-dim", type=int_at_least(1, DIM_MAX), default=d.h_dim,
                        help=f"hidden units in G and D, h_dim, 1 to {DIM_MAX} "
                        "(default: %(default)s)")
    parser.add_argument("--lr", type=_positive(float), default=d.lr,
                        help="Adam learning rate of both solvers, positive and finite "
                        "(default: %(default)s)")
    parser.add_argument("--sample-every", type=int_at_least(1, COUNT_MAX),
                        default=d.sample_every,
                        help="report and save a grid every N iterations, 1 to 10^12 "
                        "(default: %(default)s)")
    parser.add_argument("--checkpoint-every", type=int_at_least(1, COUNT_MAX),
                        default=d.checkpoint_every,
                        help="write out/checkpoint.pt every N iterations and at the end, "
                        "1 to 10^12 (default: %(default)s)")
    parser.add_argument("--log-every", type=int_at_least(1, LOG_EVERY_MAX), default=d.log_every,
                        help="one row of out/losses.csv per N iterations, their means, "
                        f"1 to {LOG_EVERY_MAX} (default: %(default)s)")
    parser.add_argument("--quality-every", type=int_at_least(0, COUNT_MAX),
                        default=d.quality_every,
                        help="measure 2,000 samples with the project's MNIST classifier every "
                        "N iterations and at the end, into out/quality.csv; 0 turns it off, "
                        "at most 10^12 (default: %(default)s)")
    parser.add_argument("--tensorboard", action="store_true",
                        help="also write losses, quality and grids to out/tensorboard/ "
                        "(needs pip install -e \".[tensorboard]\")")
    parser.add_argument("--seed", type=seed_type(), default=d.seed,
                        help="seeds every random draw, 0 to 2^63-1 (default: %(default)s)")
    parser.add_argument("--data-dir", default=d.data_dir,
                        help="MNIST lives in DATA_DIR/MNIST/raw (default: %(default)s)")
    parser.add_argument("--out-dir", default=d.out_dir,
                        help="grids, checkpoint and config go here (default: %(default)s)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default=d.device,
                        help="auto = cuda when available (default: %(default)s)")
    parser.add_argument("--beta1", type=_fraction, default=d.beta1,
                        help="Adam's beta1 for both solvers, in [0, 1) (default: %(default)s, "
                        "torch's, as in the post; DCGAN used 0.5)")
    parser.add_argument("--cuda-graph", action=argparse.BooleanOptionalAction,
                        default=d.cuda_graph,
                        help="on CUDA, replay each iteration as one CUDA graph, for speed; "
                        "--no-cuda-graph runs the eager loop (default: on)")
    parser.add_argument("--classifier-cache", metavar="DIR", default=d.classifier_cache,
                        help="where the quality monitor's classifier is cached, as in evaluate "
                        "(default: DATA_DIR/classifier, or the user's cache folder when "
                        "DATA_DIR is read-only)")
    return parser


def setting_key(dest):
    """The Settings field behind a flag's dest (the post writes Z_dim with a capital)."""
    return {"z_dim": "Z_dim"}.get(dest, dest)


def settings_from_args(args):
    return Settings(
        iterations=args.iterations,
        mb_size=args.mb_size,
        Z_dim=args.z_dim,
        h_dim=args.h_dim,
        lr=args.lr,
        beta1=args.beta1,
        sample_every=args.sample_every,
        checkpoint_every=args.checkpoint_every,
        log_every=args.log_every,
        quality_every=args.quality_every,
        tensorboard=args.tensorboard,
        seed=args.seed,
        data_dir=args.data_dir,
        out_dir=args.out_dir,
        device=args.device,
        cuda_graph=args.cuda_graph,
        classifier_cache=args.classifier_cache,
    )
