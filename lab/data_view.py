"""Old name of lab.views.data_fit (a data set and a racer's fit of it), kept for scripts that import it."""
from lab.views.data_fit import *  # noqa: F401,F403
