"""The agent console: queue membership, presence, screen-pops and callbacks."""
