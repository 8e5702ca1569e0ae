"""The on-disk format: Whoosh's W3 codec with postings and per-document columns as arrays.

Whoosh's own postings are pickled blocks decoded one posting at a time in Python, positions
decoded whether or not a query needs them. Here, behind Whoosh's public codec interface
(`whoosh.codec.base.Codec`), each term's postings are two contiguous little-endian arrays in the
segment's `.apst` file (document numbers, and counts or weights), and its positions are in
`.apos`, read only for phrases (the layout is in `postings`). Each segment's
field lengths (Whoosh's one-byte encoding) and sort keys are arrays in one `.arr` file. All three
are memory-mapped when a segment is opened, so a commit that deletes a merged segment's files
later cannot take them from under an open searcher. The term table (`.trm`), stored fields and
Whoosh's own columns are W3's: Whoosh keeps the schema, analysis, segments, locking and merging.
"""

from __future__ import annotations

import json
import mmap
import os
from array import array
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from whoosh import formats
from whoosh.codec import base
from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader, W3PerDocWriter, W3TermInfo, W3TermsReader
from whoosh.filedb import filetables
from whoosh.matching import ListMatcher
from whoosh.util.numeric import length_to_byte

from search_index.codec import postings
from search_index.codec.pool import TermRuns

POSTINGS_EXT, POSITIONS_EXT, ARRAYS_EXT = ".apst", ".apos", ".arr"
SORT_COLUMNS = ("published", "updated")  # numeric columns also kept as arrays (their sortable,
# unsigned form), for newest first
_ALIGN = 8
_STORED = "_stored"
WordValues = tuple[str, int, float, bytes]  # term, frequency, weight, encoded positions


class ArrayPositions(formats.Positions):
    """Whoosh's Positions format with each posting's positions as raw uint32 (absolute), not a
    pickled list of deltas: the postings writer copies them to `.apos` as they are, and a phrase
    reads them as an array."""

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[WordValues]:
        """Whoosh's loop without its generator layers (a fifth of a rebuild's analysis)."""
        if isinstance(value, tuple | list):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        positions: dict[str, list[int]] = {}
        weights: dict[str, float] = {}
        kwargs.update(positions=True, boosts=True)
        for token in analyzer(value, **kwargs):
            if token.stopped:
                continue
            found = positions.get(token.text)
            if found is None:
                positions[token.text] = [token.pos]
                weights[token.text] = token.boost
            else:
                found.append(token.pos)
                weights[token.text] += token.boost
        boost = self.field_boost
        for word, found in positions.items():
            yield word, len(found), weights[word] * boost, array("I", found).tobytes()

    def encode(self, poslist: Sequence[int]) -> bytes:
        return array("I", poslist).tobytes()

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return array("I", valuestring).tolist() if valuestring else []

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring) // 4

    def decode_weight(self, valuestring: bytes) -> float:
        return self.decode_frequency(valuestring) * self.field_boost


class ArrayCodec(W3Codec):
    """W3Codec with array postings and columns; pickled into each segment of the index."""

    def field_writer(self, storage: Any, segment: Any) -> ArrayFieldWriter:
        return ArrayFieldWriter(storage, segment)

    def per_document_writer(self, storage: Any, segment: Any) -> ArrayPerDocWriter:
        return ArrayPerDocWriter(self, storage, segment)

    def terms_reader(self, storage: Any, segment: Any) -> ArrayTermsReader:
        return ArrayTermsReader(self, storage, segment)

    def per_document_reader(self, storage: Any, segment: Any) -> ArrayPerDocReader:
        return ArrayPerDocReader(storage, segment)


def _path(storage: Any, segment: Any, ext: str) -> str:
    return os.path.join(storage.folder, segment.make_filename(ext))


def _map(path: str) -> memoryview:
    """The file's bytes, mapped read-only (an empty file maps to nothing)."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if not size:
            return memoryview(b"")
        return memoryview(mmap.mmap(handle.fileno(), size, access=mmap.ACCESS_READ))


# -- postings ----------------------------------------------------------------------------------


class ArrayFieldWriter(base.FieldWriter):
    """Writes the term table as W3 does, and each term's postings as arrays (see module)."""

    def __init__(self, storage: Any, segment: Any) -> None:
        self._tindex = filetables.OrderedHashWriter(segment.create_file(storage, W3Codec.TERMS_EXT))
        self._fieldmap: dict[str, int] = {}
        self._tindex.extras["fieldmap"] = self._fieldmap
        self._postings = segment.create_file(storage, POSTINGS_EXT)
        self._positions = segment.create_file(storage, POSITIONS_EXT)
        self._fieldid = 0
        self._format: Any = None
        self._positions_kept = False
        self._btext = b""
        self._ids = array("I")
        self._weights = array("f")
        self._values: list[bytes] = []
        self.is_closed = False

    def add_postings(self, schema: Any, lengths: Any, items: Any) -> None:
        """Whole terms from a TermPool; otherwise Whoosh's loop, without the length of every
        posting's document, which it reads back one posting at a time (half the writing time):
        nothing here reads a term's lengths, and the lengths themselves are in `.arr`."""
        if not isinstance(items, TermRuns):
            super().add_postings(schema, None, items)
            return
        fieldname = None
        for (name, btext), (ids, weights, counts, positions) in items:
            if name != fieldname:
                self.start_field(name, schema[name])
                fieldname = name
            self._write_term(btext, np.frombuffer(ids, np.uint32), np.frombuffer(weights, np.float32),
                             np.frombuffer(counts, np.uint32) if positions else None, positions)  # fmt: skip

    def start_field(self, fieldname: str, fieldobj: Any) -> None:
        self._fieldid = self._fieldmap.setdefault(fieldname, len(self._fieldmap))
        self._format = fieldobj.format
        # Other formats' values (a frequency) are the weight over the boost: not kept.
        self._positions_kept = isinstance(fieldobj.format, ArrayPositions)

    def start_term(self, btext: bytes) -> None:
        self._btext = btext
        self._ids, self._weights, self._values = array("I"), array("f"), []

    def add(self, docnum: int, weight: float, vbytes: bytes, length: int | None) -> None:
        self._ids.append(docnum)
        self._weights.append(weight)
        if vbytes and self._positions_kept:
            self._values.append(vbytes)

    def finish_term(self) -> None:
        counts = positions = None
        if self._values:
            if len(self._values) != len(self._ids):
                raise ValueError("a term's postings carry positions for only some documents")
            counts = np.fromiter((len(v) // 4 for v in self._values), dtype=np.int64, count=len(self._values))
            positions = b"".join(self._values)
        ids, weights = np.frombuffer(self._ids, np.uint32), np.frombuffer(self._weights, np.float32)
        self._write_term(self._btext, ids, weights, counts, positions)

    def _write_term(
        self,
        btext: bytes,
        ids: np.ndarray,
        weights: np.ndarray,
        counts: np.ndarray | None,
        positions: bytes | None,
    ) -> None:
        """A term's record in `.apst` (and `.apos`) and its row in the term table; `positions`
        are each posting's raw uint32 positions one after the other, `counts` how many each."""
        info = W3TermInfo()
        ids, weights, unit = ids.astype(np.int64), weights.astype(np.float64), self._format.field_boost
        info._weight, info._df = float(weights.sum()), len(ids)
        info._minlength, info._maxlength, info._maxweight = None, 0, float(weights.max())
        info._minid, info._maxid = int(ids[0]), int(ids[-1])
        if positions:
            flags, encoded = postings.encode_positions(positions)
            where = _pad(self._positions)
            self._positions.write(encoded)
        else:
            counts, flags, where = postings.counts_of(weights, unit), postings.NO_POSITIONS, 0
        layout, parts = postings.encode(ids, weights, counts, unit)
        offset = _pad(self._postings)
        self._postings.write(((where << 8) | flags | layout).to_bytes(postings.HEADER_BYTES, "little"))
        for part in parts:
            self._postings.write(part)
        info.set_extent(offset, len(ids))
        self._tindex.add(self._fieldid.to_bytes(2, "big") + btext, info.to_bytes())

    def finish_field(self) -> None:
        self._format = None

    def close(self) -> None:
        self._tindex.close()
        self._postings.close()
        self._positions.close()
        self.is_closed = True


def _pad(handle: Any) -> int:
    """Moves `handle` to the next multiple of _ALIGN (arrays are read in place) and returns it."""
    position = handle.tell()
    if position % _ALIGN:
        handle.write(bytes(_ALIGN - position % _ALIGN))
        position = handle.tell()
    return position


class ArrayTermsReader(W3TermsReader):
    """W3's term table over the `.apst` and `.apos` arrays, both mapped when opened."""

    def __init__(self, codec: ArrayCodec, storage: Any, segment: Any) -> None:
        check_files(storage, segment)  # before anything is opened: Whoosh would leave it open
        name = segment.make_filename(W3Codec.TERMS_EXT)
        super().__init__(codec, storage.open_file(name), storage.file_length(name), None)
        try:
            self._postmap = _map(_path(storage, segment, POSTINGS_EXT))
            self._posmap = _map(_path(storage, segment, POSITIONS_EXT))
        except BaseException:
            self._tindex.close()
            raise

    def arrays(self, fieldname: str, tbytes: bytes, unit: float) -> postings.TermArrays:
        """A term's postings (`unit`: its field's boost, what a count weighs)."""
        info = self.term_info(fieldname, tbytes)
        return postings.decode(self._postmap, info.extent()[0], info.doc_frequency(), unit)

    def positions(self, term: postings.TermArrays, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row index of each position, the position) for the postings at `rows` of `term`."""
        return postings.positions_of(self._posmap, term, rows)

    def matcher(self, fieldname: str, tbytes: bytes, format_: Any, scorer: Any = None) -> ListMatcher:
        """Whoosh's generic path (filters, merges, its own searches): a list matcher."""
        term = self.arrays(fieldname, tbytes, format_.field_boost)
        info = self.term_info(fieldname, tbytes)
        values = _Values(self, term)
        return ListMatcher(term.ids.tolist(), term.weights.tolist(), values, format_, scorer=scorer,
                           term=(fieldname, tbytes), terminfo=info)  # fmt: skip

    def close(self) -> None:
        self._tindex.close()


def check_files(storage: Any, segment: Any) -> None:
    """Raises FileNotFoundError for a missing file of a segment: Whoosh would read a segment
    without stored fields as documents without any."""
    if not segment.doc_count_all():
        return
    names = [W3Codec.column_filename(segment, _STORED)]
    names += [
        segment.make_filename(ext) for ext in (W3Codec.TERMS_EXT, POSTINGS_EXT, POSITIONS_EXT, ARRAYS_EXT)
    ]
    for name in names:
        if not storage.file_exists(name):
            raise FileNotFoundError(2, "a file of a segment is missing", name)


class _Values:
    """The encoded positions of a term's postings for ListMatcher, all decoded at the first
    (a merge reads every posting of every term)."""

    def __init__(self, terms: ArrayTermsReader, term: postings.TermArrays) -> None:
        self._terms, self._term = terms, term
        self._decoded: list[bytes] | None = None

    def __len__(self) -> int:
        return len(self._term.ids)

    def __getitem__(self, i: int) -> bytes:
        if self._term.positions < 0:
            return b""
        if self._decoded is None:
            rows = np.arange(len(self._term.ids))
            _owner, found = self._terms.positions(self._term, rows)
            raw = found.astype("<u4").tobytes()
            ends = 4 * np.cumsum(self._term.counts, dtype=np.int64)
            starts = [0, *ends[:-1].tolist()]
            self._decoded = [raw[start:end] for start, end in zip(starts, ends.tolist(), strict=True)]
        return self._decoded[i]


# -- per-document arrays -------------------------------------------------------------------------


class ArrayPerDocWriter(W3PerDocWriter):
    """W3's per-document writer that also keeps each field's length bytes and the sort keys as
    arrays, written to `.arr` at the end."""

    def __init__(self, codec: ArrayCodec, storage: Any, segment: Any) -> None:
        super().__init__(codec, storage, segment)
        self._length_bytes: dict[str, bytearray] = {}
        self._sort_keys: dict[str, array] = {name: array("Q") for name in SORT_COLUMNS}

    def add_field(self, fieldname: str, fieldobj: Any, value: Any, length: int) -> None:
        super().add_field(fieldname, fieldobj, value, length)
        if length:
            column = self._length_bytes.setdefault(fieldname, bytearray())
            column.extend(bytes(self._docnum + 1 - len(column)))
            column[self._docnum] = length_to_byte(length)

    def add_column_value(self, fieldname: str, columnobj: Any, value: Any) -> None:
        super().add_column_value(fieldname, columnobj, value)
        keys = self._sort_keys.get(fieldname)
        if keys is not None:
            keys.extend([0] * (self._docnum + 1 - len(keys)))
            keys[self._docnum] = value

    def close(self) -> None:
        super().close()
        count = self._doccount
        parts: dict[str, tuple[str, bytes]] = {}
        for name, column in self._length_bytes.items():
            parts[f"len:{name}"] = ("u1", bytes(column[:count]) + bytes(count - len(column[:count])))
        for name, keys in self._sort_keys.items():
            keys.extend([0] * (count - len(keys)))
            parts[f"key:{name}"] = ("<u8", np.asarray(keys[:count], dtype="<u8").tobytes())
        _write_arrays(self._segment.create_file(self._storage, ARRAYS_EXT), parts)


def _write_arrays(handle: Any, parts: dict[str, tuple[str, bytes]]) -> None:
    """A JSON directory {name: [dtype, offset, bytes]} after its 8-byte length, then the arrays."""
    directory, offset = {}, 0
    for name, (dtype, data) in parts.items():
        directory[name] = [dtype, offset, len(data)]
        offset += -(-len(data) // _ALIGN) * _ALIGN
    head = json.dumps(directory).encode()
    head += b" " * (-len(head) % _ALIGN)
    handle.write(len(head).to_bytes(8, "little") + head)
    for _dtype, data in parts.values():
        handle.write(data + bytes(-len(data) % _ALIGN))
    handle.close()


class ArrayPerDocReader(W3PerDocReader):
    """W3's per-document reader with every column file opened and `.arr` mapped at once: Whoosh
    opens columns on first use, and another process's commit may have deleted them by then
    (stored fields then failed with a TypeError, lengths and sort keys read as zeros)."""

    def __init__(self, storage: Any, segment: Any) -> None:
        super().__init__(storage, segment)
        try:
            self._open_columns(storage, segment)
            self._arrays = _map(_path(storage, segment, ARRAYS_EXT))
        except BaseException:
            self.close()
            raise
        size = int.from_bytes(self._arrays[:8], "little") if len(self._arrays) else 0
        self._directory = json.loads(bytes(self._arrays[8 : 8 + size])) if size else {}
        self._base = 8 + size

    def _open_columns(self, storage: Any, segment: Any) -> None:
        prefix, suffix = segment.make_filename("."), W3Codec.COLUMN_EXT
        for name in storage.list():
            if name.startswith(prefix) and name.endswith(suffix):
                handle = storage.open_file(name)
                size = os.fstat(handle.fileno()).st_size
                self._colfiles[name[len(prefix) : -len(suffix)]] = (handle, 0, size)
        if segment.doc_count_all() and _STORED not in self._colfiles:
            missing = W3Codec.column_filename(segment, _STORED)
            raise FileNotFoundError(2, "a segment's stored fields are missing", missing)

    def has_column(self, fieldname: str) -> bool:
        """From the files opened, never the directory: another commit may have emptied it."""
        return fieldname in self._colfiles

    def array(self, name: str) -> np.ndarray | None:
        """`len:<field>` (length bytes) or `key:<column>` (sort keys), one per document."""
        found = self._directory.get(name)
        if found is None:
            return None
        dtype, offset, size = found
        return np.frombuffer(self._arrays, dtype, size // np.dtype(dtype).itemsize, self._base + offset)
