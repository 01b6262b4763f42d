"""Stopping and resuming gives, on the CPU, exactly the run that never stopped."""

import dataclasses

import pytest
import torch

from gan_vanilla.cli.train_command import main as train_main
from gan_vanilla.model import PARAM_NAMES
from gan_vanilla.run.checkpoint import load_checkpoint
from gan_vanilla.settings import Settings
from gan_vanilla.train import train

from .conftest import in_memory_mnist

CPU = torch.device("cpu")
# 640 images in batches of 64: an epoch is 10 iterations.
BASE = dataclasses.replace(Settings(), iterations=23, sample_every=5, checkpoint_every=1000,
                           log_every=4)


def run(out, iterations, resume=None):
    settings = dataclasses.replace(BASE, iterations=iterations, out_dir=str(out))
    lines = []
    state = load_checkpoint(out / "checkpoint.pt") if resume else None
    params = train(settings, in_memory_mnist(), CPU, log=lines.append, resume=state)
    return params, lines


def outputs(out):
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())
            if p.suffix in (".png", ".gif", ".csv")}


@pytest.mark.parametrize("stop_at", [7, 10], ids=["mid-epoch", "at-a-report-boundary"])
def test_stopped_and_resumed_run_is_bit_identical(tmp_path, stop_at):
    whole, whole_lines = run(tmp_path / "whole", 23)
    run(tmp_path / "parts", stop_at)
    resumed, resumed_lines = run(tmp_path / "parts", 23, resume=True)
    first_lines = [f"Iter-{it}" for it in range(0, stop_at, 5)]

    for name in PARAM_NAMES:
        assert torch.equal(whole[name], resumed[name]), name
    # Every report line once, by whichever part reached it.
    assert [line.split(";")[0] for line in resumed_lines] == [
        f"Iter-{it}" for it in range(0, 23, 5) if it >= stop_at
    ]
    assert len(first_lines) + len(resumed_lines) == len(whole_lines)
    assert whole_lines[len(first_lines):] == resumed_lines
    # The same grids, loss log and animation, byte for byte.
    assert outputs(tmp_path / "whole") == outputs(tmp_path / "parts")
    a = load_checkpoint(tmp_path / "whole" / "checkpoint.pt")
    b = load_checkpoint(tmp_path / "parts" / "checkpoint.pt")
    assert a["iteration"] == b["iteration"] == 23 and a["grid_counter"] == b["grid_counter"] == 5
    for solver in ("G_solver", "D_solver"):
        for i, state in a[solver]["state"].items():
            for key, value in state.items():
                assert torch.equal(value, b[solver]["state"][i][key]), (solver, i, key)
    assert torch.equal(a["rng"]["cpu"], b["rng"]["cpu"])


def test_resume_drops_loss_rows_written_after_the_checkpoint(tmp_path):
    out = tmp_path / "o"
    run(out, 12)  # checkpoint at 12, rows for iterations 3, 7, 11
    csv_path = out / "losses.csv"
    csv_path.write_text(csv_path.read_text() + "15,1,1,0.5,0.5\n")  # as if a crash came later
    run(out, 23, resume=True)
    iterations = [int(r.split(",")[0]) for r in csv_path.read_text().splitlines()[1:]]
    assert iterations == [3, 7, 11, 15, 19, 22]


@pytest.mark.parametrize("flag,value,name", [("--h-dim", "64", "h_dim"),
                                             ("--z-dim", "10", "Z_dim"),
                                             ("--seed", "5", "seed")])
def test_resume_refuses_changed_sizes_and_leaves_the_checkpoint(
    mnist_dir, tmp_path, capsys, flag, value, name
):
    out = tmp_path / "o"
    args = ["--data-dir", str(mnist_dir), "--out-dir", str(out), "--quiet"]
    assert train_main([*args, "--iterations", "3"]) == 0
    before = (out / "checkpoint.pt").read_bytes()
    capsys.readouterr()
    code = train_main(["--resume", str(out / "checkpoint.pt"), "--iterations", "6", flag, value])
    assert code == 1
    err = capsys.readouterr().err
    assert f"{flag} {value} does not match the checkpoint's {name}" in err
    assert "Traceback" not in err and err.count("\n") == 1
    assert (out / "checkpoint.pt").read_bytes() == before


def test_resume_takes_the_checkpoints_settings_and_folder(mnist_dir, tmp_path, capsys):
    out = tmp_path / "o"
    assert train_main(["--data-dir", str(mnist_dir), "--out-dir", str(out), "--iterations", "4",
                       "--sample-every", "2", "--h-dim", "32", "--quiet"]) == 0
    capsys.readouterr()
    # Only the total is typed: sizes, data folder and output folder come from the checkpoint.
    assert train_main(["--resume", str(out / "checkpoint.pt"), "--iterations", "7"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("Iter-4;")
    state = load_checkpoint(out / "checkpoint.pt")
    assert state["iteration"] == 7 and state["params"]["Wzh"].shape == (100, 32)
    assert sorted(p.name for p in out.glob("*.png"))[:4] == ["000.png", "001.png", "002.png",
                                                              "003.png"]


def test_resume_past_the_total_is_refused(mnist_dir, tmp_path, capsys):
    out = tmp_path / "o"
    assert train_main(["--data-dir", str(mnist_dir), "--out-dir", str(out), "--iterations", "3",
                       "--quiet"]) == 0
    assert train_main(["--resume", str(out / "checkpoint.pt"), "--iterations", "3"]) == 1
    assert "at iteration 3 already" in capsys.readouterr().err
