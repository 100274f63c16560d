"""Tài khoản: who is signed in, what the account may see and do, and changing one's own password."""

import streamlit as st

from access.users import AccessError, SignInError, authenticate, set_password
from ingest.publish import read_only
from ui import auth, data
from ui.text import plain

user = auth.current()
scope = data.tree().get(user.unit_code)
st.title("Tài khoản")
st.caption(f"{plain(user.display_name)} · tên đăng nhập {plain(user.username)}")

rights = ["xem các trang tổng hợp và báo cáo quý"]
if user.can("upload"):
    rights.append("nộp và kiểm tra báo cáo")
if user.can("admin"):
    rights.append("quản lý tài khoản và khóa kỳ báo cáo")
st.markdown(
    f"- **Vai trò:** {user.role_label}: {', '.join(rights)}.\n"
    f"- **Phạm vi:** {plain(scope.name if scope else user.unit_code)} và các đơn vị trực thuộc."
)

st.subheader("Đổi mật khẩu")
if read_only():
    st.info("Máy chủ này chỉ đọc; đổi mật khẩu trên máy chủ nhận báo cáo của Ban Tổ chức.")
elif not user.has_password:
    st.info("Tài khoản đăng nhập qua hệ thống định danh của cơ quan; mật khẩu đổi tại đó.")
else:
    with st.form("change_password", clear_on_submit=True):
        old = st.text_input("Mật khẩu hiện tại", type="password", autocomplete="current-password")
        new = st.text_input("Mật khẩu mới (ít nhất 10 ký tự)", type="password", autocomplete="new-password")
        again = st.text_input("Nhập lại mật khẩu mới", type="password", autocomplete="new-password")
        submitted = st.form_submit_button("Đổi mật khẩu", type="primary")
    if submitted:
        try:
            if new != again:
                raise AccessError("Hai lần nhập mật khẩu mới không khớp.")
            authenticate(data.cursor(), auth.attempts(), user.username, old, source="đổi mật khẩu")
            set_password(data.cursor(), user.username, new, actor=user.username)
        except SignInError:
            st.error("Mật khẩu hiện tại không đúng.")
        except AccessError as exc:
            st.error(plain(exc))
        else:
            data.changed()
            auth.sign_out()
            st.session_state[auth.NOTICE] = "Đã đổi mật khẩu; đăng nhập lại bằng mật khẩu mới."
            st.rerun()
