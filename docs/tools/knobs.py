"""The facts of docs/REPRODUCTION.md's knobs: which figures each configuration moves beyond the
post's seeds, and on which side; the smaller steps, the longer runs, the sharper samples; and
what keeping the best generator buys. Local names, raw, as seeds.py says."""

import statistics

from gan_vanilla.study.report import BETTER, METRICS, failed, same_rows, table

from .study_files import BASELINE
from .tables import monitor_means, repeating
from .words import claim, either, iteration, listing, overlap_words, side, verdict, weakest

# The configurations the page discusses by name (studies/knobs.toml).
DCGAN, SMALL, BETA1 = "dcgan-adam", "lr-2e-4", "beta1-half"
CLASSIFIER = METRICS[1:]  # coverage, KL, score, distance: the classifier's figures
SHORT = {"parzen_ll": "Parzen", "classes_covered": "coverage", "kl_uniform": "KL",
         "classifier_score": "score", "frechet_distance": "distance"}


def sides(s, config, best=False):
    """{metric: 'good', 'bad' or 'within'}: where the configuration's mean (its best
    generators' with best) lies against the range of the baseline's seeds (of its own last
    generators with best)."""
    base = s.of(config if best else BASELINE)
    return {m: side(verdict([r[f"best_{m}" if best else m] for r in s.of(config)],
                            [r[m] for r in base]), BETTER[m]) for m in METRICS}


def short(metrics):
    return listing(SHORT[m] for m in metrics)


def digits(s, configs, column="classes_covered"):
    """The digit counts of some configurations' runs, as a reader says them: 'one or two'."""
    return either((r[column] for c in configs for r in s.of(c)), spell=True)


def knobs(s):
    """Coverage per configuration, and the Parzen figure against the classifier's (`cov`,
    `parzen`: the configurations by the side their mean lies on)."""
    knobs = [c for c in s.configurations if c != BASELINE]
    where = {c: sides(s, c) for c in knobs}
    cov, parzen = ({w: [c for c in knobs if where[c][m] == w] for w in ("good", "bad", "within")}
                   for m in ("classes_covered", "parzen_ll"))
    by_side = table(["configuration", "beyond the post's range, better", "beyond it, worse",
                     "within it"], [[f"`{c}`", *(", ".join(SHORT[m] for m in METRICS
                                                           if where[c][m] == w) or "-"
                                                 for w in ("good", "bad", "within"))]
                                    for c in knobs]).rstrip("\n")
    wrecked = failed(s.rows, s.configurations)
    good_how = ("all ten digits in every seed" if all(
        r["classes_covered"] == 10 for c in cov["good"] for r in s.of(c)) else
        f"{digits(s, cov['good'])} digits")
    wrecked_digits = digits(s, wrecked)
    partly = listing(f"`{c}`, which ends with {digits(s, [c])}"
                     for c in cov["bad"] if c not in wrecked)
    agree = [c for c in parzen["bad"] if any(where[c][m] == "bad" for m in CLASSIFIER)
             and not any(where[c][m] == "good" for m in CLASSIFIER)]
    part = [c for c in knobs if where[c]["parzen_ll"] != "good"
            and any(where[c][m] == "good" for m in CLASSIFIER)]
    part_said = listing(f"`{c}`'s Parzen mean "
                        f"{'falls below' if where[c]['parzen_ll'] == 'bad' else 'stays within'}"
                        " the post's range" for c in part)
    part_metrics = short(sorted({m for c in part for m in CLASSIFIER if where[c][m] == "good"},
                                key=METRICS.index))
    part_all = all(where[c][m] == "good" for c in part for m in CLASSIFIER)
    seeds = sorted({r["seed"] for c in knobs for r in s.of(c)})
    post_seeds = len(s.of(BASELINE))
    return locals()


def smaller(s):
    """DCGAN's Adam and the smaller step alone, against the post and each other; on the
    monitor, the mean scores over iterations of each (`d`, `e` and the post's `p`)."""
    post, dcgan, small = (s.settings[c] for c in (BASELINE, DCGAN, SMALL))
    dcgan_flags, small_flags = (s.of(c)[0]["flags"] for c in (DCGAN, SMALL))
    where = {c: sides(s, c) for c in (DCGAN, SMALL, BETA1)}
    good = {c: [m for m in METRICS if where[c][m] == "good"] for c in (DCGAN, SMALL)}
    claim(good[SMALL] == good[DCGAN],
          "The smaller step alone takes the same figures out of the range as DCGAN's Adam does")
    dcgan_good = short([m for m in good[DCGAN] if m != "classes_covered"])
    small_good = ("all four" if len([m for m in good[SMALL] if m in CLASSIFIER]) == 4 else
                  short(good[SMALL]))
    beta1_within = short(m for m in CLASSIFIER if where[BETA1][m] == "within")
    beta1_all_within = all(where[BETA1][m] == "within" for m in CLASSIFIER)
    small_all_ten = all(r["classes_covered"] == 10 for r in s.of(SMALL))
    score, fd = ({"dcgan": [r[m] for r in s.of(DCGAN)], "small": [r[m] for r in s.of(SMALL)]}
                 for m in ("classifier_score", "frechet_distance"))
    further = (statistics.fmean(score["dcgan"]) > statistics.fmean(score["small"])
               and statistics.fmean(fd["dcgan"]) < statistics.fmean(fd["small"]))
    ranges = weakest(overlap_words(x["dcgan"], x["small"]) for x in (score, fd))

    d, e, p = ({it: mean for it, (_, mean) in monitor_means(s, c).items()}
               for c in (DCGAN, SMALL, BASELINE))
    top = max(d.values())
    climb = min(it for it, v in d.items() if f"{v:.2f}" == f"{top:.2f}")
    holds = all(f"{v:.2f}" == f"{top:.2f}" for it, v in d.items() if it >= climb)
    claim(d[max(d)] >= max(d.values()) - 0.1 * (max(d.values()) - min(d.values())),
          "DCGAN's Adam does not collapse on the way")
    peak = max(p, key=p.get)
    early = [it for it in e if it <= max(p) * 0.4 + 1]  # the first measurements, to 40%
    small_early, post_early = [e[it] for it in early], [p[it] for it in early if it in p]
    highest = max(e, key=e.get)
    slower = max(small_early) < min(post_early)
    small_kept = monitor_means(s, SMALL)[max(e)][0] == 10
    return locals()


def longer(s):
    """The configuration that continues the post's seeds (tables.repeating): where it stood
    at the post's end, and where it ends."""
    again = repeating(s)
    claim(len(again) == 1, "The longer runs are the post's seeds continued")
    config, seeds = next(iter(again.items()))
    post = {r["seed"]: r for r in s.of(BASELINE)}
    mine = s.of(config)
    until = min(same_rows(s.losses(config, k), s.losses(BASELINE, k)) or -1 for k in seeds)
    claim(until >= s.settings[BASELINE]["iterations"] - 1,
          "at the post's last iteration each stood where the post's run of its seed ends")
    parzen, score, fewer = ([post[r["seed"]][m] - r[m] for r in mine] for m in (
        "parzen_ll", "classifier_score", "classes_covered"))
    claim(min(parzen) > 0 and min(score) > 0, "each ends worse")
    fewer = either(fewer)
    seeds_said = f"{seeds[0]} to {seeds[-1]}" if len(seeds) > 2 else listing(seeds)
    where = sides(s, config)
    bad, within = (short(m for m in METRICS[1:] if where[m] == w) for w in ("bad", "within"))
    covered = [r["classes_covered"] for r in mine]
    still = [c for c in s.configurations if c != BASELINE
             and all(w == "within" for w in sides(s, c).values())]
    iterations, post_iterations = (s.settings[c]["iterations"] for c in (config, BASELINE))
    return locals()


def sharp(s):
    """DCGAN's Adam's samples beside the post's: how many pixels sit at black or white, and
    the Parzen window both chose."""
    saturated = {c: s.samples[c]["saturated"] for c in (DCGAN, BASELINE)}
    real = s.wide_real["saturated"]
    sigmas = sorted({f"{r['parzen_sigma']:.3f}" for c in (DCGAN, BASELINE) for r in s.of(c)})
    where = sides(s, DCGAN)
    parts = where["parzen_ll"] != "good" and any(where[m] == "good" for m in CLASSIFIER)
    return locals()


def best(s):
    """What keeping the best generator buys: for the post, for the configurations that do not
    collapse, and for those that fail."""
    post, dcgan, small = (s.of(c) for c in (BASELINE, DCGAN, SMALL))
    where = sides(s, BASELINE, best=True)
    good = short(m for m in CLASSIFIER if where[m] == "good" and m != "classes_covered")
    all_ten = all(r["best_classes_covered"] == 10 for r in post)
    chosen = [r["best_iteration"] for r in post]
    close = all(overlap_words([r[f"best_{m}"] for r in post], [r[m] for r in dcgan])
                != "separate ranges" for m in ("classifier_score", "frechet_distance"))
    parzen = {"within": "stays within", "good": "rises above",
              "bad": "falls below"}[where["parzen_ll"]]
    least = min(post, key=lambda r: r["kl_uniform"])["seed"]
    lower_is_least = [r["seed"] for r in post if r["best_parzen_ll"] < r["parzen_ll"]] == [least]
    at_last = sum(r["best_iteration"] == r["iterations"] - 1 for r in dcgan)
    claim(min(r["best_iteration"] for r in dcgan) >= min(r["iterations"] for r in dcgan) / 2,
          "For DCGAN's Adam the best generator is the last one or close to it")
    dcgan_within, small_within = (all(w == "within" for w in sides(s, c, best=True).values())
                                  for c in (DCGAN, SMALL))
    small_its = sorted({r["best_iteration"] for r in small})
    small_last = max(r["iterations"] for r in small) - 1
    chosen_at = [f"{iteration(it)} iterations" for it in small_its if it != small_last]
    chosen_at += ["the last measurement"] * (small_last in small_its)
    wrecked = failed(s.rows, s.configurations)
    quarter = [c for c in s.configurations if c not in wrecked and c != BASELINE
               and all(r["best_classes_covered"] > r["classes_covered"] for r in s.of(c))
               and sides(s, c)["classes_covered"] == "bad"]
    claim(quarter, "Keeping the best matters most where a run first learns digits and then "
          "loses them")
    recovers = listing(f"`{c}`'s best generators draw "
                       f"{either(r['best_classes_covered'] for r in s.of(c))} digits where "
                       f"its last draw {either(r['classes_covered'] for r in s.of(c))}"
                       for c in quarter)
    wrecked_same = all(r["best_classes_covered"] == r["classes_covered"]
                       for c in wrecked for r in s.of(c))
    wrecked_digits = digits(s, wrecked)
    measurements = s.settings[BASELINE]["iterations"] // s.settings[BASELINE]["quality_every"]
    return locals()
