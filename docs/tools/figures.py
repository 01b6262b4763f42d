"""The figures of docs/study/ (metrics.png and curves.png as a study draws them, wide.png,
samples.png's layout), and the check that the committed ones are those, drawn again and
compared with matplotlib's compare_images. The tolerance is 0: a changed value that moves one
point of metrics.png changes few pixels (an RMS of 1.6 grey levels in the test suite's small
study); another matplotlib release, which lays text out a pixel apart, fails too, named.
"""

import math
import os
import shutil
import tempfile

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.testing.compare import compare_images
from matplotlib.testing.exceptions import ImageComparisonFailure
from matplotlib.ticker import FuncFormatter
from PIL import Image

from gan_vanilla.io.atomic import save_atomic
from gan_vanilla.study.report import colours, plot_curves, plot_metrics

from .dynamics import BCE_FLOOR, SAMPLES, SATURATED_WITHIN
from .study_files import BASELINE

TOLERANCE = 0  # the RMS of the pixels' difference allowed, in grey levels of 255
SAMPLES_SEED = 1  # the noise of samples.png (gan-vanilla-sample's default seed)
SAMPLES_PER_CONFIGURATION = 30  # drawn in samples.png


def draw(study, into):
    """Draw every figure of the committed files into the folder `into`; their names."""
    rows, configs = study.rows, study.configurations
    plot_metrics(rows, configs, os.path.join(into, "metrics.png"), study.real)
    with_curves = [{**r, "curves": study.quality(r["configuration"], r["seed"])} for r in rows]
    again = {c: (it, BASELINE) for c, it in study.repeats.items()}
    plot_curves(with_curves, configs, os.path.join(into, "curves.png"), study.real, again)
    if study.wide:
        plot_wide(study.wide, study.wide_real, os.path.join(into, "wide.png"), configs)
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
                result = compare_images(os.path.join(drawn, name), copy, TOLERANCE,
                                        in_decorator=True)
                why = result and f"RMS {result['rms']:.2g} above {TOLERANCE}"
            except ImageComparisonFailure as e:  # of another size
                why = str(e).splitlines()[0]
            except (OSError, ValueError) as e:  # cut short or not a PNG: PIL says which
                problems.append(f"{committed} is damaged or not an image ({e}); draw it again "
                                "with python scripts/reproduction.py")
                continue
            if why:
                with Image.open(copy) as image:  # the program that drew it, in its text fields
                    by = image.info.get("Software", "an unnamed program").split(",")[0]
                problems.append(f"{committed} is not the figure its data give ({why}; drawn "
                                f"by {by}, this is matplotlib {matplotlib.__version__}): "
                                "draw it again with python scripts/reproduction.py")
    return problems


PANELS = (("pixel_sd", "pixel sd across z (log)", True),
          ("saturated", f"share of pixels within {SATURATED_WITHIN:g} of 0 or 1", False),
          ("log10_D_fake_p50", "log10 D(G(z)) of the median sample", False),
          ("log10_D_fake_min", "log10 D(G(z)) of the lowest sample", False),
          ("clamped", "share of samples where the floor acts", False),
          ("clamp_effect", "clamp effect: |bce - exact| / |exact| (log)", True))
SEEDS = (("-", "o"), ("--", "s"), ("-.", "^"))  # a seed's line and marker: 0, 1, 2 (again)
FLOOR_STYLE = {"color": "k", "ls": ":", "lw": 1.2}  # D(G(z)) = BCE_FLOOR: no run is black
REAL_STYLE = {"color": "0.6", "ls": "-", "lw": 2.5, "alpha": 0.5}  # real images: grey band


def configuration(key):
    """The study's configuration a log is a run of ('h512 seed 1' -> 'h512'): the post's width,
    h128, is the post."""
    run = key.rsplit(" seed ", 1)[0]
    return BASELINE if run == "h128" else run


def plot_wide(logs, real, path, configurations):
    """wide.png: a panel per quantity (PANELS) of each log ({'h512 seed 0': columns}), in its
    configuration's colour in every figure (report.colours), a line style and marker per seed;
    real images (real, or None) grey, binary_cross_entropy's floor dotted. Returns the figure."""
    colour = colours(list(dict.fromkeys([*configurations, *map(configuration, logs)])))
    fig = Figure(figsize=(14, 7), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 3, sharex=True).flatten()
    for key, log in logs.items():
        line, marker = SEEDS[int(key.rsplit(" seed ", 1)[1]) % len(SEEDS)]
        # Iteration 0 (the initial weights) has no place on the log axis.
        trained = [k for k, it in enumerate(log["iteration"]) if it > 0]
        for ax, (column, _, _) in zip(axes, PANELS, strict=True):
            ax.plot([log["iteration"][k] for k in trained], [log[column][k] for k in trained],
                    line, marker=marker, ms=3.5, markevery=0.1, mfc="none",
                    color=colour[configuration(key)], lw=1, label=key if ax is axes[0] else None)
    for ax, (column, title, log_scale) in zip(axes, PANELS, strict=True):
        if real and column in real:
            ax.axhline(real[column], **REAL_STYLE, label="real images" if ax is axes[0] else None)
        if column.startswith("log10_D_fake"):
            ax.axhline(math.log10(BCE_FLOOR), **FLOOR_STYLE,
                       label=f"D(G(z)) = {BCE_FLOOR:g}, binary_cross_entropy's floor"
                       if ax is axes[2] else None)
        if log_scale:
            ax.set_yscale("log")
        ax.set_title(title, fontsize=9)
        # A log axis: the wide runs part from the post's within the first few hundred.
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    for ax in axes[3:]:
        ax.set_xlabel("iteration")
    # The runs and real images, labelled on the first panel, and the floor, on the third.
    fig.legend(loc="outside right center", fontsize=8, frameon=False)
    last = max(max(log["iteration"]) for log in logs.values())
    fig.suptitle(f"The first {last:,.0f} iterations (log axis), measured on {SAMPLES:,} fixed z "
                 "(scripts/wide_diagnostics.py)", fontsize=9)
    save_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=80))
    return fig


def samples_figure(panels):
    """A row of images per (label, images (n, 28, 28)) in two lines, the label left of it:
    the left margin is as wide as the widest label, so that no label is cut."""
    fig = Figure(figsize=(10, 1.25 * len(panels) + 0.4))
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
    for ax, (label, images) in zip(axes, panels, strict=True):
        per_row = math.ceil(len(images) / 2)
        canvas = np.ones((2 * 30 - 2, per_row * 30 - 2))
        for k, image in enumerate(images):
            y, x = (k // per_row) * 30, (k % per_row) * 30
            canvas[y:y + 28, x:x + 28] = image
        ax.imshow(canvas, cmap="Greys_r", vmin=0, vmax=1)
        ax.set(xticks=[], yticks=[])
        ax.text(-0.01, 0.5, label, transform=ax.transAxes, ha="right", va="center", fontsize=8)
    fig.suptitle(f"{SAMPLES_PER_CONFIGURATION} random samples of each configuration's last "
                 f"generator (noise seed {SAMPLES_SEED}), not chosen by class", fontsize=9)
    renderer = fig.canvas.get_renderer()
    widest = max(ax.texts[0].get_window_extent(renderer).width for ax in axes)  # pixels at fig.dpi
    fig.subplots_adjust(left=(widest + 0.15 * fig.dpi) / (fig.get_figwidth() * fig.dpi),
                        right=0.98, bottom=0.01, top=1 - 0.5 / fig.get_figheight(),
                        hspace=0.15)
    return fig
