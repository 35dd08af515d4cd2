"""`python -m service` runs the service, like `vehicle-connect serve`."""

import sys

from service.cli import main

sys.exit(main(["serve", *sys.argv[1:]]))
