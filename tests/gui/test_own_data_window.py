"""Your own data in the window (issue 20): File → Open data…, points by clicking in the data plot (add, remove the
nearest, Ctrl+Z), File → Save data… read back, the save dialog's check box storing the data, bad files."""
import json
import os

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAction

from lab.experiment import Experiment
from lab.objectives import make_objective

LEFT, RIGHT = Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton
NONE, SHIFT = Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier


def people(tmp_path, n=30):
    rng = np.random.default_rng(5)
    label = np.arange(n) % 2
    a = np.round(170 + 8 * rng.standard_normal(n) + 6 * label, 1)
    b = np.round(70 + 7 * rng.standard_normal(n) - 5 * label, 1)
    path = tmp_path / "people.csv"
    path.write_text("height,weight,answer\n" + "".join(f"{x},{y},{['no', 'yes'][c]}\n" for x, y, c in
                                                       zip(a, b, label)))
    return path


@pytest.fixture
def with_data(window, qtbot, tmp_path, monkeypatch):
    """The window on logistic_regression with a CSV opened through File → Open data…"""
    window.model.set_objective("logistic_regression")
    path = people(tmp_path)
    monkeypatch.setattr(window, "_ask_path", lambda *a, **k: str(path))
    with qtbot.waitSignal(window.own_data.editor.applied, timeout=10_000):
        window.findChild(QAction, "openDataAction").trigger()
    return window, path


def edit(window, qtbot, fn):
    with qtbot.waitSignal(window.own_data.editor.applied, timeout=10_000) as blocker:
        fn()
    return blocker.args[0]


def test_click_add_shift_click_right_click_undo_save_and_reload(with_data, qtbot, tmp_path, monkeypatch):
    window, path = with_data
    # File → Open data… read the file and recorded its hash
    obj, params = window.model.objective, window.model.experiment.params
    assert obj.n == 30 and obj.class_names == ("no", "yes") and obj.standardized
    assert params["data"] == str(path) and len(params["data_sha256"]) == 64
    ref = make_objective("logistic_regression", data=str(path))
    np.testing.assert_array_equal(obj.minima, ref.minima)
    assert window.contour.getPlotItem().getAxis("bottom").labelText == "w₁ on z(height)"
    assert window.own_data.selector.count() == 2 and window.own_data.row.isVisible()
    controls, model = window.own_data, window.model
    before = model.objective.minima.copy()
    model.step()
    qtbot.waitUntil(lambda: model.step_count == 1)
    # a click: class from the selector ('no'); Shift+click: the second class ('yes')
    edit(window, qtbot, lambda: controls.click((200.0, 40.0), LEFT, NONE))
    assert model.objective.n == 31 and model.objective.targets[-1] == 0
    assert model.step_count == 0  # the race reset
    assert model.experiment.params.get("data_csv") and "data" not in model.experiment.params
    assert not np.array_equal(model.objective.minima, before)  # the minimum of the new data
    edit(window, qtbot, lambda: controls.click((140.0, 95.0), LEFT, SHIFT))
    assert model.objective.n == 32 and model.objective.targets[-1] == 1
    np.testing.assert_array_equal(model.objective.raw_inputs[-1], [140.0, 95.0])
    # right-click near the point just added removes it
    edit(window, qtbot, lambda: controls.click((141.0, 94.0), RIGHT, NONE))
    assert model.objective.n == 31 and not np.any(np.all(model.objective.raw_inputs == [140.0, 95.0], axis=1))
    # Ctrl+Z brings it back
    edit(window, qtbot, lambda: window.findChild(QAction, "undoDataAction").trigger())
    assert model.objective.n == 32 and np.all(model.objective.raw_inputs[-1] == [140.0, 95.0])
    # File → Save data… writes a CSV that data=FILE reads back, bit for bit
    out = tmp_path / "clicked.csv"
    monkeypatch.setattr(window, "_ask_path", lambda *a, **k: str(out))
    edit(window, qtbot, lambda: window.findChild(QAction, "saveDataAction").trigger())
    back = make_objective("logistic_regression", data=str(out))
    assert back.raw_inputs.tobytes() == model.objective.raw_inputs.tobytes()
    assert back.targets.tolist() == model.objective.targets.tolist() and back.class_names == ("no", "yes")
    np.testing.assert_array_equal(back.minima, model.objective.minima)
    assert model.experiment.params["data"] == str(out) and "data_csv" not in model.experiment.params
    # and reopened through File → Open data…
    edit(window, qtbot, lambda: window.findChild(QAction, "openDataAction").trigger())
    assert model.objective.raw_inputs.tobytes() == back.raw_inputs.tobytes()


    # a real mouse click in the plot, at the middle of its view
    plot = window.data_panel.plot
    vb = plot.plot.getViewBox()
    (x0, x1), (y0, y1) = vb.viewRange()
    target = ((x0 + x1) / 2, (y0 + y1) / 2)
    where = plot.mapFromScene(vb.mapViewToScene(QPointF(*target)))
    with qtbot.waitSignal(window.own_data.editor.applied, timeout=10_000):
        qtbot.mouseClick(plot.viewport(), LEFT, NONE, where)
    assert window.model.objective.n == 33
    np.testing.assert_allclose(window.model.objective.raw_inputs[-1], target, rtol=0.02)


def test_removing_a_class_is_refused_in_a_message_box(window, qtbot, tmp_path, monkeypatch):
    window.model.set_objective("logistic_regression")
    path = tmp_path / "three.csv"
    path.write_text("a,b,c\n0,0,x\n1,1,x\n2,0,y\n")
    monkeypatch.setattr(window, "_ask_path", lambda *a, **k: str(path))
    edit(window, qtbot, lambda: window.findChild(QAction, "openDataAction").trigger())
    assert window.model.objective.n == 3
    edit(window, qtbot, lambda: window.own_data.click((2.0, 0.0), RIGHT, NONE))
    assert "one class only" in window.last_error and "\n" not in window.last_error
    assert window.model.objective.n == 3


def test_a_bad_file_is_one_line_in_a_message_box(window, qtbot, tmp_path, monkeypatch):
    window.model.set_objective("linear_regression")
    before = window.model.objective
    for content, says in [(b"", "empty"), (b"t,y\n1,2\n", "only 1 data row"), (b"\x00\x01junk", "binary data"),
                          ("fifo", "FIFO")]:
        path = tmp_path / f"bad{len(content)}.csv"
        os.mkfifo(path) if content == "fifo" else path.write_bytes(content)
        monkeypatch.setattr(window, "_ask_path", lambda *a, **k: str(path))
        edit(window, qtbot, lambda: window.findChild(QAction, "openDataAction").trigger())
        assert says in window.last_error and str(path) in window.last_error and "\n" not in window.last_error
        assert window.model.objective is before


def test_the_save_dialogs_check_box_stores_the_data(with_data, qtbot, tmp_path, monkeypatch):
    window, path = with_data
    out = tmp_path / "lesson.json"

    def ask(*a, check="", **k):
        assert "Store the data in the experiment file" in check
        window.save_check = True
        return str(out)

    monkeypatch.setattr(window, "_ask_path", ask)
    window.findChild(QAction, "saveAsAction").trigger()
    saved = json.loads(out.read_text())
    assert saved["params"]["data_csv"] == path.read_text() and saved["params"]["data"] == str(path)
    os.remove(path)
    exp = Experiment.load(out)  # no CSV: the experiment holds the data
    np.testing.assert_array_equal(exp.make_objective().minima, window.model.objective.minima)


def test_a_network_on_four_classes_shows_them_named_and_resets_its_start(window, qtbot, tmp_path, monkeypatch):
    window.model.set_objective("mlp")
    rng = np.random.default_rng(1)
    names = ["apple", "banana", "cherry", "date"]
    rows = [f"{2 * np.cos(k * np.pi / 2) + rng.normal():.3f},{2 * np.sin(k * np.pi / 2) + rng.normal():.3f},{nm}"
            for k, nm in enumerate(names) for _ in range(6)]
    path = tmp_path / "fruit.csv"
    path.write_text("x,y,fruit\n" + "\n".join(rows) + "\n")
    monkeypatch.setattr(window, "_ask_path", lambda *a, **k: str(path))
    edit(window, qtbot, lambda: window.findChild(QAction, "openDataAction").trigger())
    obj = window.model.objective
    assert obj.classes == 4 and obj.dim == 7 * 16 + 4 and len(window.model.start) == obj.dim
    assert window.objective_panel.combo.currentText() == "mlp (116-D)"
    plot = window.data_panel.plot
    assert [len(p.data) for p in plot.points[:4]] == [6, 6, 6, 6]
    assert [item[1].text for item in plot.legend.items] == names
    assert [window.own_data.selector.itemText(i) for i in range(4)] == names
    window.refresh_now()
    assert set(np.unique(plot.shown["regions"][2])) <= {0, 1, 2, 3}
