"""``mashsim serve``: how it starts Streamlit, what it says when Streamlit is missing, and the limits it
hands the page."""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util

import pytest

from mashsim.app.limits import LOCAL, SERVED, Limits
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


def parse(*argv: str):
    parser = argparse.ArgumentParser()
    serve.add_arguments(parser)
    return parser.parse_args(argv)


def test_the_limits_are_the_local_ones_on_this_machine_and_the_served_ones_for_a_room():
    assert serve.limits_of(parse()) == LOCAL
    assert serve.limits_of(parse("--host", "0.0.0.0")) == SERVED
    given = serve.limits_of(parse("--host", "0.0.0.0", "--max-contacts", "20000", "--max-days", "900",
                                  "--max-runs", "3", "--max-run-seconds", "0", "--max-upload-kb", "2048"))
    assert given == Limits(upload_kb=2048, contacts=20_000, replication_days=900, runs=3, run_seconds=0.0)
    pairs = dict(zip(*[iter(serve.streamlit_command("0.0.0.0", 8600, given)[5:])] * 2))
    assert pairs["--server.maxUploadSize"] == "2"  # Streamlit's own cap, in MB, over the page's check
    assert dict(zip(*[iter(serve.streamlit_command("0.0.0.0", 8600)[5:])] * 2))["--server.maxUploadSize"] == "1"


@pytest.mark.parametrize("option, value", [("--max-contacts", "0"), ("--max-runs", "two"), ("--max-days", "-5"),
                                           ("--max-upload-kb", "1.5"), ("--max-run-seconds", "-1"),
                                           ("--max-run-seconds", "inf"), ("--max-run-seconds", "nan")])
def test_a_bad_limit_is_refused_naming_the_option(option, value, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["serve", option, value])
    assert caught.value.code == 2 and option in capsys.readouterr().err


def test_the_server_hands_its_limits_to_the_page_and_prints_them(monkeypatch, capsys):
    started = {}

    class Server:  # a streamlit that answers at once and stops when asked
        returncode = None

        def __init__(self, command, **options):
            started.update(command=command, env=options["env"])

        def poll(self):
            return self.returncode

        def wait(self, timeout=None):
            self.returncode = 0
            return 0

        terminate = kill = wait

    monkeypatch.setattr(serve.subprocess, "Popen", Server)
    monkeypatch.setattr(serve, "wait_until_up", lambda *args: True)
    assert main(["serve", "--no-browser", "--host", "0.0.0.0", "--max-runs", "5"]) == 0
    assert Limits.from_env(started["env"]) == dataclasses.replace(SERVED, runs=5)
    assert "PATH" in started["env"]  # the rest of the environment goes with them
    assert "limits: runs of up to 50,000 contacts and 5,000 simulated days (all replications together), " \
           "5 at a time, 60 s each; uploads up to 256 KB" in capsys.readouterr().err
