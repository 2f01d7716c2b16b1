"""python -m sandbox: the same as `policybot sandbox`."""

import sys

from sandbox.run import main

sys.exit(main())
