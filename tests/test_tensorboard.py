"""--tensorboard: the run's numbers and grids read back from the event files."""

import csv
import sys

import pytest

from gan_vanilla.cli.train_command import main as train_main

pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed")
from tensorboard.backend.event_processing.event_accumulator import (  # noqa: E402
    EventAccumulator,
)


def rows(path):
    with open(path, newline="") as f:
        return [[float(v) for v in r] for r in list(csv.reader(f))[1:]]


def events(out):
    acc = EventAccumulator(str(out / "tensorboard"), size_guidance={"images": 0, "scalars": 0})
    acc.Reload()
    return acc


@pytest.mark.slow  # over 5 s: the default suite stays near 3 minutes
def test_tensorboard_holds_every_row_measurement_and_grid(mnist_dir, tmp_path):
    out = tmp_path / "out"
    assert train_main(["--data-dir", str(mnist_dir), "--out-dir", str(out), "--iterations", "25",
                       "--sample-every", "10", "--log-every", "10", "--quality-every", "10",
                       "--classifier-cache", str(tmp_path / "cache"), "--tensorboard",
                       "--quiet"]) == 0
    acc = events(out)
    tags = acc.Tags()
    losses = rows(out / "losses.csv")
    for k, name in enumerate(("D_loss", "G_loss", "D_real", "D_fake"), start=1):
        scalars = acc.Scalars(f"losses/{name}")
        assert [s.step for s in scalars] == [int(r[0]) for r in losses] == [9, 19, 24]
        assert [s.value for s in scalars] == pytest.approx([r[k] for r in losses], rel=1e-5)
    quality = rows(out / "quality.csv")
    for k, name in enumerate(("classes_covered", "kl_uniform", "classifier_score",
                              "frechet_distance"), start=1):
        scalars = acc.Scalars(f"quality/{name}")
        assert [s.step for s in scalars] == [int(r[0]) for r in quality] == [10, 20, 24]
        assert [s.value for s in scalars] == pytest.approx([r[k] for r in quality], rel=1e-5)
    assert {f"digit_share/{k}" for k in range(10)} <= set(tags["scalars"])
    images = acc.Images("samples")
    assert [i.step for i in images] == [0, 10, 20]  # one per grid, 000.png to 002.png
    assert images[0].encoded_image_string[:4] == b"\x89PNG"
    assert "settings" in str(tags["tensors"])  # add_text lands as a text tensor


def test_resumed_run_shows_every_step_once(mnist_dir, tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    common = ["--data-dir", str(mnist_dir), "--sample-every", "10", "--log-every", "10",
              "--quality-every", "0", "--classifier-cache", str(cache), "--quiet"]
    assert train_main([*common, "--out-dir", str(out), "--iterations", "15",
                       "--tensorboard"]) == 0
    assert train_main([*common, "--resume", str(out / "checkpoint.pt"),
                       "--iterations", "30"]) == 0
    steps = [s.step for s in events(out).Scalars("losses/D_loss")]
    assert [int(r[0]) for r in rows(out / "losses.csv")] == [9, 19, 29]
    # Every step once. 14 is the first part's last row, the mean of 10 to 14, which
    # losses.csv replaces by 19 on resume; TensorBoard keeps what was logged before the
    # checkpoint (its purge_step hides only what came after).
    assert steps == [9, 14, 19, 29]
    assert [i.step for i in events(out).Images("samples")] == [0, 10, 20]


def test_without_tensorboard_the_flag_says_how_to_install_it(mnist_dir, tmp_path, capsys,
                                                              monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboard", None)  # import tensorboard fails
    out = tmp_path / "out"
    code = train_main(["--data-dir", str(mnist_dir), "--out-dir", str(out), "--iterations", "3",
                       "--tensorboard", "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and not out.exists()
    assert err == ("gan-vanilla-train: error: --tensorboard needs the tensorboard package; "
                   'install it with pip install -e ".[tensorboard]"\n')
