"""Editing the experiment: the objective and its parameters, the start, the racers and the run settings.

``ExperimentEditing`` is the part of ``LabModel`` that changes ``model.experiment``. Every change is checked
first (a refused value: ``errorOccurred`` with the reason, nothing changes); a change to the set-up stops the
race, rebuilds it, and resumes it if it was running (``_halt`` / ``_rebuild``, from the race session).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from lab.errors import LabError
from lab.objectives import make_objective, objective_spec
from lab.optimizers import OPTIMIZERS, optimizer_spec
from lab.optimizers import label as optimizer_label
from lab.presets import Scales, lecture_set, suggest
from lab.race import RacerSpec
from lab.stochastic import check_noise
from widgets.style import PALETTE, color_for

MAX_STEPS_LIMIT = 1_000_000


class ExperimentEditing:
    """The model's verbs that edit its experiment (a part of ``LabModel``: it uses the model's signals)."""

    # ----- the objective and the start --------------------------------------------------------------------------
    def set_objective(self, name: str) -> bool:
        if name == self.experiment.objective:
            return True
        try:
            obj = make_objective(name)
        except LabError as exc:
            self.errorOccurred.emit(str(exc))
            return False
        was = self._halt()
        self.experiment.objective, self.experiment.params = name, {}
        self.experiment.start = obj.start.tolist()
        self.objective = obj
        tuned = self._resuggest_lr()
        self.objectiveChanged.emit()
        self.startChanged.emit()
        if tuned:
            self.racersChanged.emit()
        self._rebuild(resume=was)
        self.messageShown.emit(f"Objective: {name} — {objective_spec(name).summary}" + self._tuned_note(tuned))
        return True

    def set_objective_param(self, name: str, value) -> bool:
        """Set one of the objective's parameters (LabError text in ``errorOccurred`` if it is refused)."""
        spec = objective_spec(self.experiment.objective)
        try:
            value = {p.name: p for p in spec.params}[name].check(value, f"objective {spec.name!r}")
            params = dict(self.experiment.params, **{name: value})
            obj = make_objective(spec.name, **params)
        except (LabError, KeyError) as exc:
            self.errorOccurred.emit(str(exc))
            return False
        tuned = self.set_objective_params(params, obj)
        self.messageShown.emit((f"{spec.name}: {name} = {value:g}" if isinstance(value, float) else f"{name} = {value}")
                               + self._tuned_note(tuned))
        return True

    def set_objective_params(self, params: dict, obj) -> list[str]:
        """The objective's parameters and the objective built from them (elsewhere: a data set is built in the
        view-jobs thread); racers whose lr was not typed get the suggested one (their names are returned); the race
        is rebuilt, and resumes if it was running."""
        was = self._halt()
        self.experiment.params = params
        self.objective = obj
        moved = len(self.experiment.start) != obj.dim  # a network on data with another number of classes
        if moved:
            self.experiment.start = obj.start.tolist()
        tuned = self._resuggest_lr()
        self.objectiveChanged.emit()
        if moved:
            self.startChanged.emit()
        if tuned:
            self.racersChanged.emit()
        self._rebuild(resume=was)
        return tuned

    # ----- learning rates typed by hand (kept) and the others (re-suggested for a new objective) -----------------
    def lr_set_by_hand(self, row: int) -> bool:
        """Whether racer ``row``'s lr was typed (kept when the objective changes) rather than suggested."""
        hand = getattr(self, "_lr_hand", [])
        return 0 <= row < len(hand) and hand[row]

    def derive_lr_hand(self) -> None:
        """After racers came from elsewhere (a file, remembered settings): an lr other than the one ``suggest``
        gives for this objective and start counts as set by hand."""
        scales = Scales(self.objective, self.start)  # one Hessian for every racer
        self._lr_hand = [r.hyperparameters.get("lr")
                         != suggest(r.optimizer, self.objective, self.start, scales).get("lr") for r in self.racers]

    def _resuggest_lr(self) -> list[str]:
        """Give every racer whose lr was not set by hand the suggested lr for the (new) objective, as Lecture set
        does; the names of those whose lr changed."""
        racers, tuned = list(self.racers), []
        scales = Scales(self.objective, self.start)  # one Hessian for every racer
        for i, r in enumerate(racers):
            lr = suggest(r.optimizer, self.objective, self.start, scales).get("lr")
            if self.lr_set_by_hand(i) or lr is None or lr == r.hyperparameters.get("lr"):
                continue
            racers[i] = replace(r, hyperparameters=dict(r.hyperparameters, lr=lr))
            tuned.append(f"{r.name} {lr:g}")
        self.experiment.racers = racers
        return tuned

    @staticmethod
    def _tuned_note(tuned: list[str]) -> str:
        return f"; suggested lr: {', '.join(tuned)} (an lr typed by hand is kept)" if tuned else ""

    def set_start(self, point) -> bool:
        try:
            x = self.objective.check_point(point, "start")
        except LabError as exc:
            self.errorOccurred.emit(str(exc))
            return False
        was = self._halt()
        self.experiment.start = [float(v) for v in x]
        self.startChanged.emit()
        self._rebuild(resume=was)
        self.messageShown.emit("Start moved to (" + ", ".join(f"{v:.3g}" for v in x) + "); race reset")
        return True

    # ----- racers ------------------------------------------------------------------------------------------------
    def _used_colors(self, skip: int = -1) -> set[str]:
        return {r.color for i, r in enumerate(self.racers) if r.color and i != skip}

    def _unique_label(self, base: str, skip: int = -1) -> str:
        names = {r.name for i, r in enumerate(self.racers) if i != skip}
        if base not in names:
            return base
        k = 2
        while f"{base} {k}" in names:
            k += 1
        return f"{base} {k}"

    def _ensure_colors(self) -> None:
        racers = self.experiment.racers
        for i, r in enumerate(racers):
            if not r.color:
                used = {x.color for x in racers if x.color}
                racers[i] = RacerSpec(r.optimizer, dict(r.hyperparameters), r.label, color_for(i, used), r.enabled)

    def _set_racers(self, racers: list[RacerSpec], select: int | None = None, hand: list[bool] | None = None) -> None:
        """The racers (``hand``: whose lr was typed, one flag a racer; None: as they were)."""
        was = self._halt()
        old = [self.lr_set_by_hand(i) for i in range(len(self.racers))]
        self._lr_hand = list(hand) if hand is not None else (old if len(old) == len(racers) else
                                                             [False] * len(racers))
        self.experiment.racers = racers
        self._ensure_colors()
        if select is not None:
            self.selected_row = select
        if self.selected_row >= len(racers):
            self.selected_row = len(racers) - 1
        self.racersChanged.emit()
        self._rebuild(resume=was)
        self.selectionChanged.emit(self.selected_row)

    def add_racer(self, optimizer: str | None = None) -> int:
        """Add a racer (the first lecture optimizer not yet racing, tuned for this objective); returns its row."""
        present = {r.optimizer for r in self.racers}
        if optimizer is None:
            lecture = [s.name for s in OPTIMIZERS.values() if s.lecture]
            optimizer = next((o for o in lecture if o not in present), next(iter(OPTIMIZERS)))
        hyper = suggest(optimizer, self.objective, self.start)
        label = self._unique_label(optimizer_label(optimizer))
        spec = RacerSpec(optimizer, hyper, label, color_for(len(self.racers), self._used_colors()))
        hand = [self.lr_set_by_hand(i) for i in range(len(self.racers))] + [False]
        self._set_racers(self.racers + [spec], select=len(self.racers), hand=hand)
        self.messageShown.emit(f"Added {label}")
        return len(self.racers) - 1

    def remove_racer(self, row: int) -> None:
        if not 0 <= row < len(self.racers):
            return
        gone = self.racers[row].name
        racers = self.racers[:row] + self.racers[row + 1:]
        hand = [self.lr_set_by_hand(i) for i in range(len(self.racers)) if i != row]
        self._set_racers(racers, select=min(row, len(racers) - 1), hand=hand)
        self.messageShown.emit(f"Removed {gone}")

    def duplicate_racer(self, row: int) -> int:
        if not 0 <= row < len(self.racers):
            return -1
        r = self.racers[row]
        spec = RacerSpec(r.optimizer, dict(r.hyperparameters), self._unique_label(r.name),
                         color_for(row + 1, self._used_colors()), r.enabled)
        racers = self.racers[: row + 1] + [spec] + self.racers[row + 1:]
        hand = [self.lr_set_by_hand(i) for i in range(len(self.racers))]
        self._set_racers(racers, select=row + 1, hand=hand[: row + 1] + [hand[row]] + hand[row + 1:])
        self.messageShown.emit(f"Duplicated {r.name} as {spec.label}")
        return row + 1

    def use_lecture_set(self) -> None:
        """Replace the racers by the lecture's seven, tuned for the current objective and start."""
        racers = [RacerSpec(r.optimizer, r.hyperparameters, r.label, PALETTE[i % len(PALETTE)])
                  for i, r in enumerate(lecture_set(self.objective, self.start))]
        self._set_racers(racers, select=0, hand=[False] * len(racers))
        self.messageShown.emit(f"Lecture set, tuned for {self.experiment.objective}: " +
                               ", ".join(f"{r.label} lr={r.hyperparameters['lr']:g}" for r in racers))

    def update_racer(self, row: int, **changes) -> bool:
        """Change a racer's optimizer, label, colour or on/off switch. A new optimizer gets tuned hyperparameters."""
        if not 0 <= row < len(self.racers):
            return False
        r = self.racers[row]
        fields = {"optimizer": r.optimizer, "hyperparameters": dict(r.hyperparameters), "label": r.label,
                  "color": r.color, "enabled": r.enabled}
        optimizer = changes.get("optimizer", r.optimizer)
        if optimizer != r.optimizer:
            if optimizer not in OPTIMIZERS:
                self.errorOccurred.emit(f"unknown optimizer {optimizer!r}")
                return False
            fields["hyperparameters"] = suggest(optimizer, self.objective, self.start)
            old = optimizer_label(r.optimizer)
            if r.label == "" or r.label == old or r.label.startswith(old + " "):  # an automatic label follows
                changes.setdefault("label", self._unique_label(optimizer_label(optimizer), skip=row))
        if "label" in changes:
            changes["label"] = str(changes["label"]).strip() or self._unique_label(
                optimizer_label(optimizer), skip=row)
        fields.update(changes)
        new = RacerSpec(**fields)
        if new == r:
            return True
        racers = list(self.racers)
        racers[row] = new
        hand = [self.lr_set_by_hand(i) for i in range(len(self.racers))]
        if optimizer != r.optimizer:
            hand[row] = False  # the new optimizer's lr is the suggested one
        self._set_racers(racers, hand=hand)
        return True

    def set_hyperparameter(self, row: int, name: str, value) -> bool:
        """Set one hyperparameter, checked against its range (refused with the range in ``errorOccurred``)."""
        if not 0 <= row < len(self.racers):
            return False
        r = self.racers[row]
        try:
            value = optimizer_spec(r.optimizer).param(name).check(value, f"optimizer {r.optimizer!r}")
        except KeyError:
            self.errorOccurred.emit(f"optimizer {r.optimizer!r} has no parameter {name!r}")
            return False
        except LabError as exc:
            self.refusal = str(exc)
            self.errorOccurred.emit(self.refusal)
            return False
        hyper = dict(r.hyperparameters, **{name: value})
        if hyper != r.hyperparameters:
            try:  # with the others: what one range cannot say (lr_min < lr)
                optimizer_spec(r.optimizer).make(**hyper)
            except LabError as exc:
                self.refusal = str(exc)
                self.errorOccurred.emit(self.refusal)
                return False
            if not self.update_racer(row, hyperparameters=hyper):
                return False
            shown = f"{value:g}" if isinstance(value, float) else str(value)
            self.messageShown.emit(f"{r.name}: {name} = {shown}")  # in place of an earlier refusal's message
        if name == "lr":
            self._lr_hand[row] = True
        return True

    def select(self, row: int) -> None:
        if row != self.selected_row and -1 <= row < len(self.racers):
            self.selected_row = row
            self.selectionChanged.emit(row)

    def set_max_steps(self, steps: int) -> bool:
        steps = int(steps)
        if not 1 <= steps <= MAX_STEPS_LIMIT:
            self.errorOccurred.emit(f"max steps must be between 1 and {MAX_STEPS_LIMIT}, got {steps}")
            return False
        if steps == self.experiment.steps:
            return True
        was = self._halt()
        self.experiment.steps = steps
        self.maxStepsChanged.emit(steps)
        self._rebuild(resume=was)
        return True

    def set_noise(self, noise) -> bool:
        """The experiment's gradient-noise scale (a finite number >= 0; refused in ``errorOccurred``); the race is
        rebuilt, and resumes if it was running."""
        try:
            noise = check_noise(noise)
        except LabError as exc:
            self.errorOccurred.emit(str(exc))
            return False
        return self._set_setting("noise", noise, f"Gradient noise {noise:g}")

    def set_seed(self, seed) -> bool:
        """The experiment's seed (a whole number from 0 to 2**63 - 1): minibatches and noise repeat with it."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
            self.errorOccurred.emit(f"seed must be a whole number from 0 to 2**63 - 1, got {seed!r}")
            return False
        return self._set_setting("seed", int(seed), f"Seed {int(seed)}")

    def _set_setting(self, key: str, value, message: str) -> bool:
        if getattr(self.experiment, key) == value:
            return True
        was = self._halt()
        setattr(self.experiment, key, value)
        self._rebuild(resume=was)
        self.messageShown.emit(message + "; race reset")
        return True


__all__ = ["ExperimentEditing", "MAX_STEPS_LIMIT"]
