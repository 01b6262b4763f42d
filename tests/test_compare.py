"""Is my run normal? gan-vanilla-compare places a run's figures in the spread of the committed
study's seeds of its settings: a committed run lies within, a fabricated outlier outside."""

import csv
import json
import shutil

import pytest

from gan_vanilla.cli.compare_command import main
from gan_vanilla.study.normal import place

from .conftest import ROOT, one_clear_line

STUDY = ROOT / "docs" / "study"


def test_a_committed_run_lies_within_its_seeds(capsys):
    assert main([str(STUDY / "runs" / "post" / "seed-3"), "--study", str(STUDY)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "configuration 'post'" in out[0] and "its 10 seeds" in out[0]
    measured = [line for line in out if line.startswith("   ") and ": digits " in line]
    assert len(measured) == 10  # every measurement of quality.csv, each placed
    assert out[-1] == "Every figure lies within the seeds' range: a run like the study's."
    # docs/training.md's example is what the command prints for this run.
    doc = (ROOT / "docs" / "training.md").read_text()
    example = doc.split("docs/study/runs/post/seed-3`),")[1].split("```")[1].strip("\n")
    assert all(line in out for line in example.splitlines())


def test_a_fabricated_outlier_is_placed_outside(tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(STUDY / "runs" / "post" / "seed-3", run)
    rows = list(csv.reader((run / "quality.csv").open()))
    at = next(r for r in rows if r[0] == "50000")
    at[1], at[4] = "2", "2000"  # two digits, and samples far from the test images
    with (run / "quality.csv").open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    evaluation = {"iteration": 100000, "parzen_ll": 300.0, "classes_covered": 9,
                  "kl_uniform": 0.5, "classifier_score": 4.6, "frechet_distance": 500.0}
    (run / "evaluation.json").write_text(json.dumps(evaluation))
    assert main([str(run), "--study", str(STUDY)]) == 0
    out = capsys.readouterr().out
    assert "digits 2 (far below: all 10 higher)" in out
    assert "FD 2000 (far above: all 10 lower)" in out
    assert "Parzen 300.0 (far above: all 10 lower)" in out  # against results.csv's seeds
    assert "score 4.60 (within:" in out
    assert out.splitlines()[-1].startswith("3 figures outside the seeds' range, 3 of them far")


@pytest.mark.parametrize("change, says", [
    ("settings", "has no configuration trained with"),
    ("no-config", "has no config.json: is it a run's folder"),
    ("ensemble", "holds an ensemble: name one member's folder"),
], ids=["other-settings", "not-a-run", "an-ensemble"])
def test_what_cannot_be_compared_is_one_line(tmp_path, capsys, change, says):
    run = tmp_path / "run"
    shutil.copytree(STUDY / "runs" / "post" / "seed-3", run)
    config = run / "config.json"
    if change == "settings":
        data = json.loads(config.read_text())
        data["settings"]["h_dim"] = 64
        config.write_text(json.dumps(data))
    elif change == "no-config":
        config.unlink()
    else:
        (run / "ensemble.json").write_text('{"seeds": [3]}')
    assert main([str(run), "--study", str(STUDY)]) == 1
    assert says in one_clear_line(capsys, "gan-vanilla-compare")


@pytest.mark.parametrize("value, word, counts", [
    (5.0, "within", "1 lower, 1 level, 1 higher"), (6.5, "above", "all 3 lower"),
    (9.0, "far above", "all 3 lower"), (3.5, "below", "all 3 higher"),
    (5.0, "within", "all 3 level")])
def test_place_words_a_figure_against_the_seeds(value, word, counts):
    seeds = [5.0, 5.0, 5.0] if counts == "all 3 level" else [4.0, 5.0, 6.0]
    assert place(value, seeds) == (word, counts)
