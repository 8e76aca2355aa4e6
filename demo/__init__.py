"""The demo data for `make run` (data.py; each feature's part in its own module), and the
`flask --app grants demo` command that loads it (cli.py).

Not part of the portal: the portal imports nothing from here. The command reaches the
portal's CLI through the `grants.extras` entry point (pyproject.toml), which the factory
loads (grants/factory.py, `register_extras`).
"""
