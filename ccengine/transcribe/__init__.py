"""Transcription: recordings → faster-whisper → PESEL and card masking → tickets.

Unmasked text exists only in memory inside this package: it is never stored,
logged or put in an error message.
"""
