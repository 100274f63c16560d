"""Báo cáo đã nhận: who has returned what for a period, and every version received."""

from datetime import date

import streamlit as st

from reporting.submissions import STATE_LABEL, due_date
from ui import data
from ui.format import fmt_date, fmt_datetime, fmt_number

st.title("Báo cáo đã nhận")

today = date.today()
periods = data.periods(today)
if not periods:
    st.info("Chưa nhận được báo cáo nào. Nạp báo cáo bằng lệnh «python -m ingest load TỆP…».")
    st.stop()

period = st.selectbox("Kỳ báo cáo", periods, format_func=lambda p: p.label)
statuses = data.statuses(period, today)

received = [s for s in statuses if s.state in ("accepted", "warnings")]
late = [s for s in received if s.late]
cols = st.columns(4)
cols[0].metric("Đơn vị phải nộp", fmt_number(len(statuses)))
cols[1].metric("Đã nhận", f"{fmt_number(len(received))}/{fmt_number(len(statuses))}")
cols[2].metric("Nộp chậm", fmt_number(len(late)))
cols[3].metric("Chưa có báo cáo hợp lệ", fmt_number(len(statuses) - len(received)))
st.caption(f"Hạn nộp {period.label}: {fmt_date(due_date(period))} (15 ngày sau khi kết thúc kỳ).")

st.subheader("Tình hình từng đơn vị")
st.dataframe(
    [
        {
            "Mã": s.unit_code,
            "Đơn vị": s.unit_name,
            "Tình trạng": STATE_LABEL[s.state] + (" – nộp chậm" if s.late and s.state != "missing" else ""),
            "Số phiên bản": len(s.versions),
            "Nhận lúc": fmt_datetime(max((v.received_at for v in s.versions if v.current), default=None)),
        }
        for s in statuses
    ],
    hide_index=True,
    width="stretch",
)

st.subheader("Các tệp đã nhận")
versions = data.versions(period)
st.dataframe(
    versions.assign(
        received_at=versions["received_at"].map(fmt_datetime),
        status=versions["status"].map(
            {"accepted": "Hợp lệ", "warnings": "Hợp lệ, có cảnh báo", "rejected": "Bị từ chối"}
        )
        + versions["superseded"].map({True: " (đã được thay thế)", False: ""}),
    )[
        [
            "submission_id",
            "unit_code",
            "unit_name",
            "period",
            "received_at",
            "file_name",
            "status",
            "errors",
            "warnings",
        ]
    ],
    hide_index=True,
    width="stretch",
    column_config={
        "submission_id": "Phiên bản",
        "unit_code": "Mã",
        "unit_name": "Đơn vị",
        "period": "Kỳ",
        "received_at": "Nhận lúc",
        "file_name": "Tệp",
        "status": "Kết quả",
        "errors": "Lỗi",
        "warnings": "Cảnh báo",
    },
)
