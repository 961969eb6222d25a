"""What the image preprocessing layers share: rank check, float cast, factor parsing, config."""
import numpy as onp
from minikeras.engine.autodiff import is_traced

from minikeras.engine.config import standardize_data_format
from minikeras.engine.random import SeedGenerator, draw_seed
from minikeras.layers.layer import Layer
from minikeras.utils.argument_validation import in_layer

_NUMBER = (int, float, onp.integer, onp.floating)


def is_number(x):
    return isinstance(x, _NUMBER) and not isinstance(x, bool)


def is_training(training):
    """Keras's image layers default to training=True when no flag reaches them (`layer(x)`,
    `model(x)`); `fit` passes True and `predict` / `evaluate` pass False."""
    return True if training is None else bool(training)


class BaseImagePreprocessingLayer(Layer):
    """Base of the image layers: (N, H, W, C) or (H, W, C) inputs (channels_first: C first).

    Args:
        data_format: "channels_last" or "channels_first" (default: keras.config.image_data_format()).
    """

    def __init__(self, factor=None, bounding_box_format=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.bounding_box_format = bounding_box_format
        self.data_format = standardize_data_format(data_format)
        if self._USE_BASE_FACTOR:
            self._set_factor(factor or 0.0)
        elif factor is not None:
            raise ValueError(f"Layer {type(self).__name__} does not take a `factor` argument. "
                             f"Received: factor={factor}")

    def _where(self):
        return in_layer(self)

    def _check_rank(self, shape):
        if len(shape) not in (3, 4):
            raise ValueError(
                "Expected image tensor to have rank 3 (single image) or 4 (batch of images). "
                f"Received: data.shape={tuple(shape)}" + self._where())

    def build(self, input_shape):
        # Layers on Keras's protocol (the base `call`) check the rank where Keras does, in
        # get_random_transformation / _is_batched, with Keras's message for each layer.
        if type(self).call is not BaseImagePreprocessingLayer.call:
            self._check_rank(input_shape)
        self.built = True

    def _spatial_axes(self):
        """(height axis, width axis), counted from the end."""
        return (-3, -2) if self.data_format == "channels_last" else (-2, -1)

    def _to_compute_dtype(self, x):
        """Keras casts images to the compute dtype (uint8 in, float32 out)."""
        if is_traced(x):
            return x
        x = onp.asarray(x)
        return x if x.dtype.name == self.compute_dtype else x.astype(self.compute_dtype)

    def _parse_factor(self, factor, name, low, high, low_open=False, message=None):
        """(lower, upper) from a number f (-> (-|f|, |f|)) or a pair, each within [low, high]
        ((low, high] when low_open), with Keras's error message."""
        message = message or (
            f"The `{name}` argument should be a number (or a list of two numbers) in the range "
            f"{'(' if low_open else '['}{low}, {high}].")
        bad = ValueError(f"{message} Received: {name}={factor}" + self._where())
        in_range = (lambda v: is_number(v) and (low < v if low_open else low <= v) and v <= high)
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or not all(in_range(v) for v in factor):
                raise bad
            lower, upper = sorted(factor)
            return lower, upper
        if not in_range(factor):
            raise bad
        return -abs(factor), abs(factor)


    # --- Keras's augmentation protocol ---------------------------------------------------
    # A layer draws one `transformation` per call (get_random_transformation) and applies it
    # to whatever the input holds: images, labels, bounding boxes, segmentation masks. Tests
    # and users call these methods directly, so their names and dict keys follow Keras.
    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (-1, 1)
    _VALUE_RANGE_VALIDATION_ERROR = "The `value_range` argument should be a list of two numbers. "

    def _set_factor(self, factor):
        """self.factor = (lower, upper) from a number f (-> (-f, f) clipped to the bounds) or a
        pair, with Keras's message when it is out of `_FACTOR_BOUNDS`."""
        low, high = self._FACTOR_BOUNDS
        message = ("The `factor` argument should be a number (or a list of two numbers) in the "
                   f"range [{low}, {high}]. Received: factor={factor}")
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or factor[0] > high or factor[1] < low:
                raise ValueError(message)
            lower, upper = sorted(factor)
        elif is_number(factor):
            if factor < low or factor > high:
                raise ValueError(message)
            lower, upper = max(-abs(factor), low), abs(factor)
        else:
            raise ValueError(message)
        self.factor = lower, upper

    def _set_value_range(self, value_range):
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError(self._VALUE_RANGE_VALIDATION_ERROR
                             + f"Received: value_range={value_range}")
        self.value_range = sorted(value_range)

    def _get_seed_generator(self, backend=None):
        return self.generator

    @property
    def backend(self):
        """Keras's `layer.backend`: the ops a layer draws and computes with (`.random`,
        `.numpy`, `.shape`, `.cast`); tests patch `layer.backend.random.uniform`."""
        return _BACKEND

    def _rng(self, seed=None):
        """The numpy generator of one draw: from `seed` (int or SeedGenerator) when given,
        else from the layer's own SeedGenerator."""
        if seed is None:
            return self._get_seed_generator().rng()
        if isinstance(seed, onp.random.Generator):
            return seed
        if isinstance(seed, SeedGenerator):  # a composite layer lends its own stream
            return seed.rng()
        return onp.random.default_rng(draw_seed(seed))

    def _uniform(self, shape, minval=0.0, maxval=1.0, seed=None, dtype="float32"):
        u = self._rng(seed).random(shape, dtype=onp.float32)
        return (onp.float32(minval) + u * onp.float32(maxval - minval)).astype(dtype)

    def _batch_size(self, data):
        """The number of images in `data` (an images array or a dict with "images"): 1 when
        unbatched; a rank other than 3 or 4 raises Keras's message."""
        images = data["images"] if isinstance(data, dict) else data
        shape = onp.shape(images)
        if len(shape) not in (3, 4):
            raise ValueError("Expected the input image to be rank 3 or 4. Received "
                             f"inputs.shape={tuple(shape)}")
        return shape[0] if len(shape) == 4 else 1

    def get_random_transformation(self, data, training=True, seed=None):
        return None

    def _transform_images(self, images, transformation, interpolation):
        """The geometric layers' warp (also applied to segmentation masks, "nearest")."""
        raise NotImplementedError()

    def _warps(self):
        return type(self)._transform_images is not BaseImagePreprocessingLayer._transform_images

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if training and self._warps():
            images = self._transform_images(images, transformation, self.interpolation)
        return images

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        raise NotImplementedError(
            f"{type(self).__name__} does not support `bounding_boxes` inputs in minikeras.")

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if training and self._warps():
            return self._transform_images(segmentation_masks, transformation, "nearest")
        return segmentation_masks

    def transform_single_image(self, image, transformation, training=True):
        return self.transform_images(image[None], transformation, training=training)[0]

    def transform_single_label(self, label, transformation, training=True):
        return self.transform_labels(label[None], transformation, training=training)[0]

    def transform_single_segmentation_mask(self, mask, transformation, training=True):
        return self.transform_segmentation_masks(mask[None], transformation, training=training)[0]

    def transform_single_bounding_box(self, bounding_box, transformation, training=True):
        boxes = {k: (onp.asarray(v)[None] if k in ("boxes", "labels") else v)
                 for k, v in bounding_box.items()}
        out = self.transform_bounding_boxes(boxes, transformation, training=training)
        return {k: (v[0] if k in ("boxes", "labels") else v) for k, v in out.items()}

    def _is_batched(self, images):
        rank = len(onp.shape(images))
        if rank not in (3, 4):
            raise ValueError("Expected image tensor to have rank 3 (single image) or 4 (batch "
                             f"of images). Received: data.shape={tuple(onp.shape(images))}"
                             + self._where())
        return rank == 4

    def _apply(self, name, value, transformation, training, batched):
        if batched:
            plural = "bounding_boxes" if name == "bounding_box" else f"{name}s"
            return getattr(self, f"transform_{plural}")(value, transformation, training=training)
        return getattr(self, f"transform_single_{name}")(value, transformation, training=training)

    def call(self, data, training=True):
        """One random transformation, applied to the images (and, for a dict input, to its
        "labels", "bounding_boxes" and "segmentation_masks")."""
        training = is_training(training)
        transformation = self.get_random_transformation(data, training=training)
        if not isinstance(data, dict):
            return self._apply("image", data, transformation, training, self._is_batched(data))
        data = dict(data)
        batched = self._is_batched(data["images"])
        data["images"] = self._apply("image", data["images"], transformation, training, batched)
        if "bounding_boxes" in data:
            if not getattr(self, "bounding_box_format", None):
                raise ValueError(
                    "You passed an input with a 'bounding_boxes' key, but you didn't specify a "
                    "bounding box format. Pass a `bounding_box_format` argument to your "
                    f"{type(self).__name__} layer, e.g. `bounding_box_format='xyxy'`.")
            boxes = {k: onp.asarray(v) for k, v in data["bounding_boxes"].items()}
            data["bounding_boxes"] = self._apply("bounding_box", boxes, transformation,
                                                 training, batched)
        if "labels" in data:
            data["labels"] = self._apply("label", data["labels"], transformation, training,
                                         batched)
        if "segmentation_masks" in data:
            data["segmentation_masks"] = self._apply(
                "segmentation_mask", data["segmentation_masks"], transformation, training,
                batched)
        return data

    def _transform_value_range(self, images, original_range, target_range, dtype="float32"):
        """images mapped linearly from `original_range` onto `target_range` (cast to `dtype`)."""
        if tuple(original_range) == tuple(target_range):
            return images
        images = images.astype(dtype)
        (lo, hi), (tlo, thi) = original_range, target_range
        lo, hi, tlo, thi = (onp.asarray(v, dtype) for v in (lo, hi, tlo, thi))
        return (images - lo) / (hi - lo) * (thi - tlo) + tlo

    def compute_output_shape(self, input_shape):
        return input_shape if isinstance(input_shape, dict) else tuple(input_shape)

    def get_config(self):
        config = {**super().get_config(), "data_format": self.data_format}
        if getattr(self, "bounding_box_format", None) is not None:
            config["bounding_box_format"] = self.bounding_box_format
        return config


class _LayerBackend:
    """What Keras's DynamicBackend offers the image layers, on minikeras."""

    def __init__(self):
        from minikeras import ops, random
        self.numpy = ops
        self.random = random
        self.core = ops
        self.shape = ops.shape
        self.cast = ops.cast
        self.convert_to_tensor = ops.convert_to_tensor
        self.name = "numpy"


_BACKEND = _LayerBackend()
