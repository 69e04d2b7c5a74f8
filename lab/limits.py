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
    MAX_LESSON_BYTES        bytes in a lesson file
    MAX_LESSON_PAGES        pages in a lesson
    MAX_LESSON_TEXT         characters in one text of a lesson page (its title, text, watch, question, a "try")
    MAX_LESSON_TRIES        "try this" items on one lesson page
    MAX_TUNE_RUNS           runs per learning rate when tuning (seeds × starts; every lr of a block steps them
                            at once: 25 × 4096 points)
    MAX_WORKERS             local processes a command's blocks may run on (--workers)
    MAX_PHASE_SIZE          points per axis of a momentum phase diagram (size × size cells; at 1000, 8 MB of
                            rates and a 60 MB .csv)
    MAX_ANIMATION_SIZE      the largest frame of an animation, width × height (4K UHD)
    MIN_ANIMATION_SIZE      the smallest frame of an animation (the whole window's own smallest size is larger)
    MAX_FRAMES              frames in an animation (an hour at 30 frames a second)
    MAX_FPS                 frames per second of an animation
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
MAX_LESSON_BYTES = 1_000_000
MAX_LESSON_PAGES = 50
MAX_LESSON_TEXT = 2_000
MAX_LESSON_TRIES = 10
MAX_PHASE_SIZE = 1000
MAX_TUNE_RUNS = 4096
MAX_WORKERS = 64

PLUGIN_IMPORT_SECONDS = 10.0
"""How long one optimizer plug-in may take to import and build its spec: one that takes longer (a hang, a network
call) is skipped with one line, and the lab starts without it."""

MAX_GRID = 1000
"""Starts per side of a convergence map held in memory (``basin`` without a folder --out, the window): 10⁶ starts
keep ~60 MB of results."""

MAX_GRID_FOLDER = 10_000
"""Starts per side of a map written to a folder store (lab/basin_store.py): 10⁸ starts, ~2.7 GB on disk, a few
blocks in memory."""

MAX_ANIMATION_SIZE = (3840, 2160)
MIN_ANIMATION_SIZE = (160, 120)
MAX_FRAMES = 108_000
MAX_FPS = 120

MAX_DATA_BYTES = 20_000_000
MAX_DATA_ROWS = 100_000
MAX_DATA_VALUE = 1e12
MAX_CLASSES = 10
MAX_EMBED_ROWS = 10_000

__all__ = ["MAX_ANIMATION_SIZE", "MAX_CLASSES", "MAX_COLOR", "MAX_DATA_BYTES", "MAX_DATA_ROWS", "MAX_DATA_VALUE",
           "MAX_DERIVATIVE_SIZE", "MAX_EMBED_ROWS", "MAX_EXPERIMENT_BYTES", "MAX_FORMULA", "MAX_FORMULA_DEPTH",
           "MAX_FPS", "MAX_FRAMES", "MAX_GRID", "MAX_GRID_FOLDER", "MAX_LABEL", "MAX_LESSON_BYTES",
           "MAX_LESSON_PAGES", "MAX_LESSON_TEXT", "MAX_LESSON_TRIES", "MAX_PHASE_SIZE", "MAX_RACERS", "MAX_SEED",
           "MAX_SETTINGS_BYTES", "MAX_STEPS", "MAX_TRAJECTORY_BYTES", "MAX_TUNE_RUNS", "MAX_WORKERS",
           "MIN_ANIMATION_SIZE", "PLUGIN_IMPORT_SECONDS"]
