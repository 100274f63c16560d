"""``python -m briefing --unit CODE --period 2026-Q3 --out FILE.docx [--appendix FILE.xlsx]``."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from briefing.appendix import build_appendix
from briefing.figures import gather
from briefing.report import build_report, warm_charts
from reporting import db
from reporting.lineage import DEFAULT_HISTORY, HISTORIES
from reporting.periods import PeriodError, parse
from reporting.units import UnitTree


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m briefing", description="Báo cáo quý và biểu tổng hợp.")
    parser.add_argument("--unit", required=True, help="mã đơn vị (tỉnh ủy hoặc đảng ủy xã)")
    parser.add_argument("--period", required=True, help="quý, ví dụ 2026-Q3")
    parser.add_argument("--out", required=True, help="tệp báo cáo .docx")
    parser.add_argument("--appendix", help="tệp biểu tổng hợp .xlsx (mặc định: cạnh tệp báo cáo)")
    parser.add_argument(
        "--history",
        choices=list(HISTORIES),
        default=DEFAULT_HISTORY,
        help="today: số liệu các đơn vị cũ cộng vào đơn vị kế thừa (mặc định); reported: theo đơn vị khi báo cáo",
    )
    parser.add_argument("--today", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        period = parse(args.period)
    except PeriodError as exc:
        print(f"Lỗi cú pháp: {exc}", file=sys.stderr)
        return 2
    if period.kind != "quarter":
        print("Lỗi cú pháp: báo cáo quý cần một quý, ví dụ 2026-Q3.", file=sys.stderr)
        return 2
    try:
        con = db.connect(db.db_path(), read_only=True)
    except db.StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    tree = UnitTree.from_db(con)
    if args.unit not in tree:
        print(f"Mã đơn vị «{args.unit}» không có trong danh mục.", file=sys.stderr)
        return 1
    today = date.fromisoformat(args.today) if args.today else date.today()
    warm_charts()  # Chromium starts while the figures are gathered
    b = gather(con, tree, args.unit, period, today, args.history)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(build_report(b))
    appendix = Path(args.appendix) if args.appendix else out.with_name(out.stem + "_bieu-tong-hop.xlsx")
    appendix.write_bytes(build_appendix(b))
    print(f"Đã tạo báo cáo {out} và biểu tổng hợp {appendix}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
