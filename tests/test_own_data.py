"""Your own data (issue 20): CSV files for linear_regression, logistic_regression and mlp; their minima against
numpy and scipy; reproducibility (path + SHA-256, --embed-data); every bad file one line and exit 2."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.optimize

import main as entry
from lab.dataset import BINARY, CLASSES, REGRESSION, parse_dataset, read_dataset, to_csv
from lab.errors import LabError
from lab.experiment import Experiment
from lab.limits import MAX_DATA_ROWS, MAX_EMBED_ROWS
from lab.objectives import make_objective, objective_spec
from lab.objectives.own_data import shown_params


def write(path, text, mode="w"):
    with open(path, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": ""})) as fh:
        fh.write(text)
    return str(path)


def points_csv(tmp_path, n=40, seed=1, sep=",", classes=("no", "yes")):
    """Two features in large units (cm, kg) and a text label: a logistic-regression file."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, len(classes), n)
    a = np.round(170 + 10 * rng.standard_normal(n) + 5 * label, 3)  # as written with 3 decimals, read back exactly
    b = np.round(70 + 8 * rng.standard_normal(n) - 4 * label, 3)
    rows = [sep.join(["height", "weight", "answer"])] + [sep.join([f"{x:.3f}", f"{y:.3f}", classes[c]])
                                                          for x, y, c in zip(a, b, label)]
    return write(tmp_path / "people.csv", "\n".join(rows) + "\n"), a, b, label


def line_csv(tmp_path, n=30, seed=2):
    rng = np.random.default_rng(seed)
    t = rng.uniform(1000, 3000, n)
    y = 0.02 * t - 5 + rng.standard_normal(n)
    text = "year,value\n" + "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in zip(t, y))
    return write(tmp_path / "line.csv", text), t, y


# --- minima against numpy and scipy ------------------------------------------------------------------------------

@pytest.mark.parametrize("standardize", [False, True])
def test_linear_minimum_is_numpys_least_squares(tmp_path, standardize):
    path, t, y = line_csv(tmp_path)
    obj = make_objective("linear_regression", data=path, standardize=standardize)
    z = (t - t.mean()) / t.std() if standardize else t
    best = np.linalg.lstsq(np.stack([z, np.ones_like(z)], axis=-1), y, rcond=None)[0]
    np.testing.assert_allclose(obj.minima[0], best, rtol=1e-9)
    assert obj.min_value == pytest.approx(np.mean((best[0] * z + best[1] - y) ** 2), rel=1e-12)
    np.testing.assert_allclose(obj.grad(obj.minima[0]), 0, atol=1e-9 * max(1, abs(best).max()))
    # the line in the file's units: ŷ(t) = w·z(t) + b
    np.testing.assert_allclose(obj.predict(obj.minima[0], t), best[0] * z + best[1], rtol=1e-12)


@pytest.mark.parametrize("standardize", [False, True])
def test_logistic_minimum_is_scipys(tmp_path, standardize):
    path, a, b, label = points_csv(tmp_path)
    obj = make_objective("logistic_regression", data=path, standardize=standardize)
    p = np.stack([a, b], axis=-1)
    if standardize:
        p = (p - p.mean(axis=0)) / p.std(axis=0)
    s = np.where(label == 1, 1.0, -1.0)  # 'yes' sorts after 'no': class 1, s = +1

    def loss(w):
        return np.mean(np.logaddexp(0.0, -s * (p @ w)))

    ref = scipy.optimize.minimize(loss, np.zeros(2), method="BFGS", options={"gtol": 1e-10})
    assert len(obj.minima) == 1
    np.testing.assert_allclose(obj.minima[0], ref.x, rtol=1e-5, atol=1e-7)
    assert obj.min_value == pytest.approx(ref.fun, rel=1e-10)
    assert obj.class_names == ("no", "yes")


def test_a_singular_newton_step_means_no_minimum_known():
    """Unstandardised points so far out that σ(m)·σ(−m) rounds to 0: the Hessian is singular on Newton's way
    (found by tests/robustness/test_fuzz_dataset.py)."""
    text = "a,b,c\n0.0,0.0,x\n0.0,-0.5,x\n1.0,0.0,x\n177512955.0,-36919880.0,y\n"
    obj = make_objective("logistic_regression", data_csv=text, standardize=False)
    assert obj.min_value is None and len(obj.minima) == 0 and "singular Hessian" in obj.notes
    assert len(make_objective("logistic_regression", data_csv=text).minima) in (0, 1)  # standardised: no error


def test_mlp_takes_up_to_ten_classes_and_its_gradient_is_exact(tmp_path):
    rng = np.random.default_rng(0)
    rows = ["x,y,kind"] + [f"{rng.normal():.4f},{rng.normal():.4f},{c}" for c in list(range(3)) * 5]
    obj = make_objective("mlp", data=write(tmp_path / "k.csv", "\n".join(rows)), hidden=3)
    assert obj.classes == 3 and obj.dim == 6 * 3 + 3 and obj.min_value is None
    x = obj.start + 0.3 * rng.standard_normal(obj.dim)
    e = np.eye(obj.dim) * 1e-6
    fd = np.array([(obj.value(x + d) - obj.value(x - d)) / 2e-6 for d in e])
    np.testing.assert_allclose(obj.grad(x), fd, atol=1e-7)
    h = obj.hessian(x)
    fdh = np.array([(obj.grad(x + d) - obj.grad(x - d)) / 2e-6 for d in e])
    np.testing.assert_allclose(h, 0.5 * (fdh + fdh.T), atol=1e-6)
    assert set(obj.classify(x, obj.raw_inputs)) <= {0, 1, 2}


# --- the format ----------------------------------------------------------------------------------------------------

def test_separators_bom_crlf_and_named_columns_read_the_same(tmp_path):
    base = [["u", "a", "b", "label"], ["9", "1", "2", "x"], ["9", "3", "1.5", "y"], ["9", "-1", "0", "x"]]
    ref = None
    for sep in (",", ";", "\t"):
        for bom in ("", "\ufeff"):
            for end in ("\n", "\r\n"):
                text = bom + end.join(sep.join(r) for r in base) + end
                ds = parse_dataset(text.encode(), "f.csv", BINARY, "a,b,label")
                got = (ds.features.tolist(), ds.targets.tolist(), ds.class_names, ds.columns)
                ref = ref or got
                assert got == ref
    assert ref == ([[1, 2], [3, 1.5], [-1, 0]], [0, 1, 0], ("x", "y"), ("a", "b", "label"))


def test_numeric_labels_sort_as_numbers_and_csv_round_trips():
    ds = parse_dataset(b"a,b,c\n0,0,10\n1,1,9\n2,0,10\n0,2,2\n", "f", CLASSES)
    assert ds.class_names == ("2", "9", "10") and ds.targets.tolist() == [2, 1, 2, 0]
    back = parse_dataset(to_csv(ds.columns, ds.features, ds.targets, ds.class_names).encode(), "g", CLASSES)
    assert back.features.tobytes() == ds.features.tobytes() and back.targets.tolist() == ds.targets.tolist()


def test_generated_data_is_unchanged_and_data_refuses_generating_parameters(tmp_path):
    path, *_ = line_csv(tmp_path)
    assert make_objective("linear_regression").params == {"n": 50, "noise": 0.5, "batch_size": 5,
                                                           "sampling": "epoch", "seed": 0}
    for name, key, value in [("linear_regression", "n", 10), ("linear_regression", "noise", 0.1),
                             ("logistic_regression", "separation", 1.0), ("mlp", "dataset", "two_moons"),
                             ("mlp", "seed", 3)]:
        with pytest.raises(LabError, match=f"parameter {key} does not apply with data"):
            make_objective(name, data=path, **{key: value})
    with pytest.raises(LabError, match="standardize applies only with data=FILE"):
        make_objective("logistic_regression", standardize=False)
    shown = [p.name for p in shown_params(objective_spec("mlp"), {"data": path})]
    assert shown == ["hidden", "batch_size", "sampling", "standardize"]


# --- reproducibility ---------------------------------------------------------------------------------------------

def cli(capsys, *argv):
    rc = entry.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_embedded_data_reruns_bit_for_bit_without_the_csv(tmp_path, capsys):
    path, *_ = points_csv(tmp_path)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    race = ["--racer", "adam:lr=0.05", "--racer", "sgd:lr=0.5", "--steps", "60"]
    assert cli(capsys, "run", "--objective", "logistic_regression", "--param", f"data={path}", *race, "--out", a,
               "--embed-data")[0] == 0
    saved = json.loads(a.read_text())
    assert saved["params"]["data"] == os.path.abspath(path) and len(saved["params"]["data_sha256"]) == 64
    os.remove(path)
    rc, out, err = cli(capsys, "run", "--config", a, "--out", b)
    assert rc == 0 and err == ""
    first, second = saved["results"], json.loads(b.read_text())["results"]
    assert first == second


def test_a_changed_or_missing_file_is_refused(tmp_path, capsys):
    path, *_ = line_csv(tmp_path)
    exp = tmp_path / "e.json"
    assert cli(capsys, "run", "--objective", "linear_regression", "--param", f"data={path}", "--racer", "sgd",
               "--steps", "5", "--out", exp)[0] == 0
    assert len(json.loads(exp.read_text())["params"]["data_sha256"]) == 64
    with open(path, "a") as fh:
        fh.write("5000,1\n")
    rc, out, err = cli(capsys, "run", "--config", exp)
    assert rc == 2 and out == "" and err.count("\n") == 1 and "the file changed since the experiment was saved" in err
    os.remove(path)
    rc, out, err = cli(capsys, "run", "--config", exp)
    assert rc == 2 and err.count("\n") == 1 and "no such file" in err


def test_a_relative_path_is_read_from_the_experiment_files_folder(tmp_path, monkeypatch):
    line_csv(tmp_path)
    exp = {"objective": "linear_regression", "params": {"data": "line.csv"}, "start": [0, 0],
           "racers": [{"optimizer": "sgd"}]}
    write(tmp_path / "e.json", json.dumps(exp))
    monkeypatch.chdir("/")
    loaded = Experiment.load(tmp_path / "e.json")
    assert loaded.params["data"] == str(tmp_path / "line.csv") and len(loaded.params["data_sha256"]) == 64


def test_embedding_refuses_too_many_rows_and_generated_data(tmp_path, capsys):
    rows = "".join(f"{i},{i % 7}\n" for i in range(MAX_EMBED_ROWS + 1))
    big = write(tmp_path / "big.csv", "t,y\n" + rows)
    out = tmp_path / "o.json"
    rc, _, err = cli(capsys, "run", "--objective", "linear_regression", "--param", f"data={big}", "--racer", "sgd",
                     "--steps", "1", "--out", out, "--embed-data")
    assert rc == 2 and "MAX_EMBED_ROWS" in err and not out.exists()
    rc, _, err = cli(capsys, "run", "--objective", "linear_regression", "--racer", "sgd", "--out", out,
                     "--embed-data")
    assert rc == 2 and "generates its data" in err and not out.exists()
    rc, _, err = cli(capsys, "run", "--objective", "linear_regression", "--param", f"data={big}", "--racer", "sgd",
                     "--embed-data")
    assert rc == 2 and "--out FILE.json or FILE.npz" in err


# --- bad files: one line, exit 2, nothing written -----------------------------------------------------------------

BAD = [  # (file contents, objective, what the one line says)
    (None, "linear_regression", "no such file"),
    ("folder", "linear_regression", "is a folder"),
    (b"", "linear_regression", "empty"),
    (b"t,y\n", "linear_regression", "no data rows"),
    (b"t,y\n1,2\n", "linear_regression", "only 1 data row (row 2)"),
    (b"t,y\n1,2\n3\n4,5\n", "linear_regression", "row 3 has 1 columns; expected 2"),
    (b"t,y\n1,2\n3,abc\n", "linear_regression", "row 3, column 2 ('y'): expected a number, got 'abc'"),
    (b"t,y\n1,2\n3,nan\n", "linear_regression", "row 3, column 2 ('y'): expected a finite number"),
    (b"t,y\n1,2\ninf,1\n", "linear_regression", "row 3, column 1 ('t'): expected a finite number"),
    (b"a,b,c\n1,2,x\n3,4,x\n", "logistic_regression", "column 3 ('c'): one class only"),
    (b"a,b,c\n1,2,x\n3,4,y\n5,6,z\n", "logistic_regression", "3 distinct labels; expected exactly 2"),
    (b"a,b,c\n" + b"".join(b"%d,1,%d\n" % (i, i) for i in range(11)), "mlp", "11 distinct labels; expected at most 10"),
    (b"t,y\n" + b"1,2\n" * (MAX_DATA_ROWS + 1), "linear_regression", "more than 100000 data rows (MAX_DATA_ROWS)"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "linear_regression", "binary data"),
    (b"t,y\n\xff\xfe1,2\n", "linear_regression", "not UTF-8 text"),
    ("sparse", "linear_regression", "more than the 20000000 a data file may have (MAX_DATA_BYTES)"),
    ("fifo", "linear_regression", "is a FIFO (named pipe), not a regular file"),
    ("/dev/zero", "linear_regression", "is a device, not a regular file"),
    (b"t;y,z\n1;2,3\n", "linear_regression", "cannot tell the separator"),
    (b"t,y\n1,5\n1,7\n", "linear_regression", "column 't' does not vary"),
]


@pytest.mark.parametrize("content, objective, says", BAD, ids=[b[2][:30] for b in BAD])
def test_each_bad_file_is_one_line_and_exit_2(tmp_path, capsys, content, objective, says):
    path = tmp_path / "bad.csv"
    if content == "folder":
        path.mkdir()
    elif content == "sparse":
        with open(path, "wb") as fh:
            fh.truncate(1 << 30)  # 1 GB, sparse: refused by its size, never read
    elif content == "fifo":
        os.mkfifo(path)
    elif content == "/dev/zero":
        path = "/dev/zero"
    elif content is not None:
        path.write_bytes(content)
    out = tmp_path / "out.json"
    rc, stdout, err = cli(capsys, "run", "--objective", objective, "--param", f"data={path}", "--racer", "sgd",
                          "--steps", "3", "--out", out)
    assert rc == 2 and stdout == "" and not out.exists()
    assert err.startswith("error: ") and err.count("\n") == 1 and says in err, err
    assert str(path) in err


def test_a_bad_file_through_the_real_program():
    proc = subprocess.run([sys.executable, "main.py", "run", "--objective", "mlp", "--param", "data=/dev/zero",
                           "--racer", "adam"], capture_output=True, text=True, timeout=60,
                          cwd=os.path.dirname(entry.__file__))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == "error: /dev/zero: is a device, not a regular file; only regular files are read\n"


def test_read_dataset_names_the_file_for_a_regression(tmp_path):
    path, t, y = line_csv(tmp_path)
    ds = read_dataset(path, REGRESSION)
    assert ds.columns == ("year", "value") and ds.features[:, 0].tolist() == t.tolist() and ds.n == 30


def test_decision_boundary_outlines_every_class():
    """Three bands of classes: the boundary runs at the midpoints between the grid columns where the class changes
    (the 0.5 level of each class's indicator); two classes: the one line of before."""
    from lab.views.data_fit import decision_boundary

    xs = ys = np.linspace(0, 1, 30)
    gx, _ = np.meshgrid(xs, ys, indexing="ij")
    classes = np.where(gx < 0.33, 0, np.where(gx < 0.66, 1, 2))
    bx, by = decision_boundary(xs, ys, classes)
    inside = np.isfinite(bx) & (by > 0.1) & (by < 0.9)
    assert set(np.round(bx[inside], 9)) == {round((xs[9] + xs[10]) / 2, 9), round((xs[19] + xs[20]) / 2, 9)}
    bx, by = decision_boundary(xs, ys, (gx > 0.5).astype(int))
    inside = np.isfinite(bx) & (by > 0.1) & (by < 0.9)
    assert set(np.round(bx[inside], 9)) == {round((xs[14] + xs[15]) / 2, 9)}


def test_many_points_at_once_are_evaluated_in_chunks_with_the_same_bits(tmp_path):
    """A contour grid on a large data set: (points, N) temporaries stay bounded, and every value, gradient and
    Hessian has the bits of the point evaluated alone; the grid is coarser for large N."""
    from lab.objectives.data import CHUNK_FLOATS
    from lab.views.contour_grid import GRID, contour_grid

    rng = np.random.default_rng(3)
    n = 3000
    rows = "".join(f"{a!r},{b!r},{c}\n" for a, b, c in zip(rng.normal(size=n).tolist(), rng.normal(size=n).tolist(),
                                                          rng.integers(0, 2, n).tolist()))
    obj = make_objective("logistic_regression", data=write(tmp_path / "big.csv", "a,b,c\n" + rows))
    x = rng.normal(size=(3, 800, 2))
    assert x.size // 2 * n > 2 * CHUNK_FLOATS  # several chunks
    alone = np.array([[obj.loss_and_grad_on(p, None) for p in row] for row in x[:, ::97]], dtype=object)
    value, grad = obj.value_and_grad(x)
    for i in range(3):
        for j, k in enumerate(range(0, 800, 97)):
            assert value[i, k] == alone[i, j][0] and grad[i, k].tobytes() == alone[i, j][1].tobytes()
    assert obj.hessian(x)[2, 799].tobytes() == obj.hessian_on(x[2, 799], None).tobytes()
    assert contour_grid(obj).z.shape == (100, 100)  # √(3e7 / 3000) = 100 a side
    assert contour_grid(make_objective("logistic_regression")).z.shape == (GRID, GRID)  # the default data: as before
