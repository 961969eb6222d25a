"""`tf.errors`: the exception classes tutorials catch.

TensorFlow's errors derive from `OpError(Exception)` only. Here each also derives from the Python
exception that means the same thing, so `except ValueError` and `except
tf.errors.InvalidArgumentError` both catch a bad argument, and `except FileNotFoundError` catches
`tf.errors.NotFoundError`.
"""
from minikeras._install import missing_attribute as _missing_attribute


class OpError(Exception):
    """An error raised by a TensorFlow operation; `message` is its text."""

    def __init__(self, message="", *args):
        super().__init__(message)
        self.message = message


class InvalidArgumentError(OpError, ValueError):
    """An operation received an invalid argument (a bad shape, an index out of range, ...)."""


class OutOfRangeError(OpError, IndexError):
    """An iterator or a queue ran past its end."""


class NotFoundError(OpError, FileNotFoundError):
    """A file or other requested entity was not found."""


class AlreadyExistsError(OpError, FileExistsError):
    """A file or other entity that should be created already exists."""


class UnimplementedError(OpError, NotImplementedError):
    """The operation is not implemented by the stand-in."""


class FailedPreconditionError(OpError, RuntimeError):
    """The system is not in a state the operation requires."""


class ResourceExhaustedError(OpError, MemoryError):
    """A resource (memory, disk) ran out."""


class InternalError(OpError, RuntimeError):
    """An internal invariant failed."""


class UnknownError(OpError, RuntimeError):
    """An error that fits no other class."""


__getattr__ = _missing_attribute(__name__)  # tf.<module>.<name> it lacks: one clear error
