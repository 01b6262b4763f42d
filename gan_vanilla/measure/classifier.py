"""An MNIST classifier trained by the project, to judge samples (no weights can be fetched): a
small CNN (an ordinary nn.Module, not the post's GAN), two 3x3 convolutions with max-pooling, a
128-unit hidden layer (the features the Frechet distance compares) and 10 logits, trained
deterministically and cached under a key of its settings: the same settings, the same weights."""

import hashlib
import json
import os
import sys
import tempfile

import torch
import torch.nn.functional as F
from torch import nn

from ..io.atomic import save_atomic
from ..io.csv_tables import DamagedFile

# lr_decay: the learning rate is multiplied by it after every epoch.
DEFAULTS = {"arch": "cnn-32-64-128", "channels": (32, 64), "epochs": 6, "mb_size": 128,
            "lr": 2e-3, "lr_decay": 0.6, "seed": 0}


class Stopped(Exception):
    """The caller asked to stop while the classifier trained; nothing was cached."""


class Classifier(nn.Module):
    num_features = 128  # the penultimate layer; torchmetrics reads this name

    def __init__(self, channels=DEFAULTS["channels"]):
        super().__init__()
        c1, c2 = channels
        self.conv1 = nn.Conv2d(1, c1, 3, padding=1)  # (B, 1, 28, 28) -> (B, c1, 28, 28)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)  # (B, c1, 14, 14) -> (B, c2, 14, 14)
        self.fc1 = nn.Linear(c2 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def features(self, X):
        """X: (B, 784) pixels in [0, 1] -> (B, 128) penultimate activations."""
        h = X.reshape(-1, 1, 28, 28)
        h = F.max_pool2d(F.relu(self.conv1(h)), 2)  # (B, c1, 14, 14)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)  # (B, c2, 7, 7)
        return F.relu(self.fc1(h.flatten(1)))  # (B, 128)

    def forward(self, X):
        return self.fc2(self.features(X))  # (B, 10) logits


def cache_key(settings, num_train):
    text = json.dumps({**settings, "num_train": num_train}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def train_classifier(train, settings=DEFAULTS, log=None, stop=None):
    """Train on `train` (a DataSet); deterministic on a CPU, the caller's random stream kept.
    stop: its `requested` turns true when the caller must stop (a run's signal); Stopped is
    raised at the next step, so a Ctrl-C waits milliseconds, not minutes."""
    with torch.random.fork_rng(devices=[]):  # seed the initial weights, then restore
        torch.manual_seed(settings["seed"])
        model = Classifier(settings["channels"])
    opt = torch.optim.Adam(model.parameters(), lr=settings["lr"])
    decay = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=settings["lr_decay"])
    gen = torch.Generator().manual_seed(settings["seed"])
    X, y = train.images.cpu(), train.labels.cpu().argmax(1)
    steps = 0
    total = settings["epochs"] * ((X.shape[0] + settings["mb_size"] - 1) // settings["mb_size"])
    for epoch in range(settings["epochs"]):
        perm = torch.randperm(X.shape[0], generator=gen)
        for i in range(0, X.shape[0], settings["mb_size"]):
            if stop is not None and stop.requested:
                raise Stopped
            idx = perm[i : i + settings["mb_size"]]
            loss = F.cross_entropy(model(X[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            steps += 1
            if log is not None and (steps % 100 == 0 or steps == total):
                log(f"classifier: epoch {epoch + 1}/{settings['epochs']}, "
                    f"step {steps}/{total}, loss {loss.item():.4f}")
        decay.step()
    return model.eval()


@torch.no_grad()
def classify(classifier, images, chunk=2000):
    """(logits (N, 10), penultimate features (N, 128)) for images (N, 784)."""
    features = torch.cat([classifier.features(images[i : i + chunk])
                          for i in range(0, images.shape[0], chunk)])
    return classifier.fc2(features), features


@torch.no_grad()
def accuracy(model, data, chunk=2000):
    correct = 0
    for i in range(0, data.num_examples, chunk):
        logits = model(data.images[i : i + chunk].cpu())
        correct += int((logits.argmax(1) == data.labels[i : i + chunk].cpu().argmax(1)).sum())
    return correct / data.num_examples


def load_or_train(mnist, cache_dir, settings=DEFAULTS, log=None, stop=None):
    """(model, test accuracy, cache file) for these settings, trained and cached on first use
    (stop: as train_classifier takes it); OSError, before any training, when the cache folder
    cannot be made or written."""
    key = cache_key(settings, mnist.train.num_examples)
    path = os.path.join(cache_dir, f"classifier-{key}.pt")
    if os.path.exists(path):
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
            model = Classifier(settings["channels"])
            model.load_state_dict(state["model"])
            return model.eval(), state["test_accuracy"], path
        except Exception as e:
            raise DamagedFile(f"cached classifier {path} is unreadable ({type(e).__name__}); "
                              f"delete it to train a new one") from None
    # The folder first: one that cannot take the file is found now, not after the training.
    os.makedirs(cache_dir, exist_ok=True)
    with tempfile.TemporaryFile(dir=cache_dir):
        pass
    if log is not None:
        log(f"classifier: training one (cached afterwards as {path})")
    model = train_classifier(mnist.train, settings, log, stop)
    test_accuracy = accuracy(model, mnist.test)
    save_atomic(path, lambda tmp: torch.save({"model": model.state_dict(), "settings": settings,
                                              "test_accuracy": test_accuracy}, tmp))
    return model, test_accuracy, path


def default_cache_dir(data_dir):
    """Under the data folder when it may be written, else the user's cache folder. "May be
    written" reads the write bits too: as root, os.access allows writing into a folder that
    was shared read-only on purpose."""
    writable = os.path.isdir(data_dir) and os.stat(data_dir).st_mode & 0o222
    if writable and os.access(data_dir, os.W_OK):
        return os.path.join(data_dir, "classifier")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    fallback = os.path.join(base, "gan-vanilla")
    print(f"note: {data_dir} is read-only; the classifier is cached in {fallback}", file=sys.stderr)
    return fallback
