"""``python -m ingest``: the command line over the ingest library.

Thin by design: parse arguments, call the library, print. Exit codes: 0 when
no file is rejected, 1 when any is (or a registry, targets or values file is
refused), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb

from ingest.backup import BackupError
from ingest.findings import SEVERITY_LABEL
from ingest.load import Incoming, LoadOutcome, check_files, load_files
from ingest.tables import TableError
from ingest.validate import CheckResult
from reporting import db, queries
from reporting.numbers import fmt_number, fmt_value
from reporting.periods import Period, PeriodError, parse, parse_return_period
from reporting.units import UnitTree

STATUS_LABEL = {
    "accepted": "HỢP LỆ",
    "warnings": "HỢP LỆ, CÓ CẢNH BÁO",
    "rejected": "BỊ TỪ CHỐI",
}


class UsageError(Exception):
    """Bad arguments (exit 2)."""


class Refused(Exception):
    """The input was checked and refused (exit 1); the message says why."""


def _print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _today(text: str | None) -> date:
    try:
        return date.fromisoformat(text) if text else date.today()
    except ValueError as exc:
        raise UsageError(f"Ngày «{text}» không hợp lệ; dùng dạng 2026-11-23.") from exc


def _files(paths: Sequence[str]) -> list[Incoming]:
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        raise UsageError(f"Không tìm thấy tệp: {', '.join(missing)}")
    return [Incoming.from_path(p) for p in paths]


def _describe(result: CheckResult, tree: UnitTree, extra: str | None = None) -> str:
    unit = tree.get(result.unit_code) if result.unit_code else None
    who = f"{result.unit_code} – {unit.name}" if unit else (result.unit_code or "không rõ")
    when = result.period.label if result.period else (result.period_text or "không rõ")
    errors = sum(f.severity == "error" for f in result.findings)
    warnings = len(result.findings) - errors
    lines = [
        f"━━ {result.file_name}",
        f"   Đơn vị: {who} · Kỳ: {when}",
        f"   Kết quả: {STATUS_LABEL[result.status]} ({fmt_number(errors)} lỗi, {fmt_number(warnings)} cảnh báo)",
    ]
    if extra:
        lines.append(f"   {extra}")
    lines += [f"   [{SEVERITY_LABEL[f.severity]}] {f.message}" for f in result.findings]
    return "\n".join(lines)


def _open_for_reading() -> duckdb.DuckDBPyConnection:
    """The store read-only, or an empty in-memory one when none exists yet (check writes nothing)."""
    if db.db_path().exists():
        return db.connect(db.db_path(), read_only=True)
    print(f"Chưa có cơ sở dữ liệu tại {db.db_path()}: mọi mã đơn vị sẽ là chưa có trong danh mục.", file=sys.stderr)
    return db.connect(":memory:")


# --- commands -------------------------------------------------------------


def cmd_template(args: argparse.Namespace) -> int:
    from ingest.template import template_file_name, write_template_file

    period = _return_period(args.period)
    con = db.connect()
    tree = UnitTree.from_db(con)
    if args.all:
        units = tree.reporting_units(period.start, period.end)
        out_dir = Path(args.out)
    else:
        if not args.unit:
            raise UsageError("Cần --unit MÃ hoặc --all.")
        unit = tree.get(args.unit)
        if unit is None:
            raise Refused(f"Mã đơn vị «{args.unit}» không có trong danh mục.")
        if not unit.reports:
            raise Refused(f"Đơn vị «{args.unit}» ({unit.name}) không phải đơn vị gửi báo cáo.")
        if not unit.active_during(period.start, period.end):
            raise Refused(f"Đơn vị «{args.unit}» ({unit.name}) không hoạt động trong {period.label}.")
        units = [unit]
    targets = queries.targets_of_year(con, period.year)
    for unit in units:
        out = out_dir / template_file_name(unit, period) if args.all else Path(args.out)
        write_template_file(
            out, unit, period, tree.branches_of(unit.code, period.start, period.end), targets.get(unit.code)
        )
        print(f"Đã tạo mẫu {out} ({unit.code} – {unit.name}, {period.label}).")
    return 0


def _return_period(text: str) -> Period:
    try:
        return parse_return_period(text)
    except PeriodError as exc:
        raise UsageError(str(exc)) from exc


def cmd_fill(args: argparse.Namespace) -> int:
    from ingest.fill import fill_template

    try:
        payload = json.loads(Path(args.values).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"Không đọc được tệp số liệu {args.values}: {exc}") from exc
    template = _files([args.template])[0]
    Path(args.out).write_bytes(fill_template(template.data, payload, template.name))
    print(f"Đã ghi số liệu vào {args.out}.")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from ingest.context import CheckContext

    files = _files(args.files)
    con = _open_for_reading()
    ctx = CheckContext.from_db(con, _today(args.today))
    results = check_files(ctx, files)
    if args.annotate:
        _write_annotated(Path(args.annotate), files, results)
    if args.json:
        _print_json([r.as_json() for r in results])
    else:
        print("\n\n".join(_describe(r, ctx.tree) for r in results))
    return 1 if any(r.status == "rejected" for r in results) else 0


def _write_annotated(folder: Path, files: list[Incoming], results: list[CheckResult]) -> None:
    from ingest.annotate import annotate, annotated_name

    folder.mkdir(parents=True, exist_ok=True)
    for incoming, result in zip(files, results, strict=True):
        if result.findings:
            out = folder / annotated_name(incoming.name)
            out.write_bytes(annotate(incoming.data, result.findings, openable=result.openable))
            print(f"Đã ghi tệp đánh dấu lỗi {out}.", file=sys.stderr)


def cmd_load(args: argparse.Namespace) -> int:
    files = _files(args.files)
    con = db.connect()
    outcomes: list[LoadOutcome] = load_files(
        con, files, archive=db.archive_dir(), loaded_by=_actor(), today=_today(args.today)
    )
    if args.json:
        _print_json([o.as_json() for o in outcomes])
    else:
        tree = UnitTree.from_db(con)
        print("\n\n".join(_describe(o.result, tree, o.message) for o in outcomes))
    return 1 if any(o.action == "rejected" for o in outcomes) else 0


def cmd_registry(args: argparse.Namespace) -> int:
    from ingest.registry import load_registry

    units = load_registry(db.connect(), args.file, actor=_actor(), lineage=args.lineage)
    print(f"Đã nạp {fmt_number(len(units))} đơn vị vào danh mục.")
    return 0


def cmd_lineage(args: argparse.Namespace) -> int:
    from ingest.registry import load_lineage

    count = load_lineage(db.connect(), args.file, actor=_actor())
    print(f"Đã nạp bảng kế thừa; danh mục có {fmt_number(count)} dòng kế thừa.")
    return 0


def cmd_registry_export(args: argparse.Namespace) -> int:
    from ingest.registry_book import registry_workbook

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(registry_workbook(_open_for_reading(), args.year))
    print(f"Đã xuất danh mục đơn vị, bảng kế thừa và chỉ tiêu ra {out}.")
    return 0


def cmd_targets(args: argparse.Namespace) -> int:
    from ingest.registry import load_targets

    targets = load_targets(db.connect(), args.file, actor=_actor())
    print(f"Đã nạp {fmt_number(len(targets))} chỉ tiêu kết nạp đảng viên.")
    return 0


def cmd_units(args: argparse.Namespace) -> int:
    con = _open_for_reading()
    tree = UnitTree.from_db(con)
    units = sorted(tree.by_code.values(), key=lambda u: u.code)
    rows = [
        {
            "code": u.code,
            "name": u.name,
            "org_type": u.org_type,
            "parent_code": u.parent_code,
            "active_from": u.active_from.isoformat() if u.active_from else None,
            "active_to": u.active_to.isoformat() if u.active_to else None,
            "end_reason": u.end_reason,
            "successors": [{"code": s.code, "share": share} for s, share in tree.successors_of(u.code)],
        }
        for u in units
    ]
    if args.json:
        _print_json(rows)
    else:
        for r in rows:
            successors = ", ".join(
                f"{s['code']}" + ("" if s["share"] == 1 else f" ({fmt_value(s['share'])})") for s in r["successors"]
            )
            cells = [
                *(r[k] for k in ("code", "name", "org_type", "parent_code", "active_from", "active_to", "end_reason")),
                successors,
            ]
            print("\t".join("" if v is None else str(v) for v in cells))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from reporting.submissions import STATE_LABEL, unit_statuses

    con = _open_for_reading()
    tree = UnitTree.from_db(con)
    today = _today(args.today)
    if args.period:
        try:
            periods = [parse(args.period)]
        except PeriodError as exc:
            raise UsageError(str(exc)) from exc
    else:
        codes = [r[0] for r in con.execute("select distinct period from current_submissions order by 1").fetchall()]
        periods = [parse(c) for c in codes]
    statuses = [s for p in periods for s in unit_statuses(con, tree, p, today)]
    if args.json:
        _print_json([s.as_json() for s in statuses])
        return 0
    for s in statuses:
        late = " (nộp chậm)" if s.late and s.state != "missing" else (" (quá hạn)" if s.late else "")
        print(
            f"{s.period.code}\t{s.unit_code}\t{s.unit_name}\t{STATE_LABEL[s.state]}{late}\t"
            f"{fmt_number(len(s.versions))} phiên bản"
        )
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from ingest.backup import backup

    con = db.connect(db.db_path(), read_only=args.read_only)
    manifest = backup(con, db.archive_dir(), Path(args.dir), actor=_actor(), read_only=args.read_only)
    print(
        f"Đã sao lưu {fmt_number(manifest['submissions'])} phiên bản báo cáo và "
        f"{fmt_number(len(manifest['archive']))} tệp gốc vào {args.dir}."
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from ingest.backup import restore

    manifest = restore(Path(args.dir), db.db_path(), db.archive_dir(), force=args.force, actor=_actor())
    print(f"Đã khôi phục bản sao lưu lúc {manifest['created_at']} vào {db.db_path()}.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from ingest.demo import build_demo

    as_of = _today(args.as_of)
    if as_of < date(2025, 10, 1):
        raise UsageError(
            "Dữ liệu minh họa cần ngày --as-of từ 01/10/2025 trở đi (sau quý đầu tiên sau sắp xếp đơn vị)."
        )
    summary = build_demo(db.db_path(), seed=args.seed, as_of=as_of, samples_dir=Path(args.samples), force=args.force)
    print(summary)
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from ingest.publish import publish

    done = publish(db.connect(), Path(args.out))
    print(
        f"Đã xuất bản bản chỉ đọc {done['path']} ({fmt_number(done['submissions'])} phiên bản, "
        f"{fmt_number(done['seconds'], 1)} giây)."
    )
    return 0


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Mật khẩu: ")
    if getpass.getpass("Nhập lại mật khẩu: ") != first:
        raise Refused("Hai lần nhập mật khẩu không khớp.")
    return first


def cmd_users(args: argparse.Namespace) -> int:
    from access import users

    con = db.connect()
    try:
        if args.action == "list":
            rows = [
                {
                    "username": u.username,
                    "display_name": u.display_name,
                    "role": u.role,
                    "unit_code": u.unit_code,
                    "active": u.active,
                    "password": u.has_password,
                }
                for u in users.list_users(con)
            ]
            if args.json:
                _print_json(rows)
            else:
                for r in rows:
                    state = "" if r["active"] else "\tĐÃ KHÓA"
                    print(f"{r['username']}\t{r['role']}\t{r['unit_code']}\t{r['display_name']}{state}")
            return 0
        if args.action == "add":
            if not (args.role and args.unit):
                raise UsageError("users add cần --role và --unit.")
            password = None if args.provider_only else _password(args)
            user = users.add_user(
                con,
                UnitTree.from_db(con),
                args.username,
                role=args.role,
                unit_code=args.unit,
                password=password,
                display_name=args.name,
                actor=_actor(),
            )
            print(f"Đã tạo tài khoản {user.username} ({user.role_label}, phạm vi {user.unit_code}).")
        elif args.action == "passwd":
            users.set_password(con, args.username, _password(args), actor=_actor())
            print(f"Đã đặt mật khẩu mới cho {users.normalize(args.username)}.")
        else:
            users.set_active(con, args.username, args.action == "enable", actor=_actor())
            print(f"Đã {'mở lại' if args.action == 'enable' else 'khóa'} tài khoản {users.normalize(args.username)}.")
    except users.AccessError as exc:
        raise Refused(str(exc)) from exc
    return 0


def cmd_lock(args: argparse.Namespace) -> int:
    from access import locks

    con = db.connect()
    try:
        if args.command == "lock":
            lock = locks.lock_period(con, UnitTree.from_db(con), args.unit, args.period, _actor(), args.reason or "")
            print(f"Đã khóa {lock.period.label} của {lock.unit_code} (khóa số {lock.lock_id}).")
        elif args.command == "unlock":
            locks.unlock(con, args.lock_id, _actor(), args.reason or "")
            print(f"Đã mở khóa số {args.lock_id}.")
        else:
            rows = [
                {"lock_id": k.lock_id, "unit_code": k.unit_code, "period": k.period.code, "locked_by": k.locked_by,
                 "locked_at": k.locked_at.isoformat(timespec="seconds"), "reason": k.reason}
                for k in locks.active_locks(con)
            ]  # fmt: skip
            if args.json:
                _print_json(rows)
            for r in [] if args.json else rows:
                print(f"{r['lock_id']}\t{r['unit_code']}\t{r['period']}\t{r['locked_by']}\t{r['locked_at']}")
    except locks.LockError as exc:
        raise Refused(str(exc)) from exc
    return 0


# --- parser -----------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2, as argparse does, with our wording
        self.print_usage(sys.stderr)
        print(f"Lỗi cú pháp: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m ingest", description="Nhận, kiểm tra và lưu báo cáo công tác xây dựng Đảng.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("template", help="tạo mẫu báo cáo trống")
    p.add_argument("--unit", help="mã đơn vị")
    p.add_argument("--all", action="store_true", help="mỗi đơn vị cấp xã một mẫu")
    p.add_argument("--period", required=True, help="kỳ: 2026-Q3 hoặc 2026-07")
    p.add_argument("--out", required=True, help="tệp .xlsx (hoặc thư mục với --all)")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("fill", help="ghi số liệu JSON vào mẫu")
    p.add_argument("template")
    p.add_argument("--values", required=True, help="tệp JSON số liệu")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_fill)

    for name, func, help_text in (
        ("check", cmd_check, "kiểm tra báo cáo, không ghi gì"),
        ("load", cmd_load, "kiểm tra và lưu báo cáo"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("files", nargs="+")
        p.add_argument("--json", action="store_true")
        p.add_argument("--today", help=argparse.SUPPRESS)  # for reproducible runs and tests
        if name == "check":
            p.add_argument("--annotate", metavar="DIR", help="ghi bản đánh dấu lỗi của mỗi tệp có phát hiện")
        p.set_defaults(func=func)

    p = sub.add_parser("registry", help="nạp hoặc cập nhật danh mục đơn vị (Excel/CSV), kèm bảng kế thừa")
    p.add_argument("file")
    p.add_argument("--lineage", help="bảng kế thừa (sáp nhập, chia tách) kiểm tra cùng danh mục")
    p.set_defaults(func=cmd_registry)

    p = sub.add_parser("lineage", help="nạp bảng kế thừa đơn vị: đơn vị cũ → đơn vị mới, ngày hiệu lực, tỷ lệ")
    p.add_argument("file")
    p.set_defaults(func=cmd_lineage)

    p = sub.add_parser("registry-export", help="xuất danh mục, bảng kế thừa và chỉ tiêu ra một tệp Excel")
    p.add_argument("out")
    p.add_argument("--year", type=int, help="chỉ tiêu của một năm (mặc định: mọi năm)")
    p.set_defaults(func=cmd_registry_export)

    p = sub.add_parser("targets", help="nạp chỉ tiêu kết nạp đảng viên năm (Excel/CSV)")
    p.add_argument("file")
    p.set_defaults(func=cmd_targets)

    p = sub.add_parser("units", help="liệt kê danh mục đơn vị")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_units)

    p = sub.add_parser("status", help="tình hình nộp báo cáo")
    p.add_argument("--period")
    p.add_argument("--json", action="store_true")
    p.add_argument("--today", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("backup", help="sao lưu cơ sở dữ liệu và các tệp gốc vào một thư mục trống")
    p.add_argument("dir")
    p.add_argument(
        "--read-only", action="store_true", help="mở cơ sở dữ liệu chỉ đọc (bản xuất bản); không ghi gì vào đó"
    )
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="khôi phục từ một bản sao lưu")
    p.add_argument("dir")
    p.add_argument("--force", action="store_true", help="thay cơ sở dữ liệu đang có")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("publish", help="xuất bản bản chỉ đọc của cơ sở dữ liệu cho các máy chủ đọc")
    p.add_argument("out", help="tệp .duckdb đích (thay thế nguyên khối)")
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("users", help="tài khoản: add | list | disable | enable | passwd")
    p.add_argument("action", choices=["add", "list", "disable", "enable", "passwd"])
    p.add_argument("username", nargs="?")
    p.add_argument("--role", choices=["viewer", "clerk", "admin"])
    p.add_argument("--unit", help="mã đơn vị: phạm vi của tài khoản")
    p.add_argument("--name", help="họ tên hiển thị")
    p.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ dòng đầu của stdin (cho script)")
    p.add_argument(
        "--provider-only", action="store_true", help="không mật khẩu: chỉ đăng nhập qua nhà cung cấp định danh"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("lock", help="khóa một kỳ đã thẩm định cho một đơn vị và cấp dưới")
    p.add_argument("unit")
    p.add_argument("period", help="quý (2026-Q2) hoặc năm (2026)")
    p.add_argument("--reason")
    p.set_defaults(func=cmd_lock)
    p = sub.add_parser("unlock", help="mở khóa kỳ")
    p.add_argument("lock_id", type=int)
    p.add_argument("--reason")
    p.set_defaults(func=cmd_lock)
    p = sub.add_parser("locks", help="các khóa kỳ đang hiệu lực")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_lock)

    p = sub.add_parser("demo", help="dựng cơ sở dữ liệu minh họa")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--as-of", help="ngày dữ liệu minh họa (mặc định: hôm nay)")
    p.add_argument("--samples", default=str(db.PROJECT_ROOT / "data" / "samples"))
    p.add_argument("--force", action="store_true", help="ghi đè cơ sở dữ liệu không phải dữ liệu minh họa")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "action", None) in ("add", "disable", "enable", "passwd") and not args.username:
        print("Lỗi cú pháp: cần tên đăng nhập.", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"Lỗi cú pháp: {exc}", file=sys.stderr)
        return 2
    except TableError as exc:
        print("\n".join(exc.messages), file=sys.stderr)
        return 1
    except (Refused, db.StoreError, BackupError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
