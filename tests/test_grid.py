"""The sample grid is the post's picture, pixel for pixel."""

import numpy as np
import torch
from PIL import Image

from gan_vanilla import post2017
from gan_vanilla.grid import GridWriter


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
