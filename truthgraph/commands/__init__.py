"""The ``truthgraph`` command's subcommands, one module per family.

Each module adds its subcommands to the parser with an ``add_*_command`` function; a subcommand's function takes the
parsed arguments and the :class:`~truthgraph.settings.Settings` that :func:`truthgraph.cli.main` read once from the
environment. Besides the app factory and the worker entry module, nothing else reads the environment.
"""
