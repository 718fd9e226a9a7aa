"""The analysis on a Dask cluster (the `cluster` extra): cache misses in batches to its workers.

`settings` (which cluster, path maps, TLS: no Dask import), `identity` (what must match the
client), `connect` (reach and check the workers), `pool` (the client's side of a run),
`worker` (what runs on a Dask worker: each file still bounded in a child process there).
See docs/cluster.md.
"""
