"""The loop's CPU threads (gan_vanilla/run/threads.py): the count changes no result, the
choice follows the machine both ways, the caller's count comes back, and a thread count is
only chosen where every thread treats denormal floats alike. No timing is asserted: the
choosing is driven by a made-up clock."""

import json
import os
import random
import subprocess
import sys
from types import SimpleNamespace

import pytest
import torch

from gan_vanilla.run import threads
from gan_vanilla.run.checkpoint import load_checkpoint

from .conftest import REAL_DATA, ROOT, train_main


class Machine:
    """A made-up clock: an iteration takes `cost[count]` seconds with `count` threads."""

    def __init__(self, cost):
        self.cost, self.now = cost, 0.0

    def perf_counter(self):
        return self.now

    def iterate(self, chooser, it):
        self.now += self.cost[torch.get_num_threads()]
        chooser.tick(it)


@pytest.fixture
def two_threads():
    """torch at 2 threads, whatever this machine's default; put back after."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def alike(monkeypatch):
    """Every thread of this test process counted as treating denormals alike: pytest's worker
    threads started long before any run flushed them, so the run would keep its count (the
    check itself is tested below, each case in a process of its own)."""
    monkeypatch.setattr(threads, "denormals_alike", lambda count: True)


def test_the_choice_follows_the_machine_both_ways(monkeypatch, two_threads, alike):
    idle, busy = {1: 3.0, 2: 2.5}, {1: 3.2, 2: 9.0}
    machine = Machine(idle)
    monkeypatch.setattr(threads, "time", machine)
    chooser = threads.Threads("auto", torch.device("cpu"))
    chooser.start(0)
    it = 0
    for phase in (idle, busy, idle):
        machine.cost = phase
        for _ in range(3 * threads.RETRY_EVERY):
            machine.iterate(chooser, it)
            it += 1
    # Idle: 2 threads kept from the first trial on; joined by a busy process, the slowdown
    # (DRIFT) starts a trial at once and 1 is kept; once it leaves, a periodic trial finds 2.
    chosen = chooser.chosen
    assert [count for _, count in chosen] == [2, 1, 2]
    first_trial = 2 * (threads.SETTLE + threads.BLOCK)  # 1's block, then 2's
    assert chosen[0][0] <= first_trial
    joined, left = 3 * threads.RETRY_EVERY, 6 * threads.RETRY_EVERY
    assert joined < chosen[1][0] <= joined + 3 * threads.BLOCK + 2 * threads.SETTLE
    assert left < chosen[2][0] <= left + threads.RETRY_EVERY + 3 * threads.BLOCK
    chooser.finish()
    assert torch.get_num_threads() == 2  # the caller's count back
    assert chooser.record() == {"chosen": chosen}


@pytest.mark.parametrize("cost, tried", [
    (2.5, threads.SETTLE + 5),  # slower: settling, then 5 timed iterations
    (20.0, 2),  # hopeless (a loaded machine): two iterations, settling or not
])
def test_a_count_that_is_much_slower_is_dropped_early(monkeypatch, two_threads, alike, cost,
                                                      tried):
    """Beside a busy process 2 threads cost several times as much: the trial gives up on them
    after a few iterations instead of a whole block."""
    machine = Machine({1: 1.0, 2: cost})
    monkeypatch.setattr(threads, "time", machine)
    chooser = threads.Threads("auto", torch.device("cpu"))
    chooser.start(0)
    seen = []
    for it in range(2 * threads.BLOCK + 4 * threads.SETTLE):
        seen.append(torch.get_num_threads())
        machine.iterate(chooser, it)
    assert chooser.chosen == [[threads.SETTLE + threads.BLOCK + tried, 1]]
    assert seen.count(2) == tried


def test_trials_of_a_much_slower_count_cost_at_most_the_budget(monkeypatch, two_threads, alike):
    """A loaded machine where 2 threads cost 20 times 1: the run keeps 1, tries 2 again now
    and then (it might get faster), and those trials cost at most BUDGET of its time."""
    machine = Machine({1: 1.0, 2: 20.0})
    monkeypatch.setattr(threads, "time", machine)
    chooser = threads.Threads("auto", torch.device("cpu"))
    chooser.start(0)
    n, with_two = 40 * threads.RETRY_EVERY, 0
    for it in range(n):
        with_two += torch.get_num_threads() == 2
        machine.iterate(chooser, it)
    first_trial = 2 * 20.0  # 2 threads, hopeless after two iterations
    assert machine.now - n * 1.0 <= threads.BUDGET * machine.now + first_trial
    assert with_two >= 2 * 10  # tried again, and again
    assert chooser.chosen == [[chooser.chosen[0][0], 1]]


def test_the_other_work_runs_with_the_callers_count_and_is_not_timed(monkeypatch, two_threads,
                                                                      alike):
    machine = Machine({1: 1.0, 2: 3.0})
    monkeypatch.setattr(threads, "time", machine)
    chooser = threads.Threads("auto", torch.device("cpu"))
    chooser.start(0)
    for it in range(100):
        machine.iterate(chooser, it)
    assert torch.get_num_threads() == 1
    with chooser.untimed():
        assert torch.get_num_threads() == 2  # the monitor's numbers as without the choosing
        machine.now += 1000.0  # a long measurement: no trial may read it as a slow iteration
    assert torch.get_num_threads() == 1
    for it in range(100, 100 + threads.RETRY_EVERY // 2):
        machine.iterate(chooser, it)
    assert chooser.chosen == [[chooser.chosen[0][0], 1]]


def test_iterations_beside_the_grids_worker_are_not_timed(monkeypatch, two_threads, alike):
    """The grids' worker draws a grid on a core of its own for a few iterations after each
    report: a count on trial then would be judged by the worker's load, not its own."""
    machine, worker = Machine({1: 1.0, 2: 3.0}), SimpleNamespace(drawing=False)
    monkeypatch.setattr(threads, "time", machine)
    chooser = threads.Threads("auto", torch.device("cpu"), busy=lambda: worker.drawing)
    chooser.start(0)
    for it in range(3 * threads.BLOCK):
        # The first trial's 1-thread block (the first count tried) runs beside the worker.
        worker.drawing = it < threads.BLOCK
        machine.now += 10.0 * worker.drawing  # the worker's core taken from the loop
        machine.iterate(chooser, it)
    assert chooser.chosen[0][1] == 1  # 1 thread, as fast as it is alone


@pytest.mark.parametrize("setting, device, kept", [
    (1, "cpu", "--threads"), (3, "cpu", "--threads"), ("auto", "meta", "the loop runs on meta")])
def test_a_fixed_count_or_another_device_measures_nothing(two_threads, setting, device, kept):
    chooser = threads.Threads(setting, torch.device(device))
    chooser.start(5)
    assert torch.get_num_threads() == (2 if setting == "auto" else setting)
    for it in range(5, 500):
        chooser.tick(it)
    with chooser.untimed():  # a fixed count holds for the monitor too
        assert torch.get_num_threads() == (2 if setting == "auto" else setting)
    chooser.finish()
    assert torch.get_num_threads() == 2
    assert chooser.record() == {"chosen": [[5, 2 if setting == "auto" else setting]],
                                "kept": kept}


def test_the_candidates_are_powers_of_two_and_torchs_count():
    assert threads.candidates(1) == [1]
    assert threads.candidates(2) == [1, 2]
    assert threads.candidates(6) == [1, 2, 4, 6]
    assert threads.candidates(8) == [1, 2, 4, 8]


# --- Denormals: each case in a process of its own, whose threads start when it says ----------

DENORMALS = """
import sys, torch
from gan_vanilla.run.threads import denormals_alike
torch.set_num_threads(2)
if sys.argv[1] == "work first":
    torch.ones(2**20).mul(2).sum()  # parallel work: the worker threads start, unflushed
if sys.argv[1] != "never":
    torch.set_flush_denormal(True)  # this thread only
torch.ones(2**20).mul(2).sum()
print(denormals_alike(2))
"""


def test_denormals_alike_tells_whether_the_worker_threads_flush_as_the_caller():
    cases = {"work first": "False", "flush first": "True", "never": "True"}
    processes = {order: subprocess.Popen([sys.executable, "-c", DENORMALS, order], cwd=ROOT,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         text=True)
                 for order in cases}  # at once: each pays torch's import
    for order, alike in cases.items():
        out, err = processes[order].communicate(timeout=120)
        assert processes[order].returncode == 0, err
        assert out.strip() == alike, order


def test_the_train_command_flushes_before_torch_starts_its_threads(mnist_dir, tmp_path):
    """Its reading of MNIST is the first parallel work; the command flushes denormals before
    it, so the run measures its thread count instead of keeping it."""
    out = tmp_path / "run"
    r = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train.py"), "--data-dir", str(mnist_dir),
         "--out-dir", str(out), "--iterations", "2", "--quality-every", "0", "--quiet"],
        capture_output=True, text=True, timeout=180,
        env={**os.environ, "OMP_NUM_THREADS": "2"})
    assert r.returncode == 0, r.stderr
    record = json.loads((out / "config.json").read_text())["threads"]
    assert record == {"chosen": []}  # measuring (two iterations: nothing kept yet)


# --- The count changes no result ----------------------------------------------------------------


def switching_often(monkeypatch):
    """The choosing made to switch all the time: tiny trials, no spacing between them, and a
    random clock, so that each trial's winner is drawn at random. Returns the counts the loop
    ran with, one per change."""
    rng = random.Random(0)
    clock = SimpleNamespace(now=0.0)

    def perf_counter():
        clock.now += rng.random()
        return clock.now

    monkeypatch.setattr(threads, "time", SimpleNamespace(perf_counter=perf_counter))
    monkeypatch.setattr(threads, "BLOCK", 3)
    monkeypatch.setattr(threads, "SETTLE", 1)
    monkeypatch.setattr(threads, "RETRY_EVERY", 6)
    monkeypatch.setattr(threads, "BUDGET", float("inf"))
    changes, set_num_threads = [], torch.set_num_threads

    def spied(count):
        changes.append(count)
        set_num_threads(count)

    monkeypatch.setattr(torch, "set_num_threads", spied)
    return changes


def results(folder):
    """What a run leaves that its thread count could change: the loss log, the grids (bytes),
    and every tensor and number of the checkpoint."""
    state = load_checkpoint(folder / "checkpoint.pt")
    state["settings"] = {k: v for k, v in state["settings"].items()
                         if k not in ("out_dir", "threads")}
    files = {p.name: p.read_bytes() for p in folder.iterdir()
             if p.suffix == ".png" or p.name == "losses.csv"}
    return files, state


def same_state(a, b, where=""):
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            same_state(a[key], b[key], f"{where}/{key}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same_state(x, y, f"{where}[{i}]")
    elif isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype and torch.equal(a, b), where
    else:
        assert a == b, where


def trained(data_dir, out, iterations, threads_flag, extra=()):
    """The run's folder (an ensemble's: its member seed-1's) and its config.json's record of
    the thread counts."""
    assert train_main(["--data-dir", str(data_dir), "--out-dir", str(out), "--iterations",
                       str(iterations), "--sample-every", "50", "--log-every", "10",
                       "--quality-every", "0", "--quiet", "--threads", threads_flag,
                       *extra]) == 0
    folder = out / "seed-1" if extra else out
    return folder, json.loads((folder / "config.json").read_text())["threads"]


def check_the_count_changes_nothing(monkeypatch, two_threads, data_dir, tmp_path, iterations,
                                    extra=()):
    one, one_record = trained(data_dir, tmp_path / "one", iterations, "1", extra)
    two, two_record = trained(data_dir, tmp_path / "two", iterations, "2", extra)
    changes = switching_often(monkeypatch)
    monkeypatch.setattr(threads, "denormals_alike", lambda count: True)
    auto, auto_record = trained(data_dir, tmp_path / "auto", iterations, "auto", extra)
    assert one_record["chosen"] == [[0, 1]] and two_record["chosen"] == [[0, 2]]
    # It did switch: every few iterations for a trial, and it kept each count many times.
    assert len(changes) >= iterations // 10 and set(changes) == {1, 2}
    kept = [count for _, count in auto_record["chosen"]]
    assert len(kept) >= iterations // 60 and set(kept) == {1, 2}
    files = [results(f) for f in (one, two, auto)]
    assert len(files[0][0]) >= iterations // 50 + 1
    for other in files[1:]:
        assert other[0] == files[0][0]  # losses.csv and the grids, byte for byte
        same_state(other[1], files[0][1])


def test_one_thread_two_and_the_choosing_give_the_same_run(monkeypatch, two_threads, mnist_dir,
                                                           tmp_path):
    """The post's shapes (mb_size 64, 784-128-100) on small made-up digits: 200 iterations with
    1 thread, with 2, and with the choice switching between them every few iterations."""
    check_the_count_changes_nothing(monkeypatch, two_threads, mnist_dir, tmp_path, 200)


@pytest.mark.slow  # six runs of 2,000 iterations: 17 min beside other jobs, where 2 threads crawl
@pytest.mark.real_data
@pytest.mark.skipif(not (REAL_DATA / "MNIST" / "raw").exists(), reason="no real MNIST")
@pytest.mark.parametrize("extra", [(), ("--seeds", "0-1")], ids=["run", "ensemble"])
def test_on_real_mnist_the_count_changes_nothing(monkeypatch, two_threads, tmp_path, extra):
    """The same on the real digits, for 2,000 iterations, and for an ensemble's stacked
    products."""
    check_the_count_changes_nothing(monkeypatch, two_threads, REAL_DATA, tmp_path, 2000, extra)


def test_the_count_is_where_a_run_runs_not_what_it_trains(mnist_dir, tmp_path, capsys):
    """A resumed run keeps the checkpoint's --threads unless another is typed; --auto-resume
    goes on from a run whose count differs, as from one on another device, and its end is
    the run that never stopped."""
    out, whole = tmp_path / "run", tmp_path / "whole"
    flags = ["--data-dir", str(mnist_dir), "--quality-every", "0", "--quiet"]
    assert train_main([*flags, "--out-dir", str(out), "--iterations", "3", "--threads",
                       "1"]) == 0
    assert train_main(["--resume", str(out / "checkpoint.pt"), "--iterations", "4"]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["settings"]["threads"] == 1
    assert config["threads"] == {"chosen": [[3, 1]], "kept": "--threads"}
    assert train_main([*flags, "--out-dir", str(out), "--iterations", "6", "--auto-resume",
                       "--threads", "2"]) == 0
    assert "other settings" not in capsys.readouterr().err
    config = json.loads((out / "config.json").read_text())
    assert config["settings"]["threads"] == 2 and config["threads"]["chosen"] == [[4, 2]]
    assert train_main([*flags, "--out-dir", str(whole), "--iterations", "6"]) == 0
    a, b = (load_checkpoint(f / "checkpoint.pt") for f in (out, whole))
    assert a["iteration"] == b["iteration"] == 6
    assert all(torch.equal(a["params"][k], b["params"][k]) for k in a["params"])


# --- The docs say what the bench measured (docs/threads.json) ----------------------------------


def threads_facts():
    """What docs/performance.md and the README say of docs/threads.json (scripts/bench.py
    --only-threads): the table, its machine, and the ratios, in the pages' words."""
    t = json.loads((ROOT / "docs" / "threads.json").read_text())
    ms, torchs = t["ms_per_iteration"], str(t["torch_threads"])
    counts = [c for c in ms["alone"] if c != "auto"]

    def kept(where):
        said = [str(k) if k is not None else "none" for k in t["kept"][where]]
        return said[0] if len(set(said)) == 1 else ", ".join(said)

    head = " | ".join(f"{c} thread{'s' if c != '1' else ''}"
                      + (" (torch's default)" if c == torchs else "") for c in counts)
    rows = [f"| ms per iteration | {head} | `--threads auto` (the count it kept) |",
            "|---" * (len(counts) + 2) + "|"]
    for where, label in (("alone", "alone"), ("busy", "beside one busy process")):
        rows.append(f"| {label} | " + " | ".join(f"{ms[where][c]:.2f}" for c in counts)
                    + f" | {ms[where]['auto']:.2f} ({kept(where)}) |")
    auto_busy = ms["busy"]["auto"] / ms["alone"]["auto"]
    torch_busy = ms["busy"][torchs] / ms["alone"][torchs]
    return {
        "machine": (f"On a {t['machine']} with torch {t['torch'].split('+')[0]}, "
                    f"`{t['command']}` ({t['iterations']:,} iterations, "
                    + ("one round" if t["repeats"] == 1 else f"the median of {t['repeats']} "
                       "rounds")),
        "table": "\n".join(rows),
        "ratios": (f"beside one busy process `--threads auto` took {auto_busy:.2f} times its "
                   f"time alone, where torch's {torchs} threads took {torch_busy:.2f} times "
                   f"theirs; alone it took {ms['alone']['auto'] / ms['alone'][torchs]:.2f} "
                   f"times torch's {torchs} threads"),
        "readme": (f"beside one other busy program the loop takes {auto_busy:.1f} times its "
                   f"time alone (torch's {torchs} threads took {torch_busy:.1f} times)"),
    }


def test_the_pages_say_what_the_bench_measured():
    """docs/performance.md gives docs/threads.json's table, machine and ratios, and the README
    its busy machine's cost; a new measurement that moves a figure fails here until the pages
    say it (python -c "from tests.test_threads import threads_facts; ..." prints them)."""
    facts = threads_facts()
    page = (ROOT / "docs" / "performance.md").read_text()
    flat = " ".join(page.split())
    assert facts["table"] in page
    assert facts["machine"] in flat and facts["ratios"] in flat
    assert facts["readme"] in " ".join((ROOT / "README.md").read_text().split())


def test_training_md_gives_the_choosings_own_numbers():
    doc = " ".join((ROOT / "docs" / "training.md").read_text().split())
    assert (f"blocks of {threads.BLOCK} of its own iterations" in doc
            and f"again every {threads.RETRY_EVERY:,} iterations" in doc
            and f"become {threads.DRIFT:.0%} slower or faster" in doc
            and f"costs over {threads.BUDGET:.0%} of the run's time" in doc)
