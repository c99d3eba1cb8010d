"""The ``aftersales`` command: Django's management commands plus ``serve`` and ``demo``."""

import os
import sys

from aftersales.core.startup import LONG_RUNNING_COMMANDS, settle


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    from django.core.management import execute_from_command_line

    if sys.argv[1:2] and sys.argv[1] in LONG_RUNNING_COMMANDS:
        import django

        django.setup()
        settle()
    execute_from_command_line(["aftersales", *sys.argv[1:]])


if __name__ == "__main__":
    main()
