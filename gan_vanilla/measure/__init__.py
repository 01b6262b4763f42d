"""Measuring a generator's samples: the project's MNIST classifier, the numbers it gives
(metrics.py), the GAN paper's Parzen estimate, `evaluate` and `sample`."""
