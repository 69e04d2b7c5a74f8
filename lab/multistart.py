"""The batched multi-start engine lives in lab.engine.multistart; this name stays for scripts."""
from lab.engine.multistart import *  # noqa: F401,F403
