"""gan-vanilla-study: train and evaluate every run a study file names, then gather the
results (gan_vanilla/study/)."""

import argparse
import os
import shlex
import sys

from ..run import flags as train_flags
from ..study.ensembles import Ensemble, ensembles_on
from ..study.plan import StudyError, check_before_running, load_study
from ..study.report import collect
from ..study.runner import StudyStopped, lock, run_study
from .common import command

PROG = "gan-vanilla-study"


@command(PROG, fixable=(StudyError,))
def main(argv=None):
    parser = train_flags.parser(
        prog=PROG,
        description="Train and evaluate every run a study file names, then gather the "
        "results. Runs already evaluated are skipped; interrupted runs resume.")
    parser.add_argument("study", help="the study file (TOML); see studies/")
    parser.add_argument("--data-dir", default=None,
                        help="MNIST lives in DATA_DIR/MNIST/raw (default: the study file's "
                        "data_dir, else data)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="runs at a time, torch's threads split among them (default: 1)")
    parser.add_argument("--ensembles", action=argparse.BooleanOptionalAction, default=None,
                        help="train each configuration's seeds as one ensemble process "
                        "(train --seeds) (default: the study file's `ensembles`, else on "
                        "when the runs train on CUDA)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--list", action="store_true",
                      help="print each run's commands, one run (or ensemble) per line, and "
                      "stop")
    what.add_argument("--collect", action="store_true",
                      help="only gather the results of the runs that are done")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    note = lambda line: print(f"{PROG}: {line}", file=sys.stderr)  # noqa: E731
    failed = 0
    try:
        study = load_study(args.study, data_dir=args.data_dir)
        ensembles = study.ensembles if args.ensembles is None else args.ensembles
        if args.list:
            return _list(study, ensembles_on(study, ensembles))
        if args.collect and not os.path.isdir(study.out_dir):
            raise StudyError(f"nothing to collect: {study.out_dir} does not exist")
        if not args.collect:
            check_before_running(study)
        with lock(study.out_dir):
            if not args.collect:
                failed = run_study(study, args.jobs, ensembles=ensembles)
            written = collect(study, log=note)
    except StudyStopped as e:
        print(f"{PROG}: {e}; each run in training stopped at its next iteration and wrote its "
              f"checkpoint. The same command continues: {PROG} {shlex.quote(args.study)}",
              file=sys.stderr)
        return 128 + e.signum
    except KeyboardInterrupt:  # Ctrl-C before the runs or while collecting (atomic writes)
        print(f"{PROG}: stopped; no run was in progress, and every file written is whole",
              file=sys.stderr)
        return 130
    for path in written:
        print(f"wrote {path}")
    return 1 if failed else 0


def _list(study, ensembles):
    """Every run's commands, for a scheduler; with ensembles, a configuration's seeds on one
    line (its train command, then each member's evaluations)."""
    work = study.runs
    if ensembles:
        by_config = {}
        for run in study.runs:
            by_config.setdefault(run.config, []).append(run)
        work = [Ensemble(runs) if len(runs) > 1 else runs[0] for runs in by_config.values()]
    try:
        for item in work:
            print(item.command_line(), flush=True)
    except BrokenPipeError:  # `--list | head`: the reader has what it wanted
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (nothing more is printed)
    return 0
