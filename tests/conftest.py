"""Shared fixtures: small MNIST-format files written by the tests themselves, so the real
reading path runs without the network."""

import contextlib
import gzip
import io
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_vanilla.cli import train_command as cli_train
from gan_vanilla.cli.evaluate_command import main as evaluate_main
from gan_vanilla.cli.train_command import main as train_main
from gan_vanilla.data import DataSet, Datasets
from gan_vanilla.study import runner

ROOT = Path(__file__).resolve().parents[1]
# The real MNIST, beside the checkout; the real-data tests skip when it is absent.
REAL_DATA = ROOT.parent / "shared" / "data"

# Large enough for TensorFlow's split: the first 5,000 images are validation.
N_TRAIN, N_TEST = 5300, 200


def write_idx(path, array, compress=False):
    """Write a uint8 array in the IDX format MNIST uses (big-endian header)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">I", 0x800 + array.ndim) + b"".join(
        struct.pack(">I", d) for d in array.shape
    )
    opener = gzip.open if compress else open
    with opener(path, "wb") as f:
        f.write(header + array.tobytes())


def fake_digits(n, seed):
    """Images whose bright bar moves with the label, so the data has some structure."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    images = rng.integers(0, 40, size=(n, 28, 28)).astype(np.uint8)
    for i, y in enumerate(labels):
        images[i, 4 + 2 * y : 6 + 2 * y, 4:24] = 255
    return images, labels


def write_mnist(root, n_train=N_TRAIN, n_test=N_TEST, compress=False):
    raw = Path(root) / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if compress else ""
    for split, n, seed in (("train", n_train, 1), ("t10k", n_test, 2)):
        images, labels = fake_digits(n, seed)
        write_idx(raw / f"{split}-images-idx3-ubyte{suffix}", images, compress)
        write_idx(raw / f"{split}-labels-idx1-ubyte{suffix}", labels, compress)
    return raw


@pytest.fixture(scope="session")
def mnist_dir(tmp_path_factory):
    """A data folder in torchvision's layout with small fake MNIST files (read-only use)."""
    root = tmp_path_factory.mktemp("data")
    write_mnist(root)
    return root


def in_memory_mnist(n=640, seed=0):
    """Datasets made straight from tensors: for tests of the loop, not of the reader."""
    images, labels = fake_digits(n, seed=3)
    X = torch.from_numpy(images.reshape(n, 784)).float() / 255
    Y = torch.nn.functional.one_hot(torch.from_numpy(labels).long(), 10).float()
    return Datasets(
        train=DataSet(X, Y, seed=seed),
        validation=DataSet(X[:10], Y[:10], seed=seed),
        test=DataSet(X[:10], Y[:10], seed=seed),
    )


def one_clear_line(capsys, prog="gan-vanilla-train"):
    err = capsys.readouterr().err
    assert err.startswith(f"{prog}: error: "), err
    assert "Traceback" not in err
    return err


@pytest.fixture(scope="module")
def trained_once(mnist_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("trained") / "run"
    assert train_main(["--data-dir", str(mnist_dir), "--out-dir", str(out), "--iterations", "3",
                       "--quiet"]) == 0
    return out


@pytest.fixture
def finished_run(trained_once, tmp_path):
    """A finished 3-iteration run of its own for each test (a copy: training is the slow
    part, and a resume continues in the folder its checkpoint is in)."""
    out = tmp_path / "run"
    shutil.copytree(trained_once, out)
    return out


def snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


# A study of tiny runs: the study's tests write it with their own numbers and configurations.
def tiny_study(configurations="[configurations.a]\n", iterations=3, sample_every=2, log_every=1,
               quality_every=2, samples=20):
    """The text of a tiny study file; its folders are left as {out}, {data} and {cache}."""
    return f"""
out_dir = "{{out}}"
data_dir = "{{data}}"
classifier_cache = "{{cache}}"
seeds = [0, 1]
evaluate_samples = {samples}

[flags]
iterations = {iterations}
sample-every = {sample_every}
log-every = {log_every}
quality-every = {quality_every}

{configurations}"""


def write_study(folder, mnist_dir, cache, text, name="study.toml", out="study"):
    """A study file in `folder`, its runs in folder/out; returns its path."""
    path = folder / name
    path.write_text(text.format(out=folder / out, data=mnist_dir, cache=cache))
    return str(path)


class NoSignals:
    """train's StopOnSignal, for a train command called in a thread: only the main thread may
    install signal handlers."""

    requested, signum = False, None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def in_process(monkeypatch):
    """Run the study's train and evaluate commands as calls in this process; returns the
    list of the commands run, in order."""
    started = []
    mains = {"train": train_main, "evaluate": evaluate_main}

    def run(children, command, argv, env):
        started.append(command)
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            code = mains[command](argv)
        return subprocess.CompletedProcess(argv, code, "", stderr.getvalue())

    monkeypatch.setattr(runner.Children, "run", run)
    monkeypatch.setattr(cli_train, "StopOnSignal", NoSignals)
    return started


@pytest.fixture
def committed_docs(tmp_path):
    """A copy of docs/ (the pages, their templates, the figures and docs/study/) to change:
    the generator's arguments for it, and its folder."""
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs, ignore=shutil.ignore_patterns("tools", "*.ipynb"))
    pages = [arg for page in ("REPRODUCTION.md", "wide.md", "monitor.md")
             for arg in ("--page", str(docs / page))]
    return ["--study", str(docs / "study"), *pages], docs
