"""`keras.utils.bounding_boxes`: box format conversion, clipping, crop / pad / affine moves and
the anchor delta encoding, in numpy (Keras's bounding_boxes/converters.py semantics).

Formats (last axis of 4): xyxy (corners), yxyx, xywh (corner + size), center_xywh,
center_yxhw, and the relative rel_xyxy, rel_yxyx, rel_xywh, rel_center_xywh (divided by the
image width / height). Every conversion goes through xyxy.
"""
import math

import numpy as onp

SUPPORTED_FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy",
                     "rel_yxyx", "rel_xywh", "rel_center_xywh")


def _split(boxes):
    return [boxes[..., i:i + 1] for i in range(4)]


def _join(*parts):
    return onp.concatenate(parts, axis=-1)


def _to_xyxy(boxes, fmt, h, w):
    a, b, c, d = _split(boxes)
    if fmt == "xyxy":
        return boxes
    if fmt == "yxyx":
        return _join(b, a, d, c)
    if fmt == "xywh":
        return _join(a, b, a + c, b + d)
    if fmt == "center_xywh":
        return _join(a - c / 2.0, b - d / 2.0, a + c / 2.0, b + d / 2.0)
    if fmt == "center_yxhw":
        return _join(b - d / 2.0, a - c / 2.0, b + d / 2.0, a + c / 2.0)
    if fmt == "rel_xyxy":
        return _join(a * w, b * h, c * w, d * h)
    if fmt == "rel_yxyx":
        return _join(b * w, a * h, d * w, c * h)
    if fmt == "rel_xywh":
        return _join(a * w, b * h, (a + c) * w, (b + d) * h)
    return _join((a - c / 2.0) * w, (b - d / 2.0) * h, (a + c / 2.0) * w, (b + d / 2.0) * h)


def _from_xyxy(boxes, fmt, h, w):
    x1, y1, x2, y2 = _split(boxes)
    cx, cy, bw, bh = x1 + (x2 - x1) / 2.0, y1 + (y2 - y1) / 2.0, x2 - x1, y2 - y1
    return {"xyxy": lambda: boxes, "yxyx": lambda: _join(y1, x1, y2, x2),
            "xywh": lambda: _join(x1, y1, bw, bh), "center_xywh": lambda: _join(cx, cy, bw, bh),
            "center_yxhw": lambda: _join(cy, cx, bh, bw),
            "rel_xyxy": lambda: _join(x1 / w, y1 / h, x2 / w, y2 / h),
            "rel_yxyx": lambda: _join(y1 / h, x1 / w, y2 / h, x2 / w),
            "rel_xywh": lambda: _join(x1 / w, y1 / h, bw / w, bh / h),
            "rel_center_xywh": lambda: _join(cx / w, cy / h, bw / w, bh / h)}[fmt]()


def convert_format(boxes, source, target, height=None, width=None, dtype="float32"):
    """`boxes` (..., 4) (or a dict with "boxes") from format `source` to `target`."""
    if isinstance(boxes, dict):
        return {**boxes, "boxes": convert_format(boxes["boxes"], source, target, height, width,
                                                 dtype)}
    boxes = onp.asarray(boxes)
    if boxes.shape[-1] != 4:
        raise ValueError("`boxes` must be a tensor with the last dimension of 4. Received: "
                         f"boxes.shape={boxes.shape}")
    source, target = source.lower(), target.lower()
    if source not in SUPPORTED_FORMATS or target not in SUPPORTED_FORMATS:
        raise ValueError(f"Invalid source or target format. Supported formats: {SUPPORTED_FORMATS}")
    if (source.startswith("rel_") or target.startswith("rel_")) and (width is None or height is None):
        raise ValueError(
            "convert_format() must receive `height` and `width` transforming between relative "
            f"and absolute formats.convert_format() received source=`{source}`, "
            f"target=`{target}, but height={height} and width={width}.")
    boxes = boxes.astype(dtype)
    if source == target:
        return boxes
    h = None if height is None else onp.asarray(height, dtype)
    w = None if width is None else onp.asarray(width, dtype)
    if source.startswith("rel_") and target.startswith("rel_"):
        source, target = source[4:], target[4:]
    return _from_xyxy(_to_xyxy(boxes, source, h, w), target, h, w).astype(dtype)


def _area(boxes):
    x1, y1, x2, y2 = _split(boxes)
    return (x2 - x1) * (y2 - y1)


def clip_to_image_size(bounding_boxes, height=None, width=None, bounding_box_format="xyxy"):
    """Boxes clipped to the image ([0, 1] for rel_xyxy); boxes left with no area get label -1."""
    if bounding_box_format not in ("xyxy", "rel_xyxy"):
        raise NotImplementedError
    if bounding_box_format == "xyxy" and (height is None or width is None):
        raise ValueError("`height` and `width` must be set if `format='xyxy'`.")
    boxes = onp.asarray(bounding_boxes["boxes"])
    high_x, high_y = (1.0, 1.0) if bounding_box_format == "rel_xyxy" else (width, height)
    x1, y1, x2, y2 = _split(boxes)
    boxes = _join(onp.clip(x1, 0, high_x), onp.clip(y1, 0, high_y), onp.clip(x2, 0, high_x),
                  onp.clip(y2, 0, high_y)).astype(boxes.dtype)
    result = {**bounding_boxes, "boxes": boxes}
    if bounding_boxes.get("labels") is not None:
        result["labels"] = onp.where(_area(boxes)[..., 0] > 0, bounding_boxes["labels"], -1)
    return result


def _inverse_affine_matrix(cx, cy, angle, tx, ty, scale, shear_x, shear_y, height, width):
    """(B, 3, 3) map from input to output pixel positions (torchvision's convention)."""
    angle, shear_x, shear_y = -angle, -shear_x, -shear_y
    cx, cy = cx * (width - 1), cy * (height - 1)
    rot = angle * (1.0 / 180.0 * math.pi)
    tx, ty = -tx * (width - 1), -ty * (height - 1)
    sx, sy = shear_x * (1.0 / 180.0 * math.pi), shear_y * (1.0 / 180.0 * math.pi)
    a = onp.cos(rot - sy) / onp.cos(sy)
    b = a * onp.tan(sx) + onp.sin(rot)
    c = -onp.sin(rot - sy) / onp.cos(sy)
    d = onp.cos(rot) - c * onp.tan(sx)
    a0, a1, b0, b1 = d * scale, -b * scale, -c * scale, a * scale
    a2 = cx - a0 * (cx + tx) - a1 * (cy + ty)
    b2 = cy - b0 * (cx + tx) - b1 * (cy + ty)
    n = len(angle)
    return onp.stack([a0, a1, a2, b0, b1, b2, onp.zeros(n), onp.zeros(n), onp.ones(n)],
                     axis=-1).reshape(n, 3, 3)


def affine_transform(boxes, angle, translate_x, translate_y, scale, shear_x, shear_y, height,
                     width, center_x=None, center_y=None, bounding_box_format="xyxy"):
    """(B, N, 4) xyxy boxes moved by per-image rotations (degrees), translations (fractions of
    the size), scales and shears (degrees): the box around the four moved corners."""
    if bounding_box_format != "xyxy":
        raise NotImplementedError
    angle = onp.asarray(angle, "float32")
    matrix = _inverse_affine_matrix(0.5 if center_x is None else center_x,
                                    0.5 if center_y is None else center_y, angle,
                                    onp.asarray(translate_x), onp.asarray(translate_y),
                                    onp.asarray(scale), onp.asarray(shear_x),
                                    onp.asarray(shear_y), height, width).astype("float32")
    boxes = onp.asarray(boxes, "float32")
    b, n = boxes.shape[:2]
    x1, y1, x2, y2 = (boxes[..., i] for i in range(4))
    corners = onp.stack([x1, y1, x2, y1, x2, y2, x1, y2], axis=-1).reshape(b, n, 4, 2)
    corners = onp.concatenate([corners, onp.ones((b, n, 4, 1), "float32")], axis=-1)
    moved = onp.einsum("bnxy,byz->bnxz", corners, onp.transpose(matrix[:, :2, :], (0, 2, 1)))
    return onp.concatenate([moved.min(axis=2), moved.max(axis=2)], axis=-1)


def crop(boxes, top, left, height, width, bounding_box_format="xyxy"):
    """xyxy boxes in the frame of the crop window (top, left, height, width), clipped to it."""
    if bounding_box_format != "xyxy":
        raise NotImplementedError
    x1, y1, x2, y2 = _split(onp.asarray(boxes))
    return _join(onp.clip(x1 - left, 0, width), onp.clip(y1 - top, 0, height),
                 onp.clip(x2 - left, 0, width), onp.clip(y2 - top, 0, height))


def pad(boxes, top, left, height=None, width=None, bounding_box_format="xyxy"):
    """xyxy boxes shifted by the padding added at the top and the left."""
    if bounding_box_format != "xyxy":
        raise NotImplementedError
    x1, y1, x2, y2 = _split(onp.asarray(boxes))
    return _join(x1 + left, y1 + top, x2 + left, y2 + top)


def _check_variance(variance):
    if variance is None:
        return None
    variance = onp.asarray(variance, "float32")
    if variance.shape[-1] != 4:
        raise ValueError(f"`variance` must be length 4, got {variance}")
    return variance


def encode_box_to_deltas(anchors, boxes, anchor_format, box_format,
                         encoding_format="center_yxhw", variance=None, image_shape=None):
    """Boxes as offsets from their anchors: ((centre - anchor centre) / anchor size,
    log(size / anchor size)), in `encoding_format` order, divided by `variance`."""
    variance = _check_variance(variance)
    if encoding_format not in ["center_xywh", "center_yxhw"]:
        raise ValueError("`encoding_format` should be one of 'center_xywh' or 'center_yxhw', "
                         f"got {encoding_format}")
    height, width = (None, None) if image_shape is None else image_shape[:2]
    anchors = convert_format(anchors, anchor_format, encoding_format, height, width)
    boxes = convert_format(boxes, box_format, encoding_format, height, width)
    anchor_size = onp.maximum(anchors[..., 2:], 1e-7)
    box_size = onp.maximum(boxes[..., 2:], 1e-7)
    deltas = onp.concatenate([(boxes[..., :2] - anchors[..., :2]) / anchor_size,
                              onp.log(box_size / anchor_size)], axis=-1)
    return deltas if variance is None else deltas / variance


def decode_deltas_to_boxes(anchors, boxes_delta, anchor_format, box_format,
                           encoded_format="center_yxhw", variance=None, image_shape=None):
    """The inverse of encode_box_to_deltas (per level when anchors and deltas are dicts)."""
    variance = _check_variance(variance)
    if encoded_format not in ["center_xywh", "center_yxhw"]:
        raise ValueError("`encoded_format` should be 'center_xywh' or 'center_yxhw', but got "
                         f"'{encoded_format}'.")
    height, width = (None, None) if image_shape is None else image_shape[:2]

    def decode(anchor, delta):
        anchor = convert_format(anchor, anchor_format, encoded_format, height, width)
        delta = onp.asarray(delta, "float32") * (1 if variance is None else variance)
        box = onp.concatenate([delta[..., :2] * anchor[..., 2:] + anchor[..., :2],
                               onp.exp(delta[..., 2:]) * anchor[..., 2:]], axis=-1)
        return convert_format(box, encoded_format, box_format, height, width)

    if isinstance(anchors, dict) and isinstance(boxes_delta, dict):
        return {level: decode(anchor, boxes_delta[level]) for level, anchor in anchors.items()}
    return decode(anchors, boxes_delta)


_EPSILON = 1e-7  # keras.config.epsilon()


def compute_iou(boxes1, boxes2, bounding_box_format, use_masking=False, mask_val=-1,
                image_shape=None):
    """(..., N, M) intersection over union of every box of `boxes1` with every box of
    `boxes2`; with use_masking, pairs with a padding box (all coordinates < 0) get mask_val."""
    boxes1, boxes2 = onp.asarray(boxes1), onp.asarray(boxes2)
    for name, b in (("boxes1", boxes1), ("boxes2", boxes2)):
        if b.ndim not in (2, 3):
            raise ValueError(
                f"compute_iou() expects {name} to be batched, or to be unbatched. Received "
                f"len(boxes1.shape)={boxes1.ndim}, len(boxes2.shape)={boxes2.ndim}. Expected "
                f"either len({name}.shape)=2 AND or len({name}.shape)=3.")
    if "rel" in bounding_box_format and image_shape is None:
        raise ValueError("When using relative bounding box formats (e.g. `rel_yxyx`) the "
                         "`image_shape` argument must be provided.Received `image_shape`: "
                         f"{image_shape}")
    height, width = (None, None) if image_shape is None else image_shape[:2]
    b1 = convert_format(boxes1, bounding_box_format, "yxyx", height, width)
    b2 = convert_format(boxes2, bounding_box_format, "yxyx", height, width)
    b2t = onp.swapaxes(b2, -1, -2)  # (..., 4, M)
    inter_h = onp.maximum(0, onp.minimum(b1[..., 2:3], b2t[..., 2:3, :])
                          - onp.maximum(b1[..., 0:1], b2t[..., 0:1, :]))
    inter_w = onp.maximum(0, onp.minimum(b1[..., 3:4], b2t[..., 3:4, :])
                          - onp.maximum(b1[..., 1:2], b2t[..., 1:2, :]))
    inter = inter_h * inter_w
    area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])  # noqa: E731
    union = area(b1)[..., :, None] + area(b2)[..., None, :] - inter
    iou = inter / (union + _EPSILON)
    if not use_masking:
        return iou
    background = (b1.max(axis=-1, keepdims=True) < 0) | \
        onp.swapaxes(b2.max(axis=-1, keepdims=True) < 0, -1, -2)
    return onp.where(background, onp.asarray(mask_val, iou.dtype), iou)


def compute_ciou(boxes1, boxes2, bounding_box_format, image_shape=None):
    """Complete IoU of matching boxes: IoU - centre distance^2 / enclosing diagonal^2
    - alpha * v, v the aspect-ratio mismatch 4 / pi^2 (atan(w2/h2) - atan(w1/h1))^2."""
    if "rel" in bounding_box_format:
        raise ValueError("When using relative bounding box formats (e.g. `rel_yxyx`) the "
                         "`image_shape` argument must be provided.Received `image_shape`: "
                         f"{image_shape}")
    height, width = (None, None) if image_shape is None else image_shape[:2]
    b1 = convert_format(boxes1, bounding_box_format, "xyxy", height, width)
    b2 = convert_format(boxes2, bounding_box_format, "xyxy", height, width)
    x1a, y1a, x2a, y2a = _split(b1)
    x1b, y1b, x2b, y2b = _split(b2)
    w1, h1 = x2a - x1a, y2a - y1a + _EPSILON
    w2, h2 = x2b - x1b, y2b - y1b + _EPSILON
    inter = onp.maximum(onp.minimum(x2a, x2b) - onp.maximum(x1a, x1b), 0) * \
        onp.maximum(onp.minimum(y2a, y2b) - onp.maximum(y1a, y1b), 0)
    union = w1 * h1 + w2 * h2 - inter + _EPSILON
    iou = (inter / (union + _EPSILON))[..., 0]
    diagonal = ((onp.maximum(x2a, x2b) - onp.minimum(x1a, x1b)) ** 2
                + (onp.maximum(y2a, y2b) - onp.minimum(y1a, y1b)) ** 2 + _EPSILON)[..., 0]
    centres = (((x1a + x2a) / 2 - (x1b + x2b) / 2) ** 2
               + ((y1a + y2a) / 2 - (y1b + y2b) / 2) ** 2)[..., 0]
    v = (4 / math.pi ** 2 * (onp.arctan(w2 / h2) - onp.arctan(w1 / h1)) ** 2)[..., 0]
    alpha = v / (v - iou + (1 + _EPSILON))
    return iou - (centres / diagonal + v * alpha)
