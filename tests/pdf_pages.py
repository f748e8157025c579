"""What a PDF prints, read back as a person would see it: poppler's pdftotext for
the words and where they are, pdftoppm for the page as pixels (poppler-utils).

Independent of reportlab, which wrote the file: a box that a font cannot draw
prints as a filled square, and only the rendered page shows that.
"""

import re
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

DPI = 150
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def _run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603


def pdf_text(pdf: bytes) -> str:
    """The PDF's text, as pdftotext reads it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "file.pdf"
        path.write_bytes(pdf)
        return _run("pdftotext", "-layout", str(path), "-")


def _words(path: Path, page: int) -> list[tuple[float, float, float, float, str]]:
    found = _run("pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-")
    return [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in _WORD.findall(found)]


def _page_image(path: Path, page: int) -> Image.Image:
    prefix = path.parent / "page"
    _run(
        "pdftoppm", "-r", str(DPI), "-gray", "-singlefile", "-f", str(page), "-l", str(page),
        str(path), str(prefix),
    )  # fmt: skip
    return Image.open(f"{prefix}.pgm").convert("L")


def _mark(image: Image.Image, left: float, top: float, right: float, bottom: float) -> str:
    """What prints in a region (in points): 'none', or a box that is 'empty', 'ticked' or
    'filled', judged by how much of the middle of the box (inside its border) is dark."""
    scale = DPI / 72
    region = image.crop(
        (int(left * scale), int(top * scale), int(right * scale), int(bottom * scale))
    )
    dark = [
        (i % region.width, i // region.width)
        for i, value in enumerate(region.tobytes())  # one byte a pixel (mode L)
        if value < 128
    ]
    if not dark:
        return "none"
    x0, x1 = min(x for x, _ in dark), max(x for x, _ in dark)
    y0, y1 = min(y for _, y in dark), max(y for _, y in dark)
    width, height = x1 - x0 + 1, y1 - y0 + 1
    if width < 8 or height < 8 or not 0.75 < width / height < 1.33:
        return "none"  # not a box: a stray mark, a dash, text
    inner = {
        (x, y)
        for x in range(x0 + width * 3 // 10, x1 - width * 3 // 10 + 1)
        for y in range(y0 + height * 3 // 10, y1 - height * 3 // 10 + 1)
    }
    ratio = len(inner.intersection(dark)) / len(inner)
    if ratio > 0.8:
        return "filled"
    return "ticked" if ratio > 0.05 else "empty"


def box_beside(pdf: bytes, label: str, *, page: int = 1) -> str:
    """What prints just left of the last `label` on the page: 'ticked', 'empty',
    'filled' (a solid square, as a missing glyph prints) or 'none'."""
    wanted = label.split()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "file.pdf"
        path.write_bytes(pdf)
        words = _words(path, page)
        starts = [
            i
            for i in range(len(words) - len(wanted) + 1)
            if [w[4] for w in words[i : i + len(wanted)]] == wanted
        ]
        if not starts:
            raise AssertionError(f"{label!r} is not on page {page}")
        left, top, _right, bottom, _word = words[starts[-1]]
        # From 40 points before the label to just before it, a little above and below..
        return _mark(_page_image(path, page), left - 40, top - 2, left - 1, bottom + 2)
