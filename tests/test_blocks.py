"""Work past one machine (issue 19 §4): basin maps and sweeps split into blocks, run here, on local processes
(--workers) or a Dask LocalCluster (--scheduler) with the same bytes; folder stores written block by block and
resumed without recomputing finished blocks; the progress bar; one-line refusals."""
import io
import json

import numpy as np
import pytest

from lab import basin
from lab.basin import basin_map
from lab.basin_store import map_to_folder
from lab.cli import main as cli_main
from lab import parallel
from lab.errors import LabError
from lab.objectives import make_objective
from lab.sweep import lr_sweep

HIMMELBLAU = make_objective("himmelblau")
MAP = dict(steps=120, grid=(37, 29), block=300)  # 4 blocks, the last one short


def saved(m, tmp_path, name) -> tuple[bytes, bytes]:
    return (m.save(tmp_path / f"{name}.npz").read_bytes(), m.save(tmp_path / f"{name}.csv").read_bytes())


@pytest.fixture(scope="module")
def one_process():
    return basin_map(HIMMELBLAU, "adam", {"lr": 0.05}, **MAP)


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed", reason="Dask distributed is the [cluster] extra (in [test])")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c.scheduler_address


def test_blocks_cover_the_map_and_take_the_grids_own_starts():
    assert basin.block_ranges(1100, 300) == [(0, 300), (300, 600), (600, 900), (900, 1100)]
    _, _, starts = basin.grid_points(HIMMELBLAU.domain, (37, 29))
    for lo, hi in basin.block_ranges(len(starts), 300):
        np.testing.assert_array_equal(basin.block_starts(HIMMELBLAU.domain, (37, 29), lo, hi), starts[lo:hi])


def test_two_local_processes_give_the_same_bytes(one_process, tmp_path):
    two = basin_map(HIMMELBLAU, "adam", {"lr": 0.05}, workers=2, **MAP)
    assert saved(two, tmp_path, "two") == saved(one_process, tmp_path, "one")
    assert {0, 1, 2, 3} <= set(np.unique(one_process.label).tolist())  # a map worth comparing


def test_a_dask_cluster_gives_the_same_bytes(one_process, cluster, tmp_path):
    on_cluster = basin_map(HIMMELBLAU, "adam", {"lr": 0.05}, scheduler=cluster, **MAP)
    assert saved(on_cluster, tmp_path, "cluster") == saved(one_process, tmp_path, "one")
    q = make_objective("quadratic", kappa=10.0)
    opts = ["sgd", ("momentum", {"rho": 0.9}), "lbfgs"]
    here = lr_sweep(q, None, opts, lr_min=1e-3, lr_max=1.0, num=12, steps=60)
    there = lr_sweep(q, None, opts, lr_min=1e-3, lr_max=1.0, num=12, steps=60, scheduler=cluster)
    assert there.save(tmp_path / "o.npz").read_bytes() == here.save(tmp_path / "h.npz").read_bytes()


def test_the_command_line_runs_on_a_cluster_and_on_processes(cluster, tmp_path, capsys):
    argv = ["basin", "--objective", "himmelblau", "--optimizer", "sgd:lr=2e-3", "--steps", "200", "--grid", "24"]
    outs = {}
    for name, extra in (("one", []), ("procs", ["--workers", "2"]), ("cluster", ["--scheduler", cluster])):
        assert cli_main(argv + ["--out", str(tmp_path / f"{name}.npz")] + extra) == 0
        outs[name] = (tmp_path / f"{name}.npz").read_bytes()
    capsys.readouterr()
    assert outs["procs"] == outs["one"] == outs["cluster"]


def test_a_folder_store_is_resumed_without_recomputing_finished_blocks(one_process, tmp_path, monkeypatch):
    calls = []
    real = basin.basin_block
    monkeypatch.setattr(basin, "basin_block", lambda config, block, *a, **k: calls.append(block) or real(
        config, block, *a, **k))

    def interrupt(done, total):
        if done == 2:
            raise KeyboardInterrupt  # Ctrl-C after two blocks were written

    folder = tmp_path / "map"
    with pytest.raises(KeyboardInterrupt):
        map_to_folder(folder, HIMMELBLAU, "adam", {"lr": 0.05}, progress=interrupt, **MAP)
    assert calls == [(0, 300), (300, 600)]
    assert np.load(folder / "done.npy").tolist() == [True, True, False, False]
    assert json.loads((folder / "meta.json").read_text())["complete"] is False
    calls.clear()
    store, counts = map_to_folder(folder, HIMMELBLAU, "adam", {"lr": 0.05}, **MAP)
    assert calls == [(600, 900), (900, 1073)]  # only the blocks not yet written
    for name in ("label", "step", "status", "loss"):
        np.testing.assert_array_equal(np.load(folder / f"{name}.npy"), getattr(one_process, name))
    np.testing.assert_array_equal(np.load(folder / "final.npy"), one_process.final)
    assert counts == {c: int((one_process.label == c).sum()) for c in np.unique(one_process.label).tolist()}
    assert json.loads((folder / "meta.json").read_text())["complete"] is True


def test_a_folder_holding_something_else_is_refused(tmp_path):
    folder = tmp_path / "map"
    map_to_folder(folder, HIMMELBLAU, "sgd", {"lr": 1e-3}, steps=5, grid=4)
    with pytest.raises(LabError, match=r"holds another map \(hyperparameters \{'lr': 0.001\} there"):
        map_to_folder(folder, HIMMELBLAU, "sgd", {"lr": 2e-3}, steps=5, grid=4)
    other = tmp_path / "photos"
    other.mkdir()
    (other / "cat.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(LabError, match="holds no basin map"):
        map_to_folder(other, HIMMELBLAU, "sgd", {"lr": 1e-3}, steps=5, grid=4)
    assert (other / "cat.jpg").read_bytes() == b"\xff\xd8"  # untouched


@pytest.mark.parametrize(("extra", "message"), [
    (["--workers", "0"], "--workers must be a whole number >= 1"),
    (["--workers", "65"], "--workers must be a whole number from 1 to 64"),
    (["--workers", "2.5"], "--workers"),
    (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "not both"),
    (["--scheduler", "tcp://127.0.0.1:1"], "no Dask scheduler could be reached there within 0.3 s"),
    (["--scheduler", "two words"], "--scheduler: expected an address"),
    (["--grid", "2000"], "from 2 to 1000"),
    (["--grid", "20000", "--out", "{tmp}/big/"], "from 2 to 10000"),
])
def test_bad_work_options_are_one_line(tmp_path, capsys, monkeypatch, extra, message):
    monkeypatch.setattr(parallel, "CONNECT_SECONDS", 0.3)
    argv = ["basin", "--objective", "himmelblau", "--optimizer", "sgd", "--steps", "5", "--grid", "4"]
    assert cli_main(argv + [a.replace("{tmp}", str(tmp_path)) for a in extra]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("error: ") and message in err, err
    assert not (tmp_path / "big").exists()


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_the_progress_bar_draws_on_a_terminal_only():
    from lab.cli.progress import ProgressBar

    now = [100.0]
    stream = Terminal()
    bar = ProgressBar("basin", unit=" blocks", stream=stream, clock=lambda: now[0])
    bar(0, 8)
    now[0] += 4.0
    bar(2, 8)  # 2 blocks in 4 s: 0.5 a second, 6 left: 12 s
    bar.close()
    assert stream.getvalue().split("\r")[-1] == "basin [######..................]  25%  0.5  blocks/s  0:12 left\x1b[K\n"
    quiet = io.StringIO()
    bar = ProgressBar("basin", stream=quiet)
    bar(1, 2)
    bar.close()
    assert quiet.getvalue() == ""


@pytest.mark.parametrize("damage", ["meta.json is junk", "meta.json is a FIFO", "label.npy is missing",
                                    "done.npy has the wrong shape", "step.npy is not an array"])
def test_a_damaged_folder_store_is_refused_in_one_line_and_left_as_it_is(tmp_path, damage):
    import os

    folder = tmp_path / "map"
    map_to_folder(folder, HIMMELBLAU, "sgd", {"lr": 1e-3}, steps=5, grid=4)
    if damage == "meta.json is junk":
        (folder / "meta.json").write_bytes(b"\x00\xff" * 100)
    elif damage == "meta.json is a FIFO":
        (folder / "meta.json").unlink()
        os.mkfifo(folder / "meta.json")
    elif damage == "label.npy is missing":
        (folder / "label.npy").unlink()
    elif damage == "done.npy has the wrong shape":
        np.save(folder / "done.npy", np.zeros(7, dtype=bool))
    else:
        (folder / "step.npy").write_bytes(b"not numpy")
    before = {p.name: (p.read_bytes() if p.is_file() else None) for p in folder.iterdir()}
    with pytest.raises(LabError, match=r"holds no basin map|the folder's map is damaged") as caught:
        map_to_folder(folder, HIMMELBLAU, "sgd", {"lr": 1e-3}, steps=5, grid=4)
    assert "\n" not in str(caught.value)
    assert {p.name: (p.read_bytes() if p.is_file() else None) for p in folder.iterdir()} == before
