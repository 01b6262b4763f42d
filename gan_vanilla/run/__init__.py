"""What a real run needs beyond the post's loop, a module each (README.md, "Layout", lists
them); train.py reaches all of it through `Run` (session.py)."""
