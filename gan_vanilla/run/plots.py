"""What a finished run leaves to look at besides the grids: loss curves, the grids animated."""

import io
import itertools
import math
import os
from collections import Counter

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from ..io.atomic import save_atomic
from ..io.csv_tables import DamagedFile
from .losslog import read_losses
from .monitor import read_quality


def plot_losses(csv_path, png_path, quality_path=None, best_iteration=None, window=None):
    """losses.png: D_loss and G_loss, and D's mean outputs, each beside its value at the GAN's
    equilibrium (D = 1/2: D_loss = 2 ln 2, G_loss = ln 2); with quality.csv rows, digits and
    score, and best.pt's iteration. window: the iterations a row averages (--log-every; None:
    read from the rows). Returns the figure it saved."""
    columns = read_losses(csv_path)
    quality = read_quality(quality_path) if quality_path else {"iteration": []}
    it = columns["iteration"]
    window = window or _window(it)
    panels = 3 if quality["iteration"] else 2
    # Each legend right of its panel, where no line can run through it.
    fig = Figure(figsize=(10.5, 3 * panels), layout="constrained")
    FigureCanvasAgg(fig)
    top, bottom, *third = fig.subplots(panels, 1, sharex=True)
    each = (f"each point the mean over a window of {window:,} iterations" if window
            else "each point the mean over a window of iterations")
    top.set_title(f"D_loss and G_loss: {each}", fontsize=10)
    for key, level, name, color in (("D_loss", 2 * math.log(2), "2 ln 2", "tab:blue"),
                                    ("G_loss", math.log(2), "ln 2", "tab:orange")):
        top.plot(it, columns[key], color=color, label=key)
        top.axhline(level, color=color, linestyle="--", linewidth=1,
                    label=f"{key} at equilibrium, {name}")
    top.set_ylabel("loss (nats)")
    bottom.set_title("D's mean output on the same windows", fontsize=10)
    bottom.plot(it, columns["D_real"], label="mean D(x), real")
    bottom.plot(it, columns["D_fake"], label="mean D(G(z)), generated")
    bottom.axhline(0.5, color="black", linestyle="--", linewidth=1, label="D at equilibrium, 1/2")
    bottom.set_ylim(0, 1)
    bottom.set_ylabel("D's mean output")
    if third:
        # The losses stay level while the samples drift to a few digits: this panel shows it.
        q = third[0]
        q.set_title("The quality monitor: each point one measurement of the monitor's samples",
                    fontsize=10)
        q.plot(quality["iteration"], quality["classes_covered"], "o-", label="digits >= 1%")
        q.plot(quality["iteration"], quality["classifier_score"], "s-", label="classifier score")
        if best_iteration is not None:
            q.axvline(best_iteration, color="tab:green", linestyle="--",
                      label=f"best generator (best.pt),\niteration {best_iteration}")
        q.set_ylim(0, 10.5)
        q.set_ylabel("quality monitor (of 10)")
    for ax in fig.axes:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9, frameon=False)
    fig.axes[-1].set_xlabel("iteration")
    save_atomic(png_path, lambda tmp: fig.savefig(tmp, format="png"))
    return fig


def _window(iterations):
    """The iterations a losses.csv row averages: the commonest gap between rows (a run's last
    row may average fewer), or, for one row, the iterations up to it; None for no rows."""
    if len(iterations) > 1:
        gaps = Counter(int(b - a) for a, b in itertools.pairwise(iterations))
        return max(gaps, key=lambda gap: (gaps[gap], gap))
    return int(iterations[0]) + 1 if iterations else None


def write_gif(frames, gif_path, ms_per_frame=200):
    """progress.gif: the grids in order, as an animation that loops. `frames`: each grid's
    PNG bytes (run/grid_worker.py keeps those it wrote) or its file; files not in the folder are
    left out: a run resumed into a new folder animates the grids it wrote there."""
    frames = [f for f in frames if isinstance(f, bytes) or os.path.exists(f)]
    if not frames:
        return
    frames = [read_grid(f) for f in frames]
    size = frames[0].size
    frames = [f if f.size == size else f.resize(size) for f in frames]
    save_atomic(gif_path, lambda tmp: frames[0].save(
        tmp, format="GIF", save_all=True, append_images=frames[1:], duration=ms_per_frame,
        loop=0))


def read_grid(frame):
    try:
        with Image.open(io.BytesIO(frame) if isinstance(frame, bytes) else frame) as image:
            return image.convert("RGB")
    except (OSError, ValueError) as e:
        raise DamagedFile(f"{frame} is damaged or not an image ({e}); repair it or move it "
                          f"away") from None
