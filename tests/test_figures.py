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
