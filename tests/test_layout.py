"""A fresh clone shows the project's layout: data/ and out/ are there with a README each, which
say what lands in them, and nothing else in them is committed. A run into out/ with its
README there, and MNIST read from (or missing in) data/ with its README there, work as
without it."""

import collections
import os
import shutil
import subprocess

import torchvision

from gan_vanilla.cli.train_command import main as train_main
from gan_vanilla.data import read_data_sets
from gan_vanilla.run.checkpoint import load_checkpoint

from .conftest import ROOT, one_clear_line

TOP = {"gan_vanilla", "scripts", "tests", "data", "out", "pyproject.toml", "README.md"}


def tracked():
    r = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                       check=True)
    return r.stdout.splitlines()


def test_a_clone_holds_the_layout_and_nothing_from_data_or_out():
    files = tracked()
    assert TOP <= {path.split("/")[0] for path in files}
    assert [p for p in files if p.split("/")[0] in ("data", "out")] == ["data/README.md",
                                                                          "out/README.md"]
    # what runs write there stays out of git
    ignored = subprocess.run(["git", "check-ignore", "data/MNIST/raw/t10k-labels-idx1-ubyte",
                              "out/000.png", "out/checkpoint.pt", "data/README.md"],
                             cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert ignored == ["data/MNIST/raw/t10k-labels-idx1-ubyte", "out/000.png",
                       "out/checkpoint.pt"]


def test_no_two_modules_share_a_name_a_reader_could_confuse():
    """A module's file name says what it holds, once: no two of the package's modules, the
    scripts and the docs' tooling share one, but the post's loop (gan_vanilla/train.py) and the
    script that runs it from a checkout (scripts/train.py, as the README types it)."""
    names = collections.Counter(os.path.basename(p) for p in tracked()
                                if p.endswith(".py") and not p.startswith("tests/"))
    assert sorted(n for n, count in names.items() if count > 1) == ["__init__.py", "train.py"]


def test_a_run_into_out_with_its_readme_there(mnist_dir, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(ROOT / "out" / "README.md", out / "README.md")
    readme = (out / "README.md").read_bytes()
    args = ["--data-dir", str(mnist_dir), "--out-dir", str(out), "--iterations", "2",
            "--quality-every", "0", "--quiet"]
    assert train_main(args) == 0  # the README is not "another run"
    assert load_checkpoint(out / "checkpoint.pt")["iteration"] == 2
    assert train_main([*args, "--iterations", "3"]) == 1  # a run's checkpoint is, though
    assert "holds this command's run" in one_clear_line(capsys)
    assert train_main([*args, "--overwrite"]) == 0
    assert train_main([*args, "--iterations", "3", "--auto-resume"]) == 0
    assert load_checkpoint(out / "checkpoint.pt")["iteration"] == 3
    assert (out / "README.md").read_bytes() == readme


def test_mnist_in_data_with_its_readme_there(mnist_dir, tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    shutil.copytree(mnist_dir, data)
    shutil.copy(ROOT / "data" / "README.md", data / "README.md")
    assert read_data_sets(str(data)).train.num_examples > 0
    # Missing MNIST and no network: the one line, and data/ with its README as it was.
    empty = tmp_path / "empty"
    empty.mkdir()
    shutil.copy(ROOT / "data" / "README.md", empty / "README.md")
    monkeypatch.setattr(torchvision.datasets.MNIST, "mirrors", ["http://127.0.0.1:9/"])
    assert train_main(["--data-dir", str(empty), "--out-dir", str(tmp_path / "o")]) == 1
    assert "MNIST is not in" in one_clear_line(capsys)
    assert sorted(p.name for p in empty.iterdir()) == ["README.md"]
