"""Throughcare: a shared recovery record for drug and alcohol partnerships."""

__version__ = "0.1.0"
