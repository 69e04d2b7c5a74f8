"""Long sessions: a race of 1 000 000 steps exports every step exactly.

One cheap racer (sgd with a tiny lr on the quadratic, tol = 0, so it never converges) on the 2-D fast path.
The CSV must have 1 000 001 rows for it plus the header, each value read back equal to the engine's
array at first, last and random steps; the NPZ arrays must equal the engine's bit for bit.
"""
import csv
import random
import time

import numpy as np

from lab.experiment import Experiment
from lab.export import CSV_FIXED_COLUMNS, export_race, read_trajectories
from lab.race import MAX_STEPS, RacerSpec

STEPS = 1_000_000


def test_fault_long_session_of_a_million_steps_exports_every_step_exactly(tmp_path):
    exp = Experiment("quadratic", [-1.8, 1.2], [RacerSpec("sgd", {"lr": 1e-6}, "slow, \"quoted\"")], steps=STEPS,
                     tol=0.0)
    t0 = time.perf_counter()
    race = exp.build_race().run()
    t_race = time.perf_counter() - t0
    tr = race.tracks[0]
    assert (tr.status, tr.status_step, tr.steps) == (MAX_STEPS, STEPS, STEPS) and race.step_count == STEPS
    assert tr.positions.shape == (STEPS + 1, 2) and np.isfinite(tr.losses).all()
    assert tr.losses[-1] < tr.losses[0]  # it did move: 1e6 steps of lr 1e-6 along the stiff axis

    # CSV: the header, then one row per step, step k on line k + 2
    t0 = time.perf_counter()
    path = export_race(tmp_path / "long.csv", exp, race)
    t_csv = time.perf_counter() - t0
    with open(path, newline="", encoding="utf-8") as fh:
        lines = fh.readlines()
    assert len(lines) == STEPS + 2
    assert lines[0] == ",".join(CSV_FIXED_COLUMNS + ("x0", "x1")) + "\n"
    picks = sorted({0, 1, 2, 1023, 1024, 1025, 65536, STEPS // 2, STEPS - 1, STEPS}
                   | set(random.Random(7).sample(range(STEPS + 1), 40)))
    for k in picks:
        row = next(csv.reader([lines[k + 1]]))
        assert row[:3] == ['slow, "quoted"', "sgd", str(k)]
        loss, gnorm, x0, x1 = map(float, row[3:])
        assert loss == tr.losses[k] and gnorm == tr.grad_norms[k], k
        assert (x0, x1) == tuple(tr.positions[k]), k
    assert lines[-1].startswith(f'"slow, ""quoted""",sgd,{STEPS},')
    del lines

    # NPZ: the arrays themselves, bit for bit
    t0 = time.perf_counter()
    back = read_trajectories(export_race(tmp_path / "long.npz", exp, race))[0]
    t_npz = time.perf_counter() - t0
    assert back.positions.tobytes() == tr.positions.tobytes()
    assert back.losses.tobytes() == tr.losses.tobytes() and back.grad_norms.tobytes() == tr.grad_norms.tobytes()
    assert (back.status, back.status_step) == (MAX_STEPS, STEPS)
    print(f"\n1M steps: race {t_race:.2f} s, CSV export {t_csv:.2f} s, NPZ export + read {t_npz:.2f} s")
