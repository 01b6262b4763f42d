"""Measuring a generator's samples: the project's MNIST classifier, the numbers it gives
(metrics.py), the GAN paper's Parzen estimate (parzen.py), and `evaluate`'s evaluation of a
checkpoint's samples (evaluation.py)."""
