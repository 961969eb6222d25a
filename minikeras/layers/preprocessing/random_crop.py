"""RandomCrop: a random `height x width` window of the images in training; identity otherwise."""
from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing import image_ops
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer, is_training


class RandomCrop(BaseImagePreprocessingLayer):
    """Randomly crops images to `height x width` during training.

    As in Keras 3, one crop location is drawn for the whole batch (offsets uniform over the
    valid range). When the input is not larger than the target in both dimensions, the window
    starts where the largest central window of the target's aspect ratio would, and what it
    cuts is resized (bilinear) to the target size. At inference the images pass unchanged:
    that is what Keras 3.15 does, although its docstring describes a central crop.

    Args:
        height, width: the output size.
        seed: integer seed for the crop offsets.
    """

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(data_format=data_format, name=name, **kwargs)
        self.height, self.width = int(height), int(width)
        self.seed = seed
        self.generator = self.seed_generator = SeedGenerator(seed)

    def _offsets(self, in_h, in_w):
        """(top, left) of the window to cut."""
        if in_h > self.height and in_w > self.width:
            rng = self.seed_generator.rng()
            return (int(rng.uniform(0, in_h - self.height + 1)),
                    int(rng.uniform(0, in_w - self.width + 1)))
        crop_h = max(min(in_h, int(in_w * self.height / self.width)), 1)
        crop_w = max(min(in_w, int(in_h * self.width / self.height)), 1)
        return int((in_h - crop_h) / 2), int((in_w - crop_w) / 2)

    def call(self, inputs, training=True):
        x = self._to_compute_dtype(inputs)
        self._check_rank(x.shape)
        if not is_training(training):
            return x
        h_axis, w_axis = self._spatial_axes()
        top, left = self._offsets(x.shape[h_axis], x.shape[w_axis])
        index = [slice(None)] * x.ndim
        index[h_axis] = slice(top, top + self.height)
        index[w_axis] = slice(left, left + self.width)
        x = x[tuple(index)]
        if (x.shape[h_axis], x.shape[w_axis]) != (self.height, self.width):
            x = image_ops.resize(x, (self.height, self.width), data_format=self.data_format)
        return x

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        h_axis, w_axis = self._spatial_axes()
        shape[h_axis], shape[w_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "seed": self.seed}
