"""`keras.utils.pad_sequences` (also `keras.preprocessing.sequence.pad_sequences`)."""
import numpy as onp


def _lengths_and_sample_shape(sequences):
    """Each sequence's length, and the shape of one element (from the first non-empty one)."""
    lengths, sample_shape = [], None
    for s in sequences:
        try:
            lengths.append(len(s))
        except TypeError as e:
            raise ValueError(
                f"`sequences` must be a list of iterables. Found non-iterable: {str(s)}") from e
        if sample_shape is None and len(s):
            sample_shape = onp.asarray(s).shape[1:]
    return lengths, sample_shape or ()


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pads (or truncates) each sequence to `maxlen` into one array of shape `(n, maxlen, ...)`.

    Sequences longer than `maxlen` lose their first (`truncating="pre"`) or last ("post")
    elements; shorter ones are filled with `value` before ("pre") or after ("post") them.

    Args:
        sequences: list of sequences (lists or arrays); elements may themselves be arrays of a
            common shape.
        maxlen: output length; the longest sequence's length when None.
        dtype: output dtype; use `object` (or a string dtype) for string values.
        padding, truncating: "pre" or "post".
        value: the fill value.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    lengths, sample_shape = _lengths_and_sample_shape(sequences)
    if maxlen is None:
        maxlen = onp.max(lengths)
    is_dtype_str = onp.issubdtype(dtype, onp.str_) or onp.issubdtype(dtype, onp.bytes_)
    if isinstance(value, str) and dtype is not object and not is_dtype_str:
        raise ValueError(
            f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
            "You should set `dtype=object` for variable length strings.")
    out = onp.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    for i, s in enumerate(sequences):
        if not len(s):
            continue
        if truncating not in ("pre", "post"):
            raise ValueError(f'Truncating type "{truncating}" not understood')
        kept = (s[max(len(s) - maxlen, 0):] if truncating == "pre" else s[:maxlen])
        kept = onp.asarray(kept, dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(f"Shape of sample {kept.shape[1:]} of sequence at position {i} is "
                             f"different from expected shape {sample_shape}")
        if padding not in ("pre", "post"):
            raise ValueError(f'Padding type "{padding}" not understood')
        n = len(kept)  # 0 only when maxlen == 0
        if n and padding == "post":
            out[i, :n] = kept  # untraced numpy: writing rows in place is fine here
        elif n:
            out[i, maxlen - n:] = kept
    return out
