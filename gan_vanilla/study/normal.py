"""Is my run normal? One run's figures placed in the spread of the committed study's runs of
the same settings (docs/study/, installed with the package), figure by figure, and a verdict.

A seed run again on another machine parts from the study's run at the first rounding that
differs, so the question is whether it lands where the study's seeds land. Some figures of
such a run land outside the seeds' range by chance alone (an eleventh draw falls outside ten
about 2 times in 11), so its count is set against the study's own: each seed placed, as the
run is, against the other seeds on the same figures (HOW)."""

import dataclasses
import itertools
import os

from .results import BETTER, METRICS, StudyResults, read_config, read_evaluation, read_figures

# What makes a configuration: the settings that change what is trained, but for its length,
# which decides only how far the run's numbers reach.
TRAINING = ("mb_size", "Z_dim", "h_dim", "lr", "beta1")
QUALITY = ("classes_covered", "kl_uniform", "classifier_score", "frechet_distance")
# Each figure as the quality monitor's line names and writes it (run/monitor.py quality_line).
SHOWN = {"parzen_ll": ("Parzen", "{:.1f}"), "classes_covered": ("digits", "{:.0f}"),
         "kl_uniform": ("KL", "{:.2f}"), "classifier_score": ("score", "{:.2f}"),
         "frechet_distance": ("FD", "{:.0f}")}
HOW = ("each of the study's {n} seeds is placed against the other {m} on these same figures; "
       "a run with no more figures outside, and no more far outside, than the most of them "
       "is usual")
EVALUATION_FILES = {"last": "evaluation.json", "best": "evaluation-best.json"}


class NotComparable(Exception):
    """The run and the study cannot be compared; the message says why."""


def how_far(values, reference):
    """Where a reference figure lies against a range of values: 'far above' or 'far below'
    when it lies outside the range by more than the range is wide, 'above' or 'below' when
    outside by less, 'within' inside. (docs/REPRODUCTION.md words its figures so too.)"""
    low, high = min(values), max(values)
    if low <= reference <= high:
        return "within"
    gap = reference - high if reference > high else low - reference
    where = "above" if reference > high else "below"
    return f"far {where}" if gap > high - low else where


def listing(items, last="and"):
    """['a'] -> 'a'; ['a', 'b'] -> 'a and b'; ['a', 'b', 'c'] -> 'a, b and c'."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def place(value, values):
    """Where a run's figure lies among the seeds' figures: how_far's word and how many seeds lie
    lower, level and higher: ('within', '2 lower, 3 level, 5 higher'), ('above', 'all 10 lower')."""
    counts = {"lower": sum(v < value for v in values), "level": sum(v == value for v in values),
              "higher": sum(v > value for v in values)}
    if max(counts.values()) == len(values):
        side = next(k for k, n in counts.items() if n)
        return how_far(values, value), f"all {len(values)} {side}"
    return how_far(values, value), ", ".join(f"{n} {k}" for k, n in counts.items() if n)


@dataclasses.dataclass
class Figure:
    """One measurement of one metric: the run's figure and each seed's, by seed."""

    what: str  # "quality" (quality.csv), "last" or "best" (evaluation.json, -best.json)
    iteration: int
    metric: str
    value: float
    seeds: dict

    def placed(self, value, leave_out=None):
        """(side, rank) of `value` among the seeds' figures, less the seed `leave_out`."""
        return place(value, [v for s, v in self.seeds.items() if s != leave_out])

    def judged(self, side):
        """'better' or 'worse' for a figure outside the range (BETTER: the metric's
        direction), None within."""
        if side == "within":
            return None
        return "better" if side.endswith("above") == (BETTER[self.metric] == "higher") else "worse"


def configuration_of(study, settings):
    """The study's configuration trained with the run's settings: the same TRAINING settings,
    and the same length where the study has one; None where it has none."""
    same = [config for config, theirs in study.settings.items()
            if all(theirs.get(k) == settings.get(k) for k in TRAINING)]
    long = [c for c in same if study.settings[c].get("iterations") == settings.get("iterations")]
    return (long or same or [None])[0]


def read_run(run_dir):
    """The run's settings (config.json), its quality.csv's columns and its evaluations
    (evaluation.json, evaluation-best.json; None where there is none), each checked."""
    if not os.path.isdir(run_dir):
        raise NotComparable(f"{run_dir} is no folder: give a run's folder (the train "
                            "command's --out-dir)")
    if os.path.exists(os.path.join(run_dir, "ensemble.json")):
        raise NotComparable(f"{run_dir} holds an ensemble: name one member's folder, e.g. "
                            f"{os.path.join(run_dir, 'seed-S')}")
    config = os.path.join(run_dir, "config.json")
    if not os.path.exists(config):
        raise NotComparable(f"{run_dir} has no config.json: is it a run's folder (the "
                            "train command's --out-dir)?")
    evaluations = {kind: read_evaluation(os.path.join(run_dir, name), ("iteration", *METRICS))
                   for kind, name in EVALUATION_FILES.items()}
    return (read_config(config)["settings"], read_figures(os.path.join(run_dir, "quality.csv")),
            evaluations)


def figures(study, config, quality, evaluations):
    """Every figure of the run that the study's seeds of `config` measured too: the quality
    monitor's at each iteration both measured, and the last and best generators' evaluations
    (the last only of a run as long as theirs)."""
    rows = study.of(config)
    out = []
    study_quality = {r["seed"]: study.quality(config, r["seed"]) for r in rows}
    for k, it in enumerate(quality["iteration"]):
        theirs = {s: q["iteration"].index(it) for s, q in study_quality.items()
                  if it in q["iteration"]}
        if len(theirs) > 1:
            out += [Figure("quality", int(it), m, quality[m][k],
                           {s: study_quality[s][m][i] for s, i in theirs.items()})
                    for m in QUALITY]
    for kind, prefix in (("last", ""), ("best", "best_")):
        ev = evaluations[kind]
        theirs = [r for r in rows if r[prefix + "parzen_ll"] is not None]
        if ev is None or len(theirs) < 2 or kind == "last" and ev["iteration"] != theirs[0][
                "iterations"]:  # a run of another length: its monitor alone compares
            continue
        out += [Figure(kind, ev["iteration"], m, ev[m], {r["seed"]: r[prefix + m] for r in theirs})
                for m in METRICS]
    return out


@dataclasses.dataclass
class Comparison:
    """A run placed in its configuration's spread: each figure's place, and the verdict."""

    run_dir: str
    study: str  # how the lines name the study
    seed: object
    config: str
    seeds: list
    figures: list
    leave_out: object  # the study's seed the run is (every figure that seed's), or None
    accuracy: float  # the study's classifier on the test images (real.json)

    def __post_init__(self):
        self.places = [f.placed(f.value, self.leave_out) for f in self.figures]
        self.outside, self.far = _counts(side for side, _ in self.places)
        # The study's own seeds, each against the others: how many land outside by chance.
        usual = [_counts(f.placed(f.seeds[s], s)[0] for f in self.figures if s in f.seeds)
                 for s in self.seeds]
        self.usual_outside, self.usual_far = ([min(c), max(c)] for c in zip(*usual, strict=True))
        self.verdict = ("usual" if self.outside <= self.usual_outside[1]
                        and self.far <= self.usual_far[1] else "unusual")
        self.how = HOW.format(n=len(self.seeds), m=len(self.seeds) - 1)  # the verdict's rule

    def as_json(self):
        return {
            "run": self.run_dir, "study": self.study, "configuration": self.config,
            "seed": self.seed, "seeds": self.seeds, "placed_without_seed": self.leave_out,
            "outside": self.outside, "far": self.far, "usual_outside": self.usual_outside,
            "usual_far": self.usual_far, "verdict": self.verdict, "how": self.how,
            "figures": [{"what": f.what, "iteration": f.iteration, "metric": f.metric,
                         "value": f.value, "range": [min(v), max(v)], "side": side,
                         "better_or_worse": f.judged(side), "seeds_lower_level_higher": rank}
                        for f, (side, rank) in zip(self.figures, self.places, strict=True)
                        for v in [[x for s, x in f.seeds.items() if s != self.leave_out]]],
        }

    def lines(self):
        """What the command prints: a head line, one line per measurement, the figures
        outside, how the verdict is reached, and the verdict."""
        against = len(self.seeds) - (self.leave_out is not None)
        it_is = (f"; it is the study's seed {self.leave_out}, placed against the other "
                 f"{against}" if self.leave_out is not None else "")
        lines = [f"{self.run_dir} (seed {self.seed}) against {self.study}'s configuration "
                 f"{self.config!r}: each figure within, above or below the range of its "
                 f"{against} seeds (better or worse), and how many of them lie lower, level "
                 f"and higher{it_is}"]
        placed = list(zip(self.figures, self.places, strict=True))
        if placed[0][0].what == "quality":
            lines.append("the quality monitor (quality.csv):")
        for (what, it), group in itertools.groupby(placed, lambda p: (p[0].what, p[0].iteration)):
            cells = "; ".join(_cell(f, side, rank) for f, (side, rank) in group)
            if what == "quality":
                lines.append(f"  {it:>7,}: {cells}")
            else:
                lines += [f"the {what} generator's evaluation ({EVALUATION_FILES[what]}, "
                          f"iteration {it:,}):", f"  {cells}"]
        outside = {}  # (name, side, better or worse): where
        for f, (side, _) in (p for p in placed if p[1][0] != "within"):
            outside.setdefault((SHOWN[f.metric][0], side, f.judged(side)), []).append(
                f"{f.iteration:,}" if f.what == "quality" else f"the {f.what} evaluation")
        if outside:
            better = sum(len(at) for (_, _, judged), at in outside.items() if judged == "better")
            lines.append(f"{self.outside} figure{'s' * (self.outside != 1)} outside the seeds' "
                         f"range ({better} better, {self.outside - better} worse), "
                         + (f"{self.far} of them far (by more than the range is wide)"
                            if self.far else "none by more than the range is wide") + ": "
                         + "; ".join(f"{name} {side} ({judged}) at {listing(at)}"
                                     for (name, side, judged), at in outside.items()) + ".")
        else:
            lines.append("Every figure lies within the seeds' range.")
        lines.append(f"How it is judged: {self.how} (here {_span(self.usual_outside)} outside "
                     f"and {_span(self.usual_far)} far).")
        theirs = (f"where the study's seeds have at most {self.usual_outside[1]} and "
                  f"{self.usual_far[1]}")
        if self.verdict == "usual":
            lines.append(f"Usual: {self.outside} outside and {self.far} far, {theirs}: a run "
                         "like the study's.")
        else:
            over = [w for w, mine, most in (("outside", self.outside, self.usual_outside[1]),
                                            ("far", self.far, self.usual_far[1])) if mine > most]
            lines.append(f"Unusual: {self.outside} outside and {self.far} far, {theirs}: more "
                         f"figures {' and '.join(over)} than any seed of the study has.")
        lines.append(f"The classifier's figures depend on the classifier: the study's scored "
                     f"{100 * self.accuracy:.2f}% on the test images (real.json); one trained "
                     f"on another machine differs a little, and so do the figures it gives "
                     f"(docs/monitor.md).")
        return lines


def _cell(f, side, rank):
    """'KL 0.52 (above, worse: all 10 lower)'; 'FD 322 (within: 2 lower, 8 higher)'."""
    name, fmt = SHOWN[f.metric]
    judged = f.judged(side)
    return f"{name} {fmt.format(f.value)} ({side}{f', {judged}' if judged else ''}: {rank})"


def _counts(sides):
    """(figures outside, figures far outside) of some figures' sides."""
    sides = list(sides)
    return sum(s != "within" for s in sides), sum(s.startswith("far") for s in sides)


def _span(pair):
    return f"{pair[0]}" if pair[0] == pair[1] else f"{pair[0]} to {pair[1]}"


def compare(run_dir, study_dir, shown=None):
    """The run placed in the spread of the study's seeds of its settings (Comparison).
    shown: how the lines name the study (its folder by default)."""
    settings, quality, evaluations = read_run(run_dir)
    study, shown = StudyResults(study_dir), shown or study_dir
    config = configuration_of(study, settings)
    if config is None:
        wanted = ", ".join(f"{k} {settings.get(k)}" for k in TRAINING)
        raise NotComparable(f"{shown} has no configuration trained with {run_dir}'s "
                            f"settings ({wanted}); it has {', '.join(study.configurations)}")
    figs = figures(study, config, quality, evaluations)
    if not figs:
        raise NotComparable(f"nothing to compare: {run_dir} has no quality.csv row at an "
                            f"iteration {config!r}'s runs measured, and no evaluation of its "
                            "last iteration (evaluate --json) as theirs")
    seed = settings.get("seed")
    itself = seed if all(f.seeds.get(seed) == f.value for f in figs) else None
    return Comparison(run_dir, shown, seed, config, [r["seed"] for r in study.of(config)], figs,
                      itself, study.real.get("classifier_test_accuracy"))
