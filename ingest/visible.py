"""Text a reader cannot see: found in a page's content stream and blanked before extraction.

Hidden text is how instructions get planted in a PDF for a model to read: nobody looking at
the page sees it, yet plain extraction returns it and it can become the cited answer. A text
show (Tj, TJ, ', ") is hidden when

* its render mode paints nothing: mode 3 (invisible). Mode 7 (add to clip path only) is
  kept: whatever is painted through the clip afterwards shows the glyphs;
* every paint the mode uses is white or nearly white (each RGB / gray component >= 0.97,
  CMYK all <= 0.03) or fully transparent (ExtGState /ca, /CA <= 0.03) -- unless it starts on
  a non-white filled rectangle or an image painted earlier (white on a dark banner is
  visible);
* its origin lies outside the page's crop box (the media box when there is none).

Positions are the text origin at the start of each show (text matrix x CTM); the advance
of the glyphs is not tracked. Text inside form XObjects is not examined.

The page's content stream is parsed once, here, and the parsed stream is handed to pypdf's
own `extract_text`, so a page with no hidden text extracts exactly as before, at the cost of
one extra pass over its operators, not a second parse.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass
from typing import Any

from pypdf import PageObject, PdfReader
from pypdf.generic import ArrayObject, ByteStringObject, ContentStream, NameObject

Matrix = tuple[float, float, float, float, float, float]
Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in default user space
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_WHITE_MIN = 0.97  # RGB / gray components at least this: white on a white page
_INK_MAX = 0.03  # CMYK components and alpha at most this
_TOLERANCE = 1.0  # points outside the box still counted as on the page
_FILLS = frozenset({b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"})
_SHOWS = frozenset({b"Tj", b"TJ", b"'", b'"'})
# Render modes that fill / stroke the glyphs (PDF 32000-1, table 106).
_FILL_MODES = frozenset({0, 2, 4, 6})
_STROKE_MODES = frozenset({1, 2, 5, 6})


def _mul(m: Matrix, n: Matrix) -> Matrix:
    """m x n in PDF's row-vector convention (apply m, then n)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


@dataclass
class _GState:
    """The part of the graphics state that decides visibility (saved by q, restored by Q)."""

    ctm: Matrix = _IDENTITY
    mode: int = 0
    fill_white: bool = False  # black is the initial colour
    stroke_white: bool = False
    fill_space: int = 1  # components of the current colour space; 0: not a device space
    stroke_space: int = 1
    fill_clear: bool = False  # alpha ~0
    stroke_clear: bool = False
    leading: float = 0.0
    font_size: float = 0.0


def _white(values: list[float], components: int) -> bool:
    if components == 4 and len(values) == 4:
        return all(v <= _INK_MAX for v in values)
    if components in (1, 3) and len(values) == components:
        return all(v >= _WHITE_MIN for v in values)
    return False  # patterns, separations, Lab...: assume ink


class _Scanner:
    def __init__(self, page: PageObject) -> None:
        self.resources = _resources(page)
        inf = float("inf")
        self.box = (-inf, -inf, inf, inf)
        try:
            box = page.cropbox  # the visible area; the media box when there is no crop box
            xs = sorted((float(box[0]), float(box[2])))
            ys = sorted((float(box[1]), float(box[3])))
            self.box = (xs[0], ys[0], xs[1], ys[1])
        except Exception:  # noqa: BLE001 - a broken box: cannot tell what is off the page
            pass
        self.gs = _GState()
        self.stack: list[_GState] = []
        self.tm: Matrix = _IDENTITY
        self.tlm: Matrix = _IDENTITY
        self.path: list[Box] = []
        self.backgrounds: list[Box] = []  # filled in a colour that is not white

    def scan(self, operations: list[tuple[Any, bytes]]) -> tuple[int, bool]:
        """Blank every hidden text show in place; (how many, whether any text operator
        occurs at all). One tight loop: it runs for every operator of every page."""
        hidden = 0
        shows = False
        handlers = _HANDLERS
        for operands, operator in operations:
            if operator in _SHOWS:
                shows = True
                if operator == b"'" or operator == b'"':
                    self._move(0.0, -self.gs.leading)
                if self._invisible():
                    _blank(operator, operands)
                    hidden += 1
                continue
            handler = handlers.get(operator)
            if handler is not None:
                shows = shows or operator == b"Do"
                try:
                    handler(self, operands)
                except (TypeError, ValueError, IndexError, KeyError, AttributeError):
                    pass  # a malformed operator changes nothing we track
        return hidden, shows

    def _invisible(self) -> bool:
        gs = self.gs
        m = _mul(self.tm, gs.ctm)
        x, y = m[4], m[5]
        left, bottom, right, top = self.box
        size = abs(gs.font_size) * (abs(m[0] * m[3] - m[1] * m[2]) ** 0.5)
        off_page = (
            x < left - _TOLERANCE
            or x > right + _TOLERANCE
            or y > top + _TOLERANCE
            or y + size < bottom - _TOLERANCE
        )
        if off_page:
            return True
        if gs.mode == 7:
            return False
        fill = gs.mode in _FILL_MODES and not gs.fill_clear
        stroke = gs.mode in _STROKE_MODES and not gs.stroke_clear
        if not fill and not stroke:
            return True  # mode 3, or every paint it uses is transparent
        if (fill and not gs.fill_white) or (stroke and not gs.stroke_white):
            return False
        return not any(x0 <= x <= x1 and y0 <= y <= y1 for x0, y0, x1, y1 in self.backgrounds)

    def _move(self, tx: float, ty: float) -> None:
        self.tlm = _mul((1.0, 0.0, 0.0, 1.0, tx, ty), self.tlm)
        self.tm = self.tlm

    def _paint_background(self, rect_box: Box) -> None:
        if not self.gs.fill_white and not self.gs.fill_clear:
            self.backgrounds.append(rect_box)

    def _device_box(self, x: float, y: float, w: float, h: float) -> Box:
        ctm = self.gs.ctm
        pts = [
            (px * ctm[0] + py * ctm[2] + ctm[4], px * ctm[1] + py * ctm[3] + ctm[5])
            for px, py in ((x, y), (x + w, y), (x, y + h), (x + w, y + h))
        ]
        return (
            min(p[0] for p in pts),
            min(p[1] for p in pts),
            max(p[0] for p in pts),
            max(p[1] for p in pts),
        )


def _resources(page: PageObject) -> dict[str, Any]:
    try:
        res = page.get("/Resources")
        return dict(res.get_object()) if res is not None else {}
    except Exception:  # noqa: BLE001 - broken resources: resolve nothing, assume ink
        return {}


def _named(scanner: _Scanner, kind: str, name: Any) -> Any:
    try:
        return scanner.resources[kind].get_object()[name].get_object()
    except Exception:  # noqa: BLE001 - a missing resource is no colour space / state we know
        return None


def _space_components(scanner: _Scanner, name: Any) -> int:
    simple = {"/DeviceGray": 1, "/DeviceRGB": 3, "/DeviceCMYK": 4, "/G": 1, "/RGB": 3}
    if str(name) in simple:
        return simple[str(name)]
    space = _named(scanner, "/ColorSpace", name)
    if isinstance(space, ArrayObject) and space:
        family = str(space[0])
        if family == "/ICCBased":
            try:
                return int(space[1].get_object()["/N"])
            except Exception:  # noqa: BLE001
                return 0
        return {"/CalGray": 1, "/CalRGB": 3}.get(family, 0)
    return 0


def _op_q(s: _Scanner, ops: list[Any]) -> None:
    s.stack.append(copy(s.gs))


def _op_Q(s: _Scanner, ops: list[Any]) -> None:
    if s.stack:
        s.gs = s.stack.pop()


def _matrix(ops: list[Any]) -> Matrix:
    a, b, c, d, e, f = (float(v) for v in ops[:6])  # ValueError unless six numbers
    return (a, b, c, d, e, f)


def _op_cm(s: _Scanner, ops: list[Any]) -> None:
    s.gs.ctm = _mul(_matrix(ops), s.gs.ctm)


def _op_BT(s: _Scanner, ops: list[Any]) -> None:
    s.tm = s.tlm = _IDENTITY


def _op_Tm(s: _Scanner, ops: list[Any]) -> None:
    s.tm = s.tlm = _matrix(ops)


def _op_Td(s: _Scanner, ops: list[Any]) -> None:
    s._move(float(ops[0]), float(ops[1]))


def _op_TD(s: _Scanner, ops: list[Any]) -> None:
    s.gs.leading = -float(ops[1])
    s._move(float(ops[0]), float(ops[1]))


def _op_Tstar(s: _Scanner, ops: list[Any]) -> None:
    s._move(0.0, -s.gs.leading)


def _op_TL(s: _Scanner, ops: list[Any]) -> None:
    s.gs.leading = float(ops[0])


def _op_Tf(s: _Scanner, ops: list[Any]) -> None:
    s.gs.font_size = float(ops[-1])


def _op_Tr(s: _Scanner, ops: list[Any]) -> None:
    s.gs.mode = int(ops[0])


def _fill(n: int) -> Any:
    def op(s: _Scanner, ops: list[Any]) -> None:
        s.gs.fill_space = n
        s.gs.fill_white = _white([float(v) for v in ops], n)

    return op


def _stroke(n: int) -> Any:
    def op(s: _Scanner, ops: list[Any]) -> None:
        s.gs.stroke_space = n
        s.gs.stroke_white = _white([float(v) for v in ops], n)

    return op


def _op_cs(s: _Scanner, ops: list[Any]) -> None:
    # A new colour space starts at its initial colour: black (or no ink) is never white.
    s.gs.fill_space = _space_components(s, ops[0])
    s.gs.fill_white = False


def _op_CS(s: _Scanner, ops: list[Any]) -> None:
    s.gs.stroke_space = _space_components(s, ops[0])
    s.gs.stroke_white = False


def _op_sc(s: _Scanner, ops: list[Any]) -> None:
    values = [float(v) for v in ops if not isinstance(v, NameObject)]
    s.gs.fill_white = len(values) == len(ops) and _white(values, s.gs.fill_space)


def _op_SC(s: _Scanner, ops: list[Any]) -> None:
    values = [float(v) for v in ops if not isinstance(v, NameObject)]
    s.gs.stroke_white = len(values) == len(ops) and _white(values, s.gs.stroke_space)


def _op_gs(s: _Scanner, ops: list[Any]) -> None:
    state = _named(s, "/ExtGState", ops[0])
    if state is None:
        return
    if "/ca" in state:
        s.gs.fill_clear = float(state["/ca"]) <= _INK_MAX
    if "/CA" in state:
        s.gs.stroke_clear = float(state["/CA"]) <= _INK_MAX


def _op_re(s: _Scanner, ops: list[Any]) -> None:
    x, y, w, h = (float(v) for v in ops[:4])
    s.path.append(s._device_box(x, y, w, h))


def _op_paint(s: _Scanner, ops: list[Any]) -> None:
    for rect in s.path:
        s._paint_background(rect)
    s.path.clear()


def _op_endpath(s: _Scanner, ops: list[Any]) -> None:
    s.path.clear()


def _op_Do(s: _Scanner, ops: list[Any]) -> None:
    # An image covers its unit square: text on it is assumed to be visible.
    xobject = _named(s, "/XObject", ops[0])
    if xobject is not None and xobject.get("/Subtype") == "/Image":
        s.backgrounds.append(s._device_box(0.0, 0.0, 1.0, 1.0))


_HANDLERS: dict[bytes, Any] = {
    b"q": _op_q,
    b"Q": _op_Q,
    b"cm": _op_cm,
    b"BT": _op_BT,
    b"Tm": _op_Tm,
    b"Td": _op_Td,
    b"TD": _op_TD,
    b"T*": _op_Tstar,
    b"TL": _op_TL,
    b"Tf": _op_Tf,
    b"Tr": _op_Tr,
    b"g": _fill(1),
    b"rg": _fill(3),
    b"k": _fill(4),
    b"G": _stroke(1),
    b"RG": _stroke(3),
    b"K": _stroke(4),
    b"cs": _op_cs,
    b"CS": _op_CS,
    b"sc": _op_sc,
    b"scn": _op_sc,
    b"SC": _op_SC,
    b"SCN": _op_SC,
    b"gs": _op_gs,
    b"re": _op_re,
    b"n": _op_endpath,
    b"S": _op_endpath,
    b"s": _op_endpath,
    b"Do": _op_Do,
    **dict.fromkeys(_FILLS, _op_paint),
}


def _blank(operator: bytes, operands: list[Any]) -> None:
    """Empty the text of a show in place, keeping its line movement (' and ")."""
    if operator == b"TJ":
        if operands:
            operands[0] = ArrayObject()
    elif operands:
        operands[-1] = ByteStringObject(b"")


def _ignore(*args: Any) -> None:
    return None


def visible_text(page: PageObject, reader: PdfReader) -> tuple[str, int]:
    """pypdf's `page.extract_text()` without the text nobody can see, and how many text
    shows were dropped. Blanks them in the page's parsed content (in memory only)."""
    try:
        raw = page["/Contents"].get_object()
    except (KeyError, AttributeError):
        return page.extract_text() or "", 0  # no content stream: nothing to hide
    # Exactly the stream pypdf's extract_text builds for itself; it reuses this one.
    content = ContentStream(raw, reader, "bytes")
    hidden, shows = _Scanner(page).scan(content.operations)
    if not shows:
        return "", 0  # what pypdf returns for a stream without text operators or Do
    page[NameObject("/Contents")] = content
    # Any visitor makes pypdf skip its "has text operators?" scan of the stream bytes, which
    # on an already parsed stream would re-serialise every operator; the answer is known.
    return page.extract_text(visitor_text=_ignore) or "", hidden
