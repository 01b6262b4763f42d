"""A run's own files: what the train command writes in a run's folder (docs/training.md, "What
a run writes") and in an ensemble's, named once. A command that writes a file the user names
(sample --out, evaluate --json and --png) never writes over one of them (cli/common.py)."""

import os
import re

from .stacked_folder import NAME as ENSEMBLE_FILE

# Each by its name: the checkpoints, config.json, the best generator's grid, the closing plots,
# TensorBoard's folder and an ensemble's list of seeds.
NAMES = ("checkpoint.pt", "best.pt", "config.json", "best.png", "losses.png", "progress.gif",
         "tensorboard", ENSEMBLE_FILE)
GRID = re.compile(r"\d{3,}\.png")  # the post's grids, 000.png, 001.png, ... (1000.png on)
TABLE = ".csv"  # losses.csv, quality.csv
# What makes a folder a run's (or an ensemble's): one of these, which a run writes first.
MARKS = ("checkpoint.pt", "config.json", ENSEMBLE_FILE)


def own_file(path):
    """Whether `path` is, or would be, one of a run's own files: one of their names, in a
    folder that holds a run (or an ensemble)."""
    name = os.path.basename(path)
    own = name in NAMES or GRID.fullmatch(name) or name.lower().endswith(TABLE)
    folder = os.path.dirname(path) or "."
    return bool(own) and any(os.path.exists(os.path.join(folder, mark)) for mark in MARKS)
