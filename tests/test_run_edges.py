"""A training run's edges that a hard try found: a failed resume leaves TensorBoard's files as
they were, a lost losses.csv is said, a folder in a file's place is named as that file, the
classifier's cache folder is checked before the classifier trains, train() called from
Python runs with denormals flushed as the train command does, and weights gone NaN are never
saved as a checkpoint."""

import dataclasses

import pytest
import torch

from gan_vanilla.cli.evaluate_command import main as evaluate_main
from gan_vanilla.cli.train_command import main as train_main
from gan_vanilla.measure import classifier
from gan_vanilla.run.device import denormals_are_flushed
from gan_vanilla.run.losslog import read_losses
from gan_vanilla.settings import Settings
from gan_vanilla.train import train

from .conftest import in_memory_mnist


def train_argv(mnist_dir, out, *extra):
    return ["--data-dir", str(mnist_dir), "--out-dir", str(out), "--iterations", "3",
            "--quality-every", "0", "--quiet", *extra]


def snapshot(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_a_failed_resume_leaves_tensorboard_as_it_was(mnist_dir, tmp_path, capsys):
    pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed")
    out = tmp_path / "out"
    assert train_main(train_argv(mnist_dir, out, "--tensorboard")) == 0
    before = snapshot(out / "tensorboard")
    # A resume that diverges at once (a learning rate of 1e38) writes no new events file.
    assert train_main(["--resume", str(out / "checkpoint.pt"), "--iterations", "6", "--lr",
                       "1e38", "--quiet"]) == 1
    assert "became NaN or infinite" in capsys.readouterr().err
    assert snapshot(out / "tensorboard") == before


def test_a_lost_loss_log_is_said_on_resume(mnist_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert train_main(train_argv(mnist_dir, out, "--log-every", "1")) == 0
    (out / "losses.csv").unlink()
    capsys.readouterr()
    assert train_main(["--resume", str(out / "checkpoint.pt"), "--iterations", "5",
                       "--quiet"]) == 0
    assert (f"{out / 'losses.csv'} is missing: it starts again at iteration 3, without the "
            "rows before\n") in capsys.readouterr().out
    assert read_losses(out / "losses.csv")["iteration"] == [3, 4]


def test_a_folder_in_place_of_quality_csv_is_named_as_that_file(mnist_dir, tmp_path, capsys):
    out = tmp_path / "out"
    (out / "quality.csv").mkdir(parents=True)
    assert train_main(train_argv(mnist_dir, out, "--quality-every", "2")) == 1
    assert capsys.readouterr().err == (f"gan-vanilla-train: error: could not write "
                                       f"{out / 'quality.csv'}: Is a directory\n")
    assert (out / "quality.csv").is_dir() and not (out / "quality.csv.part").exists()


def test_the_classifier_cache_is_checked_before_the_classifier_trains(mnist_dir, tmp_path,
                                                                      capsys, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the classifier trained before its cache folder was checked")

    monkeypatch.setattr(classifier, "train_classifier", never)
    (tmp_path / "a-file").write_text("")
    cache = tmp_path / "a-file" / "cache"
    assert evaluate_main(["--real", "--samples", "20", "--data-dir", str(mnist_dir),
                          "--classifier-cache", str(cache), "--png",
                          str(tmp_path / "e.png")]) == 1
    assert capsys.readouterr().err == (f"gan-vanilla-evaluate: error: cannot cache the "
                                       f"classifier in {cache}: Not a directory\n")
    assert not (tmp_path / "e.png").exists()


def test_train_from_python_runs_with_denormals_flushed(tmp_path):
    assert not denormals_are_flushed()
    flushed = []  # whether they were, at each of the loop's report lines

    def log(line):
        if line.startswith("Iter-"):
            flushed.append(denormals_are_flushed())

    settings = dataclasses.replace(Settings(), iterations=2, sample_every=1, quality_every=0,
                                   out_dir=str(tmp_path))
    train(settings, in_memory_mnist(), torch.device("cpu"), log=log)
    assert flushed == [True, True]
    assert not denormals_are_flushed()  # and the caller's setting is back


def test_weights_gone_nan_are_never_saved_as_the_last_good_checkpoint(tmp_path, monkeypatch):
    """A NaN in G's weights, made by the G step of an iteration that ends with a checkpoint:
    that iteration's losses are finite (computed before the step) and D's outputs too, so
    only Run.save's check of the weights stands between it and checkpoint.pt."""
    from gan_vanilla.run import session
    from gan_vanilla.run.checkpoint import load_checkpoint
    from gan_vanilla.run.losslog import Diverged

    after = session.Run.after

    def after_a_nan(run, it, *rest):
        if it == 3:  # a checkpoint of iteration 4 is written next
            with torch.no_grad():
                run.params["Whx"][0, 0] = float("nan")
        return after(run, it, *rest)

    monkeypatch.setattr(session.Run, "after", after_a_nan)
    out = tmp_path / "out"
    settings = dataclasses.replace(Settings(), iterations=8, checkpoint_every=2,
                                   sample_every=100, quality_every=0, out_dir=str(out))
    with pytest.raises(Diverged, match="the weights became NaN or infinite at iteration 3"):
        train(settings, in_memory_mnist(), torch.device("cpu"), log=lambda line: None)
    state = load_checkpoint(out / "checkpoint.pt")
    assert state["iteration"] == 2
    assert all(torch.isfinite(t).all() for t in state["params"].values())
