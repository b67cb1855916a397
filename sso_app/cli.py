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
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "score":
            from .scorecli import run

            text, code = run(args.file, args.quarter, args.json, args.cap)
            print(text)
            return code
    except SsoError as err:
        print(str(err), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
