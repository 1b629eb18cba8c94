"""VSS datatypes: names, KUKSA numbering, integer ranges and array-ness."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True, kw_only=True, slots=True)
class _TypeInfo:
    vss_name: str
    kuksa_number: int
    base: type
    low: int | None = None
    high: int | None = None
    is_array: bool = False


def _int(name: str, number: int, bits: int, *, signed: bool, array: bool = False) -> _TypeInfo:
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    return _TypeInfo(vss_name=name, kuksa_number=number, base=int, low=low, high=high, is_array=array)


class DataType(Enum):
    """A VSS datatype. ``value`` is the name VSS uses (``uint8``, ``float[]`` …)."""

    STRING = _TypeInfo(vss_name="string", kuksa_number=1, base=str)
    BOOLEAN = _TypeInfo(vss_name="boolean", kuksa_number=2, base=bool)
    INT8 = _int("int8", 3, 8, signed=True)
    INT16 = _int("int16", 4, 16, signed=True)
    INT32 = _int("int32", 5, 32, signed=True)
    INT64 = _int("int64", 6, 64, signed=True)
    UINT8 = _int("uint8", 7, 8, signed=False)
    UINT16 = _int("uint16", 8, 16, signed=False)
    UINT32 = _int("uint32", 9, 32, signed=False)
    UINT64 = _int("uint64", 10, 64, signed=False)
    FLOAT = _TypeInfo(vss_name="float", kuksa_number=11, base=float)
    DOUBLE = _TypeInfo(vss_name="double", kuksa_number=12, base=float)
    STRING_ARRAY = _TypeInfo(vss_name="string[]", kuksa_number=20, base=str, is_array=True)
    BOOLEAN_ARRAY = _TypeInfo(vss_name="boolean[]", kuksa_number=21, base=bool, is_array=True)
    INT8_ARRAY = _int("int8[]", 22, 8, signed=True, array=True)
    INT16_ARRAY = _int("int16[]", 23, 16, signed=True, array=True)
    INT32_ARRAY = _int("int32[]", 24, 32, signed=True, array=True)
    INT64_ARRAY = _int("int64[]", 25, 64, signed=True, array=True)
    UINT8_ARRAY = _int("uint8[]", 26, 8, signed=False, array=True)
    UINT16_ARRAY = _int("uint16[]", 27, 16, signed=False, array=True)
    UINT32_ARRAY = _int("uint32[]", 28, 32, signed=False, array=True)
    UINT64_ARRAY = _int("uint64[]", 29, 64, signed=False, array=True)
    FLOAT_ARRAY = _TypeInfo(vss_name="float[]", kuksa_number=30, base=float, is_array=True)
    DOUBLE_ARRAY = _TypeInfo(vss_name="double[]", kuksa_number=31, base=float, is_array=True)

    @property
    def vss_name(self) -> str:
        """The name VSS files use."""
        return self.value.vss_name

    @property
    def kuksa_number(self) -> int:
        """The number of this type in the KUKSA ``DataType`` enums (v1 and v2 agree)."""
        return self.value.kuksa_number

    @property
    def base(self) -> type:
        """The Python type of a value (of an element, for arrays)."""
        return self.value.base

    @property
    def is_array(self) -> bool:
        return self.value.is_array

    @property
    def is_numeric(self) -> bool:
        return self.value.base in (int, float)

    @property
    def integer_range(self) -> tuple[int, int] | None:
        """The representable range of an integer type, else None."""
        info = self.value
        if info.low is None or info.high is None:
            return None
        return info.low, info.high

    @property
    def element(self) -> DataType:
        """The element type of an array type; the type itself otherwise."""
        if not self.is_array:
            return self
        return _BY_NAME[self.vss_name[:-2]]

    @classmethod
    def from_vss(cls, name: str) -> DataType:
        """Look a type up by its VSS name; raise KeyError for an unknown name."""
        return _BY_NAME[name]

    @classmethod
    def from_kuksa(cls, number: int) -> DataType:
        """Look a type up by its KUKSA enum number; raise KeyError for an unknown number."""
        return _BY_NUMBER[number]


_BY_NAME: dict[str, DataType] = {member.vss_name: member for member in DataType}
_BY_NUMBER: dict[int, DataType] = {member.kuksa_number: member for member in DataType}
