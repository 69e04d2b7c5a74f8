"""Optimizer Lab core: objectives, optimizers, curvature, gradient check and race engine, in pure NumPy."""
