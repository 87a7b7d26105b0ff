"""The incremental layer: what the last build made, kept in the cache folder, and what the next
build can take from it. Only `digest.build` uses it; the stages below (parse, site, render,
search, feeds, write) know nothing of it (`tests/test_package.py` holds them to that)."""
