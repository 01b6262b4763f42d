"""The quality monitor: its numbers, its words, and that watching a run never changes it."""

import csv
import dataclasses
import re
import signal

import numpy as np
import pytest
import torch
from PIL import Image

from gan_vanilla.measure.classifier import DEFAULTS, cache_key
from gan_vanilla.measure.metrics import frechet_against, frechet_distance
from gan_vanilla.model import PARAM_NAMES
from gan_vanilla.run.checkpoint import load_checkpoint
from gan_vanilla.run.monitor import COLUMNS, QualityMonitor, collapse_message, next_state
from gan_vanilla.run.session import Interrupted
from gan_vanilla.settings import Settings
from gan_vanilla.train import train

from .conftest import in_memory_mnist

CPU = torch.device("cpu")
# 640 images in batches of 64; measurements at 5, 10, 15, 20 and the last iteration, 22.
BASE = dataclasses.replace(Settings(), iterations=23, sample_every=5, checkpoint_every=1000,
                           log_every=4, quality_every=5)


def run(out, cache, iterations=23, resume=False, **changes):
    settings = dataclasses.replace(BASE, iterations=iterations, out_dir=str(out),
                                   classifier_cache=str(cache), **changes)
    lines = []
    state = load_checkpoint(out / "checkpoint.pt") if resume else None
    params = train(settings, in_memory_mnist(), CPU, log=lines.append, resume=state)
    return params, lines


def quality_rows(out):
    with open(out / "quality.csv", newline="") as f:
        return list(csv.reader(f))


def closed_form_frechet(a, b):
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)), in numpy's float64."""
    a, b = a.double().numpy(), b.double().numpy()
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = np.sqrt(np.linalg.eigvals(s_a @ s_b).astype(complex)).real.sum()
    return float(((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(s_a) + np.trace(s_b) - 2 * root)


def test_the_frechet_distance_keeps_its_real_side_between_measurements():
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(3000, 128, generator=gen) * 0.7 + 0.3
    b = torch.randn(2000, 128, generator=gen) @ torch.randn(128, 128, generator=gen) * 0.2
    c = torch.randn(2000, 128, generator=gen) * 0.5
    metric = frechet_against(a)
    # Each measurement is against the real side alone, whatever was measured before it.
    assert frechet_distance(metric, b) == pytest.approx(closed_form_frechet(a, b), rel=1e-5)
    assert frechet_distance(metric, c) == pytest.approx(closed_form_frechet(a, c), rel=1e-5)
    assert frechet_distance(metric, b) == frechet_distance(frechet_against(a), b)
    assert closed_form_frechet(a, b) > 10
    assert frechet_distance(metric, a) == pytest.approx(0, abs=1e-3)


def test_collapse_rule_in_words():
    assert collapse_message([0.1] * 10, 7) is None
    assert collapse_message([0.25, *[0.75 / 9] * 9], 7) is None  # 25% is not above 25%
    # The reproduction's seed 0: 3s and 8s are most of the samples, one digit nearly absent.
    shares = [0.02, 0.05, 0.03, 0.34, 0.005, 0.06, 0.03, 0.045, 0.29, 0.13]
    assert collapse_message(shares, 30000) == (
        "partial mode collapse at iteration 30000: 3 and 8 make 63% of the samples (10% each "
        "would be even), 4 drawn in under 1% of them; see docs/REPRODUCTION.md")
    # One dominant digit with all ten present still counts.
    assert collapse_message([0.3, *[0.7 / 9] * 9], 1).startswith(
        "partial mode collapse at iteration 1: 0 makes 30% of the samples")
    assert collapse_message([0, 0, 0, 1, 0, 0, 0, 0, 0, 0], 2).startswith(
        "mode collapse at iteration 2: 3 makes 100%")


def test_a_share_near_the_threshold_does_not_flap():
    def with_three(p):  # digit 3 at share p, the rest even
        return [p if k == 3 else (1 - p) / 9 for k in range(10)]

    collapsed, said = False, []
    for it, p in enumerate([0.26, 0.22, 0.251, 0.19, 0.24, 0.27], start=1):
        collapsed, line = next_state(collapsed, with_three(p), it)
        said.append(line and line.split(":")[0])
    assert said == ["partial mode collapse at iteration 1", None, None,
                    "mode collapse cleared at iteration 4", None,
                    "partial mode collapse at iteration 6"]


class FakeClassifier:
    """Predicts digit `k % 10` for sample k, or digit 3 for all when `collapsed`."""

    collapsed = False

    def features(self, X):
        return X[:, :128] * 10

    def fc2(self, features):
        n = features.shape[0]
        classes = torch.full((n,), 3) if self.collapsed else torch.arange(n) % 10
        return torch.nn.functional.one_hot(classes, 10).float() * 20


def test_collapse_is_said_once_and_again_only_after_it_clears(tmp_path):
    fake, lines = FakeClassifier(), []
    test_side = frechet_against(torch.rand(50, 128))
    monitor = QualityMonitor([str(tmp_path / "quality.csv")], 1, 100, CPU,
                             lambda: (fake, test_side, test_side), log=lines.append)
    monitor.start(0)
    G = lambda z: torch.sigmoid(z @ torch.ones(100, 784) / 10)  # noqa: E731
    for it, collapsed in enumerate([True, True, False, False, True], start=1):
        fake.collapsed = collapsed
        monitor.measure(it, G)
    said = [line for line in lines if not line.startswith("Quality-")]
    assert said == [
        "mode collapse at iteration 1: 3 makes 100% of the samples (10% each would be even), "
        "0, 1, 2, 4, 5, 6, 7, 8 or 9 drawn in under 1% of them; see docs/REPRODUCTION.md",
        "mode collapse cleared at iteration 3: every digit drawn in 1% of the samples or more, "
        "none above 20%",
        "mode collapse at iteration 5: 3 makes 100% of the samples (10% each would be even), "
        "0, 1, 2, 4, 5, 6, 7, 8 or 9 drawn in under 1% of them; see docs/REPRODUCTION.md",
    ]
    assert [line.split(";")[0] for line in lines if line.startswith("Quality-")] == [
        f"Quality-{it}" for it in range(1, 6)]
    assert lines[0].startswith("Quality-1; classes: 1/10; KL: 2.30; score: 1.00; FD: ")
    rows = quality_rows(tmp_path)
    assert rows[0] == list(COLUMNS)
    assert [r[1] for r in rows[1:]] == ["1", "1", "10", "10", "1"]


@pytest.fixture(scope="module")
def watched_and_unwatched(tmp_path_factory):
    """The same seed with the monitor on (its classifier trained mid-run) and off."""
    root = tmp_path_factory.mktemp("watch")
    on = run(root / "on", root / "cache")
    off = run(root / "off", root / "unused", quality_every=0)
    return root, on, off


def test_watching_changes_nothing_in_the_run(watched_and_unwatched):
    root, (on_params, on_lines), (off_params, off_lines) = watched_and_unwatched
    for name in PARAM_NAMES:
        assert torch.equal(on_params[name], off_params[name]), name
    assert [line for line in on_lines if line.startswith("Iter-")] == off_lines
    for name in ("000.png", "001.png", "004.png", "losses.csv", "progress.gif"):
        assert (root / "on" / name).read_bytes() == (root / "off" / name).read_bytes(), name
    a = load_checkpoint(root / "on" / "checkpoint.pt")
    b = load_checkpoint(root / "off" / "checkpoint.pt")
    for name in PARAM_NAMES:
        assert torch.equal(a["params"][name], b["params"][name]), name
    for solver in ("G_solver", "D_solver"):
        for i, state in a[solver]["state"].items():
            for key, value in state.items():
                assert torch.equal(value, b[solver]["state"][i][key]), (solver, i, key)
    assert torch.equal(a["rng"]["cpu"], b["rng"]["cpu"])
    assert not (root / "unused").exists()  # the monitor off never trains a classifier


def test_quality_rows_lines_and_the_third_panel(watched_and_unwatched):
    root, (_, lines), _ = watched_and_unwatched
    rows = quality_rows(root / "on")
    assert [int(r[0]) for r in rows[1:]] == [5, 10, 15, 20, 22]  # and the last iteration
    for r in rows[1:]:
        covered, kl, score, fd, *shares = map(float, r[1:])
        assert covered == sum(s >= 0.01 for s in shares) and sum(shares) == pytest.approx(1)
        assert 0 <= kl <= 2.31 and 1 <= score <= 10 and fd >= 0
    # Each measurement's line comes right after the post's report line of its iteration.
    # (At the first, the classifier's training lines come between.)
    told = [line for line in lines if not line.startswith(("classifier:", "quality monitor:"))]
    for it in (5, 10, 15, 20):
        i = told.index(next(line for line in told if line.startswith(f"Iter-{it};")))
        assert re.fullmatch(rf"Quality-{it}; classes: \d+/10; KL: \d\.\d\d; score: \d+\.\d\d; "
                            r"FD: \d+", told[i + 1])
    # The classifier was trained at the first measurement, and said so.
    assert any(line.startswith("quality monitor: training the MNIST classifier, once")
               for line in lines[: lines.index(next(x for x in lines if x.startswith("Q")))])
    on = Image.open(root / "on" / "losses.png")
    off = Image.open(root / "off" / "losses.png")
    assert on.size[0] == off.size[0] and on.size[1] == pytest.approx(off.size[1] * 1.5, abs=2)


def test_a_run_shorter_than_N_never_trains_the_classifier(tmp_path):
    _, lines = run(tmp_path / "out", tmp_path / "cache", iterations=5)
    assert not (tmp_path / "cache").exists()
    assert quality_rows(tmp_path / "out") == [list(COLUMNS)]
    assert not any(line.startswith("Quality") for line in lines)


def test_without_a_classifier_the_run_goes_on_and_says_why(tmp_path):
    (tmp_path / "cache").write_text("a file where the cache folder should be")
    params, lines = run(tmp_path / "out", tmp_path / "cache", iterations=12)
    off = [line for line in lines if line.startswith("quality monitor off")]
    assert len(off) == 1 and off[0].startswith("quality monitor off from iteration 5: ")
    assert (tmp_path / "out" / "checkpoint.pt").exists()  # the run finished
    assert quality_rows(tmp_path / "out") == [list(COLUMNS)]


@pytest.mark.parametrize("stop_at", [7, pytest.param(12, marks=pytest.mark.slow)],
                         ids=["mid-run", "after-a-finished-run"])
def test_resumed_watched_run_is_bit_identical(watched_and_unwatched, tmp_path, stop_at):
    root, (whole, whole_lines), _ = watched_and_unwatched
    run(tmp_path, root / "cache", iterations=stop_at)  # the cached classifier, as "on" made it
    resumed, _ = run(tmp_path, root / "cache", resume=True)
    for name in PARAM_NAMES:
        assert torch.equal(whole[name], resumed[name]), name
    # No duplicate, no missing row: 12 ended with a row at 11, which the whole run lacks.
    assert quality_rows(tmp_path) == quality_rows(root / "on")
    for name in ("losses.csv", "progress.gif", "004.png"):
        assert (tmp_path / name).read_bytes() == (root / "on" / name).read_bytes(), name


def test_a_damaged_quality_csv_is_named_and_a_failed_resume_leaves_it(watched_and_unwatched,
                                                                       tmp_path, capsys):
    root, _, _ = watched_and_unwatched
    run(tmp_path / "a", root / "cache", iterations=12)
    ckpt = tmp_path / "a" / "checkpoint.pt"
    before = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    # A resume that diverges at once (a learning rate of 1e38) leaves quality.csv as it was.
    with pytest.raises(Exception, match="became NaN or infinite"):
        run(tmp_path / "a", root / "cache", resume=True, lr=1e38)
    for name in ("quality.csv", "losses.csv", "checkpoint.pt", "config.json"):
        assert (tmp_path / "a" / name).read_bytes() == before[name], name
    # A damaged row is named, and the checkpoint stays as it was.
    (tmp_path / "a" / "quality.csv").write_text(before["quality.csv"].decode() + "abc,1\n")
    with pytest.raises(Exception, match=r"quality.csv is damaged: line 5 \('abc,1'\)"):
        run(tmp_path / "a", root / "cache", resume=True)
    assert ckpt.read_bytes() == before["checkpoint.pt"]


class Stop:
    """A stop request, as a signal makes one (run/stop.py)."""

    requested, signum = False, None


@pytest.mark.slow  # over 5 s: the default suite stays near 3 minutes
def test_a_stop_while_the_classifier_trains_is_at_once_and_the_resume_loses_nothing(
        watched_and_unwatched, tmp_path):
    root, (whole, _), _ = watched_and_unwatched
    stop, lines = Stop(), []

    def log(line):  # Ctrl-C as the classifier starts training, at the first measurement
        lines.append(line)
        if line.startswith("quality monitor: training the MNIST classifier"):
            stop.requested, stop.signum = True, signal.SIGINT

    settings = dataclasses.replace(BASE, out_dir=str(tmp_path / "out"),
                                   classifier_cache=str(tmp_path / "cache"))
    with pytest.raises(Interrupted) as stopped:
        train(settings, in_memory_mnist(), CPU, log=log, stop=stop)
    assert stopped.value.iteration == 6  # the iteration of the measurement (5), finished
    # Within a step of the classifier's training, which logs its last step when it ends.
    assert not any(line.startswith("classifier: epoch") for line in lines)
    assert lines[-1] == ("quality monitor: stopped training the classifier, nothing cached; "
                         "the resumed run measures iteration 5")
    assert list((tmp_path / "cache").iterdir()) == []
    assert quality_rows(tmp_path / "out") == [list(COLUMNS)]
    # The resumed run measures iteration 5 before it goes on: the run that never stopped.
    resumed, resumed_lines = run(tmp_path / "out", root / "cache", resume=True)
    assert resumed_lines[0].startswith("Quality-5; ")
    for name in PARAM_NAMES:
        assert torch.equal(whole[name], resumed[name]), name
    assert quality_rows(tmp_path / "out") == quality_rows(root / "on")


def test_the_monitor_can_use_a_smaller_classifier(tmp_path):
    # The tutorial's choice: a classifier that trains in seconds, cached under its own key.
    small = {**DEFAULTS, "channels": (4, 8), "epochs": 1}
    settings = dataclasses.replace(BASE, iterations=6, out_dir=str(tmp_path / "out"),
                                   classifier_cache=str(tmp_path / "cache"))
    lines = []
    train(settings, in_memory_mnist(), CPU, log=lines.append, classifier_settings=small)
    key = cache_key(small, 640)
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [f"classifier-{key}.pt"]
    state = torch.load(tmp_path / "cache" / f"classifier-{key}.pt", weights_only=True)
    assert state["settings"] == small and state["model"]["conv1.weight"].shape[0] == 4
    assert [int(r[0]) for r in quality_rows(tmp_path / "out")[1:]] == [5]
    assert not any(line.startswith("quality monitor:") for line in lines)
