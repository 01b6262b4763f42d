"""The terminal commands (train, sample, evaluate with train-classifier, study, compare), each in
NAME_command.py beside scripts/NAME.py: bad input becomes one clear line and an exit code, never a
traceback, before anything is written (common.command). Nothing else in the package imports them."""
