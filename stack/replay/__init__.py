"""Replay for analysts: read topics back for a window of time, filtered, into files.

Nothing here joins or commits to a consumer group: an export assigns partitions itself
and seeks, so it never shows up as lag, never moves a service's offsets, and can run
beside the live stack.
"""
