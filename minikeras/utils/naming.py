"""Names of layers, losses and optimizers: snake_case class names made unique per process
(`dense`, `dense_1`, ...), as Keras's `keras/src/utils/naming.py` does."""
import collections
import re

_uids = collections.defaultdict(int)


def to_snake_case(name):
    """`Conv2DTranspose` -> `conv2d_transpose`."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def uniquify(name):
    """`name` the first time, then `name_1`, `name_2`, ..."""
    unique = f"{name}_{_uids[name]}" if name in _uids else name
    _uids[name] += 1
    return unique


def reset_uids():
    """Forget every name handed out (`keras.backend.clear_session`)."""
    _uids.clear()


def get_uid(prefix=""):
    """`keras.backend.get_uid`: bumps `prefix`'s counter and returns it (1 the first time)."""
    _uids[prefix] += 1
    return _uids[prefix]
