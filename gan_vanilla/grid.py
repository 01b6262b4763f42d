"""The post's 4x4 sample grid: greyscale `Greys_r`, axes off, small gaps, `out/000.png`, ...

The post builds a new pyplot figure for every grid. Building a figure costs more than
drawing it, so one figure is built once and its 16 images are refilled; the picture is the
same. matplotlib's object API (no pyplot) keeps it free of GUI backends and global state.
"""

import os

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec


class GridWriter:
    def __init__(self, rows=4, cols=4):
        # Post: fig = plt.figure(figsize=(4, 4)); gs = gridspec.GridSpec(4, 4)
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

    def save(self, samples, path):
        """Draw up to rows*cols samples (each 784 values) and write the PNG atomically."""
        samples = samples.detach().float().cpu().reshape(-1, 28, 28).numpy()
        for im, sample in zip(self.images, samples, strict=False):
            im.set_data(sample)
            im.autoscale()  # like a fresh imshow: each sample spans the full grey range
            im.set_extent((-0.5, 27.5, 27.5, -0.5))
        tmp = f"{path}.part"
        self.fig.savefig(tmp, format="png", bbox_inches="tight")
        os.replace(tmp, path)
