"""The tables of docs/REPRODUCTION.md, each a function of the committed files (StudyFiles)
that returns Markdown (report.table); the template places them (`{{ tables.knobs }}`)."""

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


def _mark(values, baseline):
    """The verdict as the tables show it: above and below in bold."""
    word = verdict(values, baseline)
    return word if word == "within" else f"**{word}**"


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


def histograms(s, per_seed):
    """Each digit's share of the samples in percent: the baseline's seeds one by one
    (per_seed) or every configuration's mean over its seeds, then real images."""
    groups = ([(f"seed {r['seed']}", [r]) for r in s.of(BASELINE)] if per_seed else
              [(c, s.of(c)) for c in s.configurations])
    body = [[name, *(f"{100 * statistics.fmean(r[f'share_{k}'] for r in runs):.1f}"
                     for k in range(10))] for name, runs in groups]
    body.append(["real training images",
                 *(f"{100 * p:.1f}" for p in s.real["class_histogram"])])
    return table(["", *(str(k) for k in range(10))], body)


def knobs(s):
    """Every configuration: its flags, runs, each metric's spread over seeds and, for all but
    the baseline, whether its mean leaves the baseline's seed range."""
    base = {m: [r[m] for r in s.of(BASELINE)] for m in METRICS}
    body = []
    for config in s.configurations:
        mine = s.of(config)
        seconds = [r["train_seconds"] for r in mine if not math.isnan(r["train_seconds"])]
        body.append([config, mine[0]["flags"] or "(the post's)", str(len(mine)), *(
            _spread([r[m] for r in mine], m)
            + (f"; {_mark([r[m] for r in mine], base[m])}" if config != BASELINE else "")
            for m in METRICS), f"{statistics.fmean(seconds):.0f}" if seconds else ""])
    return table(["configuration", "flags", "runs", *(LABELS[m] for m in METRICS),
                  "training per run (s)"], body)


def budget(s):
    """One line: how many runs, and the training time they took (wall-clock)."""
    timed = [r["train_seconds"] for r in s.rows if not math.isnan(r["train_seconds"])]
    hours, minutes = divmod(round(sum(timed) / 60), 60)
    untimed = len(s.rows) - len(timed)
    note = (f" ({untimed} of the runs have no training time on record: a scheduler ran "
            "them)" if untimed else "")
    return (f"{len(s.rows)} runs in {len(s.configurations)} configurations: "
            f"{hours} h {minutes} min of training, wall-clock{note}.\n")


def last_and_best(s):
    """Every configuration whose runs were also evaluated at their best generator: the last
    generator's figures and the best's, each over seeds, the iterations they come from, and
    whether the best's mean leaves the range the last generators of the seeds cover."""
    def its(values):
        return f"{min(values):.0f} to {max(values):.0f} (median {statistics.median(values):.0f})"

    body = []
    for config in s.configurations:
        mine = [r for r in s.of(config) if r["best_iteration"] is not None]
        if not mine:
            continue
        last = {m: [r[m] for r in mine] for m in METRICS}
        body.append([config, "last", str(len(mine)), *(_spread(last[m], m) for m in METRICS),
                     its([r["iterations"] for r in mine])])
        body.append([config, "best", str(len(mine)),
                     *(f"{_spread([r[f'best_{m}'] for r in mine], m)}; "
                       f"{_mark([r[f'best_{m}'] for r in mine], last[m])}" for m in METRICS),
                     its([r["best_iteration"] for r in mine])])
    if not body:
        return "No run of the study was evaluated at its best generator.\n"
    return table(["configuration", "generator", "runs", *(LABELS[m] for m in METRICS),
                  "iteration"], body)


def best_seeds(s):
    """The baseline's seeds one by one: the best generator's iteration and figures beside the
    last generator's."""
    body = [[f"seed {r['seed']}", f"{r['best_iteration']:.0f}",
             *(f"{fixed(r[m], DECIMALS[m])} / {fixed(r[f'best_{m}'], DECIMALS[m])}"
               for m in METRICS)]
            for r in s.of(BASELINE) if r["best_iteration"] is not None]
    if not body:
        return "No run of the baseline was evaluated at its best generator.\n"
    return table(["run", "best at iteration", *(f"{LABELS[m]}: last / best" for m in METRICS)],
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


def monitor(s, per_seed=False):
    """Digits covered · classifier score at each measurement of the quality monitor: the
    baseline's seeds one by one (per_seed: a row per seed), or every configuration's mean over
    its seeds (a row per iteration)."""
    def short(it):  # 10000 -> '10k'; an iteration between thousands in full: '99,999'
        return f"{int(it) // 1000}k" if it % 1000 == 0 else f"{int(it):,}"

    means = ({f"seed {r['seed']}": monitor_means(s, BASELINE, [r["seed"]])
              for r in s.of(BASELINE)} if per_seed else
             {c: monitor_means(s, c) for c in s.configurations})
    its = sorted({it for m in means.values() for it in m})
    if not its:
        return f"No run{' of the baseline' * per_seed} has quality.csv rows.\n"
    cell = "{:.0f} · {:.2f}" if per_seed else "{:.1f} · {:.2f}"
    cells = {name: [cell.format(*m[it]) if it in m else "" for it in its]
             for name, m in means.items()}
    if per_seed:
        return table(["run", *(short(it) for it in its)],
                     [[name, *row] for name, row in cells.items()])
    return table(["iteration", *means],
                 [[short(it), *(cells[c][k] for c in means)] for k, it in enumerate(its)])


def loss_ranges(s, seed):
    """{column: the values of the baseline seed's losses digest after LOSSES_FROM}."""
    losses = s.losses(BASELINE, seed)
    keep = [k for k, it in enumerate(losses["iteration"]) if it >= LOSSES_FROM]
    return {c: [losses[c][k] for k in keep] for c in LOSS_COLUMNS[1:]}


def post_losses(s):
    """The baseline's seeds: the range of each column of the losses digest over the windows
    that end after LOSSES_FROM iterations, and over all of them."""
    ranges = {r["seed"]: loss_ranges(s, r["seed"]) for r in s.of(BASELINE)}
    ranges = {f"seed {seed}": r for seed, r in ranges.items() if r["D_loss"]}
    if not ranges:
        return f"No run of the baseline has losses past iteration {LOSSES_FROM:,}.\n"
    ranges[f"**all {len(ranges)} seeds**"] = {
        c: [v for r in list(ranges.values()) for v in r[c]] for c in LOSS_COLUMNS[1:]}
    return table(["run", "windows", "D_loss", "G_loss", "mean D(x)", "mean D(G(z))"],
                 [[name, str(len(r["D_loss"])), *(f"{min(v):.2f} to {max(v):.2f}"
                                                  for v in r.values())]
                  for name, r in ranges.items()])


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
        loss_part = (f"every row of their `{LOSSES}` up to iteration {loss_until:,.0f} "
                     f"({loss_rows} rows each)" if loss_until >= 0 else
                     f"none of their `{LOSSES}` rows")
        lines.append(f"`{config}`, seeds {listing(seeds)}: {loss_part} and every row of their "
                     f"quality.csv up to iteration {quality_until:,.0f} equal those of "
                     f"`{BASELINE}`'s runs of the same seeds.")
    if not lines:
        return f"No configuration repeats runs of `{BASELINE}`.\n"
    return "\n".join(lines) + "\n"


TABLES = {"post_seeds": post_seeds, "last_and_best": last_and_best, "best_seeds": best_seeds,
          "post_histograms": lambda s: histograms(s, per_seed=True), "knobs": knobs,
          "knob_histograms": lambda s: histograms(s, per_seed=False), "budget": budget,
          "post_monitor": lambda s: monitor(s, per_seed=True), "monitor": monitor,
          "post_losses": post_losses, "repeats": repeated, "wide_ends": wide.wide_ends,
          "wide": wide.wide_table}
