"""The tables of the generated pages, each a function of the committed files (StudyFiles) that
returns Markdown (report.table); the templates place them (`{{ tables.knobs }}`)."""

import math
import statistics

from gan_vanilla.run.losslog import COLUMNS as LOSS_COLUMNS
from gan_vanilla.study.report import DECIMALS, LABELS, METRICS, repeats, same_rows, spread, table

from . import wide
from .study_files import BASELINE, LOSSES
from .words import fixed, listing, verdict

LOSSES_FROM = 10000  # the losses' ranges leave out the first iterations, where G starts


def _spread(values, metric):
    """mean ± standard deviation (min to max) over seeds, as the study's summary writes it."""
    std = statistics.stdev(values) if len(values) > 1 else math.nan
    return spread(statistics.fmean(values), std, min(values), max(values), metric)


def _marked(values, baseline, metric):
    """mean (min to max) over a few seeds, and the verdict against the baseline's range, above
    and below in bold."""
    d, word = DECIMALS[metric], verdict(values, baseline)
    return (f"{statistics.fmean(values):.{d + 1}f} ({min(values):.{d}f} to {max(values):.{d}f}); "
            + (word if word == "within" else f"**{word}**"))


def post_seeds(s):
    """The baseline's runs one by one, their mean and spread, and real images."""
    def row(name, r):
        return [name, f"{r['parzen_ll']:.1f} ± {r['parzen_se']:.1f}", f"{r['parzen_sigma']:.3f}",
                *(fixed(r[m], DECIMALS[m]) for m in METRICS[1:])]

    mine = s.of(BASELINE)
    sigmas = [r["parzen_sigma"] for r in mine]
    body = [*(row(f"seed {r['seed']}", r) for r in mine),
            [f"**{len(mine)} seed{'s' * (len(mine) != 1)}: mean ± sd (min to max)**",
             _spread([r["parzen_ll"] for r in mine], "parzen_ll"),
             f"{min(sigmas):.3f} to {max(sigmas):.3f}",
             *(_spread([r[m] for r in mine], m) for m in METRICS[1:])],
            row("real training images (reference)", s.real)]
    return table(["run", "Parzen (nats)", "Parzen sigma", "digits >= 1%", "KL to uniform",
                  "classifier score", "Frechet distance"], body)


def histograms(s):
    """Each digit's share of the samples in percent: the baseline's seeds one by one, then
    real images."""
    body = [[f"seed {r['seed']}", *(f"{100 * r[f'share_{k}']:.1f}" for k in range(10))]
            for r in s.of(BASELINE)]
    body.append(["real training images",
                 *(f"{100 * p:.1f}" for p in s.real["class_histogram"])])
    return table(["", *(str(k) for k in range(10))], body)


def knobs(s):
    """Every configuration but the baseline: its flags, runs, each metric's spread over seeds
    and whether its mean leaves the baseline's seed range, and its mean training time."""
    base = {m: [r[m] for r in s.of(BASELINE)] for m in METRICS}
    body = []
    for config in s.configurations:
        if config == BASELINE:
            continue
        mine = s.of(config)
        seconds = [r["train_seconds"] for r in mine if not math.isnan(r["train_seconds"])]
        body.append([config, mine[0]["flags"], str(len(mine)),
                     *(_marked([r[m] for r in mine], base[m], m) for m in METRICS),
                     f"{statistics.fmean(seconds):.0f}" if seconds else ""])
    return table(["configuration", "flags", "runs", *(LABELS[m] for m in METRICS),
                  "training per run (s)"], body)


def best(s):
    """Every configuration whose runs kept a best generator: its figures over seeds, whether
    their mean leaves the range of the same seeds' last generators, and the iterations it
    comes from."""
    body = []
    for config in s.configurations:
        mine = [r for r in s.of(config) if r["best_iteration"] is not None]
        if mine:
            its = [r["best_iteration"] for r in mine]
            body.append([config, str(len(mine)), *(
                _marked([r[f"best_{m}"] for r in mine], [r[m] for r in mine], m)
                for m in METRICS), f"{min(its):,.0f} to {max(its):,.0f}"])
    if not body:
        return "No run of the study was evaluated at its best generator.\n"
    return table(["configuration", "runs", *(LABELS[m] for m in METRICS), "chosen at iteration"],
                 body)


def monitor_means(s, config, seeds=None):
    """{iteration: (mean digits covered, mean classifier score)} over the configuration's
    seeds (or those given) that measured that iteration."""
    out = {}
    qs = [s.quality(config, seed) for seed in seeds or [r["seed"] for r in s.of(config)]]
    for it in sorted({it for q in qs for it in q["iteration"]}):
        at = [(q, q["iteration"].index(it)) for q in qs if it in q["iteration"]]
        out[it] = (statistics.fmean(q["classes_covered"][k] for q, k in at),
                   statistics.fmean(q["classifier_score"][k] for q, k in at))
    return out


def post_monitor(s):
    """Digits covered · classifier score at each measurement of the quality monitor, a row per
    seed of the baseline."""
    def short(it):  # 10000 -> '10k'; an iteration between thousands in full: '99,999'
        return f"{int(it) // 1000}k" if it % 1000 == 0 else f"{int(it):,}"

    means = {f"seed {r['seed']}": monitor_means(s, BASELINE, [r["seed"]])
             for r in s.of(BASELINE)}
    its = sorted({it for m in means.values() for it in m})
    if not its:
        return "No run of the baseline has quality.csv rows.\n"
    return table(["run", *(short(it) for it in its)],
                 [[name, *("{:.0f} · {:.2f}".format(*m[it]) if it in m else "" for it in its)]
                  for name, m in means.items()])


def loss_ranges(s, seed):
    """{column: the values of the baseline seed's losses digest after LOSSES_FROM}."""
    losses = s.losses(BASELINE, seed)
    keep = [k for k, it in enumerate(losses["iteration"]) if it >= LOSSES_FROM]
    return {c: [losses[c][k] for k in keep] for c in LOSS_COLUMNS[1:]}


def post_losses(s):
    """The range of each column of the baseline's losses digests over the windows that end
    after LOSSES_FROM iterations: the seeds grouped by the digits they end with, most first,
    then all of them."""
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


def repeating(s):
    """{configuration: its seeds} for each configuration whose runs repeat the baseline's
    runs of the same seeds up to some iteration (report.repeats)."""
    with_curves = [{**r, "curves": s.quality(r["configuration"], r["seed"])} for r in s.rows]
    return {config: [r["seed"] for r in s.of(config)]
            for config in repeats(with_curves, BASELINE)}


def repeated(s):
    """A sentence per configuration whose runs repeat the baseline's runs of the same seeds:
    up to which iteration their losses and their quality rows are the baseline's, row for
    row."""
    lines = []
    for config, seeds in repeating(s).items():
        loss_until, quality_until = (min(same_rows(of(config, k), of(BASELINE, k)) or -1
                                         for k in seeds) for of in (s.losses, s.quality))
        loss_rows = min(sum(1 for it in s.losses(config, seed)["iteration"] if it <= loss_until)
                        for seed in seeds)
        loss_part = (f"their `{LOSSES}` up to iteration {loss_until:,.0f} ({loss_rows} rows each)"
                     if loss_until >= 0 else f"none of their `{LOSSES}` rows")
        lines.append(f"`{config}` continues `{BASELINE}`'s seeds {listing(seeds)}: {loss_part} "
                     f"and their quality.csv up to {quality_until:,.0f} are `{BASELINE}`'s, row "
                     "for row.")
    if not lines:
        return f"No configuration repeats runs of `{BASELINE}`.\n"
    return "\n".join(lines) + "\n"


TABLES = {"post_seeds": post_seeds, "histograms": histograms, "knobs": knobs, "best": best,
          "post_monitor": post_monitor, "post_losses": post_losses, "repeats": repeated,
          "wide": wide.wide_table, "wide_ends": wide.wide_ends}
