"""Psoas Desktop: a guided, drift-free psoas and hip-flexor routine timer."""

__version__ = "0.1.0"
