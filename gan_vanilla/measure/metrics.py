"""Sample-quality numbers from the project's classifier: which digits, how many, how sure, and
how far the features sit from real test images. torchmetrics computes the classifier score
(InceptionScore) and the Frechet distance on our classifier's outputs: no weights downloaded."""

import math
import warnings

import torch
from torch import nn
from torchmetrics.image.fid import FrechetInceptionDistance
from torchmetrics.image.inception import InceptionScore


def class_histogram(logits):
    """The share of samples predicted as each digit: (10,) summing to 1."""
    counts = torch.bincount(logits.argmax(1), minlength=10).to(torch.float64)
    return counts / counts.sum()


def classes_covered(histogram, at_least=0.01):
    """How many digits hold at least `at_least` of the samples (1% by default)."""
    return int((histogram >= at_least).sum())


def kl_to_uniform(histogram):
    """KL(histogram || uniform) in nats: 0 for equal shares, log 10 = 2.30 for one class."""
    p = histogram[histogram > 0]
    return float((p * torch.log(p * 10)).sum())


class _Logits(nn.Module):
    """Hands precomputed logits to torchmetrics; float64, so that a confident 1e-50 share
    does not underflow to 0 and turn the score's 0 * log 0 into NaN."""

    def forward(self, logits):
        return logits.to(torch.float64)


def classifier_score(logits):
    """exp(E_x KL(p(y|x) || p(y))), the Inception score with the project's classifier:
    10 for confident predictions spread evenly over ten digits, 1 for a single digit."""
    with warnings.catch_warnings():
        # torchmetrics warns that it keeps every logit (10 numbers a sample: fine here) and
        # that one split has no standard deviation (we use the score alone).
        warnings.simplefilter("ignore")
        metric = InceptionScore(feature=_Logits(), splits=1)
        metric.update(logits)
        # compute() shuffles the samples with torch's global stream, seeded at random in a
        # process that never seeds it (an ensemble, evaluate), which moves the last digit of
        # the float64 sums: a fixed seed makes the score the same in every process.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            score, _ = metric.compute()
    return float(score)


class _Features(nn.Module):
    """Hands precomputed penultimate features to torchmetrics."""

    def __init__(self, num_features):
        super().__init__()
        self.num_features = num_features

    def forward(self, features):
        return features


def frechet_against(real_features):
    """torchmetrics' Frechet distance with the real side (N, D) fed once, kept through every
    reset: the FID of Heusel et al. (2017) on the classifier's features instead of Inception's,
    ||mu_r - mu_g||^2 + Tr(S_r + S_g - 2 (S_r S_g)^(1/2))."""
    metric = FrechetInceptionDistance(feature=_Features(real_features.shape[1]),
                                      reset_real_features=False)
    metric.update(real_features, real=True)
    return metric


def frechet_distance(metric, features):
    """The Frechet distance of feature vectors (N, D) to the real side of `metric`
    (`frechet_against`); 0 where rounding would make it negative."""
    metric.reset()  # the generated side only: reset_real_features=False keeps the real one
    metric.update(features, real=False)
    value = float(metric.compute())
    return max(value, 0.0) if math.isfinite(value) else value
