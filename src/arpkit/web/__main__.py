"""``python -m arpkit.web <command>``: Django's manage.py for the arpkit web platform.

Uses ``arpkit.web.settings.local`` unless ``DJANGO_SETTINGS_MODULE`` says otherwise.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arpkit.web.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0].replace("__main__.py", "arpkit.web"), *sys.argv[1:]])


if __name__ == "__main__":
    main()
