"""Watching a run for mode collapse, which the printed losses cannot show (docs/monitor.md): every
`quality_every` iterations, what `evaluate` says of 2,000 samples of one fixed batch of noise,
without the slow Parzen estimate, as a row of out/quality.csv and a terminal line.

Watching never changes training (its own noise generator; every random draw in a measurement undone
by fork_rng; the weights only read), nor delays stopping: asked to stop while its classifier trains,
the run stops within a step, and the resumed run makes the measurement."""

import os

import torch

from ..io.csv_tables import append_row, read_log, write_table
from ..measure.classifier import Stopped, classify

SAMPLES = 2000
NOISE_SEED = 2017  # the monitor's own generator: the same 2,000 z in every run
COLUMNS = ("iteration", "classes_covered", "kl_uniform", "classifier_score", "frechet_distance",
           *(f"share_{k}" for k in range(10)))

# "The samples concentrate": a digit drawn under 1% of the time (evaluate's coverage threshold),
# or one above 25% (2.5 times its even share). They have spread out again only once every digit
# is at 1% or more and none above 20%: a share of 2,000 samples wobbles by about a point, and a
# digit near 25% should not announce a collapse at every other measurement.
MISSING_BELOW = 0.01
DOMINANT_ABOVE = 0.25
CLEARED_AT_MOST = 0.20
NAMED_ABOVE = 0.15  # the digits named as "making X% of the samples": 1.5 times the even share


def collapse_message(histogram, it):
    """None when the ten digits are all drawn and none dominates; else a sentence in words,
    e.g. "partial mode collapse at iteration 30000: 3 and 8 make 63% of the samples (10% each
    would be even); see docs/REPRODUCTION.md"."""
    shares = [float(p) for p in histogram]
    missing = [k for k, p in enumerate(shares) if p < MISSING_BELOW]
    if not missing and max(shares) <= DOMINANT_ABOVE:
        return None
    kind = "mode collapse" if len(missing) >= 9 else "partial mode collapse"
    parts = []
    named = sorted((k for k, p in enumerate(shares) if p > NAMED_ABOVE), key=lambda k: -shares[k])
    if named:
        total = sum(shares[k] for k in named)
        verb = "makes" if len(named) == 1 else "make"
        parts.append(f"{_digits(named)} {verb} {total:.0%} of the samples "
                     "(10% each would be even)")
    if missing:
        parts.append(f"{_digits(missing, 'or')} drawn in under 1% of them")
    return f"{kind} at iteration {it}: {', '.join(parts)}; see docs/REPRODUCTION.md"


def next_state(collapsed, histogram, it):
    """(collapsed now, the line to print or None), after a measurement's histogram."""
    message = collapse_message(histogram, it)
    if not collapsed:
        return message is not None, message
    if min(histogram) >= MISSING_BELOW and max(histogram) <= CLEARED_AT_MOST:
        return False, (f"mode collapse cleared at iteration {it}: every digit drawn in 1% of "
                       f"the samples or more, none above {CLEARED_AT_MOST:.0%}")
    return True, None


def _digits(ks, word="and"):
    names = [str(k) for k in ks]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {word} {names[-1]}"


def quality_line(it, row):
    """The terminal line printed after the post's report line of the same iteration."""
    return (f"Quality-{it}; classes: {row['classes_covered']}/10; KL: {row['kl_uniform']:.2f}; "
            f"score: {row['classifier_score']:.2f}; FD: {row['frechet_distance']:.0f}")


class QualityMonitor:
    """Measures G's samples at iterations N, 2N, ... and at the end of the run. paths: each
    member's quality.csv, `names` beginning its lines ("seed 3: "); an ensemble's G gives every
    member's samples at once, (K, SAMPLES, X_dim). load_classifier: returns what
    `classifier_and_sides` does, called at the first measurement; if it raises, the run says
    why in one line and goes on without the monitor."""

    def __init__(self, paths, every, Z_dim, device, load_classifier, log=print, names=None):
        self.paths = list(paths)
        self.names = names or [""] * len(self.paths)
        self.every, self.device, self.log = every, device, log
        self.load_classifier = load_classifier
        self.classifier = None
        self.off = every == 0
        # whether each file's samples are concentrated (said once, until cleared)
        self.collapsed = [False] * len(self.paths)
        self.pending = None  # each file's rows from before a resume, not yet rewritten
        self.owed = None  # a measurement a stopped run did not make (start)
        gen = torch.Generator().manual_seed(NOISE_SEED)
        self.z = torch.randn(SAMPLES, Z_dim, generator=gen).to(device)  # (SAMPLES, Z_dim)

    def due(self, it, iterations):
        """Measure after iteration `it`? At N, 2N, ... and at the run's last, once past N."""
        if self.off or it < self.every:
            return False
        return it % self.every == 0 or it == iterations - 1

    def start(self, iteration):
        """Begin quality.csv at `iteration`, as LossLog.start does its file, dropping too the
        last row of a run that ended between two multiples of N; `owed`: the measurement a run
        stopped while the classifier trained owes, which the caller makes before the loop."""
        pending = []
        for k, path in enumerate(self.paths):
            rows = []
            if iteration > 0 and os.path.exists(path):
                rows = [r for r in read_quality(path, as_text=True) if int(r[0]) < iteration]
                if rows and int(rows[-1][0]) == iteration - 1 and (
                        self.every == 0 or (iteration - 1) % self.every):
                    rows = rows[:-1]
            elif iteration > self.every > 0:
                self.log(f"{path} is missing: it starts again at iteration {iteration}, "
                         "without the rows before")
            last = iteration - 1  # measured at N, 2N, ... (due), unless the run stopped first
            if not self.off and last >= self.every and last % self.every == 0 and not (
                    rows and int(rows[-1][0]) == last):
                self.owed = last
            for row in rows:  # whether the samples were concentrated when the run stopped
                self.collapsed[k], _ = next_state(self.collapsed[k], [float(p) for p in row[5:]], 0)
            pending.append([COLUMNS, *rows])
        if self.off and not any(len(rows) > 1 for rows in pending):
            return
        self.pending = pending
        if iteration == 0:
            self.finish()

    def finish(self):
        """Write the rows kept from before a resume, if no measurement has written them."""
        if self.pending is not None:
            for path, rows in zip(self.paths, self.pending, strict=True):
                write_table(path, rows)
            self.pending = None

    def measure(self, it, G):
        """The numbers for G's samples after iteration `it`, a dict per member; None when off,
        or when the run was asked to stop while the classifier trained."""
        if self.off:
            return None
        try:
            # Whatever draws random numbers in here (the classifier's training seeds the
            # global generator; torchmetrics draws a permutation) leaves the run's random
            # streams as they were.
            devices = [self.device] if self.device.type == "cuda" else []
            with torch.random.fork_rng(devices=devices):
                if self.classifier is None:
                    self.classifier, self.test_side, self.validation_side = self.load_classifier()
                rows = self._numbers(G)
        except Stopped:
            self.log(f"quality monitor: stopped training the classifier, nothing cached; the "
                     f"resumed run measures iteration {it}")
            return None
        except Exception as e:  # noqa: BLE001 (watching must never stop a run)
            self.off = True
            self.log(f"quality monitor off from iteration {it}: {_why(e)}")
            return None
        self.finish()
        for k, (path, name, row) in enumerate(zip(self.paths, self.names, rows, strict=True)):
            row["iteration"] = it
            if not append_row(path, [it, *(_fmt(row[c]) for c in COLUMNS[1:])]):
                continue  # a member that measured this iteration alone, before (start)
            self.log(name + quality_line(it, row))
            self.collapsed[k], line = next_state(self.collapsed[k], row["class_histogram"], it)
            if line is not None:
                self.log(name + line)
        return rows

    @torch.no_grad()
    def _numbers(self, G):
        """A row of numbers for each file: every member's samples of the fixed z in one pass
        of the classifier (in chunks of 2,000: each member's one chunk, as alone)."""
        from ..measure import metrics  # torchmetrics: imported when first measuring

        samples = G(self.z).float().cpu()  # (SAMPLES, X_dim) or (K, SAMPLES, X_dim)
        logits, features = classify(self.classifier, samples.reshape(-1, samples.shape[-1]))
        rows = []
        for member in range(len(self.paths)):  # the classifier runs on the CPU
            part = slice(member * SAMPLES, (member + 1) * SAMPLES)
            histogram = metrics.class_histogram(logits[part])
            row = {
                "classes_covered": metrics.classes_covered(histogram),
                "kl_uniform": metrics.kl_to_uniform(histogram),
                "classifier_score": metrics.classifier_score(logits[part]),
                "frechet_distance": metrics.frechet_distance(self.test_side, features[part]),
                # Not in quality.csv: what keeps the best generator (run/best.py) chooses on,
                # so that the test images evaluate reports on never take part in the choice.
                "frechet_distance_validation": metrics.frechet_distance(self.validation_side,
                                                                        features[part]),
                "class_histogram": [float(p) for p in histogram],
            }
            rows.append(row | {f"share_{k}": p for k, p in enumerate(row["class_histogram"])})
        return rows


def read_quality(path, as_text=False):
    """The rows of a quality.csv as a dict of columns (floats; empty where there is no file),
    or (as_text) as lists of their text: checked, DamagedFile naming a bad line."""
    if not os.path.exists(path) and not as_text:
        return {name: [] for name in COLUMNS}
    return read_log(path, COLUMNS, "a gan-vanilla quality log", "an iteration and 14 numbers",
                    as_text)


def classifier_and_sides(mnist, cache_dir, log=None, settings=None, stop=None):
    """The cached classifier (trained on first use; settings: DEFAULTS if None; stop: as train()
    takes it) and the Frechet distance's two real sides, each fed once: the test images' features
    (quality.csv's, as evaluate's) and the validation images' (best.pt's choice)."""
    from ..measure.classifier import DEFAULTS, load_or_train
    from ..measure.metrics import frechet_against

    classifier, _, _ = load_or_train(mnist, cache_dir, settings or DEFAULTS, log=log, stop=stop)
    sides = [frechet_against(classify(classifier, split.images.cpu())[1])
             for split in (mnist.test, mnist.validation)]
    return classifier, *sides


def _fmt(value):
    return value if isinstance(value, int) else f"{value:.6g}"


def _why(e):
    if isinstance(e, OSError):  # a failed os.replace names the .part file, then (filename2) ours
        return f"{e.filename2 or e.filename or 'a file'}: {e.strerror or e}"
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__
