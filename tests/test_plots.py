"""What a run leaves to look at (run/plots.py, run/losslog.py): losses.csv, losses.png and
progress.gif."""

import csv
import math

import numpy as np
import pytest
from PIL import Image

from gan_vanilla.cli.train_command import main as train_main
from gan_vanilla.run.plots import plot_losses


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


def test_each_row_is_the_mean_of_its_windows_iterations_the_last_partial_one_too(
        run_dir, mnist_dir, tmp_path):
    """A row of losses.csv is the mean of the iterations of its window, checked against the
    same run logged every iteration; the last window, 20 to 24, holds 5 iterations, not 10."""
    from gan_vanilla.run.losslog import read_losses

    each = tmp_path / "each"
    assert train_main(["--data-dir", str(mnist_dir), "--out-dir", str(each), "--iterations",
                       "25", "--sample-every", "10", "--log-every", "1", "--quiet"]) == 0
    rows, one = read_losses(run_dir / "losses.csv"), read_losses(each / "losses.csv")
    assert one["iteration"] == list(range(25))
    for i, (first, last) in enumerate(((0, 9), (10, 19), (20, 24))):
        for column in ("D_loss", "G_loss", "D_real", "D_fake"):
            values = one[column][first : last + 1]
            assert rows[column][i] == pytest.approx(sum(values) / len(values), rel=1e-5), (
                last, column)


def test_losses_png_and_progress_gif(run_dir):
    assert Image.open(run_dir / "losses.png").format == "PNG"
    gif = Image.open(run_dir / "progress.gif")
    assert gif.format == "GIF" and gif.n_frames == 3  # 000.png, 001.png, 002.png
    gif.seek(2)
    last = np.asarray(gif.convert("L"), dtype=float)
    grid = np.asarray(Image.open(run_dir / "002.png").convert("L"), dtype=float)
    assert last.shape == grid.shape and np.abs(last - grid).mean() < 8  # GIF palette rounding


def test_losses_png_marks_the_equilibrium_labels_each_panel_and_states_the_window(run_dir,
                                                                                tmp_path):
    fig = plot_losses(run_dir / "losses.csv", tmp_path / "losses.png")
    assert Image.open(tmp_path / "losses.png").format == "PNG"
    top, bottom = fig.axes  # no quality.csv: two panels

    def level(ax, label):  # the y of the horizontal line with this label
        [line] = [line for line in ax.get_lines() if line.get_label() == label]
        y = line.get_ydata()
        assert y[0] == y[-1], label
        return y[0]

    # At the equilibrium D = 1/2 everywhere: D_loss = 2 ln 2, G_loss = ln 2 (docs/tutorial).
    assert level(top, "D_loss at equilibrium, 2 ln 2") == pytest.approx(2 * math.log(2))
    assert level(top, "G_loss at equilibrium, ln 2") == pytest.approx(math.log(2))
    assert level(bottom, "D at equilibrium, 1/2") == 0.5
    # Every drawn line is named in its panel's legend, and every panel says what it shows.
    for ax in fig.axes:
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend == [line.get_label() for line in ax.get_lines()]
        assert ax.get_ylabel()
    assert top.get_ylabel() == "loss (nats)" and bottom.get_ylabel() == "D's mean output"
    # The rows are means over --log-every 10 iterations (the last one partial: 20 to 24).
    assert "a window of 10 iterations" in top.get_title()
    fig = plot_losses(run_dir / "losses.csv", tmp_path / "losses.png", window=100)
    assert "a window of 100 iterations" in fig.axes[0].get_title()
