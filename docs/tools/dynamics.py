"""Why do `--h-dim 512` and `--h-dim 1200` fail at the post's step (docs/wide.md)? This trains
the very run the train command trains (train()'s set-up: the same seed gives the same weights,
batches and noise; tests/test_dynamics.py checks it) and, after chosen iterations, measures
COLUMNS (docs/study/README.md says what each is). `python scripts/wide_diagnostics.py` (main)
writes the logs of docs/study/wide/.

Measuring never changes training: its noise comes from a generator of its own, every draw
inside a measurement is undone (`torch.random.fork_rng`), gradients are taken with
torch.autograd.grad (the parameters' .grad and the solvers are never touched), and the
weights are only read.
"""

import math
import os
import sys

import torch
import torch.nn.functional as F

from gan_vanilla.cli.common import check_output, command
from gan_vanilla.data import read_data_sets
from gan_vanilla.io.csv_tables import append_row, write_table
from gan_vanilla.model import D_PARAM_NAMES, G_PARAM_NAMES, make_G
from gan_vanilla.run import flags
from gan_vanilla.run.device import denormals_flushed
from gan_vanilla.settings import Settings
from gan_vanilla.train import make_iteration, setup

PROG = "wide_diagnostics"  # the command: scripts/wide_diagnostics.py
SAMPLES = 2000  # z per measurement, as the quality monitor draws
NOISE_SEED = 2017  # the measurements' own generator: the same z at every measurement
REAL = 2000  # validation images, measured as G's samples are (--real)
SATURATED_WITHIN = 1e-3  # a pixel this close to 0 or 1 sits where the sigmoid is flat
BCE_FLOOR = 1e-12  # binary_cross_entropy's backward: (p - y) / max(p (1 - p), 1e-12)

SAMPLE_COLUMNS = ("saturated", "saturated_1", "pixel_sd", "mean_pixel")  # image_numbers
# D_loss ... D_fake: the means over the log_every (100) iterations before, losses.csv's row
# `iteration - 1`; the rest measured at `iteration`.
COLUMNS = ("iteration", "D_loss", "G_loss", "D_real", "D_fake",
           "log10_D_fake_min", "log10_D_fake_p50", "clamped", *SAMPLE_COLUMNS,
           *(f"G_grad_{k}" for k in G_PARAM_NAMES),
           *(f"G_grad_logits_{k}" for k in G_PARAM_NAMES), "clamp_effect")


def D_logit(params, X):
    """D's logit: D(X) without its last sigmoid, the same operations as model.make_D, so
    torch.sigmoid(D_logit(params, X)) equals D(X) bit for bit."""
    Wxh, bxh, Why, bhy = (params[k] for k in D_PARAM_NAMES)
    h = F.relu(X @ Wxh + bxh)  # (n, X_dim) @ (X_dim, h_dim) -> (n, h_dim)
    return h @ Why + bhy  # (n, h_dim) @ (h_dim, 1) -> (n, 1)


def image_numbers(images):
    """SAMPLE_COLUMNS of images (n, X_dim), G's samples or real ones (the reference row)."""
    images = images.double()
    return {"saturated": float((torch.minimum(images, 1 - images) < SATURATED_WITHIN)
                               .double().mean()),
            "saturated_1": float((1 - images < SATURATED_WITHIN).double().mean()),
            "pixel_sd": float(images.std(dim=0).mean()),
            "mean_pixel": float(images.mean())}


def measure(params, z):
    """The numbers of one measurement (a dict under COLUMNS' names, the losses left out) for
    the weights `params` and noise z (n, Z_dim)."""
    G_params = [params[k] for k in G_PARAM_NAMES]
    row = {}

    G_sample = make_G(params)(z)  # (n, X_dim), through the graph: G's gradients below
    logit = D_logit(params, G_sample)  # (n, 1)
    D_fake = torch.sigmoid(logit)  # what the post's D outputs, float32 and all
    # log10 D(G(z)) from the logit, exact where the float32 probability underflows to 0.
    log10_fake = (F.logsigmoid(logit.detach()).double() / math.log(10)).flatten()
    row["log10_D_fake_min"] = float(torch.quantile(log10_fake, 0.0))
    row["log10_D_fake_p50"] = float(torch.quantile(log10_fake, 0.5))
    p = D_fake.detach()
    row["clamped"] = float(((p * (1 - p)) < BCE_FLOOR).float().mean())
    row.update(image_numbers(G_sample.detach()))

    ones = torch.ones_like(D_fake)
    # The post's G loss, -log D(G(z)) through binary_cross_entropy of the probability ...
    grads = torch.autograd.grad(F.binary_cross_entropy(D_fake, ones), G_params, retain_graph=True)
    # ... and the same loss through the logit, where no floor can act.
    exact = torch.autograd.grad(F.binary_cross_entropy_with_logits(logit, ones), G_params)
    for k, g, e in zip(G_PARAM_NAMES, grads, exact, strict=True):
        row[f"G_grad_{k}"] = float(g.norm())
        row[f"G_grad_logits_{k}"] = float(e.norm())
    difference = math.sqrt(sum(float((g - e).norm()) ** 2 for g, e in zip(grads, exact,
                                                                          strict=True)))
    size = math.sqrt(sum(float(e.norm()) ** 2 for e in exact))
    row["clamp_effect"] = difference / size if size > 0 else 0.0
    return row


def train_and_measure(mnist, at, on_row=None, **settings):
    """Train as `gan-vanilla-train` does with these settings (the post's where not given) on
    the CPU (mnist: read_data_sets(data_dir, seed=seed)), measuring after each iteration count
    in `at` (0: the initial weights). Returns (the rows, a dict each under COLUMNS, the weights)."""
    settings = Settings(**settings)
    mb_size, Z_dim, at = settings.mb_size, settings.Z_dim, sorted(set(at))

    # train()'s set-up (gan_vanilla/train.py): the order of the draws fixes the run.
    gan = setup(settings, mnist.train, torch.device("cpu"))
    params, randn = gan.params, gan.randn
    iteration = make_iteration(*gan.iteration_parts())

    # The measurements' noise, from a generator of its own: the run's stream is untouched.
    z_measure = torch.randn(SAMPLES, Z_dim, generator=torch.Generator().manual_seed(NOISE_SEED))

    rows, window = [], []

    def take(count):
        with torch.random.fork_rng(devices=[]):
            row = {"iteration": count, **measure(params, z_measure)}
        # losses.csv's row for iteration count - 1 holds the same means (run/losslog.py).
        means = ([sum(column) / len(window) for column in zip(*window, strict=True)]
                 if window else [math.nan] * 4)
        row.update(zip(("D_loss", "G_loss", "D_real", "D_fake"), means, strict=True))
        rows.append(row)
        if on_row is not None:
            on_row(row)

    with denormals_flushed():  # as train() runs its loop (run/session.py, `with run:`)
        if at and at[0] == 0:
            take(0)
        for it in range(settings.iterations):
            if it % settings.log_every == 0:
                window = []
            z = randn(mb_size, Z_dim)
            X, _ = mnist.train.next_batch(mb_size)
            z_G = randn(mb_size, Z_dim)
            D_loss, G_loss, D_real, D_fake = iteration(z, X, z_G)
            # As the loss log keeps them: float32 values, averaged in float64.
            window.append(torch.stack((D_loss, G_loss, D_real.mean(), D_fake.mean()))
                          .detach().tolist())
            if it + 1 in at:
                take(it + 1)
    return rows, params


@command(PROG)
def main(argv=None):
    parser = flags.parser(prog=PROG, description="Train the run `gan-vanilla-train --seed SEED "
                          "--h-dim H_DIM` trains (on the CPU) and measure, without changing it, "
                          "what decides whether it learns: one CSV row per measurement.")
    parser.add_argument("--seed", type=flags.seed_type, default=0,
                        help="the run's seed, as the train command takes it (default: 0)")
    parser.add_argument("--h-dim", type=flags.int_between(1, flags.DIM_MAX), default=128,
                        help="hidden units in G and D (default: 128, the post's)")
    parser.add_argument("--lr", type=flags.positive_type, default=1e-3,
                        help="Adam's learning rate (default: 0.001, the post's)")
    parser.add_argument("--beta1", type=flags.beta1_type, default=0.9,
                        help="Adam's beta1 (default: 0.9, the post's)")
    parser.add_argument("--iterations", type=flags.int_between(1, flags.COUNT_MAX),
                        default=15000, help="how long to train (default: 15000); measured "
                        "every 100 iterations up to 2,000, then every 500, and at the end")
    parser.add_argument("--data-dir", default="data",
                        help="MNIST lives in DATA_DIR/MNIST/raw (default: data)")
    parser.add_argument("--real", action="store_true",
                        help="measure the 2,000 validation images the runs' D sees instead, "
                        "as G's samples are measured: the reference row; trains nothing")
    parser.add_argument("--out", required=True, help="the CSV to write, a row added after each "
                        "measurement, so a stopped run keeps the rows it made")
    args = parser.parse_args(argv)
    check_output(args.out)
    # No download: the run it reproduces has the data already.
    mnist = read_data_sets(args.data_dir, seed=args.seed, download=False)
    if args.real:
        real = image_numbers(mnist.validation.images[:REAL])
        write_table(args.out, [SAMPLE_COLUMNS, [f"{real[c]:.6g}" for c in SAMPLE_COLUMNS]])
        print(f"wrote {os.path.normpath(args.out)}")
        return 0
    write_table(args.out, [COLUMNS])

    def on_row(row):
        append_row(args.out, [row[c] if c == "iteration" else f"{row[c]:.6g}" for c in COLUMNS])
        print(f"{row['iteration']:>6}: D(G(z)) median 10^{row['log10_D_fake_p50']:.1f} "
              f"(min 10^{row['log10_D_fake_min']:.1f}), clamped {row['clamped']:.0%}, "
              f"saturated {row['saturated']:.0%}, pixel sd {row['pixel_sd']:.3f}, "
              f"clamp effect {row['clamp_effect']:.2g}", flush=True)

    # Dense early, where the wide runs decide; 0 is the initial weights.
    n = args.iterations
    at = [*range(0, min(n, 2000) + 1, 100), *range(2500, n + 1, 500), n]
    try:
        train_and_measure(mnist, at, on_row, seed=args.seed, h_dim=args.h_dim, iterations=n,
                          lr=args.lr, beta1=args.beta1)
    except KeyboardInterrupt:
        print(f"{PROG}: stopped; {args.out} holds the rows measured", file=sys.stderr)
        return 130
    print(f"wrote {os.path.normpath(args.out)}")
    return 0
