"""The sample grid is the post's picture, pixel for pixel."""

import numpy as np
import pytest
import torch
from PIL import Image

from gan_vanilla import post2017
from gan_vanilla.grid import GridWriter
from gan_vanilla.run.grid_worker import GridWorker


def pixels(path):
    return np.asarray(Image.open(path).convert("RGBA"))


def test_grid_is_pixel_identical_to_the_posts_pyplot_code(tmp_path):
    torch.manual_seed(0)
    writer = GridWriter()  # one figure, refilled: the second grid must not keep the first
    for i, samples in enumerate((torch.rand(16, 784), torch.rand(16, 784) ** 3)):
        samples[0] = 0.5  # a flat sample, autoscaled as the post's imshow does
        ours, post = tmp_path / f"ours{i}.png", tmp_path / f"post{i}.png"
        writer.save(samples, str(ours))
        post2017.plot(samples.numpy(), str(post))
        assert np.array_equal(pixels(ours), pixels(post)), i
    assert not np.array_equal(pixels(tmp_path / "ours0.png"), pixels(tmp_path / "ours1.png"))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("ours")) == [
        "ours0.png", "ours1.png",
    ]  # no temporary file left behind


@pytest.mark.parametrize("processes", [0, 2], ids=["thread", "processes"])
def test_the_worker_writes_the_grids_the_writer_writes(tmp_path, processes):
    """run/grid_worker.py draws off the loop's path, in a thread or (an ensemble on CUDA) in
    processes: the same PNG bytes as GridWriter.save, all written once close() returns, and
    kept for progress.gif."""
    torch.manual_seed(1)
    grids = [torch.rand(16, 784) for _ in range(5)]
    worker = GridWorker(processes=processes)
    for i, samples in enumerate(grids):
        worker.save(samples, str(tmp_path / f"w{i}.png"))
    worker.close()
    writer = GridWriter()
    for i, samples in enumerate(grids):
        writer.save(samples, str(tmp_path / f"g{i}.png"))
        assert (tmp_path / f"w{i}.png").read_bytes() == (tmp_path / f"g{i}.png").read_bytes()
    frames = worker.frames([str(tmp_path / f"w{i}.png") for i in range(6)])  # w5: never drawn
    assert frames == [(tmp_path / f"g{i}.png").read_bytes() for i in range(5)]


def test_a_failed_grid_write_is_raised(tmp_path):
    worker = GridWorker()
    worker.save(torch.rand(16, 784), str(tmp_path / "no-such-folder" / "000.png"))
    with pytest.raises(OSError):
        worker.close()
