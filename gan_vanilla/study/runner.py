"""Running a study (docs/studies.md): every run that is not done, trained and evaluated, each
command a process of its own (what a user would type: a crash or Ctrl-C loses only the
iterations since the last checkpoint); one study at a time in a folder; a signal passed on."""

import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import threading
import time

from ..run.stop import handling
from .folder import move_aside
from .plan import StudyError, last_line
from .stacked_runs import Ensemble, ensembles_on, plan

LOCK = "study.lock"  # in the study's folder: held while a study runs or collects there


class StudyStopped(Exception):
    """A signal stopped the study; the runs in progress were stopped through it."""

    def __init__(self, signum):
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


@contextlib.contextmanager
def lock(out_dir, shared=False):
    """Hold the study folder's lock: one study at a time runs or collects there (both write
    results.csv); the file names the holder's process for the one refused. shared: the lines
    of --list (--only), side by side, never beside a whole study or a --collect."""
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, LOCK), "a+") as f:
        try:
            fcntl.flock(f, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            pid = f.read().strip()  # none where lines of --list hold it
            holder = f"process {pid}" if pid else "lines of its --list"
            raise StudyError(f"another study is running in {out_dir} ({holder}); wait for it "
                             "to finish, or stop it") from None
        if shared:
            yield
            return
        f.truncate(0)
        f.write(f"{os.getpid()}\n")
        f.flush()
        try:
            yield
        finally:
            f.truncate(0)


class Children:
    """The runs' processes, each in a process group of its own, so that the terminal's Ctrl-C
    reaches the study alone, which passes every signal on, once: a run stops as a train
    command does (a second signal stops it at once)."""

    def __init__(self):
        self.lock = threading.RLock()  # a signal's handler may run while it is held
        self.running = set()
        self.signum = None  # the first signal the study got

    def run(self, command, argv, env):
        """Run `command` ("train" or "evaluate") with `argv` as a process of its own and wait
        for it; None, starting nothing, once the study is stopping."""
        with self.lock:
            if self.signum is not None:
                return None
            process = subprocess.Popen([sys.executable, "-c", _MAIN[command], *argv], env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       text=True, process_group=0)
            self.running.add(process)
        try:
            stdout, stderr = process.communicate()
        finally:
            with self.lock:
                self.running.discard(process)
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    def stop(self, signum):
        """Pass a signal on to every run in progress; a hangup reaches them as SIGTERM,
        which a train command stops on."""
        with self.lock:
            if self.signum is None:
                self.signum = signum
            passed = signal.SIGTERM if signum == signal.SIGHUP else signum
            for process in list(self.running):
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(passed)


def run_study(study, jobs=1, log=print, ensembles=None):
    """Train and evaluate every run not done, `jobs` at a time; returns how many failed.
    ensembles: a configuration's runs as one process (None: the study file's choice, else on
    CUDA). A signal stops every run at its next iteration, with a checkpoint: StudyStopped."""
    import concurrent.futures

    todo, work = work_of(study, ensembles, log)
    together = sum(len(item.runs) for item in work if isinstance(item, Ensemble))
    ensembles_made = _count(sum(isinstance(item, Ensemble) for item in work), "ensemble")
    log(f"study {study.path}: {_count(len(study.runs), 'run')}, "
        f"{len(study.runs) - len(todo)} done, {len(todo)} to run, {jobs} at a time, in "
        f"{study.out_dir}"
        + (f"; {together} of them as {ensembles_made}" if together else ""))
    threads = max(1, (os.cpu_count() or 1) // jobs)
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    children = Children()

    def one(item):
        runs = item.runs if isinstance(item, Ensemble) else [item]
        try:
            if isinstance(item, Ensemble):
                return _train_and_evaluate_ensemble(item, children, env, log)
            return [(item, _train_and_evaluate(item, children, env, log))]
        except OSError as e:  # the run's folder or record cannot be written
            return [(run, f"failed: {e.filename or run.dir}: {e.strerror or e}") for run in runs]

    failed = 0
    # While the study runs, Ctrl-C, SIGTERM and a hangup stop it through its runs.
    stopping = handling((signal.SIGINT, signal.SIGTERM, signal.SIGHUP),
                        lambda signum, frame: children.stop(signum))
    with stopping, concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        futures = [pool.submit(one, item) for item in work]
        for future in concurrent.futures.as_completed(futures):
            for run, outcome in future.result():
                failed += outcome.startswith(("failed", "evaluation"))
                if outcome != "skipped":
                    log(f"{run.name}: {outcome}")
    if children.signum is not None:
        raise StudyStopped(children.signum)
    return failed


def work_of(study, ensembles=None, log=None):
    """(the runs not done, the work they make: each a run or an Ensemble), as the study does
    it from the folders as they are; log: says why an evaluation is owed again."""
    todo = [run for run in study.runs if run.mismatch() is not None or run.evaluations_owed(log)]
    return todo, plan(todo, ensembles_on(study, study.ensembles if ensembles is None else
                                         ensembles))


def _train_and_evaluate(run, children, env, log):
    """One run, as far as it still needs: moved aside if its folder holds another run,
    trained (or resumed), evaluated. Returns what became of it, in words."""
    if children.signum is not None:
        return "skipped"
    why = run.why_anew()
    if why:
        log(f"{run.name}: {why}; moved the old run to {move_aside(run.dir)}, training anew")
    os.makedirs(run.dir, exist_ok=True)
    resume = os.path.exists(run.checkpoint)
    seconds = run.recorded().get("train_seconds", 0.0) if resume else 0.0
    run.write_record(seconds)
    if not (resume and run.trained()):  # stopped after training, before its evaluation
        start = time.monotonic()
        train = children.run("train", run.train_argv(), env)
        if train is None:
            return "skipped"
        seconds += time.monotonic() - start
        run.write_record(round(seconds, 1))
        if train.returncode != 0 and children.signum is not None:
            return "stopped"
        if train.returncode != 0:
            return "failed: " + last_line(train.stderr)
    return _evaluate(run, children, env, seconds)


def _train_and_evaluate_ensemble(ensemble, children, env, log):
    """An ensemble's runs, as _train_and_evaluate's, trained by one train command; each run's
    record takes its share of the training time. Returns [(run, what became of it)]."""
    runs = ensemble.runs
    if children.signum is not None:
        return [(run, "skipped") for run in runs]
    resume = ensemble.resume
    shares = {}
    for run in runs:
        why = run.why_anew()
        if why:
            log(f"{run.name}: {why}; moved the old run to {move_aside(run.dir)}, training anew")
        os.makedirs(run.dir, exist_ok=True)
        shares[run] = run.recorded().get("train_seconds", 0.0) if resume else 0.0
        run.write_record(shares[run])
    if not resume:
        moved = ensemble.move_other_seeds_aside()
        if moved:
            log(f"{ensemble.name}: {moved}")
    start = time.monotonic()
    train = children.run("train", ensemble.train_argv(), env)
    if train is None:
        return [(run, "skipped") for run in runs]
    for run in runs:
        shares[run] += (time.monotonic() - start) / len(runs)
        run.write_record(round(shares[run], 1))
    if train.returncode != 0:
        outcome = ("stopped" if children.signum is not None else
                   f"failed (in the ensemble {ensemble.name}): " + last_line(train.stderr))
        return [(run, outcome) for run in runs]
    return [(run, _evaluate(run, children, env, shares[run])) for run in runs]


def _evaluate(run, children, env, seconds):
    """A trained run's evaluations still owed; what became of it, in words."""
    for kind in run.evaluations_owed():  # the last checkpoint, and best.pt when there is one
        evaluate = children.run("evaluate", run.evaluate_argv(best=kind == "best"), env)
        if evaluate is None or evaluate.returncode != 0 and children.signum is not None:
            return "stopped before its evaluation"
        if evaluate.returncode != 0:
            return f"evaluation of its {kind} generator failed: " + last_line(evaluate.stderr)
    return f"done in {seconds:.0f} s of training"


# Each command's main, run as `python -c`: the package the study runs in.
_MAIN = {command: f"import sys; from gan_vanilla.cli.{command}_command import main; "
                  "sys.exit(main(sys.argv[1:]))" for command in ("train", "evaluate")}


def _count(n, noun):
    return f"{n} {noun}" + ("" if n == 1 else "s")
