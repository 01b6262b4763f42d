"""gan-vanilla-study: train and evaluate every run a study file names, then gather the
results (gan_vanilla/study/)."""

import argparse
import os
import shlex
import sys

from ..run import flags as train_flags
from ..run.flags import seeds_text
from ..study.plan import StudyError, check_before_running, load_study
from ..study.report import collect
from ..study.runner import StudyStopped, lock, run_study, work_of
from ..study.stacked_runs import Ensemble, ensembles_on
from .common import command

PROG = "gan-vanilla-study"


@command(PROG, fixable=(StudyError,))
def main(argv=None):
    parser = train_flags.parser(prog=PROG, description=(
        "Train and evaluate every run a study file names, then gather the results. Runs already "
        "evaluated are skipped; interrupted runs resume."))
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
                      help="print what is left to do, one shell line per run (or ensemble) "
                      "that runs this study for it alone (--only, --seeds), and stop")
    what.add_argument("--collect", action="store_true",
                      help="only gather the results of the runs that are done")
    parser.add_argument("--only", metavar="CONFIG", help="run only this configuration's runs, "
                        "as the whole study would, and gather nothing: what a line of --list runs")
    parser.add_argument("--seeds", type=train_flags.parse_seeds, metavar="LIST",
                        help="with --only: only these seeds of it, e.g. 2-3")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if args.seeds is not None and args.only is None:
        parser.error("--seeds picks seeds of the configuration --only names: give --only too")
    if args.only is not None and args.collect:
        parser.error("--only runs some runs and gathers nothing; --collect gathers every run's "
                     "results: give one of them")
    note = lambda line: print(f"{PROG}: {line}", file=sys.stderr)  # noqa: E731
    failed = 0
    try:
        study = load_study(args.study, data_dir=args.data_dir)
        if args.only is not None:
            study.keep_only(args.only, args.seeds)
        ensembles = ensembles_on(study, study.ensembles if args.ensembles is None else
                                 args.ensembles)
        if args.list:
            return _list(study, ensembles, args.data_dir)
        if args.collect and not os.path.isdir(study.out_dir):
            raise StudyError(f"nothing to collect: {study.out_dir} does not exist")
        if not args.collect:
            check_before_running(study)
        with lock(study.out_dir, shared=args.only is not None):
            if not args.collect:
                failed = run_study(study, args.jobs, ensembles=ensembles)
            written = [] if args.only is not None else collect(study, log=note)
    except StudyStopped as e:
        again = shlex.join([PROG, *(sys.argv[1:] if argv is None else argv)])
        print(f"{PROG}: {e}; each run in training stopped at its next iteration and wrote its "
              f"checkpoint. The same command continues: {again}", file=sys.stderr)
        return 128 + e.signum
    except KeyboardInterrupt:  # Ctrl-C before the runs or while collecting (atomic writes)
        print(f"{PROG}: stopped; no run was in progress, and every file written is whole",
              file=sys.stderr)
        return 130
    for path in written:
        print(f"wrote {path}")
    return 1 if failed else 0


def _list(study, ensembles, data_dir):
    """What is left to do, for a scheduler: one line per run, or per ensemble, of the work the study
    would do now (runner.work_of), each running this study for those runs alone (--only, --seeds):
    run again, it goes on or does nothing. --ensembles as chosen here, wherever it runs."""
    _, work = work_of(study, ensembles)
    try:
        for item in work:
            runs = item.runs if isinstance(item, Ensemble) else [item]
            line = [PROG, study.path, "--only", runs[0].config, "--seeds",
                    seeds_text([run.seed for run in runs]),
                    "--ensembles" if ensembles else "--no-ensembles",
                    *(["--data-dir", data_dir] if data_dir is not None else [])]
            print(shlex.join(line), flush=True)
    except BrokenPipeError:  # `--list | head`: the reader has what it wanted
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (nothing more is printed)
    return 0
