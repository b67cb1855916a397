"""The `sso-kpi` command: every job without Excel, on closed files.

Each sub-command lives in its own module; this file only parses and checks arguments and
turns the outcome into one exit-code rule for every command (README, "Exit codes"):

- 0: done (warnings allowed);
- 1: done, but rows or files were left out (each listed);
- 2: refused, nothing written (an ``SsoError`` or a bad argument: a two-language message,
  never a traceback).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from sso_kpi.errors import SsoError

DONE, LEFT_OUT, REFUSED = 0, 1, 2


def _quarter(text: str) -> int:
    """1-4, also typed ``Q3``.

    >>> _quarter("Q3"), _quarter(" 2 ")
    (3, 2)
    """
    try:
        q = int(text.strip().lower().removeprefix("q"))
    except ValueError:
        q = 0
    if q not in (1, 2, 3, 4):
        raise argparse.ArgumentTypeError(f"ไตรมาสต้องเป็น 1-4 / quarter must be 1-4, not {text!r}")
    return q


def _cap(text: str) -> float:
    """A cap in per cent of plan: a finite number of at least 100, as the book's setting.

    >>> _cap("200"), _cap("1,000")
    (200.0, 1000.0)
    """
    try:
        cap = float(text.replace(",", "").strip())
    except ValueError:
        cap = math.nan
    if not math.isfinite(cap) or cap < 100:
        raise argparse.ArgumentTypeError(
            f"เพดานต้องเป็นตัวเลขไม่ต่ำกว่า 100 / the cap must be a number of at least 100 "
            f"(per cent of plan), not {text!r}"
        )
    return cap


def _positive(text: str) -> int:
    try:
        n = int(text.strip())
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(
            f"ต้องเป็นจำนวนเต็มตั้งแต่ 1 / must be a whole number from 1, not {text!r}"
        )
    return n


def _month(text: str) -> int:
    m = int(text.strip())
    if not 1 <= m <= 12:
        raise argparse.ArgumentTypeError("month must be 1-12 / เดือนต้องเป็น 1-12")
    return m


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sso-kpi",
        description="SSO KPI planning workbook tools (สำนักงานประกันสังคม)",
    )
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("score", help="score a KPI file (CSV/xlsx/xlsm) / คำนวณผลตัวชี้วัด")
    s.add_argument("file", type=Path)
    s.add_argument("--quarter", "-q", type=_quarter, help="1-4 (default: latest with results)")
    s.add_argument(
        "--cap", type=_cap, help="cap achievement per cent before averaging (at least 100)"
    )
    s.add_argument("--json", action="store_true", help="one JSON object on stdout")

    b = sub.add_parser("build-workbook", help="write workbook/SSO_Plan.xlsm from source")
    b.add_argument("-o", "--output", type=Path, default=Path("workbook/SSO_Plan.xlsm"))
    b.add_argument("--empty", action="store_true", help="no demo data / ไม่ใส่ข้อมูลตัวอย่าง")

    i = sub.add_parser("import", help="validate a KPI file and write it into a workbook's tbl_kpi")
    i.add_argument("file", type=Path)
    i.add_argument("--into", type=Path, required=True, metavar="BOOK")
    mode = i.add_mutually_exclusive_group()
    mode.add_argument("--replace", action="store_const", const="replace", dest="mode")
    mode.add_argument("--append", action="store_const", const="append", dest="mode")

    r = sub.add_parser("rebuild", help="rebuild the quarterly summary of a closed workbook")
    r.add_argument("book", type=Path)
    r.add_argument("--quarter", "-q", type=_quarter)

    d = sub.add_parser("demo", help="rebuild the demo workbook into out/ with a PDF summary")
    d.add_argument("-o", "--outdir", type=Path, default=Path("out"))

    c = sub.add_parser("consolidate", help="national summary of many unit workbooks")
    c.add_argument("inputs", type=Path, nargs="+", metavar="FILES_OR_DIR")
    c.add_argument("-o", "--output", type=Path, required=True)
    c.add_argument("--quarter", "-q", type=_quarter)
    c.add_argument(
        "--workers",
        type=_positive,
        metavar="N",
        help="processes reading the files (default: one per core for 16 files or more)",
    )
    c.add_argument("--month", "-m", type=_month, help="month of the yearly cycle (1-12)")
    c.add_argument("--manifest", type=Path, help="the distribution's แผนที่แจก.json")
    c.add_argument("--json", action="store_true", help="per unit submission status as JSON")

    ds = sub.add_parser("distribute", help="one book per unit from the national plan")
    ds.add_argument("plan", type=Path)
    ds.add_argument("-o", "--output", type=Path, required=True, metavar="FOLDER")
    ds.add_argument("--by", default="unit", help="the plan's column naming the unit")
    ds.add_argument("--year", type=int, help="ปี พ.ศ. (default: the plan book's)")
    ds.add_argument("--year-kind", choices=("calendar", "fiscal"))
    ds.add_argument("--deadline-day", type=int, default=5, help="results due by this day")

    sb = sub.add_parser("submit", help="record a unit book's submission of a month")
    sb.add_argument("book", type=Path)
    sb.add_argument("--month", "-m", type=_month, required=True)

    ro = sub.add_parser("reopen", help="reopen a submitted month, with the reason")
    ro.add_argument("book", type=Path)
    ro.add_argument("--month", "-m", type=_month, required=True)
    ro.add_argument("--reason", required=True)

    rs = sub.add_parser(
        "restore", help="list BOOK's kept versions (<name>.backups/) and put one back"
    )
    rs.add_argument("book", type=Path)
    rs.add_argument("--list", action="store_true", help="only list the kept versions")
    rs.add_argument(
        "--version", type=_positive, default=1, metavar="N", help="number in the list (1 = newest)"
    )

    k = sub.add_parser(
        "kit", help="offline install kit for Windows (wheels, book, install.cmd) / ชุดติดตั้ง"
    )
    k.add_argument("-o", "--output", type=Path, required=True, metavar="FOLDER")
    k.add_argument(
        "--python",
        nargs="+",
        metavar="X.Y",
        help="Python versions of the offices (default: every supported one)",
    )
    k.add_argument("--wheel", type=Path, help="the project's wheel (default: built from source)")

    rp = sub.add_parser(
        "report",
        help="the quarterly report (PDF, PNG chart, --xlsx) of a unit or national workbook",
    )
    rp.add_argument("book", type=Path)
    rp.add_argument("-o", "--output", type=Path, required=True)
    rp.add_argument("--quarter", "-q", type=_quarter)
    rp.add_argument(
        "--xlsx",
        action="store_true",
        help="also the report as an editable workbook <stem>_report.xlsx",
    )
    pr = sub.add_parser(
        "print",
        help="print a workbook to PDF with the computed figures, as LibreOffice cannot "
        "compute them / พิมพ์สมุดงานเป็น PDF",
    )
    pr.add_argument("book", type=Path)
    pr.add_argument("-o", "--output", type=Path, help="the PDF (default: BOOK.pdf)")
    pr.add_argument("--sheet", help="only this sheet, e.g. แผน-ผล (default: every sheet)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one command; the exit code by the one rule: 0 done, 1 rows or files left out,
    2 refused (argparse, too, exits 2 on a bad argument)."""
    args = parser().parse_args(argv)
    try:
        return _run(args)
    except SsoError as err:
        print(str(err), file=sys.stderr)
        if getattr(args, "json", False):  # --json promises one object on stdout, refusals too
            print(json.dumps(refusal_json(err), ensure_ascii=False, indent=1))
        return REFUSED


def refusal_json(err: SsoError) -> dict[str, object]:
    """A refusal as ``--json`` prints it: the same fields a problem has.

    >>> err = SsoError("ไฟล์ว่างเปล่า", "the file is empty", where="a.csv", code="empty_file")
    >>> out = refusal_json(err)
    >>> out["refused"], out["errors"][0]["code"], out["errors"][0]["file"]
    (True, 'empty_file', 'a.csv')
    """
    problem = {
        "code": err.code,
        "file": err.where,
        "message_th": err.message_th,
        "message_en": err.message_en,
        "text": str(err),
    }
    return {"refused": True, "errors": [problem], "warnings": []}


def _run(args: argparse.Namespace) -> int:
    if args.command == "score":
        from .scorecli import run

        text, code = run(args.file, args.quarter, args.json, args.cap)
        print(text)
        return code
    if args.command == "build-workbook":
        from .build import build_workbook

        print(build_workbook(args.output, demo=not args.empty))
        return DONE
    if args.command == "import":
        from .bookimport import import_into

        report = import_into(args.file, args.into, args.mode)
        print(report)
        # All or nothing: a file with errors is refused and the book left as it was.
        return REFUSED if report.errors else DONE
    if args.command == "rebuild":
        from .rebuild import rebuild

        report = rebuild(args.book, args.quarter)
        print(report)
        return LEFT_OUT if report.errors else DONE
    if args.command == "demo":
        from .demo import run_demo

        report = run_demo(args.outdir)
        print(report)
        return LEFT_OUT if report.rebuild.errors else DONE
    if args.command == "consolidate":
        from .consolidate import consolidate

        report = consolidate(
            args.inputs,
            args.output,
            args.quarter,
            workers=args.workers,
            month=args.month,
            manifest=args.manifest,
        )
        if args.json:
            print(json.dumps(report.as_json(), ensure_ascii=False, indent=1, default=str))
        else:
            print(report)
        return LEFT_OUT if report.left_out else DONE
    if args.command == "distribute":
        from .distribute import distribute

        done = distribute(
            args.plan,
            args.output,
            by=args.by,
            year_be=args.year,
            year_kind=args.year_kind,
            deadline_day=args.deadline_day,
        )
        print(done)
        return LEFT_OUT if done.errors else DONE
    if args.command in ("submit", "reopen"):
        from .submit import reopen, submit

        if args.command == "submit":
            sent = submit(args.book, args.month)
        else:
            sent = reopen(args.book, args.month, args.reason)
        print(sent)
        # A refused submission (errors on due indicators) records nothing.
        return REFUSED if sent.errors else DONE
    if args.command == "kit":
        from .kit import SUPPORTED_PYTHONS, make_kit

        pythons = tuple(args.python) if args.python else SUPPORTED_PYTHONS
        report = make_kit(args.output, pythons, args.wheel)
        print(report)
        # A kit whose wheels do not resolve on Windows is not refused: it is listed, code 1.
        return DONE if all(c.ok for c in report.checks) else LEFT_OUT
    if args.command == "restore":
        from .restore import restore

        print(restore(args.book, args.version, list_only=args.list))
        return DONE
    if args.command == "report":
        from .report import write_report

        result = write_report(args.book, args.output, args.quarter, xlsx=args.xlsx)
        print(result)
        return LEFT_OUT if result.errors else DONE
    if args.command == "print":
        from .printbook import print_book

        print(print_book(args.book, args.output, args.sheet))
        return DONE
    raise AssertionError(args.command)  # argparse allows only the commands above


if __name__ == "__main__":
    sys.exit(main())
