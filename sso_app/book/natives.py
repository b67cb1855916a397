"""Native formulas the book writer makes, each written together with the rule for its value.

Why: a formula cell saved without its value makes the book depend on Excel recalculating on
open (see :mod:`sso_app.book.cached`). A :class:`Native` is one kind of formula we write
(the budget's per cent, the OPDC box, a line of the printed card): its text with
``{placeholders}`` for the cells it reads, and a Python function giving what Excel computes
from the values of those cells. The module that writes a formula defines its ``Native`` and
writes ``native.formula(...)``; after a save, :mod:`sso_app.book.cached` recognises each
formula cell by its text (:meth:`Native.match`), reads the cells named there and caches
:meth:`Native.value`. Recognised by text, not by position: a formula Excel moved with an
inserted row is still ours, and a formula the planner changed is not.

The rules model what Excel and LibreOffice agree on. Inputs outside that (an error value,
text where a number is read, a number Excel would print in exponent form, a SUMIF criterion
with wildcards) raise :class:`NotModelled`: that cell keeps no value, and the book keeps
Excel's full calculation on open rather than show a number we are not sure of.

>>> PERCENT = Native('=IF({plan}>0,{spent}/{plan}*100,"")',
...                  lambda plan, spent: number(spent) / number(plan) * 100)
>>> PERCENT.formula(plan="B5", spent="C5")
'=IF(B5>0,C5/B5*100,"")'
>>> PERCENT.match('IF(B7>0,C7/B7*100,"")')
{'plan': 'B7', 'spent': 'C7'}
>>> PERCENT.match('IF(B7>=0,C7/B7*100,"")') is None  # changed: not ours any more
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

_CELL_RE = r"\$?[A-Z]{1,3}\$?[0-9]+"
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# Text SUMIF (and Excel's parser) would read as a number, date or time, not as text.
_NUMBER_LIKE = re.compile(r"[\d\s.,:/+-]*\d[\d\s.,:/+-]*|(?i:true|false)")


class NotModelled(Exception):
    """The cells a formula reads hold something its rule does not reproduce exactly."""


@dataclass(frozen=True)
class CellError:
    """An error value in a cell (``#N/A``, ``#DIV/0!``...): no rule computes with it."""

    code: str


@dataclass(frozen=True)
class Native:
    """One kind of native formula: its text and the rule that gives its value.

    ``template`` is the formula with ``{name}`` for what varies: a cell reference (default),
    a range (names in ``ranges``, the rule gets the values row by row) or a text literal
    (names in ``texts``: the rule gets the text, the formula has it quoted). A name used
    twice must read the same cell both times. ``rule`` takes the names as keyword arguments.
    """

    template: str
    rule: Callable[..., object]
    ranges: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts, seen, pos = [], set(), 0
        body = self.template.removeprefix("=")
        for m in _PLACEHOLDER.finditer(body):
            parts.append(re.escape(body[pos : m.start()]))
            name = m.group(1)
            if name in seen:
                parts.append(f"(?P={name})")
            elif name in self.texts:
                parts.append(f'"(?P<{name}>(?:[^"]|"")*)"')
            elif name in self.ranges:
                parts.append(f"(?P<{name}>{_CELL_RE}:{_CELL_RE})")
            else:
                parts.append(f"(?P<{name}>{_CELL_RE})")
            seen.add(name)
            pos = m.end()
        parts.append(re.escape(body[pos:]))
        object.__setattr__(self, "_pattern", re.compile("".join(parts)))

    def formula(self, **parts: str) -> str:
        """The formula as written to a cell (``=...``)."""

        def part(m: re.Match[str]) -> str:
            name = m.group(1)
            value = parts[name]
            return '"' + value.replace('"', '""') + '"' if name in self.texts else value

        return "=" + _PLACEHOLDER.sub(part, self.template.removeprefix("="))

    def match(self, text: str) -> dict[str, str] | None:
        """The parts of ``text`` (a cell's formula, with or without ``=``) if it is this kind."""
        m = self._pattern.fullmatch(text.removeprefix("="))
        if m is None:
            return None
        found = m.groupdict()
        for name in self.texts:
            found[name] = found[name].replace('""', '"')
        return found

    def value(self, parts: Mapping[str, str], read: Callable[[str], object]) -> object:
        """The formula's value, reading each cell through ``read(ref)`` (``$`` removed)."""
        args: dict[str, object] = {}
        for name, ref in parts.items():
            if name in self.texts:
                args[name] = ref
            elif name in self.ranges:
                args[name] = [read(cell) for cell in cells_of(ref)]
            else:
                args[name] = read(ref.replace("$", ""))
        return self.rule(**args)


def cells_of(ref: str) -> list[str]:
    """The cells of a range, row by row.

    >>> cells_of("$L$11:$L$13"), cells_of("A1:B2")
    (['L11', 'L12', 'L13'], ['A1', 'B1', 'A2', 'B2'])
    """
    from openpyxl.utils import get_column_letter, range_boundaries

    c1, r1, c2, r2 = range_boundaries(ref.replace("$", ""))
    return [f"{get_column_letter(c)}{r}" for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


# --------------------------------------------------------------------------------------------
# Excel's reading of a cell, where Excel and LibreOffice agree
# --------------------------------------------------------------------------------------------


def _checked(v: object) -> object:
    if isinstance(v, CellError):
        raise NotModelled(f"error value {v.code}")
    return v


def number(v: object) -> float:
    """A cell read as a number by arithmetic or a comparison with a number (empty is 0).

    Text is refused: Excel converts "12.5" but compares "abc" > 0 as TRUE, and LibreOffice
    converts text by a setting of its own.
    """
    v = _checked(v)
    if v is None:
        return 0.0
    if isinstance(v, int | float) and not isinstance(v, bool):
        return float(v)
    raise NotModelled(f"not a number: {v!r}")


def is_number(v: object) -> bool:
    """``ISNUMBER``: a number, not TRUE/FALSE, text or empty."""
    return isinstance(v, int | float) and not isinstance(v, bool)


def is_empty_text(v: object) -> bool:
    """``cell=""``: an empty cell or empty text."""
    v = _checked(v)
    if isinstance(v, bool):
        raise NotModelled("TRUE/FALSE compared with text")
    return v is None or v == ""


def reference(v: object) -> object:
    """``=A1``: what the cell holds; an empty cell gives 0."""
    v = _checked(v)
    if isinstance(v, bool):
        raise NotModelled("TRUE/FALSE")
    return 0.0 if v is None else v


def text_of(v: object) -> str:
    """A cell joined with ``&``: text as is, a number in General form, empty as "".

    >>> text_of(1.0), text_of(2.5), text_of(None), text_of(1 / 3)
    ('1', '2.5', '', '0.333333333333333')
    """
    v = _checked(v)
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if is_number(v):
        x = float(v)  # type: ignore[arg-type]
        shown = format(x, ".15g")  # Excel shows at most 15 significant digits
        if "e" in shown or not math.isfinite(x):
            raise NotModelled(f"{x!r} is shown in exponent form")
        return "0" if shown == "-0" else shown
    raise NotModelled(f"cannot join {v!r}")


def fixed2(v: object) -> str:
    """``TEXT(x,"0.00")``: halves away from zero, from the 15 digits Excel keeps.

    >>> fixed2(12.9), fixed2(2.675), fixed2(89.125), fixed2(1234567.891)
    ('12.90', '2.68', '89.13', '1234567.89')
    """
    if isinstance(_checked(v), str):
        raise NotModelled(f"TEXT of text {v!r}")  # Excel converts "12.9"; not checked in LO
    x = number(v)
    shown = format(x, ".15g")
    if "e" in shown or not math.isfinite(x):
        raise NotModelled(f"{x!r} is shown in exponent form")
    rounded = Decimal(shown).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if rounded == 0 and x < 0:
        raise NotModelled("negative zero")  # "-0.00" or "0.00": not checked
    return f"{rounded:.2f}"


def sum_of(values: Iterable[object]) -> float:
    """``SUM`` over a range: its numbers; text, TRUE/FALSE and empty cells are skipped."""
    return float(math.fsum(float(v) for v in map(_checked, values) if is_number(v)))  # type: ignore[arg-type]


def sum_if_text(criteria: list[object], criterion: str, values: list[object]) -> float:
    """``SUMIF(range, "criterion", sum_range)`` for a criterion that names a text.

    The criterion as :func:`text_criterion` writes it: an optional ``=`` first and ``~``
    before a literal ``~ * ?``. Text matches ignoring case, as in Excel (LibreOffice sets
    the same on loading an xlsx). A criterion that compares (``>`` ``<``), has wildcards,
    or reads as a number, date or truth value is not modelled.

    >>> sum_if_text(["A", "b", "a", None], "a", [1.0, 2.0, 4.0, 8.0])
    5.0
    >>> sum_if_text([">=A"], text_criterion(">=A"), [3.0])
    3.0
    """
    operand = criterion[1:] if criterion.startswith("=") else criterion
    if criterion[:1] in ("<", ">"):
        raise NotModelled(f"comparing criterion {criterion!r}")
    plain, i = [], 0
    while i < len(operand):
        ch = operand[i]
        if ch == "~" and i + 1 < len(operand) and operand[i + 1] in "~*?":
            plain.append(operand[i + 1])
            i += 2
            continue
        if ch in "*?":
            raise NotModelled(f"wildcard in {criterion!r}")
        plain.append(ch)
        i += 1
    text = "".join(plain)
    if not text.strip() or _NUMBER_LIKE.fullmatch(text.strip()):
        raise NotModelled(f"criterion {criterion!r} is not plain text")
    key = text.casefold()
    total = []
    for c, v in zip(criteria, values, strict=True):
        if isinstance(_checked(c), str) and c.casefold() == key and is_number(_checked(v)):
            total.append(float(v))  # type: ignore[arg-type]
    return float(math.fsum(total))


def text_criterion(text: str) -> str:
    """A SUMIF criterion (before quoting) that matches ``text`` literally.

    Wildcards escaped, and an explicit ``=`` first when the text does not start with a
    letter or digit: SUMIF reads a leading ``>=``, ``<=``, ``<>``, ``<``, ``>`` or ``=`` as a
    comparison, so a component named ``>=A`` would sum every name sorting after "A";
    ``=>=A`` is "equal to the text >=A" in Excel and LibreOffice alike.

    >>> text_criterion(">=A"), text_criterion("Performance Base"), text_criterion('5* "x"?')
    ('=>=A', 'Performance Base', '5~* "x"~?')
    """
    escaped = text.replace("~", "~~").replace("*", "~*").replace("?", "~?")
    return escaped if escaped[:1].isalnum() else "=" + escaped


# The two formulas every writer uses.
SUM = Native("=SUM({cells})", lambda cells: sum_of(cells), ranges=("cells",))
REF = Native("={cell}", lambda cell: reference(cell))
