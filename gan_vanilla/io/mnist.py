"""MNIST's four files on disk: found, unpacked, checked and read (numpy: an IDX file is a
header and raw bytes), with one clear message when they are missing, truncated or corrupt;
torchvision, whose import costs over a second of CPU, only downloads them. data.py gives
them the post's (TensorFlow's) semantics."""

import contextlib
import functools
import gzip
import math
import os
import shutil
import struct

import numpy as np
import torch

from .atomic import save_atomic

FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
         "t10k-labels-idx1-ubyte")


class MNISTError(Exception):
    """MNIST is missing or unreadable; the message tells the user what to do."""


def load_mnist(data_dir, download=True):
    """((train images, labels), (test images, labels)) from `data_dir/MNIST/raw`, downloaded
    when missing: images (N, 28, 28) uint8, labels (N,) in 0-9. MNISTError, with a message for
    the user, when they cannot be downloaded, or are truncated or corrupt."""
    raw = os.path.join(data_dir, "MNIST", "raw")
    # A failed download leaves torchvision's empty folders behind; remove those it made.
    made = [d for d in (data_dir, os.path.dirname(raw), raw) if not os.path.exists(d)]
    try:
        _gunzip_placed_files(raw)
        for name in FILES:
            _check_idx(os.path.join(raw, name), ndim=3 if "images" in name else 1)
        return (_load(data_dir, raw, train=True, download=download),
                _load(data_dir, raw, train=False, download=download))
    except MNISTError:
        for d in reversed(made):
            with contextlib.suppress(OSError):
                os.rmdir(d)  # only if empty: a partial download stays for a look
        raise


def _load(data_dir, raw, train, download):
    split = "train" if train else "t10k"
    names = (f"{split}-images-idx3-ubyte", f"{split}-labels-idx1-ubyte")
    if not all(os.path.exists(os.path.join(raw, name)) for name in names):
        _download(data_dir, raw, train, download)
        for name in names:
            _check_idx(os.path.join(raw, name), ndim=3 if "images" in name else 1)
    images = torch.from_numpy(_read_idx(os.path.join(raw, names[0]), ndim=3))
    labels = torch.from_numpy(_read_idx(os.path.join(raw, names[1]), ndim=1)).long()
    if images.shape[1:] != (28, 28) or images.shape[0] != labels.shape[0]:
        raise MNISTError(f"MNIST files {split}-images-idx3-ubyte and {split}-labels-idx1-ubyte "
                         f"in {raw} do not match: {tuple(images.shape)} images, "
                         f"{tuple(labels.shape)} labels.")
    if labels.numel() and not 0 <= int(labels.min()) <= int(labels.max()) <= 9:
        raise MNISTError(f"MNIST file {split}-labels-idx1-ubyte in {raw} has labels outside 0-9.")
    return images, labels


def _download(data_dir, raw, train, download):
    """Fetch the split's missing files with torchvision (MNISTError when that cannot be)."""
    if not download:
        raise MNISTError(_missing_message(raw, None, download))
    import torchvision

    try:
        torchvision.datasets.MNIST(data_dir, train=train, download=True)
    except Exception as e:  # no network; or torchvision's parser asserting on a bad file
        if not all(os.path.exists(os.path.join(raw, f)) for f in FILES):
            raise MNISTError(_missing_message(raw, e, download)) from None
        split = "train" if train else "t10k"
        raise MNISTError(f"MNIST file {split}-images-idx3-ubyte or {split}-labels-idx1-ubyte in "
                         f"{raw} is truncated or corrupt ({type(e).__name__}: {e}). Replace it "
                         f"with a good copy.") from None


def _read_idx(path, ndim):
    """An IDX file of unsigned bytes (checked by _check_idx): its array, (dims...) uint8."""
    with open(path, "rb") as f:
        header = f.read(4 + 4 * ndim)
        dims = struct.unpack(f">{ndim}I", header[4:])
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims).copy()


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
        raise MNISTError(f"MNIST file {name} in {os.path.dirname(path)} is truncated or "
                         f"corrupt: it starts with {found}, not the magic number "
                         f"0x{expected_magic:08x}. Replace it with a good copy.")
    promised = None  # a header cut short promises nothing
    if len(header) >= 4 + 4 * ndim:
        promised = 4 + 4 * ndim + math.prod(struct.unpack(f">{ndim}I", header[4:]))
    if promised != size:
        told = f"its header promises {promised}" if promised else "shorter than its header"
        raise MNISTError(f"MNIST file {name} in {os.path.dirname(path)} is truncated or "
                         f"corrupt: {size} bytes, {told}. Replace it with a good copy.")


def _missing_message(raw, error, download):
    # torchvision lists every mirror it tried; its last line holds the underlying cause.
    reason = (str(error).strip().splitlines() or [type(error).__name__])[-1].strip() \
        if error is not None else ""
    why = f"could not be downloaded ({reason})" if download else "downloads are off"
    missing = [f for f in FILES if not os.path.exists(os.path.join(raw, f))]
    files = "\n".join(f"  {f}" for f in missing)
    if len(missing) < len(FILES):
        what, these = f"MNIST in {raw} lacks {len(missing)} of its four files", "these"
    else:
        what, these = f"MNIST is not in {raw}", "these four files"
    return f"{what} and {why}.\nPlace {these} in {raw} (gzipped with .gz, or not):\n{files}"


def _gunzip_placed_files(raw):
    """Unpack `name.gz` placed by hand next to a missing `name`, as torchvision wants."""
    for name in FILES:
        plain, packed = os.path.join(raw, name), os.path.join(raw, name + ".gz")
        if os.path.exists(plain) or not os.path.exists(packed):
            continue
        try:
            save_atomic(plain, functools.partial(_gunzip, packed))
        except (OSError, EOFError) as e:
            raise MNISTError(f"{packed} is truncated or not a gzip file ({e}).") from None


def _gunzip(packed, path):
    with gzip.open(packed, "rb") as src, open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
