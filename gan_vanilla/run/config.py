"""config.json: every setting, the seed, the device, the library versions of a run and the
CPU threads its loop used."""

import platform
from importlib.metadata import version

import numpy as np
import torch

from .. import __version__
from ..io.atomic import write_json


def write_config(settings, device, path, threads=None):
    """Enough to rerun the run and to compare it with another. threads: the loop's thread
    counts so far (run/threads.py's record), rewritten with each checkpoint."""
    write_json(path, {
        "settings": settings.to_dict(),
        "seed": settings.seed,
        "device": str(device),
        "versions": {
            "gan_vanilla": __version__,
            "python": platform.python_version(),
            "torch": torch.__version__,
            # Read from the installed packages' metadata: importing torchvision costs over a
            # second of CPU, and a run reads MNIST without it.
            "torchvision": version("torchvision"),
            "numpy": np.__version__,
            "matplotlib": version("matplotlib"),
        },
        "threads": threads,
    })
