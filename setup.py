"""Packaging beyond what pyproject.toml can say: the shipped scenarios, experiments and targets files.

They live at the top of the checkout (``scenarios/``, ``experiments/``, ``calibration/``), where users see and edit
them. The wheel and the sdist carry the very same files inside the package, as ``mashsim/_data/``,
where ``mashsim.scenario.shipped`` finds them once installed: one copy in the repository, no build
step to remember. Everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

SHIPPED = {"mashsim._data.scenarios": "scenarios", "mashsim._data.experiments": "experiments",
           "mashsim._data.calibration": "calibration"}

setup(
    packages=[*find_packages(include=["mashsim", "mashsim.*"]), *SHIPPED],
    package_dir=SHIPPED,
    # the London scenarios' source figures travel with them (their values are written into the
    # TOML files by scenarios/data/make_london.py, so nothing reads these at run time)
    include_package_data=False,  # exactly the files listed here, nothing else a manifest holds
    package_data={"mashsim._data.scenarios": ["*.toml", "data/*.csv", "data/README.md"],
                  "mashsim._data.experiments": ["*.toml"],
                  # the target table: mashsim calibrate's default figures and check-model's calibration table
                  "mashsim._data.calibration": ["*.toml"]},
)
