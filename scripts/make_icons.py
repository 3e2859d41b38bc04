"""Draws the portal's icons (app/static/icons/: PNG 192 and 512 px for the web app manifest, 180 px
for iOS, and favicon.ico with a 32 px PNG inside) with the standard library only: the portal's blue
square with an open white diary and its ruled lines. Run once: `python scripts/make_icons.py`."""
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "app" / "static" / "icons"
BLUE, WHITE, LINE = (11, 92, 173), (255, 255, 255), (170, 196, 224)


def pixel(x, y):
    """The colour at (x, y) of a 1×1 icon (coordinates 0..1)."""
    if not (0.2 <= y <= 0.8 and 0.16 <= x <= 0.84):
        return BLUE
    if abs(x - 0.5) < 0.015:
        return BLUE  # the book's spine
    for line in (0.34, 0.44, 0.54, 0.64):
        if abs(y - line) < 0.012 and (0.23 <= x <= 0.45 or 0.55 <= x <= 0.77):
            return LINE
    return WHITE


def png(size):
    rows = b"".join(b"\0" + bytes(c for x in range(size) for c in pixel((x + .5) / size, (y + .5) / size))
                    for y in range(size))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def ico(image, size):
    return (struct.pack("<HHH", 0, 1, 1)
            + struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(image), 22) + image)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (180, 192, 512):
        (OUT / f"icon-{size}.png").write_bytes(png(size))
    (OUT / "favicon.ico").write_bytes(ico(png(32), 32))
