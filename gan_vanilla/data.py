"""MNIST as the post's TensorFlow reader gave it: `mnist.train.next_batch(mb_size)`.

The post read MNIST with `input_data.read_data_sets('../MNIST_data', one_hot=True)`, which is
gone. This file keeps its semantics on top of torchvision's MNIST parser:
validation = the first 5,000 training images, train = the other 55,000, test = t10k; float32
pixels in [0, 1]; one-hot labels; `next_batch` reshuffles at every epoch and joins the old
epoch's leftover to the new epoch's head, so every batch is full and no example is skipped.
"""

import contextlib
import gzip
import math
import os
import shutil
import struct
from typing import NamedTuple

import torch
import torchvision

FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


class MNISTError(Exception):
    """MNIST is missing or unreadable; the message tells the user what to do."""


class DataSet:
    """One split held as two tensors; batches are taken by indexing, never per sample."""

    def __init__(self, images, labels, seed=0):
        self.images = images  # (N, 784) float32 in [0, 1]
        self.labels = labels  # (N, 10) float32 one-hot
        self.num_examples = images.shape[0]
        # TensorFlow shuffled with numpy's global state; a generator of our own keeps the
        # batches reproducible whatever else draws random numbers (the weights, every z),
        # and the same on every device. It is not a separate stream, though: it starts from
        # the same seed as torch.manual_seed(seed), so its first permutation is the one
        # torch.randperm would draw first from the global stream after that call.
        self.generator = torch.Generator().manual_seed(seed)
        self.perm = None  # this epoch's order; drawn before the first batch
        self.index_in_epoch = 0
        self.epochs_completed = 0

    def _shuffle(self):
        # Drawn on the CPU, so a seed gives the same batches on every device.
        perm = torch.randperm(self.num_examples, generator=self.generator, device="cpu")
        self.perm = perm.to(self.images.device)

    def next_batch(self, batch_size):
        """The next `batch_size` images and labels (TensorFlow's `DataSet.next_batch`)."""
        if not 0 < batch_size <= self.num_examples:
            raise ValueError(
                f"batch size {batch_size} must be between 1 and the split's "
                f"{self.num_examples} examples"
            )
        start = self.index_in_epoch
        if self.perm is None:  # shuffle for the first epoch
            self._shuffle()
        if start + batch_size > self.num_examples:
            # Finished an epoch: keep its leftover, reshuffle, and fill up from the new epoch.
            self.epochs_completed += 1
            rest = self.perm[start:]
            self._shuffle()
            self.index_in_epoch = batch_size - rest.shape[0]
            idx = torch.cat((rest, self.perm[: self.index_in_epoch]))
        else:
            self.index_in_epoch += batch_size
            idx = self.perm[start : self.index_in_epoch]
        return self.images[idx], self.labels[idx]

    def to(self, device):
        self.images = self.images.to(device)
        self.labels = self.labels.to(device)
        if self.perm is not None:
            self.perm = self.perm.to(device)
        return self

    def state_dict(self):
        """Everything `next_batch` needs to go on exactly where it stopped."""
        return {
            "generator": self.generator.get_state(),
            "perm": None if self.perm is None else self.perm.cpu(),
            "index_in_epoch": self.index_in_epoch,
            "epochs_completed": self.epochs_completed,
        }

    def load_state_dict(self, state):
        self.generator.set_state(state["generator"])
        perm = state["perm"]
        self.perm = None if perm is None else perm.to(self.images.device)
        self.index_in_epoch = state["index_in_epoch"]
        self.epochs_completed = state["epochs_completed"]


class Datasets(NamedTuple):
    train: DataSet
    validation: DataSet
    test: DataSet


def read_data_sets(data_dir, validation_size=5000, seed=0, download=True):
    """Load MNIST from `data_dir/MNIST/raw`, downloading it when missing.

    Raises MNISTError, with a message for the user, when the files are missing and cannot
    be downloaded, or are truncated or corrupt.
    """
    raw = os.path.join(data_dir, "MNIST", "raw")
    # A failed download leaves torchvision's empty folders behind; remove those it made.
    made = [d for d in (data_dir, os.path.dirname(raw), raw) if not os.path.exists(d)]
    try:
        _gunzip_placed_files(raw)
        for name in FILES:
            _check_idx(os.path.join(raw, name), ndim=3 if "images" in name else 1)
        train_images, train_labels = _load(data_dir, raw, train=True, download=download)
        test_images, test_labels = _load(data_dir, raw, train=False, download=download)
    except MNISTError:
        for d in reversed(made):
            with contextlib.suppress(OSError):
                os.rmdir(d)  # only if empty: a partial download stays for a look
        raise
    if not 0 <= validation_size < train_images.shape[0]:
        raise MNISTError(
            f"validation size {validation_size} leaves no training images "
            f"(the training file has {train_images.shape[0]})"
        )
    v = validation_size
    return Datasets(
        train=DataSet(train_images[v:], train_labels[v:], seed=seed),
        validation=DataSet(train_images[:v], train_labels[:v], seed=seed),
        test=DataSet(test_images, test_labels, seed=seed),
    )


def _load(data_dir, raw, train, download):
    split = "train" if train else "t10k"
    try:
        mnist = torchvision.datasets.MNIST(data_dir, train=train, download=download)
    except Exception as e:  # no network; or torchvision's parser asserting on a bad file
        if not all(os.path.exists(os.path.join(raw, f)) for f in FILES):
            raise MNISTError(_missing_message(raw, e, download)) from None
        raise MNISTError(
            f"MNIST file {split}-images-idx3-ubyte or {split}-labels-idx1-ubyte in {raw} is "
            f"truncated or corrupt ({type(e).__name__}: {e}). Replace it with a good copy."
        ) from None
    images, labels = mnist.data, mnist.targets
    if images.dim() != 3 or images.shape[1:] != (28, 28) or images.shape[0] != labels.shape[0]:
        raise MNISTError(
            f"MNIST files {split}-images-idx3-ubyte and {split}-labels-idx1-ubyte in {raw} "
            f"do not match: {tuple(images.shape)} images, {tuple(labels.shape)} labels."
        )
    if labels.numel() and not 0 <= int(labels.min()) <= int(labels.max()) <= 9:
        raise MNISTError(f"MNIST file {split}-labels-idx1-ubyte in {raw} has labels outside 0-9.")
    # TensorFlow: uint8 -> float32, times 1/255; 784 values per image; one-hot labels.
    images = images.reshape(-1, 28 * 28).to(torch.float32) * (1.0 / 255.0)
    labels = torch.nn.functional.one_hot(labels, num_classes=10).to(torch.float32)
    return images, labels


def _check_idx(path, ndim):
    """Check the IDX header of an MNIST file that is there (torchvision fetches missing
    ones): its magic number (unsigned bytes, `ndim` dimensions) and that the file holds as
    many bytes as the header promises. torchvision's own checks are bare asserts."""
    name = os.path.basename(path)
    if os.path.isdir(path):
        raise MNISTError(f"{path} is a folder; it should be the MNIST file {name}.")
    if not os.path.exists(path):
        return
    try:
        with open(path, "rb") as f:
            header = f.read(4 + 4 * ndim)
        size = os.path.getsize(path)
    except OSError as e:
        raise MNISTError(f"MNIST file {path} cannot be read ({e.strerror or e}).") from None
    expected_magic = 0x800 + ndim
    if len(header) < 4 or struct.unpack(">I", header[:4])[0] != expected_magic:
        found = f"0x{header[:4].hex()}" if len(header) >= 4 else f"{len(header)} bytes"
        raise MNISTError(
            f"MNIST file {name} in {os.path.dirname(path)} is truncated or corrupt: it starts "
            f"with {found}, not the magic number 0x{expected_magic:08x}. Replace it with a "
            f"good copy."
        )
    if len(header) < 4 + 4 * ndim:
        promised = None
    else:
        dims = struct.unpack(f">{ndim}I", header[4:])
        promised = 4 + 4 * ndim + math.prod(dims)
    if promised != size:
        raise MNISTError(
            f"MNIST file {name} in {os.path.dirname(path)} is truncated or corrupt: "
            f"{size} bytes, "
            + (f"its header promises {promised}" if promised else "shorter than its header")
            + ". Replace it with a good copy."
        )


def _missing_message(raw, error, download):
    # torchvision lists every mirror it tried; its last line holds the underlying cause.
    reason = (str(error).strip().splitlines() or [type(error).__name__])[-1].strip()
    why = f"could not be downloaded ({reason})" if download else "downloads are off"
    missing = [f for f in FILES if not os.path.exists(os.path.join(raw, f))]
    files = "\n".join(f"  {f}" for f in missing)
    if len(missing) < len(FILES):
        return (
            f"MNIST in {raw} lacks {len(missing)} of its four files and {why}.\n"
            f"Place these in {raw} (gzipped with .gz, or not):\n{files}"
        )
    return (
        f"MNIST is not in {raw} and {why}.\n"
        f"Place these four files in {raw} (gzipped with .gz, or not):\n{files}"
    )


def _gunzip_placed_files(raw):
    """Unpack `name.gz` placed by hand next to a missing `name`, as torchvision wants."""
    for name in FILES:
        plain, packed = os.path.join(raw, name), os.path.join(raw, name + ".gz")
        if os.path.exists(plain) or not os.path.exists(packed):
            continue
        tmp = plain + ".part"
        try:
            with gzip.open(packed, "rb") as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst)
        except (OSError, EOFError) as e:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise MNISTError(f"{packed} is truncated or not a gzip file ({e}).") from None
        os.replace(tmp, plain)
