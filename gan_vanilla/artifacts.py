"""What a finished run leaves to look at besides the grids: the loss curves and an animation
of the grids."""

import os

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from .atomic import save_atomic
from .losslog import DamagedFile, read_losses


def plot_losses(csv_path, png_path):
    """losses.png: D_loss and G_loss, and D's mean outputs on real and generated images."""
    columns = read_losses(csv_path)
    fig = Figure(figsize=(8, 6))
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True)
    it = columns["iteration"]
    top.plot(it, columns["D_loss"], label="D_loss")
    top.plot(it, columns["G_loss"], label="G_loss")
    top.set_ylabel("loss (window mean)")
    top.legend()
    bottom.plot(it, columns["D_real"], label="mean D(x), real")
    bottom.plot(it, columns["D_fake"], label="mean D(G(z)), generated")
    bottom.axhline(0.5, color="grey", linewidth=0.5)  # D's output at the GAN's equilibrium
    bottom.set_ylim(0, 1)
    bottom.set_xlabel("iteration")
    bottom.legend()
    fig.tight_layout()
    _save_atomic(lambda tmp: fig.savefig(tmp, format="png"), png_path)


def write_gif(png_paths, gif_path, ms_per_frame=200):
    """progress.gif: the grids in order, as an animation that loops. Grids not in the folder
    are left out: a run resumed into a new folder animates the grids it wrote there."""
    png_paths = [p for p in png_paths if os.path.exists(p)]
    if not png_paths:
        return
    frames = [_read_grid(p) for p in png_paths]
    size = frames[0].size
    frames = [f if f.size == size else f.resize(size) for f in frames]
    _save_atomic(
        lambda tmp: frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:],
                                   duration=ms_per_frame, loop=0),
        gif_path,
    )


def _read_grid(path):
    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except (OSError, ValueError) as e:
        raise DamagedFile(f"{path} is damaged or not an image ({e}); repair it or move it "
                          f"away") from None


def _save_atomic(write, path):
    save_atomic(path, write)
