"""Frame and router: page config, the illustrative-data notice, navigation."""

import streamlit as st

from reporting.db import StoreError
from ui import data

st.set_page_config(page_title="Công tác xây dựng Đảng", page_icon=":material/flag:", layout="wide")

pages = [
    st.Page("pages/submissions.py", title="Báo cáo đã nhận", icon=":material/inbox:", default=True),
]
navigation = st.navigation(pages)

st.sidebar.markdown("**Công tác xây dựng Đảng**  \nBáo cáo định kỳ của các đảng ủy cấp xã")
try:
    if data.is_demo():
        st.sidebar.warning(
            "Dữ liệu minh họa: đơn vị và số liệu đều là giả định, chỉ để thử phần mềm.", icon=":material/info:"
        )
except StoreError as exc:
    st.error(str(exc))
    st.stop()

navigation.run()
