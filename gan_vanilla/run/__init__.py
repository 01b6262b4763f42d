"""What a real run needs beyond the post's loop, a module each (docs/layout.md lists
them); train.py reaches all of it through `Run` (session.py)."""
