import sys

from .cli import main

if __name__ == "__main__":  # guarded: spawned worker processes (Holt-Winters pool) re-import the main module
    sys.exit(main())
