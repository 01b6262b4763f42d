"""The evaluate command end to end on the fixture MNIST."""

import json

import pytest

from gan_vanilla.cli.evaluate_command import main as evaluate_main
from gan_vanilla.cli.train_command import main as train_main

from .conftest import N_TEST


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

    # The reference row: real training images beat 20 iterations of training by far. Its
    # JSON replaces the earlier evaluation's, and says so.
    assert evaluate_main(["--real", *args, "--png", str(tmp_path / "real.png")]) == 0
    assert f"  wrote {report}, replacing the earlier one\n" in capsys.readouterr().out
    real = json.loads(report.read_text())
    assert real["source"] == "real" and real["parzen_ll"] > r["parzen_ll"]
    assert real["frechet_distance"] < r["frechet_distance"]
    assert N_TEST == 200  # the fixture's test split: Parzen ran over all of it
