"""The GAN paper's Parzen estimate (measure/parzen.py) against brute force in float64."""

import math

import pytest
import torch

from gan_vanilla.measure.parzen import log_likelihoods, parzen


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
