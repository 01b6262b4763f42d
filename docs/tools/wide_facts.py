"""The facts of docs/REPRODUCTION.md's wide networks, from scripts/wide_diagnostics.py's logs
(docs/study/wide/): G's output saturating first, its gradient shrinking with its samples'
spread, and binary_cross_entropy's gradient floor coming later; then the full runs."""

import math
import statistics

from gan_vanilla.study.report import failed

from .dynamics import BCE_FLOOR, SAMPLES, SATURATED_WITHIN
from .words import f0, f1, f2
from .study_files import BASELINE
from .tables import FLOOR_LOSS, floor_from
from .wide import SHOWN
from .words import (
    claim,
    either,
    fixed,
    iteration,
    listing,
    number,
    overlap_words,
    percents,
    power,
    size_words,
    span,
    times,
)

AT = (100, 300, 1000)  # the early measurements the prose quotes, as G saturates
LATE_FROM = 2000  # "over the measurements from 2,000 iterations on": past the early climb
STEP_TINY = 1e-7  # an Adam step of G this small moves no weight that matters
BCE_LOG_CLAMP = 100  # binary_cross_entropy clamps its log at -100: a G_loss of 100 at most
QUARTER = "h512-lr-quarter"  # the pilot at a quarter of the step, and its configuration


def sd(value):
    """A spread across z as the wide table writes it (study/wide.py)."""
    return f"{value:.3f}" if value >= 0.001 or value == 0 else f"{value:.0e}"


def grad(value):
    """A gradient's size: one decimal from 0.1, one significant digit below."""
    return f"{value:.1f}" if value >= 0.1 else fixed(value, 2) if value >= 1e-3 else \
        f"{value:.0e}"


def _at(log, column, it):
    return log[column][log["iteration"].index(it)]


def _first_over_half(log):
    return next((it for it, c in zip(log["iteration"], log["clamped"], strict=True) if c > 0.5),
                None)


def _stuck_from(log):
    """The first measurement from which every later one finds every sample clamped, or None."""
    c = log["clamped"]
    return next((log["iteration"][k] for k in range(len(c)) if all(x == 1 for x in c[k:])), None)


def wide(s):
    """The wide runs' first iterations: G's output saturating and its samples' spread, its
    gradient, then the gradient floor (_floor); each hand-worded sentence claimed."""
    logs = s.wide
    by = {}
    for key, log in logs.items():
        by.setdefault(key.rsplit(" seed ", 1)[0], []).append((key, log))
    wrecked = failed(s.rows, s.configurations)
    widths = sorted({s.settings[c]["h_dim"] for c in wrecked})
    claim(len(widths) == 2 and {f"h{w}" for w in widths} <= by.keys() and "h128" in by,
          "the logs of the post's seed 0 and of the two wide widths")
    post = by["h128"][0][1]
    h512, h1200 = ([log for _, log in by[f"h{w}"]] for w in widths)
    both = h512 + h1200
    real = s.wide_real
    runs = sum(len(s.of(c)) for c in wrecked)

    def at(group, it, column, fmt):
        return span([_at(log, column, it) for log in group], fmt)

    def pct(group, it, column):
        return percents([_at(log, column, it) for log in group])

    its = post["iteration"]
    gaps = sorted({b - a for a, b in zip(its[1:], its[2:], strict=False)})
    switch = next(it for a, it in zip(its, its[1:], strict=False) if it - a == gaps[-1]) - gaps[-1]
    # Gradient and spread, 1200 units.
    late = [[g for it, g in zip(log["iteration"], log["G_grad_Whx"], strict=True)
             if it >= LATE_FROM] for log in h1200]
    post_late = [g for it, g in zip(its, post["G_grad_Whx"], strict=True) if it >= LATE_FROM]
    first = {key: _first_over_half(log) for key, log in logs.items()}
    first_1200 = min(first[k] for k, _ in by[f"h{widths[-1]}"])
    before = min(v for log in h1200 for it, v in zip(log["iteration"], log["log10_D_fake_min"],
                                                     strict=True) if it < first_1200)
    claim(min(_at(log, "saturated", AT[1]) for log in both) > real["saturated"]
          and min(v for k, v in first.items() if v and not k.startswith("h128")) > 10 * AT[1],
          "What happens first is G's own output sigmoid saturating, within the first few "
          "hundred iterations and long before D's verdict comes near the gradient floor")
    claim(max(_at(log, "pixel_sd", AT[1]) for log in both) < _at(post, "pixel_sd", AT[1]) / 5,
          "their samples barely differ across z")
    claim(max(_at(log, "pixel_sd", AT[2]) for log in h1200) < 1e-3,
          "the 1200-unit G draws nearly one image for every z")
    claim(max(_at(log, "pixel_sd", max(its)) for log in both) < _at(post, "pixel_sd", max(its))
          / 2, "No run recovers")
    claim(max(statistics.median(v) for v in late) < min(post_late),
          "in the 1200-unit runs G's gradient shrinks with its samples' spread")
    claim(before > math.log10(BCE_FLOOR), "All the while D(G(z)) stays far above the floor")
    return {
        "z": iteration(SAMPLES),
        "at_a": iteration(AT[0]), "at_b": iteration(AT[1]), "at_c": iteration(AT[2]),
        "small": widths[0], "large": widths[-1],
        "large_runs": number(len(h1200)),
        "runs": number(runs), "configs": listing(f"`{c}`" for c in wrecked),
        "until": iteration(max(its)), "every_early": iteration(gaps[0]),
        "switch": iteration(switch), "every_late": iteration(gaps[-1]),
        "shown": listing(iteration(i) for i in SHOWN),
        "within": power(SATURATED_WITHIN), "floor": power(BCE_FLOOR),
        "sat100_512": pct(h512, AT[0], "saturated"),
        "sat100_1200": pct(h1200, AT[0], "saturated"),
        "sat100_post": percents([_at(post, "saturated", AT[0])]),
        "sat300_512": pct(h512, AT[1], "saturated"), "sat300_1200": pct(h1200, AT[1], "saturated"),
        "real_sat": percents([real["saturated"]]),
        "real_white": percents([real["saturated_1"]]),
        "white300_512": pct(h512, AT[1], "saturated_1"),
        "white300_1200": pct(h1200, AT[1], "saturated_1"),
        "post_white300": percents([_at(post, "saturated_1", AT[1])]),
        "white_quarter": min(_at(log, "saturated_1", AT[1]) for log in both) >= 0.25,
        "sd300_512": at(h512, AT[1], "pixel_sd", sd),
        "sd300_1200": at(h1200, AT[1], "pixel_sd", sd),
        "post_sd300": sd(_at(post, "pixel_sd", AT[1])), "real_sd": sd(real["pixel_sd"]),
        "sd1000_1200": at(h1200, AT[2], "pixel_sd", sd),
        "sd_last_512": at(h512, max(its), "pixel_sd", sd),
        "sd_last_1200": at(h1200, max(its), "pixel_sd", sd),
        "sat_last": pct(both, max(its), "saturated"),
        "post_sd_last": sd(_at(post, "pixel_sd", max(its))),
        "slope": power(SATURATED_WITHIN),
        "grad100_1200": span([_at(log, "G_grad_Whx", AT[0]) for log in h1200], grad),
        "late_from": iteration(LATE_FROM),
        "grad_late_1200": span([statistics.median(v) for v in late], grad),
        "post_grad_late": f1(statistics.median(post_late)), "post_grad_min": f1(min(post_late)),
        "before": f"1e{math.floor(before)}", "first_clamped_1200": iteration(first_1200),
        **_floor(logs, {w: by[f"h{v}"] for w, v in zip(("h512", "h1200"), widths,
                                                     strict=True)}, post),
    }


def _floor(logs, by, post):
    """binary_cross_entropy's floor: where D first rejects most samples that far, which runs
    come back, which stay there with G (and D) all but frozen, and the post's own G."""
    early = []
    for key, log in logs.items():
        start = _first_over_half(log)
        if start is None or key.startswith("h128"):
            continue
        for it, c in zip(log["iteration"], log["clamped"], strict=True):
            if 0 < c and it < start:
                early.append((key, it, c))
    exact = max(e for log in logs.values()
                for c, e in zip(log["clamped"], log["clamp_effect"], strict=True) if c == 0)
    claim(exact < 1e-5, "the post's loss and the exact one give G the same gradient to float "
          "rounding")
    firsts = {}
    for width in ("h512", "h1200"):
        pairs = sorted((_first_over_half(log), key.rsplit(" ", 1)[1]) for key, log in by[width])
        firsts[width] = (listing(iteration(it) for it, _ in pairs),
                         listing(seed for _, seed in pairs))
    wide_keys = [k for w in ("h512", "h1200") for k, _ in by[w]]
    effects = [_at(logs[k], "clamp_effect", _first_over_half(logs[k])) for k in wide_keys]
    stuck = {k: _stuck_from(logs[k]) for k in wide_keys}
    back = [(k, next(it for it, c in zip(logs[k]["iteration"], logs[k]["clamped"], strict=True)
                     if it > _first_over_half(logs[k]) and c == 0))
            for k in wide_keys if stuck[k] is None]
    frozen = [k for k in wide_keys if stuck[k] is not None]
    steps = [(logs[k]["G_step_Whx"][j], k, it) for k in frozen
             for j, it in enumerate(logs[k]["iteration"]) if it >= stuck[k]]
    big = [(v, k, it) for v, k, it in steps if v >= STEP_TINY]
    zero = [k for k in frozen if all(v == 0 for v, kk, _ in steps if kk == k)]
    d_cols = [c for c in logs[wide_keys[0]] if c.startswith("D_grad_")]
    d_size = {k: [logs[k][c][j] for c in d_cols
                  for j, it in enumerate(logs[k]["iteration"]) if it >= stuck[k]]
              for k in frozen}
    stillest = min(frozen, key=lambda k: max(d_size[k]))
    d_words = size_words(d_size[stillest])
    hits = [(it, c) for it, c in zip(post["iteration"], post["clamped"], strict=True) if c > 0]
    shares = [c for _, c in hits]
    return {
        "early_hits": listing(f"{percents([c])} of them at {iteration(it)} iterations in "
                              f"`{k.split(' seed ')[0]}` seed {k.split(' seed ')[1]}"
                              for k, it, c in early),
        "first_512": firsts["h512"][0], "first_512_seeds": firsts["h512"][1],
        "first_1200": firsts["h1200"][0], "first_1200_seeds": firsts["h1200"][1],
        "effect": span(effects, lambda v: f"{v:.2f}".rstrip("0").rstrip(".")),
        "back": listing(f"{_run(k)} by {iteration(it)}" for k, it in back),
        "back_count": "Some runs" if len(back) > 1 else "One run",
        "stuck_count": number(len(frozen)),
        "stuck_from": listing(iteration(stuck[k]) for k in frozen),
        "stuck_runs": _runs(frozen),
        "step_tiny": power(STEP_TINY),
        "step_big": (listing(f"{v:.2g}, {_run(k)} at {iteration(it)}" for v, k, it in big)),
        "step_big_count": number(len(big)),
        "step_zero": _runs(zero),
        "stillest": _run(stillest), "d_words": d_words,
        "frozen_word": "frozen" if d_words == "exactly 0" and stillest in zero else
        "all but frozen",
        "post_hits": _count(max(shares)), "post_hit_span": span([it for it, _ in hits], iteration),
        "post_effect": f1(max(post["clamp_effect"])),
        "post_goes_on": _stuck_from(post) is None,
    }


def _run(key):
    config, seed = key.rsplit(" seed ", 1)
    return f"`{config}` seed {seed}"


def _runs(keys):
    """'`h512` seeds 1 and 2, `h1200` seeds 1 and 2'."""
    by = {}
    for key in keys:
        config, seed = key.rsplit(" seed ", 1)
        by.setdefault(config, []).append(seed)
    return listing(f"`{c}` seed{'s' * (len(seeds) > 1)} {listing(seeds)}"
                   for c, seeds in by.items())


def _count(share):
    """A share of the SAMPLES measured samples as a count and a percentage: '1 of its 2,000
    samples (0.05%)'."""
    n = round(share * SAMPLES)
    return f"{n:,} of its {SAMPLES:,} samples ({percents([share])})"


def width(s):
    """Why width could matter, and the pilot at a quarter of the step (the first 15,000
    iterations), then the full runs of its configuration."""
    post_h = s.settings[BASELINE]["h_dim"]
    wide_h = sorted({s.settings[c]["h_dim"] for c in s.configurations} - {post_h})
    pilot_key = next(k for k in s.wide if k.startswith(f"{QUARTER} seed "))
    pilot = s.wide[pilot_key]
    post = s.wide["h128 seed 0"]
    until = max(pilot["iteration"])
    ratio = s.settings[QUARTER]["lr"] / s.settings[BASELINE]["lr"]
    claim(abs(ratio - post_h / s.settings[QUARTER]["h_dim"]) < 1e-9,
          "the post's step times 128 / 512")
    claim(0.5 < _at(pilot, "pixel_sd", AT[1]) / _at(post, "pixel_sd", AT[1]) < 2,
          "its samples spread across z at 300 iterations as the post's G's do")
    return {
        "times": listing([f"{times(h / post_h)} the post's for {h} units" for h in wide_h]),
        "ratio": times(ratio), "post_h": post_h, "h": s.settings[QUARTER]["h_dim"],
        "lr": power(s.settings[QUARTER]["lr"]), "until": iteration(until),
        "pilot_config": _same_width(s, QUARTER),
        "pilot_seed": pilot_key.rsplit(" ", 1)[1],
        "sat100": percents([_at(pilot, "saturated", AT[0])]),
        "sat300": percents([_at(pilot, "saturated", AT[1])]),
        "sd300": sd(_at(pilot, "pixel_sd", AT[1])), "sd_last": sd(_at(pilot, "pixel_sd", until)),
        "post_sd_last": sd(_at(post, "pixel_sd", until)),
        "lowest": f"10^{min(pilot['log10_D_fake_min']):.1f}",
        **quarter(s),
    }


def _same_width(s, config):
    """The configuration of the same width at the post's step (h512 for h512-lr-quarter)."""
    return next(c for c in s.configurations if c != config and s.settings[c]["h_dim"] ==
                s.settings[config]["h_dim"] and s.settings[c]["lr"] ==
                s.settings[BASELINE]["lr"])


def quarter(s):
    """h512-lr-quarter's full runs beside h512's and the post's."""
    mine = s.of(QUARTER)
    wide512 = _same_width(s, QUARTER)
    q = [s.quality(QUARTER, r["seed"]) for r in mine]
    w = [s.quality(wide512, r["seed"]) for r in s.of(wide512)]
    claim(len({x["iteration"][0] for x in q + w}) == 1, "at the first measurement")

    def evaluated(config, metric, fmt):
        return span([r[metric] for r in s.of(config)], fmt)

    apart = all(overlap_words([r[m] for r in mine], [r[m] for r in s.of(other)])
                == "separate ranges" for other in (wide512, BASELINE)
                for m in ("classes_covered", "classifier_score", "frechet_distance"))
    best_its = [r["best_iteration"] for r in mine]
    return {
        "config": f"`{QUARTER}`", "wide": f"`{wide512}`", "seeds": number(len(mine)),
        "first_at": iteration(q[0]["iteration"][0]),
        "first_digits": either(x["classes_covered"][0] for x in q),
        "first_score": span([x["classifier_score"][0] for x in q], f2),
        "wide_first": (f"every `{wide512}` run draws "
                       + number(w[0]["classes_covered"][0])
                       if len({x["classes_covered"][0] for x in w}) == 1 else
                       f"`{wide512}`'s runs draw {either(x['classes_covered'][0] for x in w)}"),
        "last_digits": either(x["classes_covered"][-1] for x in q),
        "last_score": span([x["classifier_score"][-1] for x in q], f2),
        "digits": evaluated(QUARTER, "classes_covered", f0),
        "score": evaluated(QUARTER, "classifier_score", f2),
        "fd": evaluated(QUARTER, "frechet_distance", f0),
        "wide_digits": evaluated(wide512, "classes_covered", f0),
        "wide_score": evaluated(wide512, "classifier_score", f2),
        "wide_fd": evaluated(wide512, "frechet_distance", f0),
        "post_digits": evaluated(BASELINE, "classes_covered", f0),
        "post_score": evaluated(BASELINE, "classifier_score", f2),
        "post_fd": evaluated(BASELINE, "frechet_distance", f0),
        "apart": apart,
        "best_its": span(best_its, iteration),
        "best_digits": either(r["best_classes_covered"] for r in mine),
        "best_score": span([r["best_classifier_score"] for r in mine], f2),
    }


def ends(s):
    """The numbers of the wide-ends table's introduction."""
    wrecked = failed(s.rows, s.configurations)
    last = {f"`{c}` seed {r['seed']}": floor_from(s.losses(c, r["seed"])["G_loss"],
                                                  s.losses(c, r["seed"])["iteration"])
            for c in wrecked for r in s.of(c)}
    claim(all(v is not None for v in last.values()), "the losses show where each wide run ends")
    return {
        "floor_loss": f1(FLOOR_LOSS), "floor": power(BCE_FLOOR),
        "iterations": iteration(max(s.settings[c]["iterations"] for c in wrecked)),
        "clamp": BCE_LOG_CLAMP, "window": s.settings[BASELINE]["log_every"],
        "e": f"e^-{BCE_LOG_CLAMP}",
    }
