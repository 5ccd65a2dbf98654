"""ivp: reproducible analysis of Dutch municipal integral safety plans (IVP's)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ivp")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"
