"""The terminal commands, train, sample, evaluate (with train-classifier), study and compare,
each in NAME_command.py beside scripts/NAME.py: bad input becomes one clear line and an exit
code, never a traceback (common.command), before anything is written. Nothing else in the
package imports from here."""
