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

Every figure drawn from committed files (metrics.png, curves.png, wide.png) is recorded in
`figures.json` with a SHA-256 of each file it was drawn from and of the PNG itself. Git keeps
no file times, so that is how `--check` knows a figure is older than its data: a recorded
hash that is not the file's any more.
"""

import csv
import hashlib
import io
import json
import math
import os
import shutil

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..files.atomic import save_atomic, save_bytes, write_json
from ..files.tables import DamagedFile, read_table, write_table
from ..run.losslog import COLUMNS as LOSS_COLUMNS
from ..run.monitor import read_quality
from .report import COLUMNS, markdown, plot_curves, plot_metrics, summary
from .wide import plot_wide

RUNS = "runs"
QUALITY = "quality.csv"
LOSSES = "losses-every-1000.csv"
CONFIG = "config.json"
DIGEST_EVERY = 1000  # a losses.csv row every this many iterations
FIGURES = "figures.json"
WIDE = "wide"  # docs/study/wide/: scripts/wide_diagnostics.py's logs
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
    try:
        with open(source, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            header = reader.fieldnames or []
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise PublishError(f"cannot read {source}: {getattr(e, 'strerror', None) or e}; is "
                           f"{study_dir} a study's folder (its out_dir)?") from None
    lacking = [c for c in COLUMNS if c not in header and c != "parzen_sigma"]
    if lacking:
        raise PublishError(f"{source} has no column {lacking[0]}: is it a study's results.csv?")
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
    summ = summary(timed, configs)
    head = ("configuration", "metric", "runs", "mean", "std", "min", "max")
    text = io.StringIO()
    csv.writer(text).writerows([head, *([s[c] for c in head] for s in summ)])
    return {"summary.csv": text.getvalue(), "summary.md": markdown(summ, configs)}


def write_summaries(rows, study_docs):
    for name, text in _summaries(rows).items():
        data = text.encode("utf-8")
        save_bytes(os.path.join(study_docs, name), data)


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

    from ..model import make_G
    from ..run.checkpoint import CheckpointError, load_checkpoint
    from .dynamics import SAMPLE_COLUMNS, image_numbers

    first = {}
    for r in rows:
        config, seed = r["configuration"], int(r["seed"])
        first[config] = min(seed, first.get(config, seed))
    fig = Figure(figsize=(10, 1.25 * len(first) + 0.4))
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(first), 1, squeeze=False)[:, 0]
    numbers = []
    for ax, (config, seed) in zip(axes, first.items(), strict=True):
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
        per_row = SAMPLES_PER_CONFIGURATION // 2
        canvas = torch.ones(2 * 30 - 2, per_row * 30 - 2)
        for k, image in enumerate(images):
            y, x = (k // per_row) * 30, (k % per_row) * 30
            canvas[y:y + 28, x:x + 28] = image
        ax.imshow(canvas.numpy(), cmap="Greys_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(f"{config}\nseed {seed}", rotation=0, ha="right", va="center",
                      fontsize=8)
    fig.suptitle(f"{SAMPLES_PER_CONFIGURATION} random samples of each configuration's last "
                 f"generator (noise seed {SAMPLES_SEED}), not chosen by class", fontsize=9)
    fig.tight_layout()
    save_atomic(os.path.join(study_docs, SAMPLES),
                lambda tmp: fig.savefig(tmp, format="png", dpi=80))
    write_table(os.path.join(study_docs, SAMPLES_CSV),
              [("configuration", "seed", "samples", *SAMPLE_COLUMNS), *numbers])


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
# Figures drawn from docs/study/, and the record that says what from


def _sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


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


def figure_inputs(study_docs, rows):
    """{figure: the files it is drawn from}, paths relative to study_docs."""
    base = ["results.csv", "real.json"]
    inputs = {"metrics.png": base,
              "curves.png": base + [os.path.relpath(p, study_docs)
                                    for p in per_run_files(study_docs, rows)
                                    if p.endswith(QUALITY)]}
    wide = wide_logs(study_docs)
    if wide:
        real = os.path.join(study_docs, WIDE, "real.csv")
        inputs["wide.png"] = [os.path.relpath(p, study_docs)
                              for p in (*wide, *([real] if os.path.exists(real) else []))]
    return inputs


def read_record(study_docs):
    path = os.path.join(study_docs, FIGURES)
    try:
        with open(path, encoding="utf-8") as f:
            record = json.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise PublishError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}") from None
    return record if isinstance(record, dict) else {}


def stale(study_docs, figure, inputs, record):
    """Why `figure` is not the one its inputs give (a sentence), or None when it is."""
    path = os.path.join(study_docs, figure)
    entry = record.get(figure)
    if not os.path.exists(path):
        return f"{path} is missing"
    if not isinstance(entry, dict) or not isinstance(entry.get("inputs"), dict):
        return f"{path} has no record in {os.path.join(study_docs, FIGURES)}"
    if entry.get("png") != _sha256(path):
        return f"{path} is not the figure recorded in {FIGURES} (changed since it was drawn)"
    recorded = entry["inputs"]
    for name in inputs:
        file = os.path.join(study_docs, name)
        if name not in recorded:
            return f"{path} is older than its data: it was drawn without {file}"
        if not os.path.exists(file):
            return f"{path} was drawn from {file}, which is missing"
        if recorded[name] != _sha256(file):
            return f"{path} is older than its data: {file} changed since it was drawn"
    gone = next((name for name in recorded if name not in inputs), None)
    if gone:
        return f"{path} is older than its data: it was drawn with {gone}, which it no longer reads"
    return None


def check(study_docs, rows):
    """Every problem with docs/study/ as a sentence: a per-run file missing for a row of
    results.csv, a figure not drawn from the files it reads as they are now."""
    problems = [f"{path} is missing: results.csv has the run {r['configuration']} seed "
                f"{r['seed']}; copy the study's files with python scripts/reproduction.py "
                "--from-study STUDY_OUT_DIR" for r in rows
                for path in per_run_files(study_docs, [r]) if not os.path.exists(path)]
    record = read_record(study_docs)
    for figure, inputs in figure_inputs(study_docs, rows).items():
        why = stale(study_docs, figure, inputs, record)
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
        with open(os.path.join(study_docs, SAMPLES_CSV), newline="", encoding="utf-8") as f:
            return [r.get("configuration") for r in csv.DictReader(f)]
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def draw_figures(study_docs, rows, real, log=print):
    """Draw each figure whose record is stale (stale) from the files in study_docs, and record
    what it was drawn from. A per-run file missing raises PublishError, drawing nothing."""
    missing = [p for p in per_run_files(study_docs, rows) if not os.path.exists(p)]
    if missing:
        raise PublishError(f"{missing[0]} is missing: copy the study's files with "
                           "--from-study STUDY_OUT_DIR")
    record = read_record(study_docs)
    inputs = figure_inputs(study_docs, rows)
    configs = list(dict.fromkeys(r["configuration"] for r in rows))
    for figure, names in inputs.items():
        if stale(study_docs, figure, names, record) is None:
            continue
        path = os.path.join(study_docs, figure)
        try:
            if figure == "metrics.png":
                plot_metrics(rows, configs, path, real)
            elif figure == "curves.png":
                with_curves = [{**r, "curves": read_quality(os.path.join(
                    run_folder(study_docs, r["configuration"], r["seed"]), QUALITY))}
                               for r in rows]
                plot_curves(with_curves, configs, path, real)
            else:
                plot_wide([os.path.join(study_docs, n) for n in names], path)
        except DamagedFile as e:
            raise PublishError(str(e)) from None
        record[figure] = {"inputs": {n: _sha256(os.path.join(study_docs, n)) for n in names},
                          "png": _sha256(path)}
        write_json(os.path.join(study_docs, FIGURES), record)
        log(f"drew {path}")
    for figure in [f for f in record if f not in inputs]:  # a figure no data draws any more
        del record[figure]
        write_json(os.path.join(study_docs, FIGURES), record)
