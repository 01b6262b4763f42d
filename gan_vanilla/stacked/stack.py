"""The set-up of K runs stacked, each with its own random streams, so that member k of
`--seeds` is the run `--seed k`: the eight tensors drawn by the post's set-up after its
torch.manual_seed(seed); for its z, a generator that goes on from there, as a single run's z
follow its tensors in the global stream (on CUDA, a CUDA generator seeded as
torch.manual_seed seeds CUDA's); for its batches, a DataSet generator of its seed (data.py)."""

import dataclasses

import torch

from ..data import DataSet
from .loss import member_bce
from .slices import stacked_of


def stacked_setup(setup, settings, train, device, seeds):
    """The post's set-up (`setup`, train.py) of one run per seed, stacked: the eight tensors,
    weights (K, in, out) and biases (K, 1, out), the labels (K, mb_size, 1), each member's own
    z and mean loss. Returns (the set-up, the Stack: streams and batches)."""
    stack = Stack(seeds, train, device)
    gan = setup(settings, train, device, params=stack.draw(setup, settings, train))
    K = len(stack.seeds)
    return dataclasses.replace(gan, ones_label=gan.ones_label.repeat(K, 1, 1),
                               zeros_label=gan.zeros_label.repeat(K, 1, 1),
                               randn=stack.randn, bce=member_bce), stack


class Stack:
    """K members' streams and batches. `draw` the stacked tensors; `randn` each member's
    noise, stacked; `train` serves each member's batches, stacked (StackedDataSet)."""

    def __init__(self, seeds, train, device):
        self.seeds, self.device = list(seeds), device
        self.cpu = [torch.Generator() for _ in self.seeds]  # the weights' stream
        self.noise = (self.cpu if device.type == "cpu" else
                      [torch.Generator(device).manual_seed(s) for s in self.seeds])
        self.train = StackedDataSet(train, self.seeds)

    def draw(self, setup, settings, train):
        """The eight tensors of every member, each drawn by the post's set-up as `--seed s`
        draws them (on the CPU), stacked (slices.py), as leaves on the device."""
        members = []
        for g, s in zip(self.cpu, self.seeds, strict=True):
            with torch.random.fork_rng(devices=[]):  # the caller's global stream is kept
                one = setup(dataclasses.replace(settings, seed=s), train, torch.device("cpu"))
                members.append(one.params)
                g.set_state(torch.get_rng_state())
        return {name: stacked_of(name, [m[name].detach() for m in members]).to(self.device)
                .requires_grad_() for name in members[0]}

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
    """Every member's mnist.train at once: `next_batch` (DataSet's) returns (K, mb_size, 784).
    Each member shuffles with its own generator, but they share one position: `perm` holds
    each member's order as a row, (K, N). Members brought to one iteration apart with other
    --mb-size stand apart in their epochs (`apart`): each takes its own batch."""

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
