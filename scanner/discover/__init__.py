"""The delivery tree -> media files: walk, type from the bytes, link policy, safe open."""
