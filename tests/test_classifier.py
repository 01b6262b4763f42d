"""The project's MNIST classifier (measure/classifier.py): cached under a key of its settings."""

import torch

from gan_vanilla.data import read_data_sets
from gan_vanilla.measure.classifier import DEFAULTS, Classifier, cache_key, load_or_train


def test_classifier_is_cached_under_a_key_of_its_settings(mnist_dir, tmp_path):
    mnist = read_data_sets(str(mnist_dir), download=False)
    tiny = {**DEFAULTS, "channels": (4, 8), "epochs": 1, "mb_size": 100}
    model, acc, path = load_or_train(mnist, str(tmp_path), tiny)
    assert path.endswith(f"classifier-{cache_key(tiny, mnist.train.num_examples)}.pt")
    again, acc2, path2 = load_or_train(mnist, str(tmp_path), tiny)  # from the cache
    assert path2 == path and acc2 == acc
    x = mnist.test.images[:5]
    assert torch.equal(model(x), again(x))
    # Deterministic: training afresh gives the same weights.
    fresh, _, _ = load_or_train(mnist, str(tmp_path / "other"), tiny)
    assert torch.equal(model(x), fresh(x))
    assert cache_key({**tiny, "epochs": 2}, 300) != cache_key(tiny, 300)
    assert isinstance(model, Classifier) and model(x).shape == (5, 10)
