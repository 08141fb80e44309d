"""Page texts held compressed: `Texts`, and `pack`, the one form they are held in (the second
rendering process sends its pages in it, so that the build process does not compress them
again: render/body_worker.py)."""

from __future__ import annotations

import zlib
from collections.abc import Iterator, MutableMapping


def pack(text: str) -> bytes:
    """``text`` as `Texts` holds it: UTF-8, zlib level 1."""
    return zlib.compress(text.encode("utf-8"), 1)


class Texts(MutableMapping[str, str]):
    """Texts by docs path, held zlib-compressed until emit writes them: a site plan holds
    every page and every markdown copy at once, at 20,000 notes about 400 MB of strings at
    the build process's peak, a sixth of that compressed (for about 2% more CPU: level 1
    compresses 12,000 pages in about 2 s, and emit decompresses them in half that)."""

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}

    def __getitem__(self, key: str) -> str:
        return zlib.decompress(self._data[key]).decode("utf-8")

    def __setitem__(self, key: str, value: str) -> None:
        self._data[key] = pack(value)

    def put_packed(self, key: str, packed: bytes) -> None:
        """Hold a text already `pack`ed (by the second rendering process)."""
        self._data[key] = packed

    def __delitem__(self, key: str) -> None:
        del self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data
