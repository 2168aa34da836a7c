"""Snoozes and mutes made from a mail's signed links or the console, and which recipients they hold mail back from
(docs/snoozes.md)."""
