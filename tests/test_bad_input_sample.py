"""`sample`'s bad input: one clear line, exit 1 or 2, no traceback, nothing written."""

import pytest
from PIL import Image

from gan_vanilla.cli.sample_command import main as sample_main

from .conftest import one_clear_line


def test_sample_writes_the_format_its_suffix_names(finished_run, tmp_path, capsys):
    ckpt = str(finished_run / "checkpoint.pt")
    assert sample_main(["--checkpoint", ckpt, "--out", str(tmp_path / "s.jpg")]) == 0
    assert Image.open(tmp_path / "s.jpg").format == "JPEG"
    assert sample_main(["--checkpoint", ckpt, "--out", str(tmp_path / "s.xyz")]) == 1
    assert "matplotlib writes no .xyz files" in one_clear_line(capsys, "gan-vanilla-sample")
    assert not (tmp_path / "s.xyz").exists()


def test_a_missing_checkpoint(tmp_path, capsys):
    assert sample_main(["--checkpoint", str(tmp_path / "none.pt")]) == 1
    assert "does not exist" in one_clear_line(capsys, "gan-vanilla-sample")


@pytest.mark.parametrize("inside, says", [
    (None, "is a folder, and holds no checkpoint.pt"),
    ("checkpoint.pt", "is a folder; name the checkpoint file in it, {folder}/checkpoint.pt"),
], ids=["empty", "a-run"])
def test_a_folder_given_as_checkpoint(tmp_path, capsys, inside, says):
    folder = tmp_path / "run"
    folder.mkdir()
    if inside:
        (folder / inside).write_bytes(b"")
    assert sample_main(["--checkpoint", str(folder)]) == 1
    err = one_clear_line(capsys, "gan-vanilla-sample")
    assert f"checkpoint {folder} {says.format(folder=folder)}" in err


def test_sample_refuses_bad_counts(capsys):
    for n in ("0", "401", "many"):
        with pytest.raises(SystemExit) as e:
            sample_main(["--checkpoint", "x.pt", "--n", n])
        assert e.value.code == 2
    assert "argument --n" in capsys.readouterr().err
