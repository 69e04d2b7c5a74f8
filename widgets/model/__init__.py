"""The window's model: the experiment being edited, the race session and its worker, file actions."""
from widgets.model.lab_model import MAX_STEPS_LIMIT, SPEED_MAX, LabModel, RacerTrace, default_experiment

__all__ = ["LabModel", "MAX_STEPS_LIMIT", "RacerTrace", "SPEED_MAX", "default_experiment"]
