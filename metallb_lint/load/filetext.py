"""A loaded file's text: held while it is loaded, read again from disk when asked for later.

A large repository's relevant files hold tens of megabytes of text that few findings ever
look at again (positions, source lines, suppression comments, fixes). Once loaded, a file's
text can be released (`FileText.release`): whoever asks for it afterwards gets it read again
from the file, decoded as it was the first time. The file may have changed or vanished in the
meantime (an editor saving, a checkout): its bytes must hash as they did when loaded, or the
text is unavailable (None) for the rest of the run, and callers fall back to what they knew
without it (a document's first line, no source lines shown). Text without a file behind it
(stdin, a rendered template) is never released.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from metallb_lint.safeio import MAX_READ_BYTES, read_bytes

# Words asked of a file's whole text once it is released, noted at `keep_on_disk` so that the
# answer needs no read: (word, in any case). A file's suppression comments (decide.py) are
# looked for in every file of a run, and almost no file has one; the inventory asks whether a
# file it does not deploy mentions MetalLB or a load balancer (model/inventory.py).
SUPPRESSION_MARK = "metallb-lint:"
_NOTED = ((SUPPRESSION_MARK, False), ("metallb", True), ("loadbalancer", True))
_NOTED_BITS = {entry: 1 << i for i, entry in enumerate(_NOTED)}

_RECENT_LIMIT = 16  # texts read again, kept for the next callers (findings come file by file)
_recent: dict[FileText, str] = {}


def decode(raw: bytes) -> str:
    """UTF-8 (a BOM is fine) with line breaks normalised to `\\n`; raises UnicodeDecodeError."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    text = raw.decode("utf-8")
    if "\ufeff" in text[:1]:
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def source_text(raw: bytes) -> str:
    """The text of a file's bytes, line breaks normalised to `\\n` (raises UnicodeDecodeError)."""
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return decode(raw)


def _digest(raw: bytes) -> bytes:
    import hashlib  # (only runs that release texts hash them)

    return hashlib.blake2b(raw, digest_size=16).digest()


class FileText:
    """The text of one loaded file (see the module's docstring). Identity-hashed."""

    __slots__ = ("_digest", "_noted", "_path", "_text")

    def __init__(self, text: str) -> None:
        self._text: str | None = text
        self._path: str | None = None  # the file to read it again from
        self._digest: bytes | None = None  # of the file's bytes when loaded
        self._noted = -1  # which _NOTED words the text mentions (-1: not known)

    def keep_on_disk(self, path: str, raw: bytes) -> None:
        """Say where the text comes from (`raw`: the bytes it was decoded from), so that it
        can be released and read again from there."""
        text = self._text
        if text is None:
            return
        self._path = path
        self._digest = _digest(raw)
        noted = 0
        lowered = None
        for (word, any_case), bit in _NOTED_BITS.items():
            if any_case:
                lowered = text.lower() if lowered is None else lowered
            if word in (lowered if any_case else text):
                noted |= bit
        self._noted = noted

    def release(self) -> None:
        """Drop the text when it can be read again (a file behind it); else keep it."""
        if self._path is not None:
            self._text = None

    @property
    def held(self) -> bool:
        return self._text is not None

    def get(self) -> str | None:
        """The text as loaded, or None when the file no longer holds it."""
        if self._text is not None:
            return self._text
        text = _recent.get(self)
        if text is not None:
            return text
        path, self._path = self._path, None  # (one attempt: changed once, gone for the run)
        if path is None:
            return None
        try:
            raw = read_bytes(path, MAX_READ_BYTES)
            if _digest(raw) != self._digest:
                return None
            text = source_text(raw)
        except (OSError, ValueError):  # vanished, unreadable, grown too large, not UTF-8
            return None
        self._path = path
        if len(_recent) >= _RECENT_LIMIT:
            del _recent[next(iter(_recent))]
        _recent[self] = text
        return text

    def mentions(self, word: str, *, any_case: bool = False) -> bool:
        """Whether the text contains `word` (`any_case`: its lowercase text contains `word`,
        itself lowercase); a noted word is answered without reading the file."""
        if self._noted >= 0:
            bit = _NOTED_BITS.get((word, any_case))
            if bit is not None:
                return bool(self._noted & bit)
        text = self.get()
        if text is None:
            return False
        return word in (text.lower() if any_case else text)


def part_of(text: str | FileText, start: int, end: int) -> str | None:
    """`text[start:end]` (all of it when `end` < 0) of a text that may be a released file's:
    None when its file no longer holds it."""
    whole = text if type(text) is str else text.get()  # type: ignore[union-attr]
    if whole is None:
        return None
    return whole if end < 0 else whole[start:end]


def forget_recent() -> None:
    """Drop the texts kept after reading them again (tests; the end of a run)."""
    _recent.clear()


class Texts(Mapping[str, "str | None"]):
    """Paths to their files' texts, each read (again) when first looked up and kept for the
    caller's use: a caller that uses a text twice (a fix's edits, then its diff) sees one.
    `marker`: a text known not to contain it looks like no text, without a read (the
    suppression comments of every file, decide.py)."""

    def __init__(self, files: Mapping[str, FileText | None], marker: str | None = None) -> None:
        self._files = files
        self._marker = marker
        self._seen: dict[str, str | None] = {}

    def __getitem__(self, path: str) -> str | None:
        if path in self._seen:
            return self._seen[path]
        content = self._files[path]
        text = None
        if content is not None and (self._marker is None or content.mentions(self._marker)):
            text = content.get()
        self._seen[path] = text
        return text

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)
