"""The MNIST reader: TensorFlow's split and next_batch, on the IDX files as the project reads
them (and as torchvision's parser reads them, checked below)."""

import shutil

import numpy as np
import pytest
import torch
import torchvision

from gan_vanilla.data import DataSet, read_data_sets
from gan_vanilla.io.mnist import FILES, MNISTError

from .conftest import N_TEST, N_TRAIN, fake_digits, write_idx, write_mnist


@pytest.fixture
def no_network(monkeypatch):
    """Make torchvision's download fail at once, as on a machine with no network."""
    monkeypatch.setattr(torchvision.datasets.MNIST, "mirrors", ["http://127.0.0.1:9/"])


@pytest.mark.parametrize("train", [True, False])
def test_the_files_read_as_torchvisions_parser_reads_them(mnist_dir, train):
    from gan_vanilla.io.mnist import load_mnist

    ours = load_mnist(str(mnist_dir), download=False)[0 if train else 1]
    theirs = torchvision.datasets.MNIST(str(mnist_dir), train=train, download=False)
    assert torch.equal(ours[0], theirs.data) and ours[0].dtype == theirs.data.dtype
    assert torch.equal(ours[1], theirs.targets) and ours[1].dtype == theirs.targets.dtype


def test_split_sizes_follow_tensorflow(mnist_dir):
    mnist = read_data_sets(str(mnist_dir), download=False)
    assert mnist.validation.num_examples == 5000
    assert mnist.train.num_examples == N_TRAIN - 5000
    assert mnist.test.num_examples == N_TEST
    # Validation is the head of the training file, train its tail, in file order.
    images, labels = fake_digits(N_TRAIN, seed=1)
    assert torch.equal(mnist.validation.labels.argmax(1), torch.from_numpy(labels[:5000]).long())
    assert torch.equal(mnist.train.labels.argmax(1), torch.from_numpy(labels[5000:]).long())


def test_pixels_are_float32_bytes_over_255_and_labels_one_hot(mnist_dir):
    mnist = read_data_sets(str(mnist_dir), download=False)
    images, labels = fake_digits(N_TEST, seed=2)
    X, Y = mnist.test.images, mnist.test.labels
    assert X.dtype == torch.float32 and X.shape == (N_TEST, 784)
    expected = images.reshape(N_TEST, 784).astype(np.float32) * np.float32(1 / 255)
    assert np.array_equal(X.numpy(), expected)
    assert X.min() == 0 and X.max() == 1
    assert Y.dtype == torch.float32 and Y.shape == (N_TEST, 10)
    assert torch.equal(Y.sum(1), torch.ones(N_TEST))
    assert torch.equal(Y.argmax(1), torch.from_numpy(labels).long())


def numbered(n, seed=0):
    """A DataSet whose image i holds the value i, so batches say which examples they hold."""
    X = torch.arange(n, dtype=torch.float32).unsqueeze(1).repeat(1, 784)
    Y = torch.nn.functional.one_hot(torch.arange(n) % 10, 10).float()
    return DataSet(X, Y, seed=seed)


def served(data, batch_size, batches):
    out = []
    for _ in range(batches):
        X, Y = data.next_batch(batch_size)
        assert X.shape == (batch_size, 784) and Y.shape == (batch_size, 10)  # always full
        assert torch.equal(Y.argmax(1), X[:, 0].long() % 10)  # images and labels stay paired
        out.extend(int(v) for v in X[:, 0])
    return out


def test_next_batch_serves_every_example_once_per_epoch_with_full_batches():
    n, b = 10, 4
    data = numbered(n)
    ids = served(data, b, batches=10)  # 40 examples = 4 whole epochs, across ragged ends
    epochs = [ids[i : i + n] for i in range(0, len(ids), n)]
    for epoch in epochs:
        assert sorted(epoch) == list(range(n))  # no example skipped or repeated
    assert epochs[0] != list(range(n))  # shuffled before the first batch
    assert len({tuple(e) for e in epochs}) > 1  # and reshuffled at every epoch
    assert data.index_in_epoch == 10


def test_next_batch_epoch_boundary_joins_leftover_to_new_head():
    data = numbered(10)
    first = served(data, 4, 2)
    perm0 = data.perm.tolist()
    assert first == perm0[:8]
    third = served(data, 4, 1)
    assert third[:2] == perm0[8:]  # the old epoch's leftover ...
    assert third[2:] == data.perm.tolist()[:2]  # ... then the new epoch's head
    assert data.index_in_epoch == 2


def test_next_batch_is_seeded_and_resumable():
    a, b = numbered(50, seed=7), numbered(50, seed=7)
    assert served(a, 8, 9) == served(b, 8, 9)
    assert served(numbered(50, seed=8), 8, 9) != served(numbered(50, seed=7), 8, 9)
    state = a.state_dict()
    expected = served(a, 8, 20)
    c = numbered(50, seed=0)
    c.load_state_dict(state)
    assert served(c, 8, 20) == expected


def test_next_batch_refuses_a_batch_larger_than_the_split():
    with pytest.raises(ValueError, match="between 1 and"):
        numbered(10).next_batch(11)


def test_gzipped_files_placed_by_hand_are_read(tmp_path):
    write_mnist(tmp_path, compress=True)
    mnist = read_data_sets(str(tmp_path), download=False)
    assert mnist.train.num_examples == N_TRAIN - 5000


def test_missing_files_name_the_folder_and_the_four_files(tmp_path, no_network):
    with pytest.raises(MNISTError) as e:
        read_data_sets(str(tmp_path))
    message = str(e.value)
    assert str(tmp_path / "MNIST" / "raw") in message
    assert "could not be downloaded" in message
    for name in FILES:
        assert name in message


def test_one_missing_file_is_reported_as_missing(mnist_dir, tmp_path, no_network):
    shutil.copytree(mnist_dir, tmp_path / "d")
    (tmp_path / "d" / "MNIST" / "raw" / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(MNISTError, match="t10k-labels-idx1-ubyte"):
        read_data_sets(str(tmp_path / "d"))


def test_truncated_image_file_is_reported(mnist_dir, tmp_path):
    shutil.copytree(mnist_dir, tmp_path / "d")
    path = tmp_path / "d" / "MNIST" / "raw" / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:100_000])
    with pytest.raises(MNISTError, match="truncated or corrupt"):
        read_data_sets(str(tmp_path / "d"), download=False)


def test_file_with_a_bad_header_is_reported(mnist_dir, tmp_path):
    shutil.copytree(mnist_dir, tmp_path / "d")
    path = tmp_path / "d" / "MNIST" / "raw" / "t10k-labels-idx1-ubyte"
    path.write_bytes(b"this is not an IDX file at all")
    with pytest.raises(MNISTError, match="t10k"):
        read_data_sets(str(tmp_path / "d"), download=False)


def test_images_and_labels_of_different_lengths_are_reported(mnist_dir, tmp_path):
    shutil.copytree(mnist_dir, tmp_path / "d")
    _, labels = fake_digits(N_TEST - 1, seed=2)
    write_idx(tmp_path / "d" / "MNIST" / "raw" / "t10k-labels-idx1-ubyte", labels)
    with pytest.raises(MNISTError, match="do not match"):
        read_data_sets(str(tmp_path / "d"), download=False)


def test_a_corrupt_gzip_is_reported(tmp_path):
    raw = write_mnist(tmp_path, compress=True)
    packed = raw / "train-images-idx3-ubyte.gz"
    packed.write_bytes(packed.read_bytes()[:500])
    with pytest.raises(MNISTError, match="truncated or not a gzip"):
        read_data_sets(str(tmp_path), download=False)
    assert not (raw / "train-images-idx3-ubyte").exists()  # no half-written file left


def test_the_train_commands_seed_orders_its_batches(mnist_dir, tmp_path):
    """--seed 5 shuffles the training split as DataSet(seed=5) does: read_data_sets passes the
    seed on (a reader that dropped it gave every seed seed 0's batches, and the tests, which
    build DataSet themselves, did not notice)."""
    from gan_vanilla.cli.train_command import main as train_main
    from gan_vanilla.run.checkpoint import load_checkpoint

    out = tmp_path / "five"
    assert train_main(["--data-dir", str(mnist_dir), "--out-dir", str(out), "--seed", "5",
                       "--iterations", "1", "--quality-every", "0", "--quiet"]) == 0
    order = load_checkpoint(out / "checkpoint.pt")["data"]["perm"]
    n = N_TRAIN - 5000
    assert torch.equal(order, torch.randperm(n, generator=torch.Generator().manual_seed(5)))
    assert not torch.equal(order, torch.randperm(n, generator=torch.Generator().manual_seed(0)))
