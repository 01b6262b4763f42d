"""wide_diagnostics: train the run the train command trains, on the CPU, and log what decides
whether it learns, measured as it trains (gan_vanilla/study/dynamics.py): the wide networks'
logs in docs/study/wide/."""

import os
import sys

from gan_vanilla.cli.common import check_output, command
from gan_vanilla.data import read_data_sets
from gan_vanilla.files.tables import write_table
from gan_vanilla.run import flags

from .dynamics import (
    COLUMNS,
    REAL,
    SAMPLE_COLUMNS,
    default_schedule,
    image_numbers,
    train_and_measure,
)

PROG = "wide_diagnostics"


def _fmt(value):
    return value if isinstance(value, int) else f"{value:.6g}"


@command(PROG)
def main(argv=None):
    parser = flags.parser(
        prog=PROG,
        description="Train the run `gan-vanilla-train --seed SEED --h-dim H_DIM` trains (on "
        "the CPU) and measure, without changing it, what decides whether it learns: D(G(z)) "
        "per sample, G's saturated pixels, G's and D's gradients per layer. One CSV row per "
        "measurement.")
    parser.add_argument("--seed", type=flags.seed_type(), default=0,
                        help="the run's seed, as the train command takes it (default: 0)")
    parser.add_argument("--h-dim", type=flags.int_at_least(1, flags.DIM_MAX), default=128,
                        help="hidden units in G and D (default: 128, the post's)")
    parser.add_argument("--lr", type=flags._positive(float), default=1e-3,
                        help="Adam's learning rate (default: 0.001, the post's)")
    parser.add_argument("--beta1", type=flags._fraction, default=0.9,
                        help="Adam's beta1 (default: 0.9, the post's)")
    parser.add_argument("--iterations", type=flags.int_at_least(1, flags.COUNT_MAX),
                        default=15000, help="how long to train (default: 15000); measured "
                        "every 100 iterations up to 2,000, then every 500, and at the end")
    parser.add_argument("--data-dir", default="data",
                        help="MNIST lives in DATA_DIR/MNIST/raw (default: data)")
    parser.add_argument("--real", action="store_true",
                        help="measure the 2,000 validation images the runs' D sees instead, "
                        "as G's samples are measured: the reference row; trains nothing")
    parser.add_argument("--out", required=True, help="the CSV to write, rewritten after each "
                        "measurement, so a stopped run keeps the rows it made")
    args = parser.parse_args(argv)
    check_output(args.out)
    # No download: the run it reproduces has the data already.
    mnist = read_data_sets(args.data_dir, seed=args.seed, download=False)
    if args.real:
        real = image_numbers(mnist.validation.images[:REAL])
        write_table(args.out, [SAMPLE_COLUMNS, [_fmt(real[c]) for c in SAMPLE_COLUMNS]])
        print(f"wrote {os.path.normpath(args.out)}")
        return 0
    rows = []

    def on_row(row):
        rows.append(row)
        write_table(args.out, [COLUMNS, *([_fmt(r[c]) for c in COLUMNS] for r in rows)])
        print(f"{row['iteration']:>6}: D(G(z)) median 10^{row['log10_D_fake_p50']:.1f} "
              f"(min 10^{row['log10_D_fake_min']:.1f}), clamped {row['clamped']:.0%}, "
              f"saturated {row['saturated']:.0%}, pixel sd {row['pixel_sd']:.3f}, "
              f"clamp effect {row['clamp_effect']:.2g}", flush=True)

    at = [*default_schedule(args.iterations), args.iterations]
    try:
        train_and_measure(mnist, args.seed, args.h_dim, args.iterations, at, lr=args.lr,
                          beta1=args.beta1, on_row=on_row)
    except KeyboardInterrupt:
        print(f"{PROG}: stopped; {args.out} holds the {len(rows)} rows measured",
              file=sys.stderr)
        return 130
    print(f"wrote {os.path.normpath(args.out)}")
    return 0
