"""Every committed figure is guarded by `scripts/reproduction.py --check`: those drawn from the
committed files are drawn again and compared with matplotlib's compare_images, pixel for
pixel (docs/tools/figures.py); those drawn from the study's checkpoints, which are not
committed, by their digest in docs/study/files.sha256 (docs/tools/publish.py). A red square
painted on any of them fails the check, whether the PNG keeps its text fields (the matplotlib
release that drew it) or not."""

import pytest
from PIL import Image, PngImagePlugin

from tools.build import check

DRAWN = ("study/metrics.png", "study/curves.png", "study/wide.png")  # from committed files
FIGURES = (*DRAWN, "study/samples.png", "evaluation.png", "losses.png", "sample.png")


def paint_red_square(path, fields):
    """A 20-pixel red square at the figure's centre, saved with or without its text fields."""
    with Image.open(path) as image:
        info = dict(image.info)
        painted = image.convert("RGBA")
    x, y = painted.width // 2, painted.height // 2
    painted.paste((255, 0, 0, 255), (x - 10, y - 10, x + 10, y + 10))
    png = PngImagePlugin.PngInfo()
    for key, value in info.items():
        if fields and isinstance(value, str):
            png.add_text(key, value)
    painted.save(path, pnginfo=png)


@pytest.mark.parametrize("fields", [True, False], ids=["with-fields", "without-fields"])
def test_a_figure_painted_with_a_red_square_fails_the_check(committed_docs, fields):
    args, docs = committed_docs
    for figure in FIGURES:
        paint_red_square(docs / figure, fields)
        with Image.open(docs / figure) as image:
            assert ("Software" in image.info) == fields
    problems = check(args[1], args[3::2])  # what --check names, each in a sentence
    for figure in FIGURES:
        named = [p for p in problems if p.startswith(str(docs / figure))]
        assert len(named) == 1, (figure, problems)
        assert ("is not the figure its data give" in named[0] if figure in DRAWN else
                "is not the file whose digest is in" in named[0])
    assert len(problems) == len(FIGURES)  # nothing else changed


def test_a_configuration_has_one_colour_in_every_figure(tmp_path):
    """Red was h512 in curves.png and metrics.png but h512-lr-quarter in wide.png: every figure
    now takes its colours from one mapping of the study's configurations (report.colours), the
    post's width in wide.png (h128) the post's colour."""
    from matplotlib.colors import to_hex

    from gan_vanilla.study import report
    from tools.dynamics import COLUMNS
    from tools.figures import plot_wide

    configs = ["post", "beta1-half", "h512"]
    colour = {c: to_hex(v) for c, v in report.colours(configs).items()}
    curves = {"iteration": [10000, 20000], "classes_covered": [9, 8],
              "classifier_score": [5.0, 4.0], "frechet_distance": [400.0, 500.0]}
    rows = [{"configuration": c, "seed": seed, "curves": curves,
             **{m: 5.0 + seed for m in report.METRICS},
             **{f"best_{m}": None for m in report.METRICS}} for c in configs for seed in (0, 1)]
    ax = report.plot_metrics(rows, configs, tmp_path / "metrics.png").axes[0]
    points = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert [to_hex(line.get_color()) for line in points] == [colour[c] for c in configs]
    for ax in report.plot_curves(rows, configs, tmp_path / "curves.png").axes:
        for line in ax.get_lines():
            if line.get_label() in configs:
                assert to_hex(line.get_color()) == colour[line.get_label()]
    log = {c: [0.5, 0.5] for c in COLUMNS} | {"iteration": [100, 200]}
    fig = plot_wide({"h128 seed 0": log, "h512 seed 1": log}, None, tmp_path / "wide.png",
                    configs)
    drawn = {line.get_label(): to_hex(line.get_color()) for line in fig.axes[0].get_lines()}
    assert drawn == {"h128 seed 0": colour["post"], "h512 seed 1": colour["h512"]}
