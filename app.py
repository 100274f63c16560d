"""Frame and router: page config, sign-in, the illustrative-data notice, sidebar filters, navigation.

Order matters: the account is checked before any page runs; the page list
comes from its role; the filters refuse a unit outside its scope.
"""

import time
from pathlib import Path

import streamlit as st

from reporting.db import StoreError
from ui import auth, filters, nav, store, timing
from ui.text import plain

started = time.perf_counter()

# The icon is a file here, which Streamlit sends inside the page as a data: URI: a ":material/…:"
# page icon makes every browser fetch it from fonts.gstatic.com, never reached in an office
# without internet (tests/test_offline.py).
PAGE_ICON = Path(__file__).parent / "static" / "flag.svg"
st.set_page_config(page_title="Công tác xây dựng Đảng", page_icon=PAGE_ICON, layout="wide")

try:
    store.cursor().close()  # no store: say so before anything else
    user = auth.check_session()
except StoreError as exc:
    st.error(plain(exc))
    st.stop()

navigation = st.navigation(nav.pages(user), position="sidebar" if user else "hidden")
auth.write_cookie()
if user is None:
    auth.sign_in_form()
    store.warm()  # the form needs neither the registry nor the figures' modules: readied meanwhile
    st.stop()

from ui import data  # noqa: E402 (pandas and the figures: not needed to draw the sign-in form)

tree = data.tree()
st.sidebar.markdown("**Công tác xây dựng Đảng**  \nBáo cáo định kỳ của các đảng ủy cấp xã")
if not len(tree):
    st.info("Chưa có danh mục đơn vị. Nạp danh mục bằng lệnh «python -m ingest registry TỆP».")
    st.stop()
if filters.sidebar(tree, data.years(), data.today(), user.unit_code) is None:
    auth.refuse(
        f"Không xem được đơn vị «{plain(st.query_params.get('unit'))}»: đơn vị không có hoặc nằm ngoài phạm vi "
        "tài khoản của bạn."
    )
if data.is_demo():
    st.sidebar.warning(
        "Dữ liệu minh họa: đơn vị và số liệu đều là giả định, chỉ để thử phần mềm.", icon=":material/info:"
    )
auth.sidebar_account(user)

try:
    navigation.run()
finally:
    timing.record(time.perf_counter() - started)
