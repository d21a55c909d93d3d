"""Settings: SOLESCAN_ environment variables, defaults, the loopback rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.settings import Settings, get_settings, is_loopback


def test_environment_prefix_and_cached_getter(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SOLESCAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SOLESCAN_MAX_UPLOAD_MB", "2")
    monkeypatch.setenv("SOLESCAN_KEEP_IMAGES", "false")
    get_settings.cache_clear()
    try:
        settings = get_settings()
        assert settings is get_settings()
        assert settings.data_dir == tmp_path
        assert settings.max_upload_bytes == 2 * 1024 * 1024
        assert settings.keep_images is False
        assert (
            settings.resolved_database_url == f"sqlite:///{tmp_path.resolve() / 'solescan.sqlite3'}"
        )
    finally:
        get_settings.cache_clear()


def test_database_url_overrides_the_embedded_store() -> None:
    url = "postgresql+psycopg://u@db:5432/solescan"
    assert Settings(database_url=url).resolved_database_url == url


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.org", False),
    ],
)
def test_loopback_rule(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    assert Settings(host=host).listens_on_loopback is loopback


def test_invalid_values_are_refused() -> None:
    with pytest.raises(ValueError, match="analysis_threads"):
        Settings(analysis_threads=0)


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    missing = [name for name in Settings.model_fields if f"SOLESCAN_{name.upper()}" not in readme]
    assert missing == []
