"""Bounding boxes for the geometric image layers: conversion between box formats and clipping
to the image, on dicts {"boxes": (..., n, 4), "labels": (..., n)} as Keras passes them.

Formats (Keras's names): "xyxy" (corners in pixels), "rel_xyxy" (corners as fractions of the
width / height), "xywh" (top-left corner, width, height), "center_xywh" (centre, width,
height), "yxyx" and "rel_yxyx" (corners, y first). Boxes are data, not parameters: they carry
no gradient.
"""
import numpy as np

from minikeras.ops import convert_to_tensor

FORMATS = ("xyxy", "rel_xyxy", "xywh", "center_xywh", "yxyx", "rel_yxyx")


def _check(layer, fmt):
    if fmt not in FORMATS:
        raise ValueError(f"{layer}: unsupported `bounding_box_format` {fmt!r}; expected one of "
                         f"{FORMATS}.")


def _array(value):
    return np.asarray(value.numpy() if hasattr(value, "numpy") else value)


def to_xyxy(boxes, fmt, height, width, layer="bounding boxes"):
    """(..., 4) boxes in `fmt` -> float pixel corners (x1, y1, x2, y2)."""
    _check(layer, fmt)
    boxes = _array(boxes)
    boxes = boxes.astype(boxes.dtype if boxes.dtype.kind == "f" else "float32")
    a, b, c, d = np.moveaxis(boxes, -1, 0)
    if fmt == "xyxy":
        corners = (a, b, c, d)
    elif fmt == "rel_xyxy":
        corners = (a * width, b * height, c * width, d * height)
    elif fmt == "xywh":
        corners = (a, b, a + c, b + d)
    elif fmt == "center_xywh":
        corners = (a - c / 2, b - d / 2, a + c / 2, b + d / 2)
    elif fmt == "yxyx":
        corners = (b, a, d, c)
    else:  # rel_yxyx
        corners = (b * width, a * height, d * width, c * height)
    return np.stack(corners, axis=-1).astype(boxes.dtype)


def from_xyxy(boxes, fmt, height, width, layer="bounding boxes"):
    """Pixel corners (..., 4) -> boxes in `fmt` (the inverse of `to_xyxy`)."""
    _check(layer, fmt)
    x1, y1, x2, y2 = np.moveaxis(boxes, -1, 0)
    out = {"xyxy": (x1, y1, x2, y2),
           "rel_xyxy": (x1 / width, y1 / height, x2 / width, y2 / height),
           "xywh": (x1, y1, x2 - x1, y2 - y1),
           "center_xywh": ((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1),
           "yxyx": (y1, x1, y2, x2),
           "rel_yxyx": (y1 / height, x1 / width, y2 / height, x2 / width)}[fmt]
    return np.stack(out, axis=-1).astype(boxes.dtype)


def clip(boxes, labels, height, width):
    """Clip pixel corners to the image; a box left with no area gets the label -1 (Keras's
    marker for "no box")."""
    limits = np.asarray([width, height, width, height], dtype=boxes.dtype)
    boxes = np.clip(boxes, 0, limits)
    if labels is not None:
        labels = _array(labels)
        area = (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])
        labels = np.where(area > 0, labels, -1).astype(labels.dtype)
    return boxes, labels


def transform_boxes(layer, bounding_boxes, move, in_size, out_size=None):
    """The shared path of a geometric layer's `transform_bounding_boxes`: convert to pixel
    corners of the input (height, width) `in_size`, `move(xyxy) -> xyxy`, clip to `out_size`
    (default `in_size`) and convert back to the layer's format."""
    fmt, name = layer.bounding_box_format, type(layer).__name__
    out_size = out_size or in_size
    boxes = move(to_xyxy(bounding_boxes["boxes"], fmt, *in_size, layer=name))
    boxes, labels = clip(boxes, bounding_boxes.get("labels"), *out_size)
    result = dict(bounding_boxes, boxes=convert_to_tensor(from_xyxy(boxes, fmt, *out_size,
                                                                    layer=name)))
    if labels is not None:
        result["labels"] = convert_to_tensor(labels)
    return result
