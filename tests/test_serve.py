"""``mashsim serve``: how it starts Streamlit, and what it says when Streamlit is missing."""

from __future__ import annotations

import importlib.util

import pytest

from mashsim.cli import main
from mashsim.commands import serve


def test_streamlit_runs_headless_without_usage_statistics_on_the_page():
    command = serve.streamlit_command("127.0.0.1", 8600)
    assert command[1:4] == ["-m", "streamlit", "run"] and command[4].endswith("mashsim/app/page.py")
    pairs = dict(zip(command[5::2], command[6::2]))
    assert pairs["--server.headless"] == "true"
    assert pairs["--browser.gatherUsageStats"] == "false"
    assert pairs["--server.address"] == "127.0.0.1" and pairs["--server.port"] == "8600"
    assert pairs["--client.showErrorDetails"] == "none"  # never a traceback in the page


def test_without_streamlit_it_says_what_to_install(monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "streamlit" else real(name, *a))
    assert main(["serve", "--no-browser"]) == 1
    assert "pip install 'mashsim[ui]'" in capsys.readouterr().err


@pytest.mark.parametrize("port", ["0", "70000", "http"])
def test_a_bad_port_is_refused(port, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["serve", "--port", port])
    assert caught.value.code == 2 and "--port" in capsys.readouterr().err


@pytest.mark.parametrize("host, shown", [("127.0.0.1", "localhost"), ("0.0.0.0", "localhost"),
                                         ("::1", "[::1]"), ("hub.local", "hub.local")])
def test_the_address_printed_is_one_a_browser_opens(host, shown):
    assert serve._url_host(host) == shown
