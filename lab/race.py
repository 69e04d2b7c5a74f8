"""The race engine lives in lab.engine.race; this name stays for scripts."""
from lab.engine.race import *  # noqa: F401,F403
