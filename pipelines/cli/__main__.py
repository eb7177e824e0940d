"""`python -m pipelines.cli` is `dixian`."""

from pipelines.cli import main

main()
