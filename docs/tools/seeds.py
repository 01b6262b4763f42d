"""The facts of docs/REPRODUCTION.md's first half: the study's settings, and what the post's
ten seeds give (their evaluation, their losses, their quality monitor over training)."""

import inspect
import statistics

from gan_vanilla.data import read_data_sets
from gan_vanilla.measure.evaluate import evaluate
from gan_vanilla.run.losslog import COLUMNS as LOSS_COLUMNS
from gan_vanilla.run.monitor import MISSING_BELOW as COVERED_AT  # evaluate's coverage threshold too
from gan_vanilla.run.monitor import SAMPLES as MONITORED

from .publish import DIGEST_EVERY, SAMPLES_MEASURED, SAMPLES_PER_CONFIGURATION
from .study_files import BASELINE
from .tables import LOSSES_FROM, loss_ranges
from .words import (
    claim,
    flip,
    how_far,
    iteration,
    listing,
    number,
    overlap_words,
    percents,
    power,
    span,
)

TABLE1 = "Goodfellow et al. 2014, Table 1"  # published.csv's rows of the GAN paper's table


def f0(v):  # the pages' figures with 0, 1 or 2 decimals
    return f"{v:.0f}"


def f1(v):
    return f"{v:.1f}"


def f2(v):
    return f"{v:.2f}"


def runs(s):
    """The settings every run shares, the study's size, and what an evaluation measures."""
    post = s.settings[BASELINE]
    torch = sorted({v.get("torch", "?").split("+")[0] for v in s.versions})
    return {
        "iterations": iteration(post["iterations"]),
        "mb_size": post["mb_size"], "Z_dim": post["Z_dim"], "h_dim": post["h_dim"],
        "lr": power(post["lr"]), "beta1": power(post["beta1"]),
        "quality_every": iteration(post["quality_every"]),
        "log_every": post["log_every"],
        "digest_every": iteration(DIGEST_EVERY),
        # The study evaluates every run with evaluate's defaults, as real.json records them.
        "evaluated": iteration(s.real["samples"]), "noise_seed": s.real["seed"],
        "accuracy": f"{100 * s.real['classifier_test_accuracy']:.2f}%",
        "covered_at": f"{100 * COVERED_AT:g}%",
        "torch": listing(torch),
        "monitored": iteration(MONITORED),
        "samples_drawn": SAMPLES_PER_CONFIGURATION, "samples_measured": iteration(SAMPLES_MEASURED),
        "last_grid": f"{post['iterations'] // post['sample_every'] - 1:03d}.png",
        "first_seed": min(r["seed"] for r in s.of(BASELINE)),
        "seeds": number(len(s.of(BASELINE))),
        **parzen_split(),
    }


def _paper(s):
    return {r["model"]: r["value"] for r in s.published_table(TABLE1)}


def seeds(s):
    """The post's seeds at their last iteration: Parzen against the paper's table and real
    images, the classifier's counts, its score and distance."""
    post, real = s.of(BASELINE), s.real
    parzen = [r["parzen_ll"] for r in post]
    paper = _paper(s)
    lowest_model = min(paper, key=paper.get)
    passing = [r["seed"] for r in post if r["parzen_ll"] > paper[lowest_model]]
    mean = statistics.fmean(parzen)
    claim(mean < min(paper.values()), "below every row of the paper's table")
    if not passing:
        passes = f"no seed reaches the {lowest_model}'s {paper[lowest_model]:g}"
    else:
        who = "only " * (len(passing) == 1) + ("seed " if len(passing) == 1 else "seeds ")
        passes = (f"{who}{listing(passing)} pass{'es' * (len(passing) == 1)} the "
                  f"{lowest_model}'s {paper[lowest_model]:g}")
    spread = max(parzen) - min(parzen)
    leads = {"DBN": paper["DBN"] - paper["Stacked CAE"],
             "adversarial": paper["Adversarial nets"] - paper["Deep GSN"]}

    shares = {d: [r[f"share_{d}"] for r in post] for d in range(10)}
    top_two = sorted(shares, key=lambda d: -statistics.fmean(shares[d]))[:2]
    rarest = min(shares, key=lambda d: max(shares[d]))
    under = {d: sum(v < COVERED_AT for v in shares[d]) for d in shares}
    first = next(r for r in post if r["seed"] == min(x["seed"] for x in post))
    above_even = [d for d in range(10) if first[f"share_{d}"] >= 0.1]
    score = [r["classifier_score"] for r in post]
    fd = [r["frechet_distance"] for r in post]
    return {
        "parzen": span(parzen, f0), "parzen_mean": f0(mean),
        "passes": passes,
        "real_parzen": f0(real["parzen_ll"]),
        "real_parzen_far": flip(how_far(parzen, real["parzen_ll"])),
        "seed_spread": f0(spread),
        "dbn_lead": f0(leads["DBN"]), "adversarial_lead": f0(leads["adversarial"]),
        "spread_word": ("more than" if spread > max(leads.values()) else
                        "less than" if spread < min(leads.values()) else "about as much as"),
        "first": first["seed"],
        "first_digits": listing(f"{d}s" for d in above_even),
        "first_digits_count": number(len(above_even)),
        "first_digits_share": percents([sum(first[f"share_{d}"] for d in above_even)]),
        "top_two": listing(f"{d}s" for d in sorted(top_two)),
        "top_two_share": percents([sum(r[f"share_{d}"] for d in top_two) for r in post]),
        "top_two_everywhere": all(sorted(top_two) == sorted(
            sorted(range(10), key=lambda d, r=r: -r[f"share_{d}"])[:2]) for r in post),
        "rarest": f"{rarest}s", "rarest_share": percents(shares[rarest]).replace(" to ", " and "),
        "under": _under(under, len(post)),
        "score": span(score, f1), "real_score": f1(real["classifier_score"]),
        "fd": span(fd, f0), "real_fd": f1(real["frechet_distance"]),
        "fd_far": ("far from" if how_far(fd, real["frechet_distance"]).startswith("far")
                   else "away from"),
        "covered": span([r["classes_covered"] for r in post], f0),
    }


def _under(counts, seeds):
    """'4s and 6s fall under 1% in six of the ten seeds, 7s in eight': the digits some seed
    draws under COVERED_AT, grouped by in how many seeds."""
    by = {}
    for d, n in counts.items():
        if n:
            by.setdefault(n, []).append(f"{d}s")
    if not by:
        return f"no digit falls under {100 * COVERED_AT:g}% in any seed"
    parts = [(listing(ds), n) for n, ds in sorted(by.items())]
    text = (f"{parts[0][0]} fall under {100 * COVERED_AT:g}% in {number(parts[0][1])} of the "
            f"{number(seeds)} seeds")
    return ", ".join([text, *(f"{ds} in {number(n)}" for ds, n in parts[1:])])


def losses(s):
    """The losses digest of the post's seeds after LOSSES_FROM: their ranges, and whether the
    seeds that end with the most digits and those with the fewest span different ranges."""
    post = s.of(BASELINE)
    ranges = {r["seed"]: loss_ranges(s, r["seed"]) for r in post}
    every = {c: [v for seed in ranges.values() for v in seed[c]] for c in LOSS_COLUMNS[1:]}
    covered = [r["classes_covered"] for r in post]
    most = [r["seed"] for r in post if r["classes_covered"] == max(covered)]
    fewest = [r["seed"] for r in post if r["classes_covered"] == min(covered)]
    words = {c: overlap_words([v for seed in most for v in ranges[seed][c]],
                              [v for seed in fewest for v in ranges[seed][c]])
             for c in ("D_loss", "D_fake")}
    order = ("the same ranges", "overlapping ranges", "separate ranges")
    word = max(words.values(), key=order.index)  # the weakest claim both columns support
    return {
        "from": iteration(LOSSES_FROM),
        "window": s.settings[BASELINE]["log_every"],
        "D_loss": span(every["D_loss"], f2), "D_fake": span(every["D_fake"], f2),
        "most": number(max(covered)), "fewest": number(min(covered)),
        "ranges": word, "apart": word == "separate ranges",
    }


def watch(s):
    """The quality monitor over the post's seeds: the measurements where every seed draws all
    ten digits, when each first loses one after them, their best and last scores, and the
    seed that loses least."""
    post = s.of(BASELINE)
    q = {r["seed"]: s.quality(BASELINE, r["seed"]) for r in post}
    its = sorted(set.intersection(*(set(x["iteration"]) for x in q.values())))

    def at(seed, column, it):
        return q[seed][column][q[seed]["iteration"].index(it)]

    all_ten = [it for it in its if all(at(seed, "classes_covered", it) == 10 for seed in q)]
    claim(all_ten, "Every one of the ten seeds draws all ten digits at some measurement")
    early = [at(seed, "classifier_score", it) for seed in q for it in all_ten]
    drops = {seed: next((it for it in its if it > all_ten[-1]
                         and at(seed, "classes_covered", it) < 10), None) for seed in q}
    claim(None not in drops.values(), "After that the digits go, one seed after another")
    last = its[-1]
    best = {seed: max(x["classifier_score"]) for seed, x in q.items()}
    end = {seed: x["classifier_score"][-1] for seed, x in q.items()}
    least = min(q, key=lambda seed: best[seed] - end[seed])
    half = min(its, key=lambda it: abs(it - last / 2))
    claim(all(end[seed] < at(seed, "classifier_score", half) for seed in q),
          "The second half of the post's iterations makes the samples less varied")
    covered = [r["classes_covered"] for r in post]
    score = [r["classifier_score"] for r in post]
    return {
        "all_ten": listing(iteration(it) for it in all_ten),
        "early": span(early, f1),
        "first_drop": iteration(min(drops.values())),
        "last_drop": ("only at the last measurement" if max(drops.values()) == last else
                      f"at {iteration(max(drops.values()))} iterations"),
        "best": span(best.values(), f1), "end": span(end.values(), f1),
        "least": least, "least_story": _coverage_story(q[least], all_ten[-1]),
        "least_best": f2(best[least]), "least_end": f2(end[least]),
        "covered": span(covered, f0), "score": span(score, f1),
        "half": iteration(half),
    }


def _coverage_story(q, after):
    """What a seed's coverage does after iteration `after`: 'it drops to nine digits at
    80,000 iterations and is back at ten by 90,000', or that it keeps all ten."""
    its, covered = q["iteration"], q["classes_covered"]
    later = [k for k, it in enumerate(its) if it > after]
    drop = next((k for k in later if covered[k] < 10), None)
    if drop is None:
        return "it keeps all ten digits to the end"
    text = f"it drops to {number(covered[drop])} digits at {iteration(its[drop])} iterations"
    back = next((k for k in later if k > drop and covered[k] == 10), None)
    if back is not None:
        text += f" and is back at ten by {iteration(its[back])}"
        if any(covered[k] < 10 for k in later if k > back):
            text += ", then loses some again"
    return text


def published(s):
    """The papers' figures the page quotes (published.csv), as the table and sentences use
    them."""
    rows = s.published_table(TABLE1)
    table1 = ["| model | Parzen (nats) |", "|---|---|"]
    table1 += [f"| {r['model']} | {r['value']:g} ± {r['plus_minus']:g} |" for r in rows]
    lucic = {r["model"]: r for r in s.published_table("Lucic et al. 2018")}
    return {
        "table1": "\n".join(table1),
        "lucic_mm": _pm(lucic["minimax GAN"]), "lucic_ns": _pm(lucic["non-saturating GAN"]),
    }


def _pm(row):
    return f"{row['value']:g} ± {row['plus_minus']:g}"


def earlier(s):
    """The seeds an earlier version of the page gave (earlier.csv), beside this study's."""
    old = s.earlier
    now = {r["seed"]: r for r in s.of(BASELINE)}
    seeds = sorted(old)
    parzen = [r["parzen_ll"] for r in s.of(BASELINE)]
    covered = [r["classes_covered"] for r in s.of(BASELINE)]
    inside = all(min(parzen) <= old[k]["parzen_ll"] <= max(parzen) for k in seeds)
    outside = [k for k in seeds if not min(covered) <= old[k]["classes_covered"] <= max(covered)]
    return {
        "seeds": f"{seeds[0]} to {seeds[-1]}",
        "parzen": listing(f"{old[k]['parzen_ll']:.1f}" for k in seeds),
        "covered": listing(str(old[k]["classes_covered"]) for k in seeds),
        "now": ", ".join(
            (f"seed {k} gave {now[k]['parzen_ll']:.1f} nats and {now[k]['classes_covered']:.0f}"
             " digits in this study" if k == seeds[0] else
             f"seed {k} {now[k]['parzen_ll']:.1f} and {now[k]['classes_covered']:.0f}")
            for k in seeds if k in now),
        "parzen_inside": "fall inside" if inside else "do not all fall inside",
        "covered_outside": listing(f"seed {k}'s {number(old[k]['classes_covered'])} digits"
                                   for k in outside),
        "covered_where": listing(
            "above" if old[k]["classes_covered"] > max(covered) else "below" for k in outside),
        "commit": old[seeds[0]]["source"], "count": number(len(seeds)),
    }



def parzen_split():
    """How many validation images choose the Parzen window, out of how many the split holds
    out (the code's defaults: measure/evaluate.py, data.py)."""
    return {"chosen_on": iteration(inspect.signature(evaluate).parameters[
                "parzen_validation"].default),
            "held_out": iteration(inspect.signature(read_data_sets).parameters[
                "validation_size"].default)}
