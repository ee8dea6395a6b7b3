"""Provider keys: from the environment or a private file, refused when others can read the file,
and never shown."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from tui.sources.streaming import AlpacaCredentials, KeyUnavailable, Secret, read_secret
from tui.sources.streaming.finnhub import load_finnhub_token


def key_file(tmp_path: Path, text: str, mode: int) -> Path:
    path = tmp_path / "key"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    path = key_file(tmp_path, "from-file\n", 0o600)
    assert read_secret("K", path, environ={"K": " from-env "}).reveal() == "from-env"
    assert read_secret("K", path, environ={}).reveal() == "from-file"


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_a_key_file_others_can_read_is_refused_with_the_fix(tmp_path: Path, mode: int) -> None:
    path = key_file(tmp_path, "secret-value\n", mode)
    with pytest.raises(KeyUnavailable) as refused:
        read_secret("K", path, environ={})
    message = str(refused.value)
    assert "can be read by other users" in message
    assert f"chmod 600 {path}" in message
    assert "secret-value" not in message


def test_missing_key_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(KeyUnavailable, match="set K"):
        read_secret("K", None, environ={})
    with pytest.raises(KeyUnavailable, match="does not exist"):
        read_secret("K", tmp_path / "nowhere", environ={})
    with pytest.raises(KeyUnavailable, match="is empty"):
        read_secret("K", key_file(tmp_path, "\n\n", 0o600), environ={})


def test_alpaca_credentials_from_environment_or_a_two_line_file(tmp_path: Path) -> None:
    environ = {"APCA_API_KEY_ID": "id-env", "APCA_API_SECRET_KEY": "secret-env"}
    from_env = AlpacaCredentials.load(environ=environ)
    assert (from_env.key_id.reveal(), from_env.secret.reveal()) == ("id-env", "secret-env")
    path = key_file(tmp_path, "id-file\nsecret-file\n", 0o400)
    from_file = AlpacaCredentials.load(path, environ={})
    assert (from_file.key_id.reveal(), from_file.secret.reveal()) == ("id-file", "secret-file")
    with pytest.raises(KeyUnavailable, match="one a line"):
        AlpacaCredentials.load(key_file(tmp_path, "only-id\n", 0o600), environ={})


def test_finnhub_token_from_its_variable() -> None:
    assert load_finnhub_token(environ={"FINNHUB_API_KEY": "tok"}).reveal() == "tok"


def test_secrets_never_print(caplog: pytest.LogCaptureFixture) -> None:
    credentials = AlpacaCredentials(Secret("id-123"), Secret("secret-456"))
    logging.getLogger("tapewatch.test").warning("loaded %s %r", credentials, credentials)
    for text in (repr(credentials), str(credentials), caplog.text, f"{Secret('secret-456')}"):
        assert "id-123" not in text and "secret-456" not in text


@pytest.mark.timeout(10)  # reading a FIFO would wait for a writer for ever
def test_a_key_file_that_is_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    path = tmp_path / "key"
    os.mkfifo(path, 0o600)
    with pytest.raises(KeyUnavailable, match="not a regular file"):
        read_secret("K", path, environ={})
