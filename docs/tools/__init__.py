"""The docs' own tooling: what writes docs/REPRODUCTION.md, docs/wide.md, docs/monitor.md and
the figures of docs/study/ from the committed files there (scripts/reproduction.py), and what
measured the wide networks' logs in docs/study/wide/ (scripts/wide_diagnostics.py). It stands
on the installed package and is not part of it: nothing in gan_vanilla/ imports it."""
