import pytest

from reporting import settings


def test_defaults_without_a_file(tmp_path):
    assert settings.load(tmp_path / "none.toml") == settings.Settings()


def test_file_overrides(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("due_days = 20\npace_ratio = 0.5\n", encoding="utf-8")
    loaded = settings.load(path)
    assert (loaded.due_days, loaded.pace_ratio, loaded.weak_share) == (20, 0.5, 0.2)


def test_unknown_key_refused(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("due_dayz = 20\n", encoding="utf-8")
    with pytest.raises(settings.SettingsError, match="khóa không hợp lệ: due_dayz"):
        settings.load(path)
