"""The README's example query on the observations view runs, and answers what it says."""

from reporting import db


def test_readme_observations_example(demo_store):
    text = (db.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    sql = text.split("-- Admissions year to date")[1].split("```")[0].split("\n", 1)[1]
    con = db.connect(demo_store["path"], read_only=True)
    rows = con.execute(sql).fetchall()
    assert len(rows) == 24
    assert [r[4] for r in rows] == sorted(r[4] for r in rows)
    first = rows[0]
    admitted = con.execute(
        "select sum(value) from observations where unit_code = $u and metric = 'admitted' "
        "and period_start >= date '2026-01-01'",
        {"u": first[0]},
    ).fetchone()[0]
    assert first[2] == admitted


def test_readme_gives_the_two_commands():
    text = (db.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in text and "make test" in text
