"""The numbers in docs/REPRODUCTION.md's hand-written prose, recomputed from the committed files
they come from. `reproduction.py --check` keeps the generated tables and figures true; this keeps
the prose true: when the study runs again and a number moves, a test here fails and says the
sentence as the files now give it."""

import csv
import json
import statistics
from pathlib import Path

import pytest

from .conftest import ROOT

DOCS = ROOT / "docs"
STUDY = DOCS / "study"
WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
         8: "eight", 9: "nine", 10: "ten"}


def text(path):
    """A page with every run of whitespace made one space, as a reader sees it."""
    return " ".join(Path(path).read_text(encoding="utf-8").split())


def says(sentence, page=DOCS / "REPRODUCTION.md"):
    sentence = " ".join(sentence.split())
    assert sentence in text(page), f"{page.name} should say, as its files now give it: " \
                                   f"{sentence!r}"


@pytest.fixture(scope="module")
def rows():
    with open(STUDY / "results.csv", newline="") as f:
        out = list(csv.DictReader(f))
    for r in out:
        for k, v in r.items():
            if k not in ("configuration", "seed", "flags"):
                r[k] = float(v) if v else None
    return out


@pytest.fixture(scope="module")
def real():
    return json.loads((STUDY / "real.json").read_text())


def of(rows, config):
    return [r for r in rows if r["configuration"] == config]


def low_to_high(rs, metric, fmt):
    """'min to max' of a metric over some rows of results.csv, each formatted by fmt."""
    values = [r[metric] for r in rs]
    return f"{min(values):{fmt}} to {max(values):{fmt}}"


def verdict(rows, config, metric, best=False):
    """above / below / within: the mean of a configuration (or of the baseline's best
    generators) against the range of the baseline's last generators (reproduction.verdict)."""
    base = [r[metric] for r in of(rows, "post")]
    mine = of(rows, "post") if best else of(rows, config)
    mean = statistics.fmean(r[f"best_{metric}" if best else metric] for r in mine)
    return "above" if mean > max(base) else "below" if mean < min(base) else "within"


# ---------------------------------------------------------------------------------------------
# The post's settings over ten seeds


def test_the_parzen_figures(rows, real):
    post = [r["parzen_ll"] for r in of(rows, "post")]
    says(f"The post's GAN lands at {min(post):.0f} to {max(post):.0f} nats over ten seeds, "
         f"{statistics.fmean(post):.0f} on average")
    above = [r["seed"] for r in of(rows, "post") if r["parzen_ll"] > 121]
    assert above == ["7"], f"seeds above the stacked CAE's 121: {above}"
    says(f"far below real training images under the same estimator ({real['parzen_ll']:.0f})")
    says(f"The seed alone moves the post's figure by {max(post) - min(post):.0f} nats")


def test_the_class_shares(rows):
    post = of(rows, "post")
    three_eight = [100 * (r["share_3"] + r["share_8"]) for r in post]
    sixes = [100 * r["share_6"] for r in post]
    fours = sum(r["share_4"] < 0.01 for r in post)
    sevens = sum(r["share_7"] < 0.01 for r in post)
    says(f"in every seed 3s and 8s make up {min(three_eight):.0f} to {max(three_eight):.0f}% "
         f"of the samples, 6s stay between {min(sixes):.1f} and {max(sixes):.1f}%, and 4s and "
         f"7s fall under 1% in {WORDS[fours]} and {WORDS[sevens]} of the ten seeds")


def test_the_classifier_figures(rows, real):
    post = of(rows, "post")
    score = [r["classifier_score"] for r in post]
    fd = [r["frechet_distance"] for r in post]
    says(f"So the classifier score is {min(score):.1f} to {max(score):.1f} where real images "
         f"reach {real['classifier_score']:.1f}")
    says(f"(Frechet distance {min(fd):.0f} to {max(fd):.0f}, against "
         f"{real['frechet_distance']:.1f} for real images)")
    says(f"({real['classifier_test_accuracy']:.2%} test accuracy, `real.json`)")


def test_the_earlier_seeds_are_these_runs(rows):
    post = {r["seed"]: r for r in of(rows, "post")}
    says(f"seed 0 gave {post['0']['parzen_ll']:.1f} nats and {post['0']['classes_covered']:.0f} "
         f"digits in this study, seed 1 {post['1']['parzen_ll']:.1f} and "
         f"{post['1']['classes_covered']:.0f}, seed 2 {post['2']['parzen_ll']:.1f} and "
         f"{post['2']['classes_covered']:.0f}")


def columns(config, seed, name):
    """A run's committed quality.csv or losses digest as {column: [floats]}."""
    with open(STUDY / "runs" / config / f"seed-{seed}" / name, newline="") as f:
        rows = list(csv.DictReader(f))
    return {c: [float(r[c]) for r in rows] for c in rows[0]}


def test_the_losses_cannot_tell(rows):
    post = of(rows, "post")
    ranges = {}
    for r in post:
        losses = columns("post", r["seed"], "losses-every-1000.csv")
        keep = [k for k, it in enumerate(losses["iteration"]) if it >= 10000]
        ranges[r["seed"]] = {c: [losses[c][k] for k in keep] for c in ("D_loss", "D_fake")}
    every = {c: [v for seed in ranges.values() for v in seed[c]] for c in ("D_loss", "D_fake")}
    says(f"After its first 10,000 iterations no seed's D_loss leaves {min(every['D_loss']):.2f} "
         f"to {max(every['D_loss']):.2f}, nor its mean D(G(z)) {min(every['D_fake']):.2f} to "
         f"{max(every['D_fake']):.2f}")
    # "the seeds that end with nine digits span the same ranges as those that end with seven"
    for c in ("D_loss", "D_fake"):
        nine = [v for r in post if r["classes_covered"] == 9 for v in ranges[r["seed"]][c]]
        seven = [v for r in post if r["classes_covered"] == 7 for v in ranges[r["seed"]][c]]
        assert nine and seven and max(min(nine), min(seven)) < min(max(nine), max(seven)), c


def test_the_monitor_sees_the_collapse(rows):
    post = of(rows, "post")
    quality = {r["seed"]: columns("post", r["seed"], "quality.csv") for r in post}

    def at(q, it, c):
        return q[c][q["iteration"].index(it)]

    early = [at(q, it, "classifier_score") for q in quality.values()
             for it in (20000, 30000, 40000)]
    assert all(at(q, it, "classes_covered") == 10 for q in quality.values()
               for it in (20000, 30000, 40000))
    says(f"with a classifier score of {min(early):.1f} to {max(early):.1f} on the monitor's "
         "2,000 samples")
    drops = {s: next((it for it, c in zip(q["iteration"], q["classes_covered"], strict=True)
                      if it > 40000 and c < 10), None) for s, q in quality.items()}
    assert None not in drops.values(), drops
    last = max(q["iteration"][-1] for q in quality.values())
    assert max(drops.values()) == last
    says(f"the first seed to lose one does so at {min(drops.values()):,.0f} iterations, the last "
         "only at the last measurement")
    best = [max(q["classifier_score"]) for q in quality.values()]
    end = [q["classifier_score"][-1] for q in quality.values()]
    says(f"every seed's score falls from its best, {min(best):.1f} to {max(best):.1f}, to "
         f"{min(end):.1f} to {max(end):.1f} at the last measurement")
    seven = quality["7"]
    loss = {s: max(q["classifier_score"]) - q["classifier_score"][-1] for s, q in quality.items()}
    assert min(loss, key=loss.get) == "7"  # "Seed 7 loses least"
    assert at(seven, 80000, "classes_covered") == 9 and at(seven, 90000, "classes_covered") == 10
    says(f"its score falls only from {max(seven['classifier_score']):.2f} to "
         f"{seven['classifier_score'][-1]:.2f}")
    covered = [r["classes_covered"] for r in post]
    score = [r["classifier_score"] for r in post]
    says(f"The final evaluation, on 10,000 samples, finds {min(covered):.0f} to {max(covered):.0f} "
         f"digits and a score of {min(score):.1f} to {max(score):.1f}")


# ---------------------------------------------------------------------------------------------
# The knobs


def test_what_moves_coverage(rows):
    assert all(r["classes_covered"] == 10 for c in ("dcgan-adam", "lr-2e-4")
               for r in of(rows, c))
    assert all(r["classes_covered"] <= 2 for c in ("h512", "h1200") for r in of(rows, c))
    # "the 512-unit G at a quarter of the step still ends with three or four"
    assert {r["classes_covered"] for r in of(rows, "h512-lr-quarter")} == {3, 4}
    for config in ("beta1-half", "mb128", "200k"):
        assert verdict(rows, config, "classes_covered") == "within", config


def test_where_the_parzen_figure_goes(rows):
    knobs = [c for c in dict.fromkeys(r["configuration"] for r in rows) if c != "post"]
    marks = {c: verdict(rows, c, "parzen_ll") for c in knobs}
    # "leaves the post's range for every knob but the larger minibatch and the smaller step
    # alone, always downwards"
    assert {c for c, m in marks.items() if m != "below"} == {"mb128", "lr-2e-4"}, marks
    assert marks["mb128"] == marks["lr-2e-4"] == "within"
    classifier = ("classes_covered", "kl_uniform", "classifier_score", "frechet_distance")
    # "For the wide networks it agrees with the classifier's figures, all of which leave the
    # range on the bad side, and for 200,000 iterations with three of them"
    for config in ("h512", "h1200", "h512-lr-quarter"):
        assert [verdict(rows, config, m) for m in classifier] == \
            ["below", "above", "below", "above"], config
    assert [verdict(rows, "200k", m) for m in classifier] == \
        ["within", "above", "below", "above"]
    # "For the two smaller steps they part ... the coverage, KL, classifier score and Frechet
    # distance of both leave it on the good side"
    for config in ("dcgan-adam", "lr-2e-4"):
        assert [verdict(rows, config, m) for m in classifier] == \
            ["above", "below", "above", "below"], config
    # "--beta1 0.5 alone keeps coverage, KL, score and distance inside the post's spread";
    # "--mb-size 128 moves nothing beyond the seeds' spread"
    for config, metrics in (("beta1-half", ("classes_covered", "kl_uniform",
                                            "classifier_score", "frechet_distance")),
                            ("mb128", ("parzen_ll", "classes_covered", "kl_uniform",
                                       "classifier_score", "frechet_distance"))):
        for metric in metrics:
            assert verdict(rows, config, metric) == "within", (config, metric)


def test_the_smaller_step_alone(rows):
    """lr-2e-4 against the post's range and against DCGAN's Adam, on the evaluation and on the
    monitor (the means over its seeds at each measurement)."""
    for metric, mark in (("classes_covered", "above"), ("kl_uniform", "below"),
                         ("classifier_score", "above"), ("frechet_distance", "below")):
        assert verdict(rows, "lr-2e-4", metric) == mark, metric
        assert verdict(rows, "beta1-half", metric) == "within", metric
    small, dcgan = of(rows, "lr-2e-4"), of(rows, "dcgan-adam")
    assert all(r["classes_covered"] == 10 for r in small)

    def mean(rs, metric):
        return statistics.fmean(r[metric] for r in rs)

    says(f"a classifier score of {low_to_high(small, 'classifier_score', '.2f')} and a Frechet "
         f"distance of {low_to_high(small, 'frechet_distance', '.0f')}, where DCGAN's Adam gives "
         f"{low_to_high(dcgan, 'classifier_score', '.2f')} and "
         f"{low_to_high(dcgan, 'frechet_distance', '.0f')}")
    says(f"(score {mean(dcgan, 'classifier_score'):.2f} against "
         f"{mean(small, 'classifier_score'):.2f}, distance {mean(dcgan, 'frechet_distance'):.0f} "
         f"against {mean(small, 'frechet_distance'):.0f})")
    overlap = [max(min(r[m] for r in small), min(r[m] for r in dcgan))
               <= min(max(r[m] for r in small), max(r[m] for r in dcgan))
               for m in ("classifier_score", "frechet_distance")]
    assert all(overlap), "the page says the two configurations' ranges overlap"
    monitor = {c: monitor_means(rows, c) for c in ("lr-2e-4", "post")}
    early = [10000, 20000, 30000, 40000]
    small_early = [monitor["lr-2e-4"][i] for i in early]
    post_early = [monitor["post"][i] for i in early]
    last = max(monitor["lr-2e-4"])
    highest = max(monitor["lr-2e-4"], key=monitor["lr-2e-4"].get)
    says(f"`lr-2e-4`'s mean score is {min(small_early):.2f} to {max(small_early):.2f} from "
         f"10,000 to 40,000 iterations, below the post's {min(post_early):.2f} to "
         f"{max(post_early):.2f}, and {monitor['lr-2e-4'][last]:.2f} at the last measurement, "
         f"against its highest, {monitor['lr-2e-4'][highest]:.2f} at {highest:,.0f}")
    assert max(small_early) < min(post_early)


def test_twice_the_iterations(rows):
    post = {r["seed"]: r for r in of(rows, "post")}
    longer = of(rows, "200k")
    parzen = [post[r["seed"]]["parzen_ll"] - r["parzen_ll"] for r in longer]
    score = [post[r["seed"]]["classifier_score"] - r["classifier_score"] for r in longer]
    digits = {post[r["seed"]]["classes_covered"] - r["classes_covered"] for r in longer}
    assert digits == {1}
    says(f"{min(parzen):.0f} to {max(parzen):.0f} nats lower, a classifier score "
         f"{min(score):.2f} to {max(score):.2f} lower, one digit fewer")
    covered = [r["classes_covered"] for r in longer]
    says(f"their mean coverage ({statistics.fmean(covered):.1f} digits; {min(covered):.0f} to "
         f"{max(covered):.0f}) stays within it")
    for metric, bad in (("kl_uniform", "above"), ("classifier_score", "below"),
                        ("frechet_distance", "above")):
        assert verdict(rows, "200k", metric) == bad, metric


def monitor_means(rows, config):
    """{iteration: mean classifier score over the configuration's seeds} (the monitor block)."""
    qs = [columns(config, r["seed"], "quality.csv") for r in of(rows, config)]
    its = sorted(set.intersection(*(set(q["iteration"]) for q in qs)))
    return {it: statistics.fmean(q["classifier_score"][q["iteration"].index(it)] for q in qs)
            for it in its}


def test_dcgan_adam_does_not_collapse_on_the_way(rows):
    for metric, good in (("kl_uniform", "below"), ("classifier_score", "above"),
                         ("frechet_distance", "below")):
        assert verdict(rows, "dcgan-adam", metric) == good, metric
    dcgan, post = monitor_means(rows, "dcgan-adam"), monitor_means(rows, "post")
    top = max(dcgan.values())
    climb = min(it for it, v in dcgan.items() if f"{v:.2f}" == f"{top:.2f}")
    assert all(f"{v:.2f}" == f"{top:.2f}" for it, v in dcgan.items() if it >= climb)  # "holds"
    peak = max(post, key=post.get)
    says(f"its mean score climbs to {top:.2f} at {climb:,.0f} iterations and holds there, where "
         f"the post's falls from {post[peak]:.2f} at {peak:,.0f} to {post[max(post)]:.2f} at the "
         "end")


def test_the_parzen_window_and_the_sharper_samples(rows):
    with open(STUDY / "samples.csv", newline="") as f:
        samples = {r["configuration"]: r for r in csv.DictReader(f)}
    dcgan, post = (float(samples[c]["saturated"]) for c in ("dcgan-adam", "post"))
    says(f"{pct(dcgan)}% of the pixels of seed 0's samples lie within 1e-3 of 0 or 1, against "
         f"{pct(post)}% for the post's seed 0 (`study/samples.csv`; real images: "
         f"{pct(wide_real()['saturated'])}%, `study/wide/real.csv`)")
    sigmas = {f"{r['parzen_sigma']:.3f}" for c in ("post", "dcgan-adam") for r in of(rows, c)}
    assert len(sigmas) == 1
    says(f"(sigma {sigmas.pop()} in every one of their runs, `study/results.csv`)")


# ---------------------------------------------------------------------------------------------
# Keeping the best generator


def test_the_best_generators(rows):
    post = of(rows, "post")
    assert all(r["best_classes_covered"] == 10 for r in post)
    last = [r["classes_covered"] for r in post]
    says(f"every seed's best generator draws all ten digits, where the last draws "
         f"{min(last):.0f} to {max(last):.0f}")
    for metric, good in (("kl_uniform", "below"), ("classifier_score", "above"),
                         ("frechet_distance", "below"), ("parzen_ll", "within")):
        assert verdict(rows, "post", metric, best=True) == good, metric
    chosen = [r["best_iteration"] for r in post]
    says(f"It was chosen at {min(chosen):,.0f} to {max(chosen):,.0f} iterations")
    least = min(post, key=lambda r: r["kl_uniform"])  # "the seed that collapsed least"
    lower = [r["seed"] for r in post if r["best_parzen_ll"] < r["parzen_ll"]]
    assert lower == [least["seed"]] == ["7"], lower
    dcgan = of(rows, "dcgan-adam")
    at_last = sum(r["best_iteration"] == r["iterations"] - 1 for r in dcgan)
    says(f"chosen at the last measurement in {WORDS[at_last]} seeds of {WORDS[len(dcgan)]}")
    # "and every figure stays within the seeds' range"
    for metric in ("parzen_ll", "classes_covered", "kl_uniform", "classifier_score",
                   "frechet_distance"):
        last = [r[metric] for r in dcgan]
        best = statistics.fmean(r[f"best_{metric}"] for r in dcgan)
        assert min(last) <= best <= max(last), metric


# ---------------------------------------------------------------------------------------------
# The wide networks (docs/study/wide/)


def wide(name):
    with open(STUDY / "wide" / f"{name}.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return {int(r["iteration"]): {k: float(v) for k, v in r.items()} for r in rows}


def span(values, fmt):
    low, high = fmt(min(values)), fmt(max(values))
    return low if low == high else f"{low} to {high}"


def pct(v):
    return f"{100 * v:.0f}"


def test_the_wide_generators_saturate_first():
    h512 = [wide(f"h512-seed-{s}") for s in range(3)]
    h1200 = [wide(f"h1200-seed-{s}") for s in range(3)]
    post = wide("h128-seed-0")
    real = wide_real()

    def at(logs, it, column, fmt):
        return span([w[it][column] for w in logs], fmt)

    says(f"After 100 iterations {at(h512, 100, 'saturated', pct)}% of the 512-unit G's output "
         f"pixels are within 1e-3 of 0 or 1, and {at(h1200, 100, 'saturated', pct)}% of the "
         f"1200-unit G's, against {pct(post[100]['saturated'])}% of the post's G's; after 300 "
         f"iterations, {at(h512, 300, 'saturated', pct)}% and {at(h1200, 300, 'saturated', pct)}%")
    says(f"Real images have {pct(real['saturated'])}% of their pixels there too")
    says(f"({at(h512, 300, 'saturated_1', pct)}% of them at 300 iterations for 512 units, "
         f"{at(h1200, 300, 'saturated_1', pct)}% for 1200), where real images have "
         f"{100 * real['saturated_1']:.1f}% and the post's G {100 * post[300]['saturated_1']:.1f}%")
    says(f"each pixel's spread is {at(h512, 300, 'pixel_sd', sd)} at 300 iterations for 512 units "
         f"and {at(h1200, 300, 'pixel_sd', sd)} for 1200, against {sd(post[300]['pixel_sd'])} for "
         f"the post's G and {sd(real['pixel_sd'])} for real images")
    says(f"by 1,000 iterations the 1200-unit G draws nearly one image for every z "
         f"({at(h1200, 1000, 'pixel_sd', sd)})")
    says(f"at 15,000 iterations the spread is {at(h512, 15000, 'pixel_sd', sd)} for 512 units and "
         f"{at(h1200, 15000, 'pixel_sd', sd)} for 1200, with "
         f"{at(h512 + h1200, 15000, 'saturated', pct)}% of the pixels saturated, where the post's "
         f"G has reached {sd(post[15000]['pixel_sd'])}")


def test_the_wide_gradient_shrinks_with_the_spread():
    h1200 = [wide(f"h1200-seed-{s}") for s in range(3)]
    post = wide("h128-seed-0")

    def late(log):
        return [r["G_grad_Whx"] for it, r in log.items() if it >= 2000]

    says(f"At Whx the 1200-unit G's gradient is {span([w[100]['G_grad_Whx'] for w in h1200], g1)} "
         f"after 100 iterations; over the measurements from 2,000 iterations on, its median is "
         f"{span([statistics.median(late(w)) for w in h1200], g1)} in the three runs, where the "
         f"post's G's is {statistics.median(late(post)):.1f} and never below "
         f"{min(late(post)):.1f}")
    first = min(first_clamped(w) for w in h1200)
    assert all(r["log10_D_fake_min"] > -10 for w in h1200 for it, r in w.items() if it < first)
    says(f"no sample of a 1200-unit run lies below 1e-10 before {first:,} iterations")


def g1(value):
    """A gradient's size as the page writes it: one decimal from 0.1, one significant digit
    below, in powers of ten below 0.001."""
    return f"{value:.1f}" if value >= 0.1 else f"{value:.1g}" if value >= 1e-3 else f"{value:.0e}"


def sd(value):  # as the wide table writes a spread (gan_vanilla/study/wide.py)
    return f"{value:.3f}" if value >= 0.001 or value == 0 else f"{value:.0e}"


def wide_real():
    with open(STUDY / "wide" / "real.csv", newline="") as f:
        return {k: float(v) for k, v in next(csv.DictReader(f)).items()}


def first_clamped(log):
    return min((it for it, r in log.items() if r["clamped"] > 0.5), default=None)


def test_the_floor_comes_later():
    h512 = {s: wide(f"h512-seed-{s}") for s in range(3)}
    h1200 = {s: wide(f"h1200-seed-{s}") for s in range(3)}
    for width, logs in ((512, h512), (1200, h1200)):
        firsts = sorted((first_clamped(log), s) for s, log in logs.items())
        says(f"{firsts[0][0]:,}, {firsts[1][0]:,} and {firsts[2][0]:,} "
             f"{'iterations ' if width == 512 else ''}in the {width}-unit runs (seeds "
             f"{firsts[0][1]}, {firsts[1][1]} and {firsts[2][1]})")
    effects = [log[first_clamped(log)]["clamp_effect"] for log in (*h512.values(),
                                                                    *h1200.values())]
    says(f"(the clamp effect is {min(effects):.2f} to {max(effects):.0f})")
    # Back out: h512 seed 0 by 9,500, h1200 seed 0 by 15,000.
    assert h512[0][9500]["clamped"] == 0 and h1200[0][15000]["clamped"] == 0
    # The other four stay below from these iterations on; G's step below 1e-7 but once.
    steps = []
    for log, start in ((h512[1], 12000), (h512[2], 12500), (h1200[1], 13000),
                       (h1200[2], 13500)):
        after = [r for it, r in log.items() if it >= start]
        assert after and all(r["clamped"] == 1 for r in after), start
        assert log[start - 500]["clamped"] < 1, start  # and not from earlier
        steps += [(r["G_step_Whx"], r["iteration"]) for r in after]
    big = [(step, it) for step, it in steps if step >= 1e-7]
    assert len(big) == 1, big
    says(f"({big[0][0]:.2g}, `h1200` seed 1 at {big[0][1]:,.0f})")
    assert all(r["G_step_Whx"] == 0 for it, r in h512[1].items() if it >= 12000)
    assert all(r["D_grad_Wxh"] == 0 for it, r in h512[2].items() if it >= 12500)
    # The isolated samples before: h512 seed 0 at 1,800, seed 2 at 4,000.
    says(f"({pct(h512[0][1800]['clamped'])}% of them at 1,800 iterations in `h512` seed 0, "
         f"{pct(h512[2][4000]['clamped'])}% at 4,000 in seed 2)")
    post = wide("h128-seed-0")
    hit = [it for it, r in post.items() if r["clamped"] > 0]
    shares = {r["clamped"] for r in post.values() if r["clamped"] > 0}
    says(f"on {100 * max(shares):.1f}% of its samples at {min(hit):,} to {max(hit):,} iterations "
         f"(clamp effect up to {max(r['clamp_effect'] for r in post.values()):.1f})")


def test_every_wide_run_ends_past_the_floor(rows):
    """"So the floor ends wide runs (the table below)": each one's G_loss stays above -ln(1e-12)
    from some window to the end (the wide-ends block)."""
    for config in ("h512", "h1200"):
        for r in of(rows, config):
            g = columns(config, r["seed"], "losses-every-1000.csv")["G_loss"]
            assert g and g[-1] > 27.631021, (config, r["seed"], g[-1] if g else None)


def test_the_pilot_at_a_quarter_of_the_step():
    pilot = wide("h512-lr-quarter-seed-0")
    post = wide("h128-seed-0")
    says(f"has {pct(pilot[100]['saturated'])}% of its pixels saturated after 100 iterations and "
         f"{pct(pilot[300]['saturated'])}% after 300, its samples spread "
         f"{sd(pilot[300]['pixel_sd'])} across z at 300 iterations as the post's G's do, and "
         f"{sd(pilot[15000]['pixel_sd'])} at 15,000 (the post's G: {sd(post[15000]['pixel_sd'])}), "
         f"and no sample's D(G(z)) comes below "
         f"10^{min(r['log10_D_fake_min'] for r in pilot.values()):.1f}")


def test_the_best_of_the_runs_that_fail(rows):
    """"Keeping the best matters most where a run first learns digits and then loses them ...
    Where the wide networks fail from the start there is nothing to keep"."""
    quarter = of(rows, "h512-lr-quarter")
    assert {r["best_classes_covered"] for r in quarter} == {9}
    assert {r["classes_covered"] for r in quarter} == {3, 4}
    for config in ("h512", "h1200"):
        assert all(r["best_classes_covered"] == r["classes_covered"] <= 2
                   for r in of(rows, config)), config
    says("their best generators draw the same one or two digits as their last")


def test_seed_0s_samples_are_mostly_four_digits(rows):
    seed0 = next(r for r in of(rows, "post") if r["seed"] == "0")
    four = 100 * sum(seed0[f"share_{d}"] for d in (0, 3, 5, 8))
    says(f"(those four digits are {four:.0f}% of the same generator's 10,000 evaluation samples)")


def test_the_best_of_the_smaller_steps(rows):
    """"So does the smaller step alone": its best generators come late and stay within the
    range of its last ones, on every figure."""
    small = of(rows, "lr-2e-4")
    its = sorted({r["best_iteration"] for r in small})
    last = max(r["iterations"] for r in small) - 1  # the last measurement: iterations - 1
    assert its[0] == 80000 and set(its) <= {80000, last}, its
    for metric in ("parzen_ll", "classes_covered", "kl_uniform", "classifier_score",
                   "frechet_distance"):
        mine = [r[metric] for r in small]
        mean = statistics.fmean(r[f"best_{metric}"] for r in small)
        assert min(mine) <= mean <= max(mine), metric
    says("So does the smaller step alone (`lr-2e-4`: chosen at 80,000 iterations or at the last "
         "measurement, every figure within)")


def test_the_quarter_step_over_the_full_runs(rows):
    """h512-lr-quarter's monitor and evaluations, beside h512's and the post's."""
    quarter = of(rows, "h512-lr-quarter")
    monitor = [columns("h512-lr-quarter", r["seed"], "quality.csv") for r in quarter]
    wide = [columns("h512", r["seed"], "quality.csv") for r in of(rows, "h512")]

    first = [q["classes_covered"][0] for q in monitor]
    first_score = [q["classifier_score"][0] for q in monitor]
    last = [q["classes_covered"][-1] for q in monitor]
    last_score = [q["classifier_score"][-1] for q in monitor]
    assert {q["iteration"][0] for q in monitor + wide} == {10000}
    assert sorted(set(first)) == [8, 9] and sorted(set(last)) == [3, 4]
    assert all(q["classes_covered"][0] == 1 for q in wide)  # "where every h512 run draws one"
    says(f"it draws 8 or 9 digits at 10,000 iterations (classifier score "
         f"{min(first_score):.2f} to {max(first_score):.2f})")
    says(f"to 3 or 4 at the last measurement (score {min(last_score):.2f} to "
         f"{max(last_score):.2f})")

    def span(config, metric, fmt):
        return low_to_high(of(rows, config), metric, fmt)

    says(f"The final evaluation finds {span('h512-lr-quarter', 'classes_covered', '.0f')} digits, "
         f"a classifier score of {span('h512-lr-quarter', 'classifier_score', '.2f')} and a "
         f"Frechet distance of {span('h512-lr-quarter', 'frechet_distance', '.0f')}: far from "
         f"`h512`'s {span('h512', 'classes_covered', '.0f')} digits, "
         f"{span('h512', 'classifier_score', '.2f')} and "
         f"{span('h512', 'frechet_distance', '.0f')}, "
         f"and far from the post's {span('post', 'classes_covered', '.0f')}, "
         f"{span('post', 'classifier_score', '.2f')} and {span('post', 'frechet_distance', '.0f')}")
    its = [r["best_iteration"] for r in quarter]
    digits = {r["best_classes_covered"] for r in quarter}
    score = [r["best_classifier_score"] for r in quarter]
    assert digits == {9}
    says(f"Its best generators, chosen at {min(its):,.0f} to {max(its):,.0f} iterations, draw 9 "
         f"digits with a score of {min(score):.2f} to {max(score):.2f}")


@pytest.mark.parametrize("config", ["lr-2e-4", "h512-lr-quarter"])
def test_a_configuration_run_since_is_described(rows, config):
    """The page says these configurations are not in its tables yet; once the study has run
    them, that must become what their rows show."""
    if of(rows, config):
        assert f"`{config}` in `studies/knobs.toml`" not in text(DOCS / "REPRODUCTION.md"), (
            f"results.csv has {config}'s runs: say in docs/REPRODUCTION.md what they show")


# ---------------------------------------------------------------------------------------------
# docs/monitor.md rests on results.csv too


def ranks(values):
    """Ranks from 1, ties given their mean rank (Spearman's convention)."""
    order = sorted(range(len(values)), key=values.__getitem__)
    out = [0.0] * len(values)
    k = 0
    while k < len(order):
        j = k
        while j + 1 < len(order) and values[order[j + 1]] == values[order[k]]:
            j += 1
        for m in range(k, j + 1):
            out[order[m]] = (k + j) / 2 + 1
        k = j + 1
    return out


def spearman(a, b):
    ra, rb = ranks(a), ranks(b)
    return statistics.correlation(ra, rb)


def test_the_best_generators_rule_in_monitor_md(rows):
    def rho(rs, other):
        return spearman([r["frechet_distance"] for r in rs], [r[other] for r in rs])

    post = of(rows, "post")
    says(f"over the study's {len(rows)} runs (`docs/study/results.csv`) its rank correlation with "
         f"the classifier score is {rho(rows, 'classifier_score'):.2f} and with the KL divergence "
         f"to even shares {rho(rows, 'kl_uniform'):.2f} (over the post's ten seeds alone, "
         f"{rho(post, 'classifier_score'):.2f} and {rho(post, 'kl_uniform'):.2f})",
         page=DOCS / "monitor.md")


def test_the_monitor_example_in_monitor_md():
    """monitor.md's example output is seed 0's: its quality lines, the alarm said once and never
    cleared, and the last shares, as monitor.py writes them from the committed quality.csv."""
    from gan_vanilla.run.monitor import quality_line

    q = columns("post", "0", "quality.csv")
    row = {k: v[0] for k, v in q.items()}
    row["classes_covered"] = int(row["classes_covered"])
    says(quality_line(10000, row), page=DOCS / "monitor.md")
    last = {k: v[-1] for k, v in q.items()}
    last["classes_covered"] = int(last["classes_covered"])
    says(f"(`{quality_line(int(last['iteration']), last)}`)", page=DOCS / "monitor.md")
    shares = [[q[f"share_{d}"][i] for d in range(10)] for i in range(len(q["iteration"]))]
    # never spread out again: no measurement with every digit at 1% or more and none above 20%
    assert not any(min(s) >= 0.01 and max(s) <= 0.20 for s in shares)
    at50k = shares[q["iteration"].index(50000)]
    says(f"the 3s come down to {100 * at50k[3]:.2f}% of the samples at 50,000 iterations",
         page=DOCS / "monitor.md")
    says(f"by the end 3s and 8s are {100 * (last['share_3'] + last['share_8']):.1f}% of the "
         f"samples and 7s {100 * last['share_7']:.2f}%", page=DOCS / "monitor.md")
