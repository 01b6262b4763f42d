"""Ctrl-C and SIGTERM, sent to a real training process: it finishes the iteration, writes a
checkpoint, prints how to resume, and exits 130 / 143; the resumed run loses nothing."""

import shlex
import signal
import subprocess
import sys
import textwrap

import pytest
import torch

from gan_vanilla.model import PARAM_NAMES
from gan_vanilla.run import stop
from gan_vanilla.run.checkpoint import load_checkpoint

from .conftest import ROOT


def start_training(mnist_dir, out, *extra):
    return subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "train.py"), "--data-dir", str(mnist_dir),
         "--out-dir", str(out), "--iterations", "100000", "--sample-every", "20", *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


@pytest.mark.parametrize("signum,code", [  # three processes each: SIGTERM's with the slow ones
    (signal.SIGINT, 130), pytest.param(signal.SIGTERM, 143, marks=pytest.mark.slow)],
                         ids=["SIGINT", "SIGTERM"])
def test_signal_writes_a_checkpoint_and_the_resumed_run_matches(mnist_dir, tmp_path, signum,
                                                                code):
    out = tmp_path / "out"
    proc = start_training(mnist_dir, out)
    try:
        # Wait until training is under way (the report line of iteration 40), then signal.
        for line in proc.stdout:
            if line.startswith("Iter-40;"):
                break
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr
    stopped = load_checkpoint(out / "checkpoint.pt")["iteration"]
    assert 41 <= stopped < 100000
    assert f"stopped at iteration {stopped}" in stderr
    resume_line = stderr.split("Resume with: ")[1].splitlines()[0]
    assert f"--resume {out / 'checkpoint.pt'}" in resume_line

    # Run the printed command, with a nearer total, and compare with a run that never stopped.
    command = shlex.split(resume_line.replace("python ", f"{shlex.quote(sys.executable)} ", 1))
    total = stopped + 15
    command[command.index("--iterations") + 1] = str(total)
    resumed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr

    whole = tmp_path / "whole"
    r = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train.py"), "--data-dir", str(mnist_dir),
         "--out-dir", str(whole), "--iterations", str(total), "--sample-every", "20"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert r.returncode == 0, r.stderr
    a, b = load_checkpoint(out / "checkpoint.pt"), load_checkpoint(whole / "checkpoint.pt")
    for name in PARAM_NAMES:
        assert torch.equal(a["params"][name], b["params"][name]), name
    assert (out / "losses.csv").read_bytes() == (whole / "losses.csv").read_bytes()


def test_a_second_signal_stops_at_once_and_keeps_the_last_checkpoint(mnist_dir, tmp_path):
    out = tmp_path / "out"
    proc = start_training(mnist_dir, out, "--checkpoint-every", "10")
    try:
        for line in proc.stdout:
            if line.startswith("Iter-40;"):
                break
        proc.send_signal(signal.SIGTERM)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode in (130, 143)
    assert "Traceback" not in stderr
    assert load_checkpoint(out / "checkpoint.pt")["iteration"] >= 40  # readable, not torn


@pytest.mark.slow  # two real training processes: about 20 s
def test_sigterm_stops_an_ensemble_and_the_printed_command_resumes_it(mnist_dir, tmp_path):
    out = tmp_path / "ens"
    proc = start_training(mnist_dir, out, "--seeds", "2,4", "--quality-every", "0")
    try:
        for line in proc.stdout:
            if line.startswith("seed 4: Iter-40;"):
                break
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 143, stderr
    assert "Traceback" not in stderr
    at = {load_checkpoint(out / f"seed-{s}" / "checkpoint.pt")["iteration"] for s in (2, 4)}
    assert len(at) == 1 and 41 <= min(at) < 100000  # every member, at the same iteration
    resume_line = stderr.split("Resume with: ")[1].splitlines()[0]
    assert f"--seeds 2,4 --resume {out}" in resume_line
    command = shlex.split(resume_line.replace("python ", f"{shlex.quote(sys.executable)} ", 1))
    command[command.index("--iterations") + 1] = str(min(at) + 5)
    resumed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert {load_checkpoint(out / f"seed-{s}" / "checkpoint.pt")["iteration"]
            for s in (2, 4)} == {min(at) + 5}


def test_a_second_signal_ends_the_process_even_if_the_unwinding_hangs():
    """The second signal's KeyboardInterrupt can land where a lock was just taken (the grids'
    worker's), and the unwinding then waits for it forever: the process ends anyway, with the
    second signal's exit code, FORCE_AFTER seconds later (here made 1)."""
    script = textwrap.dedent("""
        import os, signal, threading, time
        from gan_vanilla.run import stop
        stop.FORCE_AFTER = 1
        taken = threading.Lock()
        taken.acquire()
        with stop.StopOnSignal():
            os.kill(os.getpid(), signal.SIGTERM)  # the first: stop after this iteration
            try:
                os.kill(os.getpid(), signal.SIGINT)  # the second: stop now
                time.sleep(60)
            except KeyboardInterrupt:
                taken.acquire()  # an unwinding that never ends
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=50)
    assert done.returncode == 130, done.stderr
    doc = " ".join((ROOT / "docs" / "training.md").read_text().split())
    assert f"the process ends within {stop.FORCE_AFTER} seconds" in doc
