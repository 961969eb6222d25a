"""StringLookup: strings -> integer indices through a vocabulary (see index_lookup.py)."""
import numpy as onp

from minikeras.layers.preprocessing.index_lookup import IndexLookup


class StringLookup(IndexLookup):
    """Maps strings to indices from a vocabulary (given, or learned with `adapt`).

    Args:
        max_tokens: vocabulary size cap, mask and OOV indices included (None: no cap).
        num_oov_indices: indices for out-of-vocabulary strings (hashed among them when > 1;
            0 makes an unknown string an error).
        mask_token: a string mapped to index 0 in int mode (None: no mask).
        oov_token: the token `get_vocabulary` and `invert=True` show for OOV indices.
        vocabulary: list of strings, or the path of a file with one per line.
        idf_weights: tf_idf with a given vocabulary: one weight per entry.
        invert: map indices back to strings.
        output_mode: "int" (int64 indices), "one_hot", "multi_hot", "count" (int64 vectors of
            the vocabulary size) or "tf_idf" (float32).
        pad_to_max_tokens: vector modes: width `max_tokens` instead of the vocabulary size.
        sparse: only False (Keras supports True on TensorFlow only).
        encoding: how bytes inputs are decoded.
    Input: strings (str or bytes) of any shape.
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None, salt=None,
                 **kwargs):
        self.encoding = encoding
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, name=name,
                         salt=salt, vocabulary_dtype="string", **kwargs)

    def _to_keys(self, values):
        """An object array of Python strings (bytes decoded with `encoding`)."""
        values = onp.asarray(values)
        if values.dtype.kind in "iufb":
            raise ValueError(f"StringLookup expects string inputs. Received: dtype={values.dtype}")
        flat = [v.decode(self.encoding) if isinstance(v, bytes) else str(v)
                for v in values.ravel().tolist()]
        return onp.array(flat, dtype=object).reshape(values.shape)

    def get_config(self):
        config = super().get_config()
        del config["vocabulary_dtype"]
        return {**config, "encoding": self.encoding}

    def _serialization_path(self):
        # Configs name it as Keras does, `keras.layers.StringLookup` (subclasses: their own module).
        return ("keras.layers", "StringLookup", None) if type(self) is StringLookup else None
