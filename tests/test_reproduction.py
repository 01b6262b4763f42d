"""docs/REPRODUCTION.md, docs/wide.md and docs/monitor.md, generated: the committed pages and
figures are what the committed files give, a template's tables hold the right figures, and bad
inputs are refused with one line and the page left as it was. (--from-study and the figures:
test_publish; the words the data decide: test_pages.)"""

import csv
import json
import os

import pytest

from gan_vanilla.run.losslog import COLUMNS as LOSS_COLUMNS
from gan_vanilla.run.monitor import COLUMNS as QUALITY_COLUMNS
from gan_vanilla.settings import Settings
from gan_vanilla.study.report import COLUMNS
from tools.build import main
from tools.dynamics import SAMPLE_COLUMNS

from .conftest import ROOT

PAGE = """# A page

Prose before, in the template.

{{ tables.post_seeds }}
Prose between.

{{ tables.knobs }}

{{ runs.count }} runs in {{ runs.configurations }} configurations: {{ runs.minutes }} min
{%- if runs.untimed %}, {{ runs.untimed }} untimed{% endif %}.
Prose after.

{{ tables.histograms }}
"""


def run_row(config, seed, parzen, covered, seconds, flags=""):
    share = [0.0] * 10
    for k in range(covered):
        share[k] = 1 / covered
    return {"configuration": config, "seed": seed, "iterations": 100000, "flags": flags,
            "parzen_ll": parzen, "classes_covered": covered, "kl_uniform": 0.5,
            "classifier_score": 4.5, "frechet_distance": 500.0, "parzen_se": 1.5,
            "parzen_sigma": 0.2,
            **{f"share_{k}": p for k, p in enumerate(share)}, "train_seconds": seconds}


def write_runs(folder, rows):
    """Each run's quality.csv, losses digest and config.json, as publish.py copies them: a
    measurement at 10,000 iterations with the row's coverage, a loss row, the seed."""
    for r in rows:
        run = folder / "runs" / r["configuration"] / f"seed-{r['seed']}"
        run.mkdir(parents=True, exist_ok=True)
        shares = ",".join(str(r[f"share_{k}"]) for k in range(10))
        (run / "quality.csv").write_text(
            f"{','.join(QUALITY_COLUMNS)}\n10000,{r['classes_covered']},0.5,4.5,500,{shares}\n")
        (run / "losses-every-1000.csv").write_text(
            f"{','.join(LOSS_COLUMNS)}\n999,1.2,0.9,0.6,0.3\n")
        settings = {**Settings().to_dict(), "seed": r["seed"]}
        (run / "config.json").write_text(json.dumps({"settings": settings}))


def write_study(folder, rows, page=PAGE):
    """results.csv, real.json, the runs' files and a page, as docs/study and the page hold
    them."""
    folder.mkdir(exist_ok=True)
    with open(folder / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    write_runs(folder, rows)
    # What --from-study draws from the study's checkpoints, which this folder has none of.
    configs = list(dict.fromkeys(r["configuration"] for r in rows))
    (folder / "samples.csv").write_text("configuration,seed,samples," + ",".join(SAMPLE_COLUMNS)
                                        + "\n" + "".join(f"{c},0,2000,1,1,1,1\n" for c in configs))
    (folder / "samples.png").write_bytes(b"")
    real = {"parzen_ll": 242.05, "parzen_se": 2.12, "parzen_sigma": 0.167, "classes_covered": 10,
            "kl_uniform": 0.0018, "classifier_score": 9.8, "frechet_distance": 3.84,
            "class_histogram": [0.1] * 10, "source": "real", "samples": 10000, "seed": 0,
            "classifier_test_accuracy": 0.99}
    (folder / "real.json").write_text(json.dumps(real))
    (folder / "PAGE.md.j2").write_text(page)
    return ["--study", str(folder), "--page", str(folder / "PAGE.md")]


ROWS = [run_row("post", 0, 100.0, 8, 150.0), run_row("post", 1, 120.0, 9, 170.0),
        run_row("post", 2, 90.0, 7, 160.0),
        run_row("wide", 0, 80.0, 10, 400.0, "--h-dim 512"),
        run_row("wide", 1, 130.0, 10, 420.0, "--h-dim 512")]


def test_the_committed_pages_are_what_the_committed_files_give(capsys):
    """CI regenerates the pages and the figures: fails when docs/REPRODUCTION.md, docs/wide.md,
    docs/monitor.md or a figure of docs/study/ is not byte for byte (pixel for pixel) what the
    generator writes from the committed files (a number, or a word a number decides, moved; a
    page was edited by hand), or when a run of results.csv lacks its files under
    docs/study/runs/."""
    docs = ROOT / "docs"
    pages = [arg for page in ("REPRODUCTION.md", "wide.md", "monitor.md")
             for arg in ("--page", str(docs / page))]
    assert main(["--check", "--study", str(docs / "study"), *pages]) == 0, \
        capsys.readouterr().err


def test_blocks_get_the_results_and_the_prose_stays(tmp_path):
    args = write_study(tmp_path / "s", ROWS)
    assert main(args) == 0
    page = (tmp_path / "s" / "PAGE.md").read_text()
    assert "{{" not in page
    for prose in ("Prose before, in the template.", "Prose between.", "Prose after."):
        assert prose in page
    # The baseline's seeds one by one, their mean ± sd (min to max), and the real row.
    assert "| seed 1 | 120.0 ± 1.5 | 0.200 | 9 |" in page
    assert ("| **3 seeds: mean ± sd (min to max)** | 103.33 ± 15.28 (90.0 to 120.0) | "
            "0.200 to 0.200 |") in page
    assert ("| real training images (reference) | 242.1 ± 2.1 | 0.167 | 10 | 0.002 | 9.80 | "
            "3.8 |") \
        in page
    # The knob: coverage 10 lies above the post's 7 to 9; its Parzen mean 105 lies within
    # the post's 90 to 120, though one seed (130) is outside. The post has no row of its own.
    wide = next(line for line in page.splitlines() if line.startswith("| wide |"))
    cells = [c.strip() for c in wide.strip("|").split("|")]
    assert cells[:3] == ["wide", "--h-dim 512", "2"]
    assert cells[3] == "105.00 (80.0 to 130.0); within"
    assert cells[4] == "10.0 (10 to 10); **above**"
    assert cells[-1] == "410"
    assert "| post |" not in page
    # The training time, summed over the runs: 1,300 s.
    assert "5 runs in 2 configurations: 22 min.\n" in page
    # Each digit's share of each of the post's seeds, then real images: seed 1 covers nine
    # digits evenly, so 0 to 8 have 11.1% each and 9 none.
    assert "| seed 1 | 11.1 | 11.1 | 11.1 | 11.1 | 11.1 | 11.1 | 11.1 | 11.1 | 11.1 | 0.0 |" in page
    assert "| real training images | 10.0 | 10.0 |" in page
    # A second pass changes nothing, and --check agrees.
    assert main(args) == 0
    assert (tmp_path / "s" / "PAGE.md").read_text() == page
    assert main([*args, "--check"]) == 0


def test_check_fails_when_the_results_changed(tmp_path, capsys):
    args = write_study(tmp_path / "s", ROWS)
    assert main(args) == 0
    page = (tmp_path / "s" / "PAGE.md").read_text()
    figures = {p.name: p.read_bytes() for p in (tmp_path / "s").glob("*.png")}
    write_study(tmp_path / "s", [*ROWS[:-1], run_row("wide", 1, 131.0, 10, 420.0)])
    assert main([*args, "--check"]) == 1
    # The figure drawn from results.csv says so first; the page and the summaries are stale too.
    err = capsys.readouterr().err
    assert "metrics.png is not the figure its data give" in err
    assert err.rstrip().endswith("more problems)") and len(err.strip().splitlines()) == 1
    assert (tmp_path / "s" / "PAGE.md").read_text() == page  # --check writes nothing
    assert {p.name: p.read_bytes() for p in (tmp_path / "s").glob("*.png")} == figures
    # Once the figures and summaries are drawn again, the page's tables are what is left.
    assert main(args) == 0
    (tmp_path / "s" / "PAGE.md").write_text(page)
    assert main([*args, "--check"]) == 1
    assert "PAGE.md is not what its template and" in capsys.readouterr().err


def test_runs_without_a_training_time_and_a_single_seed(tmp_path):
    """A run a scheduler ran has no training time: it is counted and said, not taken as 0."""
    rows = [*ROWS[:3], {**run_row("once", 0, 95.0, 8, 0.0), "train_seconds": ""}]
    args = write_study(tmp_path / "s", rows)
    assert main(args) == 0
    page = (tmp_path / "s" / "PAGE.md").read_text()
    assert "4 runs in 2 configurations: 8 min, 1 untimed." in page
    once = next(line for line in page.splitlines() if line.startswith("| once |"))
    assert "| 95.00 (95.0 to 95.0); within |" in once and once.endswith("|  |")


@pytest.mark.parametrize("change, message", [
    ("unknown-table", "PAGE.md.j2: 'dict object' has no attribute 'knobz'"),
    ("unknown-fact", "has no attribute 'parzen_typo'"),
    ("unclosed-if", "PAGE.md.j2, line 15: Unexpected end of template"),
    ("no-template", "cannot read"),
    ("short-row", "results.csv is damaged: line 3 ('post,1,100000,,120.0') is not a row with"),
    ("infinite", "line 2: parzen_ll 'inf' is not a finite number"),
    ("no-baseline", "has no run of the configuration 'post'"),
    ("no-column", "has no column parzen_ll"),
    ("not-a-number", "results.csv is damaged: line 2"),
    ("real-short-histogram", "is not an evaluation of real images"),
    ("real-not-real", "is not an evaluation of real images"),
    ("real-not-json", "is not JSON"),
    ("no-real", "cannot read"),
])
def test_bad_inputs_get_one_line_and_leave_the_page(tmp_path, capsys, change, message):
    folder = tmp_path / "s"
    args = write_study(folder, ROWS)
    template, results = folder / "PAGE.md.j2", folder / "results.csv"
    page_path = folder / "PAGE.md"
    page_path.write_text("the page as it was\n")
    if change == "unknown-table":
        template.write_text(PAGE.replace("tables.knobs", "tables.knobz"))
    elif change == "unknown-fact":  # never an empty gap where a number should be
        template.write_text(PAGE + "{{ runs.parzen_typo }}\n")
    elif change == "unclosed-if":
        template.write_text(PAGE + "{% if losses.apart %}here they part\n")
    elif change == "no-template":
        os.remove(template)
    elif change == "short-row":
        lines = results.read_text().splitlines(keepends=True)
        lines[2] = ",".join(lines[2].split(",")[:5]) + "\n"
        results.write_text("".join(lines))
    elif change == "infinite":
        results.write_text(results.read_text().replace("100.0", "inf", 1))
    elif change == "real-short-histogram":
        real = json.loads((folder / "real.json").read_text())
        (folder / "real.json").write_text(json.dumps({**real, "class_histogram": [0.1] * 9}))
    elif change == "no-baseline":
        write_study(folder, ROWS[3:])
    elif change == "no-column":
        results.write_text(results.read_text().replace("parzen_ll", "parzen"))
    elif change == "not-a-number":
        results.write_text(results.read_text().replace("100.0", "x", 1))
    elif change == "real-not-real":
        (folder / "real.json").write_text(json.dumps({"source": "out/checkpoint.pt"}))
    elif change == "real-not-json":
        (folder / "real.json").write_text("{")
    elif change == "no-real":
        os.remove(folder / "real.json")
    before = page_path.read_text()
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("reproduction: error: ") and message in err
    assert len(err.strip().splitlines()) == 1
    assert page_path.read_text() == before


BEST_PAGE = """{{ tables.best }}
"""


def with_best(row, iteration, parzen, covered):
    return {**row, "best_iteration": iteration, "best_parzen_ll": parzen,
            "best_classes_covered": covered, "best_kl_uniform": 0.2,
            "best_classifier_score": 6.0, "best_frechet_distance": 250.0}


def write_best_study(folder, rows):
    args = write_study(folder, [], page=BEST_PAGE)
    with open(folder / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    write_runs(folder, rows)
    return args


def test_the_best_generators_against_the_last_over_seeds(tmp_path):
    rows = [with_best(ROWS[0], 30000, 95.0, 10), with_best(ROWS[1], 40000, 110.0, 10),
            with_best(ROWS[2], 20000, 100.0, 10), *ROWS[3:]]  # "wide" kept no best generator
    args = write_best_study(tmp_path / "s", rows)
    assert main(args) == 0
    page = (tmp_path / "s" / "PAGE.md").read_text()
    best = next(line for line in page.splitlines() if line.startswith("| post |"))
    best = [c.strip() for c in best.strip("|").split("|")]
    # Parzen's best mean (101.7) lies within the last generators' 90 to 120; every best
    # covers 10 digits, above the last generators' 7 to 9.
    assert best[1:4] == ["3", "101.67 (95.0 to 110.0); within", "10.0 (10 to 10); **above**"]
    assert best[-1] == "20,000 to 40,000"
    assert "| wide |" not in page


def test_a_run_with_half_its_best_figures_is_refused(tmp_path, capsys):
    half = {**with_best(ROWS[0], 30000, 95.0, 10), "best_frechet_distance": ""}
    args = write_best_study(tmp_path / "s", [half, *ROWS[1:]])
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "line 2: best_frechet_distance is empty while best_iteration is not" in err
    assert not (tmp_path / "s" / "PAGE.md").exists()  # nothing written
