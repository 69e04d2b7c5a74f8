"""The one exception a user ever sees: a message that names what is wrong and what is allowed."""


class LabError(ValueError):
    """Bad input from a user (a name, a number, a file). Its message is shown as it is, one line."""
