"""digest: a static site generator for bilingual (English / Chinese) research-paper digests."""

__version__ = "0.1.0"
