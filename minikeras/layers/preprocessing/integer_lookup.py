"""IntegerLookup: integers -> indices through a vocabulary (see index_lookup.py)."""
import numpy as onp

from minikeras.layers.preprocessing.index_lookup import IndexLookup


class IntegerLookup(IndexLookup):
    """Maps integers to indices from a vocabulary (given, or learned with `adapt`).

    Args:
        max_tokens: vocabulary size cap, mask and OOV indices included (None: no cap).
        num_oov_indices: indices for out-of-vocabulary values (when > 1, a value goes to
            `value mod num_oov_indices`, or to its hash with oov_method="farmhash"; 0 makes
            an unknown value an error).
        mask_token: a value mapped to index 0 in int mode (None: no mask).
        oov_token: the value `get_vocabulary` and `invert=True` show for OOV indices (-1).
        vocabulary: list of integers, or the path of a file with one per line.
        vocabulary_dtype: only "int64".
        idf_weights, invert, output_mode, sparse, pad_to_max_tokens: as in StringLookup.
    Input: integers of any shape (floats are truncated).
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", salt=None, name=None, **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError("If `max_tokens` is set for `IntegerLookup`, it must be greater "
                             f"than 1. Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError("The value of `num_oov_indices` argument for `IntegerLookup` must "
                             f">= 0. Received: num_oov_indices={num_oov_indices}")
        if vocabulary_dtype != "int64":
            raise ValueError("Only `vocabulary_dtype='int64'` is supported at this time. "
                             f"Received: vocabulary_dtype={vocabulary_dtype}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         vocabulary_dtype=vocabulary_dtype, idf_weights=idf_weights,
                         invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, oov_method=oov_method,
                         salt=salt, name=name, **kwargs)

    def _to_keys(self, values):
        values = onp.asarray(values)
        if values.dtype.kind not in "iufb":
            raise ValueError(f"IntegerLookup expects integer inputs. Received: dtype={values.dtype}")
        return values.astype("int64")

    def get_config(self):
        config = super().get_config()
        for key in ("oov_token", "mask_token"):
            if config[key] is not None:
                config[key] = int(config[key])
        if config["vocabulary"] is not None:
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        return config

    def _serialization_path(self):
        # Configs name it as Keras does, `keras.layers.IntegerLookup` (subclasses: their own module).
        return ("keras.layers", "IntegerLookup", None) if type(self) is IntegerLookup else None
