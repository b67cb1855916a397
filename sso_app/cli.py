"""The `sso-kpi` command: every job without Excel, on closed files.

Each sub-command lives in its own module; this file only parses arguments and turns an
``SsoError`` into a two-language message and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sso_kpi.errors import SsoError


def _quarter(text: str) -> int:
    q = int(text.strip().lower().removeprefix("q"))
    if q not in (1, 2, 3, 4):
        raise argparse.ArgumentTypeError("quarter must be 1-4 / ไตรมาสต้องเป็น 1-4")
    return q


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sso-kpi",
        description="SSO KPI planning workbook tools (สำนักงานประกันสังคม)",
    )
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("score", help="score a KPI file (CSV/xlsx/xlsm) / คำนวณผลตัวชี้วัด")
    s.add_argument("file", type=Path)
    s.add_argument("--quarter", "-q", type=_quarter, help="1-4 (default: latest with results)")
    s.add_argument("--cap", type=float, help="cap achievement per cent before averaging")
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
        type=int,
        metavar="N",
        help="processes reading the files (default: one per core for 16 files or more)",
    )

    rs = sub.add_parser(
        "restore", help="list BOOK's kept versions (<name>.backups/) and put one back"
    )
    rs.add_argument("book", type=Path)
    rs.add_argument("--list", action="store_true", help="only list the kept versions")
    rs.add_argument(
        "--version", type=int, default=1, metavar="N", help="number in the list (1 = newest)"
    )

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
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "score":
            from .scorecli import run

            text, code = run(args.file, args.quarter, args.json, args.cap)
            print(text)
            return code
        if args.command == "build-workbook":
            from .build import build_workbook

            print(build_workbook(args.output, demo=not args.empty))
        elif args.command == "import":
            from .bookimport import import_into

            report = import_into(args.file, args.into, args.mode)
            print(report)
            return 1 if report.errors else 0
        elif args.command == "rebuild":
            from .rebuild import rebuild

            print(rebuild(args.book, args.quarter))
        elif args.command == "demo":
            from .demo import run_demo

            print(run_demo(args.outdir))
        elif args.command == "consolidate":
            from .consolidate import consolidate

            report = consolidate(args.inputs, args.output, args.quarter, workers=args.workers)
            print(report)
        elif args.command == "restore":
            from .restore import restore

            print(restore(args.book, args.version, list_only=args.list))
        elif args.command == "report":
            from .report import write_report

            print(write_report(args.book, args.output, args.quarter, xlsx=args.xlsx))
    except SsoError as err:
        print(str(err), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
