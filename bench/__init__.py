"""Benchmarks: every speed, memory and accuracy figure, as ratios against a bare reference run in the same process tree."""
