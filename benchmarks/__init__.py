"""`make bench`: speed, memory and match quality of the monthly flow on a synthetic county."""
