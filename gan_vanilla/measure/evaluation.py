"""How good are a generator's samples? The GAN paper's Parzen estimate, and the numbers the
project's classifier gives (metrics.py): `evaluate`'s figures."""

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..grid import image_format
from ..io.atomic import save_atomic
from ..model import make_G
from . import metrics
from .classifier import classify
from .parzen import parzen


def generator_samples(checkpoint, n, seed):
    """n samples G(z) of a checkpoint's generator, z drawn from a generator seeded by `seed`."""
    params = checkpoint["params"]
    z = torch.randn(n, params["Wzh"].shape[0], generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        return make_G(params)(z)  # (n, X_dim)


def real_samples(mnist, n, seed):
    """n training images drawn without replacement: the reference row."""
    idx = torch.randperm(mnist.train.num_examples, generator=torch.Generator().manual_seed(seed))
    return mnist.train.images[idx[:n]].cpu()


def evaluate(samples, mnist, classifier, parzen_validation=1000):
    """Every number for `samples` (N, 784) in [0, 1]; returns (results dict, logits)."""
    ll, se, sigma, _ = parzen(samples, mnist.validation.images[:parzen_validation].cpu(),
                              mnist.test.images.cpu())
    logits, features = classify(classifier, samples)
    test_side = metrics.frechet_against(classify(classifier, mnist.test.images.cpu())[1])
    histogram = metrics.class_histogram(logits)
    results = {"parzen_ll": ll, "parzen_se": se, "parzen_sigma": sigma,
               "classes_covered": metrics.classes_covered(histogram),
               "kl_uniform": metrics.kl_to_uniform(histogram),
               "classifier_score": metrics.classifier_score(logits),
               "frechet_distance": metrics.frechet_distance(test_side, features),
               "class_histogram": [round(float(p), 6) for p in histogram],
               "samples": samples.shape[0]}
    return results, logits


def write_report_png(samples, logits, path):
    """The class histogram beside a 10x10 grid: row k holds samples classified as k."""
    predicted = logits.argmax(1)
    histogram = metrics.class_histogram(logits).numpy()
    tile, gap = 28, 2
    canvas = np.ones((10 * (tile + gap) - gap, 10 * (tile + gap) - gap), dtype=np.float32)
    for k in range(10):
        rows = samples[predicted == k][:10].reshape(-1, tile, tile).numpy()
        for j, image in enumerate(rows):
            y, x = k * (tile + gap), j * (tile + gap)
            canvas[y : y + tile, x : x + tile] = image
    fig = Figure(figsize=(10, 4.6))
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.1]})
    left.bar(range(10), histogram * 100, color="0.3")
    left.axhline(10, color="tab:red", linewidth=1, label="uniform (10%)")
    left.set_xticks(range(10))
    left.set_xlabel("predicted digit")
    left.set_ylabel("% of samples")
    left.legend()
    right.imshow(canvas, cmap="Greys_r", vmin=0, vmax=1)
    right.set_yticks([k * (tile + gap) + tile / 2 for k in range(10)], labels=range(10))
    right.set_xticks([])
    right.set_title("up to 10 samples per predicted digit")
    fig.tight_layout()
    save_atomic(path, lambda tmp: fig.savefig(tmp, format=image_format(path)))
