"""Keras's `utils/io_utils.py`: where messages go (stdout, or the `logging` module when
interactive logging is off) and how verbose that logging is.

`print_msg` lives beside the progress bar that uses it most (`utils/progbar.py`) and the
interactive-logging switch in `engine/config.py`; they are gathered here under Keras's names.
Keras logs through absl; minikeras logs through the standard `logging` module's root logger, so
`set_logging_verbosity` sets that logger's level.
"""
import logging

from minikeras.engine.config import (  # noqa: F401  (re-exported)
    disable_interactive_logging, enable_interactive_logging, is_interactive_logging_enabled)
from minikeras.utils.progbar import print_msg

_LEVELS = {"FATAL": logging.FATAL, "ERROR": logging.ERROR, "WARNING": logging.WARNING,
           "INFO": logging.INFO, "DEBUG": logging.DEBUG}


def set_logging_verbosity(level):
    """Sets the level of the messages logged: "FATAL" (least verbose), "ERROR", "WARNING",
    "INFO" or "DEBUG" (most verbose)."""
    if level not in _LEVELS:
        raise ValueError("Please pass a valid level for logging verbosity. "
                         f"Expected one of: {set(_LEVELS)}. Received: {level}")
    logging.getLogger().setLevel(_LEVELS[level])


def ask_to_proceed_with_overwrite(filepath):
    """Asks on stdin whether to overwrite `filepath`; True to go ahead."""
    answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n]").strip().lower()
    while answer not in ("y", "n"):
        answer = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    if answer == "n":
        return False
    print_msg("[TIP] Next time specify overwrite=True!")
    return True
