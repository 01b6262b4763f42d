"""out/best.pt and out/best.png: the best generator the run saw, not only its last
(docs/monitor.md, "The best generator"): at each quality measurement, the one with the lowest
Frechet distance to the validation images, never the test images `evaluate` reports on."""

import os

import torch

from ..grid import GridWriter
from ..model import G_PARAM_NAMES, make_G
from .checkpoint import save_checkpoint

RULE = "frechet_distance_validation"  # lower is better


class BestGenerator:
    """The best generator so far: its iteration, the numbers that chose it, G's tensors.
    `kept` is the best at multiples of --quality-every, which a run that goes on measures too
    (a last iteration between two multiples can only become `best`); checkpoints keep it, so a
    resumed run ends with the best.pt of a run that never stopped."""

    def __init__(self, out_dir, settings, z):
        self.path = os.path.join(out_dir, "best.pt")
        self.png = os.path.join(out_dir, "best.png")
        self.settings, self.z = settings, z[:16]  # the monitor's fixed noise: its first 16
        self.kept = self.best = None  # {"iteration", "numbers", "params"}
        self.last = self.last_kept = None  # the latest measurement: {"iteration", "numbers"}

    def consider(self, it, row, params, kept=True):
        """After a measurement: keep G if it beats the best so far, and write it."""
        numbers = {key: row[key] for key, _, _ in _SHOWN}
        self.last = {"iteration": it, "numbers": numbers}
        if kept:
            self.last_kept = self.last
        if self.best is None or row[RULE] < self.best["numbers"][RULE]:
            self.best = {"iteration": it, "numbers": numbers,
                         "params": {k: params[k].detach().cpu().clone() for k in G_PARAM_NAMES}}
            if kept:
                self.kept = self.best
            self.write()

    def write(self):
        """best.pt (a checkpoint that holds G alone) and best.pt's grid, best.png."""
        save_checkpoint({"kind": "best", "iteration": self.best["iteration"],
                         "numbers": self.best["numbers"], "rule": f"lowest {RULE}",
                         "settings": self.settings.to_dict(), "params": self.best["params"]},
                        self.path)
        with torch.no_grad():
            samples = make_G(self.best["params"])(self.z.cpu())
        GridWriter().save(samples, self.png)

    def finish(self, log):
        """At the end: best.pt as the whole run chose it (a resumed run may have found a file
        from past its checkpoint), and one line: the best against the last."""
        if self.best is None:
            return
        self.write()
        best, last = self.best, self.last or self.best
        pairs = ", ".join(f"{name} {fmt(best['numbers'][key])} (last {fmt(last['numbers'][key])})"
                          for key, name, fmt in _SHOWN)
        log(f"best generator: iteration {best['iteration']} (last measured: "
            f"{last['iteration']}); {pairs}; saved as {self.path} and {self.png}")

    def state_dict(self):
        """What a checkpoint keeps: the best and the last as they stand, and `kept` and
        `last_kept`, the multiples' alone, which a resumed run goes on from (above)."""
        return {"best": self.best, "last": self.last,
                "kept": self.kept, "last_kept": self.last_kept}

    def load_state_dict(self, state):
        # Checkpoints before `kept` held the multiples' best and last as "best" and "last".
        self.kept = self.best = state.get("kept", state["best"])
        self.last = self.last_kept = state.get("last_kept", state["last"])


_SHOWN = ((RULE, "Frechet distance to the validation images", "{:.0f}".format),
          ("frechet_distance", "to the test images", "{:.0f}".format),
          ("classes_covered", "digits", "{}/10".format),
          ("classifier_score", "score", "{:.2f}".format))
