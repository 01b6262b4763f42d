"""Atomic writes (io/atomic.py): a write that fails leaves no `.part` file and the old file as
it was, and a failure that is no write is not said to be one. The one table reader and writer
(io/csv_tables.py): values checked by their kind, a log's rows each of its own iteration."""

import pytest
import torch

from gan_vanilla.cli.sample_command import main as sample_main

from .conftest import one_clear_line


def test_no_part_file_is_left_by_a_failed_write(finished_run, tmp_path, capsys):
    from gan_vanilla.grid import GridWriter
    from gan_vanilla.measure.evaluation import write_report_png
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


def test_the_one_table_reader_checks_each_value_by_its_kind(tmp_path):
    from gan_vanilla.io.csv_tables import OPTIONAL, DamagedFile, read_table, write_table

    path = tmp_path / "t.csv"
    columns = ("name", "seed", "score", "seconds")
    kinds = {"name": str, "seed": int, "seconds": OPTIONAL}
    write_table(path, [(*columns, "extra"), ("post", 3, 4.5, "", "x"), ("wide", 0, 1.0, 7, "y")])
    rows = read_table(path, columns, "a table", "a row", kinds, exact=False)
    assert rows[0] == {"name": "post", "seed": "3", "score": "4.5", "seconds": "",
                       "extra": "x"}
    with pytest.raises(DamagedFile, match="is not a table \\(its first line is not"):
        read_table(path, columns, "a table", "a row", kinds)  # exact: the extra column
    with pytest.raises(DamagedFile, match="is not a table \\(it has no column missing\\)"):
        read_table(path, (*columns, "missing"), "a table", "a row", kinds, exact=False)
    for bad in (("post", "3.5", "1", "", "x"), ("post", "3", "", "", "x"),
                ("post", "3", "1", "soon", "x"), ("post", "3", "1")):
        write_table(path, [(*columns, "extra"), bad])
        with pytest.raises(DamagedFile, match="is damaged: line 2 .* is not a row"):
            read_table(path, columns, "a table", "a row", kinds, exact=False)


def test_a_log_never_holds_an_iteration_twice(tmp_path):
    """append_row is where every log's rows are added (losses.csv, quality.csv): a row of an
    iteration the log already holds is not written again."""
    from gan_vanilla.io.csv_tables import append_row, write_table

    path = tmp_path / "quality.csv"
    write_table(path, [("iteration", "x")])
    assert [append_row(path, row) for row in ((12, 0.5), (15, 0.25), (15, 0.25), (9, 1))] == [
        True, True, False, False]
    assert path.read_text() == "iteration,x\n12,0.5\n15,0.25\n"


def test_an_error_that_names_no_file_is_not_said_to_be_a_write(capsys):
    from gan_vanilla.cli.common import command

    @command("prog")
    def main():
        raise OSError("image file is truncated")  # PIL's, reading a figure: no write at all

    assert main() == 1
    assert capsys.readouterr().err == "prog: error: image file is truncated\n"
