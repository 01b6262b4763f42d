"""The train command's bad input: one clear line on stderr, a non-zero exit, no traceback,
nothing lost."""

import json
import re
import shlex
import shutil

import pytest
import torch
import torchvision
from PIL import Image

from gan_vanilla.cli.sample_command import main as sample_main
from gan_vanilla.cli.train_command import main as train_main
from gan_vanilla.run.checkpoint import load_checkpoint
from gan_vanilla.settings import Settings

from .conftest import one_clear_line, snapshot, write_mnist


@pytest.mark.parametrize("name, keep, says", [
    ("train-images-idx3-ubyte", 5000, "truncated or corrupt"),
    ("t10k-labels-idx1-ubyte", 100, "is truncated or corrupt: 100 bytes, its header promises 208"),
], ids=["images", "labels-by-how-much"])
def test_a_truncated_mnist_file_says_by_how_much(mnist_dir, tmp_path, capsys, name, keep, says):
    data = tmp_path / "data"
    shutil.copytree(mnist_dir, data)
    damaged = data / "MNIST" / "raw" / name
    damaged.write_bytes(damaged.read_bytes()[:keep])
    assert train_main(["--data-dir", str(data), "--out-dir", str(tmp_path / "o")]) == 1
    assert says in one_clear_line(capsys)
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


def test_resume_into_a_new_folder_runs_to_the_end(mnist_dir, tmp_path, capsys):
    old, new = tmp_path / "old", tmp_path / "new"
    assert train_main(["--data-dir", str(mnist_dir), "--out-dir", str(old), "--iterations", "4",
                       "--sample-every", "2", "--quiet"]) == 0  # grids 000 (it 0), 001 (it 2)
    before = snapshot(old)
    assert train_main(["--resume", str(old / "checkpoint.pt"), "--iterations", "7",
                       "--out-dir", str(new)]) == 0
    # The new folder holds what the resumed part wrote; progress.gif animates those grids.
    assert sorted(p.name for p in new.glob("*.png")) == ["002.png", "003.png", "losses.png"]
    assert Image.open(new / "progress.gif").n_frames == 2
    assert load_checkpoint(new / "checkpoint.pt")["iteration"] == 7
    assert json.loads((new / "config.json").read_text())["settings"]["out_dir"] == str(new)
    assert snapshot(old) == before


def test_resume_of_a_checkpoint_copied_alone_into_a_new_folder(finished_run, tmp_path):
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(finished_run / "checkpoint.pt", alone / "checkpoint.pt")
    assert train_main(["--resume", str(alone / "checkpoint.pt"), "--iterations", "5",
                       "--quiet"]) == 0
    assert load_checkpoint(alone / "checkpoint.pt")["iteration"] == 5
    assert (alone / "losses.png").exists() and not (alone / "progress.gif").exists()


def test_resume_with_another_log_every_is_refused_before_any_write(finished_run, capsys):
    before = snapshot(finished_run)
    assert train_main(["--resume", str(finished_run / "checkpoint.pt"), "--iterations", "6",
                       "--log-every", "7"]) == 1
    err = one_clear_line(capsys)
    assert "--log-every 7 does not match the checkpoint's log_every 100" in err
    assert "the loss log's windows cannot change on resume" in err
    assert snapshot(finished_run) == before


def test_out_of_memory_at_the_start_is_one_line(mnist_dir, tmp_path, monkeypatch, capsys):
    import gan_vanilla.train

    # A real allocation failure: far more than any machine has.
    monkeypatch.setattr(gan_vanilla.train, "init_params", lambda *a: torch.empty(10**14))
    assert train_main(["--data-dir", str(mnist_dir), "--out-dir", str(tmp_path / "o")]) == 1
    err = one_clear_line(capsys)
    assert "out of memory: could not allocate 400000000000000 bytes" in err
    assert "try a smaller --mb-size, --z-dim or --h-dim" in err


@pytest.mark.parametrize("damage", ["abc,1,2,3,4\n", "2,0.5\n", "\x00\x01\n"],
                         ids=["not-numbers", "short-row", "binary"])
def test_a_damaged_loss_log_is_named_and_the_run_kept(finished_run, capsys, damage):
    losses = finished_run / "losses.csv"
    losses.write_text("iteration,D_loss,G_loss,D_real,D_fake\n" + damage)
    before = snapshot(finished_run)
    assert train_main(["--resume", str(finished_run / "checkpoint.pt"), "--iterations", "6"]) == 1
    err = one_clear_line(capsys)
    assert str(losses) in err and ("is damaged: line 2" in err or "cannot be read" in err)
    assert snapshot(finished_run) == before


def test_a_foreign_loss_log_and_a_damaged_grid_are_named(finished_run, tmp_path):
    from gan_vanilla.io.csv_tables import DamagedFile
    from gan_vanilla.run.plots import plot_losses, write_gif

    foreign = tmp_path / "losses.csv"
    foreign.write_text("name,score\nada,3\n")
    with pytest.raises(DamagedFile, match="is not a gan-vanilla loss log"):
        plot_losses(foreign, tmp_path / "losses.png")
    (finished_run / "000.png").write_bytes(b"not a png")
    with pytest.raises(DamagedFile, match="000.png is damaged or not an image"):
        write_gif([str(finished_run / "000.png")], str(tmp_path / "p.gif"))


@pytest.mark.parametrize("extra, says", [
    ([], "holds this command's run, at iteration 3; continue it with --resume {ckpt} (or this "
         "command with --auto-resume), or start it again with --overwrite"),
    (["--lr", "0.01"], "holds the checkpoint of another run; continue it with --resume {ckpt}, "
                       "or replace it with --overwrite"),
], ids=["the-same-run", "another-run"])
def test_a_new_run_does_not_replace_an_earlier_one(finished_run, mnist_dir, capsys, extra,
                                                   says):
    before = snapshot(finished_run)
    args = ["--data-dir", str(mnist_dir), "--out-dir", str(finished_run), "--iterations", "2",
            "--quiet", *extra]
    assert train_main(args) == 1
    ckpt = finished_run / "checkpoint.pt"
    assert f"{ckpt} {says.format(ckpt=ckpt)}" in one_clear_line(capsys)
    assert snapshot(finished_run) == before
    assert train_main([*args, "--overwrite"]) == 0
    assert load_checkpoint(ckpt)["iteration"] == 2


def test_a_resume_into_a_folder_of_another_run_is_refused(finished_run, mnist_dir, tmp_path,
                                                          capsys):
    other = tmp_path / "other"
    assert train_main(["--data-dir", str(mnist_dir), "--out-dir", str(other), "--iterations",
                       "2", "--quiet"]) == 0
    before = snapshot(other)
    assert train_main(["--resume", str(finished_run / "checkpoint.pt"), "--iterations", "5",
                       "--out-dir", str(other)]) == 1
    assert "holds the checkpoint of another run" in one_clear_line(capsys)
    assert snapshot(other) == before


def test_a_folder_in_place_of_an_mnist_file(mnist_dir, tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(mnist_dir, data)
    labels = data / "MNIST" / "raw" / "t10k-labels-idx1-ubyte"
    labels.unlink()
    labels.mkdir()
    assert train_main(["--data-dir", str(data), "--out-dir", str(tmp_path / "o")]) == 1
    err = one_clear_line(capsys)
    assert f"{labels} is a folder; it should be the MNIST file t10k-labels-idx1-ubyte" in err
    assert "download" not in err


def test_two_of_four_mnist_files_say_which_are_missing(mnist_dir, tmp_path, monkeypatch,
                                                       capsys):
    monkeypatch.setattr(torchvision.datasets.MNIST, "mirrors", ["http://127.0.0.1:9/"])
    data = tmp_path / "data"
    shutil.copytree(mnist_dir, data)
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (data / "MNIST" / "raw" / name).unlink()
    assert train_main(["--data-dir", str(data), "--out-dir", str(tmp_path / "o")]) == 1
    err = one_clear_line(capsys)
    assert "lacks 2 of its four files and could not be downloaded" in err
    listed = [line.strip() for line in err.splitlines()[1:]]
    assert listed[1:] == ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_a_cuda_checkpoint_on_a_machine_without_cuda(finished_run, tmp_path, capsys):
    state = torch.load(finished_run / "checkpoint.pt", weights_only=True)
    state["settings"]["device"] = "cuda"  # as a run on a GPU saves it
    ckpt = tmp_path / "cuda" / "checkpoint.pt"
    ckpt.parent.mkdir()
    torch.save(state, ckpt)
    assert train_main(["--resume", str(ckpt), "--iterations", "5", "--quiet"]) == 1
    err = one_clear_line(capsys)
    assert (f"the checkpoint {ckpt} was saved by a run on --device cuda, and this machine has "
            f"no usable CUDA GPU; add --device cpu to continue on the CPU") in err
    assert train_main(["--resume", str(ckpt), "--iterations", "5", "--device", "cpu",
                       "--quiet"]) == 0


def test_divergence_on_the_cuda_path_gives_the_cpus_line(finished_run, monkeypatch, capsys):
    # On CUDA, D's NaN output is kept out of binary_cross_entropy (whose device-side assert
    # would end the process) and the loss log names the iteration. The same path, on the CPU:
    from gan_vanilla.run import device

    monkeypatch.setattr(device, "_cpu", lambda *gan, cuda_graph: device._cuda(
        *gan, cuda_graph=False))
    ckpt = finished_run / "checkpoint.pt"
    before = snapshot(finished_run)
    assert train_main(["--resume", str(ckpt), "--iterations", "200", "--lr", "1e38",
                       "--checkpoint-every", "1", "--quiet"]) == 1
    err = one_clear_line(capsys)
    assert (f"D's output became NaN or infinite at iteration 3; the run is stopped and the "
            f"last good checkpoint stays in {ckpt}") in err
    assert snapshot(finished_run) == before


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_divergence_on_cuda_gives_the_cpus_line(mnist_dir, tmp_path, capsys):
    out = tmp_path / "gpu"
    assert train_main(["--data-dir", str(mnist_dir), "--out-dir", str(out), "--iterations", "3",
                       "--device", "cuda", "--quiet"]) == 0
    ckpt = out / "checkpoint.pt"
    before = snapshot(out)
    assert train_main(["--resume", str(ckpt), "--iterations", "200", "--lr", "1e38",
                       "--checkpoint-every", "1", "--quiet"]) == 1
    err = one_clear_line(capsys)
    assert "D's output became NaN or infinite at iteration 3; the run is stopped" in err
    assert snapshot(out) == before


def test_a_second_signal_just_after_the_checkpoint_announces_it(mnist_dir, tmp_path,
                                                                monkeypatch, capsys):
    import gan_vanilla.run.session

    real_save = gan_vanilla.run.session.save_checkpoint

    def save_then_second_signal(state, path):
        real_save(state, path)
        raise KeyboardInterrupt  # the second Ctrl-C, just after the rename

    monkeypatch.setattr(gan_vanilla.run.session, "save_checkpoint", save_then_second_signal)
    out = tmp_path / "o"
    assert train_main(["--data-dir", str(mnist_dir), "--out-dir", str(out), "--iterations", "9",
                       "--checkpoint-every", "4", "--quiet"]) == 130
    err = capsys.readouterr().err
    ckpt = out / "checkpoint.pt"
    assert err.startswith(f"gan-vanilla-train: stopped at once, just after writing the "
                          f"checkpoint of iteration 4 to {ckpt}\nResume with: ")
    assert f"--resume {ckpt} --iterations 9" in err and "Traceback" not in err
    assert load_checkpoint(ckpt)["iteration"] == 4


def test_resume_from_another_folder_says_where_the_data_dir_came_from(
    mnist_dir, tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(torchvision.datasets.MNIST, "mirrors", ["http://127.0.0.1:9/"])
    shutil.copytree(mnist_dir, tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    assert train_main(["--data-dir", "data", "--out-dir", "run", "--iterations", "2",
                       "--quiet"]) == 0
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    capsys.readouterr()
    args = ["--resume", "../run/checkpoint.pt", "--iterations", "4", "--quiet"]
    assert train_main(args) == 1
    err = one_clear_line(capsys)
    assert err.startswith("gan-vanilla-train: error: --data-dir data comes from the "
                          "checkpoint ../run/checkpoint.pt (relative to the folder that run "
                          "started in; give --data-dir to read MNIST elsewhere): MNIST is not")
    assert list((tmp_path / "elsewhere").iterdir()) == []  # no empty data/MNIST/raw left
    assert train_main([*args, "--data-dir", "../data"]) == 0


def test_a_resume_that_diverges_leaves_config_json_as_it_was(finished_run, capsys):
    config = (finished_run / "config.json").read_bytes()
    assert train_main(["--resume", str(finished_run / "checkpoint.pt"), "--iterations", "200",
                       "--lr", "1e38", "--quiet"]) == 1
    assert "became NaN or infinite" in one_clear_line(capsys)
    assert (finished_run / "config.json").read_bytes() == config


def test_a_resumed_run_writes_its_config_with_its_first_checkpoint(finished_run, capsys):
    assert train_main(["--resume", str(finished_run / "checkpoint.pt"), "--iterations", "5",
                       "--lr", "0.002", "--quiet"]) == 0
    assert json.loads((finished_run / "config.json").read_text())["settings"]["lr"] == 0.002


def test_a_wrong_magic_number_is_named(mnist_dir, tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(mnist_dir, data)
    images = data / "MNIST" / "raw" / "train-images-idx3-ubyte"
    images.write_bytes(b"\x00\x00\x08\x01" + images.read_bytes()[4:])
    assert train_main(["--data-dir", str(data), "--out-dir", str(tmp_path / "o")]) == 1
    err = one_clear_line(capsys)
    assert ("train-images-idx3-ubyte in" in err and "is truncated or corrupt: it starts with "
            "0x00000801, not the magic number 0x00000803" in err)
    assert "AssertionError" not in err


def test_a_truncated_checkpoint_gets_a_short_line(finished_run, capsys):
    ckpt = finished_run / "checkpoint.pt"
    ckpt.write_bytes(ckpt.read_bytes()[:3000])
    assert sample_main(["--checkpoint", str(ckpt)]) == 1
    err = one_clear_line(capsys, "gan-vanilla-sample")
    assert err == (f"gan-vanilla-sample: error: checkpoint {ckpt} is truncated or not a "
                   f"gan-vanilla checkpoint (3000 bytes; RuntimeError: PytorchStreamReader "
                   f"failed reading zip archive: failed finding central directory)\n")


def test_missing_mnist_is_one_clear_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(torchvision.datasets.MNIST, "mirrors", ["http://127.0.0.1:9/"])
    code = train_main(["--data-dir", str(tmp_path / "nodata"), "--out-dir", str(tmp_path / "o")])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("gan-vanilla-train: error: MNIST is not in")
    assert "train-images-idx3-ubyte" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()  # nothing written for a run that cannot start


# --seeds (an ensemble): one clear line, and the folders as they were.


def _ensemble(mnist_dir, out, *extra):
    return train_main(["--data-dir", str(mnist_dir), "--out-dir", str(out), "--quiet",
                       "--quality-every", "0", *extra])


def test_seed_and_seeds_together(mnist_dir, tmp_path, capsys):
    assert _ensemble(mnist_dir, tmp_path / "o", "--seed", "3", "--seeds", "0-2") == 1
    assert "--seed and --seeds cannot go together" in one_clear_line(capsys)
    assert not (tmp_path / "o").exists()


@pytest.fixture(scope="module")
def two_members(mnist_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("ensemble") / "ens"
    assert _ensemble(mnist_dir, out, "--iterations", "3", "--seeds", "1,2") == 0
    return out


@pytest.fixture
def ensemble_copy(two_members, tmp_path):
    out = tmp_path / "ens"
    shutil.copytree(two_members, out)
    return out


def _snapshot_all(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.mark.parametrize("args, words", [
    (["--seeds", "1-3"], "--seeds 1-3 does not match the ensemble"),
    (["--seed", "1"], "--seed cannot change on resume"),
], ids=["other-seeds", "a-seed"])
def test_resuming_an_ensemble_with_other_seeds(ensemble_copy, capsys, args, words):
    before = _snapshot_all(ensemble_copy)
    assert train_main(["--resume", str(ensemble_copy), "--iterations", "5", *args]) == 1
    assert words in one_clear_line(capsys)
    assert _snapshot_all(ensemble_copy) == before


def test_resuming_an_ensemble_whose_members_went_apart(ensemble_copy, capsys):
    assert train_main(["--resume", str(ensemble_copy / "seed-2" / "checkpoint.pt"),
                       "--iterations", "4", "--quiet"]) == 0
    capsys.readouterr()
    before = _snapshot_all(ensemble_copy)
    assert train_main(["--resume", str(ensemble_copy), "--iterations", "6"]) == 1
    err = one_clear_line(capsys)
    assert "stand at different iterations (seed 1 at 3, seed 2 at 4)" in err
    assert _snapshot_all(ensemble_copy) == before


def test_seeds_into_a_folder_of_another_ensemble(ensemble_copy, mnist_dir, capsys):
    before = _snapshot_all(ensemble_copy)
    assert _ensemble(mnist_dir, ensemble_copy, "--iterations", "3", "--seeds", "5,6") == 1
    assert "holds the ensemble of seeds 1-2" in one_clear_line(capsys)
    assert _snapshot_all(ensemble_copy) == before


def test_seeds_with_a_single_runs_checkpoint(finished_run, capsys):
    before = snapshot(finished_run)
    assert train_main(["--resume", str(finished_run / "checkpoint.pt"), "--seeds", "0-1",
                       "--iterations", "9"]) == 1
    assert "leave --seeds out" in one_clear_line(capsys)
    assert snapshot(finished_run) == before


def test_a_damaged_ensemble_file(ensemble_copy, capsys):
    (ensemble_copy / "ensemble.json").write_text("{not json")
    assert train_main(["--resume", str(ensemble_copy), "--iterations", "5"]) == 1
    assert "ensemble.json is damaged" in one_clear_line(capsys)


# Issue 26: what a hard try of ensembles found.


def _members(out, seeds):
    return {s: load_checkpoint(out / f"seed-{s}" / "checkpoint.pt") for s in seeds}


@pytest.mark.parametrize("content, says", [
    ('{"seeds": [1, 1]}', "it names seed 1 twice"),
    ('{"seeds": [true, 2]}', "it names true, which is not a seed"),
    ('{"seeds": [-1, 2]}', "it names -1, which is not a seed"),
    ('{"seeds": []}', "it names no seeds"),
    ('{"seeds": "1-2"}', "it names no seeds"),
    ("[1, 2]", 'it holds [1, 2], not an object with the key "seeds"'),
    ('{"seeds": [1, 2], "lr": 0.1}', 'it holds the key "lr", which an ensemble\'s does not'),
    ("{not json", "it cannot be read as JSON (Expecting property name"),
], ids=["twice", "true", "negative", "empty", "text", "a-bare-list", "another-key", "not-json"])
def test_ensemble_json_is_checked_as_seeds_are(ensemble_copy, capsys, content, says):
    (ensemble_copy / "ensemble.json").write_text(content)
    before = _snapshot_all(ensemble_copy)
    assert train_main(["--resume", str(ensemble_copy), "--iterations", "5"]) == 1
    err = one_clear_line(capsys)
    assert f"{ensemble_copy / 'ensemble.json'} is damaged or not a gan-vanilla ensemble's: " \
           f"{says}" in err
    assert err.endswith('; repair it (an ensemble\'s is {"seeds": [...]}, its members\' seeds) '
                        'or move it away\n')
    assert _snapshot_all(ensemble_copy) == before


def test_seeds_name_members_in_any_order(ensemble_copy, capsys):
    """ensemble.json may hold seeds in any order, as --seeds may; a resume that names the
    same seeds in another order is the same ensemble."""
    (ensemble_copy / "ensemble.json").write_text('{"seeds": [2, 1]}')
    assert train_main(["--resume", str(ensemble_copy), "--seeds", "1,2", "--iterations", "4",
                       "--quiet"]) == 0
    assert {s["iteration"] for s in _members(ensemble_copy, (1, 2)).values()} == {4}


def test_a_member_resumed_alone_with_another_flag_goes_on_when_it_is_typed(ensemble_copy,
                                                                           capsys):
    ens = str(ensemble_copy)
    assert train_main(["--resume", f"{ens}/seed-1/checkpoint.pt", "--iterations", "4",
                       "--sample-every", "2", "--quiet"]) == 0
    assert train_main(["--resume", f"{ens}/seed-2/checkpoint.pt", "--iterations", "4",
                       "--quiet"]) == 0
    capsys.readouterr()
    before = _snapshot_all(ensemble_copy)
    assert train_main(["--resume", ens, "--iterations", "6", "--quiet"]) == 1
    err = one_clear_line(capsys)
    assert "trained with different settings (sample_every; sample_every: 2 for seed 1, " \
           "1000 for seed 2)" in err
    assert "type the value they all go on with, e.g. --sample-every 2" in err
    assert _snapshot_all(ensemble_copy) == before
    # The way forward the line names: every member's files are kept, and it goes on as one.
    assert train_main(["--resume", ens, "--iterations", "6", "--sample-every", "2",
                       "--quiet"]) == 0
    members = _members(ensemble_copy, (1, 2))
    assert {s["iteration"] for s in members.values()} == {6}
    assert {s["settings"]["sample_every"] for s in members.values()} == {2}


def test_the_same_seeds_command_again_names_the_ensembles_resume(ensemble_copy, mnist_dir,
                                                                 capsys):
    before = _snapshot_all(ensemble_copy)
    command = ["--iterations", "3", "--seeds", "1,2"]
    assert _ensemble(mnist_dir, ensemble_copy, *command) == 1
    err = one_clear_line(capsys)
    assert (f"{ensemble_copy} holds this command's ensemble (seeds 1-2), at iteration 3; "
            f"continue it with --resume {ensemble_copy} (or this command with --auto-resume)"
            ) in err
    assert "seed-1" not in err
    assert _snapshot_all(ensemble_copy) == before


def test_auto_resume_does_nothing_to_a_finished_run_and_continues_a_stopped_one(
        ensemble_copy, mnist_dir, tmp_path, capsys):
    before = _snapshot_all(ensemble_copy)
    assert _ensemble(mnist_dir, ensemble_copy, "--iterations", "3", "--seeds", "1,2",
                     "--auto-resume") == 0
    assert "finished at iteration 3; nothing to train" in capsys.readouterr().err
    assert _snapshot_all(ensemble_copy) == before
    # A larger total continues it, as the run that never stopped.
    assert _ensemble(mnist_dir, ensemble_copy, "--iterations", "5", "--seeds", "1,2",
                     "--auto-resume") == 0
    whole = tmp_path / "whole"
    assert _ensemble(mnist_dir, whole, "--iterations", "5", "--seeds", "1,2",
                     "--auto-resume") == 0
    for s in (1, 2):
        a, b = (load_checkpoint(f / f"seed-{s}" / "checkpoint.pt") for f in (ensemble_copy,
                                                                             whole))
        assert a["iteration"] == b["iteration"] == 5
        assert all(torch.equal(a["params"][k], b["params"][k]) for k in a["params"])
    # Another run's folder is never taken over.
    before = _snapshot_all(ensemble_copy)
    assert _ensemble(mnist_dir, ensemble_copy, "--iterations", "7", "--seeds", "1,2",
                     "--lr", "0.01", "--auto-resume") == 1
    assert "holds a run with other settings (lr)" in one_clear_line(capsys)
    assert _snapshot_all(ensemble_copy) == before


def test_a_refused_ensemble_writes_nothing(mnist_dir, tmp_path, capsys):
    out = tmp_path / "ens"
    out.mkdir()
    (out / "seed-1").write_text("a file where a member's folder would go")
    before = _snapshot_all(out)
    assert _ensemble(mnist_dir, out, "--iterations", "2", "--seeds", "0-1") == 1
    assert f"cannot train seed 1 in {out / 'seed-1'}: it is a file" in one_clear_line(capsys)
    assert _snapshot_all(out) == before
    assert sorted(p.name for p in out.iterdir()) == ["seed-1"]


def test_a_run_and_an_ensemble_never_share_a_folder(ensemble_copy, finished_run, mnist_dir,
                                                    capsys):
    for out, extra, says in ((ensemble_copy, ["--seed", "1"], "holds an ensemble (seeds 1-2); "
                              "a single run needs a folder of its own"),
                             (finished_run, ["--seeds", "0-1"], "holds a single run")):
        before = _snapshot_all(out)
        assert _ensemble(mnist_dir, out, "--iterations", "2", *extra, "--overwrite") == 1
        assert says in one_clear_line(capsys)
        assert _snapshot_all(out) == before


def test_resuming_best_pt_as_an_ensemble_names_the_checkpoint(ensemble_copy, capsys):
    from gan_vanilla.run.best import BestGenerator

    out = ensemble_copy
    state = load_checkpoint(out / "seed-1" / "checkpoint.pt")
    keeper = BestGenerator(str(out / "seed-1"), Settings(**state["settings"]),
                           torch.zeros(16, 100))
    keeper.consider(2, {"frechet_distance_validation": 1.0, "frechet_distance": 1.0,
                        "classes_covered": 1, "classifier_score": 1.0}, state["params"])
    best = out / "seed-1" / "best.pt"  # as a run with the quality monitor keeps it
    assert train_main(["--resume", str(best), "--seeds", "1,2", "--iterations", "5"]) == 1
    err = one_clear_line(capsys)
    assert "leave --seeds out" not in err
    assert f"holds the best generator alone, not a run to continue; resume from " \
           f"{out / 'seed-1' / 'checkpoint.pt'}" in err
    member = out / "seed-1" / "checkpoint.pt"
    assert train_main(["--resume", str(member), "--seeds", "1,2", "--iterations", "5"]) == 1
    assert f"is one member of the ensemble in {out}; resume the ensemble with --resume " \
           f"{out}" in one_clear_line(capsys)


def test_an_ensembles_folder_given_to_sample_names_a_member(ensemble_copy, tmp_path, capsys):
    assert sample_main(["--checkpoint", str(ensemble_copy), "--out",
                        str(tmp_path / "s.png")]) == 1
    err = one_clear_line(capsys, "gan-vanilla-sample")
    assert f"is the folder of an ensemble; name one member's checkpoint, e.g. " \
           f"{ensemble_copy / 'seed-1' / 'checkpoint.pt'}" in err
    assert not (tmp_path / "s.png").exists()


@pytest.mark.parametrize("text, says", [
    ("9223372036854775808", "'9223372036854775808' in '9223372036854775808' is not a seed: "
                            "each is 0 to 2^63-1"),
    ("3-1", "'3-1' in '3-1' is not a range of seeds from low to high"),
], ids=["one-seed", "a-range"])
def test_a_seed_out_of_bounds_is_named_as_one(text, says, capsys):
    with pytest.raises(SystemExit) as e:
        train_main(["--seeds", text])
    assert e.value.code == 2 and says in capsys.readouterr().err


# Issue 34: nothing a user owns is overwritten or mislabelled.


def test_a_checkpoint_whose_bytes_changed_is_refused_on_every_load(finished_run, tmp_path,
                                                                   capsys):
    ckpt = finished_run / "checkpoint.pt"
    data = bytearray(ckpt.read_bytes())
    data[10000:12000] = bytes(2000)  # inside Wzh's numbers; the archive itself stays whole
    ckpt.write_bytes(bytes(data))
    torch.load(ckpt, weights_only=True)  # which torch reads without a word
    says = (f"checkpoint {ckpt} is damaged: its tensors are not the ones it was saved with "
            f"(their digest differs: bytes changed on disk or in a copy); restore it from a "
            f"copy, or move it away\n")
    assert sample_main(["--checkpoint", str(ckpt), "--out", str(tmp_path / "s.png")]) == 1
    assert one_clear_line(capsys, "gan-vanilla-sample").endswith(says)
    assert not (tmp_path / "s.png").exists()
    before = snapshot(finished_run)
    assert train_main(["--resume", str(ckpt), "--iterations", "5", "--quiet"]) == 1
    assert one_clear_line(capsys).endswith(says)
    assert snapshot(finished_run) == before


def test_best_pt_carries_the_digest_and_a_checkpoint_without_one_still_loads(finished_run,
                                                                             tmp_path, capsys):
    from gan_vanilla.run.best import BestGenerator

    state = load_checkpoint(finished_run / "checkpoint.pt")
    BestGenerator(str(tmp_path), Settings(**state["settings"]), torch.zeros(16, 100)).consider(
        2, {"frechet_distance_validation": 1.0, "frechet_distance": 1.0, "classes_covered": 1,
            "classifier_score": 1.0}, state["params"])
    best = tmp_path / "best.pt"
    assert load_checkpoint(best, generator_only=True)["digest"]
    data = bytearray(best.read_bytes())
    data[10000:12000] = bytes(2000)
    best.write_bytes(bytes(data))
    assert sample_main(["--checkpoint", str(best), "--out", str(tmp_path / "s.png")]) == 1
    assert "is damaged: its tensors are not the ones it was saved with" in one_clear_line(
        capsys, "gan-vanilla-sample")
    # A checkpoint written before checkpoints carried a digest loads, and goes on.
    old = tmp_path / "old" / "checkpoint.pt"
    old.parent.mkdir()
    torch.save({k: v for k, v in state.items() if k != "digest"}, old)
    assert train_main(["--resume", str(old), "--iterations", "4", "--quiet"]) == 0
    assert load_checkpoint(old)["iteration"] == 4


def test_members_at_different_iterations_go_on_as_the_refusals_say(ensemble_copy, capsys):
    ens = str(ensemble_copy)
    # Seed 1 goes on alone with another --sample-every: grids at 4 and 6 besides 0's.
    assert train_main(["--resume", f"{ens}/seed-1/checkpoint.pt", "--iterations", "7",
                       "--sample-every", "2", "--quiet"]) == 0
    capsys.readouterr()
    before = _snapshot_all(ensemble_copy)
    assert train_main(["--resume", ens, "--iterations", "9", "--quiet"]) == 1
    err = one_clear_line(capsys)
    assert err.endswith(f"the members of {ens} (1-2) stand at different iterations (seed 1 at 7, "
                        f"seed 2 at 3), so they cannot go on as one ensemble; bring each one "
                        f"behind to iteration 7 alone first: --resume {ens}/seed-2/checkpoint.pt "
                        f"--iterations 7\n")
    assert _snapshot_all(ensemble_copy) == before
    # Each way out, typed as the line gives it.
    assert train_main(shlex.split(err.rsplit("first: ", 1)[1])) == 0
    assert train_main(["--resume", ens, "--iterations", "9", "--quiet"]) == 1
    err = one_clear_line(capsys)
    assert "were trained with different settings (sample_every; sample_every: 2 for seed 1, " \
           "1000 for seed 2)" in err
    typed = re.search(r"type the value they all go on with, e\.g\. (.*), and every member", err)
    assert train_main(["--resume", ens, "--iterations", "9", *shlex.split(typed[1])]) == 0
    # Each member numbers its own grids: seed 1 wrote 4 (at 0, 4, 6 and 8), seed 2 two (0, 8).
    members = _members(ensemble_copy, (1, 2))
    assert [(s["iteration"], s["grid_counter"]) for s in members.values()] == [(9, 4), (9, 2)]
    for seed, grids in ((1, 4), (2, 2)):
        assert sorted(p.name for p in (ensemble_copy / f"seed-{seed}").glob("0*.png")) == [
            f"{c:03d}.png" for c in range(grids)]


@pytest.mark.parametrize("foreign", ["checkpoint", "config"])
def test_a_member_of_another_run_is_refused_by_name_and_the_way_out_works(
        ensemble_copy, mnist_dir, tmp_path, capsys, foreign):
    ens, member = ensemble_copy, ensemble_copy / "seed-1"
    before = _snapshot_all(ens)
    # The refusal that led here once offered --overwrite; now neither way takes the folder.
    args = ["--data-dir", str(mnist_dir), "--seed", "5", "--iterations", "3", "--quality-every",
            "0", "--quiet"]
    for extra in ([], ["--overwrite"]):
        assert train_main([*args, "--out-dir", str(member), *extra]) == 1
        assert one_clear_line(capsys).endswith(
            f"{member} holds seed 1 of the ensemble in {ens}; a new run, or another run's "
            f"resume, needs a folder of its own (--overwrite too): give another --out-dir (that "
            f"member goes on alone with --resume {member / 'checkpoint.pt'}, the ensemble with "
            f"--resume {ens})\n")
    assert _snapshot_all(ens) == before
    # What that --overwrite left: seed 5's run in seed 1's folder; or, stopped before its
    # first checkpoint, its config.json beside seed 1's checkpoint.
    assert train_main([*args, "--out-dir", str(tmp_path / "five")]) == 0
    if foreign == "checkpoint":
        shutil.rmtree(member)
        shutil.copytree(tmp_path / "five", member)
    else:
        shutil.copy(tmp_path / "five" / "config.json", member / "config.json")
    before = _snapshot_all(ens)
    assert train_main(["--resume", str(ens), "--iterations", "5", "--quiet"]) == 1
    err = one_clear_line(capsys)
    why = ("its checkpoint.pt is a run of seed 5" if foreign == "checkpoint" else
           "its config.json is of a run of seed 5")
    assert f"error: {member} holds another run than seed 1 of the ensemble in {ens} ({why}), " \
           f"so the ensemble cannot go on with it; move it out of {ens} (mv {member} " \
           f"{ens}.seed-1.old-1), then train seed 1 again to the other members' iteration: " \
           f"--seed 1 --out-dir {member} --iterations 3 " in err
    assert _snapshot_all(ens) == before
    # The way out, typed as the line gives it; then the ensemble goes on, each member its own.
    shutil.move(*shlex.split(re.search(r"\(mv (.*?)\)", err)[1]))
    assert train_main(shlex.split(err.split("iteration: ", 1)[1])) == 0
    assert train_main(["--resume", str(ens), "--iterations", "5", "--quiet"]) == 0
    members = _members(ens, (1, 2))
    assert [(s["iteration"], s["settings"]["seed"]) for s in members.values()] == [(5, 1),
                                                                                   (5, 2)]
    assert json.loads((member / "config.json").read_text())["seed"] == 1
