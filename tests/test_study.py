"""Studies: a tiny one end to end, resumed after a stop, --list and --collect, bad files;
and the one knob they added, --beta1."""

import csv
import dataclasses
import json
import os
import shutil
import subprocess
import sys

import pytest
import torch

from gan_vanilla.cli.study_command import main
from gan_vanilla.cli.train_command import main as train_main
from gan_vanilla.run.checkpoint import load_checkpoint
from gan_vanilla.settings import Settings
from gan_vanilla.study.plan import load_study
from gan_vanilla.train import train

from .conftest import ROOT, in_memory_mnist, in_process, tiny_study
from .conftest import write_study as write_tiny

TINY = tiny_study("[configurations.post]\n\n[configurations.beta-half]\nbeta1 = 0.5\n",
                  iterations=6, sample_every=3, log_every=2, quality_every=3, samples=40)


def write_study(tmp_path, mnist_dir):
    return write_tiny(tmp_path, mnist_dir, tmp_path / "cache", TINY, name="tiny.toml")


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def done(mnist_dir, tmp_path_factory):
    """The tiny study, its train and evaluate commands called in this process (the slow
    tests below run them as processes of their own, as the study does)."""
    tmp = tmp_path_factory.mktemp("study")
    path = write_study(tmp, mnist_dir)
    with pytest.MonkeyPatch.context() as patch:
        in_process(patch)
        assert main([path]) == 0
    return tmp, path


@pytest.mark.slow  # four runs trained and evaluated: about 30 s
def test_a_tiny_study_end_to_end(done, capsys):
    tmp, _ = done
    results = rows(tmp / "study" / "results.csv")
    assert [(r["configuration"], r["seed"]) for r in results] == [
        ("post", "0"), ("post", "1"), ("beta-half", "0"), ("beta-half", "1")]
    for r in results:
        assert r["iterations"] == "6" and float(r["train_seconds"]) > 0
        assert 1 <= float(r["classifier_score"]) <= 10 and float(r["parzen_ll"]) != 0
    assert results[2]["flags"] == "--iterations 6 --sample-every 3 --log-every 2 " \
                                  "--quality-every 3 --beta1 0.5"
    # Different seeds and different knobs give different runs.
    assert len({r["frechet_distance"] for r in results}) == 4
    summary = rows(tmp / "study" / "summary.csv")
    post = {r["metric"]: r for r in summary if r["configuration"] == "post"}
    values = [float(r["kl_uniform"]) for r in results[:2]]
    assert float(post["kl_uniform"]["mean"]) == pytest.approx(sum(values) / 2)
    assert float(post["kl_uniform"]["min"]) == min(values) and post["kl_uniform"]["runs"] == "2"
    table = (tmp / "study" / "summary.md").read_text()
    assert table.startswith("| configuration | runs | Parzen") and "| beta-half | 2 |" in table
    for png in ("metrics.png", "curves.png"):
        assert (tmp / "study" / png).read_bytes()[:4] == b"\x89PNG"
    run = tmp / "study" / "runs" / "beta-half" / "seed-1"
    assert [r["iteration"] for r in rows(run / "quality.csv")] == ["3", "5"]
    # Each run is evaluated at its last generator and at its best, measured at 3 or 5.
    for r in results:
        assert r["best_iteration"] in ("3", "5") and float(r["best_frechet_distance"]) > 0
    best = json.loads((run / "evaluation-best.json").read_text())
    assert best["source"].endswith("best.pt") and best["samples"] == 40
    assert "| beta-half, best generator | 2 |" in table
    assert load_checkpoint(run / "checkpoint.pt")["settings"]["beta1"] == 0.5


@pytest.mark.slow  # several processes of their own: about 10 to 20 s
def test_a_stopped_study_resumes_and_retrains_nothing_finished(done, mnist_dir, tmp_path):
    src, _ = done
    shutil.copytree(src / "study", tmp_path / "study")
    shutil.copytree(src / "cache", tmp_path / "cache")
    path = write_study(tmp_path, mnist_dir)
    runs = tmp_path / "study" / "runs"
    # As a Ctrl-C leaves it: post seed 1 stopped at iteration 4 of 6 (its checkpoint and
    # record, no evaluation); beta-half seed 1 never started.
    stopped = runs / "post" / "seed-1"
    for name in os.listdir(stopped):
        if name != "study-run.json":
            os.remove(stopped / name)
    assert train_main(["--data-dir", str(mnist_dir), "--out-dir", str(stopped), "--seed", "1",
                       "--quiet", "--iterations", "4", "--sample-every", "3", "--log-every",
                       "2", "--quality-every", "3", "--classifier-cache",
                       str(tmp_path / "cache")]) == 0
    shutil.rmtree(runs / "beta-half" / "seed-1")
    finished = [runs / "post" / "seed-0", runs / "beta-half" / "seed-0"]
    before = {p: (p / "checkpoint.pt").stat().st_mtime_ns for p in finished}

    assert main([path]) == 0
    assert {p: (p / "checkpoint.pt").stat().st_mtime_ns for p in finished} == before
    assert load_checkpoint(stopped / "checkpoint.pt")["iteration"] == 6
    # The resumed run is the run that never stopped: the same weights as the first study's.
    resumed = load_checkpoint(stopped / "checkpoint.pt")["params"]
    whole = load_checkpoint(src / "study" / "runs" / "post" / "seed-1" / "checkpoint.pt")
    assert all(torch.equal(resumed[k], whole["params"][k]) for k in resumed)
    assert len(rows(tmp_path / "study" / "results.csv")) == 4


@pytest.mark.slow  # several processes of their own: about 10 to 20 s
def test_list_prints_runnable_commands_and_collect_gathers(mnist_dir, tmp_path, capsys):
    path = write_study(tmp_path, mnist_dir)
    assert main([path, "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert not (tmp_path / "study").exists()  # --list runs nothing
    # One line a run (on the CPU, no ensembles): the study itself, for that run alone.
    assert lines == [f"gan-vanilla-study {path} --only {config} --seeds {seed} --no-ensembles"
                     for config in ("post", "beta-half") for seed in (0, 1)]
    # A scheduler runs a line as it is (the console scripts, as pip installs them).
    bin_dir = os.path.dirname(sys.executable)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    if shutil.which("gan-vanilla-study", path=env["PATH"]) is None:
        pytest.skip("the console scripts are not installed")
    done = subprocess.run(lines[3], shell=True, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "beta-half seed 1: done" in done.stdout
    assert main([path, "--list"]) == 0  # what is left
    assert capsys.readouterr().out.splitlines() == lines[:3]
    assert main([path, "--collect"]) == 0
    results = rows(tmp_path / "study" / "results.csv")
    assert [(r["configuration"], r["seed"]) for r in results] == [("beta-half", "1")]
    assert results[0]["best_iteration"] in ("3", "5")


@pytest.mark.parametrize("body,says", [
    ("[configurations.a]\nseeds = [0]\nlearning-rate = 1\n",
     "configurations.a: learning-rate is not a flag of gan-vanilla-train"),
    ("[configurations.a]\nseeds = [0]\nlr = -1\n",
     "configuration 'a': argument --lr: '-1' must be a positive, finite number"),
    ("[configurations.a]\nseeds = [0]\n[configurations.a]\nseeds = [1]\n", "is not valid TOML"),
    ("[configurations.a]\nlr = 0.1\n", "configuration 'a' has no seeds"),
    ("seeds = [0]\n", "names no [configurations.NAME]"),
    ("[configurations.a]\nseeds = [0]\nout-dir = 'x'\n", "sets --out-dir, which the study"),
])
def test_bad_study_files_say_what_and_start_nothing(tmp_path, capsys, body, says):
    path = tmp_path / "bad.toml"
    path.write_text(f'out_dir = "{tmp_path / "out"}"\n' + body)
    assert main([str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("gan-vanilla-study: error: ") and says in err
    assert err.count("\n") == 1 and not (tmp_path / "out").exists()


def test_the_committed_studies_are_valid():
    for name in os.listdir(ROOT / "studies"):
        study = load_study(str(ROOT / "studies" / name))
        assert study.runs


def test_beta1_is_adams_and_applies_on_resume(tmp_path):
    base = dataclasses.replace(Settings(), iterations=5, sample_every=100, quality_every=0)
    runs = {}
    for beta1 in (0.9, 0.5):
        s = dataclasses.replace(base, beta1=beta1, out_dir=str(tmp_path / str(beta1)))
        runs[beta1] = train(s, in_memory_mnist(), torch.device("cpu"), log=lambda line: None)
    assert not torch.equal(runs[0.9]["Whx"], runs[0.5]["Whx"])
    saved = load_checkpoint(tmp_path / "0.5" / "checkpoint.pt")
    assert saved["G_solver"]["param_groups"][0]["betas"] == (0.5, 0.999)
    # Resumed with another --beta1 typed, the typed one is used from then on.
    s = dataclasses.replace(base, iterations=8, beta1=0.7, out_dir=str(tmp_path / "0.5"))
    train(s, in_memory_mnist(), torch.device("cpu"), log=lambda line: None, resume=saved)
    again = load_checkpoint(tmp_path / "0.5" / "checkpoint.pt")
    assert again["D_solver"]["param_groups"][0]["betas"] == (0.7, 0.999)


@pytest.mark.slow  # the tiny study again, as ensembles: about 20 s
def test_a_study_of_ensembles(done, mnist_dir, tmp_path, capsys, monkeypatch):
    """--ensembles: each configuration's seeds train as one `train --seeds` command, into the
    folders single runs use, with the same results; a stopped ensemble goes on as one."""
    single, _ = done
    path = write_study(tmp_path, mnist_dir)
    started = in_process(monkeypatch)
    runs = tmp_path / "study" / "runs"
    # post's two seeds were stopped together at iteration 4 (as by Ctrl-C): they go on as one
    assert train_main(["--data-dir", str(mnist_dir), "--out-dir", str(runs / "post"),
                       "--seeds", "0,1", "--quiet", "--iterations", "4", "--sample-every",
                       "3", "--log-every", "2", "--quality-every", "3",
                       "--classifier-cache", str(tmp_path / "cache")]) == 0
    for run in load_study(path).runs[:2]:
        run.write_record(1.0)  # the study's record of each, written before it trained
    # Each configuration's line: post's goes on as one ensemble, beta-half's starts as one.
    capsys.readouterr()
    assert main([path, "--ensembles", "--list"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"gan-vanilla-study {path} --only {config} --seeds 0-1 --ensembles"
        for config in ("post", "beta-half")]
    assert main([path, "--ensembles"]) == 0
    assert started.count("train") == 2 and started.count("evaluate") == 8
    assert "4 to run, 1 at a time" in capsys.readouterr().out
    results = rows(tmp_path / "study" / "results.csv")
    alone = rows(single / "study" / "results.csv")
    assert [(r["configuration"], r["seed"]) for r in results] == [
        (r["configuration"], r["seed"]) for r in alone]
    for mine, theirs in zip(results, alone, strict=True):
        assert load_checkpoint(runs / mine["configuration"] / f"seed-{mine['seed']}" /
                               "checkpoint.pt")["iteration"] == 6
        for metric in ("parzen_ll", "classifier_score", "frechet_distance"):
            assert float(mine[metric]) == pytest.approx(float(theirs[metric]), rel=1e-3)
    assert main([path, "--ensembles", "--list"]) == 0
    assert capsys.readouterr().out == ""  # nothing is left to do
