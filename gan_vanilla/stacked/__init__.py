"""--seeds: K runs of the post trained at once, stacked along a leading axis.

With `Wzh` of shape (K, Z_dim, h_dim), `bzh` of shape (K, 1, h_dim) and `z` of shape
(K, mb_size, Z_dim), the post's own line `z @ Wzh + bzh` is a batched product with a
broadcast bias, so G, D and the loop in train.py run K GANs unchanged. Adam is elementwise:
one Adam over the stacked tensors steps each member as its own Adam would. What the stack
needs beyond that lives here: each member's own random streams (seeds.py) and a loss that is
each member's own mean (loss.py).
"""
