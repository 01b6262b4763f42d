"""How fast is the training loop? Three timings in one process, on the same batches:

  (a) the post's own 2017 code   (gan_vanilla/post2017.py, the faithfulness reference; with
      --device cuda, moved to the GPU by making CUDA the default device)
  (b) the package's training loop (gan_vanilla/train.py, as `scripts/train.py` runs it: on
      CUDA, its iteration replayed as one CUDA graph)
  (c) a floor: only the matrix products that one iteration of (b) needs, forward and
      backward, with the same shapes, back to back, with no autograd, optimiser or data

Then the per-seed cost of an ensemble (--seeds): K = 1, 10 and 100 members trained at once
against K single runs one after another. Both sides time the loop's draws and iteration alone
(train.make_iteration, on the device's path), without a run's files, whose closing cost
grows with K and would drown the difference; each ensemble runs N / K iterations, at least
20, so that every row trains about N member-iterations.

With --device cuda also: the eager loop (--no-cuda-graph), the loop's iteration with G and D
compiled by torch.compile(mode="reduce-overhead"), and a breakdown of (b): the graph replay
alone, and with the noise, the batch and the loss log. Every variant runs the loop's own
iteration (train.make_iteration); none retypes it.

On the CPU, last: the thread counts. (b) with each count the run tries (1, 2, 4, ... up to
torch's), and with its own choice (--threads auto, which measures them as it trains: the
cost of its trials included), alone and beside one busy process that the bench starts and
stops itself, as another job on the machine would be; and which count the run kept. (a) and
(b) above run with torch's count, the same for both. --only-threads times this alone;
docs/threads.json, which docs/performance.md quotes, is made by

    python scripts/bench.py --only-threads --data-dir ../shared/data --json docs/threads.json

Each is timed as T(warm-up + N iterations) - T(warm-up), so set-up, the first grid and the
final checkpoint cancel out (the thread counts: warm-up 1, so that auto's first trial counts).
The three alternate over --repeats rounds and the median is kept, because a shared machine is
noisy. Prints ms per iteration, (a)/(b), (b)/(c), and the time to write one sample grid.

    python scripts/bench.py [--iterations N] [--device cpu|cuda] [--json PATH]
"""

import argparse
import dataclasses
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # members.py, beside this

import torch  # noqa: E402
from members import cpu_model  # noqa: E402

from gan_vanilla import post2017  # noqa: E402
from gan_vanilla.data import DataSet, Datasets, read_data_sets  # noqa: E402
from gan_vanilla.grid import GridWriter  # noqa: E402
from gan_vanilla.io.mnist import MNISTError  # noqa: E402
from gan_vanilla.run.device import flush_denormals, on_device  # noqa: E402
from gan_vanilla.run.threads import candidates  # noqa: E402
from gan_vanilla.settings import Settings  # noqa: E402
from gan_vanilla.stacked.stack import stacked_setup  # noqa: E402
from gan_vanilla.train import make_iteration, setup, train  # noqa: E402


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def fresh_mnist(images, seed=0):
    """A new sampler over the same images: every timing sees the same batches."""
    labels = torch.zeros(images.shape[0], 10, device=images.device)
    train_set = DataSet(images, labels, seed=seed)
    return Datasets(train=train_set, validation=train_set, test=train_set)


def timed(fn, device):
    sync(device)
    t = time.perf_counter()
    fn()
    sync(device)
    return time.perf_counter() - t


def ms_per_iteration(run, n, warmup, device):
    """run(k) runs k iterations from scratch; the difference removes the fixed costs."""
    return (timed(lambda: run(warmup + n), device) - timed(lambda: run(warmup), device)) / n * 1e3


def floor_products(mb_size, Z_dim, h_dim, X_dim, device):
    """The matrix products of one iteration of the package's loop, as plain torch.mm calls."""
    r = lambda *shape: torch.randn(*shape, device=device)  # noqa: E731
    z, X, h, dX = r(mb_size, Z_dim), r(mb_size, X_dim), r(mb_size, h_dim), r(mb_size, X_dim)
    dy = r(mb_size, 1)
    Wzh, Whx, Wxh, Why = r(Z_dim, h_dim), r(h_dim, X_dim), r(X_dim, h_dim), r(h_dim, 1)
    products = [
        # D step, forward: G(z) (no gradient needed), D(X), D(G_sample)
        (z, Wzh), (h, Whx), (X, Wxh), (h, Why), (X, Wxh), (h, Why),
        # D step, backward, for D(X) and for D(G_sample): dWhy, dh, dWxh
        (h.T, dy), (dy, Why.T), (X.T, h), (h.T, dy), (dy, Why.T), (X.T, h),
        # G step, forward: G(z), D(G_sample)
        (z, Wzh), (h, Whx), (X, Wxh), (h, Why),
        # G step, backward: through D (dWhy, dh, dWxh, dX), then G (dWhx, dh, dWzh)
        (h.T, dy), (dy, Why.T), (X.T, h), (h, Wxh.T), (h.T, dX), (dX, Whx.T), (z.T, h),
    ]

    def run(k):
        for _ in range(k):
            for a, b in products:
                torch.mm(a, b)

    return run


def adam_only(device):
    """Both solvers' fused Adam updates alone, on gradients of the right shapes: a part of
    every iteration that is not a matrix product and that no loop can avoid."""
    from gan_vanilla.model import D_PARAM_NAMES, G_PARAM_NAMES, init_params, params_to

    params = params_to(init_params(Settings().Z_dim, Settings().h_dim), device)
    for p in params.values():
        p.grad = torch.randn_like(p)
    G_solver = torch.optim.Adam([params[k] for k in G_PARAM_NAMES], fused=True)
    D_solver = torch.optim.Adam([params[k] for k in D_PARAM_NAMES], fused=True)

    def run(k):
        for _ in range(k):
            for solver in (D_solver, G_solver):  # no iteration: the two updates alone
                solver.step()

    return run


def fresh_gan(images, device, compile_G_and_D=False, seeds=None):
    """The post's GAN at its start, set up as train() sets it up (train.setup), with a fresh
    sampler over `images`; an ensemble of `seeds` when given; G and D compiled by
    torch.compile in "reduce-overhead" mode when asked."""
    s = Settings()
    mnist = fresh_mnist(images)
    if seeds is None:
        gan, train_set = setup(s, mnist.train, device), mnist.train
    else:  # as Run sets up --seeds (run/session.py)
        gan, stack = stacked_setup(setup, s, mnist.train, device, seeds)
        train_set = stack.train
    if compile_G_and_D:
        gan.G, gan.D = (torch.compile(f, mode="reduce-overhead") for f in (gan.G, gan.D))
    return SimpleNamespace(s=s, gan=gan.iteration_parts(), randn=gan.randn, train=train_set)


def eager_with(gan, device, iteration):
    """run(k): k iterations of `iteration` with the loop's inputs (two noise draws, a batch)."""
    s = gan.s

    def run(k):
        for _ in range(k):
            z = gan.randn(s.mb_size, s.Z_dim)
            X, _ = gan.train.next_batch(s.mb_size)
            z_G = gan.randn(s.mb_size, s.Z_dim)
            iteration(z, X, z_G)

    return run


def compiled_loop(images, device):
    """The loop's iteration with G and D compiled by torch.compile in "reduce-overhead" mode
    (CUDA graphs of the compiled forward and backward); the losses and the fused Adam steps
    stay eager. The alternative to capturing the whole iteration, measured beside it."""
    gan = fresh_gan(images, device, compile_G_and_D=True)
    run = eager_with(gan, device, make_iteration(*gan.gan))
    t = time.perf_counter()
    run(5)  # compiles
    sync(device)
    return run, time.perf_counter() - t


def graph_breakdown(images, device):
    """Parts of (b) on CUDA: the replay of one captured iteration alone; with the two noise
    draws and the batch; and with the loss log's record, as the loop does it."""
    from gan_vanilla.run.losslog import LossLog

    gan = fresh_gan(images, device)
    graphed = on_device(make_iteration, *gan.gan, cuda_graph=True)
    log = LossLog([os.path.join(tempfile.mkdtemp(), "losses.csv")], device, every=100)
    log.start(0)

    def replay(k):
        for _ in range(k):
            graphed.graph.replay()

    def with_log(k):
        s = gan.s
        for it in range(k):
            z = gan.randn(s.mb_size, s.Z_dim)
            X, _ = gan.train.next_batch(s.mb_size)
            z_G = gan.randn(s.mb_size, s.Z_dim)
            log.record(it, *graphed(z, X, z_G))

    return {"graph_replay_only": replay,
            "graph_with_noise_and_batch": eager_with(gan, device, graphed),
            "graph_with_loss_log": with_log}


def grid_ms(device, repeats=5):
    """One grid by the package's GridWriter, and by the post's own pyplot code."""
    writer = GridWriter()
    samples = torch.rand(16, 784, device=device)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "grid.png")
        writer.save(samples, path)  # first draw sets up the renderer
        ours = [timed(lambda: writer.save(samples, path), device) for _ in range(repeats)]
        post2017.plot(samples.cpu().numpy(), path)
        post = [timed(lambda: post2017.plot(samples.cpu().numpy(), path), device)
                for _ in range(repeats)]
    return statistics.median(ours) * 1e3, statistics.median(post) * 1e3


def ensembles_verdict(over_single):
    """Which ensemble sizes pay on this machine, in words: K members cost less per seed than
    K single runs one after another where the ratio is below 1. Measured here, now: the CPU
    model and the load decide it, so the docs give no one answer for every CPU."""
    pays = [K for K, ratio in over_single.items() if ratio < 1]
    dearer = [K for K, ratio in over_single.items() if ratio >= 1]
    said = []
    if pays:
        said.append(f"--seeds pays on this machine at K = {', '.join(map(str, pays))}")
    if dearer:
        said.append(f"{'and not' if pays else 'it does not pay on this machine'} at K = "
                    f"{', '.join(map(str, dearer))}: there, run the seeds one after another")
    return " ".join(said) + "."


def busy_process():
    """Another job on the machine: a process of its own that keeps one core busy."""
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    time.sleep(0.5)  # started and spinning
    return busy


def thread_counts(package, n, repeats):
    """(b)'s ms per iteration with each count the run tries and with --threads auto, alone and
    beside one busy process, the median of `repeats` rounds; and the count auto kept at the
    end of each of its runs. package(k, threads) trains k iterations and returns the record
    of config.json (run/threads.py)."""
    counts = [*candidates(torch.get_num_threads()), "auto"]
    package(2)  # what a process pays once (imports on first use) is no count's
    ms = {where: {str(c): [] for c in counts} for where in ("alone", "busy")}
    kept = {"alone": [], "busy": []}
    for _ in range(repeats):
        for where in ("alone", "busy"):
            busy = busy_process() if where == "busy" else None
            try:
                for c in counts:
                    records = []
                    ms[where][str(c)].append(ms_per_iteration(
                        lambda k, c=c, records=records: records.append(package(k, threads=c)),
                        n, 1, torch.device("cpu")))
                    if c == "auto":  # its run of n + 1 iterations (None: too short)
                        chosen = records[0]["chosen"]
                        kept[where].append(chosen[-1][1] if chosen else None)
            finally:
                if busy is not None:
                    busy.kill()
                    busy.wait()
    return {"machine": f"{os.cpu_count()}-core {cpu_model()}", "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(), "iterations": n, "repeats": repeats,
            "ms_per_iteration": {where: {c: statistics.median(v) for c, v in row.items()}
                                 for where, row in ms.items()},
            "kept": kept}


def print_thread_counts(t):
    counts = list(t["ms_per_iteration"]["alone"])
    print("  thread counts, (b) in ms/iteration   "
          + " ".join(f"{c + (' (torch)' if c == str(t['torch_threads']) else ''):>12s}"
                     for c in counts) + "  auto kept")
    for where, label in (("alone", "alone"), ("busy", "beside one busy process")):
        row = t["ms_per_iteration"][where]
        print(f"    {label:34s}" + " ".join(f"{row[c]:12.3f}" for c in counts)
              + f"  {', '.join(map(str, t['kept'][where]))}")
    auto, torchs = t["ms_per_iteration"], str(t["torch_threads"])
    print(f"  auto beside a busy process: {auto['busy']['auto'] / auto['alone']['auto']:.2f}x "
          f"its time alone; alone: {auto['alone']['auto'] / auto['alone'][torchs]:.2f}x "
          f"torch's {torchs} threads")


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.rsplit("\n    python", 1)[0].strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--iterations", type=int, default=1000,
                        help="timed iterations per round (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=None,
                        help="untimed iterations first (default: iterations / 5)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="rounds; the median is kept (default: %(default)s)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help="(default: %(default)s)")
    parser.add_argument("--data-dir", default=None,
                        help="real MNIST in DATA_DIR/MNIST/raw (default: random images of "
                        "MNIST's shape)")
    parser.add_argument("--skip-post", action="store_true", help="leave out (a), the slowest")
    parser.add_argument("--skip-compile", action="store_true",
                        help="on CUDA, leave out the torch.compile variant (it compiles first)")
    parser.add_argument("--seeds-k", default="1,10,100",
                        help="ensemble sizes K to time against K single runs, comma-separated; "
                        "empty to leave them out (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch.set_num_threads (default: torch's own choice)")
    parser.add_argument("--skip-threads", action="store_true",
                        help="leave out the thread counts, timed alone and beside a busy "
                        "process")
    parser.add_argument("--only-threads", action="store_true",
                        help="time the thread counts alone (as docs/threads.json holds them)")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args(argv)
    flush_denormals()  # as training does, before torch starts its worker threads
    if args.iterations < 1 or args.repeats < 1:
        parser.error("--iterations and --repeats must be positive")
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: this machine has no usable CUDA GPU")
    device = torch.device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    n = args.iterations
    warmup = args.warmup if args.warmup is not None else max(1, n // 5)
    s = Settings()

    if args.data_dir:
        try:
            images = read_data_sets(args.data_dir, download=False).train.images
        except MNISTError as e:
            parser.error(str(e))
    else:
        images = torch.rand(55000, 784, generator=torch.Generator().manual_seed(0))
    images = images.to(device)

    out_dir = tempfile.mkdtemp(prefix="gan-vanilla-bench-")
    torch_threads = torch.get_num_threads()  # package()'s default: torch's count here

    def package(k, cuda_graph=True, threads=torch_threads):
        """(b): k iterations of the package's loop, with torch's thread count unless told;
        returns config.json's record of the counts."""
        settings = dataclasses.replace(s, iterations=k, sample_every=10**9, out_dir=out_dir,
                                       quality_every=0, cuda_graph=cuda_graph, threads=threads)
        train(settings, fresh_mnist(images), device, log=lambda line: None)
        with open(os.path.join(out_dir, "config.json")) as f:
            return json.load(f)["threads"]

    if args.only_threads:
        if device.type != "cpu":
            parser.error("--only-threads: the thread counts are the CPU's")
        typed = sys.argv[1:] if argv is None else argv
        figures = {"command": shlex.join(["python", "scripts/bench.py", *typed]),
                   **thread_counts(package, n, args.repeats)}
        print(f"{figures['machine']}, torch {torch.__version__}; {n} iterations x "
              f"{args.repeats} rounds (median)")
        print_thread_counts(figures)
        if args.json:
            write_figures(args.json, figures)
        return 0

    def post(k):  # the post's code; torch.device(...) as a context sets the default device
        with device:
            post2017.run(fresh_mnist(images), k, report_every=10**9)

    extra = {}
    compile_s = None
    if device.type == "cuda":
        extra["b_eager"] = lambda k: package(k, cuda_graph=False)
        if not args.skip_compile:
            try:
                extra["b_compile"], compile_s = compiled_loop(images, device)
            except Exception as e:  # noqa: BLE001 (a compiler missing on the machine)
                print(f"torch.compile variant left out: {type(e).__name__}: {e}"[:300])
        extra.update(graph_breakdown(images, device))

    floor = floor_products(s.mb_size, s.Z_dim, s.h_dim, images.shape[1], device)

    def ensemble(K):  # K members at once: the loop's draws and iteration, no run files
        members = fresh_gan(images, device, seeds=list(range(K)))
        return eager_with(members, device, on_device(make_iteration, *members.gan))

    single = fresh_gan(images, device)  # one run's draws and iteration, the same way
    single_iteration = eager_with(single, device, on_device(make_iteration, *single.gan))

    try:
        sizes = [int(k) for k in args.seeds_k.split(",") if k.strip()]
    except ValueError:
        parser.error(f"--seeds-k {args.seeds_k!r}: write ensemble sizes such as 1,10,100")
    if any(k < 1 for k in sizes):
        parser.error("--seeds-k: every ensemble size must be at least 1")

    adam = adam_only(device)

    timings = {"a_post": [], "b_package": [], "c_floor": [], "adam_only": []}
    timings.update({k: [] for k in extra})
    timings.update({f"ensemble_{K}": [] for K in sizes})
    if sizes:
        timings["single_iteration"] = []
    for _ in range(args.repeats):
        if not args.skip_post:
            timings["a_post"].append(ms_per_iteration(post, n, warmup, device))
        timings["b_package"].append(ms_per_iteration(package, n, warmup, device))
        timings["c_floor"].append(ms_per_iteration(floor, n, warmup, device))
        timings["adam_only"].append(ms_per_iteration(adam, n, warmup, device))
        for key, run in extra.items():
            timings[key].append(ms_per_iteration(run, n, warmup, device))
        if sizes:
            timings["single_iteration"].append(ms_per_iteration(single_iteration, n, warmup,
                                                                device))
        for K in sizes:  # ms per iteration of the whole ensemble, at least 20 iterations
            timings[f"ensemble_{K}"].append(ms_per_iteration(
                ensemble(K), max(20, n // K), max(5, warmup // K), device))
    ms = {k: statistics.median(v) for k, v in timings.items() if v}
    grid, post_grid = grid_ms(device)
    counted = (thread_counts(package, n, args.repeats)
               if device.type == "cpu" and not args.skip_threads else None)

    results = {
        "device": str(device),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "iterations": n,
        "repeats": args.repeats,
        "ms_per_iteration": ms,
        "speedup_a_over_b": ms["a_post"] / ms["b_package"] if "a_post" in ms else None,
        "ratio_b_over_c": ms["b_package"] / ms["c_floor"],
        "grid_ms": grid,
        "post_grid_ms": post_grid,
        "full_run_estimate_s": (s.iterations * ms["b_package"] + 100 * grid) / 1e3,
        "compile_s": compile_s,
        # ms per iteration per member, and that over one single run's ms per iteration
        "ensemble_ms_per_seed": {K: ms[f"ensemble_{K}"] / K for K in sizes},
        "ensemble_over_single": {K: ms[f"ensemble_{K}"] / K / ms["single_iteration"]
                                 for K in sizes},
        "thread_counts": counted,
    }
    print(f"device {device}, {torch.get_num_threads()} threads, torch {torch.__version__}; "
          f"{n} iterations x {args.repeats} rounds (median)")
    labels = {"a_post": "(a) the post's 2017 code", "b_package": "(b) the package's loop",
              "b_eager": "    (b) eager, --no-cuda-graph",
              "b_compile": "    (b) G, D by torch.compile",
              "graph_replay_only": "    graph replay alone",
              "graph_with_noise_and_batch": "    + noise and batch",
              "graph_with_loss_log": "    + loss log",
              "c_floor": "(c) floor: matrix products only",
              "adam_only": "    for scale: the two Adam updates"}
    for key, label in labels.items():
        if key in ms:
            print(f"  {label:34s} {ms[key]:8.3f} ms/iteration")
    if results["speedup_a_over_b"] is not None:
        print(f"  speedup (a)/(b)                    {results['speedup_a_over_b']:8.2f}x")
    print(f"  ratio (b)/(c)                      {results['ratio_b_over_c']:8.2f}x")
    print(f"  one sample grid (PNG)              {grid:8.1f} ms"
          f"  (the post's code: {post_grid:.1f} ms)")
    print(f"  full run estimate (100k + 100 grids) {results['full_run_estimate_s']:6.1f} s")
    if compile_s is not None:
        print(f"  torch.compile's first 5 iterations (compiling) {compile_s:.1f} s")
    if sizes:
        print(f"  one run's draws and iteration alone  {ms['single_iteration']:8.3f} ms/iteration")
    for K in sizes:
        per_seed = results["ensemble_ms_per_seed"][K]
        print(f"  --seeds, K = {K:<4d} per seed      {per_seed:8.3f} ms/iteration"
              f"  = {results['ensemble_over_single'][K]:.2f} x one single run's")
    if sizes:
        print("  " + ensembles_verdict(results["ensemble_over_single"]))
    if counted is not None:
        print_thread_counts(counted)
    if args.json:
        write_figures(args.json, results)
    return 0


def write_figures(path, figures):
    with open(path, "w") as f:
        json.dump(figures, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
