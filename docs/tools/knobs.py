"""The facts of docs/REPRODUCTION.md's knobs: which configurations move the classifier's figures
beyond the post's seeds, and on which side, against the Parzen figure; the smaller steps, the
longer runs, the sharper samples; and what keeping the best generator buys. Local names, raw,
as seeds.py says."""

import statistics

from gan_vanilla.study.report import BETTER, METRICS, failed, same_rows

from .dynamics import SATURATED_WITHIN
from .study_files import BASELINE
from .tables import monitor_means, repeating
from .words import claim, either, listing, overlap_words, side, verdict, weakest

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
    """The knobs and their seeds; those that fail and those that lose digits; and where the
    Parzen figure agrees with the classifier's figures (`agree`) or parts from them (`part`)."""
    knobs = [c for c in s.configurations if c != BASELINE]
    seeds = sorted({r["seed"] for c in knobs for r in s.of(c)})
    where = {c: sides(s, c) for c in knobs}
    helps = [c for c in knobs if any(where[c][m] == "good" for m in CLASSIFIER)]
    claim(helps and all(s.settings[c]["lr"] == s.settings[SMALL]["lr"] for c in helps),
          "no other knob takes a classifier figure past the post's seeds on the good side")
    wrecked = failed(s.rows, s.configurations)
    wrecked_digits = digits(s, wrecked)
    losing = [c for c in knobs if where[c]["classes_covered"] == "bad" and c not in wrecked]
    claim(all(s.quality(c, r["seed"])["classes_covered"][0] > r["classes_covered"]
              for c in losing for r in s.of(c)), "it learns digits at first and then loses them")
    partly = listing(f"`{c}` (`{s.of(c)[0]['flags']}`) ends with {digits(s, [c])}"
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
                  else short(good[SMALL]))
    covered = [r["classes_covered"] for r in s.of(SMALL)]
    small_all_ten = min(covered) == 10
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
    good = short(m for m in CLASSIFIER if where[m] == "good" and m != "classes_covered")
    covered, score, fd = ([r[f"best_{m}"] for r in post]
                          for m in ("classes_covered", "classifier_score", "frechet_distance"))
    all_ten, chosen = min(covered) == 10, [r["best_iteration"] for r in post]
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
                       f"{either(r['best_classes_covered'] for r in s.of(c))} digits where "
                       f"its last draw {either(r['classes_covered'] for r in s.of(c))}"
                       for c in quarter)
    wrecked_same = all(r["best_classes_covered"] == r["classes_covered"]
                       for c in wrecked for r in s.of(c))
    return locals()
