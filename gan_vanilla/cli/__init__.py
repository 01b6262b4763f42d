"""The terminal commands: train, sample, evaluate, train-classifier, study and the wide
networks' dynamics. Each turns bad input into one clear line on stderr and an exit code,
never a traceback (common.command), and writes nothing before the input has been checked.
Nothing else in the package imports from here."""
