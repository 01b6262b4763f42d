"""A finished study into docs/study/ (`--from-study`; docs/study/README.md says what each file
holds), and files.sha256, the digests that tie the committed files to the pages: `--check`
fails when a file the pages, the figures or compare read is not the one it was, even where no
page prints it. Each run of the generator writes the digests of the files it reads; those of
the figures drawn from the study's checkpoints, only `--from-study`.
"""

import glob
import hashlib
import os
import shutil
from pathlib import Path

from gan_vanilla.io.atomic import save_atomic, save_bytes, save_text
from gan_vanilla.io.csv_tables import DamagedFile, table_text, write_table
from gan_vanilla.run.losslog import COLUMNS as LOSS_COLUMNS
from gan_vanilla.run.losslog import read_losses
from gan_vanilla.run.monitor import read_quality
from gan_vanilla.study.results import CONFIG, QUALITY, read_config, read_results, run_folder

from .dynamics import SAMPLE_COLUMNS, image_numbers
from .figures import SAMPLES_PER_CONFIGURATION, SAMPLES_SEED, samples_figure
from .study_files import BASELINE, DIGEST_EVERY, LOSSES, PageError, read_text

SAMPLES_MEASURED = 2000  # measured in samples.csv, the first 30 of them the ones drawn
RUN_FIGURES = ("evaluation.png", "losses.png", "sample.png")  # beside the pages
DIGESTS = "files.sha256"
# Drawn from the study's checkpoints: the generator cannot draw them again from committed files.
FROM_CHECKPOINTS = ("samples.png", "samples.csv", *RUN_FIGURES)
# What the generator writes from the committed files, and the words: no digest.
MADE_HERE = ("metrics.png", "curves.png", "wide.png", "summary.csv", DIGESTS)


def import_study(study_dir, docs, log=print):
    """Copy a finished study's results and per-run files from study_dir into docs, all read and
    checked before anything is written."""
    source = os.path.join(study_dir, "results.csv")
    try:
        rows = read_results(source)
    except DamagedFile as e:
        raise PageError(f"{e}; is {study_dir} a study's folder (its out_dir)?") from None
    if not rows:
        raise PageError(f"{source} has no runs")
    copies = {os.path.join(docs, "results.csv"): read_text(source)}  # {a file in docs: its text}
    for row in rows:
        run = run_folder(study_dir, row["configuration"], row["seed"])
        into = run_folder(docs, row["configuration"], row["seed"])
        for name in (QUALITY, CONFIG):
            copies[os.path.join(into, name)] = read_text(os.path.join(run, name))
        read_quality(os.path.join(run, QUALITY))  # checked: a damaged file is named
        read_config(os.path.join(run, CONFIG))
        # The losses digest: the rows whose window ends at a multiple of DIGEST_EVERY.
        losses = read_losses(os.path.join(run, "losses.csv"), as_text=True)
        copies[os.path.join(into, LOSSES)] = table_text(
            [LOSS_COLUMNS, *(r for r in losses if (int(r[0]) + 1) % DIGEST_EVERY == 0)])
    for path, text in copies.items():
        os.makedirs(os.path.dirname(path), exist_ok=True)
        save_text(path, text)
    # The per-run folders of runs no longer in results.csv: they would back no row.
    kept = {os.path.dirname(p) for p in copies}
    for folder in sorted(glob.glob(os.path.join(docs, "runs", "*", "*"))):
        if os.path.isdir(folder) and folder not in kept:
            shutil.rmtree(folder)
            log(f"removed {folder}: no row of results.csv is its run")
    for config in glob.glob(os.path.join(docs, "runs", "*")):
        if not os.listdir(config):
            os.rmdir(config)
    log(f"copied {len(rows)} runs' results, quality.csv, config.json and losses (every "
        f"{DIGEST_EVERY:,}th iteration) from {study_dir} into {docs}")


def draw_samples(study_dir, study):
    """samples.png: random samples of each configuration's lowest seed's last generator, not
    picked by class; samples.csv: the same generators' first SAMPLES_MEASURED in numbers."""
    from gan_vanilla.measure.evaluation import generator_samples
    from gan_vanilla.run.checkpoint import load_checkpoint

    panels, numbers = [], []
    for config in study.configurations:
        seed = min(r["seed"] for r in study.of(config))
        checkpoint = os.path.join(run_folder(study_dir, config, seed), "checkpoint.pt")
        samples = generator_samples(load_checkpoint(checkpoint, generator_only=True),
                                    SAMPLES_MEASURED, SAMPLES_SEED)  # (SAMPLES_MEASURED, X_dim)
        measured = image_numbers(samples)
        numbers.append([config, seed, SAMPLES_MEASURED,
                        *(f"{measured[c]:.6g}" for c in SAMPLE_COLUMNS)])
        images = samples[:SAMPLES_PER_CONFIGURATION].reshape(-1, 28, 28)  # (n, 28, 28)
        panels.append((f"{config}\nseed {seed}", images.numpy()))
    fig = samples_figure(panels)
    save_atomic(study.path("samples.png"), lambda tmp: fig.savefig(tmp, format="png", dpi=80))
    write_table(study.path("samples.csv"),
                [("configuration", "seed", "samples", *SAMPLE_COLUMNS), *numbers])


def copy_run_figures(study_dir, study, page_dir):
    """The pages' figures of one run, from the baseline's lowest seed: its evaluation.png,
    losses.png and last grid (as sample.png), copied beside the pages."""
    run = run_folder(study_dir, BASELINE, min(r["seed"] for r in study.of(BASELINE)))
    grids = sorted(glob.glob("[0-9][0-9][0-9].png", root_dir=run))
    if not grids:
        raise PageError(f"{run} has no grid (000.png, 001.png, ...)")
    for name, target in zip(("evaluation.png", "losses.png", grids[-1]), RUN_FIGURES,
                            strict=True):
        source = os.path.join(run, name)
        if not os.path.exists(source):
            raise PageError(f"{source} is missing")
        save_bytes(os.path.join(page_dir, target), Path(source).read_bytes())


def digests(docs, page_dir, also=()):
    """{path relative to docs: sha256} of each file in docs (docs/study/) the generator reads or
    cannot draw again, of the run figures beside the pages and of `also`; None if missing."""
    names = {*also, *(os.path.relpath(os.path.join(page_dir, n), docs) for n in RUN_FIGURES)}
    for root, _, files in os.walk(docs):
        names.update(os.path.relpath(os.path.join(root, n), docs) for n in files
                     if n not in MADE_HERE and not n.endswith((".md", ".j2")))
    paths = {name: os.path.join(docs, name) for name in sorted(names)}
    return {name: hashlib.sha256(Path(p).read_bytes()).hexdigest() if os.path.exists(p) else None
            for name, p in paths.items()}


def read_digests(docs):
    """files.sha256 as {path: digest}; {} while there is none."""
    path = os.path.join(docs, DIGESTS)
    lines = read_text(path).splitlines() if os.path.exists(path) else []
    return {line[66:]: line[:64] for line in lines}


def write_digests(docs, page_dir, drawn=False):
    """files.sha256 for the files as they are now; the figures drawn from the checkpoints keep
    their digest unless they were just drawn (`drawn`)."""
    old = read_digests(docs)
    new = {name: (old.get(name) if os.path.basename(name) in FROM_CHECKPOINTS and not drawn
                  else None) or digest for name, digest in digests(docs, page_dir).items()}
    save_text(os.path.join(docs, DIGESTS),
              "".join(f"{digest}  {name}\n" for name, digest in new.items() if digest))


def changed_files(docs, page_dir):
    """A sentence for each file that is not the one files.sha256 has a digest of."""
    old, problems = read_digests(docs), []
    for name, digest in digests(docs, page_dir, also=old).items():
        path = os.path.normpath(os.path.join(docs, name))
        if digest == old.get(name):
            continue
        what = ("is missing, though it is in" if digest is None else
                "has no digest in" if name not in old else "is not the file whose digest is in")
        problems.append(f"{path} {what} {os.path.join(docs, DIGESTS)}" + (
            ": it was drawn from the study's checkpoints; draw it again with python "
            "scripts/reproduction.py --from-study STUDY_OUT_DIR, or restore it"
            if os.path.basename(name) in FROM_CHECKPOINTS else
            ": it changed since the pages were written from it; write them again with python "
            "scripts/reproduction.py"))
    return problems
