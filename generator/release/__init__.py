"""Versioned regeneration and the drift check: ``recallgen update`` and ``recallgen check``.

:mod:`.version` (the package version: ``spec/version``, semantic version bumps from a diff),
:mod:`.changelog` (``generated/CHANGELOG.md``, Keep a Changelog), :mod:`.update` (new pages ->
spec -> package, all or nothing), :mod:`.check` (pages + overlay -> spec -> package compared with
what is committed).
"""
