"""What a finished run leaves to look at besides the grids: the loss curves and an animation
of the grids."""

import io
import os

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from ..files.atomic import save_atomic
from ..files.tables import DamagedFile
from .losslog import read_losses
from .monitor import read_quality


def plot_losses(csv_path, png_path, quality_path=None, best_iteration=None):
    """losses.png: D_loss and G_loss, and D's mean outputs on real and generated images; with
    quality.csv rows, a third panel: digits covered and classifier score over iterations, and
    the iteration of the best generator (best.pt) marked."""
    columns = read_losses(csv_path)
    quality = read_quality(quality_path) if quality_path else {"iteration": []}
    panels = 3 if quality["iteration"] else 2
    fig = Figure(figsize=(8, 3 * panels))
    FigureCanvasAgg(fig)
    top, bottom, *third = fig.subplots(panels, 1, sharex=True)
    it = columns["iteration"]
    top.plot(it, columns["D_loss"], label="D_loss")
    top.plot(it, columns["G_loss"], label="G_loss")
    top.set_ylabel("loss (window mean)")
    top.legend()
    bottom.plot(it, columns["D_real"], label="mean D(x), real")
    bottom.plot(it, columns["D_fake"], label="mean D(G(z)), generated")
    bottom.axhline(0.5, color="grey", linewidth=0.5)  # D's output at the GAN's equilibrium
    bottom.set_ylim(0, 1)
    bottom.legend()
    if third:
        # The losses stay level while the samples drift to a few digits: this panel shows it.
        q = third[0]
        q.plot(quality["iteration"], quality["classes_covered"], "o-", label="digits >= 1%")
        q.plot(quality["iteration"], quality["classifier_score"], "s-", label="classifier score")
        if best_iteration is not None:
            q.axvline(best_iteration, color="tab:green", linestyle="--",
                      label=f"best generator (best.pt), iteration {best_iteration}")
        q.set_ylim(0, 10.5)
        q.set_ylabel("quality monitor (of 10)")
        q.legend()
    fig.axes[-1].set_xlabel("iteration")
    fig.tight_layout()
    save_atomic(png_path, lambda tmp: fig.savefig(tmp, format="png"))


def write_gif(frames, gif_path, ms_per_frame=200):
    """progress.gif: the grids in order, as an animation that loops. `frames`: each grid's
    PNG bytes (run/grids.py keeps those it wrote) or its file; files not in the folder are
    left out: a run resumed into a new folder animates the grids it wrote there."""
    frames = [f for f in frames if isinstance(f, bytes) or os.path.exists(f)]
    if not frames:
        return
    frames = [_read_grid(f) for f in frames]
    size = frames[0].size
    frames = [f if f.size == size else f.resize(size) for f in frames]
    save_atomic(gif_path, lambda tmp: frames[0].save(
        tmp, format="GIF", save_all=True, append_images=frames[1:], duration=ms_per_frame,
        loop=0))


def _read_grid(frame):
    try:
        with Image.open(io.BytesIO(frame) if isinstance(frame, bytes) else frame) as image:
            return image.convert("RGB")
    except (OSError, ValueError) as e:
        raise DamagedFile(f"{frame} is damaged or not an image ({e}); repair it or move it "
                          f"away") from None
