"""TensorBoard event files in plain Python: TFRecord framing and hand-encoded `Event` protos.

An event file is a sequence of records, each
  length (uint64 LE) | masked_crc32c(length) (uint32 LE) | data | masked_crc32c(data) (uint32 LE)
where masked_crc32c(b) = ((c >> 15) | (c << 17)) + 0xa282ead8 (mod 2**32), c = CRC-32C(b).
Each record is a serialized `tensorflow.Event`. Only the fields TensorFlow's summary writer
uses for what we write are encoded (field number, proto type):
  Event:           wall_time 1 double, step 2 int64, file_version 3 string, summary 5,
                   source_metadata 10 {writer 1 string}
  Summary:         value 1 (repeated) {tag 1 string, tensor 8 TensorProto, metadata 9}
  SummaryMetadata: plugin_data 1 {plugin_name 1 string, content 2 bytes}
  TensorProto:     dtype 1 enum, tensor_shape 2 {dim 2 (repeated) {size 1 int64}},
                   tensor_content 4 bytes, string_val 8 bytes
Fields at their proto3 default (0, "") are left out, as protobuf does, so our records are
byte-for-byte TensorFlow's apart from the wall time.
"""
import itertools
import os
import socket
import struct
import time

import numpy as onp

FILE_VERSION = "brain.Event:2"
_DTYPES = {onp.dtype("float32"): 1, onp.dtype("float64"): 2, onp.dtype("int32"): 3,
           onp.dtype("int64"): 9}  # TensorFlow's DataType enum
DT_STRING = 7
_writer_ids = itertools.count()  # TensorFlow numbers the writers of a process 0, 1, ...


def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1  # Castagnoli, reflected
        table.append(c)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data):
    """CRC-32C (Castagnoli) of `data`; a byte at a time (records are small)."""
    crc, table = 0xFFFFFFFF, _CRC_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data):
    """The CRC TFRecord stores: rotated right by 15 bits, plus a constant."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def tfrecord(data):
    """One TFRecord: length, its CRC, the data, the data's CRC."""
    length = struct.pack("<Q", len(data))
    return (length + struct.pack("<I", masked_crc32c(length)) + data
            + struct.pack("<I", masked_crc32c(data)))


# --- protobuf wire format ------------------------------------------------------------------
def _varint(n):
    n &= 0xFFFFFFFFFFFFFFFF  # an int64 below zero is written as its two's complement
    out = bytearray()
    while n > 0x7F:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _key(field, wire_type):
    return _varint(field << 3 | wire_type)


def _int(field, n):
    return _key(field, 0) + _varint(n) if n else b""


def _double(field, x):
    return _key(field, 1) + struct.pack("<d", x) if x else b""


def _bytes(field, data, always=False):
    """A length-delimited field: bytes, a string or an embedded message."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return _key(field, 2) + _varint(len(data)) + data if data or always else b""


# --- messages ------------------------------------------------------------------------------
def tensor_proto(value):
    """TensorProto of a numpy array (raw little-endian `tensor_content`) or of a str/bytes
    scalar (`string_val`)."""
    if isinstance(value, (str, bytes)):
        return (_int(1, DT_STRING) + _bytes(2, b"", always=True)
                + _bytes(8, value, always=True))
    value = onp.asarray(value)
    if value.dtype not in _DTYPES:
        raise ValueError(f"Unsupported summary dtype {value.dtype}.")
    shape = b"".join(_bytes(2, _int(1, d), always=True) for d in value.shape)
    content = value.astype(value.dtype.newbyteorder("<"), copy=False).tobytes()
    return _int(1, _DTYPES[value.dtype]) + _bytes(2, shape, always=True) + _bytes(4, content)


def summary_value(tag, tensor, plugin_name, content=b""):
    """One `Summary.Value`: tag, tensor and the plugin that displays it."""
    plugin_data = _bytes(1, plugin_name) + _bytes(2, content)
    metadata = _bytes(1, plugin_data, always=True)
    return _bytes(1, tag) + _bytes(8, tensor_proto(tensor), always=True) + _bytes(9, metadata,
                                                                                  always=True)


def event(step=0, summary_values=(), wall_time=None, file_version=None):
    """A serialized `Event` holding `summary_values` (or the file-version header)."""
    wall_time = time.time() if wall_time is None else wall_time
    body = _double(1, wall_time) + _int(2, step)
    if file_version is not None:
        writer = _bytes(1, "tensorflow.core.util.events_writer")
        return body + _bytes(3, file_version) + _bytes(10, writer, always=True)
    return body + _bytes(5, b"".join(_bytes(1, v, always=True) for v in summary_values),
                         always=True)


def scalar_value(tag, value):
    """A scalar as Keras 3 writes it through `tf.summary.scalar`: a float32 tensor, plugin
    "scalars"."""
    value = onp.asarray(value, dtype="float32")
    if value.ndim:
        raise ValueError(f"Expected scalar shape for summary `{tag}`, saw shape: {value.shape}.")
    return summary_value(tag, value, "scalars")


def histogram_buckets(data, bucket_count=30):
    """TensorBoard's histogram tensor: float64 rows `[left_edge, right_edge, count]`.

    `bucket_count` equal-width buckets from min to max (a value on an edge goes to the bucket
    on its right, the maximum to the last); all-equal data puts every count in the last
    bucket with both edges at the value; empty data gives zeros.
    """
    data = onp.asarray(data, dtype="float64").ravel()
    if data.size == 0:
        return onp.zeros((bucket_count, 3))
    low, high = data.min(), data.max()
    if low == high:
        counts = onp.zeros(bucket_count)
        counts[-1] = data.size
        return onp.stack([onp.full(bucket_count, high), onp.full(bucket_count, high), counts], 1)
    index = onp.minimum(onp.floor((data - low) / ((high - low) / bucket_count)), bucket_count - 1)
    counts = onp.bincount(index.astype("int64"), minlength=bucket_count).astype("float64")
    edges = onp.linspace(low, high, bucket_count + 1)
    edges[-1] = high
    return onp.stack([edges[:-1], edges[1:], counts], 1)


def histogram_value(tag, data, bucket_count=30):
    """A histogram as `tf.summary.histogram` writes it: plugin "histograms"."""
    return summary_value(tag, histogram_buckets(data, bucket_count), "histograms")


class EventFileWriter:
    """Appends events to `logdir/events.out.tfevents.<time>.<host>.<pid>.<n>.v2`.

    The directory and the file (with its file-version header) are made on construction; each
    `write` appends whole records and closes the file again, so nothing stays open.
    """

    def __init__(self, logdir):
        os.makedirs(logdir, exist_ok=True)
        seconds = int(time.time())
        name = (f"events.out.tfevents.{seconds:010d}.{socket.gethostname()}.{os.getpid()}."
                f"{next(_writer_ids)}.v2")
        self.path = os.path.join(logdir, name)
        with open(self.path, "xb") as f:
            f.write(tfrecord(event(wall_time=float(seconds), file_version=FILE_VERSION)))

    def write(self, step, summary_values):
        """Appends one event per summary value, all with `step`."""
        records = b"".join(tfrecord(event(step, [value])) for value in summary_values)
        with open(self.path, "ab") as f:
            f.write(records)
