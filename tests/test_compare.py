"""Is my run normal? gan-vanilla-compare places a run's figures in the spread of the committed
study's seeds of its settings, says better or worse, and gives a verdict calibrated on the
study's own seeds: a committed seed is usual, a fabricated outlier unusual. The expected
ranges are computed here, from the study's files, by code of the test's own."""

import csv
import json
import shutil
import subprocess
import sys
import tomllib

import pytest

from gan_vanilla.cli.compare_command import main
from gan_vanilla.study.normal import Figure, place

from .conftest import ROOT, one_clear_line

STUDY = ROOT / "docs" / "study"
POST = STUDY / "runs" / "post"
PROG = "gan-vanilla-compare"
METRICS = ("parzen_ll", "classes_covered", "kl_uniform", "classifier_score", "frechet_distance")
QUALITY = METRICS[1:]


def columns(path):
    rows = list(csv.DictReader(path.open()))
    return {int(float(r["iteration"])): {m: float(r[m]) for m in QUALITY} for r in rows}


def study_figures(evaluated=False):
    """{seed: {(what, iteration, metric): figure}} for the post's ten seeds, read here: every
    quality.csv row, and (evaluated) results.csv's last-generator figures."""
    seeds = {}
    for row in csv.DictReader((STUDY / "results.csv").open()):
        if row["configuration"] != "post":
            continue
        seed = int(row["seed"])
        figs = {("quality", it, m): v for it, ms in columns(POST / f"seed-{seed}" /
                                                              "quality.csv").items()
                for m, v in ms.items()}
        if evaluated:
            figs.update({("last", int(row["iterations"]), m): float(row[m]) for m in METRICS})
        seeds[seed] = figs
    return seeds


def outside(value, values):
    """(outside the range, far: by more than the range is wide)."""
    low, high = min(values), max(values)
    gap = max(low - value, value - high, 0)
    return gap > 0, gap > high - low


def usual(seeds):
    """Each seed against the other nine: ([min, max] outside, [min, max] far)."""
    counts = []
    for s, figs in seeds.items():
        placed = [outside(v, [seeds[o][key] for o in seeds if o != s]) for key, v in figs.items()]
        counts.append((sum(o for o, _ in placed), sum(f for _, f in placed)))
    return ([min(c[0] for c in counts), max(c[0] for c in counts)],
            [min(c[1] for c in counts), max(c[1] for c in counts)])


def compared(capsys, run, *flags):
    assert main([str(run), *flags]) == 0
    out = capsys.readouterr().out
    return json.loads(out) if "--json" in flags else out.splitlines()


def test_a_committed_seed_is_usual_against_the_other_nine(capsys):
    seeds = study_figures()
    usual_outside, usual_far = usual(seeds)
    # Seed 3 is one of the ten: placed against the other nine, as the verdict places each.
    mine = [outside(v, [seeds[o][key] for o in seeds if o != 3]) for key, v in seeds[3].items()]
    report = compared(capsys, POST / "seed-3", "--json")
    assert report["verdict"] == "usual" and report["placed_without_seed"] == 3
    assert (report["usual_outside"], report["usual_far"]) == (usual_outside, usual_far)
    assert report["outside"] == sum(o for o, _ in mine) and report["far"] == sum(f for _, f in mine)
    assert len(report["figures"]) == len(seeds[3])  # every quality.csv figure, each placed
    # The default study is the committed one, installed or, in a checkout, docs/study.
    assert report["study"] == "the committed study"
    out = compared(capsys, POST / "seed-3")
    assert out[-2] == (f"Usual: {report['outside']} outside and {report['far']} far, where the "
                       f"study's seeds have at most {usual_outside[1]} and {usual_far[1]}: a "
                       "run like the study's.")
    # docs/training.md's example is what the command prints for this run.
    doc = (ROOT / "docs" / "training.md").read_text()
    example = doc.split("python scripts/compare.py docs/study/runs/post/seed-3`")[1]
    example = example.split("```")[1].strip("\n")
    assert all(line in out for line in example.splitlines()), example


def fabricate(run):
    """An outlier from seed 3's folder: two digits and far-off samples from 50,000 on, and a
    last evaluation with two digits and far-off Parzen and Frechet figures."""
    shutil.copytree(POST / "seed-3", run)
    rows = list(csv.reader((run / "quality.csv").open()))
    for row in rows[1:]:
        if int(row[0]) >= 50000:
            row[1], row[4] = "2", str(8 * float(row[4]))
    with (run / "quality.csv").open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    evaluation = {"iteration": 100000, "parzen_ll": 20.0, "classes_covered": 2,
                  "kl_uniform": 0.4, "classifier_score": 4.8, "frechet_distance": 3000.0}
    (run / "evaluation.json").write_text(json.dumps(evaluation))
    return evaluation


def test_a_fabricated_outlier_is_unusual(tmp_path, capsys):
    evaluation = fabricate(tmp_path / "run")
    seeds = study_figures(evaluated=True)
    usual_outside, usual_far = usual(seeds)
    figs = {**{("quality", it, m): v for it, ms in columns(tmp_path / "run" /
                                                            "quality.csv").items()
               for m, v in ms.items()},
            **{("last", 100000, m): evaluation[m] for m in METRICS}}
    placed = [outside(v, [seeds[s][key] for s in seeds]) for key, v in figs.items()]
    report = compared(capsys, tmp_path / "run", "--json")
    assert (report["usual_outside"], report["usual_far"]) == (usual_outside, usual_far)
    assert report["outside"] == sum(o for o, _ in placed)
    assert report["far"] == sum(f for _, f in placed) > usual_far[1]
    assert report["verdict"] == "unusual" and report["placed_without_seed"] is None
    parzen = next(f for f in report["figures"] if f["what"] == "last"
                  and f["metric"] == "parzen_ll")
    theirs = [seeds[s][("last", 100000, "parzen_ll")] for s in seeds]
    assert parzen == {"what": "last", "iteration": 100000, "metric": "parzen_ll", "value": 20.0,
                      "range": [min(theirs), max(theirs)], "side": "far below",
                      "better_or_worse": "worse", "seeds_lower_level_higher": "all 10 higher"}
    out = "\n".join(compared(capsys, tmp_path / "run"))
    assert "digits 2 (far below, worse: all 10 higher)" in out
    assert "FD 3000 (far above, worse: all 10 lower)" in out
    assert "score 4.80 (within:" in out
    assert f"Unusual: {report['outside']} outside and {report['far']} far" in out
    assert "How it is judged: each of the study's 10 seeds is placed against the other 9" in out


@pytest.mark.parametrize("metric, side, judged", [
    ("parzen_ll", "far above", "better"), ("parzen_ll", "below", "worse"),
    ("classes_covered", "below", "worse"), ("kl_uniform", "above", "worse"),
    ("kl_uniform", "below", "better"), ("classifier_score", "far below", "worse"),
    ("frechet_distance", "above", "worse"), ("frechet_distance", "below", "better"),
    ("frechet_distance", "within", None)])
def test_each_side_is_better_or_worse_by_the_metrics_direction(metric, side, judged):
    assert Figure("last", 1, metric, 0.0, {}).judged(side) == judged


def evaluation(**changes):
    ev = {"iteration": 100000, "parzen_ll": 110.0, "classes_covered": 9, "kl_uniform": 0.4,
          "classifier_score": 4.8, "frechet_distance": 450.0, **changes}
    return json.dumps({k: v for k, v in ev.items() if v != "leave out"})


@pytest.mark.parametrize("change, says", [
    ("settings", "has no configuration trained with"),
    ("no-config", "has no config.json: is it a run's folder"),
    ("no-folder", "is no folder: give a run's folder"),
    ("ensemble", "holds an ensemble: name one member's folder"),
    ("best-without-iteration", "evaluation-best.json is incomplete (no iteration)"),
    ("best-iteration-text", 'evaluation-best.json has iteration "30000", not a count'),
    ("nan", "evaluation.json has parzen_ll NaN, not a finite number"),
    ("true", "evaluation.json has classes_covered true, not a finite number"),
    ("negative", "evaluation.json has frechet_distance -3, outside 0 to inf"),
    ("eleven-digits", "quality.csv, iteration 20000: classes_covered 11, outside 0 to 10"),
    ("duplicate-row", "quality.csv has iteration 20000 twice"),
    ("text-lr", 'config.json has lr "0.001", not a number'),
])
def test_what_cannot_be_compared_is_one_line(tmp_path, capsys, change, says):
    run = tmp_path / "run"
    shutil.copytree(POST / "seed-3", run)
    config, quality = run / "config.json", run / "quality.csv"
    lines = quality.read_text().splitlines(keepends=True)
    data = json.loads(config.read_text())
    if change == "settings":
        data["settings"]["h_dim"] = 64
    elif change == "text-lr":
        data["settings"]["lr"] = "0.001"
    config.write_text(json.dumps(data))
    match change:
        case "no-config":
            config.unlink()
        case "no-folder":
            shutil.rmtree(run)
        case "ensemble":
            (run / "ensemble.json").write_text('{"seeds": [3]}')
        case "best-without-iteration":
            (run / "evaluation-best.json").write_text(evaluation(iteration="leave out"))
        case "best-iteration-text":
            (run / "evaluation-best.json").write_text(evaluation(iteration="30000"))
        case "nan":
            (run / "evaluation.json").write_text(evaluation(parzen_ll=float("nan")))
        case "true":
            (run / "evaluation.json").write_text(evaluation(classes_covered=True))
        case "negative":
            (run / "evaluation.json").write_text(evaluation(frechet_distance=-3))
        case "eleven-digits":
            quality.write_text("".join([*lines[:2], lines[2].replace("20000,10,", "20000,11,"),
                                        *lines[3:]]))
        case "duplicate-row":
            quality.write_text("".join([*lines, lines[2]]))
    assert main([str(run)]) == 1
    err = one_clear_line(capsys, PROG)
    assert says in err and err.count("\n") == 1
    assert capsys.readouterr().out == ""  # nothing placed, nothing printed twice


def test_a_study_that_lacks_a_runs_file_is_named_once(tmp_path, capsys):
    study = tmp_path / "study"
    shutil.copytree(STUDY, study)
    (study / "runs" / "post" / "seed-0" / "config.json").unlink()
    assert main([str(POST / "seed-3"), "--study", str(study)]) == 1
    err = one_clear_line(capsys, PROG)
    assert f"{study}/runs/post/seed-0/config.json is missing" in err
    assert err.count("results.csv") == 1


@pytest.mark.parametrize("value, word, counts", [
    (5.0, "within", "1 lower, 1 level, 1 higher"), (6.5, "above", "all 3 lower"),
    (9.0, "far above", "all 3 lower"), (3.5, "below", "all 3 higher"),
    (5.0, "within", "all 3 level")])
def test_place_words_a_figure_against_the_seeds(value, word, counts):
    seeds = [5.0, 5.0, 5.0] if counts == "all 3 level" else [4.0, 5.0, 6.0]
    assert place(value, seeds) == (word, counts)


def test_the_wheel_lists_every_folder_of_the_package_and_the_committed_study():
    listed = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {".".join(p.parent.relative_to(ROOT).parts)
               for p in (ROOT / "gan_vanilla").rglob("__init__.py")}
    assert set(listed["packages"]) == folders | {"gan_vanilla.study.committed"}
    assert listed["package-dir"] == {"gan_vanilla.study.committed": "docs/study"}


@pytest.mark.slow
def test_the_installed_wheel_answers_from_any_folder(tmp_path):
    """Built from this checkout and installed in a folder of its own, the command finds the
    committed study inside the package, for a run folder anywhere, run from elsewhere."""
    pytest.importorskip("setuptools")
    source, wheels = tmp_path / "source", tmp_path / "wheels"
    target, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    # What the wheel is built from, copied: a build leaves build/ behind in its source.
    for name in ("pyproject.toml", "README.md", "gan_vanilla", "docs/study"):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        copy(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels),
                    str(source)], check=True, cwd=tmp_path, timeout=300)
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target),
                    *map(str, wheels.glob("*.whl"))], check=True, timeout=300)
    elsewhere.mkdir()
    shutil.copytree(POST / "seed-3", tmp_path / "somewhere" / "run")
    code = ("import sys, gan_vanilla; from gan_vanilla.cli.compare_command import main; "
            "print(gan_vanilla.__file__, file=sys.stderr); sys.exit(main(sys.argv[1:]))")
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path / "somewhere" / "run"),
                        "--json"], capture_output=True, text=True, cwd=elsewhere,
                       env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stderr.startswith(str(target))  # the installed package, not this checkout
    report = json.loads(r.stdout)
    assert report["verdict"] == "usual" and report["configuration"] == "post"
    assert (target / "gan_vanilla" / "study" / "committed" / "results.csv").read_bytes() == (
        STUDY / "results.csv").read_bytes()
