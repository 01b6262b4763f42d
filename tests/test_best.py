"""Keeping the best generator (run/best.py): the rule, best.pt written atomically and only when
better, kept through a resume, read by sample and evaluate, chosen without the test images."""

import csv
import dataclasses

import pytest
import torch
from PIL import Image

from gan_vanilla.cli.evaluate_command import main as evaluate_main
from gan_vanilla.cli.sample_command import main as sample_main
from gan_vanilla.cli.train_command import main as train_main
from gan_vanilla.data import DataSet, Datasets
from gan_vanilla.grid import GridWriter
from gan_vanilla.measure.classifier import DEFAULTS
from gan_vanilla.measure.metrics import frechet_against, frechet_distance
from gan_vanilla.model import G_PARAM_NAMES, init_params, make_G
from gan_vanilla.run import best as best_module
from gan_vanilla.run import monitor
from gan_vanilla.run.best import BestGenerator
from gan_vanilla.run.checkpoint import CheckpointError, load_checkpoint
from gan_vanilla.settings import Settings
from gan_vanilla.train import train

from .conftest import in_memory_mnist, one_clear_line

CPU = torch.device("cpu")
SMALL = {**DEFAULTS, "channels": (4, 8), "epochs": 1}  # a classifier that trains in seconds
# Measurements at 5, 10, 15, 20 and at the last iteration, 22.
BASE = dataclasses.replace(Settings(), iterations=23, sample_every=5, checkpoint_every=1000,
                           log_every=4, quality_every=5)


def run(out, cache, iterations=23, resume=False):
    settings = dataclasses.replace(BASE, iterations=iterations, out_dir=str(out),
                                   classifier_cache=str(cache))
    lines = []
    state = load_checkpoint(out / "checkpoint.pt") if resume else None
    train(settings, in_memory_mnist(), CPU, log=lines.append, resume=state,
          classifier_settings=SMALL)
    return lines


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    root = tmp_path_factory.mktemp("best")
    return root, run(root / "run", root / "cache")


def measured(fd_validation, fd_test=100.0):
    return {"frechet_distance_validation": fd_validation, "frechet_distance": fd_test,
            "classes_covered": 10, "classifier_score": 5.0}


def test_the_lowest_validation_distance_wins_and_only_a_better_one_is_written(tmp_path,
                                                                              monkeypatch):
    best = BestGenerator(str(tmp_path), Settings(), torch.randn(16, 100))
    writes = []
    monkeypatch.setattr(best, "write", lambda: writes.append(best.best["iteration"]))
    params = init_params(100, 128)
    # The test images' distance runs the other way: chosen on it, iteration 5 would win.
    for it, fd in [(5, 300.0), (10, 250.0), (15, 260.0), (20, 240.0), (25, 245.0)]:
        best.consider(it, measured(fd, fd_test=1000 - fd), params)
    assert best.best["iteration"] == 20 and writes == [5, 10, 20]
    assert best.best["numbers"]["frechet_distance_validation"] == 240.0
    # The kept tensors are a copy: training on does not change the best generator.
    kept = best.best["params"]["Wzh"].clone()
    with torch.no_grad():
        params["Wzh"].add_(1.0)
    assert torch.equal(best.best["params"]["Wzh"], kept)


def test_best_pt_is_written_atomically(tmp_path, monkeypatch):
    best = BestGenerator(str(tmp_path), Settings(), torch.randn(16, 100))
    best.consider(5, measured(300.0), init_params(100, 128))
    before = (tmp_path / "best.pt").read_bytes()

    def torn_save(obj, f):
        f.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(best_module.torch, "save", torn_save)
    with pytest.raises(OSError):
        best.consider(10, measured(200.0), init_params(100, 128))
    assert (tmp_path / "best.pt").read_bytes() == before
    assert not (tmp_path / "best.pt.part").exists()


def test_a_run_ends_with_best_pt_best_png_and_one_line(finished):
    root, lines = finished
    state = load_checkpoint(root / "run" / "best.pt", generator_only=True)
    with open(root / "run" / "quality.csv", newline="") as f:
        rows = {int(r["iteration"]): r for r in csv.DictReader(f)}
    assert state["iteration"] in rows and set(state["params"]) == set(G_PARAM_NAMES)
    assert float(rows[state["iteration"]]["frechet_distance"]) == pytest.approx(
        state["numbers"]["frechet_distance"], rel=1e-5)
    # best.png is the best G's grid of the monitor's fixed noise.
    z = torch.randn(monitor.SAMPLES, 100, generator=torch.Generator().manual_seed(
        monitor.NOISE_SEED))[:16]
    GridWriter().save(make_G(state["params"])(z).detach(), str(root / "expected.png"))
    assert (root / "run" / "best.png").read_bytes() == (root / "expected.png").read_bytes()
    said = [line for line in lines if line.startswith("best generator:")]
    assert len(said) == 1 and said[0].startswith(
        f"best generator: iteration {state['iteration']} (last measured: 22); ")
    assert Image.open(root / "run" / "losses.png").format == "PNG"


def test_the_final_checkpoint_records_the_last_measurement_as_it_is(finished):
    """The end line says "last measured: 22"; the checkpoint says the same, and keeps apart
    the last measurement at a multiple of --quality-every (20), which a resume goes on from."""
    root, _ = finished
    record = load_checkpoint(root / "run" / "checkpoint.pt")["best"]
    best = load_checkpoint(root / "run" / "best.pt", generator_only=True)
    assert record["last"]["iteration"] == 22
    assert record["last_kept"]["iteration"] == 20
    assert record["best"]["iteration"] == best["iteration"]
    assert record["kept"]["iteration"] in (5, 10, 15, 20)


@pytest.mark.parametrize("stop_at", [7, 12], ids=["after-one-measurement", "after-two"])
def test_a_stopped_and_resumed_run_ends_with_the_same_best(finished, tmp_path, stop_at):
    root, _ = finished
    run(tmp_path / "run", root / "cache", iterations=stop_at)  # ends on an off-grid measurement
    run(tmp_path / "run", root / "cache", resume=True)
    a = load_checkpoint(root / "run" / "best.pt", generator_only=True)
    b = load_checkpoint(tmp_path / "run" / "best.pt", generator_only=True)
    assert (a["iteration"], a["numbers"]) == (b["iteration"], b["numbers"])
    for name in G_PARAM_NAMES:
        assert torch.equal(a["params"][name], b["params"][name]), name
    assert (root / "run" / "best.png").read_bytes() == (tmp_path / "run" / "best.png").read_bytes()


def test_no_best_without_the_monitor(tmp_path):
    settings = dataclasses.replace(BASE, quality_every=0, out_dir=str(tmp_path / "run"))
    train(settings, in_memory_mnist(), CPU, log=lambda line: None)
    assert not (tmp_path / "run" / "best.pt").exists()
    assert not (tmp_path / "run" / "best.png").exists()


def test_sample_and_evaluate_read_best_pt_and_resume_refuses_it(finished, mnist_dir, tmp_path,
                                                                capsys):
    root, _ = finished
    best = root / "run" / "best.pt"
    assert sample_main(["--checkpoint", str(best), "--out", str(tmp_path / "s.png")]) == 0
    assert Image.open(tmp_path / "s.png").format == "PNG"
    capsys.readouterr()
    assert evaluate_main(["--checkpoint", str(best), "--data-dir", str(mnist_dir),
                          "--classifier-cache", str(tmp_path / "cache"), "--samples", "50"]) == 0
    iteration = load_checkpoint(best, generator_only=True)["iteration"]
    assert f"(iteration {iteration})" in capsys.readouterr().out
    assert (root / "run" / "evaluation-best.png").exists()  # not the last's evaluation.png
    assert train_main(["--resume", str(best), "--iterations", "30", "--quiet"]) == 1
    assert (f"{best} holds the best generator alone, not a run to continue; resume from "
            f"{root / 'run' / 'checkpoint.pt'}") in one_clear_line(capsys)
    with pytest.raises(CheckpointError):
        load_checkpoint(best)


def test_the_choice_is_measured_against_the_validation_images(monkeypatch):
    # A classifier whose features are the first 128 pixels; validation and test images drawn
    # from different distributions, so the two real sides differ.
    class Fake:
        def features(self, X):
            return X[:, :128]

        def fc2(self, features):
            return features[:, :10]

    gen = torch.Generator().manual_seed(0)
    validation = torch.rand(400, 784, generator=gen)
    test = torch.rand(400, 784, generator=gen) * 0.5
    labels = torch.zeros(400, 10)
    mnist = Datasets(train=DataSet(validation, labels), validation=DataSet(validation, labels),
                     test=DataSet(test, labels))
    monkeypatch.setattr("gan_vanilla.measure.classifier.load_or_train",
                        lambda *args, **kwargs: (Fake(), 1.0, "unused"))
    _, test_side, validation_side = monitor.classifier_and_sides(mnist, "unused")
    samples = torch.rand(300, 128, generator=gen) * 0.8
    assert frechet_distance(validation_side, samples) == pytest.approx(
        frechet_distance(frechet_against(validation[:, :128]), samples))
    assert frechet_distance(test_side, samples) == pytest.approx(
        frechet_distance(frechet_against(test[:, :128]), samples))
    assert frechet_distance(validation_side, samples) != pytest.approx(
        frechet_distance(test_side, samples))
    # The monitor puts each side where it belongs: the test images' in quality.csv's column,
    # the validation images' in the number the choice reads.
    watch = monitor.QualityMonitor(["unused.csv"], 1, 100, CPU,
                                   lambda: (Fake(), test_side, validation_side))
    watch.classifier, watch.test_side, watch.validation_side = watch.load_classifier()
    G = lambda z: torch.sigmoid(z @ torch.ones(100, 784) / 10)  # noqa: E731
    [row] = watch._numbers(G)  # one file, one row
    features = G(watch.z)[:, :128]
    assert row["frechet_distance"] == pytest.approx(frechet_distance(test_side, features))
    assert row[best_module.RULE] == pytest.approx(frechet_distance(validation_side, features))
