"""The package's loop against the post's own 2017 code, tensor by tensor."""

import dataclasses

import pytest
import torch

from gan_vanilla import post2017
from gan_vanilla.model import PARAM_NAMES
from gan_vanilla.settings import Settings
from gan_vanilla.train import train

from .conftest import in_memory_mnist

CPU = torch.device("cpu")


def run_both(tmp_path, iterations, seed=0, **sizes):
    settings = dataclasses.replace(
        Settings(), iterations=iterations, sample_every=10, seed=seed,
        out_dir=str(tmp_path), **sizes,
    )
    lines = []
    package = train(settings, in_memory_mnist(seed=seed), CPU, log=lines.append)
    post, reports = post2017.run(
        in_memory_mnist(seed=seed), iterations, mb_size=settings.mb_size, Z_dim=settings.Z_dim,
        h_dim=settings.h_dim, lr=settings.lr, seed=seed, report_every=10,
    )
    return package, post, lines, reports


def max_abs_diff(a, b):
    return max((a[k].detach() - b[k].detach()).abs().max().item() for k in PARAM_NAMES)


def test_same_initial_weights_as_the_post(tmp_path):
    package, post, _, _ = run_both(tmp_path, iterations=0)
    for k in PARAM_NAMES:
        assert torch.equal(package[k].detach(), post[k].detach()), k


def test_package_loop_matches_the_posts_code_for_30_iterations(tmp_path):
    torch.manual_seed(123)
    package, post, lines, reports = run_both(tmp_path, iterations=30)
    assert max_abs_diff(package, post) < 1e-5
    # The same losses at the same report iterations, in the post's line.
    assert lines == [f"Iter-{it}; D_loss: {d:.4}; G_loss: {g:.4}" for it, d, g in reports]
    assert [it for it, _, _ in reports] == [0, 10, 20]


@pytest.mark.slow  # over 5 s: the default suite stays near 3 minutes
def test_the_comparison_can_tell_a_different_run_apart(tmp_path):
    # Guard against a vacuous comparison: 30 iterations move the weights well beyond 1e-5,
    # and a different seed ends far away.
    start, _, _, _ = run_both(tmp_path / "a", iterations=0)
    trained, _, _, _ = run_both(tmp_path / "b", iterations=30)
    other, _, _, _ = run_both(tmp_path / "c", iterations=30, seed=1)
    assert max_abs_diff(start, trained) > 1e-2
    assert max_abs_diff(trained, other) > 1e-2
