"""Optimizer plug-ins (entry-point group optimizer_lab.optimizers): the example package's module, the loader's
one-line reports for broken, malformed and clashing plug-ins, and a real run through installed metadata."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lab.optimizers as registry
from lab.engine.multistart import multistart
from lab.objectives import make_objective
from lab.optimizers import MODULES, OPTIMIZERS, OptimizerSpec
from lab.optimizers.float_steps import FloatSteps
from lab.race import Race, RacerSpec

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "signsgd_plugin"


@pytest.fixture
def plugin(monkeypatch):
    """The example plug-in's module, imported from the examples folder (as its installed entry point would)."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    sys.modules.pop("signsgd_plugin", None)
    import signsgd_plugin

    yield signsgd_plugin
    sys.modules.pop("signsgd_plugin", None)


# --- the example package -------------------------------------------------------------------------------------------

def test_the_example_declares_its_entry_point():
    import tomllib

    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["entry-points"]["optimizer_lab.optimizers"] == {"signsgd": "signsgd_plugin"}
    assert "optimizer-lab" not in " ".join(project["project"].get("dependencies", []))


def test_signsgd_steps_lr_against_the_sign(plugin):
    spec = plugin.SPEC
    assert isinstance(spec, OptimizerSpec) and spec.name == "signsgd"
    assert {p.name: p.default for p in spec.own_params} == {"lr": 0.01}
    assert spec.first_order  # a rule: it takes the shared schedule and clipping too
    rosen = make_objective("rosenbrock")
    opt = spec.make(lr=0.05)
    x = np.array([-1.5, 2.0])
    state = opt.init(x)
    ref = [-1.5, 2.0]
    for _ in range(100):  # the plain loop: x ← x − lr·sign(g), coordinate by coordinate
        g = rosen.grad(np.array(ref)).tolist()
        ref = [xi - 0.05 * ((gi > 0) - (gi < 0)) for xi, gi in zip(ref, g)]
        step, state = opt.update(rosen.grad(x), state, x, rosen)
        x = x + step
        np.testing.assert_array_equal(x, ref)
    step, _ = opt.update(np.array([0.0, -3.0]), state, x)
    np.testing.assert_array_equal(step, [0.0, 0.05])  # sign(0) = 0
    assert FloatSteps.available(opt)


def test_signsgd_refuses_a_bad_lr_in_one_line(plugin):
    with pytest.raises(Exception) as info:
        plugin.SPEC.make(lr=-1)
    assert str(info.value) == "optimizer 'signsgd' parameter lr=-1 is not allowed: expected a finite number, 0 < lr"


def test_signsgd_in_a_batch_steps_as_alone(plugin, monkeypatch):
    monkeypatch.setitem(OPTIMIZERS, "signsgd", plugin.SPEC)
    himmelblau = make_objective("himmelblau")
    starts = np.array([[0.5, 0.5], [-4.0, 4.0], [4.0, -4.0]])
    batch = multistart(himmelblau, "signsgd", starts, steps=80, hyperparameters={"lr": [0.01, 0.02, 0.05]})
    for i, start in enumerate(starts):
        race = Race(himmelblau, start, [RacerSpec("signsgd", {"lr": [0.01, 0.02, 0.05][i]})], max_steps=80).run()
        np.testing.assert_array_equal(batch.x[i], race.tracks[0].x)


# --- the loader ----------------------------------------------------------------------------------------------------

class FakeEntryPoint:
    def __init__(self, name, value, load):
        self.name, self.value, self._load = name, value, load
        self.loaded = False

    def load(self):
        self.loaded = True
        return self._load()


def _load(monkeypatch, eps):
    monkeypatch.setattr(registry, "entry_points", lambda group: eps if group == registry.ENTRY_POINT_GROUP else [])
    lines = []
    specs = registry.load_plugins(MODULES, lines.append)
    return specs, lines


def _raise(exc):
    def load():
        raise exc
    return load


def test_a_good_plugin_is_loaded_from_its_module_or_its_spec(monkeypatch, plugin):
    specs, lines = _load(monkeypatch, [FakeEntryPoint("signsgd", "signsgd_plugin", lambda: plugin)])
    assert specs == [plugin.SPEC] and lines == []
    specs, lines = _load(monkeypatch, [FakeEntryPoint("signsgd", "signsgd_plugin:SPEC", lambda: plugin.SPEC)])
    assert specs == [plugin.SPEC] and lines == []


def _bad_factory(**hp):
    raise RuntimeError("cannot build\nsecond line")


BAD_PLUGINS = [
    ("fails to import", FakeEntryPoint("broken", "broken_mod", _raise(ModuleNotFoundError("No module named 'x'"))),
     "optimizer plug-in 'broken' (broken_mod) skipped: it failed to import: ModuleNotFoundError: No module named 'x'"),
    ("exits on import", FakeEntryPoint("quitter", "quitter", _raise(SystemExit(3))),
     "optimizer plug-in 'quitter' (quitter) skipped: it failed to import: SystemExit: 3"),
    ("not a spec", FakeEntryPoint("thing", "mod:THING", lambda: {"name": "thing"}),
     "optimizer plug-in 'thing' (mod:THING) skipped: malformed: it is dict, neither an OptimizerSpec nor a module "
     "with SPEC"),
    ("another name", FakeEntryPoint("other", "mod", lambda: OptimizerSpec("renamed", (), dict)),
     "optimizer plug-in 'other' (mod) skipped: malformed: its spec is named 'renamed', not 'other' as its entry point"),
    # (a spec tries its factory when it is made: a failing one fails the plug-in's import)
    ("a factory that fails", FakeEntryPoint("fragile", "mod", lambda: OptimizerSpec("fragile", (), _bad_factory)),
     "optimizer plug-in 'fragile' (mod) skipped: it failed to import: RuntimeError: cannot build"),
    ("a factory that builds no optimizer", FakeEntryPoint("hollow", "mod", lambda: OptimizerSpec("hollow", (), dict)),
     "optimizer plug-in 'hollow' (mod) skipped: malformed: its factory returned dict, not an Optimizer"),
    ("a bad name", FakeEntryPoint("Bad Name", "mod", lambda: OptimizerSpec("Bad Name", (), dict)),
     "optimizer plug-in 'Bad Name' (mod) skipped: malformed: its name must be a lower-case identifier (letters, "
     "digits, _)"),
]


def test_a_plugin_that_hangs_at_import_is_skipped_after_the_time_limit(monkeypatch, plugin):
    import threading

    from lab import limits

    monkeypatch.setattr(limits, "PLUGIN_IMPORT_SECONDS", 0.2)
    release = threading.Event()
    hung = FakeEntryPoint("sleeper", "sleeper_mod", lambda: release.wait())  # blocks until the test ends
    good = FakeEntryPoint("signsgd", "signsgd_plugin", lambda: plugin)
    try:
        specs, lines = _load(monkeypatch, [hung, good])
    finally:
        release.set()
    assert specs == [plugin.SPEC]
    assert lines == ["optimizer-lab: optimizer plug-in 'sleeper' (sleeper_mod) skipped: it did not finish importing "
                     "within PLUGIN_IMPORT_SECONDS (0.2 s)"]


@pytest.mark.parametrize("ep, expected", [(ep, line) for _, ep, line in BAD_PLUGINS], ids=[c[0] for c in BAD_PLUGINS])
def test_a_bad_plugin_is_reported_in_one_line_and_skipped(monkeypatch, plugin, ep, expected):
    good = FakeEntryPoint("signsgd", "signsgd_plugin", lambda: plugin)
    specs, lines = _load(monkeypatch, [ep, good])
    assert specs == [plugin.SPEC]  # the others still load
    assert lines == ["optimizer-lab: " + expected]


def test_a_clash_with_a_builtin_or_an_earlier_plugin_is_reported_and_the_first_kept(monkeypatch, plugin):
    clash = FakeEntryPoint("adam", "evil:SPEC", lambda: plugin.SPEC)
    first = FakeEntryPoint("signsgd", "signsgd_plugin", lambda: plugin)
    second = FakeEntryPoint("signsgd", "other_signsgd", lambda: plugin)
    specs, lines = _load(monkeypatch, [clash, first, second])
    assert specs == [plugin.SPEC]
    assert not clash.loaded and not second.loaded  # a clashing name is not even imported
    assert lines == ["optimizer-lab: optimizer plug-in 'adam' (evil:SPEC) skipped: the name 'adam' is taken by a "
                     "built-in optimizer",
                     "optimizer-lab: optimizer plug-in 'signsgd' (other_signsgd) skipped: the name 'signsgd' is taken "
                     "by another plug-in"]


def test_broken_metadata_is_one_line_too(monkeypatch):
    def entry_points(group):
        raise OSError("unreadable metadata")

    monkeypatch.setattr(registry, "entry_points", entry_points)
    lines = []
    assert registry.load_plugins(MODULES, lines.append) == []
    assert lines == ["optimizer-lab: optimizer plug-ins not loaded: OSError: unreadable metadata"]


def test_reports_go_to_stderr_by_default(monkeypatch, capsys):
    monkeypatch.setattr(registry, "entry_points",
                        lambda group: [FakeEntryPoint("broken", "broken_mod", _raise(ImportError("boom")))])
    assert registry.load_plugins(MODULES) == []
    out, err = capsys.readouterr()
    assert out == "" and err == ("optimizer-lab: optimizer plug-in 'broken' (broken_mod) skipped: it failed to "
                                 "import: ImportError: boom\n")


# --- through installed metadata, as pip leaves it ------------------------------------------------------------------

def _dist(site: Path, name: str, entry_points: str) -> None:
    info = site / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[optimizer_lab.optimizers]\n{entry_points}\n", encoding="utf-8")


def test_an_installed_plugin_runs_in_run_basin_and_sweep_and_a_broken_one_is_one_line(tmp_path):
    """The example's metadata (what pip install writes) plus a broken and a clashing plug-in, on the real CLI."""
    site = tmp_path / "site"
    site.mkdir()
    _dist(site, "optimizer_lab_signsgd", "signsgd = signsgd_plugin")
    _dist(site, "broken_plugin", "broken = no_such_module_here")
    _dist(site, "clashing_plugin", "adam = signsgd_plugin:SPEC")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(EXAMPLE), str(ROOT)])}

    def cli(*args):
        done = subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                              env=env, cwd=tmp_path, timeout=120)
        assert done.returncode == 0, done.stderr
        assert sorted(done.stderr.splitlines()) == [
            "optimizer-lab: optimizer plug-in 'adam' (signsgd_plugin:SPEC) skipped: the name 'adam' is taken by a "
            "built-in optimizer",
            "optimizer-lab: optimizer plug-in 'broken' (no_such_module_here) skipped: it failed to import: "
            "ModuleNotFoundError: No module named 'no_such_module_here'"]
        return done.stdout

    listed = json.loads(cli("optimizers", "--json"))
    assert [it["name"] for it in listed] == [*MODULES, "signsgd"]
    assert listed[-1]["rule"] == "g = ∇f(x)\nx ← x − lr·sign(g)"
    out = cli("run", "--objective", "rosenbrock", "--racer", "signsgd:lr=0.01", "--steps", "50")
    assert "signsgd" in out and "signsgd: lr=0.01" in out
    out = cli("basin", "--objective", "himmelblau", "--optimizer", "signsgd:lr=0.05", "--steps", "200",
              "--grid", "8,8")
    assert out.startswith("himmelblau: signsgd (lr=0.05) from 8 × 8 starts")
    out = cli("sweep", "--objective", "quadratic", "--optimizer", "signsgd", "--lr-min", "1e-3", "--lr-max", "1",
              "--num", "5", "--steps", "50")
    assert "\nsignsgd " in out
