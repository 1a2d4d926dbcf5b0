"""``python -m wardconsole`` behaves exactly like the ``wardconsole`` command."""

from wardconsole.cli import main

raise SystemExit(main())
