#!/usr/bin/env bash
# mashsim as a user gets it from `pip install`: build the sdist and, from it, the wheel (as a release
# does), install the wheel into a fresh virtual environment, and run the commands from a folder
# outside the checkout, where only the installed package can answer. Then the editable install
# (`pip install -e .`, what `make` sets up) from the same folder.
#
#   make check-wheel                  (make test runs it too when CI=true)
#   PYTHON=python3.12 tools/check_wheel.sh
#
# Needs the `build` package (the dev extra) and PyPI, or pip's cache, for the dependencies; about a
# minute with a warm cache. Exit 0, or the first failure with its output.
set -euo pipefail

PYTHON=${PYTHON:-python3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mashsim-wheel.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
unset PYTHONPATH  # only the installed package may answer
say() { printf '\ncheck-wheel [%3d s]: %s\n' "$SECONDS" "$*"; }

say "building the sdist, then the wheel from it"
"$PYTHON" -m build --outdir "$WORK/dist" "$ROOT" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
ls "$WORK/dist"
wheel=$(ls "$WORK"/dist/mashsim-*.whl)

say "installing the wheel into a fresh virtual environment"
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-compile "$wheel"  # no .pyc: seconds saved
mashsim=$WORK/venv/bin/mashsim

mkdir "$WORK/elsewhere"
cd "$WORK/elsewhere"
"$WORK/venv/bin/python" - "$WORK/venv" <<'EOF'
import sys
from pathlib import Path
import mashsim
from mashsim.scenario.shipped import folder
venv = Path(sys.argv[1]).resolve()
for where in (Path(mashsim.__file__), folder("scenarios"), folder("experiments"), folder("calibration")):
    assert venv in where.resolve().parents, f"{where} is not in the fresh environment"
print("mashsim and its shipped files come from", Path(mashsim.__file__).parent)
EOF

say "mashsim --version"
"$mashsim" --version

say "mashsim run london-borough -r 2"
"$mashsim" run london-borough -r 2 --workers 2 --json >run.json
"$WORK/venv/bin/python" -c "import json; r = json.load(open('run.json')); \
assert r['scenario']['name'] == 'london-borough' and r['replications'] == 2, r; \
print('ok:', r['scenario'], 'seed', r['seed'], 'mashsim', r['version'])"

# `sweep --dry-run` plans the experiment without running it; where this version has no such
# option, a short sweep of the same experiment resolves the same names and runs its points
if "$mashsim" sweep --help | grep -q -- "--dry-run"; then
    say "mashsim sweep staffing-grid --dry-run"
    "$mashsim" sweep staffing-grid --dry-run
else
    say "mashsim sweep staffing-grid, a week per replication (this version has no --dry-run)"
    "$mashsim" sweep staffing-grid --set run.horizon_days=7 --set run.warmup_days=0 --workers 2 \
        --out sweep --json >sweep.json
    "$WORK/venv/bin/python" -c "import json; s = json.load(open('sweep.json')); \
assert s['experiment'] == 'staffing-grid' and s['points'] == 20 and not s['failures'], s; print('ok:', s)"
fi

say "mashsim check-model --fast"
"$mashsim" check-model --fast --workers 2 >check.log 2>&1 || { cat check.log; exit 1; }
tail -n 3 check.log
test -s docs/validation-fast.md

say "the shipped target table by name: mashsim calibrate london-borough targets (checked, not run: no scikit-learn here)"
"$WORK/venv/bin/python" -c "from mashsim.history_matching import prepare; c = prepare('targets'); \
from mashsim.validation.calibration import TARGETS; \
assert [t.name for t in c.targets] == [t.name for t in TARGETS] and len(TARGETS) >= 5, c.targets; \
print('ok:', c.source, len(c.parameters), 'parameters,', len(TARGETS), 'targets')"
if "$mashsim" calibrate london-borough targts 2>err.txt; then echo "expected exit 2"; exit 1; fi
grep -q "did you mean targets" err.txt

say "a misspelt shipped name: exit 2 and a suggestion"
if "$mashsim" run london-borogh.toml 2>err.txt; then echo "expected exit 2"; exit 1; fi
grep -q "did you mean london-borough" err.txt

say "the editable install, from the same folder"
"$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e "$ROOT"
"$WORK/venv/bin/python" -c "import mashsim, sys; from pathlib import Path; \
from mashsim.scenario.shipped import folder; root = Path(sys.argv[1]).resolve(); \
assert Path(mashsim.__file__).resolve().parent == root / 'mashsim', mashsim.__file__; \
assert folder('scenarios') == root / 'scenarios' and folder('experiments') == root / 'experiments'; \
assert folder('calibration') == root / 'calibration'" "$ROOT"
"$mashsim" validate london-borough.toml
"$mashsim" sweep staffing-gird 2>err.txt && { echo "expected exit 2"; exit 1; }
grep -q "did you mean staffing-grid" err.txt

say "all passed"
