"""One module per ``mashsim`` subcommand.

Each module has ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``. A new
command is a new module added to ``MODULES``; ``mashsim.cli`` builds the parser from this list.
Commands raise :class:`mashsim.scenario.ScenarioError` for bad input; the CLI turns it into exit 2.
"""

MODULES = ["run", "validate", "show", "schema", "trace", "serve", "check_model", "sweep", "report", "staff", "tabletop", "calibrate", "compare", "voi", "brief"]
