"""Báo cáo quý: the standing committee's quarterly report and its appendix, built from the same figures."""

import streamlit as st

from ui import data, filters, nav

sel = filters.current()
st.title("Báo cáo quý")
nav.breadcrumbs("pages/briefing.py")
st.caption(
    "Báo cáo (Word) theo thể thức văn bản của Đảng và biểu tổng hợp (Excel), số liệu lấy đúng như trên các trang."
)

if sel.unit.is_branch:
    st.info("Báo cáo quý được lập cho tỉnh ủy hoặc đảng ủy cấp xã; chọn đơn vị cấp trên ở thanh bên.")
    st.stop()

data.warm_briefing()  # Chromium for the charts starts while the user chooses
quarters = data.template_periods(sel.year)
ended = [q for q in quarters if q.end < data.today()] or quarters
period = st.selectbox("Quý", ended, format_func=lambda p: p.label, key="briefing_period")
base = f"bao-cao_{sel.unit.code}_{period.code}"
left, right = st.columns(2)
left.download_button(
    f"Tải báo cáo {period.label} (.docx)",
    data=lambda: data.briefing_report(sel.unit.code, period, sel.history),
    file_name=f"{base}.docx",
    mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    icon=":material/description:",
    type="primary",
    on_click="ignore",  # no rerun on the click: a rerun could replace the file before the browser asks for it
)
right.download_button(
    f"Tải biểu tổng hợp {period.label} (.xlsx)",
    data=lambda: data.briefing_appendix(sel.unit.code, period, sel.history),
    file_name=f"{base}_bieu-tong-hop.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/table_view:",
    on_click="ignore",
)
st.markdown(
    "Báo cáo gồm: phát triển đảng viên (so với chỉ tiêu, biến động), kiểm tra, giám sát, thi hành kỷ luật, "
    "chất lượng sinh hoạt chi bộ, tình hình nộp báo cáo, các đơn vị cần quan tâm và những vấn đề cần chỉ đạo; "
    "kèm bảng số liệu theo đơn vị và biểu đồ."
)
