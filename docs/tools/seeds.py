"""The facts of the post's seeds: the study's settings, and what the post's ten seeds give
(their evaluation, their losses, their quality monitor over training).

Each function of facts computes them as local names, raw, and returns them all (locals()):
the template names them and writes them with the filters of words.py,
`{{ seeds.parzen|span(0) }}`, as the other facts modules do."""

import inspect
import math
import statistics

from gan_vanilla.data import read_data_sets
from gan_vanilla.measure.evaluation import evaluate
from gan_vanilla.run.monitor import MISSING_BELOW as COVERED_AT  # evaluate's threshold too
from gan_vanilla.run.monitor import SAMPLES
from gan_vanilla.study.normal import how_far

from . import publish
from .study_files import BASELINE, DIGEST_EVERY
from .tables import LOSSES_FROM, loss_ranges
from .words import claim, overlap_words, weakest

TABLE1 = "Goodfellow et al. 2014, Table 1"  # published.csv's rows of the GAN paper's table


def runs(s):
    """The settings every run shares (`post`: the baseline's config.json), the study's size and
    training time (`minutes`, summed over the runs that have one), and what an evaluation
    measures (`real`: real.json records evaluate's settings)."""
    post, real = s.settings[BASELINE], s.real
    seeds, first_seed = len(s.of(BASELINE)), min(r["seed"] for r in s.of(BASELINE))
    count, configurations = len(s.rows), len(s.configurations)
    timed = [r["train_seconds"] for r in s.rows if not math.isnan(r["train_seconds"])]
    minutes, untimed = round(sum(timed) / 60), count - len(timed)
    torch = sorted({v.get("torch", "?").split("+")[0] for v in s.versions})
    covered_at, monitored, digest_every = COVERED_AT, SAMPLES, DIGEST_EVERY
    drawn, measured = publish.SAMPLES_PER_CONFIGURATION, publish.SAMPLES_MEASURED
    # How many validation images choose the Parzen window, of how many the split holds out.
    chosen_on = inspect.signature(evaluate).parameters["parzen_validation"].default
    held_out = inspect.signature(read_data_sets).parameters["validation_size"].default
    return locals()


def seeds(s):
    """The post's seeds at their last iteration: Parzen against the paper's table and real
    images, the two digits they draw most, the classifier's score and distance."""
    post, real = s.of(BASELINE), s.real
    parzen, score, fd, covered = ([r[m] for r in post] for m in (
        "parzen_ll", "classifier_score", "frechet_distance", "classes_covered"))
    mean, sd = statistics.fmean(parzen), statistics.stdev(parzen)
    paper = {r["model"]: r["value"] for r in s.published(TABLE1)}
    claim(mean < min(paper.values()), "On average the post lands below every row of the table")
    spread = max(parzen) - min(parzen)
    leads = (paper["DBN"] - paper["Stacked CAE"], paper["Adversarial nets"] - paper["Deep GSN"])
    claim(spread > max(leads), "The seed alone moves the figure by more than the DBN's lead")
    real_far = how_far(parzen, real["parzen_ll"])
    claim(max(covered) < 10, "some digits fall under 1%")
    claim(how_far(fd, real["frechet_distance"]).startswith("far"),
          "the samples' features sit far from the test images'")
    shares = {d: [r[f"share_{d}"] for r in post] for d in range(10)}
    top_two = sorted(sorted(shares, key=lambda d: -statistics.fmean(shares[d]))[:2])
    top_two_share = [sum(r[f"share_{d}"] for d in top_two) for r in post]
    top_two_everywhere = all(top_two == sorted(sorted(
        range(10), key=lambda d, r=r: -r[f"share_{d}"])[:2]) for r in post)
    return locals()


def losses(s):
    """The losses digest of the post's seeds after tables.LOSSES_FROM, and whether the seeds
    that end with the most digits and those with the fewest span different ranges (`ranges`:
    the weakest claim both columns support)."""
    post, skipped = s.of(BASELINE), LOSSES_FROM
    by_seed = {r["seed"]: loss_ranges(s, r["seed"]) for r in post}
    covered = [r["classes_covered"] for r in post]
    most, fewest = ([r["seed"] for r in post if r["classes_covered"] == f(covered)]
                    for f in (max, min))
    ranges = weakest(overlap_words([v for seed in most for v in by_seed[seed][c]],
                                   [v for seed in fewest for v in by_seed[seed][c]])
                     for c in ("D_loss", "D_fake"))
    return locals()


def watch(s):
    """The quality monitor over the post's seeds: the measurements where every seed draws all
    ten digits, when each first loses one after them, their best and last scores, and the
    seed whose score falls least."""
    q = {r["seed"]: s.quality(BASELINE, r["seed"]) for r in s.of(BASELINE)}
    its = sorted(set.intersection(*(set(x["iteration"]) for x in q.values())))

    def at(seed, column, it):
        return q[seed][column][q[seed]["iteration"].index(it)]

    all_ten = [it for it in its if all(at(seed, "classes_covered", it) == 10 for seed in q)]
    claim(all_ten, "Every one of the ten seeds draws all ten digits at some measurement")
    early = [at(seed, "classifier_score", it) for seed in q for it in all_ten]
    drops = {seed: next((it for it in its if it > all_ten[-1]
                         and at(seed, "classes_covered", it) < 10), None) for seed in q}
    claim(None not in drops.values(), "After that the digits go, one seed after another")
    best = {seed: max(x["classifier_score"]) for seed, x in q.items()}
    end = {seed: x["classifier_score"][-1] for seed, x in q.items()}
    least = min(q, key=lambda seed: best[seed] - end[seed])
    half = min(its, key=lambda it: abs(it - its[-1] / 2))
    claim(all(end[seed] < at(seed, "classifier_score", half) for seed in q),
          "The second half of the post's iterations makes the samples less varied")
    return locals()


def published(s):
    """The papers' figures the page quotes (published.csv): the GAN paper's table, and
    Lucic et al.'s rows by model."""
    table1 = "\n".join(["| model | Parzen (nats) |", "|---|---|", *(
        f"| {r['model']} | {r['value']:g} ± {r['plus_minus']:g} |"
        for r in s.published(TABLE1))])
    lucic = {r["model"]: f"{r['value']:g} ± {r['plus_minus']:g}"
             for r in s.published("Lucic et al. 2018")}
    return locals()


def earlier(s):
    """The seeds an earlier version of the page gave (earlier.csv), beside this study's."""
    old, now = s.earlier, {r["seed"]: r for r in s.of(BASELINE)}
    seeds = sorted(old)
    parzen, covered = ([r[m] for r in s.of(BASELINE)] for m in ("parzen_ll", "classes_covered"))
    inside = all(min(parzen) <= old[k]["parzen_ll"] <= max(parzen) for k in seeds)
    outside = [k for k in seeds if not min(covered) <= old[k]["classes_covered"] <= max(covered)]
    above = [k for k in outside if old[k]["classes_covered"] > max(covered)]
    return locals()
