"""Reading the pickles inside Keras's dataset files without running arbitrary code.

`imdb.npz` / `reuters.npz` hold ragged sequences as object arrays (a pickle stream per `.npy`
member) and the CIFAR batches are pickled dicts. Rebuilding them needs only numpy's array
reconstruction globals; dicts, lists, bytes, strings and numbers are pickle opcodes, not globals.
`RestrictedUnpickler` admits exactly those numpy globals and refuses every other one
(`os.system`, `builtins.eval`, `subprocess.Popen`, ...) before anything is called.
"""
import io
import pickle
import zipfile

import numpy as onp

_ALLOWED_GLOBALS = frozenset({
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),   # pickles written with numpy < 2 (and Python 2)
    ("numpy._core.multiarray", "_reconstruct"),  # numpy >= 2
    ("numpy.core.numeric", "_frombuffer"),        # pickle protocol 5
    ("numpy._core.numeric", "_frombuffer"),
})


class UnsafePickleError(pickle.UnpicklingError, ValueError):
    """A dataset file's pickle asked for something other than numpy array reconstruction."""


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler whose only globals are numpy's array and dtype reconstruction."""

    def __init__(self, file, *, source=None, **kwargs):
        super().__init__(file, **kwargs)
        self.source = source

    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        where = f" {self.source}" if self.source else ""
        raise UnsafePickleError(
            f"Refusing to deserialize `{module}.{name}` while loading the Keras dataset "
            f"file{where}: only numpy arrays, lists, dicts, bytes and numbers are allowed. "
            "The file may be corrupted or malicious; nothing in it was executed.")

    def persistent_load(self, pid):
        raise UnsafePickleError(f"Refusing a persistent id while loading {self.source or 'a pickle'}.")


def load_pickle(path, encoding="bytes"):
    """Unpickles the file at `path` with `RestrictedUnpickler` (CIFAR batches use `"bytes"`)."""
    with open(path, "rb") as f:
        return RestrictedUnpickler(f, source=path, encoding=encoding).load()


def load_npy_member(fp, source=None):
    """Reads one `.npy` stream: numeric arrays with pickling disabled, object arrays restricted."""
    version = onp.lib.format.read_magic(fp)
    if version[0] == 1:
        _, _, dtype = onp.lib.format.read_array_header_1_0(fp)
    elif version[0] in (2, 3):  # 3.0 only changes the header's text encoding
        _, _, dtype = onp.lib.format.read_array_header_2_0(fp)
    else:
        raise ValueError(f"Unsupported `.npy` file version {version} in {source}.")
    if not dtype.hasobject:
        fp.seek(0)
        return onp.lib.format.read_array(fp, allow_pickle=False)
    array = RestrictedUnpickler(fp, source=source).load()
    if not isinstance(array, onp.ndarray):
        raise ValueError(f"Expected a numpy array in {source}, found {type(array).__name__}.")
    return array


def load_npz(path):
    """`np.load(path, allow_pickle=True)` for Keras's dataset `.npz` files, minus arbitrary pickles.

    Returns a dict mapping each member name (without `.npy`) to its array.
    """
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                with archive.open(member) as raw:
                    buffer = io.BytesIO(raw.read())
                arrays[member[:-4]] = load_npy_member(buffer, f"{path} ({member})")
    return arrays
