"""Each member's own random streams, so that member k of `--seeds` is the run `--seed k`.

A single run seeds torch's global generator once: it draws the eight tensors (on the CPU),
then every z (on the run's device); its batches come from a generator of mnist.train's own
(data.py), seeded with the same seed. An ensemble gives every member the same three streams
of its own: the eight tensors drawn right after torch.manual_seed(seed), a generator that
goes on from where that left off (on the CPU; on CUDA a CUDA generator seeded as
torch.manual_seed seeds CUDA's) for its z, and a DataSet generator for its batches.
"""

import torch

from ..data import DataSet
from ..model import init_params
from .loss import member_bce


class Stack:
    """K members' streams, and their loss. `init_params` draws the stacked tensors; `randn`
    each member's noise, stacked; `train` serves each member's batches, stacked
    (StackedDataSet); `bce` is each member's own mean loss (loss.py)."""

    bce = staticmethod(member_bce)

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


class StackedDataSet(DataSet):
    """Every member's mnist.train at once: `next_batch` (data.DataSet's) returns
    (K, mb_size, 784).

    Each member shuffles with its own generator, as its single run's DataSet does, but the
    members share one position: they take batches of one size from splits of one size, so
    every member's epoch ends at the same iteration. `perm` holds each member's order as a
    row, (K, N): a batch is one slice of it and one gather from the images they share.

    Members brought to one iteration apart, with different --mb-size (each resumed alone),
    stand at different places in their epochs: those (`apart`) take each its own batch, as
    its single run does, and the batches are stacked."""

    def __init__(self, train, seeds):
        self.images, self.labels = train.images, train.labels
        self.num_examples = train.num_examples
        self.members = [DataSet(train.images, train.labels, seed=s) for s in seeds]
        self.perm = None  # (K, N): this epoch's order of each member
        self.index_in_epoch = 0
        self.apart = False

    def next_batch(self, batch_size):
        if not self.apart:
            return super().next_batch(batch_size)
        images, labels = zip(*(m.next_batch(batch_size) for m in self.members), strict=True)
        return torch.stack(images), torch.stack(labels)

    def _shuffle(self):
        for m in self.members:
            m._shuffle()
        self.perm = torch.stack([m.perm for m in self.members])

    def state_dict(self, k):
        """Member k's position, as its single run's DataSet.state_dict gives it."""
        m = self.members[k]
        if not self.apart:
            m.index_in_epoch = self.index_in_epoch
        return m.state_dict()

    def load_state_dicts(self, states):
        for m, state in zip(self.members, states, strict=True):
            m.load_state_dict(state)
        positions = {m.index_in_epoch for m in self.members}
        self.apart = len(positions) > 1
        if not self.apart:
            self.index_in_epoch = positions.pop()
            self.perm = (None if self.members[0].perm is None else
                         torch.stack([m.perm for m in self.members]))
