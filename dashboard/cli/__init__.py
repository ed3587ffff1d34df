"""The command line, ``python -m dashboard …``: one module per command group (``data``, ``training``, ``scenario``,
``refresh``, ``export``, ``workspace``), their shared option sets in ``options``, the parser in ``main``."""
