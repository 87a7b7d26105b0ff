"""The incremental layer: what the last build into an output folder made, kept in the cache
folder, and what the next build can take from it. Only `digest.build` uses it; the stages below
(reading, parsing, merging, rendering, search, feeds, writing) know nothing of it
(`tests/test_layers.py` holds them to that).

    state  = load(...)                 the last build, as its manifest says, and the input now
    change = changes(state)            nothing | new days (merged onto the last site) | more
    loaded = with_days(...) or digest.inputs.load(...)      the one merge, with or without a base
    plan   = plan(state, change, loaded)                    which pages and whole-site files to make
    ... render and write (digest.build) ...; save(...)
"""

from digest.incremental.planner import plan
from digest.incremental.state import BuildState, Change, Plan, changes, everything, forget, load, save, with_days

__all__ = ["BuildState", "Change", "Plan", "changes", "everything", "forget", "load", "plan", "save", "with_days"]
