"""The classifier's numbers (measure/metrics.py) against closed forms."""

import math

import pytest
import torch

from gan_vanilla.measure.metrics import (
    class_histogram,
    classes_covered,
    classifier_score,
    frechet_against,
    frechet_distance,
    kl_to_uniform,
)


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


def whitened(n, d, seed):
    """n rows whose sample mean is exactly 0 and sample covariance (n - 1) exactly I."""
    x = torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    x = x - x.mean(0)
    cov = x.T @ x / (n - 1)
    return x @ torch.linalg.inv(torch.linalg.cholesky(cov)).T


def test_classifier_score_does_not_depend_on_the_global_stream():
    """torchmetrics shuffles the samples before its float64 sums; drawn from torch's global
    stream, which each process seeds at random, the shuffle moved the score's last digit from
    one process to the next (an ensemble's best.pt numbers, evaluate's JSON). It must not."""
    logits = torch.randn(2000, 10, generator=torch.Generator().manual_seed(1))
    scores = set()
    for seed in range(10):
        torch.manual_seed(seed)
        scores.add(classifier_score(logits))
        assert torch.equal(torch.get_rng_state(),
                           torch.manual_seed(seed).get_state())  # the stream as it was
    assert len(scores) == 1
