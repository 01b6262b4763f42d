"""Every bad input: one clear line on stderr, a non-zero exit, no traceback, nothing lost."""

import shutil
import subprocess
import sys

import pytest
import torch
from PIL import Image

from gan_vanilla.cli import evaluate_main, sample_main, train_main

from .conftest import ROOT, write_mnist


def one_clear_line(capsys, prog="gan-vanilla-train"):
    err = capsys.readouterr().err
    assert err.startswith(f"{prog}: error: "), err
    assert "Traceback" not in err
    return err


@pytest.fixture
def finished_run(mnist_dir, tmp_path):
    out = tmp_path / "run"
    assert train_main(["--data-dir", str(mnist_dir), "--out-dir", str(out), "--iterations", "3",
                       "--quiet"]) == 0
    return out


def snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_truncated_mnist_file(mnist_dir, tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(mnist_dir, data)
    images = data / "MNIST" / "raw" / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:5000])
    assert train_main(["--data-dir", str(data), "--out-dir", str(tmp_path / "o")]) == 1
    assert "truncated or corrupt" in one_clear_line(capsys)
    assert not (tmp_path / "o").exists()


def test_corrupt_gzipped_mnist_file(tmp_path, capsys):
    raw = write_mnist(tmp_path / "data", compress=True)
    (raw / "t10k-images-idx3-ubyte.gz").write_bytes(b"not gzip")
    assert train_main(["--data-dir", str(tmp_path / "data"), "--out-dir", str(tmp_path / "o")]) == 1
    assert "not a gzip file" in one_clear_line(capsys)


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 torn zip", b"plain text"],
                         ids=["empty", "truncated-zip", "text"])
def test_resume_from_a_broken_checkpoint(finished_run, tmp_path, capsys, content):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(content)
    before = snapshot(finished_run)
    assert train_main(["--resume", str(bad), "--out-dir", str(finished_run)]) == 1
    assert "not a gan-vanilla checkpoint" in one_clear_line(capsys)
    assert snapshot(finished_run) == before


def test_resume_from_a_truncated_checkpoint(finished_run, capsys):
    ckpt = finished_run / "checkpoint.pt"
    ckpt.write_bytes(ckpt.read_bytes()[:3000])
    assert train_main(["--resume", str(ckpt), "--iterations", "6"]) == 1
    assert "truncated or not a gan-vanilla checkpoint" in one_clear_line(capsys)


def test_a_torch_file_that_is_not_ours(tmp_path, capsys):
    other = tmp_path / "model.pt"
    torch.save({"state_dict": {"w": torch.zeros(2)}}, other)
    assert train_main(["--resume", str(other)]) == 1
    assert "is not a gan-vanilla checkpoint" in one_clear_line(capsys)
    assert sample_main(["--checkpoint", str(other), "--out", str(tmp_path / "s.png")]) == 1
    assert "is not a gan-vanilla checkpoint" in one_clear_line(capsys, "gan-vanilla-sample")
    assert not (tmp_path / "s.png").exists()


def test_a_missing_checkpoint(tmp_path, capsys):
    assert sample_main(["--checkpoint", str(tmp_path / "none.pt")]) == 1
    assert "does not exist" in one_clear_line(capsys, "gan-vanilla-sample")


def test_out_dir_that_is_a_file(mnist_dir, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("keep me")
    for out in (blocker, blocker / "sub"):
        assert train_main(["--data-dir", str(mnist_dir), "--out-dir", str(out)]) == 1
        assert "cannot create or write to output folder" in one_clear_line(capsys)
    assert blocker.read_text() == "keep me"


def test_out_dir_that_cannot_be_written(mnist_dir, tmp_path, capsys):
    # /proc refuses new folders even to root, where permission bits would not.
    assert train_main(["--data-dir", str(mnist_dir), "--out-dir", "/proc/gan-vanilla-out"]) == 1
    assert "cannot create or write to output folder" in one_clear_line(capsys)


def test_mb_size_larger_than_the_training_split(mnist_dir, tmp_path, capsys):
    assert train_main(["--data-dir", str(mnist_dir), "--out-dir", str(tmp_path / "o"),
                       "--mb-size", "301"]) == 1
    assert "--mb-size 301 is larger than the 300 training images" in one_clear_line(capsys)
    assert not (tmp_path / "o").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda(mnist_dir, tmp_path, capsys):
    assert train_main(["--data-dir", str(mnist_dir), "--out-dir", str(tmp_path / "o"),
                       "--device", "cuda"]) == 1
    assert "no usable CUDA GPU" in one_clear_line(capsys)


@pytest.mark.parametrize("flag", ["--sample-every", "--checkpoint-every", "--log-every"])
@pytest.mark.parametrize("value", ["0", "-5", "ten"])
def test_non_positive_intervals(flag, value, capsys):
    with pytest.raises(SystemExit) as e:
        train_main([flag, value])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}" in err and "Traceback" not in err


def test_divergence_stops_and_keeps_the_last_good_checkpoint(finished_run, capsys):
    # Resumed with a learning rate of 1e38, one Adam step makes D's weights overflow, so
    # D's outputs turn NaN (inf - inf in the products).
    ckpt = finished_run / "checkpoint.pt"
    before = ckpt.read_bytes()
    code = train_main(["--resume", str(ckpt), "--iterations", "200", "--lr", "1e38",
                       "--checkpoint-every", "1", "--quiet"])
    assert code == 1
    err = one_clear_line(capsys)
    assert "became NaN or infinite at iteration 3;" in err
    assert f"the last good checkpoint stays in {ckpt}" in err
    assert ckpt.read_bytes() == before


def test_a_bad_flag_from_the_terminal_has_no_traceback():
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "train.py"), "--mb-size", "0"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "usage:" in r.stderr


# --- Issue 8: what a hard try of every command still broke -------------------------------


def test_no_part_file_is_left_by_a_failed_write(finished_run, tmp_path, capsys):
    from gan_vanilla.artifacts import plot_losses, write_gif
    from gan_vanilla.evaluate import write_report_png
    from gan_vanilla.grid import GridWriter
    from gan_vanilla.losslog import LossLog
    from gan_vanilla.settings import Settings
    from gan_vanilla.train import write_config

    target = tmp_path / "taken"  # a folder where each writer wants its file
    target.mkdir()
    (target / "inside").write_text("keep")
    writers = {
        "grid": lambda: GridWriter().save(torch.rand(16, 784), str(target)),
        "losses.png": lambda: plot_losses(finished_run / "losses.csv", str(target)),
        "progress.gif": lambda: write_gif([str(finished_run / "000.png")], str(target)),
        "config.json": lambda: write_config(Settings(), torch.device("cpu"), str(target)),
        "losses.csv": lambda: LossLog(str(target), torch.device("cpu")).start(0),
        "evaluation.png": lambda: write_report_png(torch.rand(20, 784), torch.rand(20, 10),
                                                   str(target)),
    }
    for name, write in writers.items():
        with pytest.raises(OSError):
            write()
        assert not (tmp_path / "taken.part").exists(), name
    assert (target / "inside").read_text() == "keep"
    # sample: an --out that is a folder is refused before anything is drawn.
    assert sample_main(["--checkpoint", str(finished_run / "checkpoint.pt"), "--out",
                        str(target)]) == 1
    assert f"cannot write {target}: it is a folder" in one_clear_line(capsys,
                                                                      "gan-vanilla-sample")
    assert not (tmp_path / "taken.part").exists()


def test_evaluate_checks_its_outputs_before_it_computes(finished_run, mnist_dir, tmp_path,
                                                        capsys):
    report = tmp_path / "missing" / "r.json"
    assert evaluate_main(["--checkpoint", str(finished_run / "checkpoint.pt"), "--data-dir",
                          str(mnist_dir), "--classifier-cache", str(tmp_path / "cache"),
                          "--json", str(report)]) == 1
    err = one_clear_line(capsys, "gan-vanilla-evaluate")
    assert f"cannot write {report}: folder {report.parent} does not exist" in err
    assert not (finished_run / "evaluation.png").exists()
    assert not (tmp_path / "cache").exists()  # no classifier was trained for nothing


def test_sample_writes_the_format_its_suffix_names(finished_run, tmp_path, capsys):
    ckpt = str(finished_run / "checkpoint.pt")
    assert sample_main(["--checkpoint", ckpt, "--out", str(tmp_path / "s.jpg")]) == 0
    assert Image.open(tmp_path / "s.jpg").format == "JPEG"
    assert sample_main(["--checkpoint", ckpt, "--out", str(tmp_path / "s.xyz")]) == 1
    assert "matplotlib writes no .xyz files" in one_clear_line(capsys, "gan-vanilla-sample")
    assert not (tmp_path / "s.xyz").exists()
