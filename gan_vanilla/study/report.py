"""A study's results, gathered: one row per run, a summary per configuration over its seeds,
a Markdown table, and two figures (every seed as a point; the quality monitor's curves with
the mean over seeds and the range from the lowest seed to the highest)."""

import math
import os
import statistics

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from ..io.atomic import save_atomic, save_text
from ..io.csv_tables import DamagedFile, read_table, table_text, write_table
from ..run.monitor import read_quality
from .folder import flag_argv
from .plan import StudyError
from .results import BEST, BETTER, METRICS

LABELS = {"parzen_ll": "Parzen log-likelihood (nats)", "classes_covered": "digits >= 1%",
          "kl_uniform": "KL to uniform (nats)", "classifier_score": "classifier score",
          "frechet_distance": "Frechet distance", "train_seconds": "training time (s)"}
# parzen_sigma: the Parzen window's width, chosen on validation images (evaluate).
COLUMNS = ("configuration", "seed", "iterations", "flags", *METRICS, "parzen_se", "parzen_sigma",
           *(f"share_{k}" for k in range(10)), "train_seconds", *BEST)


def results(study, log=print):
    """One dict per run evaluated for exactly its flags, in the study's order; an evaluation the
    study cannot use is named (log), its run left out; a damaged quality.csv raises
    DamagedFile before anything is written."""
    rows = []
    for run in study.runs:
        if run.mismatch() is not None:  # not trained with the study file's flags, or at all
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
        row["parzen_sigma"] = ev.get("parzen_sigma")  # evaluations before it have none
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
            out.append({"configuration": config, "metric": metric, "runs": len(values),
                        "mean": statistics.fmean(values),
                        "std": statistics.stdev(values) if len(values) > 1 else math.nan,
                        "min": min(values), "max": max(values)})
    return out


def summary_files(rows, configurations):
    """summary.csv's text and summary.md's, as a study writes them beside results.csv."""
    summ = summary(rows, configurations)
    head = ("configuration", "metric", "runs", "mean", "std", "min", "max")
    return {"summary.csv": table_text([head, *([s[c] for c in head] for s in summ)]),
            "summary.md": markdown(summ, configurations)}


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


# A configuration whose every run covers at most this many digits has failed (the wide
# networks: one or two "digits" that are the classifier's guesses on noise). Its figures sit
# hundreds of nats and thousands of Frechet units away from the others', so the figures draw
# them in panels of their own, where they squash nobody's scale.
FAILED_AT_MOST = 2
EVALUATED = "10,000 samples of each run's generator (noise seed 0)"  # evaluate_samples


def failed(rows, configurations):
    """The configurations whose every run covers at most FAILED_AT_MOST digits."""
    return [c for c in configurations
            if (mine := [r for r in rows if r["configuration"] == c])
            and all(r["classes_covered"] <= FAILED_AT_MOST for r in mine)]


def colours(configurations):
    """{configuration: colour}: one colour per configuration of a study, by its place in the
    study, the same in every figure drawn of it (metrics.png, curves.png; the docs' wide.png)."""
    return {c: f"C{k % 10}" for k, c in enumerate(configurations)}


def _side_by_side(n, width=0.22):
    """x offsets of n points, spread evenly over `width`, so that equal values of different
    seeds stay visible instead of hiding each other."""
    return [0.0] if n == 1 else [width * (k / (n - 1) - 0.5) for k in range(n)]


def _thousands(ax):
    # 200,000 written out six digits at a time would run the tick labels together.
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x / 1000:g}k" if x else "0"))


def plot_metrics(rows, configurations, path, real=None):
    """One row of panels per metric: every seed of every configuration as a point (filled: the last
    generator; hollow, beside it: the best generator, where the run kept one), a black line at each
    group's mean, a dashed line at real images (real: real.json) when given; failed configurations
    in panels of their own. Returns the figure it saved."""
    bad = failed(rows, configurations)
    groups = [g for g in ([c for c in configurations if c not in bad], bad) if g]
    fig = Figure(figsize=(2.2 + 0.95 * len(configurations), 2.1 * len(METRICS) + 1.0),
                 layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(METRICS), len(groups), squeeze=False, sharex="col",
                        gridspec_kw={"width_ratios": [len(g) + 0.6 for g in groups]})
    colour = colours(configurations)
    for row_axes, metric in zip(axes, METRICS, strict=True):
        for ax, group in zip(row_axes, groups, strict=True):
            for i, config in enumerate(group):
                color = colour[config]
                mine = [r for r in rows if r["configuration"] == config]
                best = [r for r in mine if r.get(f"best_{metric}") is not None]
                for values, centre, hollow in (
                        ([r[metric] for r in mine], i - 0.17 if best else i, False),
                        ([r[f"best_{metric}"] for r in best], i + 0.17, True)):
                    if not values:
                        continue
                    xs = [centre + o for o in _side_by_side(len(values))]
                    ax.plot(xs, values, "o", ms=4, color=color, alpha=0.8,
                            mfc="none" if hollow else color, zorder=3)
                    ax.plot([centre - 0.14, centre + 0.14], [statistics.fmean(values)] * 2,
                            "-", color="k", lw=1, zorder=2)  # behind the seeds' points
            if real is not None:
                ax.axhline(real[metric], color="0.4", linestyle="--", lw=0.8)
            ax.set_xticks(range(len(group)), group, rotation=45, ha="right")
            ax.set_xlim(-0.6, len(group) - 0.4)
            ax.tick_params(labelsize=8)
        row_axes[0].set_ylabel(f"{LABELS[metric]}\n({BETTER[metric]} is better)", fontsize=8)
    axes[0][0].set_title("the post's settings and the knobs", fontsize=9)
    if len(groups) > 1:
        axes[0][1].set_title(f"failed (at most {FAILED_AT_MOST} digits\nin every run): "
                             "own scale", fontsize=9)
    handles = [Line2D([], [], marker="o", ls="", color="0.3", label="last generator, a seed"),
               Line2D([], [], marker="o", ls="", color="0.3", mfc="none",
                      label="best generator (best.pt), a seed"),
               Line2D([], [], color="k", label="mean over seeds")]
    if real is not None:
        handles.append(Line2D([], [], color="0.4", ls="--", label="real training images"))
    fig.suptitle(f"Final evaluation: {EVALUATED}", fontsize=9)
    fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    save_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=80))
    return fig


CURVES = ("classes_covered", "classifier_score", "frechet_distance")


def plot_curves(rows, configurations, path, real=None, again=None):
    """Digits covered, classifier score and Frechet distance over iterations, per configuration: the
    mean over seeds as a line and, at each measurement, a bar from the lowest seed to the highest,
    set a little apart from the other configurations' bars. again: {configuration: (iteration,
    baseline)} for runs that repeat the baseline's of the same seeds up to that iteration (the docs'
    200k continues the post's seeds), dotted up to there, without bars. real: the real images'
    figures, as dashed lines. Returns the figure it saved."""
    again, colour = again or {}, colours(configurations)
    fig = Figure(figsize=(14, 6), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(CURVES))
    drawn = [r["curves"]["iteration"] for r in rows if r["curves"]["iteration"]]
    # The bars of all configurations side by side within 80% of the smallest gap between two
    # measurements of a run.
    gap = min((b - a for its in drawn for a, b in zip(its, its[1:], strict=False)), default=1)
    apart = 0.8 * gap / max(len(configurations), 1)
    for i, config in enumerate(configurations):
        curves = [r["curves"] for r in rows if r["configuration"] == config and
                  r["curves"]["iteration"]]
        if not curves:
            continue
        # The iterations every seed measured (runs of one configuration share them).
        its = sorted(set.intersection(*(set(c["iteration"]) for c in curves)))
        cut, baseline = again.get(config, (None, None))
        label = config
        if cut is not None:
            seeds = sorted(r["seed"] for r in rows if r["configuration"] == config)
            label = (f"{config} (to {cut / 1000:g}k, dotted: {baseline}'s seeds "
                     f"{', '.join(map(str, seeds))} again)")
        shift = (i - (len(configurations) - 1) / 2) * apart
        for ax, metric in zip(axes, CURVES, strict=True):
            values = [[c[metric][c["iteration"].index(it)] for c in curves] for it in its]
            mean = [statistics.fmean(v) for v in values]
            new = [k for k, it in enumerate(its) if cut is None or it >= cut]
            if cut is not None:
                old = [k for k, it in enumerate(its) if it <= cut]
                ax.plot([its[k] for k in old], [mean[k] for k in old], ":", lw=2,
                        color=colour[config], zorder=3)
            ax.plot([its[k] for k in new], [mean[k] for k in new], color=colour[config],
                    label=label, marker="." if len(new) == 1 else None)
            ax.vlines([its[k] + shift for k in new], [min(values[k]) for k in new],
                      [max(values[k]) for k in new], color=colour[config], lw=1.2, alpha=0.8)
    for ax, metric in zip(axes, CURVES, strict=True):
        ax.set_xlabel("iteration")
        _thousands(ax)
        scale = "; log scale" if metric == "frechet_distance" else ""
        ax.set_title(f"{LABELS[metric]} ({BETTER[metric]} is better{scale})", fontsize=9)
        if real is not None:
            ax.axhline(real[metric], color="0.4", linestyle="--", lw=0.8,
                       label="real training images (evaluate, 10,000)")
        if metric == "frechet_distance":
            ax.set_yscale("log")
        else:
            ax.set_ylim(0, 10.5)
    fig.suptitle("Quality monitor during training: 2,000 samples from one fixed noise batch, "
                 "every 10,000 iterations and at the last; line: mean over seeds, bar: lowest "
                 "to highest seed", fontsize=9)
    handles, labels = axes[-1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right center", fontsize=7, frameon=False)
    save_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=80))
    return fig


def collect(study, log=print):
    """Write results.csv, summary.csv, summary.md, metrics.png and, when a run has quality.csv
    rows, curves.png into the study's folder; returns their paths. Every file is read before
    any is written, each replaced whole. StudyError, with nothing written, when no run is
    evaluated; a line (log) when the table loses runs it had, or curves.png goes."""
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
    write_table(path["results.csv"], [COLUMNS, *([r.get(c) for c in COLUMNS] for r in rows)])
    for name, text in summary_files(rows, configs).items():
        save_text(path[name], text)
    plot_metrics(rows, configs, path["metrics.png"])
    written = [path[name] for name in ("results.csv", "summary.csv", "summary.md", "metrics.png")]
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
        return {(r["configuration"], r["seed"]) for r in read_table(
            results_csv, ("configuration", "seed"), "a study's results.csv", "a run's figures",
            {"configuration": str, "seed": str}, exact=False)}
    except DamagedFile:
        return set()
