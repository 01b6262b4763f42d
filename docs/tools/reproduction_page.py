"""The facts and tables of docs/REPRODUCTION.md: the study's settings; the post's seeds at their
end (evaluation, losses, quality monitor); the knobs against them (which move the classifier's
figures beyond the seeds, on which side, against the Parzen figure); the smaller steps, the
longer runs, the sharper samples; what keeping the best generator buys. Local names, raw, and
Markdown tables, as build.py says."""

import inspect
import math
import statistics

from gan_vanilla.data import read_data_sets
from gan_vanilla.measure.evaluation import evaluate
from gan_vanilla.run.losslog import COLUMNS as LOSS_COLUMNS
from gan_vanilla.run.monitor import MISSING_BELOW as COVERED_AT  # evaluate's threshold too
from gan_vanilla.run.monitor import SAMPLES
from gan_vanilla.study import report
from gan_vanilla.study.normal import how_far
from gan_vanilla.study.report import METRICS, failed, table

from .dynamics import SATURATED_WITHIN
from .figures import SAMPLES_PER_CONFIGURATION
from .publish import SAMPLES_MEASURED
from .study_files import BASELINE, DIGEST_EVERY, LOSSES, at, same_rows
from .words import claim, either, fixed, listing, overlap_words, side, verdict, weakest

TABLE1 = "Goodfellow et al. 2014, Table 1"  # published.csv's rows of the GAN paper's table
LOSSES_FROM = 10000  # the losses' ranges leave out the first iterations, where G starts
# The configurations the page discusses by name (studies/knobs.toml).
DCGAN, SMALL, BETA1 = "dcgan-adam", "lr-2e-4", "beta1-half"
CLASSIFIER = METRICS[1:]  # coverage, KL, score, distance: the classifier's figures
SHORT = {"parzen_ll": "Parzen", "classes_covered": "coverage", "kl_uniform": "KL",
         "classifier_score": "score", "frechet_distance": "distance"}


def column(rows, metric):
    return [r[metric] for r in rows]


def sides(s, config, best=False):
    """{metric: 'good', 'bad' or 'within'}: the configuration's mean against the baseline's seeds
    (with best: its best generators' mean against its own last generators)."""
    base = s.of(config if best else BASELINE)
    return {m: side(verdict(column(s.of(config), f"best_{m}" if best else m), column(base, m)),
                    report.BETTER[m]) for m in METRICS}


def spelled(s, configs):
    """The digit counts of some configurations' runs, as a reader says them: 'one or two'."""
    return either((r["classes_covered"] for c in configs for r in s.of(c)), spell=True)


def runs(s):
    """The settings every run shares (`post`), the study's size and training time, and what an
    evaluation measures (`real`: real.json records evaluate's settings)."""
    post, real = s.settings[BASELINE], s.real
    seeds, first_seed = len(s.of(BASELINE)), min(column(s.of(BASELINE), "seed"))
    count, configurations = len(s.rows), len(s.configurations)
    timed = [t for t in column(s.rows, "train_seconds") if not math.isnan(t)]
    minutes, untimed = round(sum(timed) / 60), count - len(timed)
    torch = sorted({s.config(r["configuration"], r["seed"]).get("versions", {}).get("torch", "?")
                    .split("+")[0] for r in s.rows})
    covered_at, monitored, digest_every = COVERED_AT, SAMPLES, DIGEST_EVERY
    drawn, measured = SAMPLES_PER_CONFIGURATION, SAMPLES_MEASURED
    # How many validation images choose the Parzen window, of how many the split holds out.
    chosen_on = inspect.signature(evaluate).parameters["parzen_validation"].default
    held_out = inspect.signature(read_data_sets).parameters["validation_size"].default
    return locals()


def seeds(s):
    """The post's seeds at their last iteration: Parzen against the paper's table and real
    images, the two digits they draw most, the classifier's score and distance."""
    post, real = s.of(BASELINE), s.real
    parzen, score, fd, covered = (column(post, m) for m in (
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

    def top_two_of(rows):  # the two digits with the largest mean share, in order
        return sorted(sorted(range(10), key=lambda d: -statistics.fmean(
            column(rows, f"share_{d}")))[:2])

    top_two = top_two_of(post)
    top_two_share = [sum(r[f"share_{d}"] for d in top_two) for r in post]
    top_two_everywhere = all(top_two_of([r]) == top_two for r in post)
    return locals()


def loss_ranges(s, seed):
    """{column: the values of the baseline seed's losses digest after LOSSES_FROM}."""
    losses = s.losses(BASELINE, seed)
    keep = [k for k, it in enumerate(losses["iteration"]) if it >= LOSSES_FROM]
    return {c: [losses[c][k] for k in keep] for c in LOSS_COLUMNS[1:]}


def losses(s):
    """Whether the post's seeds that end with the most digits and those with the fewest span
    different ranges of losses after LOSSES_FROM (`ranges`: the weakest claim of both columns)."""
    post, skipped = s.of(BASELINE), LOSSES_FROM
    by_seed = {r["seed"]: loss_ranges(s, r["seed"]) for r in post}
    covered = column(post, "classes_covered")
    most, fewest = ([r["seed"] for r in post if r["classes_covered"] == f(covered)]
                    for f in (max, min))
    ranges = weakest(overlap_words(*([v for seed in seeds for v in by_seed[seed][c]]
                                     for seeds in (most, fewest)))
                     for c in ("D_loss", "D_fake"))
    return locals()


def monitor_means(s, config, seeds=None):
    """{iteration: (mean digits covered, mean classifier score)} over the configuration's
    seeds (or those given) that measured that iteration."""
    qs = [s.quality(config, seed) for seed in seeds or column(s.of(config), "seed")]
    out = {}
    for it in sorted({it for q in qs for it in q["iteration"]}):
        measured = [q for q in qs if it in q["iteration"]]
        out[it] = tuple(statistics.fmean(at(q, c, it) for q in measured)
                        for c in ("classes_covered", "classifier_score"))
    return out


def watch(s):
    """The quality monitor over the post's seeds: where every seed draws all ten digits, when
    each first loses one after that, their best and last scores."""
    q = {r["seed"]: s.quality(BASELINE, r["seed"]) for r in s.of(BASELINE)}
    its = sorted(set.intersection(*(set(x["iteration"]) for x in q.values())))
    all_ten = [it for it in its if all(at(x, "classes_covered", it) == 10 for x in q.values())]
    claim(all_ten, "Every one of the ten seeds draws all ten digits at some measurement")
    early = [at(x, "classifier_score", it) for x in q.values() for it in all_ten]
    drops = {seed: next((it for it in its if it > all_ten[-1]
                         and at(x, "classes_covered", it) < 10), None) for seed, x in q.items()}
    claim(None not in drops.values(), "After that the digits go, one seed after another")
    best = {seed: max(x["classifier_score"]) for seed, x in q.items()}
    end = {seed: x["classifier_score"][-1] for seed, x in q.items()}
    least = min(q, key=lambda seed: best[seed] - end[seed])
    half = min(its, key=lambda it: abs(it - its[-1] / 2))
    claim(all(end[seed] < at(x, "classifier_score", half) for seed, x in q.items()),
          "The second half of the post's iterations makes the samples less varied")
    return locals()


def published(s):
    """Lucic et al.'s figures the page quotes (published.csv), by model."""
    lucic = {r["model"]: f"{r['value']:g} ± {r['plus_minus']:g}"
             for r in s.published("Lucic et al. 2018")}
    return locals()


def knobs(s):
    """The knobs and their seeds; those that fail and those that lose digits; and where the
    Parzen figure agrees with the classifier's figures (`agree`) or parts from them (`part`)."""
    knobs = [c for c in s.configurations if c != BASELINE]
    seeds = sorted({r["seed"] for c in knobs for r in s.of(c)})
    where = {c: sides(s, c) for c in knobs}
    helps = [c for c in knobs if any(where[c][m] == "good" for m in CLASSIFIER)]
    claim(helps and all(s.settings[c]["lr"] == s.settings[SMALL]["lr"] for c in helps),
          "no other knob takes a classifier figure past the post's seeds on the good side")
    wrecked = failed(s.rows, s.configurations)
    wrecked_digits = spelled(s, wrecked)
    losing = [c for c in knobs if where[c]["classes_covered"] == "bad" and c not in wrecked]
    claim(all(s.quality(c, r["seed"])["classes_covered"][0] > r["classes_covered"]
              for c in losing for r in s.of(c)), "it learns digits at first and then loses them")
    partly = listing(f"`{c}` (`{s.of(c)[0]['flags']}`) ends with {spelled(s, [c])}"
                     for c in losing)
    agree = [c for c in knobs if where[c]["parzen_ll"] == "bad"
             and any(where[c][m] == "bad" for m in CLASSIFIER)
             and not any(where[c][m] == "good" for m in CLASSIFIER)]
    claim(all(where[c]["parzen_ll"] != "good" and all(where[c][m] == "good" for m in CLASSIFIER)
              for c in helps), "Here it parts from the classifier wherever the classifier's "
          "figures improve ... while all four of the classifier's figures leave it")
    part_said = listing(f"`{c}`'s" + " Parzen mean" * (k == 0) + (
        " falls below" if where[c]["parzen_ll"] == "bad" else " stays within")
        + (" the post's range" if k == 0 else " it") for k, c in enumerate(helps))
    return locals()


def smaller(s):
    """DCGAN's Adam and the smaller step alone, against the post and each other; on the
    monitor, the mean scores over iterations of each (`d`, `e` and the post's `p`)."""
    post, dcgan, small_settings = (s.settings[c] for c in (BASELINE, DCGAN, SMALL))
    small, dcgan_name, beta1_name = SMALL, DCGAN, BETA1
    ratio, small_flags = post["lr"] / small_settings["lr"], s.of(SMALL)[0]["flags"]
    where = {c: sides(s, c) for c in (DCGAN, SMALL, BETA1)}
    good = {c: [m for m in METRICS if where[c][m] == "good"] for c in (DCGAN, SMALL)}
    claim(good[SMALL] == good[DCGAN], "so does DCGAN's Adam")
    claim(all(where[BETA1][m] == "within" for m in CLASSIFIER), "beta1 0.5 alone leaves all four "
          "within it")
    small_good = ("coverage, KL, score and distance" if all(m in good[SMALL] for m in CLASSIFIER)
                  else listing(SHORT[m] for m in good[SMALL]))
    small_all_ten = min(column(s.of(SMALL), "classes_covered")) == 10
    score, fd = ({"dcgan": column(s.of(DCGAN), m), "small": column(s.of(SMALL), m)}
                 for m in ("classifier_score", "frechet_distance"))
    further = (statistics.fmean(score["dcgan"]) > statistics.fmean(score["small"])
               and statistics.fmean(fd["dcgan"]) < statistics.fmean(fd["small"]))
    ranges = weakest(overlap_words(x["dcgan"], x["small"]) for x in (score, fd))

    d, e, p = ({it: mean for it, (_, mean) in monitor_means(s, c).items()}
               for c in (DCGAN, SMALL, BASELINE))
    top = max(d.values())
    climb = min(it for it, v in d.items() if f"{v:.2f}" == f"{top:.2f}")
    holds = all(f"{v:.2f}" == f"{top:.2f}" for it, v in d.items() if it >= climb)
    early = [it for it in e if it <= max(p) * 0.4 + 1]  # the first measurements, to 40%
    small_early, post_early = [e[it] for it in early], [p[it] for it in early if it in p]
    highest = max(e, key=e.get)
    slower = max(small_early) < min(post_early)
    small_kept = monitor_means(s, SMALL)[max(e)][0] == 10
    return locals()


def longer(s):
    """The configuration that continues the post's seeds (StudyFiles.repeats): where it stood
    at the post's end, and where it ends."""
    claim(len(s.repeats) == 1, "The longer runs are the post's seeds continued")
    config = next(iter(s.repeats))
    seeds = column(s.of(config), "seed")
    post = {r["seed"]: r for r in s.of(BASELINE)}
    until = min(same_rows(s.losses(config, k), s.losses(BASELINE, k)) or -1 for k in seeds)
    claim(until >= s.settings[BASELINE]["iterations"] - 1,
          "at the post's last iteration each stood where the post's run of its seed ends")
    parzen, score, fewer = ([post[r["seed"]][m] - r[m] for r in s.of(config)] for m in (
        "parzen_ll", "classifier_score", "classes_covered"))
    claim(min(parzen) > 0 and min(score) > 0, "each ends below it")
    fewer = either(fewer)
    seeds_said = f"{seeds[0]} to {seeds[-1]}" if len(seeds) > 2 else listing(seeds)
    still = [c for c in s.configurations if c != BASELINE
             and all(w == "within" for w in sides(s, c).values())]
    iterations, post_iterations = (s.settings[c]["iterations"] for c in (config, BASELINE))
    return locals()


def sharp(s):
    """DCGAN's Adam's samples beside the post's: how many pixels sit at black or white
    (within `within` of 0 or 1), and the Parzen window both chose."""
    within = SATURATED_WITHIN
    saturated = {c: s.samples[c]["saturated"] for c in (DCGAN, BASELINE)}
    real = s.wide_real["saturated"]
    sigmas = sorted({f"{r['parzen_sigma']:.3f}" for c in (DCGAN, BASELINE) for r in s.of(c)})
    until = max(max(log["iteration"]) for log in s.wide.values())  # the wide logs' length
    return locals()


def best(s):
    """What keeping the best generator buys: for the post, for the configurations that do not
    collapse, and for those that first learn digits and then lose them."""
    post, wrecked = s.of(BASELINE), failed(s.rows, s.configurations)
    where = sides(s, BASELINE, best=True)
    good = listing(SHORT[m] for m in CLASSIFIER if where[m] == "good" and m != "classes_covered")
    covered, score, fd = (column(post, f"best_{m}")
                          for m in ("classes_covered", "classifier_score", "frechet_distance"))
    all_ten, chosen = min(covered) == 10, column(post, "best_iteration")
    parzen = {"within": "stays within", "good": "rises above",
              "bad": "falls below"}[where["parzen_ll"]]
    least = min(post, key=lambda r: r["kl_uniform"])["seed"]
    lower_is_least = [r["seed"] for r in post if r["best_parzen_ll"] < r["parzen_ll"]] == [least]
    claim(all(w == "within" for c in (DCGAN, SMALL) for w in sides(s, c, best=True).values()),
          "for DCGAN's Adam and the smaller step every figure stays within the last generators' "
          "range")
    quarter = [c for c in s.configurations if c not in wrecked and c != BASELINE
               and all(r["best_classes_covered"] > r["classes_covered"] for r in s.of(c))
               and sides(s, c)["classes_covered"] == "bad"]
    claim(quarter, "It matters most where a run first learns digits and then loses them")
    recovers = listing(f"`{c}`'s best generators draw "
                       f"{either(column(s.of(c), 'best_classes_covered'))} digits where its "
                       f"last draw {either(column(s.of(c), 'classes_covered'))}" for c in quarter)
    wrecked_same = all(r["best_classes_covered"] == r["classes_covered"]
                       for c in wrecked for r in s.of(c))
    return locals()


FACTS = (runs, seeds, losses, watch, published, knobs, smaller, longer, sharp, best)


# The tables.


def _marked(values, baseline, metric):
    """mean (min to max) over a few seeds, and the verdict against the baseline's range, above
    and below in bold."""
    d, word = report.DECIMALS[metric], verdict(values, baseline)
    return (f"{statistics.fmean(values):.{d + 1}f} ({min(values):.{d}f} to {max(values):.{d}f}); "
            + (word if word == "within" else f"**{word}**"))


def post_seeds(s):
    """The baseline's runs one by one, their mean and spread, and real images."""
    def row(name, r):
        return [name, f"{r['parzen_ll']:.1f} ± {r['parzen_se']:.1f}", f"{r['parzen_sigma']:.3f}",
                *(fixed(r[m], report.DECIMALS[m]) for m in METRICS[1:])]

    mine = s.of(BASELINE)
    sigmas = column(mine, "parzen_sigma")
    # Each figure's mean ± sd (min to max) over the seeds, as the study's summary writes it.
    spread = {x["metric"]: report.spread(x["mean"], x["std"], x["min"], x["max"], x["metric"])
              for x in report.summary(mine, [BASELINE]) if x["metric"] in METRICS}
    body = [*(row(f"seed {r['seed']}", r) for r in mine),
            [f"**{len(mine)} seed{'s' * (len(mine) != 1)}: mean ± sd (min to max)**",
             spread["parzen_ll"], f"{min(sigmas):.3f} to {max(sigmas):.3f}",
             *(spread[m] for m in METRICS[1:])],
            row("real training images (reference)", s.real)]
    return table(["run", "Parzen (nats)", "Parzen sigma", "digits >= 1%", "KL to uniform",
                  "classifier score", "Frechet distance"], body)


def table1(s):
    """The GAN paper's Table 1, as published.csv quotes it."""
    return table(["model", "Parzen (nats)"], [
        [r["model"], f"{r['value']:g} ± {r['plus_minus']:g}"] for r in s.published(TABLE1)])


def histograms(s):
    """Each digit's share of the samples in percent: the baseline's seeds, then real images."""
    body = [[f"seed {r['seed']}", *(f"{100 * r[f'share_{k}']:.1f}" for k in range(10))]
            for r in s.of(BASELINE)]
    body.append(["real training images", *(f"{100 * p:.1f}" for p in s.real["class_histogram"])])
    return table(["", *(str(k) for k in range(10))], body)


def knobs_table(s):
    """Every configuration but the baseline against it, and its mean training time."""
    body = []
    for config in (c for c in s.configurations if c != BASELINE):
        mine = s.of(config)
        seconds = [t for t in column(mine, "train_seconds") if not math.isnan(t)]
        body.append([config, mine[0]["flags"], str(len(mine)), *(
            _marked(column(mine, m), column(s.of(BASELINE), m), m) for m in METRICS),
            f"{statistics.fmean(seconds):.0f}" if seconds else ""])
    return table(["configuration", "flags", "runs", *(report.LABELS[m] for m in METRICS),
                  "training per run (s)"], body)


def best_table(s):
    """Every configuration whose runs kept a best generator: its figures against the same seeds'
    last generators, and the iterations it comes from."""
    body = []
    for config in s.configurations:
        mine = [r for r in s.of(config) if r["best_iteration"] is not None]
        if mine:
            its = column(mine, "best_iteration")
            body.append([config, str(len(mine)), *(
                _marked(column(mine, f"best_{m}"), column(mine, m), m) for m in METRICS),
                f"{min(its):,.0f} to {max(its):,.0f}"])
    return table(["configuration", "runs", *(report.LABELS[m] for m in METRICS),
                  "chosen at iteration"], body)


def post_monitor(s):
    """Digits covered · classifier score at each measurement, a row per seed of the baseline."""
    means = {f"seed {r['seed']}": monitor_means(s, BASELINE, [r["seed"]]) for r in s.of(BASELINE)}
    its = sorted({it for m in means.values() for it in m})
    # 10000 -> '10k'; an iteration between thousands in full: '99,999'.
    return table(["run", *(f"{int(it) // 1000}k" if it % 1000 == 0 else f"{int(it):,}"
                           for it in its)],
                 [[name, *("{:.0f} · {:.2f}".format(*m[it]) if it in m else "" for it in its)]
                  for name, m in means.items()])


def post_losses(s):
    """The range of each column of the baseline's losses after LOSSES_FROM, its seeds grouped by
    the digits they end with, then all of them."""
    runs = {r["seed"]: r for r in s.of(BASELINE)}
    ranges = {seed: loss_ranges(s, seed) for seed in runs if loss_ranges(s, seed)["D_loss"]}
    if not ranges:
        return f"No run of the baseline has losses past iteration {LOSSES_FROM:,}.\n"
    groups = {}
    for seed in sorted(ranges, key=lambda k: -runs[k]["classes_covered"]):
        ending = f"ending with {runs[seed]['classes_covered']:.0f} digits: seeds"
        groups.setdefault(ending, []).append(seed)
    groups[f"**all {len(ranges)} seeds**"] = list(ranges)
    return table(["seeds", "windows", "D_loss", "G_loss", "mean D(x)", "mean D(G(z))"], [
        [name if name.startswith("**") else f"{name} {listing(seeds)}",
         str(sum(len(ranges[k]["D_loss"]) for k in seeds)),
         *(f"{min(v):.2f} to {max(v):.2f}" for v in (
             [x for k in seeds for x in ranges[k][c]] for c in LOSS_COLUMNS[1:]))]
        for name, seeds in groups.items()])


def repeated(s):
    """A sentence per configuration that repeats the baseline's runs of the same seeds: up to
    which iteration their losses and quality rows are the baseline's."""
    lines = []
    for config, quality_until in s.repeats.items():
        seeds = column(s.of(config), "seed")
        loss_until = min(same_rows(s.losses(config, k), s.losses(BASELINE, k)) or -1 for k in seeds)
        loss_rows = min(sum(1 for it in s.losses(config, seed)["iteration"] if it <= loss_until)
                        for seed in seeds)
        loss_part = (f"their `{LOSSES}` up to iteration {loss_until:,.0f} ({loss_rows} rows each)"
                     if loss_until >= 0 else f"none of their `{LOSSES}` rows")
        lines.append(f"`{config}` continues `{BASELINE}`'s seeds {listing(seeds)}: {loss_part} "
                     f"and their quality.csv up to {quality_until:,.0f} are `{BASELINE}`'s, row "
                     "for row.")
    return "\n".join(lines) + "\n"


TABLES = {"post_seeds": post_seeds, "table1": table1, "histograms": histograms,
          "knobs": knobs_table, "best": best_table, "post_monitor": post_monitor,
          "post_losses": post_losses, "repeats": repeated}
