"""Atomic writes (files/atomic.py): a write that fails leaves no `.part` file and the old file as
it was."""

import pytest
import torch

from gan_vanilla.cli.sample import main as sample_main

from .conftest import one_clear_line


def test_no_part_file_is_left_by_a_failed_write(finished_run, tmp_path, capsys):
    from gan_vanilla.grid import GridWriter
    from gan_vanilla.measure.evaluate import write_report_png
    from gan_vanilla.run.config import write_config
    from gan_vanilla.run.losslog import LossLog
    from gan_vanilla.run.plots import plot_losses, write_gif
    from gan_vanilla.settings import Settings

    target = tmp_path / "taken"  # a folder where each writer wants its file
    target.mkdir()
    (target / "inside").write_text("keep")
    writers = {
        "grid": lambda: GridWriter().save(torch.rand(16, 784), str(target)),
        "losses.png": lambda: plot_losses(finished_run / "losses.csv", str(target)),
        "progress.gif": lambda: write_gif([str(finished_run / "000.png")], str(target)),
        "config.json": lambda: write_config(Settings(), torch.device("cpu"), str(target)),
        "losses.csv": lambda: LossLog([str(target)], torch.device("cpu")).start(0),
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
