"""File → Export animation…: the dialog, the export in the background (the user's race untouched), Cancel, and a
refusal, with qtbot; small animations (6 frames of the contour view at 320x240)."""
import numpy as np
import pytest

from lab.animation.options import AnimationOptions


def read(path):
    import imageio.v2 as iio

    if str(path).endswith(".gif"):
        return [f[..., :3] for f in iio.mimread(path)]
    return [f for f in iio.get_reader(str(path), format="FFMPEG")]  # list() would ask len(): inf


def test_the_menu_entry_and_dialog_export_a_gif_in_the_background(qtbot, small, tmp_path):
    window = small
    action = window.findChild(type(window.run_action), "exportAnimationAction")
    assert action is not None and "Export &animation" in action.text()
    action.trigger()
    dialog = window.animation_export.dialog
    assert dialog.isVisible() and dialog.view.count() == 3  # window, contour, surface
    dialog.format.setCurrentIndex(dialog.format.findData(".gif"))
    dialog.width_box.setValue(320)
    dialog.height_box.setValue(240)
    dialog.frames.setValue(6)
    dialog.fps.setValue(10)
    dialog.view.setCurrentText("contour")
    dialog.path.setText(str(tmp_path / "bowl"))
    ok = dialog.findChild(type(dialog.problem).__mro__[0], "animationProblem")
    assert ok is not None
    from PySide6.QtWidgets import QDialogButtonBox

    buttons = dialog.findChild(QDialogButtonBox)
    buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    job = window.animation_export.job
    assert job is not None and job.running
    with qtbot.waitSignal(job.finished, timeout=30_000) as done:
        pass
    assert done.args == [str(tmp_path / "bowl.gif")]
    frames = read(tmp_path / "bowl.gif")
    assert len(frames) == 6 and all(f.shape == (240, 320, 3) for f in frames)
    assert all(np.any(a != b) for a, b in zip(frames, frames[1:]))
    assert window.statusBar().currentMessage() == f"Animation written: {tmp_path / 'bowl.gif'}"
    assert window.animation_export.done_box.isVisible()
    assert window.model.step_count == 0  # the user's own race was not stepped


def test_a_bad_choice_is_said_in_the_dialog(qtbot, small, tmp_path):
    small.animation_export.open_dialog()
    dialog = small.animation_export.dialog
    dialog.path.setText(str(tmp_path / "missing" / "a.mp4"))
    dialog._on_export()
    assert dialog.isVisible() and "does not exist" in dialog.problem.text()
    assert small.animation_export.job is None


def test_cancel_writes_nothing_and_keeps_the_old_file(qtbot, small, tmp_path):
    out = tmp_path / "bowl.mp4"
    out.write_bytes(b"previous")
    job = small.animation_export.start(AnimationOptions(out=out, frames=400, size=(320, 240), view="contour"))
    qtbot.waitUntil(lambda: job.done >= 1, timeout=30_000)
    with qtbot.waitSignal(job.cancelled, timeout=10_000):
        from PySide6.QtWidgets import QPushButton

        small.animation_export.progress.findChild(QPushButton).click()
    assert not job.running and out.read_bytes() == b"previous" and sorted(tmp_path.iterdir()) == [out]
    assert "cancelled" in small.statusBar().currentMessage()


def test_a_refusal_from_the_drawing_process_is_said_in_the_status_bar(qtbot, small, tmp_path):
    out = tmp_path / "gone" / "bowl.gif"  # the folder vanished after the dialog checked it
    job = small.animation_export.start(AnimationOptions(out=out, frames=4, size=(320, 240), view="contour"))
    with qtbot.waitSignal(job.failed, timeout=30_000) as failed:
        pass
    assert failed.args[0] == f"--out {out}: folder {out.parent} does not exist"
    assert small.statusBar().currentMessage() == f"The animation was not written: {failed.args[0]}"
    assert small.animation_export.progress is None
