#!/usr/bin/env python
import os
import sys

import environ


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from config.embedded import BASE_DIR, NOT_RUNNING, use_running_stack

    environ.Env.read_env(BASE_DIR / ".env")
    # From the checkout, every command uses the servers `make dev` started (unless told others).
    if not use_running_stack():
        sys.exit(NOT_RUNNING)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
