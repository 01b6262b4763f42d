"""The run's settings: the post's values, in one visible place. Each has a flag of the train
command (run/flags.py) that overrides it."""

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    # The post's hyperparameters (module globals in its script).
    iterations: int = 100000  # for it in range(100000)
    mb_size: int = 64
    Z_dim: int = 100
    h_dim: int = 128
    lr: float = 1e-3
    beta1: float = 0.9  # Adam's beta1: torch's default, which the post's optim.Adam used
    sample_every: int = 1000  # the repository script's `if it % 1000 == 0`: print and plot
    # Beyond the post.
    checkpoint_every: int = 10000
    log_every: int = 100  # rows of out/losses.csv: means over this many iterations
    quality_every: int = 10000  # rows of out/quality.csv: the classifier's view; 0 = off
    tensorboard: bool = False  # also write out/tensorboard/
    seed: int = 0  # the post is unseeded
    data_dir: str = "data"
    out_dir: str = "out"
    device: str = "auto"  # auto = cuda when available, else cpu
    cuda_graph: bool = True  # on CUDA, replay each iteration as one CUDA graph
    classifier_cache: str | None = None  # None: as `evaluate` chooses (measure/classifier.py)
    threads: int | str = "auto"  # the loop's CPU threads: "auto" measures them (run/threads.py)

    # Settings that change the shapes of the eight tensors.
    MODEL_KEYS = ("Z_dim", "h_dim")
    # Settings that say where a run reads, writes and runs, not what it trains.
    WHERE = ("out_dir", "data_dir", "classifier_cache", "device", "threads")

    def to_dict(self):
        return dataclasses.asdict(self)
