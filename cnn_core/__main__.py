import sys

from cnn_core.cli.main import main

sys.exit(main())
