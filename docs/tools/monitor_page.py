"""The facts of docs/monitor.md: the monitor's rule (run/monitor.py's own thresholds), the
example the default command printed (docs/study/rerun/post-seed-0/), and how well the best
generator's rule agrees with the other figures over the study's runs (results.csv)."""

import inspect
import math
import re
import statistics

from gan_vanilla.data import read_data_sets
from gan_vanilla.run.monitor import (
    CLEARED_AT_MOST,
    DOMINANT_ABOVE,
    MISSING_BELOW,
    NAMED_ABOVE,
    SAMPLES,
    next_state,
)
from gan_vanilla.settings import Settings

from .words import f2
from .study_files import BASELINE, PageError
from .words import claim, iteration, listing, number, percent_against, percents, span

REPORT = re.compile(r"Iter-(\d+); D_loss: (\S+); G_loss: (\S+)$")
QUALITY = re.compile(r"Quality-(\d+); ")
FROM = 10000  # the report lines' ranges leave out the first iterations, where G starts


def monitor(s):
    printed, q = s.rerun_printed, s.rerun_quality
    claim(q["iteration"], "the rerun's quality.csv has rows")
    claim(s.rerun_losses == s.losses(BASELINE, 0), "the rerun is the study's run of seed 0 "
          "trained again: its losses digest equals the study's, row for row")
    reports = {}
    for line in printed:
        m = REPORT.match(line)
        if m:
            reports[int(m[1])] = (float(m[2]), float(m[3]))
    first = int(q["iteration"][0])
    example = _lines_at(printed, first)
    alarms = [line for line in printed if "mode collapse" in line]
    claim(alarms, "The first time the samples concentrate, a line says it in words")
    said = _said(q)
    late = {it: v for it, v in reports.items() if it >= FROM}
    last = {c: v[-1] for c, v in q.items()}
    top_two = sorted(range(10), key=lambda d: -last[f"share_{d}"])[:2]
    rarest = min(range(10), key=lambda d: last[f"share_{d}"])
    best = [line for line in printed if line.startswith("best generator:")]
    claim(len(best) == 1, "At the end one line compares it with the last measurement")
    study_q = s.quality(BASELINE, 0)
    near = _nearest_to_cleared(study_q)
    return {
        "quality_every": iteration(Settings().quality_every),
        "samples": iteration(SAMPLES), "missing": percents([MISSING_BELOW]),
        "dominant": percents([DOMINANT_ABOVE]),
        "dominant_times": f"{DOMINANT_ABOVE * 10:g}",
        "named": percents([NAMED_ABOVE]), "cleared": percents([CLEARED_AT_MOST]),
        "one_digit": f"{math.log(10):.2f}",
        "wobble": f"{100 * math.sqrt(DOMINANT_ABOVE * (1 - DOMINANT_ABOVE) / SAMPLES):.0f}",
        "example": "\n".join(example),
        "alarms": "\n".join(alarms),
        "said": said,
        "from": iteration(FROM),
        "D_loss": span([v[0] for v in late.values()], "{:.2f}".format),
        "G_loss": span([v[1] for v in late.values()], "{:.2f}".format),
        "top_two": listing(f"{d}s" for d in sorted(top_two)),
        "top_two_share": percents([sum(last[f"share_{d}"] for d in top_two)]),
        "rarest": f"{rarest}s", "rarest_share": percents([last[f"share_{rarest}"]]),
        "last_line": _lines_at(printed, int(q["iteration"][-1]), report=False)[0],
        "best_line": best[0],
        "study_cleared": _cleared(study_q) is not None,
        "study_near_at": iteration(near[0]), "study_near_digit": f"{near[1]}s",
        "study_near_share": percent_against(near[2], CLEARED_AT_MOST),
        "held_out": iteration(inspect.signature(read_data_sets).parameters[
            "validation_size"].default),
        **_agreement(s),
        **_classifiers(q, study_q),
    }


def _classifiers(rerun, study):
    """How far the rerun's measurements (its own classifier) lie from the study's run's (the
    study's cached classifier) at the iterations both measured."""
    its = [it for it in rerun["iteration"] if it in study["iteration"]]
    claim(its, "the rerun and the study's run measured the same iterations")

    def gap(column, relative=False):
        out = []
        for it in its:
            a = rerun[column][rerun["iteration"].index(it)]
            b = study[column][study["iteration"].index(it)]
            out.append(abs(a - b) / b if relative else abs(a - b))
        return max(out)

    return {"score_gap": f2(gap("classifier_score")),
            "fd_gap": percents([gap("frechet_distance", relative=True)]),
            "share_gap": f"{100 * max(gap(f'share_{d}') for d in range(10)):.1f}"}


def _lines_at(printed, it, report=True):
    """The report line (with report) and the quality line the run printed at iteration
    `it`."""
    starts = (f"Iter-{it};", f"Quality-{it};") if report else (f"Quality-{it};",)
    lines = [line for line in printed if line.startswith(starts)]
    if len(lines) != len(starts):
        raise PageError(f"the rerun's printed lines have no {' and '.join(starts)} line")
    return lines


def _cleared(q):
    """The first measurement at which the monitor says the samples spread out again, or
    None (run/monitor.py's next_state over quality.csv's shares)."""
    collapsed = False
    for k, it in enumerate(q["iteration"]):
        shares = [q[f"share_{d}"][k] for d in range(10)]
        was = collapsed
        collapsed, _ = next_state(collapsed, shares, int(it))
        if was and not collapsed:
            return it
    return None


def _nearest_to_cleared(q):
    """(iteration, digit, share): the measurement whose largest share came nearest the
    CLEARED_AT_MOST that would clear the alarm, with every digit at MISSING_BELOW or more."""
    options = []
    for k, it in enumerate(q["iteration"]):
        shares = [q[f"share_{d}"][k] for d in range(10)]
        if min(shares) >= MISSING_BELOW:
            top = max(range(10), key=lambda d: shares[d])
            options.append((shares[top], it, top))
    share, it, digit = min(options)
    return it, digit, share


def _said(q):
    """What the monitor says over the run, in words: 'raised at 10,000 iterations, cleared at
    50,000 and raised again at 80,000' (run/monitor.py's next_state over the shares)."""
    collapsed, events = False, []
    for k, it in enumerate(q["iteration"]):
        shares = [q[f"share_{d}"][k] for d in range(10)]
        collapsed, line = next_state(collapsed, shares, int(it))
        if line and "cleared" in line:
            events.append(f"cleared at {iteration(it)}")
        elif line:
            again = " again" * any(e.startswith("raised") for e in events)
            events.append(f"raised{again} at {iteration(it)}")
    if events:
        events[0] += " iterations"
    return listing(events)


def _ranks(values):
    """Ranks from 1, ties given their mean rank (Spearman's convention)."""
    order = sorted(range(len(values)), key=values.__getitem__)
    out = [0.0] * len(values)
    k = 0
    while k < len(order):
        j = k
        while j + 1 < len(order) and values[order[j + 1]] == values[order[k]]:
            j += 1
        for m in range(k, j + 1):
            out[order[m]] = (k + j) / 2 + 1
        k = j + 1
    return out


def spearman(a, b):
    """Spearman's rank correlation of two lists."""
    return statistics.correlation(_ranks(a), _ranks(b))


def _agreement(s):
    """The Frechet distance's rank correlation with the classifier score and with the KL to
    even shares, over every run and over the baseline's seeds alone."""
    def rho(rows, other):
        return f2(spearman([r["frechet_distance"] for r in rows], [r[other] for r in rows]))

    post = s.of(BASELINE)
    return {"runs": len(s.rows), "post_seeds": number(len(post)),
            "rho_score": rho(s.rows, "classifier_score"), "rho_kl": rho(s.rows, "kl_uniform"),
            "post_rho_score": rho(post, "classifier_score"),
            "post_rho_kl": rho(post, "kl_uniform")}
