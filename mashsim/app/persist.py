"""A reload keeps the session: its set-up, its injected events, its latest run and run A.

Streamlit starts a fresh session on every reload. The page puts a random session id in the URL
(``?session=…``) and keeps, in this server's memory, a copy of the session's state after every
rerun; a session opened with a known id starts from that copy. Kept in memory, not on disk: a
session lives as long as the server (a restarted server starts afresh), the most recent
:data:`MAX_SESSIONS` are kept, and whoever has the address has the session, as with the page
itself. Buttons and the file uploader cannot be set from state: they are left out, so a session
on an uploaded file comes back on the shipped scenario, its results put away.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import OrderedDict
from typing import Any

import streamlit as st

PARAM = "session"
MAX_SESSIONS = 64
_ID = re.compile(r"^[0-9a-f]{32}$")
_RESTORED = "_session_id"
# widgets whose value cannot be set (buttons, downloads, the uploader): never stored
_NOT_STATE = re.compile(r"^(run|pin|unpin|upload|export|case_download|page_html|page_pdf|presenter_on|presenter_off)$"
                        r"|^pick:|:add$|:remove:\d+$")

_store: OrderedDict[str, dict[str, Any]] = OrderedDict()
_lock = threading.Lock()


def restore() -> None:
    """At the top of the page: give a new session its id in the URL, or restore a known one's state."""
    if _RESTORED in st.session_state:
        return
    session = st.query_params.get(PARAM, "")
    if not _ID.match(session):
        session = uuid.uuid4().hex
        st.query_params[PARAM] = session
    with _lock:
        saved = dict(_store.get(session, {}))
    for key, value in saved.items():
        st.session_state[key] = value
    st.session_state[_RESTORED] = session


def save() -> None:
    """At the end of every rerun: keep a copy of the session's state under its id."""
    session = st.session_state.get(_RESTORED)
    if session is None:
        return
    state = {key: (list(value) if isinstance(value, list) else value) for key, value in st.session_state.items()
             if isinstance(key, str) and key != _RESTORED and not _NOT_STATE.search(key)}
    with _lock:
        _store[session] = state
        _store.move_to_end(session)
        while len(_store) > MAX_SESSIONS:
            _store.popitem(last=False)
