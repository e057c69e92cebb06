# The two quick-start commands. Each creates .venv (or reuses it) and installs mashsim into it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FAST_STAMP := $(VENV)/.installed-compiled
# the model's own tests, run again on the compiled core by `make test-compiled`
CORE_TESTS := tests/test_compiled_core.py tests/test_events.py tests/test_roles.py tests/test_duty.py \
	tests/test_arrivals.py tests/test_calendar.py tests/test_cutoffs.py tests/test_hubs.py \
	tests/test_hub_injects.py tests/test_injects.py tests/test_policies.py tests/test_properties.py \
	tests/test_queueing_theory.py tests/test_trace_hook.py tests/test_extremes.py tests/test_ciw.py \
	tests/test_volume_pairing.py

.PHONY: run test fast pure test-compiled check-wheel clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/mashsim run scenarios/london-borough.toml

test: $(STAMP)
	$(BIN)/python -m pytest
ifeq ($(CI),true)
	@$(MAKE) --no-print-directory test-compiled
	@$(MAKE) --no-print-directory check-wheel
endif

# The sdist and the wheel built as a release would be, the wheel installed into a fresh virtual
# environment and run from a folder outside the checkout (see tools/check_wheel.sh).
check-wheel: $(STAMP)
	PYTHON=$(BIN)/python tools/check_wheel.sh

# Optional: the model core compiled with mypyc (needs a C compiler and the Python headers).
# The same results bit for bit, 1.5 to 2.2 times as fast. `make pure` goes back to pure Python.
$(FAST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet $$($(BIN)/python tools/build_core.py --requirements)
	@touch $(FAST_STAMP)

fast: $(FAST_STAMP)
	$(BIN)/python tools/build_core.py

pure:
	$(PYTHON) tools/build_core.py --remove

# Build the compiled core and run the model's tests on it, including a bit-for-bit comparison
# with pure Python. Skipped, saying why, on a machine that cannot build it.
test-compiled: $(STAMP)
	@if problem=$$($(BIN)/python tools/build_core.py --check); then \
		$(MAKE) --no-print-directory fast && $(BIN)/python -m pytest -q $(CORE_TESTS); \
	else \
		echo "test-compiled: skipped, the compiled core cannot be built here: $$problem"; \
	fi

clean:
	-$(PYTHON) tools/build_core.py --remove
	rm -rf $(VENV) build dist mashsim.egg-info .pytest_cache .hypothesis
