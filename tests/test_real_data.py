"""Checks on the real MNIST beside the checkout (../shared/data); skipped when it is absent."""

import dataclasses

import pytest
import torch

from gan_vanilla.data import read_data_sets
from gan_vanilla.model import make_G
from gan_vanilla.settings import Settings
from gan_vanilla.train import train

from .conftest import REAL_DATA

pytestmark = [
    pytest.mark.real_data,
    pytest.mark.skipif(
        not (REAL_DATA / "MNIST" / "raw" / "train-images-idx3-ubyte").exists(),
        reason=f"real MNIST not found in {REAL_DATA}",
    ),
]


@pytest.fixture(scope="module")
def mnist():
    return read_data_sets(str(REAL_DATA), download=False)


def test_real_mnist_has_tensorflows_split(mnist):
    assert (mnist.train.num_examples, mnist.validation.num_examples) == (55000, 5000)
    assert mnist.test.num_examples == 10000
    assert mnist.validation.labels[0].argmax() == 5  # the first training image is a 5
    assert mnist.test.labels[0].argmax() == 7
    mean = mnist.train.images.mean().item()
    assert 0.12 < mean < 0.14  # MNIST's well-known pixel mean, 0.1307 over all 60,000


def test_a_few_hundred_iterations_lower_D_loss_and_give_varied_samples(mnist, tmp_path):
    settings = dataclasses.replace(
        Settings(), iterations=400, sample_every=100, out_dir=str(tmp_path)
    )
    lines = []
    params = train(settings, mnist, torch.device("cpu"), log=lines.append)
    D_losses = [float(line.split("D_loss: ")[1].split(";")[0]) for line in lines]
    assert len(D_losses) == 4
    assert D_losses[-1] < 0.5 * D_losses[0]  # D learns to tell real from fake
    with torch.no_grad():
        samples = make_G(params)(torch.randn(64, settings.Z_dim))
    assert samples.std(0).mean() > 0.01  # samples differ from each other
    assert samples.std(1).mean() > 0.1  # and each has strokes, not a flat grey


@pytest.mark.slow
def test_the_projects_classifier_reaches_99_percent_on_real_mnist(mnist, tmp_path):
    from gan_vanilla.measure.classifier import load_or_train

    _, accuracy, _ = load_or_train(mnist, str(tmp_path))
    assert accuracy >= 0.99
