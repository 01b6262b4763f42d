"""Each member's own random streams, so that member k of `--seeds` is the run `--seed k`.

A single run seeds torch's global generator once: it draws the eight tensors (on the CPU),
then every z (on the run's device); its batches come from a generator of mnist.train's own
(data.py), seeded with the same seed. An ensemble gives every member the same three streams
of its own: the eight tensors drawn right after torch.manual_seed(seed), a generator that
goes on from where that left off (on the CPU; on CUDA a CUDA generator seeded as
torch.manual_seed seeds CUDA's) for its z, and a DataSet generator for its batches.
"""

import argparse
import collections
import json

import torch

from ..data import DataSet
from ..model import init_params

MAX_MEMBERS = 10000  # a seed list longer than this is a typo (10,000 copies of the GAN)


def parse_seeds(text, seed_max=2**63 - 1):
    """`0-9`, `0,3,7` or a mix (`0-4,10,20-22`) -> [0, 1, ...], in the order written.
    argparse type of --seeds: a bad list is refused with one line."""
    seeds = []
    for part in text.split(","):
        bounds = part.strip().split("-")
        try:
            if len(bounds) == 1:
                low = high = int(bounds[0])
            elif len(bounds) == 2:
                low, high = int(bounds[0]), int(bounds[1])
            else:
                raise ValueError
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a list of seeds: write 0-9, 0,3,7 or a mix such as "
                f"0-4,10") from None
        if len(bounds) == 1 and not 0 <= low <= seed_max:
            raise argparse.ArgumentTypeError(
                f"{part.strip()!r} in {text!r} is not a seed: each is 0 to 2^63-1")
        if not 0 <= low <= high <= seed_max:
            raise argparse.ArgumentTypeError(
                f"{part.strip()!r} in {text!r} is not a range of seeds from low to high, "
                f"each 0 to 2^63-1")
        if high - low + len(seeds) >= MAX_MEMBERS:
            raise argparse.ArgumentTypeError(f"{text!r} names more than {MAX_MEMBERS} seeds")
        seeds.extend(range(low, high + 1))
    problem = seeds_problem(seeds, seed_max)
    if problem:
        raise argparse.ArgumentTypeError(f"{text!r} {problem}")
    return seeds


def seeds_problem(seeds, seed_max=2**63 - 1):
    """What is wrong with a list of seeds, in words ("names seed 1 twice: ..."), or None: the
    one check of --seeds and of an ensemble's ensemble.json (folder.py). Each seed an
    integer from 0 to 2^63-1, each once, one to MAX_MEMBERS of them."""
    if not isinstance(seeds, list) or not seeds:
        return "names no seeds"
    for s in seeds:
        # bool is an int in Python: JSON's true must not read as seed 1
        if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s <= seed_max:
            return f"names {json.dumps(s)}, which is not a seed (0 to 2^63-1)"
    if len(seeds) > MAX_MEMBERS:
        return f"names more than {MAX_MEMBERS} seeds"
    repeated = sorted(s for s, n in collections.Counter(seeds).items() if n > 1)
    if repeated:
        return f"names seed {repeated[0]} twice: each member must be a run of its own"
    return None


def seeds_text(seeds):
    """The shortest --seeds text for a list: [0, 1, 2, 5] -> '0-2,5'."""
    parts, start = [], None
    for i, s in enumerate(seeds):
        if start is None:
            start = s
        if i + 1 == len(seeds) or seeds[i + 1] != s + 1:
            parts.append(str(s) if s == start else f"{start}-{s}")
            start = None
    return ",".join(parts)


class Seeds:
    """K members' streams. `init_params` draws the stacked tensors; `randn` each member's
    noise, stacked; `train` serves each member's batches, stacked (StackedDataSet)."""

    def __init__(self, seeds, train, device):
        self.seeds, self.device = list(seeds), device
        self.cpu = [torch.Generator() for _ in self.seeds]  # the weights' stream
        # Every z: on the CPU the same stream, going on from the weights' draws; on CUDA a
        # CUDA generator seeded as torch.manual_seed seeds CUDA's own.
        self.noise = (self.cpu if device.type == "cpu" else
                      [torch.Generator(device).manual_seed(s) for s in self.seeds])
        self.train = StackedDataSet(train, self.seeds)

    def init_params(self, Z_dim, h_dim, X_dim):
        """The eight tensors of every member, each drawn as `--seed s` draws them, stacked:
        weights (K, in, out), biases (K, 1, out); leaves on the device that need gradients."""
        members = []
        for g, s in zip(self.cpu, self.seeds, strict=True):
            with torch.random.fork_rng(devices=[]):  # the caller's global stream is kept
                torch.manual_seed(s)
                members.append(init_params(Z_dim, h_dim, X_dim))
                g.set_state(torch.get_rng_state())
        # A bias (out,) becomes (1, out), so that (K, 1, out) broadcasts over each member's rows.
        stacked = {name: torch.stack([m[name].detach().reshape(1, -1) if m[name].dim() == 1
                                      else m[name].detach() for m in members])
                   for name in members[0]}
        return {name: t.to(self.device).requires_grad_() for name, t in stacked.items()}

    def randn(self, *size):
        """Each member's torch.randn(*size) from its own stream: (K, *size)."""
        return torch.stack([torch.randn(*size, generator=g, device=self.device)
                            for g in self.noise])

    def rng_state(self, k):
        """Member k's streams as a single run's checkpoint keeps them (checkpoint.py)."""
        return {"cpu": self.cpu[k].get_state(),
                "cuda": self.noise[k].get_state() if self.device.type == "cuda" else None}

    def set_rng_state(self, k, state):
        self.cpu[k].set_state(state["cpu"])
        if self.device.type == "cuda" and state["cuda"] is not None:
            self.noise[k].set_state(state["cuda"])


class StackedDataSet:
    """Every member's mnist.train at once: `next_batch` returns (K, mb_size, 784).

    Each member shuffles with its own generator, as its single run's DataSet does, but the
    members share one position: they take batches of one size from splits of one size, so
    every member's epoch ends at the same iteration. A batch is one slice of the (K, N)
    permutations and one gather from the images the members share."""

    def __init__(self, train, seeds):
        self.images, self.labels = train.images, train.labels
        self.num_examples = train.num_examples
        self.members = [DataSet(train.images, train.labels, seed=s) for s in seeds]
        self.perm = None  # (K, N): this epoch's order of each member
        self.index_in_epoch = 0

    def _shuffle(self):
        for m in self.members:
            m._shuffle()
        self.perm = torch.stack([m.perm for m in self.members])

    def next_batch(self, batch_size):
        """data.DataSet.next_batch for every member at once."""
        if not 0 < batch_size <= self.num_examples:
            raise ValueError(f"batch size {batch_size} must be between 1 and the split's "
                             f"{self.num_examples} examples")
        start = self.index_in_epoch
        if self.perm is None:
            self._shuffle()
        if start + batch_size > self.num_examples:
            rest = self.perm[:, start:]
            self._shuffle()
            self.index_in_epoch = batch_size - rest.shape[1]
            idx = torch.cat((rest, self.perm[:, : self.index_in_epoch]), dim=1)
        else:
            self.index_in_epoch += batch_size
            idx = self.perm[:, start : self.index_in_epoch]
        return self.images[idx], self.labels[idx]  # (K, batch_size, 784), (K, batch_size, 10)

    def state_dict(self, k):
        """Member k's position, as its single run's DataSet.state_dict gives it."""
        m = self.members[k]
        m.index_in_epoch = self.index_in_epoch
        return m.state_dict()

    def load_state_dicts(self, states):
        for m, state in zip(self.members, states, strict=True):
            m.load_state_dict(state)
        positions = {m.index_in_epoch for m in self.members}
        if len(positions) > 1:
            raise ValueError(f"the members' batches stand at different places "
                             f"({sorted(positions)}) and cannot be stacked")
        self.index_in_epoch = positions.pop()
        self.perm = (None if self.members[0].perm is None else
                     torch.stack([m.perm for m in self.members]))
