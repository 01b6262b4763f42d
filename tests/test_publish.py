"""`scripts/reproduction.py --from-study`: a finished study's files into docs/study/, the figures
drawn from them, and `--check` failing when a figure is not the one its data give or a run lacks
its files. On a small fake study: three seeds of a baseline, a longer configuration that
continues two of them, and one that failed."""

import csv
import json
import shutil

import pytest

from gan_vanilla.run.losslog import COLUMNS as LOSS_COLUMNS
from gan_vanilla.run.monitor import COLUMNS as QUALITY_COLUMNS
from gan_vanilla.study import report
from tools.build import main
from tools.dynamics import COLUMNS as DYNAMICS_COLUMNS
from tools.dynamics import SAMPLE_COLUMNS

from .conftest import ROOT

PAGE = """# Page

{{ tables.post_seeds }}

{{ tables.post_monitor }}

{{ tables.post_losses }}

{{ tables.repeats }}

{{ tables.wide }}
"""


def quality_rows(seed, its, covered, start=0.0):
    """One quality.csv row per iteration: the seed and the iteration fix every number."""
    rows = []
    for it in its:
        score = round(3 + seed / 10 + it / 10**5 + start, 4)
        shares = [round(1 / covered, 4) if k < covered else 0 for k in range(10)]
        rows.append([it, covered, 0.5, score, 400 + seed, *shares])
    return rows


def loss_rows(seed, last, start=0.0):
    return [[it, round(1 + seed / 10 + start + it / 10**6, 6), 0.9, 0.6, 0.3]
            for it in range(99, last + 1, 100)]


def write_csv(path, head, rows):
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows([head, *rows])


def write_run(study, config, seed, quality, losses, parzen, covered, sigma, checkpoint):
    run = study / "runs" / config / f"seed-{seed}"
    run.mkdir(parents=True)
    write_csv(run / "quality.csv", QUALITY_COLUMNS, quality)
    write_csv(run / "losses.csv", LOSS_COLUMNS, losses)
    shutil.copy(checkpoint, run / "checkpoint.pt")
    for name in ("evaluation.png", "losses.png", "000.png", "001.png"):
        (run / name).write_bytes(f"{config} {seed} {name}".encode())
    (run / "config.json").write_text(json.dumps({"settings": {"seed": seed}, "versions": {}}))
    shares = [1 / covered if k < covered else 0.0 for k in range(10)]
    return {"configuration": config, "seed": seed, "iterations": losses[-1][0] + 1,
            "flags": "", "parzen_ll": parzen, "classes_covered": covered, "kl_uniform": 0.5,
            "classifier_score": 4.5, "frechet_distance": 500.0 + seed, "parzen_se": 1.5,
            "parzen_sigma": sigma, **{f"share_{k}": p for k, p in enumerate(shares)},
            "train_seconds": 100.0}


def make_study(tmp_path, trained_once):
    """A finished study's out_dir, as the study runner writes it, and a docs folder with
    real.json and the page."""
    out = tmp_path / "out"
    checkpoint = trained_once / "checkpoint.pt"
    rows = []
    for seed in range(3):  # the baseline: 30,000 iterations, measured at 10k, 20k and the end
        rows.append(write_run(out, "post", seed, quality_rows(seed, [10000, 20000, 29999], 9),
                              loss_rows(seed, 29999), 100.0 + seed, 9, 0.2, checkpoint))
    for seed in range(2):  # the baseline's seeds 0 and 1 continued to 40,000
        quality = quality_rows(seed, [10000, 20000], 9) + quality_rows(seed, [30000, 39999], 8,
                                                                      start=1)
        losses = loss_rows(seed, 29999) + loss_rows(seed, 39999, start=1)[300:]
        rows.append(write_run(out, "long", seed, quality, losses, 90.0 + seed, 8, 0.18,
                              checkpoint))
    for seed in range(2):  # failed: one digit
        rows.append(write_run(out, "wide", seed, quality_rows(seed, [10000, 20000, 29999], 1,
                                                               start=2),
                              loss_rows(seed, 29999, start=2), -500.0 - seed, 1, 1.0,
                              checkpoint))
    with open(out / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, report.COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    docs = tmp_path / "docs"
    docs.mkdir()
    real = {"parzen_ll": 242.05, "parzen_se": 2.12, "parzen_sigma": 0.167,
            "classes_covered": 10, "kl_uniform": 0.0018, "classifier_score": 9.8,
            "frechet_distance": 3.84, "class_histogram": [0.1] * 10, "source": "real"}
    (docs / "real.json").write_text(json.dumps(real))
    (docs / "PAGE.md.j2").write_text(PAGE)
    write_wide_logs(docs / "wide")
    return out, docs


def write_wide_logs(folder):
    """Two logs of scripts/wide_diagnostics.py and its real-image row: a G whose samples
    spread like real ones, and one that saturates and whose D(G(z)) falls below 1e-12 for
    most samples from iteration 3,000 on."""
    folder.mkdir()
    its = [0, 300, 1000, 3000, 15000]
    for name, sd, saturated, log10_min, clamped in (
            ("h128-seed-0", 0.15, 0.5, -3.0, [0, 0, 0, 0, 0]),
            ("h512-seed-0", 0.0004, 0.95, -40.0, [0, 0, 0.2, 0.9, 1.0])):
        rows = []
        for k, it in enumerate(its):
            row = dict.fromkeys(DYNAMICS_COLUMNS, 0.5)
            row.update(iteration=it, pixel_sd=sd, saturated=saturated, clamped=clamped[k],
                       log10_D_fake_min=log10_min if it == 3000 else -2.0,
                       clamp_effect=clamped[k] / 2, G_grad_Whx=1.0)
            rows.append([row[c] for c in DYNAMICS_COLUMNS])
        write_csv(folder / f"{name}.csv", DYNAMICS_COLUMNS, rows)
    write_csv(folder / "real.csv", SAMPLE_COLUMNS, [[0.82, 0.006, 0.19, 0.13]])


@pytest.fixture
def study(tmp_path, trained_once):
    return make_study(tmp_path, trained_once)


@pytest.fixture(scope="module")
def published_once(tmp_path_factory, trained_once):
    """The fake study, published (drawing the figures is the slow part: done once)."""
    out, docs = make_study(tmp_path_factory.mktemp("published"), trained_once)
    assert main(["--from-study", str(out), *args(docs)]) == 0
    return out, docs


@pytest.fixture
def published(published_once, tmp_path):
    """A copy of the published study of its own for each test."""
    out, docs = (tmp_path / "out", tmp_path / "docs")
    shutil.copytree(published_once[0], out)
    shutil.copytree(published_once[1], docs)
    return out, docs


def args(docs):
    return ["--study", str(docs), "--page", str(docs / "PAGE.md")]


def test_a_finished_study_lands_in_the_docs_with_its_figures(published, capsys):
    out, docs = published
    # quality.csv and config.json as the run wrote them; every tenth row of losses.csv.
    run = docs / "runs" / "long" / "seed-1"
    for name in ("quality.csv", "config.json"):
        assert (run / name).read_bytes() == (out / "runs" / "long" / "seed-1" / name).read_bytes()
    with open(run / "losses-every-1000.csv", newline="") as f:
        digest = list(csv.reader(f))
    with open(out / "runs" / "long" / "seed-1" / "losses.csv", newline="") as f:
        every = list(csv.reader(f))
    assert digest[0] == every[0] and digest[1:] == every[10::10]
    assert [r[0] for r in digest[1:]] == [str(it) for it in range(999, 40000, 1000)]
    # The study's rows as it wrote them.
    assert (docs / "results.csv").read_bytes() == (out / "results.csv").read_bytes()
    for name in ("metrics.png", "curves.png", "samples.png", "summary.csv", "summary.md"):
        assert (docs / name).stat().st_size > 0, name
    # The baseline's seed 0: its evaluation, losses and last grid beside the page.
    for name, source in (("evaluation.png", "evaluation.png"), ("losses.png", "losses.png"),
                         ("sample.png", "001.png")):
        assert (docs / name).read_bytes() == f"post 0 {source}".encode()
    # The samples drawn, in numbers: each configuration's lowest seed.
    with open(docs / "samples.csv", newline="") as f:
        samples = list(csv.DictReader(f))
    assert [(r["configuration"], r["seed"], r["samples"]) for r in samples] == [
        ("post", "0", "2000"), ("long", "0", "2000"), ("wide", "0", "2000")]
    assert all(0 < float(r["pixel_sd"]) < 0.5 for r in samples)
    page = (docs / "PAGE.md").read_text()
    # The monitor's digits · score at each measurement; the baseline's losses after 10,000,
    # its seeds grouped by the digits they end with (all nine here: 20 windows each).
    assert "| seed 2 | 9 · 3.30 | 9 · 3.40 | 9 · 3.50 |" in page
    assert ("| ending with 9 digits: seeds 0, 1 and 2 | 60 | 1.01 to 1.23 | 0.90 to 0.90 |"
            in page)
    # The continued runs are said to be the baseline's, as far as they are.
    assert ("`long` continues `post`'s seeds 0 and 1: their `losses-every-1000.csv` up to "
            "iteration 29,999 (30 rows each) and their quality.csv up to 20,000 are `post`'s, "
            "row for row.") in page
    # The wide runs' logs: spread and saturation at 300, 1,000, 3,000 and 15,000 iterations,
    # the floor of binary_cross_entropy's gradient (over half at 3,000); real images last.
    assert ("| h512 seed 0 | 4e-04 / 4e-04 / 4e-04 / 4e-04 | 95% / 95% / 95% / 95% | 100% | "
            "3,000 (0.45) |") in page
    assert ("| h128 seed 0 | 0.150 / 0.150 / 0.150 / 0.150 | 50% / 50% / 50% / 50% | 0% | none |"
            in page)
    assert "| real images (2,000 validation) | 0.190 | 82% |" in page
    assert (docs / "wide.png").stat().st_size > 0
    capsys.readouterr()
    assert main(["--check", *args(docs)]) == 0, capsys.readouterr().err


def check_says(docs, capsys, *parts):
    assert main(["--check", *args(docs)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("reproduction: ") and len(err.strip().splitlines()) == 1
    for part in parts:
        assert part in err, err
    return err


def test_check_fails_when_a_run_of_the_results_lacks_its_files(published, capsys):
    _, docs = published
    (docs / "runs" / "wide" / "seed-1" / "losses-every-1000.csv").unlink()
    check_says(docs, capsys, "runs/wide/seed-1/losses-every-1000.csv is missing: results.csv "
               "has the run wide seed 1", "--from-study")
    # Drawing refuses too, and writes nothing.
    page = (docs / "PAGE.md").read_text()
    assert main(args(docs)) == 1
    assert "losses-every-1000.csv is missing" in capsys.readouterr().err
    assert (docs / "PAGE.md").read_text() == page


@pytest.mark.slow  # over 5 s: the default suite stays near 3 minutes
def test_check_fails_when_a_figure_is_older_than_its_data(published, capsys):
    _, docs = published
    quality = docs / "runs" / "post" / "seed-1" / "quality.csv"
    quality.write_text(quality.read_text().replace("3.3", "3.9"))
    check_says(docs, capsys, "curves.png is not the figure its data give",
               "python scripts/reproduction.py")
    # Drawn again, the figure and the page agree with the data once more.
    assert main(args(docs)) == 0
    assert main(["--check", *args(docs)]) == 0


def test_check_fails_when_a_wide_log_changed(published, capsys):
    _, docs = published
    log = docs / "wide" / "h512-seed-0.csv"
    log.write_text(log.read_text().replace("-40.0", "-41.0"))
    check_says(docs, capsys, "wide.png is not the figure its data give")


def test_a_changed_value_fails_the_check_where_no_page_prints_it(committed_docs, capsys):
    """A KL value of a run's quality.csv, or its config.json's lr, feed no page or figure, but
    they feed compare: their digests in files.sha256 fail --check."""
    args, docs = committed_docs
    run = docs / "study" / "runs" / "post" / "seed-5"
    quality = (run / "quality.csv").read_text()
    assert ",10000,9,0.407048," in "," + quality.replace("\n", ",")
    (run / "quality.csv").write_text(quality.replace("10000,9,0.407048,", "10000,9,0.407049,"))
    config = (run / "config.json").read_text()
    (run / "config.json").write_text(config.replace('"lr": 0.001,', '"lr": 0.002,'))
    assert main(["--check", *args]) == 1
    err = capsys.readouterr().err
    assert f"{run / 'config.json'} is not the file whose digest is in" in err
    assert "changed since the pages were written from it" in err and "(and 1 more" in err


def test_a_figure_cut_short_is_named_as_such(published, capsys):
    """A committed figure that is truncated (or not an image at all) is named as damaged, not
    taken for a failed write."""
    _, docs = published
    curves = docs / "curves.png"
    curves.write_bytes(curves.read_bytes()[:60])
    check_says(docs, capsys, f"{curves} is damaged or not an image (")


def test_check_fails_when_the_samples_are_not_of_the_configurations(published, capsys):
    _, docs = published
    samples = docs / "samples.csv"
    samples.write_text("".join(samples.read_text().splitlines(keepends=True)[:-1]))
    check_says(docs, capsys, "samples.png and samples.csv are not of the configurations of "
               "results.csv", "--from-study")


@pytest.mark.parametrize("damage, message", [
    ("no-results", "results.csv cannot be read as a study's results.csv (No such file"),
    ("damaged-results", "results.csv is damaged: line 4"),
    ("no-sigma", "results.csv is damaged: line 2"),
    ("damaged-quality", "quality.csv is damaged: line 3"),
    ("no-losses", "losses.csv"),
    ("bad-config", "config.json is not a run's config.json"),
])
def test_a_broken_study_is_refused_with_one_line(study, capsys, damage, message):
    out, docs = study
    run = out / "runs" / "post" / "seed-2"
    if damage == "no-results":
        (out / "results.csv").unlink()
    elif damage == "damaged-results":
        results = out / "results.csv"
        results.write_text(results.read_text().replace(",102.0,", ",x,"))
    elif damage == "no-sigma":  # a run evaluated before parzen_sigma: the column empty
        results = out / "results.csv"
        results.write_text(results.read_text().replace(",1.5,0.2,", ",1.5,,", 1))
    elif damage == "bad-config":
        (run / "config.json").write_text("[1]")
    elif damage == "damaged-quality":
        (run / "quality.csv").write_text((run / "quality.csv").read_text().replace("20000", "x"))
    else:
        (run / "losses.csv").unlink()
    assert main(["--from-study", str(out), *args(docs)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("reproduction: error: ") and message in err
    assert len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in docs.iterdir()) == ["PAGE.md.j2", "real.json", "wide"]


def test_failed_configurations_are_told_apart():
    rows = [{"configuration": "post", "classes_covered": 8},
            {"configuration": "wide", "classes_covered": 2},
            {"configuration": "wide", "classes_covered": 1},
            {"configuration": "half", "classes_covered": 1},
            {"configuration": "half", "classes_covered": 3}]
    assert report.failed(rows, ["post", "wide", "half"]) == ["wide"]


def test_equal_values_of_different_seeds_are_drawn_apart():
    offsets = report._side_by_side(3)
    assert len(set(offsets)) == 3 and offsets[1] == 0.0
    assert report._side_by_side(1) == [0.0]


def test_the_committed_wide_logs_are_the_studys_runs():
    """Each committed wide-network log's losses (the means of the 100 iterations before each
    row) equal the row of the study's losses digest for the same run, wherever both have
    one: the logs measured the very runs the study evaluated."""
    docs = ROOT / "docs" / "study"
    with open(docs / "results.csv", newline="") as f:
        studied = {r["configuration"] for r in csv.DictReader(f)}
    logs = []
    for log in sorted((docs / "wide").glob("h*-seed-*.csv")):
        run, seed = log.stem.split("-seed-")
        config = "post" if run == "h128" else run
        # A log of a configuration the committed study has not run yet (a pilot for one it
        # will) has nothing to match; the study's own wide runs always must.
        if config in studied or config in ("post", "h512", "h1200"):
            logs.append((log, config, seed))
    assert len(logs) >= 7, "docs/study/wide/ lacks the logs of the wide runs"
    compared = 0
    for log, config, seed in logs:
        digest = docs / "runs" / config / f"seed-{seed}" / "losses-every-1000.csv"
        if not digest.exists():
            pytest.fail(f"{digest} is missing: copy the study's files with --from-study")
        with open(digest, newline="") as f:
            losses = {r["iteration"]: r for r in csv.DictReader(f)}
        with open(log, newline="") as f:
            for row in csv.DictReader(f):
                logged = losses.get(str(int(row["iteration"]) - 1))
                if logged is None:
                    continue
                for c in ("D_loss", "G_loss", "D_real", "D_fake"):
                    assert row[c] == logged[c], (log.name, row["iteration"], c)
                compared += 1
    assert compared >= 15 * len(logs)


def test_the_samples_figures_labels_fit_however_long_the_name():
    """samples.png once cut the label 'h512-lr-quarter' at the figure's left edge: the margin
    is now as wide as the widest label."""
    import numpy as np

    from tools.figures import samples_figure

    names = ["post", "h512-lr-quarter", "a-configuration-with-a-much-longer-name"]
    fig = samples_figure([(f"{n}\nseed 0", np.zeros((30, 28, 28))) for n in names])
    renderer = fig.canvas.get_renderer()
    labels = [t for ax in fig.axes for t in ax.texts]
    assert [t.get_text().split("\n")[0] for t in labels] == names
    for t in labels:
        box = t.get_window_extent(renderer)
        assert box.x0 >= 0, t.get_text()  # inside the figure
        axes = t.axes.get_window_extent(renderer)
        assert box.x1 <= axes.x0  # beside the samples, not over them
