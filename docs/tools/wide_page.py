"""The facts and tables of docs/wide.md, from docs/study/wide/: scripts/wide_diagnostics.py's logs
of the wide runs' first iterations (dynamics.py says what each column is): G's output saturating
first, its gradient shrinking with its samples' spread, and binary_cross_entropy's gradient
floor coming later; then the full runs. Local names, raw, as reproduction_page.py says."""

import math
import os
import statistics

from gan_vanilla.study.report import failed, table

from .dynamics import BCE_FLOOR, SAMPLES, SATURATED_WITHIN
from .study_files import BASELINE, DIGEST_EVERY
from .words import at, claim, iteration, listing, number, overlap_words, percents, sd, times

SHOWN = (300, 1000, 3000, 15000)  # the table's iterations: where the runs part, and the end
AT = (100, 300, 1000)  # the early measurements the prose quotes, as G saturates
LATE_FROM = 2000  # "over the measurements from 2,000 iterations on": past the early climb
BCE_LOG_CLAMP = 100  # binary_cross_entropy clamps its log at -100: a G_loss of 100 at most
FLOOR_LOSS = -math.log(BCE_FLOOR)  # 27.63: a G_loss above it is D(G(z)) below the floor
QUARTER = "h512-lr-quarter"  # the pilot at a quarter of the step, and its configuration


def first_over_half(log):
    """The first measurement at which the floor acts on over half the samples, or None."""
    return next((it for it, c in zip(log["iteration"], log["clamped"], strict=True) if c > 0.5),
                None)


def stuck_from(log):
    """The first measurement from which every later one finds every sample clamped, or None."""
    c = log["clamped"]
    return next((log["iteration"][k] for k in range(len(c)) if all(x == 1 for x in c[k:])), None)


def below_half_after(log, first):
    """[(from, to)]: the spells of measurements after `first` at which the floor acts on half
    the samples or fewer."""
    spells, its = [], log["iteration"]
    for k, (it, c) in enumerate(zip(its, log["clamped"], strict=True)):
        if first is not None and it > first and c <= 0.5:
            if spells and spells[-1][1] == its[k - 1]:
                spells[-1] = (spells[-1][0], it)
            else:
                spells.append((it, it))
    return spells


def floor_from(losses):
    """The first window of a losses digest from which every later window's G_loss stays above
    FLOOR_LOSS, or None."""
    g_loss = losses["G_loss"]
    return next((losses["iteration"][k] for k in range(len(g_loss))
                 if min(g_loss[k:]) > FLOOR_LOSS), None)


def runs_said(keys):
    """['h512 seed 1', 'h512 seed 2', 'h1200 seed 1'] -> '`h512` seeds 1 and 2 and `h1200`
    seed 1'."""
    by = {}
    for key in keys:
        config, seed = key.rsplit(" seed ", 1)
        by.setdefault(config, []).append(seed)
    return listing(f"`{c}` seed{'s' * (len(seeds) > 1)} {listing(seeds)}"
                   for c, seeds in by.items())


def wide(s):
    """The wide runs' first iterations, each hand-worded sentence claimed: G's output
    saturating and its samples' spread, its gradient, then the gradient floor. The logs of the
    post's seed (`post`), of the narrower and the wider of the two failed widths (`logs_small`,
    `logs_large`, `logs_both`), real images' (`real`); the template reads them with the `at`
    filter: `{{ wide.logs_small|at('saturated', wide.at_a)|percents }}`."""
    logs, real, wrecked = s.wide, s.wide_real, failed(s.rows, s.configurations)
    runs, post_h = sum(len(s.of(c)) for c in wrecked), s.settings[BASELINE]["h_dim"]
    small, large = widths = sorted({s.settings[c]["h_dim"] for c in wrecked})
    keys = {w: [k for k in logs if k.rsplit(" seed ", 1)[0] == f"h{w}"] for w in (post_h, *widths)}
    claim(all(keys.values()), "the logs of the post's seed and of both wide widths")
    post_seed = keys[post_h][0].rsplit(" ", 1)[1]
    post, wide_keys = logs[keys[post_h][0]], keys[small] + keys[large]
    logs_small, logs_large = ([logs[k] for k in keys[w]] for w in widths)
    logs_both = logs_small + logs_large
    at_a, at_b, at_c = AT
    z, within, floor, shown, late_from = SAMPLES, SATURATED_WITHIN, BCE_FLOOR, SHOWN, LATE_FROM
    its = post["iteration"]
    until = max(its)
    gaps = sorted({b - a for a, b in zip(its[1:], its[2:], strict=False)})
    switch = next(it for a, it in zip(its, its[1:], strict=False) if it - a == gaps[-1]) - gaps[-1]
    late = [statistics.median(g for it, g in zip(log["iteration"], log["G_grad_Whx"],
                                                 strict=True) if it >= LATE_FROM)
            for log in logs_large]
    post_late = [g for it, g in zip(its, post["G_grad_Whx"], strict=True) if it >= LATE_FROM]
    first = {k: first_over_half(logs[k]) for k in wide_keys}
    first_large = min(first[k] for k in keys[large])
    lowest = min(v for log in logs_large for it, v in zip(log["iteration"],
                                                         log["log10_D_fake_min"], strict=True)
                 if it < first_large)
    before = f"1e{math.floor(lowest)}"
    claim(min(at(logs_both, "saturated", at_b)) > real["saturated"] and min(first.values())
          > 10 * at_b, "What happens first is G's own output sigmoid saturating, within the "
          "first few hundred iterations")
    claim(max(at(logs_both, "pixel_sd", at_b)) < at(post, "pixel_sd", at_b) / 5,
          "their samples barely differ across z")
    claim(max(at(logs_large, "pixel_sd", at_c)) < 1e-3, "the 1200-unit G draws nearly one image "
          "for every z")
    claim(max(at(logs_both, "pixel_sd", until)) < at(post, "pixel_sd", until) / 2,
          "No run recovers")
    claim(max(late) < min(post_late), "in the 1200-unit runs its gradient shrinks with them")
    claim(lowest > math.log10(BCE_FLOOR), "far above the floor")

    # binary_cross_entropy's floor: where D first rejects most samples that far, when the runs
    # come back below half, which stay there, and the post's own G.
    claim(max(e for log in logs.values() for c, e in zip(log["clamped"], log["clamp_effect"],
                                                          strict=True) if c == 0) < 1e-5,
          "Where the floor acts on no sample, the post's loss and the exact one give G the same "
          "gradient to float rounding")
    claim(min(at(logs[k], "clamp_effect", first[k]) for k in wide_keys) > 0.9,
          "there G's gradient through the post's loss is all but gone")
    firsts = {w: sorted((first[k], k.rsplit(" ", 1)[1]) for k in keys[w]) for w in widths}
    spells = {k: below_half_after(logs[k], first[k]) for k in wide_keys}
    back, never = ([k for k in wide_keys if bool(spells[k]) == b] for b in (True, False))
    back = (f"{number(len(back)).capitalize()} of the {number(len(wide_keys))} runs come back "
            "below half (" + listing(f"{runs_said([k])} at " + listing(
                iteration(a) if a == b else f"{iteration(a)} to {iteration(b)}"
                for a, b in spells[k]) for k in back) + ")"
            + (f"; {runs_said(never)} never" if never else ""))
    stuck = {k: stuck_from(logs[k]) for k in wide_keys}
    frozen = [k for k in wide_keys if stuck[k] is not None]
    claim(frozen, "runs end the log with every sample below the floor")
    stuck_said = (f"{number(len(frozen)).capitalize()} runs end the log" if len(frozen) > 1
                  else "One run ends the log")
    stuck_its, stuck_runs = listing(iteration(stuck[k]) for k in frozen), runs_said(frozen)
    hits = [(it, c) for it, c in zip(its, post["clamped"], strict=True) if c > 0]
    claim(hits and stuck_from(post) is None, "The post's own G meets the floor as well, and "
          "goes on")
    hit_its, share = [it for it, _ in hits], max(c for _, c in hits)
    post_hits = f"{round(share * SAMPLES):,} of its {SAMPLES:,} samples ({percents(share)})"
    return locals()


def width(s):
    """Why width could matter, and the pilot at a quarter of the step (`pilot`: its log over
    the first iterations), then the full runs of its configuration (`mine`) beside those of
    the same width at the post's step (`wide_rows`) and the post's (`post_rows`)."""
    post_h, h = s.settings[BASELINE]["h_dim"], s.settings[QUARTER]["h_dim"]
    wide_h = sorted({s.settings[c]["h_dim"] for c in s.configurations} - {post_h})
    pilot_key = next(k for k in s.wide if k.startswith(f"{QUARTER} seed "))
    pilot, post, pilot_seed = s.wide[pilot_key], s.wide["h128 seed 0"], pilot_key.rsplit(" ")[-1]
    until, lr = max(pilot["iteration"]), s.settings[QUARTER]["lr"]
    ratio = lr / s.settings[BASELINE]["lr"]
    claim(abs(ratio - post_h / h) < 1e-9, "the post's step times 128 / 512")
    claim(0.5 < at(pilot, "pixel_sd", AT[1]) / at(post, "pixel_sd", AT[1]) < 2,
          "its samples spread across z as the post's G's do")
    # The configuration of the same width at the post's step (h512 for h512-lr-quarter).
    wide512 = next(c for c in s.configurations if c != QUARTER and s.settings[c]["h_dim"] == h
                   and s.settings[c]["lr"] == s.settings[BASELINE]["lr"])
    quarter, mine, wide_rows, post_rows = QUARTER, s.of(QUARTER), s.of(wide512), s.of(BASELINE)
    q = [s.quality(QUARTER, r["seed"]) for r in mine]
    w = [s.quality(wide512, r["seed"]) for r in wide_rows]
    claim(len({x["iteration"][0] for x in q + w}) == 1, "at the first measurement")
    first_at = q[0]["iteration"][0]
    first, last = ([x["classes_covered"][k] for x in q] for k in (0, -1))
    wide_first = [x["classes_covered"][0] for x in w]
    claim(all(overlap_words([r[m] for r in mine], [r[m] for r in other]) == "separate ranges"
              for other in (wide_rows, post_rows)
              for m in ("classes_covered", "classifier_score", "frechet_distance")),
          "far from both h512's and the post's")
    times_said = listing([f"{times(h / post_h)} the post's for {h} units" for h in wide_h])
    return locals()


def ends(s):
    """The numbers of the wide-ends table's introduction."""
    wrecked = failed(s.rows, s.configurations)
    claim(all(floor_from(s.losses(c, r["seed"])) is not None for c in wrecked for r in s.of(c)),
          "the losses show where each wide run ends")
    floor_loss, clamp = FLOOR_LOSS, BCE_LOG_CLAMP
    iterations = max(s.settings[c]["iterations"] for c in wrecked)
    window, every = s.settings[BASELINE]["log_every"], DIGEST_EVERY
    return locals()


FACTS = (wide, width, ends)


def wide_table(s):
    """One row per log: how much the samples differ across z and how many pixels are
    saturated at the SHOWN iterations, the lowest D(G(z)) of any sample, and what the floor of
    binary_cross_entropy's gradient did; then real images where wide/real.csv is."""
    if not s.wide:
        return "No log in docs/study/wide/.\n"
    shown = " / ".join(f"{i:,}" for i in SHOWN)
    body = []
    for key, log in s.wide.items():
        low = min(range(len(log["iteration"])), key=lambda k: log["log10_D_fake_min"][k])
        top = max(range(len(log["iteration"])), key=lambda k: log["clamp_effect"][k])
        first = first_over_half(log)
        body.append([key, *(" / ".join("" if v is None else write(v) for v in (
            at(log, name, i) for i in SHOWN)) for name, write in (("pixel_sd", sd),
                                                                  ("saturated", "{:.0%}".format))),
            f"{log['log10_D_fake_min'][low]:.1f} ({log['iteration'][low]:,.0f})",
            f"{percents(max(log['clamped']))} ({'none' if first is None else iteration(first)})",
            f"{log['clamp_effect'][top]:.2g} ({log['iteration'][top]:,.0f})"])
    if os.path.exists(s.path("wide", "real.csv")):
        body.append(["real images (2,000 validation)", f"{s.wide_real['pixel_sd']:.3f}",
                     f"{s.wide_real['saturated']:.0%}", "", "", ""])
    return table(["run", f"pixel sd across z at {shown}", f"pixels saturated at {shown}",
                  "lowest D(G(z)), log10 (iteration)",
                  "samples clamped: most (first iteration with over half)",
                  "largest clamp effect (iteration)"], body)


def wide_ends(s):
    """The failed configurations' runs (report.failed) over their whole length, from the losses
    digest: the first window from which G_loss stays above FLOOR_LOSS, where the gradient floor
    acts on average, and the last window's G_loss."""
    body = []
    for config in failed(s.rows, s.configurations):
        for r in s.of(config):
            losses = s.losses(config, r["seed"])
            stays = floor_from(losses)
            body.append([f"{config} seed {r['seed']}",
                         "never" if stays is None else f"{stays:,.0f}",
                         f"{losses['G_loss'][-1]:.1f}" if losses["G_loss"] else ""])
    if not body:
        return "No configuration failed.\n"
    return table(["run", f"G_loss above {FLOOR_LOSS:.1f} in every window from",
                  "G_loss, last window"], body)


TABLES = {"wide": wide_table, "wide_ends": wide_ends}
