"""Every size limit Optimizer Lab puts on what it is given, in one place (the command line and the window).

Each limit is checked where the input is read — an experiment file when it is loaded, an option when it is
parsed — and a refusal names the limit: ``racers: at most 100 racers in an experiment, got 10000``.

    MAX_RACERS              racers in one experiment
    MAX_LABEL               characters in a racer's label
    MAX_COLOR               characters in a racer's colour ("#1f77b4", "tab:blue")
    MAX_FORMULA             characters in a typed-in formula (objective 'custom')
    MAX_FORMULA_DEPTH       levels of nesting in a formula
    MAX_DERIVATIVE_SIZE     terms in a formula's value, gradient and Hessian written out (see below)
    MAX_STEPS               steps in a race (every step of every racer is kept)
    MAX_SEED                the largest seed
    MAX_EXPERIMENT_BYTES    bytes in an experiment file
    MAX_TRAJECTORY_BYTES    bytes in a trajectory file read back (.csv, .npz, .json written by ``run --out``)
    MAX_SETTINGS_BYTES      bytes in the window's settings file (its remembered experiment, geometry, speed)
    MAX_DATA_BYTES          bytes in a data file (parameter ``data`` of the regressions and the network)
    MAX_DATA_ROWS           data rows in a data file
    MAX_DATA_VALUE          the largest size of a number in a data file (squares and sums stay finite)
    MAX_CLASSES             distinct labels in the network's data (the logistic regression takes exactly 2)
    MAX_EMBED_ROWS          data rows stored inside an experiment file (``run --embed-data``, the window)

MAX_DERIVATIVE_SIZE: a formula of a few hundred characters can have derivatives millions of terms long
(``x**x**x**...**y``: the gradient grows with the square of the depth, the Hessian with its cube), and the
symbolic algebra then works for minutes. Before any algebra, ``lab.expression`` writes the gradient and Hessian
out as plain trees (no simplification; cheap) and counts their nodes; past this many the formula is refused.
An ordinary formula has a few hundred to a few thousand (a 419-character sum of 20 terms sin(k*x)*cos(k*y):
2 354); ``x**x**...**y`` with 16 levels has 30 000 and takes about a second to derive and compile, 24 levels
89 000 (2 seconds), 49 levels (the 148-character formula that took 21 s) 610 000. The count overstates what sympy keeps
for products of plain variables (x*y*x*y*...: sympy writes x**60*y**60), so such a formula can be refused
although sympy would be quick; write it with powers.
"""
from __future__ import annotations

MAX_RACERS = 100
MAX_LABEL = 200
MAX_COLOR = 64
MAX_FORMULA = 500
MAX_FORMULA_DEPTH = 50
MAX_DERIVATIVE_SIZE = 50_000
MAX_STEPS = 10_000_000
MAX_SEED = 2**63 - 1
MAX_EXPERIMENT_BYTES = 1_000_000
MAX_TRAJECTORY_BYTES = 2_000_000_000
MAX_SETTINGS_BYTES = 4_000_000
MAX_DATA_BYTES = 20_000_000
MAX_DATA_ROWS = 100_000
MAX_DATA_VALUE = 1e12
MAX_CLASSES = 10
MAX_EMBED_ROWS = 10_000

__all__ = ["MAX_CLASSES", "MAX_COLOR", "MAX_DATA_BYTES", "MAX_DATA_ROWS", "MAX_DATA_VALUE", "MAX_DERIVATIVE_SIZE",
           "MAX_EMBED_ROWS", "MAX_EXPERIMENT_BYTES", "MAX_FORMULA", "MAX_FORMULA_DEPTH", "MAX_LABEL", "MAX_RACERS",
           "MAX_SEED", "MAX_SETTINGS_BYTES", "MAX_STEPS", "MAX_TRAJECTORY_BYTES"]
