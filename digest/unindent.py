"""The Jinja extension that takes the built-in theme's indentation out of its templates."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2.ext


class Unindent(jinja2.ext.Extension):
    """Drops the indentation the built-in theme's templates are written with, once, as Jinja loads
    them: a page renders the same without it, and a site of 60,000 pages is 20 MB smaller. A
    site's own templates are left as written (a `<pre>` of theirs may mean its spaces): the
    environment names the theme's folder, as `builtin_templates` (see `Environment.extend`)."""

    _INDENT = re.compile(r"\n[ \t]+(?=[<{])")

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        builtin = getattr(self.environment, "builtin_templates", None)
        if filename and builtin is not None and Path(filename).parent.resolve() == builtin:
            return self._INDENT.sub("\n", source)
        return source
