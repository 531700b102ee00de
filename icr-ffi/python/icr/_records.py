"""The typed summary in one buffer: ``CareRecord.summary()`` takes the summary as Python
``marshal`` data (``CareRecord.summary_marshal()``, written by icr-core's
``summary::marshal``: every record a tuple of its fields in order), decodes it with
``marshal.loads`` (C, one call) and returns it as the generated records.

Each record (and each variant with data) is an instance of a subclass of its generated
class that fills in its fields from its tuple the first time any of them is read, or its
``__dict__``/``vars()``: it is the generated class for ``isinstance``, equality, ``str()``,
type checkers and documentation, and costs Python code only for what the host reads. A
copy or a pickle of one is the generated class itself. Enums are the generated enums.

Nothing here names a record: the layout (each record's and variant's fields in order, and
what each field is) is read from the generated converters (``_UniffiFfiConverterTypeX.read``,
which uniffi writes in the order Rust declares the fields, the order serde writes them), so
a field added in Rust appears here without editing this file. The shape of the data, for a
value of each uniffi type:

- a record: a tuple of its fields in declaration order; a field serde skipped when empty is
  ``None`` (read as ``None``, ``[]`` or ``False``, as the JSON skips them);
- an enum without data: the variant's index (0 for the first);
- an enum with data: the index, or a tuple of the index and the variant's fields; for an
  internally tagged enum (``#[serde(tag = "kind")]``) the tag (kebab case) comes first
  instead, and a variant wrapping one record carries that record's fields after it;
- options ``None`` or the value, sequences lists (or, nested in an element of a sequence,
  ``bytes`` holding the list's own marshal data, decoded when the field is first read),
  strings, integers, floats and booleans as themselves.
"""

from __future__ import annotations

import ast
import enum
import inspect
import marshal
import textwrap
import types
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

Decoder = Optional[Callable[[Any], Any]]  # None: the value is already what the field holds

_PRIMITIVES = {"String", "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16",
               "UInt32", "UInt64", "Float32", "Float64"}


def _converter_name(node: ast.expr) -> Optional[str]:
    """`X` of `_UniffiFfiConverterX.read(buf)`."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "read"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id.startswith("_UniffiFfiConverter")):
        return node.func.value.id[len("_UniffiFfiConverter"):]
    return None


def _restore(cls: type, fields: Dict[str, Any]) -> Any:
    """A generated record (or variant) with these fields, without its `__init__`."""
    value = cls.__new__(cls)
    value.__dict__.update(fields)
    return value


def _instance_dict(cls: type) -> Any:
    """The descriptor of `__dict__` that a class's instances have."""
    for klass in cls.__mro__:
        descriptor = vars(klass).get("__dict__")
        if descriptor is not None:
            return descriptor
    raise TypeError(f"{cls.__qualname__} has no instance dictionary")


class Layout:
    """Decoders for the values of the generated modules, built on first use."""

    def __init__(self, modules: Sequence[types.ModuleType]):
        self._modules = modules
        self._decoders: Dict[str, Decoder] = {}
        self._records: Dict[str, Callable[[Any], Any]] = {}

    def _find(self, name: str) -> Any:
        for module in self._modules:
            if hasattr(module, name):
                return getattr(module, name)
        raise TypeError(f"the generated modules have no {name}")

    def _read_calls(self, type_name: str) -> List[Tuple[Optional[int], ast.Call]]:
        """The constructor calls of a converter's `read`, each with the variant number of the
        `if variant == N:` it is under (None for a record)."""
        read = self._find("_UniffiFfiConverterType" + type_name).read
        tree = ast.parse(textwrap.dedent(inspect.getsource(read)))
        calls: List[Tuple[Optional[int], ast.Call]] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and isinstance(node.test, ast.Compare):
                number = node.test.comparators[0]
                if isinstance(number, ast.Constant) and isinstance(number.value, int):
                    for stmt in node.body:
                        if isinstance(stmt, ast.Return) and isinstance(stmt.value, ast.Call):
                            calls.append((number.value, stmt.value))
        if not calls:
            for node in ast.walk(tree):
                if isinstance(node, ast.Return) and isinstance(node.value, ast.Call):
                    calls.append((None, node.value))
        return calls

    def decode(self, type_name: str, data: bytes) -> Any:
        """The record `type_name` from its marshal data."""
        return self.record(type_name)(marshal.loads(data))

    def decoder(self, name: str) -> Decoder:
        """How to turn the data of a value of converter `name` (`OptionalSequenceTypeEntry`)
        into what its field holds."""
        if name not in self._decoders:
            self._decoders[name] = self._make(name)
        return self._decoders[name]

    def _make(self, name: str) -> Decoder:
        if name in _PRIMITIVES:
            return None
        if name == "Boolean":  # a `false` serde skipped is None
            return lambda v: v is True
        if name == "Bytes":  # serde writes a `Vec<u8>` as a list of integers
            return lambda v: b"" if v is None else bytes(v)
        if name.startswith("Optional"):
            inner = self.decoder(name[len("Optional"):])
            if inner is None:
                return None
            some = inner
            return lambda v: None if v is None else some(v)
        if name.startswith("Sequence"):
            inner = self.decoder(name[len("Sequence"):])
            loads = marshal.loads
            if inner is None:
                return lambda v: [] if v is None else loads(v) if type(v) is bytes else v
            each = inner
            return lambda v: [] if v is None else [each(x) for x in (loads(v) if type(v) is bytes else v)]
        if name.startswith("Type"):
            return self._type(name[len("Type"):])
        raise TypeError(f"the summary's marshal data has no decoder for {name}")

    def _type(self, type_name: str) -> Decoder:
        cls = self._find(type_name)
        if cls in (str, int, float, bytes, bool):  # a custom type (`FhirDate = str`)
            return None
        if isinstance(cls, type) and issubclass(cls, enum.Enum):
            return tuple(cls).__getitem__
        calls = self._read_calls(type_name)
        if calls and calls[0][0] is None:
            return self.record(type_name)
        return self._data_enum(type_name, calls)

    def record(self, type_name: str) -> Callable[[Any], Any]:
        """Makes a lazy record of the generated class `type_name` from its tuple."""
        if type_name not in self._records:
            calls = self._read_calls(type_name)
            call = calls[0][1]
            names = [kw.arg or "" for kw in call.keywords]
            converters = [_converter_name(kw.value) or "" for kw in call.keywords]
            self._records[type_name] = self._lazy(self._find(type_name), names, converters)
        return self._records[type_name]

    def _data_enum(self, type_name: str, calls: List[Tuple[Optional[int], ast.Call]]) -> Decoder:
        enum_cls = self._find(type_name)
        by_index: Dict[int, Callable[[Any], Any]] = {}
        by_tag: Dict[str, Callable[[Any], Any]] = {}
        for number, call in calls:
            assert number is not None and isinstance(call.func, ast.Attribute)
            variant = getattr(enum_cls, call.func.attr)
            converters = [_converter_name(a) or "" for a in call.args]
            params = [p for p in inspect.signature(variant.__init__).parameters.values() if p.name != "self"]
            tag = call.func.attr.lower().replace("_", "-")
            if any(p.kind == p.VAR_POSITIONAL for p in params):
                by_index[number - 1] = self._unnamed(variant, converters, tagged=False)
                by_tag[tag] = self._unnamed(variant, converters, tagged=True)
            else:
                by_index[number - 1] = by_tag[tag] = self._lazy(variant, [p.name for p in params], converters)

        def decode(v: Any) -> Any:
            if type(v) is int:
                return by_index[v](())
            head = v[0]
            return (by_tag if type(head) is str else by_index)[head](v[1:])
        return decode

    def _unnamed(self, variant: type, converters: List[str], tagged: bool) -> Callable[[Any], Any]:
        """A variant with unnamed fields (`Detail.MEDICATION(MedicationDetail)`). Internally
        tagged, a variant wrapping one record carries the record's fields after the tag."""
        if tagged and len(converters) == 1 and self._is_record(converters[0]):
            record = self.record(converters[0][len("Type"):])

            def wrapping(fields: Any) -> Any:
                value = variant.__new__(variant)
                value._values = (record(fields),)
                return value
            return wrapping
        decoders = [self.decoder(c) for c in converters]

        def make(fields: Any) -> Any:
            if len(fields) != len(decoders):
                raise TypeError(f"{variant.__qualname__}: {len(fields)} values for {len(decoders)} fields")
            value = variant.__new__(variant)
            value._values = tuple(f if d is None else d(f) for d, f in zip(decoders, fields))
            return value
        return make

    def _is_record(self, converter: str) -> bool:
        if not converter.startswith("Type"):
            return False
        cls = self._find(converter[len("Type"):])
        if not isinstance(cls, type) or issubclass(cls, enum.Enum) or cls in (str, int, float, bytes, bool):
            return False
        calls = self._read_calls(converter[len("Type"):])
        return bool(calls) and calls[0][0] is None

    def _lazy(self, base: type, names: List[str], converters: List[str]) -> Callable[[Any], Any]:
        """A subclass of `base` whose instances hold their data (`_t`) until a field is read,
        and the function making one from its data."""
        real_dict = _instance_dict(base)
        layout = self
        fields: List[Tuple[str, Decoder]] = []

        def fill(self: Any) -> Dict[str, Any]:
            d: Dict[str, Any] = real_dict.__get__(self)
            data = self._t
            if data is not None:
                if not fields and names:  # once per class; threads racing here agree
                    fields[:] = list(zip(names, [layout.decoder(c) for c in converters]))
                if len(data) != len(fields):
                    raise TypeError(f"{base.__qualname__}: {len(data)} values for {len(fields)} fields")
                values = {n: v if dec is None else dec(v) for (n, dec), v in zip(fields, data)}
                values.update(d)
                d.update(values)
                self._t = None
            return d

        def __getattr__(self: Any, name: str) -> Any:
            if name.startswith("__") or name == "_t":
                raise AttributeError(name)
            d = fill(self)
            try:
                return d[name]
            except KeyError:
                raise AttributeError(f"'{base.__qualname__}' object has no attribute '{name}'") from None

        def __reduce_ex__(self: Any, protocol: Any) -> Any:
            return (_restore, (base, dict(fill(self))))

        def set_dict(self: Any, value: Dict[str, Any]) -> None:
            fill(self)
            real_dict.__set__(self, value)

        lazy = type(base.__name__, (base,), {
            "__slots__": ("_t",),
            "__module__": base.__module__,
            "__qualname__": base.__qualname__,
            "__doc__": base.__doc__,
            "__getattr__": __getattr__,
            "__reduce_ex__": __reduce_ex__,
            "__dict__": property(fill, set_dict),
        })
        new = object.__new__

        def make(data: Any) -> Any:
            value = new(lazy)
            value._t = data
            return value
        return make
