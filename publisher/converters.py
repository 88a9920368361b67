"""Path converters for the zero-padded dates in story URLs."""

from __future__ import annotations


class _Digits:
    width = 2

    @property
    def regex(self) -> str:
        return rf"[0-9]{{{self.width}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return f"{int(value):0{self.width}d}"


class Year(_Digits):
    width = 4


class Month(_Digits):
    width = 2


class Day(_Digits):
    width = 2
