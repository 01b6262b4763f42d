"""The terminal commands: train, sample, evaluate and train-classifier, study, compare (each
in NAME_command.py, beside scripts/NAME.py, which runs it from a checkout). Each turns bad
input into one clear line on stderr and an exit code, never a traceback (common.command), and
writes nothing before the input has been checked. Nothing else in the package imports from
here."""
