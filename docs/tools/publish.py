"""docs/study/: a finished study's data, the figures drawn from it, and the check that they agree.

`python scripts/reproduction.py --from-study out/study-knobs` copies into docs/study/ what
docs/REPRODUCTION.md's claims rest on: `results.csv` (with each evaluation's Parzen sigma),
`summary.csv` and `summary.md`, and for every run of `results.csv`

    runs/CONFIGURATION/seed-N/quality.csv              the quality monitor's rows, as written
    runs/CONFIGURATION/seed-N/losses-every-1000.csv    every tenth row of losses.csv
    runs/CONFIGURATION/seed-N/config.json              the run's settings and versions

(a loss row is the mean of the 100 iterations up to it, so these are the windows that end at
iterations 999, 1,999, ...); then, from the study's checkpoints, which are not committed,
random samples of each configuration's lowest seed (samples.png, and samples.csv in numbers),
and beside the page the baseline's seed-0 evaluation.png, losses.png and last grid.

Every figure drawn from committed files (metrics.png, curves.png, wide.png) is drawn again by
`--check` and compared with the committed one, pixel by pixel: a figure older than its data,
or changed by hand, is not the one its data give.
"""

import json
import math
import os
import shutil
import tempfile

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gan_vanilla.files.atomic import save_atomic, save_bytes, save_text
from gan_vanilla.files.tables import DamagedFile, read_table, write_table
from gan_vanilla.run.losslog import COLUMNS as LOSS_COLUMNS
from gan_vanilla.run.monitor import read_quality
from gan_vanilla.study.report import COLUMNS, plot_curves, plot_metrics, summary_files
from .wide import plot_wide

RUNS = "runs"
QUALITY = "quality.csv"
LOSSES = "losses-every-1000.csv"
CONFIG = "config.json"
DIGEST_EVERY = 1000  # a losses.csv row every this many iterations
WIDE = "wide"  # docs/study/wide/: scripts/wide_diagnostics.py's logs
FIGURES = ("metrics.png", "curves.png", "wide.png")  # drawn from the committed files
SAMPLES = "samples.png"
SAMPLES_CSV = "samples.csv"  # what the same generators' samples look like, in numbers
SAMPLES_SEED = 1  # the noise of samples.png (gan-vanilla-sample's default seed)
SAMPLES_PER_CONFIGURATION = 30  # drawn in samples.png
SAMPLES_MEASURED = 2000  # measured in samples.csv, the first 30 of them the ones drawn


class PublishError(Exception):
    """The study or docs/study/ is not what publishing needs; the message says how."""


def run_folder(root, config, seed):
    return os.path.join(root, RUNS, config, f"seed-{seed}")


def per_run_files(study_docs, rows):
    """The files docs/study/ must hold for the rows of results.csv, in the rows' order."""
    return [os.path.join(run_folder(study_docs, r["configuration"], r["seed"]), name)
            for r in rows for name in (QUALITY, LOSSES, CONFIG)]


def losses_digest(path):
    """The rows of a run's losses.csv whose window ends at a multiple of DIGEST_EVERY
    iterations (checked as the run's own reader checks them; DamagedFile names a bad line)."""
    rows = [[r[c] for c in LOSS_COLUMNS] for r in read_table(
        path, LOSS_COLUMNS, "a gan-vanilla loss log", "an iteration and four numbers",
        {"iteration": int})]
    return [row for row in rows if (int(row[0]) + 1) % DIGEST_EVERY == 0]


# ---------------------------------------------------------------------------------------------
# A finished study into docs/study/


def import_study(study_dir, study_docs, log=print):
    """Copy a finished study's results and per-run files from study_dir (its out_dir) into
    study_docs. Everything is read and checked before anything is written. Returns the rows
    of the new results.csv, as text."""
    source = os.path.join(study_dir, "results.csv")
    columns = [c for c in COLUMNS if c != "parzen_sigma"]  # older studies have none
    try:
        rows = read_table(source, columns, "a study's results.csv", "a run's figures",
                          dict.fromkeys(columns, str), exact=False)
    except DamagedFile as e:
        raise PublishError(f"{e}; is {study_dir} a study's folder (its out_dir)?") from None
    if not rows:
        raise PublishError(f"{source} has no runs")

    copies = []  # (the run's folder in docs, quality.csv's and config.json's bytes, the digest)
    for line, row in enumerate(rows, start=2):
        run = run_folder(study_dir, row["configuration"], row["seed"])
        evaluation = os.path.join(run, "evaluation.json")
        try:
            with open(evaluation, encoding="utf-8") as f:
                ev = json.load(f)
            parzen, sigma = float(ev["parzen_ll"]), float(ev["parzen_sigma"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            why = getattr(e, "strerror", None) or (f"no {e}" if isinstance(e, KeyError) else e)
            raise PublishError(f"cannot read the Parzen sigma of {row['configuration']} seed "
                               f"{row['seed']} from {evaluation}: {why}") from None
        if parzen != float(row["parzen_ll"]):
            raise PublishError(f"{source}, line {line}: its Parzen figure is not the one "
                               f"{evaluation} holds; gather the study again (scripts/study.py "
                               "STUDY.toml --collect)")
        row["parzen_sigma"] = repr(sigma)
        quality = os.path.join(run, QUALITY)
        try:
            read_quality(quality)  # checked: a damaged file is named
            with open(quality, "rb") as f:
                quality_bytes = f.read()
            digest = losses_digest(os.path.join(run, "losses.csv"))
            config = os.path.join(run, CONFIG)
            with open(config, "rb") as f:
                config_bytes = f.read()
            if not isinstance(json.loads(config_bytes).get("settings"), dict):
                raise ValueError
        except OSError as e:
            raise PublishError(f"cannot read {e.filename}: {e.strerror or e}") from None
        except DamagedFile as e:
            raise PublishError(str(e)) from None
        except (ValueError, AttributeError):
            raise PublishError(f"{config} is not a run's config.json") from None
        if not quality_bytes.strip():
            raise PublishError(f"{quality} is empty")
        copies.append((run_folder(study_docs, row["configuration"], row["seed"]),
                       quality_bytes, config_bytes, digest))

    os.makedirs(study_docs, exist_ok=True)
    for folder, quality_bytes, config_bytes, digest in copies:
        os.makedirs(folder, exist_ok=True)
        for name, data in ((QUALITY, quality_bytes), (CONFIG, config_bytes)):
            save_bytes(os.path.join(folder, name), data)
        write_table(os.path.join(folder, LOSSES), [LOSS_COLUMNS, *digest])
    _remove_other_runs(study_docs, {folder for folder, *_ in copies}, log)
    write_table(os.path.join(study_docs, "results.csv"),
              [COLUMNS, *([row.get(c, "") for c in COLUMNS] for row in rows)])
    log(f"copied {len(rows)} runs' results, quality.csv, config.json and losses (every "
        f"{DIGEST_EVERY:,}th iteration) from {study_dir} into {study_docs}")
    return rows


def _remove_other_runs(study_docs, keep, log):
    """Per-run folders of runs no longer in results.csv: they would back no row."""
    root = os.path.join(study_docs, RUNS)
    for config in sorted(os.listdir(root)):
        for seed in sorted(os.listdir(os.path.join(root, config))):
            folder = os.path.join(root, config, seed)
            if folder not in keep and os.path.isdir(folder):
                shutil.rmtree(folder)
                log(f"removed {folder}: no row of results.csv is its run")
        if not os.listdir(os.path.join(root, config)):
            os.rmdir(os.path.join(root, config))


def _summaries(rows):
    """summary.csv's text and summary.md's, from the rows (floats, as read_results gives
    them), as the study writes them (report.py)."""
    configs = list(dict.fromkeys(r["configuration"] for r in rows))
    timed = [{**r, "train_seconds": None if math.isnan(r["train_seconds"]) else
              r["train_seconds"]} for r in rows]
    return summary_files(timed, configs)


def write_summaries(rows, study_docs):
    for name, text in _summaries(rows).items():
        save_text(os.path.join(study_docs, name), text)


def summaries_differ(rows, study_docs):
    """A sentence when summary.csv or summary.md is not the summary of results.csv's rows."""
    for name, text in _summaries(rows).items():
        path = os.path.join(study_docs, name)
        try:
            with open(path, encoding="utf-8", newline="") as f:
                same = f.read() == text
        except (OSError, UnicodeDecodeError):
            same = False
        if not same:
            return f"{path} is not the summary of results.csv"
    return None


def draw_samples(study_dir, rows, study_docs):
    """samples.png: SAMPLES_PER_CONFIGURATION random samples (noise seed SAMPLES_SEED) of each
    configuration's lowest seed's last generator, a row of panels per configuration: random
    draws, not picks by class, so what most samples of a run look like. And samples.csv: the
    same generators' first SAMPLES_MEASURED samples in numbers (study/dynamics.py's
    image_numbers: saturated pixels, spread across z, brightness)."""
    import torch

    from gan_vanilla.model import make_G
    from gan_vanilla.run.checkpoint import CheckpointError, load_checkpoint
    from .dynamics import SAMPLE_COLUMNS, image_numbers

    first = {}
    for r in rows:
        config, seed = r["configuration"], int(r["seed"])
        first[config] = min(seed, first.get(config, seed))
    panels, numbers = [], []
    for config, seed in first.items():
        checkpoint = os.path.join(run_folder(study_dir, config, seed), "checkpoint.pt")
        try:
            params = load_checkpoint(checkpoint, generator_only=True)["params"]
        except CheckpointError as e:
            raise PublishError(str(e)) from None
        z = torch.randn(SAMPLES_MEASURED, params["Wzh"].shape[0],
                        generator=torch.Generator().manual_seed(SAMPLES_SEED))
        with torch.no_grad():
            samples = make_G(params)(z)  # (SAMPLES_MEASURED, X_dim)
        measured = image_numbers(samples)
        numbers.append([config, seed, SAMPLES_MEASURED,
                        *(f"{measured[c]:.6g}" for c in SAMPLE_COLUMNS)])
        images = samples[:SAMPLES_PER_CONFIGURATION].reshape(-1, 28, 28)  # (n, 28, 28)
        panels.append((f"{config}\nseed {seed}", images.numpy()))
    fig = samples_figure(panels)
    save_atomic(os.path.join(study_docs, SAMPLES),
                lambda tmp: fig.savefig(tmp, format="png", dpi=80))
    write_table(os.path.join(study_docs, SAMPLES_CSV),
              [("configuration", "seed", "samples", *SAMPLE_COLUMNS), *numbers])


def samples_figure(panels):
    """A row of images per (label, images (n, 28, 28)) in two lines, the label left of it:
    the left margin is as wide as the widest label, so that no label is cut."""
    import numpy as np

    fig = Figure(figsize=(10, 1.25 * len(panels) + 0.4))
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
    labels = []
    for ax, (label, images) in zip(axes, panels, strict=True):
        per_row = math.ceil(len(images) / 2)
        canvas = np.ones((2 * 30 - 2, per_row * 30 - 2))
        for k, image in enumerate(images):
            y, x = (k // per_row) * 30, (k % per_row) * 30
            canvas[y:y + 28, x:x + 28] = image
        ax.imshow(canvas, cmap="Greys_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        labels.append(ax.text(-0.01, 0.5, label, transform=ax.transAxes, ha="right",
                              va="center", fontsize=8))
    fig.suptitle(f"{SAMPLES_PER_CONFIGURATION} random samples of each configuration's last "
                 f"generator (noise seed {SAMPLES_SEED}), not chosen by class", fontsize=9)
    renderer = fig.canvas.get_renderer()
    widest = max(t.get_window_extent(renderer).width for t in labels)  # pixels at fig.dpi
    fig.subplots_adjust(left=(widest + 0.15 * fig.dpi) / (fig.get_figwidth() * fig.dpi),
                        right=0.98, bottom=0.01, top=1 - 0.5 / fig.get_figheight(),
                        hspace=0.15)
    return fig


def copy_run_figures(study_dir, rows, page_dir, baseline="post"):
    """The page's figures of one run, from the baseline's lowest seed: its evaluation.png,
    losses.png and last grid (as sample.png), copied beside the page."""
    seed = min(int(r["seed"]) for r in rows if r["configuration"] == baseline)
    run = run_folder(study_dir, baseline, seed)
    grids = sorted(n for n in os.listdir(run) if len(n) == 7 and n[:3].isdigit()
                   and n.endswith(".png"))
    if not grids:
        raise PublishError(f"{run} has no grid (000.png, 001.png, ...)")
    for name, target in (("evaluation.png", "evaluation.png"), ("losses.png", "losses.png"),
                         (grids[-1], "sample.png")):
        source = os.path.join(run, name)
        if not os.path.exists(source):
            raise PublishError(f"{source} is missing")
        save_atomic(os.path.join(page_dir, target),
                    lambda tmp, source=source: shutil.copyfile(source, tmp))


# ---------------------------------------------------------------------------------------------
# Figures drawn from docs/study/, and the check that the committed ones are those


def wide_logs(study_docs):
    """docs/study/wide/'s run logs (h128-seed-0.csv, ...), by width then seed; real.csv
    apart."""
    folder = os.path.join(study_docs, WIDE)
    if not os.path.isdir(folder):
        return []
    names = [n for n in os.listdir(folder) if n.endswith(".csv") and n != "real.csv"]

    def key(name):  # h128-seed-0 < h512-seed-0 < h512-seed-1 < h1200-seed-0 < h512-lr-...
        run, _, seed = name[:-4].partition("-seed-")
        width = run[1:]
        return ((0, int(width), run) if width.isdigit() else (1, 0, run),
                int(seed) if seed.isdigit() else 0)

    return [os.path.join(folder, n) for n in sorted(names, key=key)]


def check_runs(study_docs, rows):
    """PublishError, naming the first, when a run of results.csv lacks one of its files."""
    missing = [p for p in per_run_files(study_docs, rows) if not os.path.exists(p)]
    if missing:
        raise PublishError(f"{missing[0]} is missing: copy the study's files with "
                           "--from-study STUDY_OUT_DIR")


def draw_figures(study_docs, rows, real, into=None, log=print):
    """Draw every figure of committed files (FIGURES) from the files in study_docs, into
    `into` (default: study_docs itself). A per-run file missing raises PublishError, drawing
    nothing."""
    check_runs(study_docs, rows)
    into = into or study_docs
    configs = list(dict.fromkeys(r["configuration"] for r in rows))
    wide = wide_logs(study_docs)
    real_wide = os.path.join(study_docs, WIDE, "real.csv")
    try:
        plot_metrics(rows, configs, os.path.join(into, "metrics.png"), real)
        with_curves = [{**r, "curves": read_quality(os.path.join(
            run_folder(study_docs, r["configuration"], r["seed"]), QUALITY))} for r in rows]
        plot_curves(with_curves, configs, os.path.join(into, "curves.png"), real)
        if wide:
            plot_wide([*wide, *([real_wide] if os.path.exists(real_wide) else [])],
                      os.path.join(into, "wide.png"))
    except DamagedFile as e:
        raise PublishError(str(e)) from None
    if into == study_docs:
        log(f"drew {', '.join(f for f in FIGURES if wide or f != 'wide.png')} in {into}")



def figure_differs(committed, drawn):
    """Why a committed figure is not the one drawn now (a sentence), or None. Figures are
    compared pixel by pixel; where the committed one names another matplotlib than this one
    (its PNG's Software field), the two cannot be compared and None is returned: another
    release may draw the same data a pixel apart."""
    from PIL import Image

    if not os.path.exists(committed):
        return f"{committed} is missing"
    with Image.open(committed) as old, Image.open(drawn) as new:
        if old.info.get("Software") != new.info.get("Software"):
            return None
        if old.size != new.size or old.convert("RGBA").tobytes() != new.convert("RGBA").tobytes():
            return (f"{committed} is not the figure its data give (drawn before they changed, "
                    "or changed by hand)")
    return None


def check(study_docs, rows, real):
    """Every problem with docs/study/ as a sentence: a per-run file missing for a row of
    results.csv, a figure not the one its files give, samples not of results.csv's
    configurations, summaries not of results.csv."""
    problems = [f"{path} is missing: results.csv has the run {r['configuration']} seed "
                f"{r['seed']}; copy the study's files with python scripts/reproduction.py "
                "--from-study STUDY_OUT_DIR" for r in rows
                for path in per_run_files(study_docs, [r]) if not os.path.exists(path)]
    if not problems:
        with tempfile.TemporaryDirectory() as drawn:
            draw_figures(study_docs, rows, real, into=drawn)
            for name in sorted(os.listdir(drawn)):
                why = figure_differs(os.path.join(study_docs, name), os.path.join(drawn, name))
                if why:
                    problems.append(f"{why}; draw it again with python scripts/reproduction.py")
    drawn = _sampled_configurations(study_docs)
    configs = list(dict.fromkeys(r["configuration"] for r in rows))
    if drawn != configs or not os.path.exists(os.path.join(study_docs, SAMPLES)):
        problems.append(f"{os.path.join(study_docs, SAMPLES)} and {SAMPLES_CSV} are not of the "
                        "configurations of results.csv (drawn from the study's checkpoints); "
                        "draw them with python scripts/reproduction.py --from-study "
                        "STUDY_OUT_DIR")
    summaries = summaries_differ(rows, study_docs)
    if summaries:
        problems.append(f"{summaries}; write it again with python scripts/reproduction.py")
    return problems


def _sampled_configurations(study_docs):
    try:
        return [r["configuration"] for r in read_table(
            os.path.join(study_docs, SAMPLES_CSV), ["configuration"], "the samples' numbers",
            "a configuration's", {"configuration": str}, exact=False)]
    except DamagedFile:
        return None
