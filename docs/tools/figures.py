"""The figures of docs/study/ drawn from its committed files: metrics.png and curves.png as a
study draws them (gan_vanilla/study/report.py), wide.png (wide.py); and the check that the
committed ones are those, each drawn again and compared with matplotlib's own compare_images.

The tolerance is 0, pixel for pixel: the same matplotlib draws the same data to the same
pixels, while a changed value that moves one point of metrics.png changes few of them (an RMS
of 1.6 grey levels of 255 in the test suite's small study), which a looser tolerance could let
through. Another matplotlib release lays the text out a pixel apart (RMS 46 to 59 between
3.10.3 and 3.11.2): the check then fails, naming both releases, until the figures are drawn
again with it. Nothing is skipped: not another release, nor a figure without its PNG fields.
"""

import os
import shutil
import tempfile

import matplotlib
from matplotlib.testing.compare import compare_images
from matplotlib.testing.exceptions import ImageComparisonFailure
from PIL import Image

from gan_vanilla.study.report import plot_curves, plot_metrics

from .wide import plot_wide

TOLERANCE = 0  # the RMS of the pixels' difference allowed, in grey levels of 255


def draw(study, into):
    """Draw every figure of the committed files into the folder `into`; their names."""
    rows, configs = study.rows, study.configurations
    plot_metrics(rows, configs, os.path.join(into, "metrics.png"), study.real)
    with_curves = [{**r, "curves": study.quality(r["configuration"], r["seed"])} for r in rows]
    plot_curves(with_curves, configs, os.path.join(into, "curves.png"), study.real)
    if study.wide:
        real = study.wide_real if os.path.exists(study.path("wide", "real.csv")) else None
        plot_wide(study.wide, real, os.path.join(into, "wide.png"), configs)
    return ["metrics.png", "curves.png", *(["wide.png"] if study.wide else [])]


def differ(study):
    """A sentence for each committed figure that is not the one its files give."""
    problems = []
    with tempfile.TemporaryDirectory() as drawn:
        for name in draw(study, drawn):
            committed = study.path(name)
            if not os.path.exists(committed):
                problems.append(f"{committed} is missing; draw it with python "
                                "scripts/reproduction.py")
                continue
            # compare_images writes a picture of the difference beside the figure it is
            # given: a copy, so that --check writes nothing into docs/.
            copy = shutil.copy(committed, os.path.join(drawn, f"committed-{name}"))
            try:
                with Image.open(copy) as image:  # cut short or not a PNG: PIL says which
                    image.load()
                    by = image.info.get("Software", "an unnamed program").split(",")[0]
            except (OSError, ValueError) as e:
                problems.append(f"{committed} is damaged or not an image ({e}); draw it again "
                                "with python scripts/reproduction.py")
                continue
            try:
                result = compare_images(os.path.join(drawn, name), copy, TOLERANCE,
                                        in_decorator=True)
                why = result and f"RMS {result['rms']:.2g} above {TOLERANCE}"
            except ImageComparisonFailure as e:  # of another size
                why = str(e).splitlines()[0]
            if why:
                problems.append(f"{committed} is not the figure its data give ({why}; drawn "
                                f"by {by}, this is matplotlib {matplotlib.__version__}): "
                                "draw it again with python scripts/reproduction.py")
    return problems
