"""Opening HDF5 files that may have been written by an attacker.

`open_h5(source)` opens a file read-only and walks every object in it *before* any data is read,
refusing (with a ValueError naming the path inside the file):
- soft links, external links and any other non-hard link (they point outside the tree or the file);
- an object reached twice (a hard-link cycle would make any walk endless);
- external datasets (raw data kept in other files) and virtual datasets (data mapped from other
  files);
- datasets whose element type is not a number (object, variable-length, string, reference,
  compound, opaque) when numbers are expected;
- datasets with filters outside HDF5's and h5py's built-ins (an unknown filter id makes HDF5 look
  for a plugin on disk);
- allocation bombs: a dataset, or all datasets together, declaring more bytes than
  `MAX_EXPANSION * file_size + SLACK_BYTES`, or more than `MAX_DATASET_BYTES` in any case.
  Keras writes weights uncompressed, so a genuine file declares about its own size; a chunked,
  compressed dataset that stores only a fill value can declare terabytes.
"""
import contextlib
import io
import math
import os

import h5py
import numpy as onp

MAX_EXPANSION = 4
SLACK_BYTES = 1 << 20
MAX_DATASET_BYTES = 1 << 33  # 8 GiB: no single weight of a numpy model is larger
MAX_OBJECTS = 1_000_000
MAX_ATTR_BYTES = 1 << 26
_NUMERIC_KINDS = "biuf"
_BUILTIN_FILTERS = {
    h5py.h5z.FILTER_DEFLATE, h5py.h5z.FILTER_SHUFFLE, h5py.h5z.FILTER_FLETCHER32,
    h5py.h5z.FILTER_SZIP, h5py.h5z.FILTER_NBIT, h5py.h5z.FILTER_SCALEOFFSET, h5py.h5z.FILTER_LZF}


def file_size(source):
    """Bytes in a path or a seekable binary file object (left at position 0)."""
    if isinstance(source, io.BytesIO):
        return len(source.getbuffer())
    if hasattr(source, "seek"):
        here = source.seek(0, os.SEEK_END)
        source.seek(0)
        return here
    return os.path.getsize(source)


def byte_budget(file_size):
    """How many bytes the datasets of a file of `file_size` bytes may declare in total."""
    return min(MAX_EXPANSION * int(file_size) + SLACK_BYTES, MAX_DATASET_BYTES)


def open_h5(source, numeric_only=True, what="HDF5 file"):
    """Opens `source` (a path, bytes or a binary file object) read-only and checks every object.

    Returns the open `h5py.File`; raises ValueError for a file that is not HDF5 or breaks a rule
    in the module docstring (the file is closed again first).
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = io.BytesIO(bytes(source))
    if not isinstance(source, (str, os.PathLike)) and not hasattr(source, "read"):
        raise ValueError(f"Expected a path or a binary file object. Received: {source!r}")
    try:
        size = file_size(source)
        h5 = h5py.File(source, "r")
    except (OSError, ValueError) as e:
        raise ValueError(f"Could not open {what} as HDF5: {e}") from None
    try:
        check_tree(h5, size, numeric_only=numeric_only)
    except ValueError:
        h5.close()
        raise
    except Exception as e:  # h5py's errors on a damaged file: RuntimeError, OSError, KeyError
        h5.close()
        raise ValueError(f"Could not read {what}: damaged HDF5 structure "
                         f"({type(e).__name__}: {e}).") from None
    return h5


@contextlib.contextmanager
def load_failures_as_value_error(what):
    """Loaders run inside this: a ValueError passes as it is, and any other exception (a damaged
    or hostile file can break a loader anywhere) becomes
    `ValueError("Could not load <what>: <type>: <message>")`."""
    try:
        yield
    except ValueError:
        raise
    except Exception as e:
        raise ValueError(f"Could not load {what}: {type(e).__name__}: {e}") from e

def check_tree(h5, file_size, numeric_only=True):
    """Walks all links of an open file without reading data; raises ValueError on any hazard."""
    budget = byte_budget(file_size)
    seen, total, count = {_object_key(h5)}, 0, 0
    stack = [("", h5)]
    while stack:
        prefix, group = stack.pop()
        for name in list(group.keys()):
            count += 1
            if count > MAX_OBJECTS:
                raise ValueError(f"Not allowed: HDF5 file with more than {MAX_OBJECTS} objects.")
            path = f"{prefix}/{name}"
            obj = _hard_link_target(group, name, path)
            key = _object_key(obj)
            if key in seen:
                raise ValueError(f"Not allowed: HDF5 object '{path}' is linked more than once "
                                 "(hard-link cycles and aliases are refused).")
            seen.add(key)
            if isinstance(obj, h5py.Group):
                stack.append((path, obj))
            else:
                total += check_dataset(obj, path, file_size, numeric_only=numeric_only)
                if total > budget:
                    raise ValueError(
                        f"Not allowed: the datasets of this HDF5 file declare {total} bytes in "
                        f"total (up to '{path}') but the file holds only {file_size} bytes; "
                        "refusing a potential allocation bomb.")


def _hard_link_target(group, name, path):
    try:
        link = group.get(name, getlink=True)
    except Exception as e:  # user-defined link classes h5py cannot even describe
        raise ValueError(f"Not allowed: unsupported HDF5 link at '{path}' ({e}).") from None
    if not isinstance(link, h5py.HardLink):
        raise ValueError(f"Not allowed: HDF5 {type(link).__name__} at '{path}' "
                         "(only hard links are accepted).")
    cls = group.get(name, getclass=True)
    if cls not in (h5py.Group, h5py.Dataset):
        raise ValueError(f"Not allowed: HDF5 object of type {getattr(cls, '__name__', cls)} "
                         f"at '{path}'.")
    return group[name]


def _object_key(obj):
    info = h5py.h5o.get_info(obj.id)
    return info.fileno, info.addr


def check_dataset(ds, path, file_size, numeric_only=True):
    """Checks one dataset's storage and declared size; returns the bytes it declares."""
    if ds.is_virtual:
        raise ValueError(f"Not allowed: HDF5 virtual dataset at '{path}'.")
    if ds.external:
        raise ValueError(f"Not allowed: HDF5 external dataset at '{path}' "
                         f"(data stored in {[e[0] for e in ds.external]}).")
    dtype = ds.dtype
    if numeric_only and (dtype.kind not in _NUMERIC_KINDS or dtype.shape != ()
                         or h5py.check_dtype(vlen=dtype) is not None
                         or h5py.check_dtype(ref=dtype) is not None):
        raise ValueError(f"Not allowed: HDF5 dataset '{path}' has non-numeric dtype {dtype} "
                         "where numbers are expected.")
    if ds.shape is None:
        raise ValueError(f"Not allowed: HDF5 dataset '{path}' has no dataspace (empty).")
    plist = ds.id.get_create_plist()
    for i in range(plist.get_nfilters()):
        code = plist.get_filter(i)[0]
        if code not in _BUILTIN_FILTERS:
            raise ValueError(f"Not allowed: HDF5 dataset '{path}' uses filter {code}, which is "
                             "not a built-in HDF5/h5py filter.")
    declared = math.prod(int(d) for d in ds.shape) * dtype.itemsize
    limit = byte_budget(file_size)
    if declared > limit:
        raise ValueError(
            f"Not allowed: HDF5 dataset '{path}' declares shape {ds.shape} x {dtype.itemsize} "
            f"bytes = {declared} bytes, far more than the {file_size}-byte file can hold; "
            "refusing a potential allocation bomb.")
    return declared


def read_array(ds, path=None):
    """The dataset's values as a numpy array (numeric datasets only)."""
    path = path or ds.name
    if ds.dtype.kind not in _NUMERIC_KINDS or ds.shape is None:
        raise ValueError(f"Not allowed: HDF5 dataset '{path}' does not hold numbers.")
    try:
        return onp.array(ds[()])
    except Exception as e:  # damaged chunks, failing filters
        raise ValueError(f"Could not read HDF5 dataset '{path}': {type(e).__name__}: {e}") from None


def read_attr(obj, name, max_bytes=MAX_ATTR_BYTES):
    """An attribute holding text or numbers (a string, bytes, or a 1-D array of them).

    Refuses references, compound and object types other than strings, and attributes whose
    declared size exceeds `max_bytes`.
    """
    where = f"attribute '{name}' of '{obj.name}'"
    if name not in obj.attrs:
        raise KeyError(name)
    aid = obj.attrs.get_id(name)
    dtype, shape = aid.dtype, aid.shape
    is_text = h5py.check_dtype(vlen=dtype) in (str, bytes) or dtype.kind in "SU"
    if not is_text and dtype.kind not in _NUMERIC_KINDS:
        raise ValueError(f"Not allowed: HDF5 {where} has dtype {dtype}.")
    if h5py.check_dtype(ref=dtype) is not None or shape is None or len(shape) > 1:
        raise ValueError(f"Not allowed: HDF5 {where} has an unsupported type or shape.")
    declared = math.prod(shape) * max(dtype.itemsize, 1)
    if declared == 0:  # Keras writes `weight_names = []` for weightless layers
        return obj.attrs[name]
    if declared > max_bytes or aid.get_storage_size() > max_bytes:
        raise ValueError(f"Not allowed: HDF5 {where} declares {declared} bytes.")
    return obj.attrs[name]
