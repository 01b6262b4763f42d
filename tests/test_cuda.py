"""The CUDA path against the CPU: the same run within rounding, checkpoints that move between
devices, and the same messages. Skipped without an NVIDIA GPU; scripts/gpu_check.sh runs them.

Tolerance. The GPU runs the same float32 arithmetic, but cuBLAS sums the products in another
order than the CPU's BLAS, so every result may differ in its last bits (about 1e-7
relative). Adam divides each gradient by its running RMS, which can turn such differences in
tiny gradients into larger ones in an update; over 30 iterations at lr 1e-3 the weights (of
size 0.01 to 1) move by up to 3e-2. The bound, 1e-4 on the largest difference of any
weight, is 1/300 of that movement: far below a real error (a wrong loss sign, a missed reset
or a skipped step moves weights by 1e-2 or more, see test_faithful.py), and 50 times what
an NVIDIA H200 with torch 2.11 gave (1.8e-6, eager and graph alike). The CUDA graph replays
the eager loop's kernels, so the two agree to 1e-6 (there: exactly).

A ReLU at its kink. Rounding can also decide whether one hidden unit is active for one sample
of one batch, when its input there is within rounding of 0. Then that unit's weights get a
different gradient, which Adam turns into a step of its own: in the checkpoint test's run,
G's unit 111 meets such a sample at iteration 20 (its input 7.6e-8), and 2 of 8 random
relative changes of 1e-7 to the weights at iteration 13 tip it: Wzh[:, 111] then differs by
up to 3.6e-4 at iteration 30, 26 of the 214,673 weights by more than 1e-4, 88 by more than
1e-5. A checkpoint restored wrongly moves a large share: an Adam step count off by one,
about half of the weights by more than 1e-4; a batch skipped, 21%; the moments lost, 98%
(all measured on the CPU). So the test that resumes on the other device checks the restored
state exactly, and the run that follows by its bulk: at most 1% of the weights may differ
by more than the tolerance.
"""

import dataclasses
import os
import shutil
import subprocess
import sys

import pytest
import torch

from gan_vanilla.cli.evaluate_command import main as evaluate_main
from gan_vanilla.cli.sample_command import main as sample_main
from gan_vanilla.cli.train_command import main as train_main
from gan_vanilla.model import PARAM_NAMES
from gan_vanilla.run.checkpoint import load_checkpoint
from gan_vanilla.settings import Settings
from gan_vanilla.train import train

from .conftest import ROOT, in_memory_mnist

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU"),
]

CPU, CUDA = torch.device("cpu"), torch.device("cuda")
TOLERANCE = 1e-4  # see the module's docstring
BASE = dataclasses.replace(Settings(), iterations=30, sample_every=10, log_every=5,
                           checkpoint_every=1000, quality_every=0)


class SameNoise:
    """Every z of the loop from one CPU stream, on whichever device asks: the CPU and the GPU
    draw different numbers from their own generators, so the comparison feeds both these.
    Each run starts the stream again; a resumed run goes on from where its first part was."""

    def __init__(self, monkeypatch):
        self.real_randn = torch.randn
        self.noise = torch.randn(200, BASE.mb_size, BASE.Z_dim,
                                 generator=torch.Generator().manual_seed(7))
        self.restart()
        monkeypatch.setattr(torch, "randn", self.randn)

    def restart(self, at_iteration=0):
        self.drawn = iter(self.noise[2 * at_iteration :])  # two z per iteration

    def randn(self, *shape, device=None, out=None, **kwargs):
        if tuple(shape) != (BASE.mb_size, BASE.Z_dim):
            return self.real_randn(*shape, device=device, out=out, **kwargs)
        z = next(self.drawn)
        if out is not None:
            return out.copy_(z)
        return z.to(device or CPU)


@pytest.fixture
def same_noise(monkeypatch):
    return SameNoise(monkeypatch)


def run(out, device, iterations=30, resume=None, noise=None, **changes):
    if noise is not None:
        noise.restart(resume["iteration"] if resume else 0)
    settings = dataclasses.replace(BASE, iterations=iterations, out_dir=str(out), **changes)
    lines = []
    mnist = in_memory_mnist()
    mnist.train.to(device)
    params = train(settings, mnist, device, log=lines.append, resume=resume)
    return {k: v.detach().cpu() for k, v in params.items()}, lines


def max_abs_diff(a, b):
    return max((a[k] - b[k]).abs().max().item() for k in PARAM_NAMES)


@pytest.mark.parametrize("cuda_graph", [False, True], ids=["eager", "cuda-graph"])
def test_30_iterations_on_cuda_match_the_cpu(tmp_path, same_noise, cuda_graph):
    cpu, cpu_lines = run(tmp_path / "cpu", CPU, noise=same_noise)
    gpu, gpu_lines = run(tmp_path / "gpu", CUDA, noise=same_noise, cuda_graph=cuda_graph)
    start, _ = run(tmp_path / "start", CPU, iterations=0)
    diff = max_abs_diff(cpu, gpu)
    print(f"largest weight difference, CPU against CUDA ({'graph' if cuda_graph else 'eager'}):"
          f" {diff:.2e}; moved from the start by {max_abs_diff(cpu, start):.2e}")
    assert diff < TOLERANCE
    assert max_abs_diff(cpu, start) > 10 * TOLERANCE  # the comparison is not vacuous
    assert [line.split(";")[0] for line in gpu_lines] == ["Iter-0", "Iter-10", "Iter-20"]
    for a, b in zip(cpu_lines, gpu_lines, strict=True):  # the same losses, to rounding
        da, db = float(a.split("D_loss: ")[1].split(";")[0]), float(b.split("D_loss: ")[1]
                                                                     .split(";")[0])
        assert da == pytest.approx(db, rel=1e-2)


def test_the_cuda_graph_is_the_eager_loop_on_the_gpu(tmp_path, same_noise):
    eager, _ = run(tmp_path / "eager", CUDA, noise=same_noise, cuda_graph=False)
    graph, _ = run(tmp_path / "graph", CUDA, noise=same_noise, cuda_graph=True)
    diff = max_abs_diff(eager, graph)
    print(f"largest weight difference, eager against graph on CUDA: {diff:.2e}")
    assert diff < 1e-6
    graph_out = tmp_path / "graph"
    assert (graph_out / "losses.csv").exists() and (graph_out / "002.png").exists()


@pytest.mark.parametrize("first,second", [(CUDA, CPU), (CPU, CUDA)], ids=["cuda-then-cpu",
                                                                         "cpu-then-cuda"])
def test_a_checkpoint_moves_between_devices(tmp_path, same_noise, first, second):
    whole, _ = run(tmp_path / "whole", CPU, noise=same_noise)
    run(tmp_path / "parts", first, iterations=13, noise=same_noise)
    state = load_checkpoint(tmp_path / "parts" / "checkpoint.pt")
    assert all(t.device == CPU for t in state["params"].values())

    # The state, restored on the other device and written again with no iteration between,
    # is the state that was written, to the bit: weights, Adam's moments and step counts,
    # the batches' place, the random streams and the loss log's window.
    shutil.copytree(tmp_path / "parts", tmp_path / "again")
    run(tmp_path / "again", second, iterations=13, resume=state, noise=same_noise)
    again = load_checkpoint(tmp_path / "again" / "checkpoint.pt")
    assert_same_state(again, load_checkpoint(tmp_path / "parts" / "checkpoint.pt"))

    resumed, lines = run(tmp_path / "parts", second, resume=state, noise=same_noise)
    assert [line.split(";")[0] for line in lines] == ["Iter-20"]
    # Rounding may tip a ReLU at its kink (the module's docstring): the bulk of the weights
    # must agree, the few weights of such a unit may not.
    name, where, largest, beyond = largest_difference(whole, resumed)
    print(f"largest weight difference, {first.type} then {second.type} against the CPU: "
          f"{largest:.2e} at {name}{where}; {beyond} weights differ by more than {TOLERANCE}")
    assert beyond <= 0.01 * sum(t.numel() for t in whole.values())
    assert load_checkpoint(tmp_path / "parts" / "checkpoint.pt")["iteration"] == 30


def assert_same_state(a, b):
    for key in ("iteration", "grid_counter"):
        assert a[key] == b[key], key
    for name in PARAM_NAMES:
        assert torch.equal(a["params"][name], b["params"][name]), name
    for solver in ("G_solver", "D_solver"):
        assert a[solver]["state"].keys() == b[solver]["state"].keys()
        for i, saved in b[solver]["state"].items():
            for key, value in saved.items():  # exp_avg, exp_avg_sq, step
                restored = a[solver]["state"][i][key]
                assert restored.dtype == value.dtype and torch.equal(restored, value), (
                    solver, i, key)
        for ga, gb in zip(a[solver]["param_groups"], b[solver]["param_groups"], strict=True):
            assert (ga["lr"], ga["betas"], ga["eps"]) == (gb["lr"], gb["betas"], gb["eps"])
    assert torch.equal(a["data"]["perm"], b["data"]["perm"])
    assert torch.equal(a["data"]["generator"], b["data"]["generator"])
    assert a["data"]["index_in_epoch"] == b["data"]["index_in_epoch"]
    assert torch.equal(a["rng"]["cpu"], b["rng"]["cpu"])
    assert torch.equal(a["losses"]["window"], b["losses"]["window"])
    assert a["losses"]["first"] == b["losses"]["first"]


def largest_difference(a, b):
    """(name, index, value) of the largest difference of any weight, and how many weights
    differ by more than TOLERANCE."""
    name = max(PARAM_NAMES, key=lambda k: (a[k] - b[k]).abs().max().item())
    d = (a[name] - b[name]).abs()
    where = [int(i) for i in torch.nonzero(d == d.max())[0]]
    beyond = sum(int(((a[k] - b[k]).abs() > TOLERANCE).sum()) for k in PARAM_NAMES)
    return name, where, d.max().item(), beyond


def test_terminal_commands_on_a_cuda_checkpoint(mnist_dir, tmp_path, capsys):
    out = tmp_path / "out"
    common = ["--data-dir", str(mnist_dir), "--quiet", "--quality-every", "0"]
    assert train_main([*common, "--out-dir", str(out), "--iterations", "12", "--device", "cuda",
                       "--sample-every", "5"]) == 0
    ckpt = str(out / "checkpoint.pt")
    # On to 20 on the CPU: --device cpu overrides the checkpoint's cuda.
    assert train_main([*common, "--resume", ckpt, "--iterations", "20", "--device", "cpu"]) == 0
    assert train_main([*common, "--resume", ckpt, "--iterations", "25", "--device", "cuda"]) == 0
    assert sample_main(["--checkpoint", ckpt, "--n", "16", "--out", str(tmp_path / "s.png")]) == 0
    assert evaluate_main(["--checkpoint", ckpt, "--data-dir", str(mnist_dir), "--samples", "50",
                          "--classifier-cache", str(tmp_path / "cache"),
                          "--png", str(tmp_path / "e.png")]) == 0
    assert "classifier score" in capsys.readouterr().out


@pytest.mark.parametrize("cuda_graph", ["--cuda-graph", "--no-cuda-graph"])
def test_divergence_on_cuda_gives_the_cpu_message(mnist_dir, tmp_path, cuda_graph):
    out = tmp_path / "out"
    common = [sys.executable, str(ROOT / "scripts" / "train.py"), "--data-dir", str(mnist_dir),
              "--quiet", "--quality-every", "0", "--device", "cuda", cuda_graph]
    ok = subprocess.run([*common, "--out-dir", str(out), "--iterations", "3"],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    before = (out / "checkpoint.pt").read_bytes()
    # A separate process: a device-side assert leaves the CUDA context unusable.
    bad = subprocess.run([*common, "--resume", str(out / "checkpoint.pt"), "--iterations", "50",
                          "--lr", "1e38"], capture_output=True, text=True,
                         env={**os.environ, "PYTHONUNBUFFERED": "1"})
    print(bad.stderr)
    assert bad.returncode == 1
    last = bad.stderr.strip().splitlines()[-1]
    assert last.startswith("gan-vanilla-train: error: ") and "became NaN or infinite" in last
    assert "Traceback" not in bad.stderr
    assert (out / "checkpoint.pt").read_bytes() == before


def test_ensemble_members_match_single_runs_on_cuda(tmp_path):
    """--seeds on CUDA: each member is its seed's single CUDA run (both draw z from a CUDA
    generator seeded as torch.manual_seed seeds it), as a CUDA graph and eagerly."""
    seeds = [0, 3]

    def ensemble(name, **changes):
        settings = dataclasses.replace(BASE, out_dir=str(tmp_path / name), **changes)
        mnist = in_memory_mnist()
        mnist.train.to(CUDA)
        params = train(settings, mnist, CUDA, log=lambda line: None, seeds=seeds)
        return {k: v.detach().cpu() for k, v in params.items()}

    def member(params, k):
        return {n: t[k].reshape(-1) if n.startswith("b") else t[k] for n, t in params.items()}

    graphed, eager = ensemble("graphed"), ensemble("eager", cuda_graph=False)
    for k, seed in enumerate(seeds):
        settings = dataclasses.replace(BASE, seed=seed, out_dir=str(tmp_path / f"s{seed}"))
        mnist = in_memory_mnist(seed=seed)
        mnist.train.to(CUDA)
        alone = {n: v.detach().cpu() for n, v in
                 train(settings, mnist, CUDA, log=lambda line: None).items()}
        gap = max_abs_diff(member(graphed, k), alone)
        print(f"ensemble member seed {seed} vs its single CUDA run: max |diff| {gap:.2e}")
        assert gap < TOLERANCE
        assert max_abs_diff(member(graphed, k), member(eager, k)) < TOLERANCE
    # each member's folder is a single run's, readable on the CPU
    state = load_checkpoint(tmp_path / "graphed" / "seed-3" / "checkpoint.pt")
    assert state["settings"]["seed"] == 3 and state["params"]["bzh"].shape == (128,)
