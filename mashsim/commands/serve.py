"""``mashsim serve``: the training dashboard in the browser (a Streamlit app on this machine).

Runs ``streamlit run`` on :mod:`mashsim.app.page` without prompts and without sending usage
statistics, waits until the page answers, opens it in the browser (unless ``--no-browser``) and
keeps serving until Ctrl+C. The server limits what participants can run: loosely for this machine
only (127.0.0.1), more tightly for any other address; each limit may be set on the command line.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import webbrowser
from pathlib import Path

from mashsim.app.limits import ENSEMBLES_ENV, LOCAL, Limits, preset
from mashsim.commands.common import EXIT_OK, positive_int

NAME = "serve"
HELP = "open the training dashboard in the browser (needs mashsim[ui])"
PAGE = Path(__file__).resolve().parents[1] / "app" / "page.py"
EXIT_MISSING = 1
START_TIMEOUT_S = 60.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=_port, default=8501, help="port to serve on (default: 8501)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1, this machine only)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser; print the address")
    parser.add_argument("--ensembles", action="store_true",
                        help="let the page run over an uploaded parameter ensemble when served to others too "
                             "(always on for this machine only)")
    limits = parser.add_argument_group(
        "limits", "what the server takes on; defaults for this machine only (127.0.0.1) / any other --host")
    for option, field, kind, what in LIMIT_OPTIONS:
        local, served = getattr(preset("127.0.0.1"), field), getattr(preset("0.0.0.0"), field)
        limits.add_argument(option, dest=field, type=kind, metavar="S" if kind is _seconds else "N",
                            help=f"{what} (default: {local:,.0f} / {served:,.0f})")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds (got {text!r})") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be 0 (no limit) or more seconds (got {text})")
    return value


# (option, Limits field, type, meaning): the reasons for the defaults are in mashsim.app.limits
LIMIT_OPTIONS = (
    ("--max-contacts", "contacts", positive_int, "contacts one run may simulate, all replications"),
    ("--max-days", "replication_days", positive_int,
     "days one run may simulate, all replications (and the days calendar periods and surges cover)"),
    ("--max-runs", "runs", positive_int, "runs in progress at once, across all participants"),
    ("--max-run-seconds", "run_seconds", _seconds, "seconds a run may take; 0: no limit"),
    ("--max-upload-kb", "upload_kb", positive_int, "size of an uploaded scenario file in KB"),
)


def limits_of(args: argparse.Namespace) -> Limits:
    """The preset for ``--host``, with each limit given on the command line in its place."""
    given = {field: getattr(args, field) for _, field, _, _ in LIMIT_OPTIONS if getattr(args, field, None) is not None}
    return dataclasses.replace(preset(args.host), **given)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be from 1 to 65535 (got {text})")
    return port


def streamlit_command(host: str, port: int, limits: Limits | None = None) -> list[str]:
    """The ``streamlit run`` command line: headless, no usage statistics, no error details in the
    page, Streamlit's own cap on uploads from the limits (by default those for ``host``)."""
    limits = limits or preset(host)
    return [sys.executable, "-m", "streamlit", "run", str(PAGE),
            "--server.headless", "true",
            "--server.address", host,
            "--server.port", str(port),
            "--server.fileWatcherType", "none",
            "--browser.gatherUsageStats", "false",
            "--client.showErrorDetails", "none",
            "--client.toolbarMode", "minimal",
            "--theme.base", "light",
            "--server.maxUploadSize", str(limits.upload_mb())]


def run(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("streamlit") is None:
        print("mashsim serve needs the dashboard's packages: pip install 'mashsim[ui]'", file=sys.stderr)
        return EXIT_MISSING
    url = f"http://{_url_host(args.host)}:{args.port}"
    limits = limits_of(args)
    server = subprocess.Popen(streamlit_command(args.host, args.port, limits), stdin=subprocess.DEVNULL,
                              env={**os.environ, **limits.to_env(),  # the page reads its limits there
                                   ENSEMBLES_ENV: "1" if args.ensembles or preset(args.host) is LOCAL else "0"})
    # stopped by a service manager or a test (SIGTERM): stop the server too, not leave it running
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        if wait_until_up(url, server, START_TIMEOUT_S):
            print(f"mashsim dashboard at {url}  (Ctrl+C to stop)", file=sys.stderr, flush=True)
            print(f"limits: {limits.describe()}", file=sys.stderr, flush=True)
            if not args.no_browser:
                webbrowser.open(url)
        elif server.poll() is None:
            print(f"the dashboard has not answered at {url} after {START_TIMEOUT_S:g} s; still waiting",
                  file=sys.stderr, flush=True)
        return server.wait()
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        stop(server)
        signal.signal(signal.SIGTERM, previous)


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::", "127.0.0.1", ""):
        return "localhost"
    return f"[{host}]" if ":" in host else host


def wait_until_up(url: str, server: subprocess.Popen, timeout_s: float) -> bool:
    """True once the server answers its health check; False if it exits or the time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    return False


def stop(server: subprocess.Popen, grace_s: float = 10.0) -> None:
    """Stop the server: politely, then for good."""
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
