"""--workers N (lab/parallel.py): the blocks of `phase` and `tune` run on local processes give the same bytes as
one process; cancelling stops between blocks; bad worker counts are one line and exit 2."""
import numpy as np
import pytest

import main as entry
from lab.errors import LabError
from lab.parallel import check_workers, run_blocks, split
from lab.phase import phase_block


def cli(capsys, *argv):
    rc = entry.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_split_covers_in_order():
    assert split(10, 3) == [slice(0, 3), slice(3, 7), slice(7, 10)]
    assert split(2, 5) == [slice(0, 1), slice(1, 2)]
    assert split(5, 1) == [slice(0, 5)]


def test_serial_blocks_and_cancel():
    lr, rho = np.geomspace(1e-3, 1, 7), np.linspace(0, 0.9, 6)
    blocks = [("momentum", [1.0, 9.0], lr, rho[part]) for part in split(6, 3)]
    seen = []
    out = run_blocks(phase_block, blocks, 1, done=lambda i, r: seen.append(i))
    assert seen == [0, 1, 2] and np.array_equal(np.concatenate([r for r, _ in out]),
                                                phase_block("momentum", [1.0, 9.0], lr, rho)[0])
    assert run_blocks(phase_block, blocks, 1, should_stop=lambda: True) is None
    with pytest.raises(LabError, match="from 1 to 64"):
        check_workers(0)


def test_phase_and_tune_on_two_processes_give_the_same_bytes(capsys, tmp_path):
    for name, workers in (("one", "1"), ("two", "2")):
        rc, _, err = cli(capsys, "phase", "--objective", "rosenbrock", "--at", "1,1", "--optimizer", "nesterov",
                         "--size", "40", "--out", tmp_path / f"{name}.npz", "--workers", workers)
        assert rc == 0 and err == ""
        # minibatches and several starts: the lrs of a racer are split across the processes
        rc, out, err = cli(capsys, "tune", "--objective", "linear_regression", "--param", "batch_size=8",
                           "--racer", "sgd", "--racer", "momentum:rho=0.8", "--steps", "60", "--seeds", "3",
                           "--starts", "2", "--out", tmp_path / f"{name}.json", "--workers", workers)
        assert rc == 0 and err == ""
        (tmp_path / f"{name}.txt").write_text(out.replace(str(tmp_path / f"{name}.json"), "FILE"))
    for ending in ("npz", "json", "txt"):
        assert (tmp_path / f"one.{ending}").read_bytes() == (tmp_path / f"two.{ending}").read_bytes()


def test_a_dask_cluster_gives_the_same_bytes(capsys, tmp_path):
    distributed = pytest.importorskip("dask.distributed", reason="dask.distributed (the [cluster] extra) is missing")
    phase = ["phase", "--objective", "quadratic", "--param", "kappa=30", "--optimizer", "nesterov", "--size", "60"]
    tune = ["tune", "--objective", "linear_regression", "--param", "batch_size=8", "--racer", "adam", "--steps", "40",
            "--seeds", "2", "--starts", "2"]
    for name, where in (("one", []), ("cluster", None)):
        if where is None:
            cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                               dashboard_address=None)
            where = ["--scheduler", cluster.scheduler_address]
        try:
            assert cli(capsys, *phase, "--out", tmp_path / f"{name}.npz", *where)[0] == 0
            rc, out, err = cli(capsys, *tune, "--out", tmp_path / f"{name}.json", *where)
            assert rc == 0 and err == ""
        finally:
            if name == "cluster":
                cluster.close()
    for ending in ("npz", "json"):
        assert (tmp_path / f"one.{ending}").read_bytes() == (tmp_path / f"cluster.{ending}").read_bytes()


def test_an_unreachable_scheduler_is_one_line_after_a_timeout(capsys, monkeypatch, tmp_path):
    pytest.importorskip("dask.distributed", reason="dask.distributed (the [cluster] extra) is missing")
    import lab.parallel

    monkeypatch.setattr(lab.parallel, "CONNECT_SECONDS", 0.5)
    rc, out, err = cli(capsys, "phase", "--objective", "quadratic", "--scheduler", "tcp://127.0.0.1:9",
                       "--out", tmp_path / "p.npz")
    assert rc == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("error: --scheduler 'tcp://127.0.0.1:9': no Dask scheduler could be reached there within 0.5 s")
    assert list(tmp_path.iterdir()) == []
    rc, _, err = cli(capsys, "tune", "--objective", "quadratic", "--racer", "sgd", "--workers", "2", "--scheduler",
                     "tcp://127.0.0.1:9")
    assert rc == 2 and "not both" in err
