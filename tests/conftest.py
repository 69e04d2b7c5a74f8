import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The batched engine's compiled path is proven equal to its NumPy path, bit for bit, in tests/test_compiled.py (which
# switches it on, as tests/test_stationary.py does for its comparison). Elsewhere the NumPy path runs, so that a CI
# machine's cold numba cache compiles only those tests' kernels (~1.3 s each; ~48 of them otherwise).
os.environ.setdefault("OPTIMIZER_LAB_COMPILED", "0")
