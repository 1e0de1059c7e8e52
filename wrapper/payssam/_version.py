"""The distribution's version, read by the build backend."""

__version__ = "0.5.0"
