"""out/tensorboard/ (the tensorboard extra): the run as `tensorboard --logdir out` shows it, every
losses.csv row, quality measurement and grid at its iteration, and the settings."""

import json
import os

import numpy as np

from .plots import read_grid

INSTALL = 'pip install -e ".[tensorboard]"'


def tensorboard_missing():
    """None when TensorBoard can be written, else the line that says how to get it."""
    try:
        import tensorboard  # noqa: F401
        from torch.utils.tensorboard import SummaryWriter  # noqa: F401
    except ImportError:
        return f"--tensorboard needs the tensorboard package; install it with {INSTALL}"
    return None


class Board:
    """The run's TensorBoard writer, made at the first thing it writes: a run (or a resume)
    that fails before then leaves no events file behind."""

    def __init__(self, out_dir, settings, start=0):
        self.out_dir, self.settings, self.start = out_dir, settings, start
        self._writer = None

    @property
    def writer(self):
        if self._writer is None:
            from torch.utils.tensorboard import SummaryWriter

            # purge_step: a resumed run hides what the stopped one wrote after its
            # checkpoint, so every step shows once.
            self._writer = SummaryWriter(os.path.join(self.out_dir, "tensorboard"),
                                         purge_step=self.start if self.start > 0 else None)
            if self.start == 0:
                text = json.dumps(self.settings.to_dict(), indent=2)
                self._writer.add_text("settings", f"```\n{text}\n```", 0)
        return self._writer

    def losses(self, it, means):
        """One losses.csv row: the means over its window, at the window's last iteration."""
        for name, value in zip(("D_loss", "G_loss", "D_real", "D_fake"), means, strict=True):
            self.writer.add_scalar(f"losses/{name}", value, it)

    def quality(self, it, row):
        for name in ("classes_covered", "kl_uniform", "classifier_score", "frechet_distance"):
            self.writer.add_scalar(f"quality/{name}", row[name], it)
        for k, share in enumerate(row["class_histogram"]):
            self.writer.add_scalar(f"digit_share/{k}", share, it)

    def grid(self, it, png):
        """The grid PNG as written (its bytes), so TensorBoard shows exactly out/NNN.png."""
        pixels = np.asarray(read_grid(png))  # (H, W, 3) uint8
        self.writer.add_image("samples", pixels, it, dataformats="HWC")

    def close(self):
        if self._writer is not None:
            self._writer.close()
