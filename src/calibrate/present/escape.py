"""Turn untrusted text (names, comments, evidence) into inert HTML.

Every string that came from an input file is hostile until escaped: a CSM
called ``<script>alert(1)</script>`` must show those characters and run
nothing. These helpers are the only way user text enters report HTML.
"""

from __future__ import annotations

import html
import math
import re
from typing import Any

import pandas as pd

__all__ = ["escape_text", "escape_multiline", "is_missing", "safe_key", "find_remote_references", "strip_active_content"]

_SAFE_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}")


def is_missing(value: Any) -> bool:
    """True for ``None``, ``pd.NA``, ``NaT`` and float NaN (a value that cannot be shown)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def escape_text(value: Any) -> str:
    """HTML-escape ``str(value)`` including quotes; a missing value becomes ``""``."""
    if is_missing(value):
        return ""
    return html.escape(str(value), quote=True)


def escape_multiline(value: Any) -> str:
    """Escape like ``escape_text`` and keep line breaks as ``<br>``."""
    text = escape_text(value).replace("\r\n", "\n").replace("\r", "\n")
    return "<br>".join(text.split("\n"))


def safe_key(identifier: Any) -> str:
    """A file-name-safe key for an identifier from the data.

    An id made of letters, digits, ``_``, ``.`` and ``-`` (not starting with
    ``.`` and at most 80 characters) is used as it is, so ``csm/C017.html``
    matches the data. Anything else (``../x``, spaces, quotes, non-ASCII)
    becomes a slug plus the first 10 hex digits of its SHA-1, which keeps
    keys distinct and never lets an id name a path outside its folder.
    """
    import hashlib

    text = str(identifier)
    if _SAFE_KEY.fullmatch(text):
        return text
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:40] or "id"
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
    return f"{slug}-{digest}"


_REMOTE_ATTR = re.compile(r"""\b(?:src|href|srcset|action|data|poster|xlink:href)\s*=\s*(["']?)\s*(?:https?:)?//""", re.I)
_SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.I | re.S)
_LINK_REMOTE = re.compile(r"""<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//[^>]*>""", re.I)
_IFRAME = re.compile(r"<iframe\b.*?</iframe\s*>", re.I | re.S)
_CSS_REMOTE = re.compile(r"""(@import\s+|url\(\s*["']?)\s*(?:https?:)?//[^)"';\s]*""", re.I)


def find_remote_references(html_text: str) -> list[str]:
    """Every attribute or CSS ``url()`` that would fetch something from the network.

    Used by the batch (and its tests) to prove a report opens offline.
    """
    found = [m.group(0) for m in _REMOTE_ATTR.finditer(html_text)]
    found += [m.group(0) for m in _CSS_REMOTE.finditer(html_text)]
    return found


def strip_active_content(html_text: str) -> str:
    """Remove scripts, iframes and remote stylesheets; neutralise remaining remote URLs.

    Reports are static pages: nothing in them needs to run or to fetch, so
    anything that would is dropped rather than trusted.
    """
    text = _SCRIPT.sub("", html_text)
    text = _IFRAME.sub("", text)
    text = _LINK_REMOTE.sub("", text)
    text = _REMOTE_ATTR.sub(lambda m: m.group(0).split("=", 1)[0] + "=" + m.group(1) + "#removed:", text)
    text = _CSS_REMOTE.sub(lambda m: m.group(1) + "about:blank", text)
    return text
