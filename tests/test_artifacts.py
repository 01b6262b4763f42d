"""What a run leaves to look at: losses.csv and .png, progress.gif, the progress bar, and
`scripts/sample.py`."""

import csv
import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios

import numpy as np
import pytest
from PIL import Image

from gan_vanilla.cli.sample import main as sample_main
from gan_vanilla.cli.train import main as train_main

from .conftest import ROOT


@pytest.fixture(scope="module")
def run_dir(mnist_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    assert train_main(["--data-dir", str(mnist_dir), "--out-dir", str(out), "--iterations", "25",
                       "--sample-every", "10", "--log-every", "10", "--quiet"]) == 0
    return out


def test_losses_csv_has_a_row_per_window(run_dir):
    with open(run_dir / "losses.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["iteration", "D_loss", "G_loss", "D_real", "D_fake"]
    assert [int(r[0]) for r in rows[1:]] == [9, 19, 24]  # the last window is partial
    for r in rows[1:]:
        D_loss, G_loss, D_real, D_fake = map(float, r[1:])
        assert D_loss > 0 and G_loss > 0 and 0 < D_real < 1 and 0 < D_fake < 1


def test_losses_png_and_progress_gif(run_dir):
    assert Image.open(run_dir / "losses.png").format == "PNG"
    gif = Image.open(run_dir / "progress.gif")
    assert gif.format == "GIF" and gif.n_frames == 3  # 000.png, 001.png, 002.png
    gif.seek(2)
    last = np.asarray(gif.convert("L"), dtype=float)
    grid = np.asarray(Image.open(run_dir / "002.png").convert("L"), dtype=float)
    assert last.shape == grid.shape and np.abs(last - grid).mean() < 8  # GIF palette rounding


def test_sample_writes_a_grid_and_is_seeded(run_dir, tmp_path, capsys):
    ckpt = str(run_dir / "checkpoint.pt")
    a, b, c = (str(tmp_path / n) for n in ("a.png", "b.png", "c.png"))
    assert sample_main(["--checkpoint", ckpt, "--n", "10", "--seed", "1", "--out", a]) == 0
    assert sample_main(["--checkpoint", ckpt, "--n", "10", "--seed", "1", "--out", b]) == 0
    assert sample_main(["--checkpoint", ckpt, "--n", "10", "--seed", "2", "--out", c]) == 0
    assert open(a, "rb").read() == open(b, "rb").read() != open(c, "rb").read()
    assert f"wrote {a}" in capsys.readouterr().out
    assert Image.open(a).size[0] > Image.open(a).size[1]  # 10 samples: 3 rows of 4


def test_sample_interpolate_walks_between_two_points(run_dir, tmp_path):
    from gan_vanilla.measure.sample import draw
    from gan_vanilla.run.checkpoint import load_checkpoint

    samples = draw(load_checkpoint(run_dir / "checkpoint.pt"), 16, 1, str(tmp_path / "i.png"),
                   interpolate=True).reshape(4, 4, 784)
    # Along a row, each step is closer to its neighbour than the row's two ends are.
    ends = (samples[:, 0] - samples[:, -1]).norm(dim=1)
    steps = (samples[:, 1:] - samples[:, :-1]).norm(dim=2)
    assert (steps.max(dim=1).values < ends).all()
    assert (tmp_path / "i.png").exists()


def test_sample_refuses_bad_counts(capsys):
    for n in ("0", "401", "many"):
        with pytest.raises(SystemExit) as e:
            sample_main(["--checkpoint", "x.pt", "--n", n])
        assert e.value.code == 2
    assert "argument --n" in capsys.readouterr().err


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
