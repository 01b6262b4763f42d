"""The post's 4x4 sample grid: greyscale `Greys_r`, axes off, small gaps, `out/000.png`, ...

The plotting code is the post's repository script's (the post shows the loop, not the plot),
which builds a pyplot figure for every grid and saves it with bbox_inches='tight', drawing it
twice to measure it. Here one figure is built, its tight box measured once (it depends on the
axes, not the pixels), and each grid refills the 16 images: the PNG is pixel for pixel the
script's, in a quarter of the time (scripts/bench.py). matplotlib's object API (no pyplot)
keeps it free of GUI backends and global state.
"""

import os

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec

from .io.atomic import save_atomic


class GridWriter:
    def __init__(self, rows=4, cols=4):
        # Repository script: fig = plt.figure(figsize=(4, 4)); gs = gridspec.GridSpec(4, 4)
        self.fig = Figure(figsize=(cols, rows))
        FigureCanvasAgg(self.fig)
        gs = GridSpec(rows, cols, figure=self.fig, wspace=0.05, hspace=0.05)
        self.images = []
        for i in range(rows * cols):
            ax = self.fig.add_subplot(gs[i])
            ax.axis("off")
            ax.set_xticklabels([])
            ax.set_yticklabels([])
            ax.set_aspect("equal")
            self.images.append(ax.imshow([[0.0]], cmap="Greys_r"))
        # Repository script: plt.savefig(..., bbox_inches='tight'); the same box, measured once.
        renderer = self.fig.canvas.get_renderer()
        pad = matplotlib.rcParams["savefig.pad_inches"]
        self.bbox_inches = self.fig.get_tightbbox(renderer).padded(pad)

    def save(self, samples, path):
        """Draw up to rows*cols samples (each 784 values) and write the PNG atomically."""
        samples = samples.detach().float().cpu().numpy()
        save_atomic(path, lambda tmp: self.draw(samples, tmp, image_format(path)))

    def draw(self, samples, file, format="png"):
        """Draw up to rows*cols samples (a numpy array, 784 values each) into `file`, a path
        or a binary file object."""
        samples = samples.reshape(-1, 28, 28)
        for i, im in enumerate(self.images):
            im.set_visible(i < len(samples))  # cells past the last sample stay empty
            if i < len(samples):
                im.set_data(samples[i])
                im.autoscale()  # like a fresh imshow: each sample spans the full grey range
                im.set_extent((-0.5, 27.5, 27.5, -0.5))
        self.fig.savefig(file, format=format, bbox_inches=self.bbox_inches)


def image_format(path):
    """The image format a file name asks for: its suffix, png when it has none. Raises
    ValueError, naming the formats there are, when matplotlib cannot write it."""
    suffix = os.path.splitext(path)[1][1:].lower() or "png"
    supported = FigureCanvasAgg.get_supported_filetypes()
    if suffix not in supported:
        raise ValueError(f"matplotlib writes no .{suffix} files; name one of "
                         f"{', '.join('.' + s for s in sorted(supported))}")
    return suffix
