"""gan-vanilla-sample: a grid of samples from a checkpoint's generator, G(z), or rows that
walk the latent space from one z to another."""

import math

import torch

from ..model import make_G
from ..run import flags
from ..run.checkpoint import load_checkpoint
from .common import check_output, command, wrote


def parser():
    parser = flags.parser(prog="gan-vanilla-sample",
                          description="Draw samples from a trained generator into one image grid.")
    parser.add_argument("--checkpoint", required=True,
                        help="a checkpoint written by training, or its best.pt")
    parser.add_argument("--n", type=flags.int_between(1, 400), default=64,
                        help="how many samples, at most 400 (default: 64)")
    parser.add_argument("--seed", type=flags.seed_type, default=1,
                        help="seeds the noise, 0 to 2^63-1 (default: 1)")
    parser.add_argument("--out", default="samples.png", help="the image to write; its suffix "
                        "names the format, .png, .jpg, .pdf, .svg ... (default: %(default)s)")
    parser.add_argument("--interpolate", action="store_true",
                        help="each row walks in a straight line from one z to another")
    return parser


def draw(checkpoint, n, seed, out, interpolate=False):
    """Write a grid of `n` samples of the checkpoint's G to `out` (a PNG); returns them."""
    from ..grid import GridWriter  # matplotlib: imported once the input is checked

    params = checkpoint["params"]
    G = make_G(params)
    Z_dim = params["Wzh"].shape[0]
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    gen = torch.Generator().manual_seed(seed)
    if interpolate:
        # Each row goes from z0 to z1 in `cols` equal steps: z = (1 - t) z0 + t z1. When n
        # does not fill the last row, that row stops after n samples in all.
        z0, z1 = torch.randn(2, rows, 1, Z_dim, generator=gen)
        t = torch.linspace(0, 1, cols).reshape(1, cols, 1)
        z = ((1 - t) * z0 + t * z1).reshape(rows * cols, Z_dim)[:n]  # (n, Z_dim)
    else:
        z = torch.randn(n, Z_dim, generator=gen)  # (n, Z_dim)
    with torch.no_grad():
        samples = G(z)  # (n, X_dim)
    GridWriter(rows, cols).save(samples, out)
    return samples


@command("gan-vanilla-sample")
def main(argv=None):
    args = parser().parse_args(argv)
    state = load_checkpoint(args.checkpoint, generator_only=True)
    replaced = check_output(args.out, "image")
    draw(state, args.n, args.seed, args.out, args.interpolate)
    print(wrote(args.out, replaced))
    return 0
