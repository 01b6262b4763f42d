"""`scripts/train.py` end to end, as a user runs it, on the small fixture files."""

import json
import re
import shutil
import subprocess
import sys

import pytest
import torch
import torchvision

from gan_vanilla.cli.train import main as train_main
from gan_vanilla.model import PARAM_NAMES

from .conftest import ROOT

REPORT = re.compile(r"^Iter-(\d+); D_loss: (\S+); G_loss: (\S+)$")


def run_train(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train.py"), *map(str, args)],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )


def test_train_writes_grids_checkpoint_config_and_the_posts_lines(mnist_dir, tmp_path):
    out = tmp_path / "out"
    r = run_train("--data-dir", mnist_dir, "--out-dir", out, "--iterations", 25,
                  "--sample-every", 10, "--seed", 3)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert [REPORT.match(line).group(1) for line in lines] == ["0", "10", "20"]
    for line in lines:
        d, g = REPORT.match(line).group(2, 3)
        assert float(d) > 0 and float(g) > 0
    assert sorted(p.name for p in out.glob("0*.png")) == ["000.png", "001.png", "002.png"]
    assert (out / "000.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    ckpt = torch.load(out / "checkpoint.pt", weights_only=True)
    assert tuple(ckpt["params"]) == PARAM_NAMES
    assert ckpt["params"]["Whx"].shape == (128, 784)
    assert ckpt["iteration"] == 25
    assert ckpt["settings"]["seed"] == 3 and ckpt["settings"]["sample_every"] == 10
    assert len(ckpt["G_solver"]["state"]) == 4 and len(ckpt["D_solver"]["state"]) == 4

    config = json.loads((out / "config.json").read_text())
    assert config["seed"] == 3
    assert config["settings"]["iterations"] == 25 and config["settings"]["lr"] == 0.001
    assert config["versions"]["torch"] == torch.__version__
    assert config["versions"]["torchvision"] == torchvision.__version__


def test_same_seed_gives_identical_lines_grids_and_checkpoint(mnist_dir, tmp_path):
    # The same command twice, into the same folder: every byte must come out the same.
    out, runs = tmp_path / "out", []
    for _ in range(2):
        r = run_train("--data-dir", mnist_dir, "--out-dir", out, "--iterations", 12,
                      "--sample-every", 5, "--device", "cpu")
        assert r.returncode == 0, r.stderr
        names = ("000.png", "001.png", "002.png", "checkpoint.pt", "config.json")
        runs.append((r.stdout, {name: (out / name).read_bytes() for name in names}))
        shutil.rmtree(out)
    assert runs[0][0] and runs[0] == runs[1]


def test_help_shows_the_posts_defaults():
    r = run_train("--help")
    assert r.returncode == 0
    text = " ".join(r.stdout.split())
    for flag, default in (("--iterations", "100000"), ("--mb-size", "64"), ("--z-dim", "100"),
                          ("--h-dim", "128"), ("--lr", "0.001"), ("--sample-every", "1000"),
                          ("--seed", "0"), ("--data-dir", "data"), ("--out-dir", "out"),
                          ("--device", "auto")):
        assert flag in text and f"(default: {default})" in text, flag


@pytest.mark.parametrize("args", [
    ["--iterations", "0"], ["--mb-size", "-1"], ["--z-dim", "0"], ["--h-dim", "x"],
    ["--lr", "0"], ["--lr", "nan"], ["--lr", "inf"], ["--sample-every", "0"], ["--seed", "-1"],
    ["--device", "tpu"], ["--no-such-flag"],
])
def test_invalid_values_exit_2_with_usage(args, capsys):
    with pytest.raises(SystemExit) as e:
        train_main(args)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: gan-vanilla-train") and "error:" in err


def test_missing_mnist_is_one_clear_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(torchvision.datasets.MNIST, "mirrors", ["http://127.0.0.1:9/"])
    code = train_main(["--data-dir", str(tmp_path / "nodata"), "--out-dir", str(tmp_path / "o")])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("gan-vanilla-train: error: MNIST is not in")
    assert "train-images-idx3-ubyte" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()  # nothing written for a run that cannot start
