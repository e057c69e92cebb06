"""The training dashboard (``mashsim serve``).

``page.py`` is the Streamlit script; everything it computes lives in plain modules that the tests
call without Streamlit: ``state`` (scenarios, controls, runs), ``kpis`` (headline figures, A/B
differences), ``exercise`` (export and import), ``charts`` (matplotlib figures), ``limits`` (what
one server takes on: uploads, the size of a run, runs at once, seconds per run). The app uses the
public library only (load and build scenarios, run replications, count a run's expected contacts);
it never reaches into a run.
"""
