"""``python -m wardconsole`` behaves exactly like the ``wardconsole`` command.

The packaged build's executable runs this file; started with the password-hash flag it is the
short-lived hashing child instead, and imports nothing else."""

import sys

from wardconsole.password_child import FLAG

if sys.argv[1:] == [FLAG]:
    from wardconsole.password_child import main as hash_child

    raise SystemExit(hash_child())

from wardconsole.cli import main

raise SystemExit(main())
