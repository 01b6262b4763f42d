"""The benchmark keeps working (quick mode). It asserts no timings: those belong to the
benchmark's printout, measured side by side in one run."""

import json
import subprocess
import sys

import pytest

from .conftest import ROOT


@pytest.mark.slow  # the post's code, the package, two ensembles and the thread counts: 20 s
def test_bench_quick_mode_prints_and_writes_all_figures(tmp_path):
    out = tmp_path / "bench.json"
    r = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"), "--iterations", "4",
         "--warmup", "1", "--repeats", "1", "--seeds-k", "1,3", "--json", str(out)],
        capture_output=True, text=True, timeout=120,
    )
    assert r.returncode == 0, r.stderr
    for label in ("(a) the post's 2017 code", "(b) the package's loop", "(c) floor",
                  "speedup (a)/(b)", "ratio (b)/(c)", "one sample grid", "--seeds, K = 3",
                  "beside one busy process", "auto beside a busy process:"):
        assert label in r.stdout, label
    figures = json.loads(out.read_text())
    assert set(figures["ms_per_iteration"]) == {"a_post", "b_package", "c_floor", "adam_only",
                                                "ensemble_1", "ensemble_3", "single_iteration"}
    assert set(figures["ensemble_over_single"]) == set(figures["ensemble_ms_per_seed"]) == {
        "1", "3"}  # JSON keys
    assert figures["grid_ms"] > 0 and figures["post_grid_ms"] > 0
    counted = figures["thread_counts"]
    counts = {"1", "auto", str(counted["torch_threads"])}
    assert set(counted["ms_per_iteration"]["alone"]) == set(counted["ms_per_iteration"][
        "busy"]) >= counts
    assert all(len(kept) == 1 for kept in counted["kept"].values())  # one round, one choice


def test_bench_help_shows_its_defaults_and_whole_description():
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench.py"), "--help"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0
    assert "(c) a floor: only the matrix products" in r.stdout
    assert "time to write one sample grid." in r.stdout
    for default in ("(default: 1000)", "(default: 3)", "(default: cpu)"):
        assert default in r.stdout, default


def test_the_bench_says_which_ensemble_sizes_pay_here():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    said = bench.ensembles_verdict({1: 1.17, 10: 0.89, 100: 1.2})
    assert said == ("--seeds pays on this machine at K = 10 and not at K = 1, 100: there, run "
                    "the seeds one after another.")
    assert bench.ensembles_verdict({1: 1.1}).startswith("it does not pay on this machine at K = 1")
    assert bench.ensembles_verdict({10: 0.5}) == "--seeds pays on this machine at K = 10."
