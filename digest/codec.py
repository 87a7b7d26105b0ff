"""How the files of the cache folder are written and read: as JSON, read back into this
package's own types by the type the reader asks for.

Reading a cache file runs no code of the file's choosing (unpickling would: the file names the
functions it is rebuilt with). The file only holds values; the reader names the type, and each
value is checked against it on the way in, so that a file that is not what digest wrote (damaged,
of another version, or planted) is `Unfit` rather than a value of the wrong shape that fails
later, somewhere else.

What can be written: None, bools, ints, floats, strings, bytes, lists, tuples and frozensets of
those, dicts with string keys, named tuples, and dataclasses (as the list of their fields'
values, in order: a record of a paper is most of what the cache holds, and its field names would
double its size). Reading knows the same types, from their annotations.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import functools
import json
import os
import stat
import types
import typing
from collections.abc import Callable
from operator import attrgetter
from pathlib import Path
from typing import Any, Literal, TypeVar, Union

T = TypeVar("T")
Reader = Callable[[Any], Any]


class Unfit(ValueError):
    """A cache file that is not what digest writes: what it is, in a few words."""


LARGEST = 1 << 30
"""The most bytes a cache file is read for: the largest digest writes, the paper store of the
whole history, is a third of it, and a larger one (a sparse file, say) would only fill memory."""


def encode(value: Any) -> bytes:
    """`value` as compact JSON, in UTF-8 (a lone surrogate, as in a file name that is not
    UTF-8, kept as it is)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), check_circular=False, default=_plain)
    return text.encode("utf-8", "surrogatepass")


def decode(data: bytes, kind: type[T]) -> T:
    """The value of type `kind` that `encode` made `data` of; `Unfit` when `data` is not one."""
    return make(parse(data), kind)


def parse(data: bytes) -> Any:
    """What `json` reads in `data`; `Unfit` when `data` is not JSON."""
    try:
        return json.loads(data.decode("utf-8", "surrogatepass"))
    except (ValueError, RecursionError) as exc:  # not UTF-8 or not JSON, a number too long, too deep
        raise Unfit(f"not JSON ({type(exc).__name__})") from None


def make(value: Any, kind: type[T]) -> T:
    """`value`, as `parse` read it, made a value of type `kind`; `Unfit` when it is not one."""
    return typing.cast(T, reader(typing.cast(Any, kind))(value))


def read(path: Path | str, kind: type[T]) -> T | None:
    """The value of type `kind` kept in the file at `path`; None when there is no file there, and
    `Unfit` when there is something else (a file that is not one `encode` made, a link, a pipe)."""
    data = read_bytes(path)
    if data is None:
        return None
    try:
        return decode(data, kind)
    except Unfit as unfit:
        raise Unfit(f"{path}: {unfit}") from None


def read_bytes(path: Path | str, first_line: bool = False) -> bytes | None:
    """The bytes of the regular file at `path` (see `open_file`), or only its first line, with
    its end; None when there is nothing there, `Unfit` when there is something else."""
    fd = open_file(path)
    if fd is None:
        return None
    try:
        with os.fdopen(os.dup(fd), "rb") as file:
            data: bytes = file.readline() if first_line else file.read()
            return data
    except OSError as exc:
        raise Unfit(f"{path}: cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)


def open_file(path: Path | str, largest: int = LARGEST) -> int | None:
    """A descriptor of the regular file at `path`, opened for reading, not followed through a
    link and never waiting on a pipe; None when there is nothing there, `Unfit` when there is
    something else, or a file of more than `largest` bytes. The caller closes it."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise Unfit(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise Unfit(f"{path}: not a regular file")
        if status.st_size > largest:
            raise Unfit(f"{path}: larger than any cache file digest writes")
    except BaseException:
        os.close(fd)
        raise
    return fd


def _plain(value: Any) -> Any:
    """What `json` writes for a value it knows no way to write itself."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _values(type(value))(value)
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    raise TypeError(f"the cache cannot keep a {type(value).__name__}")


@functools.cache
def _values(kind: type) -> Callable[[Any], tuple[Any, ...]]:
    names = [field.name for field in dataclasses.fields(kind)]
    if len(names) == 1:
        return lambda value: (getattr(value, names[0]),)
    return attrgetter(*names)


@functools.cache
def reader(kind: Any) -> Reader:
    """The function that checks a value `json` read against `kind` and makes it one."""
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if kind in (str, int, bool, type(None)):
        return functools.partial(_exactly, kind)
    if kind is float:
        return _float
    if kind is bytes:
        return _bytes
    if origin is Literal:
        return functools.partial(_one_of, frozenset(arguments))
    if origin in (Union, types.UnionType):
        return functools.partial(_either, tuple(map(reader, arguments)))
    if origin is tuple and len(arguments) == 2 and arguments[1] is Ellipsis:
        return functools.partial(_sequence, tuple, reader(arguments[0]))
    if origin is tuple and all(each in (str, int, bool) for each in arguments):
        return functools.partial(_fixed_plain, arguments)  # a million of these in a large site
    if origin is tuple:
        return functools.partial(_fixed, tuple(map(reader, arguments)))
    if origin in (list, collections.abc.Sequence):
        return functools.partial(_sequence, list if origin is list else tuple, reader(arguments[0]))
    if origin is frozenset:
        return functools.partial(_sequence, frozenset, reader(arguments[0]))
    if origin is dict and arguments[0] is str:
        return functools.partial(_dict, reader(arguments[1]))
    if isinstance(kind, type) and (dataclasses.is_dataclass(kind) or hasattr(kind, "_fields")):
        hints = typing.get_type_hints(kind)
        names = [f.name for f in dataclasses.fields(kind)] if dataclasses.is_dataclass(kind) else kind._fields
        return _Record(kind, [reader(hints[name]) for name in names])
    raise TypeError(f"the cache cannot read a {kind!r}")


def _exactly(kind: type, value: Any) -> Any:
    if type(value) is not kind:
        raise Unfit(f"{type(value).__name__} where a {kind.__name__} belongs")
    return value


def _float(value: Any) -> float:
    if type(value) not in (int, float):
        raise Unfit(f"{type(value).__name__} where a number belongs")
    return float(value)


def _bytes(value: Any) -> bytes:
    text: str = _exactly(str, value)
    return text.encode("utf-8", "surrogateescape")


def _one_of(allowed: frozenset[Any], value: Any) -> Any:
    if type(value) not in (str, int) or value not in allowed:
        raise Unfit(f"{str(value)[:20]!r} is none of {sorted(map(str, allowed))}")
    return value


def _either(readers: tuple[Reader, ...], value: Any) -> Any:
    for read_one in readers:
        try:
            return read_one(value)
        except Unfit:
            continue
    raise Unfit(f"{type(value).__name__} of no type that belongs there")


def _sequence(make: Callable[[Any], Any], read_one: Reader, value: Any) -> Any:
    if type(value) is not list:
        raise Unfit(f"{type(value).__name__} where a list belongs")
    if isinstance(read_one, functools.partial) and read_one.func is _exactly:
        kind = read_one.args[0]  # the common case, a list of strings: checked in one pass, in C
        if not set(map(type, value)) <= {kind}:
            raise Unfit(f"an item that is not a {kind.__name__}")
        return value if make is list else make(value)
    return make(map(read_one, value))


def _fixed(readers: tuple[Reader, ...], value: Any) -> tuple[Any, ...]:
    if type(value) is not list or len(value) != len(readers):
        raise Unfit(f"not a list of {len(readers)}")
    return tuple(read_one(item) for read_one, item in zip(readers, value, strict=True))


def _fixed_plain(kinds: tuple[type, ...], value: Any) -> tuple[Any, ...]:
    if type(value) is not list or tuple(map(type, value)) != kinds:
        raise Unfit(f"not a list of {len(kinds)}")
    return tuple(value)


def _dict(read_one: Reader, value: Any) -> dict[str, Any]:
    if type(value) is not dict:
        raise Unfit(f"{type(value).__name__} where an object belongs")
    if isinstance(read_one, functools.partial) and read_one.func is _exactly:
        kind = read_one.args[0]
        if not set(map(type, value.values())) <= {kind}:
            raise Unfit(f"a value that is not a {kind.__name__}")
        return value
    return {key: read_one(item) for key, item in value.items()}


class _Record:
    """Reads a dataclass or named tuple from the list of its fields' values."""

    def __init__(self, kind: type, readers: list[Reader]) -> None:
        self.kind = kind
        self.size = len(readers)
        # Fields whose values json makes as they are (a string, an int that may be None, …) are
        # only checked; the others are made by their readers.
        self.checks: list[tuple[int, tuple[type, ...]]] = []
        self.made: list[tuple[int, Reader]] = []
        for n, read_one in enumerate(readers):
            plain = _plain_types(read_one)
            if plain is None:
                self.made.append((n, read_one))
            else:
                self.checks.append((n, plain))

    def __call__(self, value: Any) -> Any:
        if type(value) is not list or len(value) != self.size:
            raise Unfit(f"not the {self.size} fields of a {self.kind.__name__}")
        for n, plain in self.checks:
            if type(value[n]) not in plain:
                raise Unfit(f"{type(value[n]).__name__} in a field of a {self.kind.__name__}")
        for n, read_one in self.made:
            value[n] = read_one(value[n])
        return self.kind(*value)


def _plain_types(read_one: Reader) -> tuple[type, ...] | None:
    """The types a value read by `read_one` may have, when it takes them as they are: a string,
    an int, a bool, None, or one of these or None."""
    if isinstance(read_one, functools.partial) and read_one.func is _exactly:
        return (read_one.args[0],)
    if isinstance(read_one, functools.partial) and read_one.func is _either:
        found = [_plain_types(r) for r in read_one.args[0]]
        if all(f is not None for f in found):
            return tuple(t for f in found for t in typing.cast(tuple[type, ...], f))
    return None
