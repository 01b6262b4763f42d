"""The package's commands and functions leave the process as they found it: calling them one
after another in one process (as the tests do) changes no random stream and no CPU flag."""

import dataclasses

import pytest
import torch

from gan_vanilla.cli.evaluate_command import main as evaluate_main
from gan_vanilla.cli.train_command import main as train_main
from gan_vanilla.data import DataSet, read_data_sets
from gan_vanilla.measure.classifier import DEFAULTS, load_or_train
from gan_vanilla.measure.metrics import classifier_score
from gan_vanilla.model import PARAM_NAMES
from gan_vanilla.run.device import denormals_are_flushed as _denormals_are_flushed
from gan_vanilla.settings import Settings
from gan_vanilla.train import train

from .conftest import in_memory_mnist

TINY = {**DEFAULTS, "channels": (4, 8), "epochs": 1, "mb_size": 100}


@pytest.mark.parametrize("argv", [["--help"], ["--mb-size", "0"], ["--no-such-flag"]])
def test_commands_put_the_denormal_flag_back(argv):
    assert not _denormals_are_flushed()
    for main in (train_main, evaluate_main):
        with pytest.raises(SystemExit):
            main(argv)
        assert not _denormals_are_flushed(), main.__name__


def test_a_finished_run_puts_the_denormal_flag_back(mnist_dir, tmp_path):
    assert train_main(["--data-dir", str(mnist_dir), "--out-dir", str(tmp_path / "o"),
                       "--iterations", "2", "--quiet"]) == 0
    assert not _denormals_are_flushed()


def test_the_classifier_and_its_score_leave_the_global_stream_alone(mnist_dir, tmp_path):
    mnist = read_data_sets(str(mnist_dir), download=False)
    torch.manual_seed(123)
    state = torch.get_rng_state()
    load_or_train(mnist, str(tmp_path), TINY)  # trains: seeds its own initial weights
    assert torch.equal(torch.get_rng_state(), state)
    classifier_score(torch.randn(50, 10, generator=torch.Generator().manual_seed(0)))
    assert torch.equal(torch.get_rng_state(), state)


def test_a_run_does_not_depend_on_what_ran_before_it(mnist_dir, tmp_path):
    settings = dataclasses.replace(Settings(), iterations=6, sample_every=3, log_every=2)

    def run(name):
        s = dataclasses.replace(settings, out_dir=str(tmp_path / name))
        return train(s, in_memory_mnist(), torch.device("cpu"), log=lambda line: None)

    first = run("first")
    load_or_train(read_data_sets(str(mnist_dir), download=False), str(tmp_path / "c"), TINY)
    classifier_score(torch.randn(50, 10))
    torch.randn(7)  # and anything else that draws from the global stream
    second = run("second")
    for name in PARAM_NAMES:
        assert torch.equal(first[name], second[name]), name


def test_the_batch_generator_shares_the_seed_of_the_global_stream():
    # What data.py's comment says: a generator of its own, but seeded like torch.manual_seed,
    # so its first permutation is the global stream's first randperm after that call.
    data = DataSet(torch.zeros(50, 784), torch.zeros(50, 10), seed=7)
    data.next_batch(1)
    torch.manual_seed(7)
    assert torch.equal(data.perm, torch.randperm(50))
