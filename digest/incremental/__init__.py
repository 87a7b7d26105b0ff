"""The incremental layer: what the last build into an output folder made, kept in the cache
folder, and what the next build can take from it. Only the pipeline (`digest.build` and
`digest.pipeline`) uses it; the stages below (reading, parsing, merging, rendering, search,
feeds, writing) know nothing of it (`tests/test_layers.py` holds them to that).

    built  = check.load(...)           the last build, as its manifest says, and the input now
    change = state.changes(built)      nothing | new days (merged onto the last site) | more
    loaded = state.with_days(...) or digest.inputs.load(...)   the one merge, with or without a base
    plan   = planner.plan(built, change, loaded)               which pages and whole-site files to make
    ... render and write (digest.pipeline) ...; state.save(...)

A build that finds nothing changed goes no further than `check`, which imports nothing of the
parser or the pages: this package imports none of its modules itself.
"""
