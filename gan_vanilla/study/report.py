"""A study's results, gathered: one row per run, a summary per configuration over its seeds,
a Markdown table, and two figures (every seed as a point; the quality monitor's curves with
the mean and the band across seeds)."""

import csv
import math
import os
import statistics

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..run.files import save_atomic, write_csv
from ..run.monitor import read_quality
from .runner import StudyError, flag_argv

METRICS = ("parzen_ll", "classes_covered", "kl_uniform", "classifier_score",
           "frechet_distance")
LABELS = {"parzen_ll": "Parzen log-likelihood (nats)", "classes_covered": "digits >= 1%",
          "kl_uniform": "KL to uniform (nats)", "classifier_score": "classifier score",
          "frechet_distance": "Frechet distance", "train_seconds": "training time (s)"}
# The best generator's figures (best.pt, evaluated beside the last checkpoint); empty for a
# run that kept none.
BEST = ("best_iteration", *(f"best_{m}" for m in METRICS))
COLUMNS = ("configuration", "seed", "iterations", "flags", *METRICS, "parzen_se",
           *(f"share_{k}" for k in range(10)), "train_seconds", *BEST)


def results(study, log=print):
    """One dict per run evaluated for exactly its flags, in the study's order. An evaluation
    the study cannot use is named (log) and its run left out; a damaged quality.csv raises
    DamagedFile, naming it, before anything is written."""
    rows = []
    for run in study.runs:
        if not run.matches():  # not trained with the study file's flags, or not at all
            continue
        ev, problem = run.read_evaluation()
        if problem:
            log(f"note: {run.name} left out: {run.evaluation} {problem}; running the study "
                "evaluates it again")
        if ev is None:
            continue
        row = {"configuration": run.config, "seed": run.seed, "iterations": ev["iteration"],
               "flags": " ".join(flag_argv(run.flags)),
               "train_seconds": run.recorded().get("train_seconds")}
        row.update({k: ev[k] for k in (*METRICS, "parzen_se")})
        row.update({f"share_{k}": p for k, p in enumerate(ev["class_histogram"])})
        best, problem = run.read_evaluation(best=True)
        if problem:
            log(f"note: {run.name}'s best generator left out: {run.best_evaluation} {problem}; "
                "running the study evaluates it again")
        row.update(dict.fromkeys(BEST) if best is None else
                   {"best_iteration": best["iteration"],
                    **{f"best_{m}": best[m] for m in METRICS}})
        row["curves"] = read_quality(os.path.join(run.dir, "quality.csv"))
        rows.append(row)
    return rows


def summary(rows, configurations):
    """Per configuration and metric: runs, mean, standard deviation, min and max over seeds."""
    out = []
    for config in configurations:
        mine = [r for r in rows if r["configuration"] == config]
        if not mine:
            continue
        for metric in (*METRICS, "train_seconds", *BEST):
            values = [float(r[metric]) for r in mine if r[metric] is not None]
            if not values:  # runs a scheduler ran have no training time on record
                continue
            out.append({
                "configuration": config, "metric": metric, "runs": len(values),
                "mean": statistics.fmean(values),
                "std": statistics.stdev(values) if len(values) > 1 else math.nan,
                "min": min(values), "max": max(values),
            })
    return out


# Decimals of one run's figure; a mean and its standard deviation get one more.
DECIMALS = {"parzen_ll": 1, "classes_covered": 0, "kl_uniform": 2, "classifier_score": 2,
            "frechet_distance": 1}


def spread(mean, std, low, high, metric):
    """One metric over seeds: mean ± std (min to max); no ± for a single seed (std NaN)."""
    d = DECIMALS[metric]
    std = "" if math.isnan(std) else f" ± {std:.{d + 1}f}"
    return f"{mean:.{d + 1}f}{std} ({low:.{d}f} to {high:.{d}f})"


def table(head, body):
    """A Markdown table: the header row, the rule, then one row per list of cells."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines) + "\n"


def markdown(summ, configurations):
    """configuration | runs | each metric as mean ± std (min to max); a second row for the
    runs' best generators where they kept one."""
    body = []
    for config in configurations:
        cells = {s["metric"]: s for s in summ if s["configuration"] == config}
        if not cells:
            continue
        for name, prefix in ((config, ""), (f"{config}, best generator", "best_")):
            if f"{prefix}parzen_ll" not in cells:
                continue
            body.append([name, str(cells[f"{prefix}parzen_ll"]["runs"]),
                         *(spread(c["mean"], c["std"], c["min"], c["max"], m)
                           for m in METRICS for c in [cells[prefix + m]])])
    return table(["configuration", "runs", *(LABELS[m] for m in METRICS)], body)


def plot_metrics(rows, configurations, path):
    """One panel per metric: every seed of every configuration as a point, and the mean."""
    fig = Figure(figsize=(3.2 * len(METRICS), 3.6))
    FigureCanvasAgg(fig)
    for ax, metric in zip(fig.subplots(1, len(METRICS)), METRICS, strict=True):
        for i, config in enumerate(configurations):
            values = [r[metric] for r in rows if r["configuration"] == config]
            if values:
                ax.plot([i] * len(values), values, "o", alpha=0.6, color=f"C{i}")
                ax.plot([i - 0.25, i + 0.25], [statistics.fmean(values)] * 2, "-", color="k")
        ax.set_xticks(range(len(configurations)), configurations, rotation=45, ha="right")
        ax.set_title(LABELS[metric], fontsize=9)
    fig.tight_layout()
    save_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=80))


def plot_curves(rows, configurations, path):
    """Digits covered and classifier score over iterations, per configuration: the mean over
    seeds, and the band from the lowest to the highest seed."""
    fig = Figure(figsize=(10, 3.8))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2)
    for i, config in enumerate(configurations):
        curves = [r["curves"] for r in rows if r["configuration"] == config and
                  r["curves"]["iteration"]]
        if not curves:
            continue
        # The iterations every seed measured (runs of one configuration share them).
        its = sorted(set.intersection(*(set(c["iteration"]) for c in curves)))
        for ax, metric in zip(axes, ("classes_covered", "classifier_score"), strict=True):
            values = [[c[metric][c["iteration"].index(it)] for c in curves] for it in its]
            ax.plot(its, [statistics.fmean(v) for v in values], color=f"C{i}", label=config)
            ax.fill_between(its, [min(v) for v in values], [max(v) for v in values],
                            color=f"C{i}", alpha=0.15)
    for ax, metric in zip(axes, ("classes_covered", "classifier_score"), strict=True):
        ax.set_xlabel("iteration")
        # 200,000 written out six digits at a time would run the tick labels together.
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x / 1000:g}k" if x else "0"))
        ax.set_title(f"{LABELS[metric]}: mean and range over seeds", fontsize=9)
        ax.set_ylim(0, 10.5)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    save_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=80))


def collect(study, log=print):
    """Write results.csv, summary.csv, summary.md, metrics.png and, when some run has
    quality.csv rows, curves.png into the study's folder; returns their paths. Every file is
    read before any is written, and each is replaced whole (save_atomic). StudyError, with
    nothing written, when no run is evaluated; a line (log) when the table loses runs it had,
    or curves.png goes."""
    rows = results(study, log)
    if not rows:
        raise StudyError(f"nothing to collect: none of the {len(study.runs)} runs in "
                         f"{study.out_dir} is evaluated for its flags yet; nothing written")
    configs = study.configurations
    path = {name: os.path.join(study.out_dir, name) for name in
            ("results.csv", "summary.csv", "summary.md", "metrics.png", "curves.png")}
    gone = _runs_in(path["results.csv"]) - {(r["configuration"], str(r["seed"])) for r in rows}
    if gone:
        log(f"note: {path['results.csv']} loses {len(gone)} of its runs "
            f"({', '.join(f'{c} seed {s}' for c, s in sorted(gone))}): not evaluated for the "
            "study file's flags, or no longer in it")
    write_csv(path["results.csv"], [COLUMNS, *([r.get(c) for c in COLUMNS] for r in rows)])
    summ = summary(rows, configs)
    head = ("configuration", "metric", "runs", "mean", "std", "min", "max")
    write_csv(path["summary.csv"], [head, *([s[c] for c in head] for s in summ)])
    save_atomic(path["summary.md"], lambda tmp: _write_text(tmp, markdown(summ, configs)))
    plot_metrics(rows, configs, path["metrics.png"])
    written = [path[name] for name in ("results.csv", "summary.csv", "summary.md",
                                       "metrics.png")]
    if any(r["curves"]["iteration"] for r in rows):
        plot_curves(rows, configs, path["curves.png"])
        written.append(path["curves.png"])
    elif os.path.exists(path["curves.png"]):  # an earlier table's curves, not these runs'
        os.remove(path["curves.png"])
        log(f"note: removed {path['curves.png']}: no run in the table has quality.csv rows "
            "(quality-every = 0)")
    return written


def _runs_in(results_csv):
    """(configuration, seed) of each row of an earlier results.csv; none if unreadable."""
    try:
        with open(results_csv, newline="") as f:
            return {(r.get("configuration"), r.get("seed")) for r in csv.DictReader(f)}
    except (OSError, UnicodeDecodeError, csv.Error):
        return set()


def _write_text(path, text):
    with open(path, "w") as f:
        f.write(text)
