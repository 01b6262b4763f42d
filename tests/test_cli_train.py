"""The train command end to end, as a user runs it (`scripts/train.py`), on the small fixture
files: the post's report lines, the files a run writes, the seed, the progress bar."""

import fcntl
import json
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import termios

import pytest
import torch
import torchvision

from gan_vanilla.cli.train_command import main as train_main
from gan_vanilla.model import PARAM_NAMES

from .conftest import ROOT

REPORT = re.compile(r"^Iter-(\d+); D_loss: (\S+); G_loss: (\S+)$")


def run_train(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train.py"), *map(str, args)],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )


def test_train_writes_grids_checkpoint_config_and_the_posts_lines(mnist_dir, tmp_path):
    out = tmp_path / "out"
    r = run_train("--data-dir", mnist_dir, "--out-dir", out, "--iterations", 25,
                  "--sample-every", 10, "--seed", 3)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert [REPORT.match(line).group(1) for line in lines] == ["0", "10", "20"]
    for line in lines:
        d, g = REPORT.match(line).group(2, 3)
        assert float(d) > 0 and float(g) > 0
    assert sorted(p.name for p in out.glob("0*.png")) == ["000.png", "001.png", "002.png"]
    assert (out / "000.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    ckpt = torch.load(out / "checkpoint.pt", weights_only=True)
    assert tuple(ckpt["params"]) == PARAM_NAMES
    assert ckpt["params"]["Whx"].shape == (128, 784)
    assert ckpt["iteration"] == 25
    assert ckpt["settings"]["seed"] == 3 and ckpt["settings"]["sample_every"] == 10
    assert len(ckpt["G_solver"]["state"]) == 4 and len(ckpt["D_solver"]["state"]) == 4

    config = json.loads((out / "config.json").read_text())
    assert config["seed"] == 3
    assert config["settings"]["iterations"] == 25 and config["settings"]["lr"] == 0.001
    assert config["versions"]["torch"] == torch.__version__
    # the installed torchvision's version (its package metadata: the run never imports it)
    assert torchvision.__version__.startswith(config["versions"]["torchvision"])


def test_same_seed_gives_identical_lines_grids_and_checkpoint(mnist_dir, tmp_path):
    # The same command twice, into the same folder: every byte must come out the same.
    out, runs = tmp_path / "out", []
    for _ in range(2):
        r = run_train("--data-dir", mnist_dir, "--out-dir", out, "--iterations", 12,
                      "--sample-every", 5, "--device", "cpu")
        assert r.returncode == 0, r.stderr
        names = ("000.png", "001.png", "002.png", "checkpoint.pt", "config.json")
        runs.append((r.stdout, {name: (out / name).read_bytes() for name in names}))
        shutil.rmtree(out)
    assert runs[0][0] and runs[0] == runs[1]


def test_help_shows_the_posts_defaults(capsys):
    with pytest.raises(SystemExit) as e:
        train_main(["--help"])
    assert e.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for flag, default in (("--iterations", "100000"), ("--mb-size", "64"), ("--z-dim", "100"),
                          ("--h-dim", "128"), ("--lr", "0.001"), ("--sample-every", "1000"),
                          ("--seed", "0"), ("--data-dir", "data"), ("--out-dir", "out"),
                          ("--device", "auto")):
        assert flag in text and f"(default: {default})" in text, flag


@pytest.mark.slow  # a real process on a pseudo-terminal: about 12 s
def test_progress_bar_on_a_terminal_only(mnist_dir, tmp_path):
    stdout, terminal = train_on_a_terminal(mnist_dir, tmp_path / "a")
    assert "30/30" in terminal and "it/s" in terminal and "D_loss=" in terminal
    assert stdout.splitlines() == [line for line in stdout.splitlines()
                                   if line.startswith("Iter-")]
    assert len(stdout.splitlines()) == 3

    stdout, terminal = train_on_a_terminal(mnist_dir, tmp_path / "b", "--quiet")
    assert "it/s" not in terminal and len(stdout.splitlines()) == 3


def test_no_bar_when_not_a_terminal(mnist_dir, tmp_path):
    r = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train.py"), "--data-dir", str(mnist_dir),
         "--out-dir", str(tmp_path / "o"), "--iterations", "12", "--sample-every", "5"],
        capture_output=True, text=True, timeout=120,
    )
    assert r.returncode == 0
    assert r.stderr == ""
    assert [line.split(";")[0] for line in r.stdout.splitlines()] == ["Iter-0", "Iter-5",
                                                                      "Iter-10"]


def train_on_a_terminal(mnist_dir, out, *extra):
    """Run training with stderr on a pseudo-terminal; returns (stdout, terminal text)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "train.py"), "--data-dir", str(mnist_dir),
         "--out-dir", str(out), "--iterations", "30", "--sample-every", "10",
         "--log-every", "5", *extra],
        stdout=subprocess.PIPE, stderr=slave, text=True,
    )
    os.close(slave)
    stdout, _ = proc.communicate(timeout=120)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.returncode == 0
    return stdout, b"".join(chunks).decode(errors="replace")
