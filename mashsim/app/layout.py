"""What the page's layout needs beyond Streamlit's defaults: labels that wrap, a page that prints,
and a move to the results when a run ends.

On an 800 px window the headline figures sit four to a row, about 110 px each: their labels and
the case list's buttons wrap instead of being cut. Printed, the page drops the sidebar and lets the
main column run over as many pages as it needs (Streamlit's scrolling column would print as one
clipped page). After a run the results are scrolled into view: on a 1366×768 projector they start
below the fold.
"""

from __future__ import annotations

import streamlit as st

RESULTS_ANCHOR = "results"

_STYLE = """<style>
[data-testid="stMetricLabel"] *, .stButton button p { white-space: normal !important; overflow: visible !important;
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


def scroll_to_results() -> None:
    """Scroll the page to the results' heading (once, in the rerun that made them)."""
    st.html(f"""<script>
      const heading = document.getElementById("{RESULTS_ANCHOR}");
      if (heading) {{ heading.scrollIntoView({{behavior: "smooth", block: "start"}}); }}
    </script>""", unsafe_allow_javascript=True)
