"""Quản trị: accounts and period locks within the administrator's scope, and recent sign-ins."""

import pandas as pd
import streamlit as st

from access import locks, users
from reporting.periods import quarter, year_to
from ui import auth, data, filters, widgets
from ui.format import fmt_datetime, fmt_datetimes
from ui.text import plain

admin = auth.require("admin")
sel = filters.current()
tree = data.tree()
scope = tree.get(admin.unit_code)
st.title("Quản trị")
st.caption(f"Tài khoản và khóa kỳ báo cáo trong phạm vi {plain(scope.name)}")

# Committees an account or a lock may be given: the scope's subtree, without branches.
units = sorted((u for u in tree.by_code.values() if not u.is_branch and admin.sees(tree, u.code)), key=lambda u: u.code)
unit_codes = [u.code for u in units]


def unit_label(code: str) -> str:
    unit = tree.get(code)
    return f"{unit.name} ({code})" if unit else code


def done(message: str) -> None:
    data.changed()
    st.toast(plain(message), icon=":material/check_circle:")  # names of accounts and units


# --- accounts ---------------------------------------------------------------------------
st.subheader("Tài khoản")
accounts = users.list_users(data.cursor(), tree, admin.unit_code)
widgets.plain_table(
    pd.DataFrame(
        [
            {
                "username": u.username,
                "display_name": u.display_name,
                "role": u.role_label,
                "unit": unit_label(u.unit_code),
                "state": ("Đang dùng" if u.active else "Đã khóa") + ("" if u.has_password else " · định danh cơ quan"),
            }
            for u in accounts
        ],
        columns=["username", "display_name", "role", "unit", "state"],
    ),
    {
        "username": "Tên đăng nhập",
        "display_name": "Họ tên",
        "role": "Vai trò",
        "unit": "Phạm vi",
        "state": "Trạng thái",
    },
    "Tài khoản",
    sel,
)

with st.expander("Tạo tài khoản", icon=":material/person_add:"), st.form("add_user", clear_on_submit=True):
    username = st.text_input(
        "Tên đăng nhập",
        help="Chữ thường không dấu, số và . _ @ -; với định danh cơ quan: địa chỉ thư điện tử",
        key="new_username",
    )
    name = st.text_input("Họ tên", key="new_name")
    role = st.selectbox("Vai trò", users.ROLES, format_func=users.ROLE_LABEL.get, key="new_role")
    unit = st.selectbox("Phạm vi", unit_codes, format_func=unit_label, key="new_unit")
    provider = st.checkbox("Chỉ đăng nhập qua hệ thống định danh của cơ quan (không mật khẩu)")
    password = st.text_input(
        "Mật khẩu ban đầu (ít nhất 10 ký tự)", type="password", autocomplete="new-password", key="new_password"
    )
    if st.form_submit_button("Tạo tài khoản", type="primary"):
        try:
            auth.guard(unit)
            users.add_user(
                data.cursor(),
                tree,
                username,
                role=role,
                unit_code=unit,
                password=None if provider else password,
                display_name=name.strip() or None,
                actor=admin.username,
            )
        except users.AccessError as exc:
            st.error(plain(exc))
        else:
            done(f"Đã tạo tài khoản {users.normalize(username)}.")
            st.rerun()

others = [u for u in accounts if u.username != admin.username]
if others:
    with st.expander("Sửa tài khoản", icon=":material/manage_accounts:"):
        chosen = st.selectbox(
            "Tài khoản", others, format_func=lambda u: f"{u.username} · {u.display_name}", key="edit_user"
        )
        with st.form("edit_user_form"):
            role = st.selectbox(
                "Vai trò", users.ROLES, index=users.ROLES.index(chosen.role), format_func=users.ROLE_LABEL.get
            )
            unit = st.selectbox(
                "Phạm vi",
                unit_codes,
                index=unit_codes.index(chosen.unit_code) if chosen.unit_code in unit_codes else 0,
                format_func=unit_label,
            )
            active = st.checkbox("Đang dùng", value=chosen.active)
            password = st.text_input(
                "Mật khẩu mới (để trống nếu không đổi)", type="password", autocomplete="new-password"
            )
            if st.form_submit_button("Lưu thay đổi", type="primary"):
                try:
                    auth.guard(unit)
                    con = data.cursor()
                    if (role, unit) != (chosen.role, chosen.unit_code):
                        users.update_user(con, tree, chosen.username, role=role, unit_code=unit, actor=admin.username)
                    if active != chosen.active:
                        users.set_active(con, chosen.username, active, actor=admin.username)
                    if password:
                        users.set_password(con, chosen.username, password, actor=admin.username)
                except users.AccessError as exc:
                    st.error(plain(exc))
                else:
                    done(f"Đã lưu tài khoản {chosen.username}.")
                    st.rerun()

# --- period locks -----------------------------------------------------------------------
st.subheader("Khóa kỳ báo cáo")
st.caption("Kỳ đã khóa không nhận phiên bản báo cáo mới của đơn vị và các đơn vị trực thuộc cho đến khi mở khóa.")
active = [k for k in locks.active_locks(data.cursor()) if admin.sees(tree, k.unit_code)]
if not active:
    st.info("Chưa có kỳ báo cáo nào đang bị khóa trong phạm vi này.")
else:
    widgets.plain_table(
        pd.DataFrame(
            [
                {
                    "lock_id": k.lock_id,
                    "unit": unit_label(k.unit_code),
                    "period": k.period.label,
                    "locked_by": k.locked_by,
                    "locked_at": fmt_datetime(k.locked_at),
                    "reason": k.reason or "",
                }
                for k in active
            ],
            columns=["lock_id", "unit", "period", "locked_by", "locked_at", "reason"],
        ),
        {
            "lock_id": "Số",
            "unit": "Đơn vị",
            "period": "Kỳ",
            "locked_by": "Người khóa",
            "locked_at": "Lúc",
            "reason": "Lý do",
        },
        "Khóa kỳ báo cáo",
        sel,
    )
periods = [
    year_to(sel.year, 12),
    *(quarter(sel.year, q) for q in range(1, 5) if quarter(sel.year, q).end < data.today()),
]
left, right = st.columns(2)
with left.form("lock"):
    st.markdown("**Khóa kỳ**")
    unit = st.selectbox("Đơn vị", unit_codes, format_func=unit_label, key="lock_unit")
    period = st.selectbox("Kỳ", periods, index=len(periods) - 1, format_func=lambda p: p.label, key="lock_period")
    reason = st.text_input("Lý do", placeholder="Đã thẩm định số liệu", key="lock_reason")
    if st.form_submit_button("Khóa kỳ", type="primary"):
        try:
            auth.guard(unit)
            locks.lock_period(data.cursor(), tree, unit, period.code, admin.username, reason)
        except locks.LockError as exc:
            st.error(plain(exc))
        else:
            done(f"Đã khóa {period.label} của {unit_label(unit)}.")
            st.rerun()
if active:
    with right.form("unlock"):
        st.markdown("**Mở khóa**")
        chosen = st.selectbox(
            "Khóa", active, format_func=lambda k: f"{k.lock_id}: {k.period.label} · {unit_label(k.unit_code)}"
        )
        why = st.text_input("Lý do mở khóa", key="unlock_reason")
        if st.form_submit_button("Mở khóa"):
            locks.unlock(data.cursor(), chosen.lock_id, admin.username, why)
            done(f"Đã mở khóa {chosen.period.label} của {unit_label(chosen.unit_code)}.")
            st.rerun()

# --- sign-ins ---------------------------------------------------------------------------
st.subheader("Đăng nhập gần đây")
names = [u.username for u in accounts]
attempts = (
    data.cursor()
    .execute(
        "select attempted_at, username, ok, source from sign_in_attempts "
        "where username in (select unnest($names)) or $everyone order by attempt_id desc limit 100",
        {"names": names, "everyone": admin.unit_code in {u.code for u in tree.roots()}},
    )
    .df()
)
widgets.plain_table(
    attempts.assign(
        attempted_at=fmt_datetimes(attempts["attempted_at"]),
        ok=attempts["ok"].map({True: "Thành công", False: "Không thành công"}),
    ),
    {"attempted_at": "Thời gian", "username": "Tên đăng nhập", "ok": "Kết quả", "source": "Địa chỉ"},
    "Đăng nhập gần đây",
    sel,
)
