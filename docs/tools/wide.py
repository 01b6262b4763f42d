"""docs/study/wide/: scripts/wide_diagnostics.py's logs of the wide runs' first iterations, as the
page's `wide` table and wide.png (gan_vanilla/study/dynamics.py says what each column is)."""

import math
import os

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from gan_vanilla.files.atomic import save_atomic
from gan_vanilla.files.tables import DamagedFile, columns_of, read_table
from gan_vanilla.study.report import table

from .dynamics import BCE_FLOOR, COLUMNS, SAMPLE_COLUMNS, SAMPLES, SATURATED_WITHIN
from .words import percents

# The iterations the table shows: early (where the wide runs part from the post's), and the end.
SHOWN = (300, 1000, 3000, 15000)


def wide_logs(docs):
    """docs/study/wide/'s run logs (h128-seed-0.csv, ...), by width then seed, then real.csv
    where it is."""
    folder = os.path.join(docs, "wide")
    names = [n for n in os.listdir(folder) if n.endswith(".csv")] if os.path.isdir(folder) else []

    def key(name):  # h128-seed-0 < h512-seed-0 < h512-seed-1 < h1200-seed-0 < h512-lr-...
        run, _, seed = name[:-4].partition("-seed-")
        width = run[1:]
        return (name == "real.csv", (0, int(width), run) if width.isdigit() else (1, 0, run),
                int(seed) if seed.isdigit() else 0)

    return [os.path.join(folder, n) for n in sorted(names, key=key)]


def read_log(path):
    """A log as a dict of columns of floats; DamagedFile names a file that is not one."""
    expected = SAMPLE_COLUMNS if os.path.basename(path) == "real.csv" else COLUMNS
    rows = read_table(path, expected, "a log of scripts/wide_diagnostics.py",
                      f"{len(expected)} numbers")
    if not rows:
        raise DamagedFile(f"{path} has no rows: run scripts/wide_diagnostics.py again")
    return columns_of(rows, expected)


def name(path):
    """'h512-seed-0.csv' -> 'h512 seed 0'."""
    return os.path.basename(path)[:-4].replace("-seed-", " seed ")


def _at(log, column, iteration):
    if iteration not in log["iteration"]:
        return None
    return log[column][log["iteration"].index(iteration)]


def _cell(values, fmt):
    return " / ".join("" if v is None else fmt(v) for v in values)


def _spread(value):
    """A spread across z: three decimals, or one significant digit below 0.001 (a G that
    gives one image for every z would read 0.000)."""
    return f"{value:.3f}" if value >= 0.001 or value == 0 else f"{value:.0e}"


def _first_over_half(log):
    over = [it for it, c in zip(log["iteration"], log["clamped"], strict=True) if c > 0.5]
    return f"{over[0]:,.0f}" if over else "none"


def wide_table(paths):
    """One row per log: how much the samples differ across z and how many pixels are
    saturated at the SHOWN iterations, the lowest D(G(z)) of any sample, and what the floor of
    binary_cross_entropy's gradient did; then real images where wide/real.csv is."""
    logs = [(p, read_log(p)) for p in paths if os.path.basename(p) != "real.csv"]
    if not logs:
        return "No log in docs/study/wide/.\n"
    shown = " / ".join(f"{i:,}" for i in SHOWN)
    head = ["run", f"pixel sd across z at {shown}", f"pixels saturated at {shown}",
            "lowest D(G(z)), log10 (iteration)",
            "samples clamped: most (first iteration with over half)",
            "largest clamp effect (iteration)"]
    body = []
    for path, log in logs:
        low = min(range(len(log["iteration"])), key=lambda k: log["log10_D_fake_min"][k])
        top = max(range(len(log["iteration"])), key=lambda k: log["clamp_effect"][k])
        body.append([
            name(path),
            _cell([_at(log, "pixel_sd", i) for i in SHOWN], _spread),
            _cell([_at(log, "saturated", i) for i in SHOWN], lambda v: f"{v:.0%}"),
            f"{log['log10_D_fake_min'][low]:.1f} ({log['iteration'][low]:,.0f})",
            f"{percents([max(log['clamped'])])} ({_first_over_half(log)})",
            f"{log['clamp_effect'][top]:.2g} ({log['iteration'][top]:,.0f})"])
    real = [p for p in paths if os.path.basename(p) == "real.csv"]
    if real:
        r = read_log(real[0])
        body.append(["real images (2,000 validation)", f"{r['pixel_sd'][0]:.3f}",
                     f"{r['saturated'][0]:.0%}", "", "", ""])
    return table(head, body)


PANELS = (("pixel_sd", "pixel sd across z (log)", True),
          ("saturated", f"share of pixels within {SATURATED_WITHIN:g} of 0 or 1", False),
          ("log10_D_fake_p50", "log10 D(G(z)) of the median sample", False),
          ("log10_D_fake_min", "log10 D(G(z)) of the lowest sample", False),
          ("clamped", "share of samples where the floor acts", False),
          ("G_grad_Whx", "|G's gradient| at Whx, the post's loss (log)", True),
          ("G_step_Whx", "|G's Adam step| at Whx (log)", True),
          ("clamp_effect", "clamp effect: |bce - exact| / |exact| (log)", True))
STYLES = ("-", "--", "-.")  # a run's seeds 0, 1, 2 (then again); colours tell the runs apart
FLOOR_STYLE = {"color": "k", "ls": ":", "lw": 1.2}  # D(G(z)) = BCE_FLOOR: no run is black
REAL_STYLE = {"color": "0.6", "ls": "-", "lw": 2.5, "alpha": 0.5}  # real images: grey band


def plot_wide(paths, path):
    """wide.png: each log's columns over its iterations, a panel per quantity (PANELS), a
    colour per run and a line style per seed; real images' figures (wide/real.csv) as a grey
    band, binary_cross_entropy's floor as a black dotted line; the legend names each."""
    logs = [(p, read_log(p)) for p in paths if os.path.basename(p) != "real.csv"]
    real = [read_log(p) for p in paths if os.path.basename(p) == "real.csv"]
    runs = list(dict.fromkeys(name(p).rsplit(" seed ", 1)[0] for p, _ in logs))  # h512, ...
    fig = Figure(figsize=(17, 7), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 4, sharex=True).flatten()
    for p, log in logs:
        run, seed = name(p).rsplit(" seed ", 1)
        color = f"C{runs.index(run)}"
        style = STYLES[int(seed) % len(STYLES)]
        # Iteration 0 (the initial weights) has no place on the log axis, nor a step yet.
        trained = [k for k, it in enumerate(log["iteration"]) if it > 0]
        its = [log["iteration"][k] for k in trained]
        for ax, (column, _, _) in zip(axes, PANELS, strict=True):
            ax.plot(its, [log[column][k] for k in trained], style, color=color, lw=1,
                    label=name(p) if ax is axes[0] else None)
    for ax, (column, title, log_scale) in zip(axes, PANELS, strict=True):
        if real and column in real[0]:
            ax.axhline(real[0][column][0], **REAL_STYLE,
                       label="real images" if ax is axes[0] else None)
        if column.startswith("log10_D_fake"):
            ax.axhline(math.log10(BCE_FLOOR), **FLOOR_STYLE,
                       label=f"D(G(z)) = {BCE_FLOOR:g}, binary_cross_entropy's floor"
                       if ax is axes[2] else None)
        if log_scale:
            ax.set_yscale("log")
        ax.set_title(title, fontsize=9)
        # A log axis: the wide runs part from the post's within the first few hundred.
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    for ax in axes[4:]:
        ax.set_xlabel("iteration")
    handles, labels = axes[0].get_legend_handles_labels()
    floor, floor_label = axes[2].get_legend_handles_labels()
    fig.legend(handles + floor, labels + floor_label, loc="outside right center", fontsize=8,
               frameon=False)
    last = max(max(log["iteration"]) for _, log in logs)
    fig.suptitle(f"The first {last:,.0f} iterations (log axis), measured on {SAMPLES:,} fixed z "
                 "(scripts/wide_diagnostics.py); a step of exactly 0 is not drawn", fontsize=9)
    save_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=80))
