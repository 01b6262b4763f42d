"""Samples from a trained generator: a grid of G(z), or rows that walk the latent space."""

import math

import torch

from ..grid import GridWriter
from ..model import make_G


def draw(checkpoint, n, seed, out, interpolate=False):
    """Write a grid of `n` samples of the checkpoint's G to `out` (a PNG); returns them."""
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
