"""The facts of docs/monitor.md: the monitor's rule (run/monitor.py's own thresholds), the
example the default command printed (docs/study/rerun/post-seed-0/), how far the rerun's own
classifier measured from the study's, and how well the best generator's rule agrees with the
other figures over the study's runs (results.csv). Local names, raw, as build.py says."""

import math
import os
import re
import statistics

from gan_vanilla.run import monitor as rule
from gan_vanilla.run.losslog import read_losses
from gan_vanilla.run.monitor import read_quality
from gan_vanilla.settings import Settings
from gan_vanilla.study.results import QUALITY

from .study_files import BASELINE, LOSSES, PageError, at, read_text
from .words import claim, iteration, listing

RERUN = os.path.join("rerun", "post-seed-0")  # the baseline's seed 0, trained again
REPORT = re.compile(r"Iter-(\d+); D_loss: (\S+); G_loss: (\S+)$")
FROM = 10000  # the report lines' ranges leave out the first iterations, where G starts


def monitor(s):
    """The rule's thresholds; what the rerun printed and measured (`q`, its quality.csv, and
    `last`, its last row), beside the study's run of the same seed (`study_q`)."""
    printed = read_text(s.path(RERUN, "printed.txt")).splitlines()
    q, study_q = read_quality(s.path(RERUN, QUALITY)), s.quality(BASELINE, 0)
    claim(q["iteration"], "the rerun's quality.csv has rows")
    claim(read_losses(s.path(RERUN, LOSSES)) == s.losses(BASELINE, 0), "the rerun is the "
          "study's run of seed 0 trained again: its losses digest equals the study's, row for row")
    quality_every, samples, report_from = Settings().quality_every, rule.SAMPLES, FROM
    missing, dominant, named = rule.MISSING_BELOW, rule.DOMINANT_ABOVE, rule.NAMED_ABOVE
    cleared = rule.CLEARED_AT_MOST
    one_digit = math.log(10)  # the KL to even shares of samples that are all one digit
    # The standard error of a share near DOMINANT_ABOVE, in points.
    wobble = 100 * math.sqrt(dominant * (1 - dominant) / samples)

    example = "\n".join(_lines_at(printed, int(q["iteration"][0])))
    alarms = [line for line in printed if "mode collapse" in line]
    claim(alarms, "The first time the samples concentrate, a line says it in words")
    alarms, said = "\n".join(alarms), _said(q)
    late = [(float(m[2]), float(m[3])) for m in map(REPORT.match, printed)
            if m and int(m[1]) >= FROM]
    late_d, late_g = [d for d, _ in late], [g for _, g in late]
    last = {c: v[-1] for c, v in q.items()}
    top_two = sorted(sorted(range(10), key=lambda d: -last[f"share_{d}"])[:2])
    top_two_share = sum(last[f"share_{d}"] for d in top_two)
    rarest = min(range(10), key=lambda d: last[f"share_{d}"])
    rarest_share = last[f"share_{rarest}"]
    last_line = _lines_at(printed, int(q["iteration"][-1]), report=False)[0]
    best = [line for line in printed if line.startswith("best generator:")]
    claim(len(best) == 1, "At the end one line compares it with the last measurement")
    study_cleared = any(what == "cleared" for _, what in _events(study_q))
    near = _nearest_to_cleared(study_q)

    # How far the rerun's measurements (its own classifier) lie from the study's run's (the
    # study's cached classifier) at the iterations both measured.
    its = [it for it in q["iteration"] if it in study_q["iteration"]]
    claim(its, "the rerun and the study's run measured the same iterations")

    def gap(column, relative=False):
        pairs = [(at(q, column, it), at(study_q, column, it)) for it in its]
        return max(abs(a - b) / b if relative else abs(a - b) for a, b in pairs)

    score_gap, fd_gap = gap("classifier_score"), gap("frechet_distance", relative=True)
    share_gap = max(gap(f"share_{d}") for d in range(10))

    # The Frechet distance's rank correlation with the classifier score and with the KL to
    # even shares, over every run and over the baseline's seeds alone.
    def rho(rows, other):
        return spearman([r["frechet_distance"] for r in rows], [r[other] for r in rows])

    post, runs = s.of(BASELINE), len(s.rows)
    rho_score, rho_kl = rho(s.rows, "classifier_score"), rho(s.rows, "kl_uniform")
    post_rho_score, post_rho_kl = rho(post, "classifier_score"), rho(post, "kl_uniform")
    return locals()


def _lines_at(printed, it, report=True):
    """The report line (with report) and the quality line the run printed at iteration `it`."""
    starts = (f"Iter-{it};", f"Quality-{it};") if report else (f"Quality-{it};",)
    lines = [line for line in printed if line.startswith(starts)]
    if len(lines) != len(starts):
        raise PageError(f"the rerun's printed lines have no {' and '.join(starts)} line")
    return lines


def _events(q):
    """[(iteration, 'raised' or 'cleared')]: what the monitor says over the run, as
    run/monitor.py's next_state says it from quality.csv's shares."""
    collapsed, events = False, []
    for k, it in enumerate(q["iteration"]):
        shares = [q[f"share_{d}"][k] for d in range(10)]
        collapsed, line = rule.next_state(collapsed, shares, int(it))
        if line:
            events.append((it, "cleared" if "cleared" in line else "raised"))
    return events


def _said(q):
    """What the monitor says over the run, in words: 'raised at 10,000 iterations, cleared at
    50,000 and raised again at 80,000'."""
    words = [f"{what}{' again' * (what == 'raised' and k > 0)} at {iteration(it)}"
             for k, (it, what) in enumerate(_events(q))]
    return listing([words[0] + " iterations", *words[1:]] if words else [])


def _nearest_to_cleared(q):
    """(iteration, digit, share): the measurement whose largest share came nearest the
    CLEARED_AT_MOST that would clear the alarm, with every digit at MISSING_BELOW or more."""
    options = []
    for k, it in enumerate(q["iteration"]):
        shares = [q[f"share_{d}"][k] for d in range(10)]
        if min(shares) >= rule.MISSING_BELOW:
            options.append((max(shares), it, shares.index(max(shares))))
    share, it, digit = min(options)
    return it, digit, share


def spearman(a, b):
    """Spearman's rank correlation of two lists, ties given their mean rank."""
    def ranks(values):
        ordered = sorted(values)
        return [ordered.index(v) + (ordered.count(v) + 1) / 2 for v in values]

    return statistics.correlation(ranks(a), ranks(b))


FACTS = (monitor,)
