"""The facts of docs/REPRODUCTION.md's knobs: which figures each configuration moves beyond the
post's seeds, and on which side; the smaller steps, the longer runs, the sharper samples; and
what keeping the best generator buys."""

import statistics

from gan_vanilla.study.report import BETTER, LABELS, METRICS, failed, table

from .seeds import f0, f1, f2
from .study_files import BASELINE
from .tables import monitor_means, repeating, same_rows
from .words import (
    claim,
    either,
    iteration,
    listing,
    number,
    overlap_words,
    percents,
    power,
    side,
    span,
    times,
    verdict,
)

# The configurations the page discusses by name (studies/knobs.toml).
DCGAN, SMALL, BETA1 = "dcgan-adam", "lr-2e-4", "beta1-half"
CLASSIFIER = METRICS[1:]  # coverage, KL, score, distance: the classifier's figures
SHORT = {"parzen_ll": "Parzen", "classes_covered": "coverage", "kl_uniform": "KL",
         "classifier_score": "score", "frechet_distance": "distance"}


def name(config):
    return f"`{config}`"


def names(configs):
    return listing(name(c) for c in configs)


def sides(s, config, best=False):
    """{metric: 'good', 'bad' or 'within'}: where the configuration's mean (its best
    generators' with best) lies against the range of the baseline's seeds (of its own last
    generators with best)."""
    base = s.of(config if best else BASELINE)
    mine = s.of(config)
    return {m: side(verdict([r[f"best_{m}" if best else m] for r in mine], [r[m] for r in base]),
                    BETTER[m]) for m in METRICS}


def sides_table(s):
    """A row per configuration: the figures its mean moves beyond the post's seed range, on the
    good side and on the bad, and those it leaves within."""
    body = []
    for config in s.configurations:
        if config == BASELINE:
            continue
        where = sides(s, config)
        body.append([name(config), *(", ".join(SHORT[m] for m in METRICS if where[m] == w) or "-"
                                     for w in ("good", "bad", "within"))])
    return table(["configuration", "beyond the post's range, better", "beyond it, worse",
                  "within it"], body)


def _metrics(ms):
    return listing(SHORT[m] for m in ms)


def _digits(s, configs, column="classes_covered"):
    """The digit counts of some configurations' runs, as a reader says them: 'one or two'."""
    return either((r[column] for c in configs for r in s.of(c)), spell=True)


def _by_side(where, metric, configs):
    return {w: [c for c in configs if where[c][metric] == w] for w in ("good", "bad", "within")}


def knobs(s):
    """Coverage per configuration, and the Parzen figure against the classifier's."""
    knobs = [c for c in s.configurations if c != BASELINE]
    where = {c: sides(s, c) for c in knobs}
    cov = _by_side(where, "classes_covered", knobs)
    parzen = _by_side(where, "parzen_ll", knobs)
    wrecked = failed(s.rows, s.configurations)
    all_ten = all(r["classes_covered"] == 10 for c in cov["good"] for r in s.of(c))
    agree = [c for c in parzen["bad"] if any(where[c][m] == "bad" for m in CLASSIFIER)
             and not any(where[c][m] == "good" for m in CLASSIFIER)]
    part = [c for c in knobs if where[c]["parzen_ll"] != "good"
            and any(where[c][m] == "good" for m in CLASSIFIER)]
    seeds = sorted({r["seed"] for c in knobs for r in s.of(c)})
    return {
        "seeds": number(len(seeds)), "seed_range": f"{seeds[0]} to {seeds[-1]}",
        "post_seeds": number(len(s.of(BASELINE))),
        "sides": sides_table(s).rstrip("\n"),
        "coverage_good": names(cov["good"]),
        "coverage_good_how": ("all ten digits in every seed" if all_ten else
                              f"{_digits(s, cov['good'])} digits"),
        "wrecked": names(wrecked), "wrecked_digits": _digits(s, wrecked),
        "partly": listing(f"{name(c)}, which ends with {_digits(s, [c])}"
                          for c in cov["bad"] if c not in wrecked),
        "coverage_within": names(cov["within"]),
        "parzen_below": names(parzen["bad"]), "parzen_within": names(parzen["within"]),
        "parzen_above": names(parzen["good"]), "parzen_never_above": not parzen["good"],
        "agree": names(agree),
        "part": listing(f"{name(c)}'s Parzen mean "
                        f"{'falls below' if where[c]['parzen_ll'] == 'bad' else 'stays within'}"
                        " the post's range" for c in part),
        "part_metrics": _metrics(sorted({m for c in part for m in CLASSIFIER
                                         if where[c][m] == "good"}, key=METRICS.index)),
        "part_all": all(where[c][m] == "good" for c in part for m in CLASSIFIER),
    }


def smaller(s):
    """DCGAN's Adam and the smaller step alone, against the post and each other."""
    post, dcgan, small = s.settings[BASELINE], s.settings[DCGAN], s.settings[SMALL]
    where = {c: sides(s, c) for c in (DCGAN, SMALL, BETA1)}
    good = {c: [m for m in METRICS if where[c][m] == "good"] for c in (DCGAN, SMALL)}
    claim(good[SMALL] == good[DCGAN],
          "The smaller step alone takes the same figures out of the range as DCGAN's Adam does")
    rows = {c: s.of(c) for c in (DCGAN, SMALL)}

    def mean(c, m):
        return statistics.fmean(r[m] for r in rows[c])

    further = (mean(DCGAN, "classifier_score") > mean(SMALL, "classifier_score")
               and mean(DCGAN, "frechet_distance") < mean(SMALL, "frechet_distance"))
    overlap = {m: overlap_words([r[m] for r in rows[DCGAN]], [r[m] for r in rows[SMALL]])
               for m in ("classifier_score", "frechet_distance")}
    order = ("the same ranges", "overlapping ranges", "separate ranges")
    ranges = max(overlap.values(), key=order.index)

    means = {c: monitor_means(s, c) for c in (DCGAN, SMALL, BASELINE)}
    d = {it: score for it, (_, score) in means[DCGAN].items()}
    top = max(d.values())
    climb = min(it for it, v in d.items() if f"{v:.2f}" == f"{top:.2f}")
    holds = all(f"{v:.2f}" == f"{top:.2f}" for it, v in d.items() if it >= climb)
    claim(d[max(d)] >= max(d.values()) - 0.1 * (max(d.values()) - min(d.values())),
          "DCGAN's Adam does not collapse on the way")
    p = {it: score for it, (_, score) in means[BASELINE].items()}
    peak = max(p, key=p.get)
    e = {it: score for it, (_, score) in means[SMALL].items()}
    early = [it for it in e if it <= max(p) * 0.4 + 1]  # the first measurements, to 40%
    small_early, post_early = [e[it] for it in early], [p[it] for it in early if it in p]
    highest = max(e, key=e.get)
    slower = max(small_early) < min(post_early)
    covered_end = means[SMALL][max(means[SMALL])][0]
    beta1_within = [m for m in CLASSIFIER if where[BETA1][m] == "within"]
    return {
        "dcgan_flags": s.of(DCGAN)[0]["flags"], "small_flags": s.of(SMALL)[0]["flags"],
        "ratio": times(post["lr"] / small["lr"]),
        "dcgan_beta1": power(dcgan["beta1"]),
        "dcgan_good": _metrics([m for m in good[DCGAN] if m != "classes_covered"]),
        "dcgan_top": f2(top), "dcgan_climb": iteration(climb),
        "dcgan_holds": ("and holds there" if holds else
                        f"and ends at {f2(d[max(d)])}"),
        "post_peak": f2(p[peak]), "post_peak_at": iteration(peak), "post_end": f2(p[max(p)]),
        "beta1_within": _metrics(beta1_within),
        "beta1_all_within": len(beta1_within) == len(CLASSIFIER),
        "small_good": ("all four" if len([m for m in good[SMALL] if m in CLASSIFIER]) == 4
                       else _metrics(good[SMALL])),
        "small_all_ten": all(r["classes_covered"] == 10 for r in rows[SMALL]),
        "small_score": span([r["classifier_score"] for r in rows[SMALL]], f2),
        "small_fd": span([r["frechet_distance"] for r in rows[SMALL]], f0),
        "dcgan_score": span([r["classifier_score"] for r in rows[DCGAN]], f2),
        "dcgan_fd": span([r["frechet_distance"] for r in rows[DCGAN]], f0),
        "further": further,
        "dcgan_score_mean": f2(mean(DCGAN, "classifier_score")),
        "small_score_mean": f2(mean(SMALL, "classifier_score")),
        "dcgan_fd_mean": f0(mean(DCGAN, "frechet_distance")),
        "small_fd_mean": f0(mean(SMALL, "frechet_distance")),
        "ranges": ranges, "settled": ranges == "separate ranges",
        "seeds": number(len(rows[SMALL])),
        "slower": slower,
        "early_from": iteration(min(early)), "early_to": iteration(max(early)),
        "small_early": span(small_early, f2), "post_early": span(post_early, f2),
        "small_last": f2(e[max(e)]), "small_highest": f2(e[highest]),
        "small_highest_at": iteration(highest),
        "small_kept": covered_end == 10,
    }


def longer(s):
    """The configuration that continues the post's seeds (report.repeats): where it stood at
    the post's end, and where it ends."""
    again = repeating(s)
    claim(len(again) == 1, "The longer runs are the post's seeds continued")
    config, seeds = next(iter(again.items()))
    post = {r["seed"]: r for r in s.of(BASELINE)}
    mine = s.of(config)
    until = min(same_rows(s.losses(config, k), s.losses(BASELINE, k)) or -1 for k in seeds)
    claim(until >= s.settings[BASELINE]["iterations"] - 1,
          "at the post's last iteration each stood where the post's run of its seed ends")
    parzen = [post[r["seed"]]["parzen_ll"] - r["parzen_ll"] for r in mine]
    score = [post[r["seed"]]["classifier_score"] - r["classifier_score"] for r in mine]
    digits = [post[r["seed"]]["classes_covered"] - r["classes_covered"] for r in mine]
    claim(min(parzen) > 0 and min(score) > 0, "each ends worse")
    where = sides(s, config)
    covered = [r["classes_covered"] for r in mine]
    fewer = either(digits)
    return {
        "config": name(config), "iterations": iteration(s.settings[config]["iterations"]),
        "post_iterations": iteration(s.settings[BASELINE]["iterations"]),
        "seeds": f"{seeds[0]} to {seeds[-1]}" if len(seeds) > 2 else listing(seeds),
        "parzen": span(parzen, f0), "score": span(score, f2),
        "fewer": ("one digit fewer" if fewer == "1" else f"{fewer} digits fewer"),
        "bad": _metrics([m for m in METRICS[1:] if where[m] == "bad"]),
        "within": _metrics([m for m in METRICS[1:] if where[m] == "within"]),
        "covered_mean": f1(statistics.fmean(covered)), "covered": span(covered, f0),
        "still": names([c for c in s.configurations if c != BASELINE
                        and all(w == "within" for w in sides(s, c).values())]),
    }


def sharp(s):
    """DCGAN's Adam's samples beside the post's: how many pixels sit at black or white, and
    the Parzen window both chose."""
    saturated = {c: s.samples[c]["saturated"] for c in (DCGAN, BASELINE)}
    where = sides(s, DCGAN)
    sigmas = {f"{r['parzen_sigma']:.3f}" for c in (DCGAN, BASELINE) for r in s.of(c)}
    return {
        "dcgan": percents([saturated[DCGAN]]), "post": percents([saturated[BASELINE]]),
        "real": percents([s.wide_real["saturated"]]),
        "closer": ("closer to black and white than" if saturated[DCGAN] > saturated[BASELINE]
                   else "no closer to black and white than"),
        "same_window": len(sigmas) == 1,
        "sigma": span([float(x) for x in sigmas], "{:.3f}".format),
        "parts": where["parzen_ll"] != "good" and any(where[m] == "good" for m in CLASSIFIER),
    }


def best(s):
    """What keeping the best generator buys: for the post, for the configurations that do not
    collapse, and for those that fail."""
    post = s.of(BASELINE)
    where = sides(s, BASELINE, best=True)
    good = [m for m in CLASSIFIER if where[m] == "good" and m != "classes_covered"]
    chosen = [r["best_iteration"] for r in post]
    least = min(post, key=lambda r: r["kl_uniform"])
    lower = [r["seed"] for r in post if r["best_parzen_ll"] < r["parzen_ll"]]
    dcgan = s.of(DCGAN)
    at_last = sum(r["best_iteration"] == r["iterations"] - 1 for r in dcgan)
    small = s.of(SMALL)
    small_its = sorted({r["best_iteration"] for r in small})
    small_last = max(r["iterations"] for r in small) - 1
    chosen_at = [f"{iteration(it)} iterations" for it in small_its if it != small_last]
    chosen_at += ["the last measurement"] * (small_last in small_its)
    wrecked = failed(s.rows, s.configurations)
    quarter = [c for c in s.configurations if c not in wrecked and c != BASELINE
               and all(r["best_classes_covered"] > r["classes_covered"] for r in s.of(c))
               and sides(s, c)["classes_covered"] == "bad"]
    claim(min(r["best_iteration"] for r in dcgan) >= min(r["iterations"] for r in dcgan) / 2,
          "For DCGAN's Adam the best generator is the last one or close to it")
    claim(quarter, "Keeping the best matters most where a run first learns digits and then "
          "loses them")
    close = all(overlap_words([r[f"best_{m}"] for r in post], [r[m] for r in dcgan])
                != "separate ranges" for m in ("classifier_score", "frechet_distance"))
    monitored = s.settings[BASELINE]["iterations"] // s.settings[BASELINE]["quality_every"]
    return {
        "all_ten": all(r["best_classes_covered"] == 10 for r in post),
        "last_covered": span([r["classes_covered"] for r in post], f0),
        "good": _metrics(good),
        "chosen": span(chosen, iteration),
        "close": close,
        "parzen": {"within": "stays within", "good": "rises above",
                   "bad": "falls below"}[where["parzen_ll"]],
        "least": least["seed"], "lower": lower,
        "lower_is_least": lower == [least["seed"]],
        "dcgan_at_last": number(at_last), "dcgan_seeds": number(len(dcgan)),
        "dcgan_within": all(w == "within" for w in sides(s, DCGAN, best=True).values()),
        "small_its": listing(chosen_at, "or"),
        "small_within": all(w == "within" for w in sides(s, SMALL, best=True).values()),
        "recovers": listing(f"{name(c)}'s best generators draw "
                            f"{either(r['best_classes_covered'] for r in s.of(c))} digits where "
                            f"its last draw {either(r['classes_covered'] for r in s.of(c))}"
                            for c in quarter),
        "wrecked": names(wrecked),
        "wrecked_same": all(r["best_classes_covered"] == r["classes_covered"]
                            for c in wrecked for r in s.of(c)),
        "wrecked_digits": _digits(s, wrecked),
        "measurements": number(monitored),
        "label": LABELS["frechet_distance"],
    }
