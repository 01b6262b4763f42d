"""The tables of docs/REPRODUCTION.md, each a function of the committed files (StudyFiles)
that returns Markdown; the template places them (`{{ tables.knobs }}`)."""

import math
import statistics

from gan_vanilla.files.tables import DamagedFile
from gan_vanilla.run.losslog import COLUMNS as LOSS_COLUMNS
from gan_vanilla.study.report import DECIMALS, LABELS, METRICS, failed, spread, table
from gan_vanilla.study.report import repeats as repeated

from .study_files import BASELINE, LOSSES, PageError
from .wide import wide_logs, wide_table
from .words import fixed, verdict

LOSSES_FROM = 10000  # the losses' ranges leave out the first iterations, where G starts
FLOOR_LOSS = -math.log(1e-12)  # 27.63: a G_loss above it is D(G(z)) below 1e-12 on geometric mean


def _one(value, metric):
    """One run's figure, as the study's summary writes it."""
    return fixed(value, DECIMALS[metric])


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
    head = ["run", "Parzen (nats)", "Parzen sigma", "digits >= 1%", "KL to uniform",
            "classifier score", "Frechet distance"]
    mine, real = s.of(BASELINE), s.real
    body = [[f"seed {r['seed']}", f"{r['parzen_ll']:.1f} ± {r['parzen_se']:.1f}",
             f"{r['parzen_sigma']:.3f}", *(_one(r[m], m) for m in METRICS[1:])]
            for r in mine]
    sigmas = [r["parzen_sigma"] for r in mine]
    body.append([f"**{len(mine)} seed{'s' * (len(mine) != 1)}: mean ± sd (min to max)**",
                 _spread([r["parzen_ll"] for r in mine], "parzen_ll"),
                 f"{min(sigmas):.3f} to {max(sigmas):.3f}",
                 *(_spread([r[m] for r in mine], m) for m in METRICS[1:])])
    body.append(["real training images (reference)",
                 f"{real['parzen_ll']:.1f} ± {real['parzen_se']:.1f}",
                 f"{real['parzen_sigma']:.3f}", *(_one(real[m], m) for m in METRICS[1:])])
    return table(head, body)


def histograms(s, per_seed):
    """Each digit's share of the samples in percent: the baseline's seeds one by one
    (per_seed) or every configuration's mean over its seeds, then real images."""
    head = ["", *(str(k) for k in range(10))]
    groups = ([(f"seed {r['seed']}", [r]) for r in s.of(BASELINE)] if per_seed else
              [(c, s.of(c)) for c in s.configurations])
    body = [[name, *(f"{100 * statistics.fmean(r[f'share_{k}'] for r in runs):.1f}"
                     for k in range(10))] for name, runs in groups]
    body.append(["real training images",
                 *(f"{100 * p:.1f}" for p in s.real["class_histogram"])])
    return table(head, body)


def knobs(s):
    """Every configuration: its flags, runs, each metric's spread over seeds and, for all but
    the baseline, whether its mean leaves the baseline's seed range."""
    head = ["configuration", "flags", "runs", *(LABELS[m] for m in METRICS),
            "training per run (s)"]
    base = {m: [r[m] for r in s.of(BASELINE)] for m in METRICS}
    body = []
    for config in s.configurations:
        mine = s.of(config)
        cells = []
        for m in METRICS:
            cell = _spread([r[m] for r in mine], m)
            if config != BASELINE:
                cell += f"; {_mark([r[m] for r in mine], base[m])}"
            cells.append(cell)
        seconds = [r["train_seconds"] for r in mine if not math.isnan(r["train_seconds"])]
        body.append([config, mine[0]["flags"] or "(the post's)", str(len(mine)), *cells,
                     f"{statistics.fmean(seconds):.0f}" if seconds else ""])
    return table(head, body)


def budget(s):
    """One line: how many runs, and the training time they took (wall-clock)."""
    timed = [r["train_seconds"] for r in s.rows if not math.isnan(r["train_seconds"])]
    hours, minutes = divmod(round(sum(timed) / 60), 60)
    untimed = len(s.rows) - len(timed)
    note = (f" ({untimed} of the runs have no training time on record: a scheduler ran "
            "them)" if untimed else "")
    return (f"{len(s.rows)} runs in {len(s.configurations)} configurations: "
            f"{hours} h {minutes} min of training, wall-clock{note}.\n")


def _range(values):
    return f"{min(values):.0f} to {max(values):.0f} (median {statistics.median(values):.0f})"


def last_and_best(s):
    """Every configuration whose runs were also evaluated at their best generator: the last
    generator's figures and the best's, each over seeds, the iterations they come from, and
    whether the best's mean leaves the range the last generators of the seeds cover."""
    head = ["configuration", "generator", "runs", *(LABELS[m] for m in METRICS), "iteration"]
    body = []
    for config in s.configurations:
        mine = [r for r in s.of(config) if r["best_iteration"] is not None]
        if not mine:
            continue
        last = {m: [r[m] for r in mine] for m in METRICS}
        body.append([config, "last", str(len(mine)), *(_spread(last[m], m) for m in METRICS),
                     _range([r["iterations"] for r in mine])])
        body.append([config, "best", str(len(mine)),
                     *(f"{_spread([r[f'best_{m}'] for r in mine], m)}; "
                       f"{_mark([r[f'best_{m}'] for r in mine], last[m])}" for m in METRICS),
                     _range([r["best_iteration"] for r in mine])])
    if not body:
        return "No run of the study was evaluated at its best generator.\n"
    return table(head, body)


def best_seeds(s):
    """The baseline's seeds one by one: the best generator's iteration and figures beside the
    last generator's."""
    head = ["run", "best at iteration", *(f"{LABELS[m]}: last / best" for m in METRICS)]
    body = [[f"seed {r['seed']}", f"{r['best_iteration']:.0f}",
             *(f"{_one(r[m], m)} / {_one(r[f'best_{m}'], m)}" for m in METRICS)]
            for r in s.of(BASELINE) if r["best_iteration"] is not None]
    if not body:
        return "No run of the baseline was evaluated at its best generator.\n"
    return table(head, body)


def short_iteration(it):
    """10000 -> '10k'; an iteration between thousands in full, 99999 -> '99,999'."""
    it = int(it)
    return f"{it // 1000}k" if it % 1000 == 0 else f"{it:,}"


def post_monitor(s):
    """The baseline's seeds one by one: digits covered and classifier score at each
    measurement of the quality monitor."""
    mine = s.of(BASELINE)
    its = sorted({it for r in mine for it in s.quality(BASELINE, r["seed"])["iteration"]})
    if not its:
        return "No run of the baseline has quality.csv rows.\n"
    body = []
    for r in mine:
        q = s.quality(BASELINE, r["seed"])
        body.append([f"seed {r['seed']}", *(_monitor_cell(q, it) if it in q["iteration"] else ""
                                             for it in its)])
    return table(["run", *(short_iteration(it) for it in its)], body)


def _monitor_cell(q, it):
    k = q["iteration"].index(it)
    return f"{q['classes_covered'][k]:.0f} · {q['classifier_score'][k]:.2f}"


def monitor_means(s, config):
    """{iteration: (mean digits covered, mean classifier score)} over the configuration's
    seeds that measured that iteration."""
    out = {}
    qs = [s.quality(config, r["seed"]) for r in s.of(config)]
    for it in sorted({it for q in qs for it in q["iteration"]}):
        at = [(q, q["iteration"].index(it)) for q in qs if it in q["iteration"]]
        out[it] = (statistics.fmean(q["classes_covered"][k] for q, k in at),
                   statistics.fmean(q["classifier_score"][k] for q, k in at))
    return out


def monitor(s):
    """Every configuration's mean over its seeds of digits covered and classifier score, at
    each iteration the quality monitor measured (a row per iteration)."""
    means = {c: monitor_means(s, c) for c in s.configurations}
    its = sorted({it for m in means.values() for it in m})
    if not its:
        return "No run has quality.csv rows.\n"
    body = [[short_iteration(it), *(f"{means[c][it][0]:.1f} · {means[c][it][1]:.2f}"
                                    if it in means[c] else "" for c in s.configurations)]
            for it in its]
    return table(["iteration", *s.configurations], body)


def loss_ranges(s, seed):
    """{column: the values of the baseline seed's losses digest after LOSSES_FROM}."""
    losses = s.losses(BASELINE, seed)
    keep = [k for k, it in enumerate(losses["iteration"]) if it >= LOSSES_FROM]
    return {c: [losses[c][k] for k in keep] for c in LOSS_COLUMNS[1:]}


def post_losses(s):
    """The baseline's seeds: the range of each column of the losses digest over the windows
    that end after LOSSES_FROM iterations."""
    names = {"D_loss": "D_loss", "G_loss": "G_loss", "D_real": "mean D(x)",
             "D_fake": "mean D(G(z))"}
    body, every = [], {c: [] for c in LOSS_COLUMNS[1:]}
    for r in s.of(BASELINE):
        ranges = loss_ranges(s, r["seed"])
        if not ranges["D_loss"]:
            continue
        for c, values in ranges.items():
            every[c] += values
        body.append([f"seed {r['seed']}", str(len(ranges["D_loss"])),
                     *(f"{min(v):.2f} to {max(v):.2f}" for v in ranges.values())])
    if not body:
        return f"No run of the baseline has losses past iteration {LOSSES_FROM:,}.\n"
    body.append([f"**all {len(body)} seeds**", str(len(every["D_loss"])),
                 *(f"{min(every[c]):.2f} to {max(every[c]):.2f}" for c in LOSS_COLUMNS[1:])])
    return table(["run", "windows", *(names[c] for c in LOSS_COLUMNS[1:])], body)


def same_rows(a, b):
    """The last iteration up to which two column dicts agree at every iteration they share
    (None if they share none, or differ at the first)."""
    theirs = {it: k for k, it in enumerate(b["iteration"])}
    last = None
    for k, it in enumerate(a["iteration"]):
        if it not in theirs:
            continue
        if any(a[c][k] != b[c][theirs[it]] for c in a):
            break
        last = it
    return last


def repeating(s):
    """{configuration: its seeds} for each configuration whose runs repeat the baseline's
    runs of the same seeds up to some iteration (report.repeats)."""
    with_curves = [{**r, "curves": s.quality(r["configuration"], r["seed"])} for r in s.rows]
    return {config: [r["seed"] for r in s.of(config)]
            for config in repeated(with_curves, BASELINE)}


def repeats(s):
    """A sentence per configuration whose runs repeat the baseline's runs of the same seeds:
    up to which iteration their losses and their quality rows are the baseline's, row for
    row."""
    lines = []
    for config, seeds in repeating(s).items():
        loss_until = min((same_rows(s.losses(config, seed), s.losses(BASELINE, seed)) or -1)
                         for seed in seeds)
        quality_until = min((same_rows(s.quality(config, seed), s.quality(BASELINE, seed))
                             or -1) for seed in seeds)
        loss_rows = min(sum(1 for it in s.losses(config, seed)["iteration"] if it <= loss_until)
                        for seed in seeds)
        names = (str(seeds[0]) if len(seeds) == 1 else
                 f"{', '.join(str(seed) for seed in seeds[:-1])} and {seeds[-1]}")
        loss_part = (f"every row of their `{LOSSES}` up to iteration {loss_until:,.0f} "
                     f"({loss_rows} rows each)" if loss_until >= 0 else
                     f"none of their `{LOSSES}` rows")
        lines.append(f"`{config}`, seeds {names}: {loss_part} and every row of their "
                     f"quality.csv up to iteration {quality_until:,.0f} equal those of "
                     f"`{BASELINE}`'s runs of the same seeds.")
    if not lines:
        return f"No configuration repeats runs of `{BASELINE}`.\n"
    return "\n".join(lines) + "\n"


def floor_from(g_loss, its):
    """The first window from which every later window's G_loss stays above FLOOR_LOSS, or
    None."""
    return next((its[k] for k in range(len(g_loss)) if min(g_loss[k:]) > FLOOR_LOSS), None)


def wide_ends(s):
    """The failed configurations' runs (report.failed) over their whole length, from the losses
    digest: the first window from which every 1,000th window's G_loss stays above FLOOR_LOSS,
    where binary_cross_entropy's gradient floor acts on average, and the last window's G_loss
    (100 is log's own clamp: every D(G(z)) 0 in float32)."""
    body = []
    for config in failed(s.rows, s.configurations):
        for r in s.of(config):
            losses = s.losses(config, r["seed"])
            stays = floor_from(losses["G_loss"], losses["iteration"])
            body.append([f"{config} seed {r['seed']}",
                         "never" if stays is None else f"{stays:,.0f}",
                         f"{losses['G_loss'][-1]:.1f}" if losses["G_loss"] else ""])
    if not body:
        return "No configuration failed.\n"
    return table(["run", f"G_loss above {FLOOR_LOSS:.1f} in every window from",
                  "G_loss, last window"], body)


def wide(s):
    """The wide runs' logs (docs/study/wide/), as a table (wide.py)."""
    try:
        return wide_table(wide_logs(s.folder))
    except DamagedFile as e:
        raise PageError(str(e)) from None


TABLES = {"post_seeds": post_seeds, "last_and_best": last_and_best, "best_seeds": best_seeds,
          "post_histograms": lambda s: histograms(s, per_seed=True), "knobs": knobs,
          "knob_histograms": lambda s: histograms(s, per_seed=False), "budget": budget,
          "post_monitor": post_monitor, "monitor": monitor, "post_losses": post_losses,
          "repeats": repeats, "wide_ends": wide_ends, "wide": wide}
