"""The sample-quality numbers against independent computations, and evaluate end to end."""

import json
import math

import pytest
import torch

from gan_vanilla.cli.evaluate import main as evaluate_main
from gan_vanilla.cli.train import main as train_main
from gan_vanilla.data import read_data_sets
from gan_vanilla.measure.classifier import DEFAULTS, Classifier, cache_key, load_or_train
from gan_vanilla.measure.metrics import (
    class_histogram,
    classes_covered,
    classifier_score,
    frechet_against,
    frechet_distance,
    kl_to_uniform,
)
from gan_vanilla.measure.parzen import log_likelihoods, parzen

from .conftest import N_TEST


def brute_force_parzen(samples, x, sigma):
    """Term by term in float64, straight from the formula."""
    samples, x = samples.double(), x.double()
    d = x.shape[1]
    out = []
    for xi in x:
        terms = [-((xi - s) ** 2).sum() / (2 * sigma**2) for s in samples]
        m = max(terms)
        lme = m + math.log(sum(math.exp(t - m) for t in terms) / len(terms))
        out.append(lme - d * math.log(sigma * math.sqrt(2 * math.pi)))
    return torch.tensor(out, dtype=torch.float64)


def test_parzen_matches_brute_force_float64():
    g = torch.Generator().manual_seed(0)
    samples, x = torch.rand(40, 20, generator=g), torch.rand(7, 20, generator=g)
    sigmas = [0.1, 0.3, 1.0]
    ours = log_likelihoods(samples, x, sigmas, chunk=3)  # chunks that do not divide 7
    for i, sigma in enumerate(sigmas):
        assert torch.allclose(ours[i], brute_force_parzen(samples, x, sigma), atol=1e-9, rtol=0)


def test_parzen_chooses_the_sigma_best_on_validation_and_reports_test():
    g = torch.Generator().manual_seed(1)
    centres = torch.rand(5, 20, generator=g)
    spread = 0.2  # samples and data alike: centres plus noise of this width
    samples = centres.repeat(20, 1) + spread * torch.randn(100, 20, generator=g)
    validation = centres.repeat(8, 1) + spread * torch.randn(40, 20, generator=g)
    test = centres.repeat(8, 1) + spread * torch.randn(40, 20, generator=g)
    sigmas = torch.logspace(-1, 0, 10, dtype=torch.float64)
    ll, se, sigma, on_validation = parzen(samples, validation, test, sigmas)
    brute = [float(brute_force_parzen(samples, validation, float(s)).mean()) for s in sigmas]
    assert on_validation == pytest.approx(brute, abs=1e-8)
    assert sigma == float(sigmas[max(range(10), key=lambda i: brute[i])])
    assert 0.1 < sigma < 1.0  # an interior choice: neither end of the grid
    per_test = brute_force_parzen(samples, test, sigma)
    assert ll == pytest.approx(float(per_test.mean()), abs=1e-8)
    assert se == pytest.approx(float(per_test.std() / math.sqrt(40)), abs=1e-8)


def whitened(n, d, seed):
    """n rows whose sample mean is exactly 0 and sample covariance (n - 1) exactly I."""
    x = torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    x = x - x.mean(0)
    cov = x.T @ x / (n - 1)
    return x @ torch.linalg.inv(torch.linalg.cholesky(cov)).T


def test_frechet_distance_matches_the_closed_form_for_gaussians():
    d = 6
    mu_a, mu_b = torch.arange(d, dtype=torch.float64), torch.ones(d, dtype=torch.float64)
    s_a = torch.linspace(0.5, 2.0, d, dtype=torch.float64)  # standard deviations
    s_b = torch.linspace(1.0, 3.0, d, dtype=torch.float64)
    a = whitened(500, d, 0) * s_a + mu_a
    b = whitened(700, d, 1) * s_b + mu_b
    # Diagonal covariances commute: Tr(Sa + Sb - 2 (Sa Sb)^1/2) = sum (s_a - s_b)^2.
    closed_form = float(((mu_a - mu_b) ** 2).sum() + ((s_a - s_b) ** 2).sum())
    assert frechet_distance(frechet_against(a), b) == pytest.approx(closed_form, rel=1e-5)
    assert frechet_distance(frechet_against(a), a.clone()) == pytest.approx(0, abs=1e-6)


def test_classifier_score_is_10_for_ten_confident_classes_and_1_for_one():
    confident = torch.zeros(1000, 10)
    confident[torch.arange(1000), torch.arange(1000) % 10] = 100.0
    assert classifier_score(confident) == pytest.approx(10.0, rel=1e-6)
    one_class = torch.zeros(1000, 10)
    one_class[:, 3] = 100.0
    assert classifier_score(one_class) == pytest.approx(1.0, rel=1e-6)
    unsure = torch.zeros(1000, 10)  # every prediction uniform: no information either
    assert classifier_score(unsure) == pytest.approx(1.0, rel=1e-6)


def test_class_histogram_coverage_and_kl():
    logits = torch.zeros(200, 10)
    logits[:150, 1] = 1  # 75% ones
    logits[150:199, 7] = 1  # 24.5% sevens
    logits[199, 4] = 1  # one four: 0.5%, under the 1% threshold
    h = class_histogram(logits)
    assert h[1] == 0.75 and h[7] == 0.245 and h[4] == 0.005
    assert classes_covered(h) == 2
    expected = sum(p * math.log(p / 0.1) for p in (0.75, 0.245, 0.005))
    assert kl_to_uniform(h) == pytest.approx(expected)
    assert kl_to_uniform(torch.full((10,), 0.1, dtype=torch.float64)) == pytest.approx(0)


def test_classifier_is_cached_under_a_key_of_its_settings(mnist_dir, tmp_path):
    mnist = read_data_sets(str(mnist_dir), download=False)
    tiny = {**DEFAULTS, "channels": (4, 8), "epochs": 1, "mb_size": 100}
    model, acc, path = load_or_train(mnist, str(tmp_path), tiny)
    assert path.endswith(f"classifier-{cache_key(tiny, mnist.train.num_examples)}.pt")
    again, acc2, path2 = load_or_train(mnist, str(tmp_path), tiny)  # from the cache
    assert path2 == path and acc2 == acc
    x = mnist.test.images[:5]
    assert torch.equal(model(x), again(x))
    # Deterministic: training afresh gives the same weights.
    fresh, _, _ = load_or_train(mnist, str(tmp_path / "other"), tiny)
    assert torch.equal(model(x), fresh(x))
    assert cache_key({**tiny, "epochs": 2}, 300) != cache_key(tiny, 300)
    assert isinstance(model, Classifier) and model(x).shape == (5, 10)


def test_evaluate_end_to_end_on_the_fixture(mnist_dir, tmp_path, capsys):
    out = tmp_path / "run"
    assert train_main(["--data-dir", str(mnist_dir), "--out-dir", str(out), "--iterations", "20",
                       "--quiet"]) == 0
    capsys.readouterr()
    report = tmp_path / "eval.json"
    args = ["--data-dir", str(mnist_dir), "--classifier-cache", str(tmp_path / "cache"),
            "--samples", "300", "--json", str(report)]
    assert evaluate_main(["--checkpoint", str(out / "checkpoint.pt"), *args]) == 0
    table = capsys.readouterr().out
    assert "Parzen log-likelihood" in table and "classifier score" in table
    r = json.loads(report.read_text())
    for key in ("parzen_ll", "parzen_se", "parzen_sigma", "classes_covered", "kl_uniform",
                "classifier_score", "frechet_distance", "classifier_test_accuracy"):
        assert key in r and r[key] is not None, key
    assert r["samples"] == 300 and r["iteration"] == 20
    assert 1 <= r["classifier_score"] <= 10 and 0 <= r["classes_covered"] <= 10
    assert sum(r["class_histogram"]) == pytest.approx(1)
    assert 0.1 <= r["parzen_sigma"] <= 1.0 and r["parzen_se"] > 0
    assert (out / "evaluation.png").read_bytes()[:4] == b"\x89PNG"

    # The reference row: real training images beat 20 iterations of training by far.
    assert evaluate_main(["--real", *args, "--png", str(tmp_path / "real.png")]) == 0
    real = json.loads(report.read_text())
    assert real["source"] == "real" and real["parzen_ll"] > r["parzen_ll"]
    assert real["frechet_distance"] < r["frechet_distance"]
    assert N_TEST == 200  # the fixture's test split: Parzen ran over all of it


def test_evaluate_needs_a_checkpoint_or_real(capsys):
    with pytest.raises(SystemExit) as e:
        evaluate_main([])
    assert e.value.code == 2 and "--checkpoint" in capsys.readouterr().err


def test_evaluate_refuses_a_checkpoint_that_is_not_ours(tmp_path, capsys):
    bad = tmp_path / "x.pt"
    bad.write_text("hello")
    assert evaluate_main(["--checkpoint", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("gan-vanilla-evaluate: error:") and "Traceback" not in err
