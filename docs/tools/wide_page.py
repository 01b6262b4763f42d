"""The facts and table of docs/wide.md, from docs/study/wide/ (scripts/wide_diagnostics.py's logs
of the wide runs' first iterations): G's output saturating first, binary_cross_entropy's
gradient floor coming later. Local names, raw, as build.py says."""

from gan_vanilla.study.report import failed, table

from .dynamics import BCE_FLOOR, SAMPLES, SATURATED_WITHIN
from .study_files import BASELINE, at
from .words import claim, iteration, listing, number, percents, sd

SHOWN = (300, 1000, 3000, 15000)  # the table's iterations: where the runs part, and the end


def first_over_half(log):
    """The first measurement at which the floor acts on over half the samples, or None."""
    return next((it for it, c in zip(log["iteration"], log["clamped"], strict=True) if c > 0.5),
                None)


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
    """The failed widths' runs (report.failed): G saturated and its samples alike across z at
    the first SHOWN iteration, against the post's seed and real images; then the floor acting
    on most samples (`first`), and the runs that come back below half (`back`)."""
    logs, real, wrecked = s.wide, s.wide_real, failed(s.rows, s.configurations)
    runs, post_h = sum(len(s.of(c)) for c in wrecked), s.settings[BASELINE]["h_dim"]
    digits = [r["classes_covered"] for c in wrecked for r in s.of(c)]
    small, large = sorted({s.settings[c]["h_dim"] for c in wrecked})
    keys = {w: [k for k in logs if k.rsplit(" seed ", 1)[0] == f"h{w}"] for w in (post_h, small,
                                                                               large)}
    claim(all(keys.values()), "the logs of the post's seed and of both wide widths")
    post_key, wide_keys = keys[post_h][0], keys[small] + keys[large]
    post, post_seed = logs[post_key], post_key.rsplit(" ", 1)[1]
    others = runs_said(k for k in logs if k not in (post_key, *wide_keys))  # h512-lr-quarter
    early, until, shown = SHOWN[0], max(post["iteration"]), SHOWN
    z, within, floor = SAMPLES, SATURATED_WITHIN, BCE_FLOOR
    saturated, spread = ([at(logs[k], c, early) for k in wide_keys] for c in ("saturated",
                                                                              "pixel_sd"))
    post_saturated, post_spread = (at(post, c, early) for c in ("saturated", "pixel_sd"))
    first = {k: first_over_half(logs[k]) for k in wide_keys}
    claim(None not in first.values(), "D pushes most samples below the floor")
    claim(min(saturated) > max(real["saturated"], post_saturated)
          and min(first.values()) > 10 * early, "G's own output sigmoid saturates first")
    claim(max(spread) < post_spread / 5, "their samples barely differ across z")
    claim(max(at(logs[k], "pixel_sd", until) for k in wide_keys) < at(post, "pixel_sd", until)
          / 2, "No run recovers")
    claim(min(at(logs[k], "clamp_effect", first[k]) for k in wide_keys) > 0.9,
          "there G's gradient through the post's loss is all but gone")
    spells = {k: below_half_after(logs[k], first[k]) for k in wide_keys}
    back, never = ([k for k in wide_keys if bool(spells[k]) == b] for b in (True, False))
    back = (f"{number(len(back)).capitalize()} of the {number(len(wide_keys))} runs come back "
            "below half (" + listing(f"{runs_said([k])} at " + listing(
                iteration(a) if a == b else f"{iteration(a)} to {iteration(b)}"
                for a, b in spells[k]) for k in back) + ")"
            + (f"; {runs_said(never)} never" if never else ""))
    return locals()


FACTS = (wide,)


def wide_table(s):
    """A row per log: its samples at the SHOWN iterations; the most samples the floor acts on,
    the first measurement at which it acts on over half, and its effect there. Real images last."""
    shown = " / ".join(f"{i:,}" for i in SHOWN)
    body = []
    for key, log in s.wide.items():
        spread, saturated = (" / ".join("" if at(log, name, i) is None else write(at(log, name, i))
                                        for i in SHOWN)
                             for name, write in (("pixel_sd", sd), ("saturated", "{:.0%}".format)))
        first = first_over_half(log)
        floor = "none" if first is None else \
            f"{iteration(first)} ({at(log, 'clamp_effect', first):.2g})"
        body.append([key, spread, saturated, percents(max(log["clamped"])), floor])
    body.append(["real images (2,000 validation)", f"{s.wide_real['pixel_sd']:.3f}",
                 f"{s.wide_real['saturated']:.0%}", "", ""])
    return table(["run", f"pixel sd across z at {shown}", f"pixels saturated at {shown}",
                  "samples clamped, at most", "first iteration with over half clamped (clamp "
                  "effect there)"], body)


TABLES = {"wide": wide_table}
