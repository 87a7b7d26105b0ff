"""digest: a static site generator for bilingual (English / Chinese) research-paper digests."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("digest")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
