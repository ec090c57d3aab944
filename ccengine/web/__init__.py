"""The aiohttp edge: REST API (and, elsewhere, pages and websockets)."""
