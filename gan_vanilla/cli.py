"""Terminal entry points. Each turns bad input into one clear line on stderr and an exit code,
never a traceback."""

import argparse
import os
import sys

import torch

from .data import MNISTError, read_data_sets
from .settings import add_training_flags, settings_from_args


class UserError(Exception):
    """Something the user can fix; the message says what."""


def resolve_device(name):
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda was asked for, but this machine has no usable CUDA GPU")
    return torch.device(name)


def prepare_out_dir(path):
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot create output folder {path}: {e.strerror or e}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise UserError(f"cannot write to output folder {path}")


def train_parser():
    parser = argparse.ArgumentParser(
        prog="gan-vanilla-train",
        description="Train the post's vanilla GAN on MNIST. Defaults are the post's values.",
    )
    return add_training_flags(parser)


def train_main(argv=None):
    from .train import train  # keeps `--help` quick

    args = train_parser().parse_args(argv)
    settings = settings_from_args(args)
    try:
        device = resolve_device(settings.device)
        mnist = read_data_sets(settings.data_dir, seed=settings.seed)
        if settings.mb_size > mnist.train.num_examples:
            raise UserError(
                f"--mb-size {settings.mb_size} is larger than the "
                f"{mnist.train.num_examples} training images"
            )
        prepare_out_dir(settings.out_dir)
        mnist.train.to(device)
        train(settings, mnist, device, log=lambda line: print(line, flush=True))
    except (UserError, MNISTError) as e:
        print(f"gan-vanilla-train: error: {e}", file=sys.stderr)
        return 1
    return 0
