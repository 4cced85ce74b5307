"""`make bench`: the performance figures of docintake, each beside a baseline of the same run.

Run `python -m bench.run` (or `--quick`); see the README's "Performance" section.
"""
