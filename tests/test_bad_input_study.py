"""A study given what its README does not list: a bad study file is refused when it is read,
in one line, with nothing written; a run whose flags changed is moved aside whole; an
evaluation that cannot be used is made again; --collect never empties a table; SIGTERM
reaches the runs through the study; one study at a time in a folder.

Most tests run the study's two commands in this process (in_process): what is tested is the
study's choices, and a process of its own costs seconds to start. The signal test runs real
processes."""

import contextlib
import csv
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest
import torch

from gan_vanilla.cli.evaluate_command import main as evaluate_main
from gan_vanilla.cli.sample_command import main as sample_main
from gan_vanilla.cli.study_command import main
from gan_vanilla.cli.train_command import main as train_main
from gan_vanilla.run.checkpoint import load_checkpoint
from gan_vanilla.study import runner
from gan_vanilla.study.plan import load_study
from gan_vanilla.study.stacked_runs import plan

from .conftest import ROOT, in_process, tiny_study
from .conftest import write_study as write_tiny

STUDY = tiny_study()


def write_study(folder, mnist_dir, cache, text=STUDY):
    return write_tiny(folder, mnist_dir, cache, text)


@pytest.fixture(scope="module")
def finished(mnist_dir, tmp_path_factory):
    """A study of two runs, trained, evaluated and collected; its classifier cached."""
    folder = tmp_path_factory.mktemp("finished")
    path = write_study(folder, mnist_dir, folder / "cache")
    with pytest.MonkeyPatch.context() as mp:
        in_process(mp)
        assert main([path]) == 0
    return folder


@pytest.fixture
def study(finished, mnist_dir, tmp_path):
    """A copy of the finished study of its own: (its folder's parent, its study file)."""
    shutil.copytree(finished / "study", tmp_path / "study")
    return tmp_path, write_study(tmp_path, mnist_dir, finished / "cache")


def snapshot(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def refused(capsys):
    """The one line of a refusal, after checking it is one line and nothing else."""
    out, err = capsys.readouterr()
    assert err.startswith("gan-vanilla-study: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and out == ""
    return err


def bad_file(tmp_path, body):
    path = tmp_path / "bad.toml"
    path.write_text(f'out_dir = "{tmp_path / "out"}"\n' + body)
    return str(path)


# Item 1: a study file's flags are the train command's exact names.

@pytest.mark.parametrize("what", [[], ["--list"]], ids=["run", "list"])
@pytest.mark.parametrize("line,nearest", [("see = 5", "seed"), ("out = 'x'", "out-dir"),
                                          ("res = 'x'", "resume"), ("iter = 50", "iterations")])
def test_an_abbreviated_flag_is_refused_naming_the_real_one(tmp_path, capsys, what, line,
                                                            nearest):
    path = bad_file(tmp_path, f"[configurations.a]\nseeds = [0]\n{line}\n")
    assert main([path, *what]) == 1
    key = line.split()[0]
    assert (f"configurations.a: {key} is not a flag of gan-vanilla-train; did you mean "
            f"{nearest}?") in refused(capsys)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command,argv,abbreviated", [
    (train_main, ["--iter", "5"], "--iter"),
    (train_main, ["--see", "5"], "--see"),
    (evaluate_main, ["--real", "--sampl", "5"], "--sampl"),
    (sample_main, ["--checkpoint", "missing.pt", "--interp"], "--interp"),
    (main, ["missing.toml", "--coll"], "--coll"),
], ids=["train-iter", "train-see", "evaluate", "sample", "study"])
def test_no_command_takes_an_abbreviated_flag(command, argv, abbreviated, capsys):
    with pytest.raises(SystemExit) as stopped:
        command(argv)
    assert stopped.value.code == 2
    assert f"error: unrecognized arguments: {abbreviated}" in capsys.readouterr().err


# Item 2: a configuration's name is one plain folder name, its own.

@pytest.mark.parametrize("names,says", [
    (['"a/"'], 'configuration name "a/" is not a plain folder name'),
    (["a", '"a/"'], 'configuration name "a/" is not a plain folder name'),
    (['""'], 'configuration name "" is not a plain folder name'),
    (['"."'], 'configuration name "." is not a plain folder name'),
    (['".."'], 'configuration name ".." is not a plain folder name'),
    (['"../x"'], 'configuration name "../x" is not a plain folder name'),
    (['"/tmp/x"'], 'configuration name "/tmp/x" is not a plain folder name'),
    (['"a\\u0000b"'], 'configuration name "a\\u0000b" is not a plain folder name'),
    (["a", "A"], 'configurations "a" and "A" would share one folder'),
])
def test_configuration_names_that_are_not_one_folder_of_their_own(tmp_path, capsys, names,
                                                                   says):
    path = bad_file(tmp_path, "".join(f"[configurations.{n}]\nseeds = [0]\n" for n in names))
    assert main([path]) == 1
    assert says in refused(capsys)
    assert not (tmp_path / "out").exists()


# Item 3: a run whose flags changed is moved aside whole, in one rename, and trained anew.

@pytest.mark.slow  # the study trained again: about 12 s
def test_a_run_whose_flags_changed_is_moved_aside_whole(finished, mnist_dir, tmp_path,
                                                        monkeypatch, capsys):
    pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed")
    started = in_process(monkeypatch)
    text = STUDY.replace("seeds = [0, 1]", "seeds = [0]") + "tensorboard = true\n"
    path = write_study(tmp_path, mnist_dir, finished / "cache", text)
    assert main([path]) == 0
    run = tmp_path / "study" / "runs" / "a" / "seed-0"
    assert (run / "tensorboard").is_dir() and (run / "evaluation.json").exists()
    before = snapshot(run)

    write_study(tmp_path, mnist_dir, finished / "cache", text + "lr = 0.002\n")
    capsys.readouterr()
    assert main([path]) == 0
    out, err = capsys.readouterr()
    assert f"a seed 0: its flags changed; moved the old run to {run}.old-1, training anew" in out
    assert snapshot(tmp_path / "study" / "runs" / "a" / "seed-0.old-1") == before
    assert load_checkpoint(run / "checkpoint.pt")["settings"]["lr"] == 0.002
    assert "--lr 0.002" in rows(tmp_path / "study" / "results.csv")[0]["flags"]
    assert "Traceback" not in err

    started.clear()  # done now: the same command trains nothing and moves nothing
    assert main([path]) == 0
    assert started == [] and not (run.parent / "seed-0.old-2").exists()


# Item 4: an evaluation the study cannot use is made again; a damaged file is named.

@pytest.mark.parametrize("damage,says", [
    ("{", "cannot be read (Expecting property name"),
    ('{"iteration": 3}', "is incomplete (no samples)"),
    ("no frechet_distance", "is incomplete (no frechet_distance)"),
    ("iteration 2", "is of iteration 2, not the run's last (3)"),
])
def test_an_evaluation_that_cannot_be_used_is_made_again(study, monkeypatch, capsys, damage,
                                                         says):
    folder, path = study
    started = in_process(monkeypatch)
    evaluation = folder / "study" / "runs" / "a" / "seed-1" / "evaluation.json"
    numbers = json.loads(evaluation.read_text())
    if damage == "no frechet_distance":
        damage = json.dumps({k: v for k, v in numbers.items() if k != "frechet_distance"})
    elif damage == "iteration 2":
        damage = json.dumps({**numbers, "iteration": 2})
    evaluation.write_text(damage)
    assert main([path]) == 0
    assert f"a seed 1: {evaluation} {says}" in capsys.readouterr().out
    assert started == ["evaluate"]  # evaluated again, not trained again
    assert json.loads(evaluation.read_text())["frechet_distance"] == numbers["frechet_distance"]
    assert len(rows(folder / "study" / "results.csv")) == 2


def test_collect_names_a_damaged_quality_csv_and_writes_nothing(study, capsys):
    folder, path = study
    quality = folder / "study" / "runs" / "a" / "seed-0" / "quality.csv"
    quality.write_text(quality.read_text() + "abc,1\n")
    before = snapshot(folder / "study")
    assert main([path, "--collect"]) == 1
    assert f"{quality} is damaged: line 3 ('abc,1')" in refused(capsys)
    assert snapshot(folder / "study") == before


# Item 6: --collect never replaces results with fewer rows without a word, nor leaves figures
# that disagree with its tables.

def test_collect_with_nothing_evaluated_fails_and_keeps_the_results(study, capsys):
    folder, path = study
    text = open(path).read().replace("iterations = 3", "iterations = 4")  # no run is done now
    open(path, "w").write(text)
    before = snapshot(folder / "study")
    assert main([path, "--collect"]) == 1
    assert (f"nothing to collect: none of the 2 runs in {folder / 'study'} is evaluated for its "
            "flags yet; nothing written") in refused(capsys)
    assert snapshot(folder / "study") == before


def test_collect_without_a_study_folder_fails(tmp_path, mnist_dir, capsys):
    path = write_study(tmp_path, mnist_dir, tmp_path / "cache")
    assert main([path, "--collect"]) == 1
    assert f"nothing to collect: {tmp_path / 'study'} does not exist" in refused(capsys)
    assert not (tmp_path / "study").exists()


def test_collect_says_when_the_table_loses_runs(study, capsys):
    folder, path = study
    evaluation = folder / "study" / "runs" / "a" / "seed-1" / "evaluation.json"
    evaluation.write_text("{")
    assert main([path, "--collect"]) == 0
    err = capsys.readouterr().err
    assert f"note: a seed 1 left out: {evaluation} cannot be read" in err
    assert f"{folder / 'study' / 'results.csv'} loses 1 of its runs (a seed 1)" in err
    assert [r["seed"] for r in rows(folder / "study" / "results.csv")] == ["0"]
    assert {r["runs"] for r in rows(folder / "study" / "summary.csv")} == {"1"}


def test_collect_removes_curves_that_no_run_has_any_more(study, capsys, recwarn):
    folder, path = study
    for seed in (0, 1):  # as runs with quality-every = 0 leave them
        (folder / "study" / "runs" / "a" / f"seed-{seed}" / "quality.csv").unlink()
    assert (folder / "study" / "curves.png").exists()
    assert main([path, "--collect"]) == 0
    out, err = capsys.readouterr()
    assert not (folder / "study" / "curves.png").exists()
    assert err == (f"gan-vanilla-study: note: removed {folder / 'study' / 'curves.png'}: no run "
                   "in the table has quality.csv rows (quality-every = 0)\n")
    assert "metrics.png" in out and "curves.png" not in out
    assert [w for w in recwarn if issubclass(w.category, UserWarning)] == []  # matplotlib's


# Item 7: everything in a study file is checked before anything starts.

@pytest.mark.parametrize("body,says", [
    ("evaluate_samples = 0\n[configurations.a]\nseeds = [0]\n",
     "evaluate_samples '0' must be between 2 and 50000"),
    ("classifier_cache = 5\n[configurations.a]\nseeds = [0]\n",
     "classifier_cache must be text in quotes, not 5"),
    ("flags = 5\n[configurations.a]\nseeds = [0]\n", "flags must be a table ([flags]), not 5"),
    ("seeds = [0]\nconfigurations = 5\n",
     "configurations must be tables ([configurations.NAME]), not 5"),
    ("seeds = [0]\nout = 'x'\n[configurations.a]\n", "unknown key 'out'; did you mean out_dir?"),
    ("[configurations.a]\nseeds = [0]\nlr = false\n",
     "configurations.a: lr takes a number or text, not false"),
    ("[configurations.a]\nseeds = [0]\nlr = [1, 2]\n",
     "configurations.a: lr takes a number or text, not [1, 2]"),
    ("[configurations.a]\nseeds = [0]\ntensorboard = 1\n",
     "configurations.a: tensorboard is true or false, not 1"),
    ("[configurations.a]\nseeds = [0]\nh_dim = 10\nh-dim = 20\n",
     "configurations.a sets --h-dim twice, as h_dim and as h-dim"),
    ("[configurations.a]\nseeds = [0]\ncuda-graph = true\nno-cuda-graph = true\n",
     "configurations.a sets --cuda-graph twice, as cuda-graph and as no-cuda-graph"),
    ("[configurations.a]\nseeds = [0]\nhelp = true\n",
     "configurations.a: help is not a flag of gan-vanilla-train"),
    ("[configurations.a]\nseeds = [0]\nseed = 1\n", "configurations.a sets --seed, which the "
     "study chooses for every run (give seeds = [...] instead)"),
    ("[flags]\noverwrite = true\n[configurations.a]\nseeds = [0]\n",
     "[flags] sets --overwrite, which the study chooses"),
    ("[flags]\nseeds = '0-1'\n[configurations.a]\nseeds = [0]\n",
     "[flags] sets --seeds, which the study chooses for every run (give seeds = [...] instead)"),
    ("[flags]\nauto-resume = true\n[configurations.a]\nseeds = [0]\n",
     "[flags] sets --auto-resume, which the study chooses"),
], ids=["evaluate_samples", "classifier_cache", "flags", "configurations", "unknown-key",
        "lr-false", "lr-list", "tensorboard-1", "h_dim-twice", "cuda-graph-twice", "help",
        "seed", "overwrite", "seeds-in-flags", "auto-resume"])
def test_a_bad_study_file_is_refused_when_read(tmp_path, capsys, body, says):
    assert main([bad_file(tmp_path, body)]) == 1
    assert says in refused(capsys)
    assert not (tmp_path / "out").exists()


def test_a_study_file_that_is_not_utf8(tmp_path, capsys):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'# caf\xe9\n[configurations.a]\nseeds = [0]\n')
    assert main([str(path)]) == 1
    assert "is not UTF-8 text (byte 0xe9 at position 5)" in refused(capsys)


@pytest.mark.parametrize("line,says", [
    ("mb-size = 56000", "configuration 'a': --mb-size 56000 is larger than the 300 training "
     "images in {data}"),
    pytest.param("device = 'cuda'", "configuration 'a': --device cuda, and this machine has no "
                 "usable CUDA GPU", marks=pytest.mark.skipif(torch.cuda.is_available(),
                                                             reason="a GPU is there")),
], ids=["mb-size", "cuda"])
def test_what_would_fail_in_every_run_is_refused_before_any_starts(tmp_path, mnist_dir, capsys,
                                                                   line, says):
    text = STUDY.replace("[configurations.a]", f"[configurations.a]\n{line}")
    assert main([write_study(tmp_path, mnist_dir, tmp_path / "cache", text)]) == 1
    assert says.format(data=mnist_dir) in refused(capsys)
    assert not (tmp_path / "study").exists()


def test_a_flag_turned_off_is_passed_on_or_left_out(tmp_path):
    path = bad_file(tmp_path, "seeds = [0]\n[flags]\ntensorboard = true\n"
                    "[configurations.a]\ntensorboard = false\ncuda-graph = false\n"
                    "[configurations.b]\nno-cuda-graph = true\n")
    a, b = load_study(path).runs
    for run in (a, b):
        assert "--no-cuda-graph" in run.train_argv() and not run.settings.cuda_graph
    assert "--tensorboard" not in a.train_argv() and not a.settings.tensorboard
    assert "--tensorboard" in b.train_argv()


# Item 8: one study at a time in a folder.

def test_one_study_at_a_time_in_a_folder(study, capsys):
    folder, path = study
    before = snapshot(folder / "study")
    with runner.lock(str(folder / "study")):  # as another study holds it
        for argv in ([path], [path, "--collect"], [path, "--only", "a"]):
            assert main(argv) == 1
            assert (f"another study is running in {folder / 'study'} (process {os.getpid()}); "
                    "wait for it to finish, or stop it") in refused(capsys)
    # Lines of --list (--only) run side by side, never beside a whole study.
    with runner.lock(str(folder / "study"), shared=True):
        assert main([path]) == 1
        assert (f"another study is running in {folder / 'study'} (lines of its --list)"
                in refused(capsys))
        assert main([path, "--only", "a", "--seeds", "1"]) == 0
        assert "1 run, 1 done, 0 to run" in capsys.readouterr().out
    assert snapshot(folder / "study") == before


# Item 5: SIGTERM to the study stops its runs, which write their checkpoints, then the study.

# A train command as the study sees it, without torch: it says it is running, waits for a
# signal, notes every signal it gets, and exits as train does (128 + the first one).
FAKE_TRAIN = """
import os, signal, sys, time
out = sys.argv[sys.argv.index("--out-dir") + 1]
got = []
for s in (signal.SIGINT, signal.SIGTERM):
    signal.signal(s, lambda signum, frame: got.append(signum))
with open(os.path.join(out, "running"), "w") as f:
    f.write(str(os.getpgrp() == os.getpid()))  # in a process group of its own
deadline = time.monotonic() + 30
while not got and time.monotonic() < deadline:
    time.sleep(0.01)
time.sleep(0.3)  # a second signal, if one comes, comes now
with open(os.path.join(out, "signals"), "w") as f:
    f.write(" ".join(map(str, got)))
sys.exit(128 + got[0] if got else 1)
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_to_the_study_reaches_each_run_once(mnist_dir, tmp_path, monkeypatch, capsys,
                                                     signum):
    monkeypatch.setitem(runner._MAIN, "train", FAKE_TRAIN)
    path = write_study(tmp_path, mnist_dir, tmp_path / "cache")
    run = tmp_path / "study" / "runs" / "a" / "seed-0"

    def signal_the_study():  # as `kill` does, once the run is running
        deadline = time.monotonic() + 60
        while not (run / "running").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        signal.pthread_kill(threading.main_thread().ident, signum)

    # Were the study not to take the signal, this would, instead of ending the tests.
    missed = []
    previous = signal.signal(signum, lambda s, frame: missed.append(s))
    try:
        sender = threading.Thread(target=signal_the_study)
        sender.start()
        code = main([path])
        sender.join()
    finally:
        signal.signal(signum, previous)
    out, err = capsys.readouterr()
    assert missed == [] and code == 128 + signum
    # The terminal's Ctrl-C reaches the study alone, which passes it on: once.
    assert (run / "running").read_text() == "True"
    assert (run / "signals").read_text() == str(int(signum))
    assert "a seed 0: stopped" in out
    assert not (run.parent / "seed-1").exists()  # waiting for its turn: never started
    assert err == (f"gan-vanilla-study: stopped by {signum.name}; each run in training stopped "
                   "at its next iteration and wrote its checkpoint. The same command "
                   f"continues: gan-vanilla-study {path}\n")


def children_of(pid):
    """The processes whose parent is `pid`, as Linux's /proc lists them."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            with open(f"/proc/{entry}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry))
    return found


@pytest.mark.slow  # two processes of their own, each importing torch: about 10 to 20 s
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="finds the study's runs in /proc")
def test_sigterm_stops_the_runs_through_the_study(finished, mnist_dir, tmp_path):
    text = STUDY.replace("seeds = [0, 1]", "seeds = [0]").replace(
        "iterations = 3", "iterations = 1000000").replace("sample-every = 2", "sample-every = 1")
    path = write_study(tmp_path, mnist_dir, finished / "cache", text)
    run = tmp_path / "study" / "runs" / "a" / "seed-0"
    study = subprocess.Popen(
        [sys.executable, "-c", "import sys; from gan_vanilla.cli.study_command import main; "
         "sys.exit(main(sys.argv[1:]))", path],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    children = []
    try:
        deadline = time.monotonic() + 120
        while not (run / "001.png").exists():  # the run is training
            if study.poll() is not None:
                pytest.fail(f"the study ended first: {study.communicate()}")
            assert time.monotonic() < deadline, "the run did not start in 120 s"
            time.sleep(0.05)
        children = children_of(study.pid)
        assert len(children) == 1
        study.send_signal(signal.SIGTERM)
        out, err = study.communicate(timeout=120)
    finally:
        study.kill()
        for pid in children:  # a run left behind by a failing study, and only that
            with contextlib.suppress(OSError), open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"gan_vanilla.cli.train_command" in f.read():
                    os.kill(pid, signal.SIGKILL)
    assert study.returncode == 143, err
    assert "Traceback" not in err
    assert err.splitlines()[-1].startswith("gan-vanilla-study: stopped by SIGTERM; each run in "
                                           "training stopped at its next iteration")
    assert "a seed 0: stopped" in out
    assert 1 <= load_checkpoint(run / "checkpoint.pt")["iteration"] < 1000000
    assert not os.path.exists(f"/proc/{children[0]}")  # the study waited for its run


# Issue 26: a line of --list never loses a run, whoever runs it and however often. Issue 34:
# each line does what the study would do, from the folders as they are when it runs.


def _list(path, capsys, *extra):
    assert main([path, "--list", *extra]) == 0
    return capsys.readouterr().out.splitlines()


def _run_line(line):
    """A line of --list, run as a scheduler would run it (its study in this process)."""
    argv = shlex.split(line)
    assert argv[0] == "gan-vanilla-study"
    return main(argv[1:])


@pytest.mark.parametrize("extra", [["--ensembles"], ["--no-ensembles"]],
                         ids=["ensemble", "single"])
def test_a_list_line_run_twice_or_after_a_stop_never_loses_a_run(mnist_dir, tmp_path, capsys,
                                                                 monkeypatch, extra):
    text = STUDY.replace("quality-every = 2", "quality-every = 0")
    path = write_study(tmp_path, mnist_dir, tmp_path / "cache", text)
    lines = _list(path, capsys, *extra)
    assert lines == ([f"gan-vanilla-study {path} --only a --seeds 0-1 {extra[0]}"] if
                     extra == ["--ensembles"] else
                     [f"gan-vanilla-study {path} --only a --seeds {s} {extra[0]}" for s in (0, 1)])
    in_process(monkeypatch)
    runs = tmp_path / "study" / "runs" / "a"
    # Stopped at iteration 2 (as by a signal, the study's record written), then the lines,
    # requeued: each goes on from 2.
    study = load_study(path)
    for work in plan(study.runs, extra == ["--ensembles"]):
        argv = work.train_argv()
        assert train_main([*argv[: argv.index("--iterations") + 1], "2",
                           *argv[argv.index("--iterations") + 2:]]) == 0
    for run in study.runs:
        run.write_record(1.0)
    for line in lines:
        assert _run_line(line) == 0
    capsys.readouterr()
    for s in (0, 1):
        run = runs / f"seed-{s}"
        assert load_checkpoint(run / "checkpoint.pt")["iteration"] == 3
        # losses.csv (a row an iteration) holds every iteration once: it went on, not anew
        assert [r["iteration"] for r in rows(run / "losses.csv")] == ["0", "1", "2"]
        assert (run / "evaluation.json").exists()
    # Run again once finished: nothing to do, nothing touched; nothing is left to list.
    before = snapshot(runs)
    for line in lines:
        assert _run_line(line) == 0
    assert capsys.readouterr().out.count(" done, 0 to run") == len(lines)
    assert snapshot(runs) == before
    assert _list(path, capsys, *extra) == []


def test_every_line_of_list_does_what_the_study_does_once_an_ensemble_gained_seeds(
        finished, mnist_dir, tmp_path, capsys, monkeypatch):
    """Seeds 0 and 1 trained as one ensemble and evaluated; the study file now names seeds
    0-3. The study moves the earlier ensemble.json aside and trains 2-3 as one ensemble;
    every line of --list, run (and run again), does the same, and replaces nothing done."""
    text = STUDY.replace("quality-every = 2", "quality-every = 0")
    path = write_study(tmp_path, mnist_dir, finished / "cache", text)
    in_process(monkeypatch)
    assert main([path, "--ensembles"]) == 0
    grown = text.replace("seeds = [0, 1]", "seeds = [0, 1, 2, 3]")
    path = write_study(tmp_path, mnist_dir, finished / "cache", grown)
    # The same state for the study itself, in a folder of its own.
    shutil.copytree(tmp_path / "study", tmp_path / "whole")
    whole = write_tiny(tmp_path, mnist_dir, finished / "cache", grown, name="whole.toml",
                       out="whole")
    runs = tmp_path / "study" / "runs" / "a"
    done = {s: snapshot(runs / f"seed-{s}") for s in (0, 1)}
    capsys.readouterr()
    lines = _list(path, capsys, "--ensembles")
    assert lines == [f"gan-vanilla-study {path} --only a --seeds 2-3 --ensembles"]
    for line in [*lines, *lines]:  # and once more, as a requeued job
        assert _run_line(line) == 0
    assert main([whole, "--ensembles"]) == 0
    assert {s: snapshot(runs / f"seed-{s}") for s in (0, 1)} == done
    for folder in (runs, tmp_path / "whole" / "runs" / "a"):
        assert json.loads((folder / "ensemble.json").read_text()) == {"seeds": [2, 3]}
        assert json.loads((folder / "ensemble.json.old-1").read_text()) == {"seeds": [0, 1]}
        assert not (folder / "ensemble.json.old-2").exists()
    by_lines, by_study = (sorted(str(p.relative_to(f)) for p in f.rglob("*") if p.is_file())
                          for f in (runs, tmp_path / "whole" / "runs" / "a"))
    assert by_lines == by_study
    for s in (2, 3):
        mine, theirs = (load_checkpoint(f / f"seed-{s}" / "checkpoint.pt") for f in (
            runs, tmp_path / "whole" / "runs" / "a"))
        assert mine["iteration"] == theirs["iteration"] == 3
        assert all(torch.equal(mine["params"][k], theirs["params"][k]) for k in mine["params"])
    assert main([path, "--collect"]) == 0
    assert [r["seed"] for r in rows(tmp_path / "study" / "results.csv")] == ["0", "1", "2", "3"]


@pytest.mark.parametrize("argv, says", [
    (["--only", "b"], "study file {path} has no configuration 'b'; it has a"),
    (["--only", "a", "--seeds", "0,7"], "configuration 'a' of {path} has no seed 7; its seeds "
                                        "are 0-1"),
], ids=["configuration", "seed"])
def test_only_names_runs_of_the_study_file(mnist_dir, tmp_path, capsys, argv, says):
    path = write_study(tmp_path, mnist_dir, tmp_path / "cache")
    assert main([path, *argv]) == 1
    assert says.format(path=path) in refused(capsys)
    assert not (tmp_path / "study").exists()
    for bad in (["--seeds", "0"], ["--only", "a", "--collect"]):
        with pytest.raises(SystemExit) as e:
            main([path, *bad])
        assert e.value.code == 2


def test_a_new_ensemble_moves_aside_the_file_of_an_earlier_one(finished, mnist_dir, tmp_path,
                                                               capsys, monkeypatch):
    text = STUDY.replace("quality-every = 2", "quality-every = 0").replace(
        "seeds = [0, 1]", "seeds = [2, 3]")
    path = write_study(tmp_path, mnist_dir, finished / "cache", text)
    runs = tmp_path / "study" / "runs" / "a"
    runs.mkdir(parents=True)
    (runs / "ensemble.json").write_text('{"seeds": [0, 1]}\n')  # seeds no longer in the file
    in_process(monkeypatch)
    assert main([path, "--ensembles"]) == 0
    out = capsys.readouterr().out
    assert "2 of them as 1 ensemble" in out and "ensembles" not in out.splitlines()[0]
    assert "moved it to" in out
    assert json.loads((runs / "ensemble.json.old-1").read_text()) == {"seeds": [0, 1]}
    assert json.loads((runs / "ensemble.json").read_text()) == {"seeds": [2, 3]}
    assert {load_checkpoint(runs / f"seed-{s}" / "checkpoint.pt")["iteration"]
            for s in (2, 3)} == {3}
