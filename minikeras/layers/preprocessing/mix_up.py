"""MixUp: blends each image (and its label) with another image of the batch."""
import numpy as onp
from autograd import numpy as anp

from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer


class MixUp(BaseImagePreprocessingLayer):
    """out_i = w_i x_i + (1 - w_i) x_p(i), labels likewise, w_i ~ Beta(alpha, alpha) and p a
    random permutation of the batch, in training; identity at inference. Bounding boxes of
    the partner image are appended to each image's boxes.

    Args:
        alpha: the Beta distribution's parameter (default 0.2).
        seed: integer seed.
    """

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.alpha = alpha
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        n = 1 if anp.ndim(images) == 3 else anp.shape(images)[0]
        rng = self._rng(seed)
        permutation = rng.permutation(n).astype("int64")
        weight = rng.beta(self.alpha, self.alpha, size=(n,)).astype("float32")
        return {"mix_weight": weight, "permutation_order": permutation}

    def transform_images(self, images, transformation=None, training=True):
        images = self._to_compute_dtype(images)
        if not training:
            return images
        weight = onp.reshape(transformation["mix_weight"], (-1, 1, 1, 1)).astype(images.dtype)
        partners = images[onp.asarray(transformation["permutation_order"])]
        return weight * images + (1.0 - weight) * partners

    def transform_labels(self, labels, transformation, training=True):
        if not training:
            return labels
        weight = onp.reshape(transformation["mix_weight"], (-1, 1))
        partners = labels[onp.asarray(transformation["permutation_order"])]
        return weight * labels + (1.0 - weight) * partners

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training:
            return bounding_boxes
        order = onp.asarray(transformation["permutation_order"])
        boxes, labels = onp.asarray(bounding_boxes["boxes"]), onp.asarray(bounding_boxes["labels"])
        return {"boxes": onp.concatenate([boxes, boxes[order]], axis=1),
                "labels": onp.concatenate([labels, labels[order]], axis=0)}

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if not training:
            return segmentation_masks
        weight = onp.reshape(transformation["mix_weight"], (-1, 1, 1, 1))
        partners = segmentation_masks[onp.asarray(transformation["permutation_order"])]
        return weight * segmentation_masks + (1.0 - weight) * partners

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha, "seed": self.seed}
