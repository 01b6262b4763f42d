"""Samples from a checkpoint (the sample command, cli/sample_command.py): seeded grids, and
rows that walk between two points."""

from PIL import Image

from gan_vanilla.cli.sample_command import main as sample_main
from gan_vanilla.run.checkpoint import load_checkpoint


def test_interpolate_draws_exactly_n(finished_run, tmp_path):
    from gan_vanilla.cli.sample_command import draw

    samples = draw(load_checkpoint(finished_run / "checkpoint.pt"), 10, 1,
                   str(tmp_path / "i.png"), interpolate=True)
    assert samples.shape == (10, 784)


def test_sample_writes_a_grid_and_is_seeded(finished_run, tmp_path, capsys):
    ckpt = str(finished_run / "checkpoint.pt")
    a, b, c = (str(tmp_path / n) for n in ("a.png", "b.png", "c.png"))
    assert sample_main(["--checkpoint", ckpt, "--n", "10", "--seed", "1", "--out", a]) == 0
    assert sample_main(["--checkpoint", ckpt, "--n", "10", "--seed", "1", "--out", b]) == 0
    assert sample_main(["--checkpoint", ckpt, "--n", "10", "--seed", "2", "--out", c]) == 0
    assert open(a, "rb").read() == open(b, "rb").read() != open(c, "rb").read()
    assert f"wrote {a}" in capsys.readouterr().out
    assert Image.open(a).size[0] > Image.open(a).size[1]  # 10 samples: 3 rows of 4


def test_sample_interpolate_walks_between_two_points(finished_run, tmp_path):
    from gan_vanilla.cli.sample_command import draw
    from gan_vanilla.run.checkpoint import load_checkpoint

    samples = draw(load_checkpoint(finished_run / "checkpoint.pt"), 16, 1, str(tmp_path / "i.png"),
                   interpolate=True).reshape(4, 4, 784)
    # Along a row, each step is closer to its neighbour than the row's two ends are.
    ends = (samples[:, 0] - samples[:, -1]).norm(dim=1)
    steps = (samples[:, 1:] - samples[:, :-1]).norm(dim=2)
    assert (steps.max(dim=1).values < ends).all()
    assert (tmp_path / "i.png").exists()
