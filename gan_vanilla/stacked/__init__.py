"""--seeds: K runs of the post trained at once, stacked along a leading axis, an ensemble of
members, never averaged (docs/training.md, "Many seeds at once", gives the shapes). The post's own
`z @ Wzh + bzh` is then a batched product with a broadcast bias, so G, D and the loop in train.py
run K GANs unchanged, and one Adam, elementwise, steps each member as its own would. Here: the
set-up, each member's streams and batches (stack.py), its own mean loss (loss.py), and its slice as
a run of its own (slices.py)."""
