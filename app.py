"""Frame and router: page config, the illustrative-data notice, sidebar filters, navigation."""

import streamlit as st

from reporting.db import StoreError
from ui import data, filters, nav

st.set_page_config(page_title="Công tác xây dựng Đảng", page_icon=":material/flag:", layout="wide")
navigation = st.navigation(nav.pages())

st.sidebar.markdown("**Công tác xây dựng Đảng**  \nBáo cáo định kỳ của các đảng ủy cấp xã")
try:
    tree = data.tree()
    if not len(tree):
        st.info("Chưa có danh mục đơn vị. Nạp danh mục bằng lệnh «python -m ingest registry TỆP».")
        st.stop()
    filters.sidebar(tree, data.years(), data.today())
    if data.is_demo():
        st.sidebar.warning(
            "Dữ liệu minh họa: đơn vị và số liệu đều là giả định, chỉ để thử phần mềm.", icon=":material/info:"
        )
except StoreError as exc:
    st.error(str(exc))
    st.stop()

navigation.run()
