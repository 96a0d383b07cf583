"""A tiny raster for the report's line chart: anti-aliased lines and dots on a grid, written as a PNG.

No text is drawn into the image (the report's words stay HTML text, shaped by the reader's client); numpy
does the pixels, zlib the PNG, so the report needs no plotting library.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np


def hex_colour(colour: str) -> np.ndarray:
    """#c62828 → [198, 40, 40] as floats in 0..1."""
    return np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.float64) / 255.0


class Canvas:
    """An RGB image of `width` × `height` pixels on a white background; y grows downwards."""

    def __init__(self, width: int, height: int, background: str = "#ffffff"):
        self.width, self.height = width, height
        self.pixels = np.ones((height, width, 3)) * hex_colour(background)
        self._ys, self._xs = np.mgrid[0:height, 0:width].astype(np.float64) + 0.5

    def _blend(self, coverage: np.ndarray, colour: str) -> None:
        alpha = np.clip(coverage, 0.0, 1.0)[..., None]
        self.pixels = self.pixels * (1.0 - alpha) + hex_colour(colour) * alpha

    def hline(self, y: float, colour: str, thickness: float = 1.0) -> None:
        """A horizontal rule across the whole width."""
        self._blend(thickness / 2 + 0.5 - np.abs(self._ys - y), colour)

    def polyline(self, points: list[tuple[float, float]], colour: str, width: float = 2.0,
                 dot_radius: float = 0.0) -> None:
        """Segments through `points` (one coverage for the whole line, so joints are not drawn twice) and a dot
        on each point."""
        coverage = np.zeros((self.height, self.width))
        half, reach = width / 2, max(dot_radius, width / 2)
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            box = self._box(min(x0, x1) - half - 1, max(x0, x1) + half + 1, min(y0, y1) - half - 1,
                            max(y0, y1) + half + 1)
            coverage[box] = np.maximum(coverage[box], half + 0.5 - self._segment_distance(box, x0, y0, x1, y1))
        for x, y in points:
            box = self._box(x - reach - 1, x + reach + 1, y - reach - 1, y + reach + 1)
            coverage[box] = np.maximum(coverage[box],
                                       reach + 0.5 - np.hypot(self._xs[box] - x, self._ys[box] - y))
        self._blend(coverage, colour)

    def _box(self, left: float, right: float, top: float, bottom: float) -> tuple[slice, slice]:
        """The pixels a shape can touch (clipped to the canvas): only they are computed."""
        return (slice(max(0, int(top)), min(self.height, int(bottom) + 1)),
                slice(max(0, int(left)), min(self.width, int(right) + 1)))

    def _segment_distance(self, box, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        xs, ys = self._xs[box], self._ys[box]
        dx, dy = x1 - x0, y1 - y0
        length = dx * dx + dy * dy
        t = np.zeros_like(xs) if length == 0 else np.clip(((xs - x0) * dx + (ys - y0) * dy) / length, 0.0, 1.0)
        return np.hypot(xs - (x0 + t * dx), ys - (y0 + t * dy))

    def png(self) -> bytes:
        """The image as PNG bytes (8-bit RGB, no filter, zlib level 9)."""
        rgb = np.round(self.pixels * 255).astype(np.uint8)
        rows = b"".join(b"\x00" + rgb[y].tobytes() for y in range(self.height))
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows, 9)) \
            + _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
