"""The analysis windows (Analysis menu): the convergence map, the learning-rate sweep and their shared view."""
