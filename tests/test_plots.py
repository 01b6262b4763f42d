"""What a run leaves to look at (run/plots.py, run/losslog.py): losses.csv, losses.png and
progress.gif."""

import csv

import numpy as np
import pytest
from PIL import Image

from gan_vanilla.cli.train import main as train_main


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
