"""Discretization: floats -> the index of the bin they fall in, bins given or adapted.

Bin i (0 <= i <= len(boundaries)) holds boundaries[i-1] <= x < boundaries[i] (the outer bins
reach -inf and +inf), i.e. `numpy.digitize`. `adapt` estimates quantile boundaries with
Keras's own streaming summary, so that the boundaries are the same numbers Keras finds:
- each batch is summarised by its sorted values, one every `step = max(n * epsilon, 1)`, each
  weighing `step`;
- summaries are merged by sorting their union and, once a summary holds more than
  1/epsilon points, compressed to 1/epsilon points by interpolating the cumulative weights;
- the boundaries are the summary compressed to `num_bins` points, less the last.
"""
import numpy as onp

from minikeras.engine.keras_tensor import KerasTensor
from minikeras.layers.layer import Layer
from minikeras.layers.preprocessing.category_encoding import encode_categorical, encoded_shape

_MODES = ("int", "one_hot", "multi_hot", "count")


def summarize(values, epsilon):
    """A (2, k) float32 summary of a batch: sorted sample points and the weight of each."""
    values = onp.sort(onp.reshape(values, [-1]))
    step = max(onp.size(values) * epsilon, 1)
    points = values[int(step - 1)::int(step)]
    return onp.stack([points, onp.ones_like(points) * step])


def merge_summaries(summary, other, epsilon):
    merged = onp.concatenate((summary, other), axis=1)
    merged = onp.take(merged, onp.argsort(merged[0]), axis=1)
    return compress_summary(merged, epsilon)


def compress_summary(summary, epsilon):
    """Re-samples a summary at cumulative-weight fractions epsilon, 2*epsilon, ..., 1."""
    if summary.shape[1] * epsilon < 1:
        return summary
    fractions = epsilon + onp.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_fractions = cum_weights / cum_weights[-1]
    points = onp.interp(fractions, cum_fractions, summary[0])
    cum_weights = onp.interp(fractions, cum_fractions, cum_weights)
    weights = cum_weights - onp.concatenate((onp.array([0]), cum_weights[:-1]))
    return onp.stack((points, weights)).astype("float32")


class Discretization(Layer):
    """Buckets continuous features by ranges: output i for boundaries[i-1] <= x < boundaries[i].

    Args:
        bin_boundaries: increasing list of boundaries (len(bin_boundaries) + 1 bins); or
        num_bins: the number of bins to learn with `adapt(data)` (approximate quantiles).
        epsilon: the quantile summary's error tolerance (smaller: more exact, more memory).
        output_mode: "int" (bin indices, int32), "one_hot", "multi_hot" or "count" (float32
            vectors of the number of bins).
        sparse: only False (Keras supports True on TensorFlow only).
    Shapes: (batch, ...) -> same shape for "int"; see CategoryEncoding for the others.
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None):
        super().__init__(name=name, dtype=dtype)
        if sparse:
            raise ValueError("`sparse=True` cannot be used with backend numpy")
        if output_mode not in _MODES:
            raise ValueError(f"Unknown value for `output_mode` argument of layer "
                             f"Discretization. Allowed values are: {_MODES}. "
                             f"Received: output_mode={output_mode}")
        if num_bins is not None and num_bins < 0:
            raise ValueError("`num_bins` must be greater than or equal to 0. "
                             f"Received: `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Both `num_bins` and `bin_boundaries` should not be set. Received: "
                             f"`num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = bin_boundaries
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self.summary = None if bin_boundaries else onp.array([[], []], dtype="float32")
        self._build_input_shape = None

    @property
    def output_dtype(self):
        return self.compute_dtype if self.output_mode != "int" else "int32"

    def build(self, input_shape=None):
        self._build_input_shape = None if input_shape is None else tuple(input_shape)
        self.built = True

    def adapt(self, data, steps=None):
        """Learns `num_bins - 1` quantile boundaries from an array or an iterable of batches."""
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized "
                             "with `bin_boundaries`, use `num_bins` instead.")
        self.reset_state()
        if hasattr(data, "__iter__") and not isinstance(data, onp.ndarray) \
                and not hasattr(data, "shape"):
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch)
        else:
            self.update_state(data)
        self.finalize_state()

    def update_state(self, data):
        data = onp.array(data).astype("float32")
        self.summary = merge_summaries(summarize(data, self.epsilon), self.summary, self.epsilon)

    def finalize_state(self):
        if self.num_bins is not None:
            self.bin_boundaries = compress_summary(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def reset_state(self):
        if self.num_bins is not None:
            self.summary = onp.array([[], []], dtype="float32")

    def _depth(self):
        return len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(
                "You need to either pass the `bin_boundaries` argument at construction time or "
                "call `adapt(dataset)` before you can start using the `Discretization` layer.")
        values = onp.asarray(inputs, dtype="float32")
        indices = onp.digitize(values, onp.asarray(self.bin_boundaries, dtype="float32"))
        return encode_categorical(indices, self.output_mode, len(self.bin_boundaries) + 1,
                                  dtype=self.output_dtype)

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self._depth())

    def compute_output_spec(self, inputs):
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=self.output_dtype)

    def get_config(self):
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                "epsilon": self.epsilon, "output_mode": self.output_mode, "sparse": self.sparse,
                "name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"].get("config", {}).get("name")
        boundaries = config.get("bin_boundaries")
        if boundaries is not None and config.get("num_bins") is not None:
            # An adapted layer: rebuild it adaptable, then restore what it learned.
            config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = boundaries
            return layer
        return cls(**config)

    def get_build_config(self):
        if self._build_input_shape is not None:
            return {"input_shape": self._build_input_shape}
        return None

    def build_from_config(self, build_config):
        self.build(build_config.get("input_shape"))

    def load_own_variables(self, store):
        if len(store) == 1:
            self.summary = onp.asarray(store["0"])

    def _serialization_path(self):
        # Configs name it as Keras does, `keras.layers.Discretization` (subclasses: their own module).
        return ("keras.layers", "Discretization", None) if type(self) is Discretization else None
