"""What the page's layout needs beyond Streamlit's defaults: labels that wrap, a page that prints,
and a move to the results when a run ends.

On an 800 px window the headline figures sit four to a row, about 110 px each: their labels, values and
changes, and the case list's buttons, wrap instead of being cut. Printed, the page drops the sidebar and lets the
main column run over as many pages as it needs (Streamlit's scrolling column would print as one
clipped page). After a run the results are scrolled into view: on a 1366×768 projector they start
below the fold.
"""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

RESULTS_ANCHOR = "results"
SETUP_KEY, ENSEMBLE_KEY = "setup", "ensemble"  # containers the presenter view hides (class st-key-KEY)

_STYLE = """<style>
[data-testid="stMetric"] *, .stButton button p { white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; }
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stDecoration"] { display: none !important; }
  html, body, [data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"] {
    overflow: visible !important; height: auto !important; position: static !important; }
  [data-testid="stMainBlockContainer"] { max-width: 100% !important; padding: 0 1rem !important; }
  [data-testid="stMetric"], img, [data-testid="stImage"] { break-inside: avoid; }
}
</style>"""


def style() -> None:
    """The page's few rules of style (an element of no height)."""
    st.html(_STYLE)


# The presenter view, for a projector (1366×768 or 1920×1080): no sidebar, no set-up, the headline
# figures and their changes large, the page's full width for the charts.
_PRESENTER = f"""<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
.st-key-{SETUP_KEY}, .st-key-{ENSEMBLE_KEY} {{ display: none !important; }}
[data-testid="stMainBlockContainer"] {{ max-width: 100% !important; padding: 1.5rem 2.5rem 2rem !important; }}
h1 {{ font-size: 2rem !important; padding-top: 0 !important; }}
[data-testid="stMetricValue"] {{ font-size: clamp(2rem, 3.6vw, 4rem) !important; }}
[data-testid="stMetricLabel"] p {{ font-size: clamp(0.95rem, 1.2vw, 1.4rem) !important; }}
[data-testid="stMetricDelta"] {{ font-size: clamp(0.9rem, 1.1vw, 1.3rem) !important; }}
[data-testid="stImage"] img {{ width: 100% !important; }}
</style>"""


def present(on: bool) -> None:
    """In the presenter view, hide the set-up and enlarge the results (an element of no height)."""
    if on:
        st.html(_PRESENTER)


def scroll_to_results(run: int) -> None:
    """Scroll the page to the results' heading, once, in the rerun that made run number ``run``.

    In a frame of no height, whose text changes with the run's number: the browser reloads a frame
    whose text changed (a script in the page itself would run only the first time). The scroll is
    repeated once the figures below have drawn (they move the heading while they load).
    """
    components.html(f"""<script>
      // run {run}
      const toResults = () => window.parent.document.getElementById("{RESULTS_ANCHOR}")
                                ?.scrollIntoView({{block: "start"}});
      toResults(); setTimeout(toResults, 400); setTimeout(toResults, 1500);
    </script>""", height=0)
