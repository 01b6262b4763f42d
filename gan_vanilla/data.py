"""MNIST as TensorFlow's reader gives it: `mnist.train.next_batch(mb_size)`.

The post read MNIST with `input_data.read_data_sets('../MNIST_data', one_hot=True)`, which is
gone. This file keeps that reader's semantics as they stood from early 2017, on MNIST's IDX
files (io/mnist.py): validation = the first 5,000 training images, train = the other 55,000,
test = t10k; float32 pixels in [0, 1]; one-hot labels; `next_batch` shuffles before the first
epoch and at every epoch's end, and joins the old epoch's leftover to the new epoch's head, so
every batch is full and no example is skipped. Those two came with a change to TensorFlow made
days after the post, which likely ran the reader before it (the first epoch in file order,
each leftover dropped); docs/tutorial.ipynb says more.
"""

from typing import NamedTuple

import torch

from .io.mnist import MNISTError, load_mnist


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

    def _shuffle(self):
        # Drawn on the CPU, so a seed gives the same batches on every device.
        perm = torch.randperm(self.num_examples, generator=self.generator, device="cpu")
        self.perm = perm.to(self.images.device)

    def next_batch(self, batch_size):
        """The next `batch_size` images and labels (TensorFlow's `DataSet.next_batch`). The
        order is `perm`'s last axis: an ensemble's sampler (stacked/stack.py) holds one row
        of it per member and gets (K, batch_size, ...) from the same lines."""
        if not 0 < batch_size <= self.num_examples:
            raise ValueError(f"batch size {batch_size} must be between 1 and the split's "
                             f"{self.num_examples} examples")
        start = self.index_in_epoch
        if self.perm is None:  # shuffle for the first epoch
            self._shuffle()
        if start + batch_size > self.num_examples:
            # Finished an epoch: keep its leftover, reshuffle, and fill up from the new epoch.
            rest = self.perm[..., start:]
            self._shuffle()
            self.index_in_epoch = batch_size - rest.shape[-1]
            idx = torch.cat((rest, self.perm[..., : self.index_in_epoch]), dim=-1)
        else:
            self.index_in_epoch += batch_size
            idx = self.perm[..., start : self.index_in_epoch]
        return self.images[idx], self.labels[idx]

    def to(self, device):
        self.images = self.images.to(device)
        self.labels = self.labels.to(device)
        if self.perm is not None:
            self.perm = self.perm.to(device)
        return self

    def state_dict(self):
        """Everything `next_batch` needs to go on exactly where it stopped."""
        return {"generator": self.generator.get_state(),
                "perm": None if self.perm is None else self.perm.cpu(),
                "index_in_epoch": self.index_in_epoch}

    def load_state_dict(self, state):
        self.generator.set_state(state["generator"])
        perm = state["perm"]
        self.perm = None if perm is None else perm.to(self.images.device)
        self.index_in_epoch = state["index_in_epoch"]


class Datasets(NamedTuple):
    train: DataSet
    validation: DataSet
    test: DataSet


def read_data_sets(data_dir, validation_size=5000, seed=0, download=True):
    """Load MNIST from `data_dir/MNIST/raw`, downloading it when missing (MNISTError, with a
    message for the user, when that cannot be done)."""
    splits = []
    for images, labels in load_mnist(data_dir, download):
        # TensorFlow: uint8 -> float32, times 1/255; 784 values per image; one-hot labels.
        images = images.reshape(-1, 28 * 28).to(torch.float32) * (1.0 / 255.0)
        labels = torch.nn.functional.one_hot(labels, num_classes=10).to(torch.float32)
        splits.append((images, labels))
    (train_images, train_labels), (test_images, test_labels) = splits
    if not 0 <= validation_size < train_images.shape[0]:
        raise MNISTError(f"validation size {validation_size} leaves no training images "
                         f"(the training file has {train_images.shape[0]})")
    v = validation_size
    return Datasets(
        train=DataSet(train_images[v:], train_labels[v:], seed=seed),
        validation=DataSet(train_images[:v], train_labels[:v], seed=seed),
        test=DataSet(test_images, test_labels, seed=seed),
    )
