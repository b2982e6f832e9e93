#!/usr/bin/env python
"""django-helpdesk's management commands for the comparison project (bench/compare.py runs them)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk_site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
