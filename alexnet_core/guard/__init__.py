"""What keeps a shared server up: the classroom limits (one file), the server-wide memory ledger
and the byte-bounded caches. Loads no torch until a cache measures a value."""
