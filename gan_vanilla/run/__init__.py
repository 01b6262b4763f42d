"""What a real run needs beyond the post's loop: the command line's flags, config.json,
checkpoints and resume, an ensemble's folder, stopping on signals, the loss log, the quality
monitor, the best generator, TensorBoard, losses.png and progress.gif, the device path (NaN
guard, CUDA graph), the CPU threads, the grids' worker. train.py reaches all of it through
`Run` (session.py)."""
