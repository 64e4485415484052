"""Stream the repeated records of a large XML file, parsing ahead on a second core.

Why: ``lxml.etree.iterparse`` holds the GIL while libxml2 parses (lxml feeds the parser
chunk by chunk under the GIL), so a reader that does real work per record spends its time
either parsing or reading, never both.  A *whole-document* parse and ``tostring`` do release
the GIL, so this module cuts the file's records into segments of whole records at byte level,
and a background thread parses and serialises one segment while the caller reads the
previous one.  The caller sees what ``iterparse(path, events=("end",), tag=...)`` would give
it, in document order, plus each record's serialisation (which it would otherwise ask libxml2
for, one record at a time).

It only does this for files it can cut safely and exactly, and otherwise streams with plain
``iterparse``, so behaviour on any other file is unchanged:

* the file is UTF-8 (no UTF-16/32 byte-order mark; no declared encoding other than UTF-8);
* the head, everything up to and including ``<{container}>``, holds no comment, DOCTYPE,
  CDATA or processing instruction (beyond the XML declaration), no namespace declaration,
  and parses (closed artificially) to a root with no attributes whose children are the
  header elements and the container;
* the file ends with ``</{container}>`` and the root's end tag, and white space.

Segments are cut just before a ``<{record}>`` start tag, so each holds whole records with
the text after each (their tails).  Those bytes can only be a start tag if no comment, CDATA
section or processing instruction is open, so a segment containing ``<!`` or ``<?`` is not
trusted; nor is one that fails to parse, holds anything but records at its top level, or a
header element.  From the first segment not trusted, the rest of the file is streamed with
``iterparse`` from that segment's first byte, behind the head and enough line breaks and
spaces that every line and column number libxml2 reports is the file's own.  So a broken or
unusual record gets the same events, the same element and the same syntax error, at the same
line, as a plain ``iterparse`` of the file would give.

Threads: each segment's tree is built by the background thread and then only read by the
caller (lxml supports reading a tree in a thread other than the one that parsed it); the
caller never changes it, and drops it whole once its records are read.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import queue
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

#: Bytes per segment: about 4,000 census children.  Larger segments were no faster (measured:
#: the time moved with the machine, not the size), and each costs about 25 MB of tree.
SEGMENT_BYTES = 4 << 20
#: How far into the file the container's start tag may be (the head is small).
_HEAD_LIMIT = 1 << 20
#: How much of the end of the file holds the closing tags and white space.
_TAIL_BYTES = 4096
_BOMS_NOT_UTF8 = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE,
                  codecs.BOM_UTF16_BE)
_DECLARATION = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml\s[^>]*?\?>")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_END = object()


class SegmentedStream:
    """``(element, serialised, in_segment)`` for each ``end`` event of the header and record
    tags in ``path``, in document order.  ``serialised`` is the record's markup as
    ``etree.tostring(record, encoding=str)`` gives it followed by its tail, or None when not
    known (the caller serialises it).  ``in_segment`` is True for a record of a segment: its
    tree belongs to the background parse and is freed whole, so the caller must not change
    it (no ``clear()`` or removal of siblings, which plain ``iterparse`` callers do to keep
    memory flat).

    ``root_of(element)`` is the document's root element (for an element of a segment, the
    real root, not the segment's).  Syntax and read errors are raised as ``iterparse`` raises
    them.  ``segmented`` says whether the file was cut, ``fallback_at`` from which byte the rest
    was read by ``iterparse`` (for tests and benchmarks).
    """

    def __init__(self, path: Path, *, container: str, record: str, headers: tuple[str, ...],
                 options: dict[str, Any], segment_bytes: int = SEGMENT_BYTES,
                 enabled: bool = True) -> None:
        self.path = Path(path)
        self.container, self.record, self.headers = container, record, headers
        self.options = options
        self.segment_bytes = max(1, segment_bytes)
        self.enabled = enabled
        self.segmented = False
        #: The byte from which the rest of a cut file was read by ``iterparse``, if any.
        self.fallback_at: int | None = None
        self.root: etree._Element | None = None
        self._head_root: etree._Element | None = None
        self._open = f"<{container}>".encode()
        self._record_text = f"<{record}>"
        self._record_start = self._record_text.encode()
        self._record_tag = re.compile(f"<{re.escape(record)}[\\s/>]".encode())

    # ------------------------------------------------------------------ public

    def __iter__(self) -> Iterator[tuple[etree._Element, str | None, bool]]:
        plan = self._plan() if self.enabled else None
        if plan is None:
            yield from self._iterparse(str(self.path))
            return
        head, body_start, body_end = plan
        self.segmented = True
        worker = _Parser(self, body_start, body_end)
        try:
            for header in self._head_root[:-1]:  # type: ignore[index]
                yield header, None, False
            for item in worker:
                if item[0] == "segment":
                    yield from self._records(item[1], item[2])
                else:  # "fallback": the rest of the file, from this byte, by iterparse
                    self.fallback_at = item[1]
                    yield from self._iterparse(_Remainder(self.path, head, body_start,
                                                          item[1]), skip_headers=True)
                    return
        finally:
            worker.close()

    def root_of(self, element: etree._Element) -> etree._Element:
        """The document's root element above ``element`` (the file's root for an element of
        a segment, whose own tree is rooted in a stand-in container)."""
        root = element.getroottree().getroot()
        if self._head_root is not None and root.tag == self.container:
            return self._head_root
        return root

    # ------------------------------------------------------------------ plan

    def _plan(self) -> tuple[bytes, int, int] | None:
        """``(head bytes, body start, body end)`` when the file can be cut, else None."""
        try:
            size = self.path.stat().st_size
            with self.path.open("rb") as fh:
                first = fh.read(_HEAD_LIMIT)
                fh.seek(max(0, size - _TAIL_BYTES))
                last = fh.read(_TAIL_BYTES)
        except OSError:
            return None
        if first.startswith(_BOMS_NOT_UTF8):
            return None
        at = first.find(self._open)
        if at < 0:
            return None
        body_start = at + len(self._open)
        head = first[:body_start]
        declaration = _DECLARATION.match(head)
        rest = head[declaration.end():] if declaration else head
        if declaration:
            encoding = _ENCODING.search(declaration.group(0))
            if encoding and encoding.group(1).lower().replace(b"_", b"-") not in (b"utf-8",
                                                                                  b"utf8"):
                return None
        if b"<!" in rest or b"<?" in rest or b"xmlns" in rest or b"&" in rest:
            return None
        tail = re.search(rb"</" + re.escape(self.container.encode()) + rb">\s*</([A-Za-z_]"
                         rb"[\w.-]*)>\s*\Z", last)
        if tail is None:
            return None
        body_end = size - len(last) + tail.start()
        if body_end < body_start:
            return None
        try:
            closing = f"</{self.container}></".encode() + tail.group(1) + b">"
            root = etree.fromstring(head + closing, etree.XMLParser(**self.options))
        except etree.XMLSyntaxError:
            return None
        tags = [el.tag for el in root]
        if (root.attrib or root.tag == self.container or tags[-1:] != [self.container]
                or not set(tags[:-1]) <= set(self.headers)
                or root.tag != tail.group(1).decode("ascii")):
            return None
        self._head_root = self.root = root
        return head, body_start, body_end

    # ------------------------------------------------------------------ reading

    def _iterparse(self, source: str | BinaryIO,
                   skip_headers: bool = False) -> Iterator[tuple[etree._Element, None, bool]]:
        """Plain ``iterparse``; after a fallback, the head's own header elements (given
        already) are skipped, later ones are not."""
        parser = etree.iterparse(source, events=("end",), tag=(*self.headers, self.record),
                                 **self.options)
        skip = len(self._head_root) - 1 if skip_headers and self._head_root is not None else 0
        try:
            for _, element in parser:
                if skip and element.tag in self.headers:
                    skip -= 1
                    continue
                yield element, None, False
        finally:
            if isinstance(source, _Remainder):
                source.close()
        self.root = parser.root

    def _records(self, root: etree._Element, text: str | None,
                 ) -> Iterator[tuple[etree._Element, str | None, bool]]:
        records = list(root)
        start = self._record_text
        pieces = text.split(start) if text is not None else []
        if len(pieces) != len(records) + 1 or pieces[0] != f"<{self.container}>":
            for element in records:
                yield element, None, True
            return
        pieces[-1] = pieces[-1].removesuffix(f"</{self.container}>")
        for element, piece in zip(records, pieces[1:], strict=True):
            yield element, start + piece, True


class _Parser:
    """The background thread: cuts the body into segments, parses and serialises each, and
    hands them over through a queue of two (so at most three segments are alive)."""

    def __init__(self, stream: SegmentedStream, body_start: int, body_end: int) -> None:
        self.stream = stream
        self.body_start, self.body_end = body_start, body_end
        self._queue: queue.Queue = queue.Queue(maxsize=2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name="arpkit-xml-segments")
        self._thread.start()

    def __iter__(self) -> Iterator[tuple]:
        while True:
            item = self._queue.get()
            if item is _END:
                return
            yield item
            if item[0] == "fallback":
                return

    def close(self) -> None:
        self._stop.set()
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self._queue.get(timeout=0.05)
        self._thread.join()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        s = self.stream
        parser = etree.XMLParser(**s.options)
        opening, closing = f"<{s.container}>".encode(), f"</{s.container}>".encode()
        start = self.body_start
        try:
            with s.path.open("rb") as fh:
                fh.seek(start)
                carry = b""
                left = self.body_end - start
                while left or carry:
                    block = fh.read(min(s.segment_bytes, left)) if left else b""
                    if left and not block:
                        raise OSError("the file is shorter than when it was opened")
                    left -= len(block)
                    data = carry + block
                    # Cut before the last record that starts after the first byte; the last
                    # segment runs to the end of the body.
                    cut = data.rfind(s._record_start, 1) if left else len(data)
                    if cut <= 0:
                        carry = data
                        continue
                    segment, carry = data[:cut], data[cut:]
                    item = self._segment(parser, segment, start, opening, closing)
                    if not self._put(item) or item[0] == "fallback":
                        return
                    start += len(segment)
        except Exception:  # a read error, or anything unforeseen: plain iterparse reads the
            # rest and meets (and reports) a read error again; cutting is only a speed-up
            self._put(("fallback", start))
            return
        self._put(_END)

    def _segment(self, parser: etree.XMLParser, segment: bytes, start: int, opening: bytes,
                 closing: bytes) -> tuple:
        s = self.stream
        if b"<!" in segment or b"<?" in segment:
            return ("fallback", start)
        try:
            root = etree.fromstring(opening + segment + closing, parser)
        except etree.XMLSyntaxError:
            return ("fallback", start)
        count = len(root)
        if count != len(s._record_tag.findall(segment)) or any(
                el.tag != s.record for el in root) or any(
                f"<{h}".encode() in segment for h in s.headers):
            return ("fallback", start)
        return ("segment", root, etree.tostring(root, encoding=str))


class _Remainder(io.RawIOBase):
    """The file from byte ``start`` on, behind its head and the line breaks and spaces that
    put every byte on its own line and column: what ``iterparse`` reads after a fallback."""

    def __init__(self, path: Path, head: bytes, body_start: int, start: int) -> None:
        super().__init__()
        self._fh = path.open("rb")
        lines, column = _position(self._fh, body_start, start)
        self._prefix = io.BytesIO(head + b"\n" * lines + b" " * column)
        self._fh.seek(start)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._prefix.readinto(buffer)
        if n:
            return n
        data = self._fh.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._fh.close()
        super().close()


def _position(fh: BinaryIO, body_start: int, start: int) -> tuple[int, int]:
    """Line breaks between ``body_start`` and ``start``, and the bytes after the last one
    (all of them if there is none)."""
    fh.seek(body_start)
    lines, column, left = 0, 0, start - body_start
    while left > 0:
        block = fh.read(min(left, 1 << 20))
        if not block:
            break
        left -= len(block)
        n = block.count(b"\n")
        if n:
            lines += n
            column = len(block) - block.rfind(b"\n") - 1
        else:
            column += len(block)
    return lines, column
