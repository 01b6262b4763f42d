"""The terminal commands: train, sample, evaluate, train-classifier. Each turns bad input into
one clear line on stderr and an exit code, never a traceback, and writes nothing before the
input has been checked. Nothing else in the package imports from here."""
