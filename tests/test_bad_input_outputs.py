"""The files a user names (`sample --out`, `evaluate --json` and `--png`) go through one check:
never over a run's own file, anything that is not a regular file, or a checkpoint; over the
user's earlier output of the same kind, saying so. A refusal is one line, before any work,
with nothing written."""

import json
import os
import shutil
import stat

import pytest

from gan_vanilla.cli.evaluate_command import main as evaluate_main
from gan_vanilla.cli.sample_command import main as sample_main

from .conftest import one_clear_line


def _snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def _write(command, run, path, mnist_dir, cache):
    """The command writing `path`; its exit code."""
    ckpt = str(run / "checkpoint.pt")
    if command == "sample --out":
        return sample_main(["--checkpoint", ckpt, "--out", str(path)])
    flag = command.split()[1]
    return evaluate_main(["--checkpoint", ckpt, "--data-dir", str(mnist_dir), "--samples", "20",
                          "--classifier-cache", str(cache), flag, str(path)])


COMMANDS = ["sample --out", "evaluate --json", "evaluate --png"]


@pytest.mark.parametrize("command", COMMANDS)
def test_no_command_writes_over_a_runs_own_files(finished_run, mnist_dir, tmp_path, capsys,
                                                 command):
    prog = "gan-vanilla-" + command.split()[0]
    before = _snapshot(finished_run)
    # There, and not yet there (best.pt without the monitor; the grid after the last one).
    for name in ("checkpoint.pt", "config.json", "losses.csv", "000.png", "progress.gif",
                 "losses.png", "best.pt", "best.png", "quality.csv", "007.png"):
        path = finished_run / name
        assert _write(command, finished_run, path, mnist_dir, tmp_path / "cache") == 1, name
        err = one_clear_line(capsys, prog)
        assert err == (f"{prog}: error: cannot write {path}: {name} is one of the run's own "
                       f"files in {finished_run} (the train command writes it); give another "
                       "name\n")
    assert _snapshot(finished_run) == before
    assert not (tmp_path / "cache").exists()  # refused before the classifier was trained


@pytest.mark.parametrize("command", COMMANDS)
def test_a_pipe_a_folder_or_a_checkpoint_anywhere_is_refused(finished_run, mnist_dir, tmp_path,
                                                             capsys, command):
    prog = "gan-vanilla-" + command.split()[0]
    suffix = ".json" if command == "evaluate --json" else ".png"
    pipe = tmp_path / f"pipe{suffix}"
    os.mkfifo(pipe)  # as a device node (--json /dev/full) is: a file that is not a regular one
    folder = tmp_path / f"folder{suffix}"
    folder.mkdir()
    copied = tmp_path / f"model{suffix}"  # a checkpoint under another name
    shutil.copy(finished_run / "checkpoint.pt", copied)
    kept = copied.read_bytes()
    for path, says in ((pipe, "it is not a regular file (a device, a pipe or a socket); name a "
                              "file"),
                       (folder, "it is a folder"),
                       (copied, "it holds a checkpoint, which it would replace; give another "
                                "name")):
        assert _write(command, finished_run, path, mnist_dir, tmp_path / "cache") == 1
        assert one_clear_line(capsys, prog) == f"{prog}: error: cannot write {path}: {says}\n"
    assert stat.S_ISFIFO(os.stat(pipe).st_mode) and folder.is_dir()
    assert copied.read_bytes() == kept
    assert not (tmp_path / "cache").exists()


def test_an_earlier_image_is_replaced_and_said_another_file_refused(finished_run, tmp_path,
                                                                   capsys):
    ckpt = str(finished_run / "checkpoint.pt")
    grid = tmp_path / "grid.png"
    assert sample_main(["--checkpoint", ckpt, "--out", str(grid), "--seed", "1"]) == 0
    assert capsys.readouterr().out == f"wrote {grid}\n"
    first = grid.read_bytes()
    assert sample_main(["--checkpoint", ckpt, "--out", str(grid), "--seed", "2"]) == 0
    assert capsys.readouterr().out == f"wrote {grid}, replacing the earlier one\n"
    assert grid.read_bytes() != first
    notes = tmp_path / "notes.png"  # not an image: the user's own file of another kind
    notes.write_text("my notes")
    assert sample_main(["--checkpoint", ckpt, "--out", str(notes)]) == 1
    assert one_clear_line(capsys, "gan-vanilla-sample") == (
        f"gan-vanilla-sample: error: cannot write {notes}: it holds something other than an "
        "earlier image, which it would replace; give another name, or move it away\n")
    assert notes.read_text() == "my notes"


def test_evaluate_json_replaces_only_an_earlier_evaluation(finished_run, mnist_dir, tmp_path,
                                                           capsys):
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"lr": 0.001}))
    assert _write("evaluate --json", finished_run, settings, mnist_dir, tmp_path / "cache") == 1
    assert one_clear_line(capsys, "gan-vanilla-evaluate").endswith(
        f"cannot write {settings}: it holds something other than an earlier evaluation "
        "(evaluate --json), which it would replace; give another name, or move it away\n")
    assert json.loads(settings.read_text()) == {"lr": 0.001}
    assert not (tmp_path / "cache").exists()


def test_every_file_a_run_writes_is_named_as_its_own(tmp_path):
    """run/outputs.py names a run's own files once: each file and folder a run with the
    quality monitor (best.pt, best.png, quality.csv) and TensorBoard leaves is one of them."""
    import dataclasses

    import torch

    from gan_vanilla.measure.classifier import DEFAULTS
    from gan_vanilla.run.outputs import own_file
    from gan_vanilla.settings import Settings
    from gan_vanilla.train import train

    from .conftest import in_memory_mnist

    pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed")
    out = tmp_path / "run"
    settings = dataclasses.replace(Settings(), iterations=5, sample_every=2, quality_every=2,
                                   log_every=2, tensorboard=True, out_dir=str(out),
                                   classifier_cache=str(tmp_path / "cache"))
    train(settings, in_memory_mnist(), torch.device("cpu"), log=lambda line: None,
          classifier_settings={**DEFAULTS, "channels": (4, 8), "epochs": 1})
    written = {p.name for p in out.iterdir()}
    assert written >= {"checkpoint.pt", "best.pt", "best.png", "quality.csv", "losses.csv",
                       "002.png", "progress.gif", "tensorboard"}
    assert [name for name in written if not own_file(str(out / name))] == []
