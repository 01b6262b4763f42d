"""scripts/wide_diagnostics.py: the run it measures is the train command's run, measuring does
not change it, and each number measures what its name says."""

import csv
import dataclasses
import math

import pytest
import torch

from gan_vanilla.model import PARAM_NAMES, init_params, make_D
from gan_vanilla.settings import Settings
from gan_vanilla.train import train
from tools.dynamics import COLUMNS, D_logit, main, measure, train_and_measure

from .conftest import in_memory_mnist, one_clear_line


def trained(tmp_path, iterations, seed=0, h_dim=16):
    """train()'s weights and losses.csv rows for the run the measurements should reproduce."""
    settings = dataclasses.replace(Settings(), iterations=iterations, h_dim=h_dim, seed=seed,
                                   quality_every=0, sample_every=10**6,
                                   checkpoint_every=10**6, out_dir=str(tmp_path))
    params = train(settings, in_memory_mnist(seed=seed), torch.device("cpu"), log=lambda _: None)
    with open(tmp_path / "losses.csv", newline="") as f:
        losses = {row["iteration"]: row for row in csv.DictReader(f)}
    return params, losses


def test_the_measured_run_is_the_train_commands_run(tmp_path):
    """The same seed gives train()'s weights bit for bit, whether or not it is measured, and
    each row's losses are losses.csv's row of the iteration before."""
    params, losses = trained(tmp_path / "train", iterations=200)
    rows, measured = train_and_measure(in_memory_mnist(seed=0), seed=0, h_dim=16,
                                       iterations=200, at=[0, 100, 150, 200])
    _, unmeasured = train_and_measure(in_memory_mnist(seed=0), seed=0, h_dim=16,
                                      iterations=200, at=[])
    for k in PARAM_NAMES:
        assert torch.equal(measured[k], params[k]), k
        assert torch.equal(unmeasured[k], params[k]), k
    assert [r["iteration"] for r in rows] == [0, 100, 150, 200]
    for row in rows:
        if row["iteration"] % 100 == 0 and row["iteration"]:
            logged = losses[str(row["iteration"] - 1)]
            for c in ("D_loss", "G_loss", "D_real", "D_fake"):
                assert f"{row[c]:.6g}" == logged[c], (row["iteration"], c)
    assert math.isnan(rows[0]["D_loss"])  # nothing trained yet: no window


def test_the_comparison_tells_another_run_apart(tmp_path):
    # Guard against a vacuous comparison: another seed, or a step more, ends elsewhere.
    params, _ = trained(tmp_path / "train", iterations=20)
    _, other_seed = train_and_measure(in_memory_mnist(seed=1), seed=1, h_dim=16,
                                      iterations=20, at=[])
    _, one_more = train_and_measure(in_memory_mnist(seed=0), seed=0, h_dim=16,
                                    iterations=21, at=[])
    assert not torch.equal(other_seed["Whx"], params["Whx"])
    assert not torch.equal(one_more["Whx"], params["Whx"])


def constant_gan(bhx, bhy, Why_scale=0.0):
    """A GAN whose G draws one image, every pixel sigmoid(bhx), and whose D gives every input
    a logit within a hair of bhy (its weights Why are at most a few Why_scale): the numbers
    below are known in closed form."""
    params = init_params(Z_dim=4, h_dim=8)
    with torch.no_grad():
        params["Whx"].zero_()
        params["bhx"].fill_(bhx)
        params["Why"].normal_(generator=torch.Generator().manual_seed(1)).mul_(Why_scale)
        params["bhy"].fill_(bhy)
    return params


@pytest.mark.parametrize("bhy", [-40.0, -120.0])
def test_a_sure_D_is_seen_and_the_clamp_measured(bhy):
    params = constant_gan(bhx=0.0, bhy=bhy, Why_scale=1e-3)
    z = torch.randn(50, 4, generator=torch.Generator().manual_seed(0))
    row = measure(params, z)
    # log10 D(G(z)) = logit / ln 10, the logit within 0.1 of bhy; even where the float32
    # probability itself is 0 (bhy = -120: sigmoid is 8e-53).
    for name in ("min", "p50"):
        assert row[f"log10_D_fake_{name}"] == pytest.approx(bhy / math.log(10), abs=0.05)
    assert row["clamped"] == 1.0  # p (1 - p) < 1e-12 for every sample
    # Through the clamp the gradient at the logit is (p - 1) p (1 - p) / 1e-12, about
    # -p / 1e-12 (at most 5e-6 here), where the exact one is p - 1, about -1: almost all of
    # it is lost.
    assert row["G_grad_logits_Whx"] > 0
    assert row["G_grad_Whx"] < 1e-5 * row["G_grad_logits_Whx"]
    assert row["clamp_effect"] > 0.99
    assert row["saturated"] == 0.0 and row["pixel_sd"] == 0.0  # every pixel is 0.5, for every z


def test_an_unsure_D_leaves_the_two_losses_equal():
    params = constant_gan(bhx=0.0, bhy=0.0, Why_scale=1.0)
    z = torch.randn(50, 4, generator=torch.Generator().manual_seed(0))
    row = measure(params, z)
    assert row["clamped"] == 0.0
    assert row["clamp_effect"] < 1e-5
    assert row["G_grad_Whx"] == pytest.approx(row["G_grad_logits_Whx"], rel=1e-5)
    assert row["G_grad_Whx"] > 0


def test_a_saturated_G_is_seen():
    params = constant_gan(bhx=20.0, bhy=0.0)  # sigmoid(20) is within 3e-9 of 1
    z = torch.randn(50, 4, generator=torch.Generator().manual_seed(0))
    row = measure(params, z)
    assert row["saturated"] == 1.0 and row["pixel_sd"] == 0.0


def test_D_logit_is_D_before_its_sigmoid():
    params = init_params(Z_dim=4, h_dim=8)
    X = torch.rand(30, 784)
    assert torch.equal(torch.sigmoid(D_logit(params, X)), make_D(params)(X))


def test_the_script_writes_its_rows(mnist_dir, tmp_path):
    out = tmp_path / "h8.csv"
    assert main(["--h-dim", "8", "--iterations", "3", "--data-dir", str(mnist_dir),
                 "--out", str(out)]) == 0
    with open(out, newline="") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == COLUMNS
    assert [r[0] for r in rows[1:]] == ["0", "3"]  # the initial weights and the end


@pytest.mark.parametrize("argv, message", [
    (["--out", "no/such/folder/x.csv"], "cannot write no/such/folder/x.csv: folder"),
    # The train command's message: its first line, then the four files to place.
    (["--out", "x.csv", "--data-dir", "no-such-data"], "MNIST is not in no-such-data/MNIST/raw"),
])
def test_bad_input_gets_one_line(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 1
    err = one_clear_line(capsys, prog="wide_diagnostics")
    assert message in err.splitlines()[0]
    assert not (tmp_path / "x.csv").exists()
