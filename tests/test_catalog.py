"""The metric codes are an outside contract (DOMAIN.md section 3): pinned here."""

from reporting import catalog

DOMAIN_CODES = {
    "members": ["members_opening", "probationary_opening", "admitted", "readmitted", "transfer_in",
                "confirmed_official", "deceased", "expelled", "struck_off", "resigned", "transfer_out",
                "members_closing", "probationary_closing", "candidates_trained"],
    "inspection": ["inspect_org", "inspect_member", "inspect_signs_org", "inspect_signs_member", "supervise_org",
                   "supervise_member", "violation_org", "violation_member"],
    "discipline": ["disc_org_reprimand", "disc_org_warning", "disc_org_dissolution", "disc_member_reprimand",
                   "disc_member_warning", "disc_member_dismissal", "disc_member_expulsion"],
    "committee": ["committee_meetings", "conclusions_issued"],
    "branches": ["branch_members", "regular_meetings", "thematic_meetings", "rating_good", "rating_fair",
                 "rating_average", "rating_poor", "attendance_pct", "upper_attended"],
    "ratings": [f"{who}_rating_{level}" for who in ("org", "member")
                for level in ("excellent", "good", "completed", "not_completed")] + ["member_not_rated"],
}  # fmt: skip


def test_every_domain_code_in_its_sheet_in_order():
    for sheet, codes in DOMAIN_CODES.items():
        assert [m.code for m in catalog.metrics_of_sheet(sheet)] == codes


def test_no_code_beyond_the_domain():
    assert {m.code for m in catalog.METRICS} == {c for codes in DOMAIN_CODES.values() for c in codes}


def test_kinds_levels_and_bounds():
    by = catalog.BY_CODE
    assert by["members_closing"].kind == "stock" and by["members_closing"].required
    assert by["admitted"].kind == "flow" and not by["admitted"].required
    assert by["attendance_pct"].kind == "percent" and by["attendance_pct"].maximum == 100
    assert not by["attendance_pct"].whole and by["admitted"].whole
    assert by["branch_members"].level == "branch" and by["admitted"].level == "unit"
    assert by["member_not_rated"].appears == "year_end" and by["admitted"].appears == "every"
    assert all(m.minimum == 0 for m in catalog.METRICS)


def test_year_end_sheets():
    assert "ratings" not in [s.key for s in catalog.sheets_for(year_end=False)]
    assert "ratings" in [s.key for s in catalog.sheets_for(year_end=True)]


def test_store_mirrors_catalog(store):
    rows = store.execute("select code, label, kind, level from metrics order by position").fetchall()
    assert rows == [(m.code, m.label, m.kind, m.level) for m in catalog.METRICS]
