"""One snapshot of a change: every changed file's base and head text, read once, parsed once.

`read.build` does the I/O (GitHub's API in the server, one `git cat-file --batch` in the CLI);
`model.Snapshot` is what every rule sees, pure and synchronous; `trees` parses a file on first use
and every rule shares the tree.
"""
