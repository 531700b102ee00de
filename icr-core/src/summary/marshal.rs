//! Any serde value (the summary, in practice) as Python `marshal` data, version 4, for the
//! Python binding: `marshal.loads` decodes it in C, so a Python host gets every value of
//! the summary in one buffer without Python code run per field.
//!
//! The shape is positional, because the binding knows every record's fields in order (its
//! generated records): a struct is a tuple of its fields in declaration order, a field serde
//! skips (`skip_serializing_if`) is `None` (the binding reads it as the field's default),
//! a sequence is a list, a fieldless variant is its index, a variant with data a tuple of
//! its index and its fields (an internally tagged one: of its tag, then its fields, as serde
//! hands them over), an option `None` or its value, a newtype its value, a map a dict.
//! Strings up to [`SHARED_MAX`] bytes are written once and referenced after (marshal's
//! `FLAG_REF`/`TYPE_REF`), so an organisation or a code system repeated on every item is
//! one Python string.
//!
//! [`to_marshal_deferred`] writes the sequences nested a given number of sequences deep
//! (a section's items, inside the summary's sections) as marshal data of their own, in a
//! `bytes` value: the reader decodes the outline at once and each of those when it is read.

use std::fmt::Display;
use std::hash::Hasher;

use rustc_hash::{FxHashMap, FxHasher};
use serde::ser::{self, Serialize};

/// Strings up to this length are shared (written once, then referenced).
pub const SHARED_MAX: usize = 256;

/// Why a value could not be written as marshal data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MarshalError {
    /// A string, sequence or record is longer than marshal's 32-bit lengths.
    #[error("a value is too large for marshal data")]
    TooLarge,
    /// The value's own `Serialize` failed.
    #[error("{0}")]
    Custom(String),
}

impl ser::Error for MarshalError {
    fn custom<T: Display>(msg: T) -> Self {
        MarshalError::Custom(msg.to_string())
    }
}

/// `value` as marshal data (version 4) in the shape the module documentation describes.
pub fn to_marshal<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, MarshalError> {
    encode(value, None)
}

/// The same, with every sequence that is nested `depth` sequences deep (1: a sequence
/// inside an element of a sequence) written as marshal data of its own: a `bytes` value
/// holding the list, with its own shared strings, that `marshal.loads` turns into the list.
/// Sequences inside it are written in it as usual.
pub fn to_marshal_deferred<T: Serialize + ?Sized>(
    value: &T,
    depth: usize,
) -> Result<Vec<u8>, MarshalError> {
    encode(value, Some(depth))
}

fn encode<T: Serialize + ?Sized>(value: &T, defer: Option<usize>) -> Result<Vec<u8>, MarshalError> {
    let mut encoder = Encoder {
        out: Vec::with_capacity(256 * 1024),
        shared: Strings::default(),
        spare: FxHashMap::default(),
        lists: 0,
        defer,
    };
    value.serialize(&mut encoder)?;
    Ok(encoder.out)
}

// marshal's type codes (CPython `Python/marshal.c`).
const NULL: u8 = b'0';
const NONE: u8 = b'N';
const FALSE: u8 = b'F';
const TRUE: u8 = b'T';
const INT: u8 = b'i';
const LONG: u8 = b'l';
const BINARY_FLOAT: u8 = b'g';
const BYTES: u8 = b's';
const TUPLE: u8 = b'(';
const LIST: u8 = b'[';
const DICT: u8 = b'{';
const UNICODE: u8 = b'u';
const ASCII: u8 = b'a';
const SHORT_ASCII: u8 = b'z';
const REF: u8 = b'r';
const FLAG_REF: u8 = 0x80;

struct Encoder {
    out: Vec<u8>,
    /// The strings the reader of the marshal data being written has seen.
    shared: Strings,
    /// The table of the last list written as marshal data of its own, emptied: the next
    /// one starts with its room instead of growing a table from nothing.
    spare: FxHashMap<u64, Shared>,
    /// Sequences open around the value being written.
    lists: usize,
    /// At how many open sequences a sequence is written as marshal data of its own.
    defer: Option<usize>,
}

/// Shared strings by the hash of their bytes: where they are in `out` and their index in
/// the reader's table of references (two strings with one hash: the second is written
/// whole each time).
#[derive(Default)]
struct Strings {
    known: FxHashMap<u64, Shared>,
    /// References handed out.
    refs: u32,
}

#[derive(Clone, Copy)]
struct Shared {
    at: usize,
    index: u32,
}

fn len32(n: usize) -> Result<u32, MarshalError> {
    i32::try_from(n)
        .ok()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or(MarshalError::TooLarge)
}

impl Encoder {
    fn u32(&mut self, n: u32) {
        self.out.extend_from_slice(&n.to_le_bytes());
    }

    fn int(&mut self, v: i64) {
        match i32::try_from(v) {
            Ok(small) => {
                self.out.push(INT);
                self.out.extend_from_slice(&small.to_le_bytes());
            }
            Err(_) => self.long(v < 0, v.unsigned_abs()),
        }
    }

    /// marshal's arbitrary-precision integer: 15-bit digits, least significant first, their
    /// count negated for a negative number.
    fn long(&mut self, negative: bool, mut magnitude: u64) {
        let mut digits = Vec::with_capacity(5);
        while magnitude > 0 {
            digits.push((magnitude & 0x7fff) as u16);
            magnitude >>= 15;
        }
        // At most 5 digits: the count always fits.
        let count = digits.len() as i32;
        self.out.push(LONG);
        self.out
            .extend_from_slice(&(if negative { -count } else { count }).to_le_bytes());
        for d in digits {
            self.out.extend_from_slice(&d.to_le_bytes());
        }
    }

    fn str(&mut self, s: &str) -> Result<(), MarshalError> {
        let bytes = s.as_bytes();
        let n = len32(bytes.len())?;
        let ascii = s.is_ascii();
        let short = u8::try_from(n).ok().filter(|_| ascii);
        let header = if short.is_some() { 2 } else { 5 };
        let mut flag = 0;
        if bytes.len() <= SHARED_MAX {
            let mut hasher = FxHasher::default();
            hasher.write(bytes);
            let hash = hasher.finish();
            match self.shared.known.get(&hash) {
                Some(known) if self.out.get(known.at..known.at + bytes.len()) == Some(bytes) => {
                    let index = known.index;
                    self.out.push(REF);
                    self.u32(index);
                    return Ok(());
                }
                Some(_) => {}
                None => {
                    let index = self.shared.refs;
                    self.shared.refs = index.checked_add(1).ok_or(MarshalError::TooLarge)?;
                    let at = self.out.len() + header;
                    self.shared.known.insert(hash, Shared { at, index });
                    flag = FLAG_REF;
                }
            }
        }
        match short {
            Some(short) => self.out.extend_from_slice(&[SHORT_ASCII | flag, short]),
            None => {
                self.out.push(if ascii { ASCII } else { UNICODE } | flag);
                self.u32(n);
            }
        }
        self.out.extend_from_slice(bytes);
        Ok(())
    }

    /// Starts a tuple or list whose length is written when it ends.
    fn open(&mut self, code: u8) -> Compound<'_> {
        self.out.push(code);
        let at = self.out.len();
        self.u32(0);
        Compound {
            encoder: self,
            at,
            count: 0,
            list: false,
            own: None,
        }
    }

    /// Starts a list: in marshal data of its own when it is nested deep enough.
    fn list(&mut self) -> Compound<'_> {
        let own = (self.defer == Some(self.lists)).then(|| {
            self.out.push(BYTES);
            let at = self.out.len();
            self.u32(0);
            let inner = Strings {
                known: std::mem::take(&mut self.spare),
                refs: 0,
            };
            Own {
                at,
                outer: std::mem::replace(&mut self.shared, inner),
            }
        });
        self.lists += 1;
        let mut list = self.open(LIST);
        list.list = true;
        list.own = own;
        list
    }

    /// Starts a variant with data: a tuple of its index, then its fields.
    fn variant(&mut self, index: u32) -> Compound<'_> {
        let mut compound = self.open(TUPLE);
        compound.encoder.int(i64::from(index));
        compound.count = 1;
        compound
    }
}

/// A tuple, list or dict being written.
struct Compound<'a> {
    encoder: &'a mut Encoder,
    /// Where its length goes (none for a dict, which ends with `NULL`).
    at: usize,
    count: u32,
    /// A list (counted in the encoder's open sequences).
    list: bool,
    /// A list written as marshal data of its own.
    own: Option<Own>,
}

/// A list written as marshal data of its own: where the length of its bytes goes, and the
/// shared strings of the data around it.
struct Own {
    at: usize,
    outer: Strings,
}

impl Compound<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), MarshalError> {
        value.serialize(&mut *self.encoder)?;
        self.count = self.count.checked_add(1).ok_or(MarshalError::TooLarge)?;
        Ok(())
    }

    fn skipped(&mut self) -> Result<(), MarshalError> {
        self.element(&())
    }

    fn end(self) -> Result<(), MarshalError> {
        if self.list {
            self.encoder.lists -= 1;
        }
        let out = &mut self.encoder.out;
        patch(out, self.at, len32(self.count as usize)?);
        if let Some(own) = self.own {
            let len = len32(out.len() - own.at - 4)?;
            patch(out, own.at, len);
            let mut inner = std::mem::replace(&mut self.encoder.shared, own.outer);
            inner.known.clear();
            self.encoder.spare = inner.known;
        }
        Ok(())
    }
}

/// Writes a length where its place was kept.
fn patch(out: &mut [u8], at: usize, n: u32) {
    if let Some(slot) = out.get_mut(at..at + 4) {
        slot.copy_from_slice(&n.to_le_bytes());
    }
}

impl<'a> ser::Serializer for &'a mut Encoder {
    type Ok = ();
    type Error = MarshalError;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), MarshalError> {
        self.out.push(if v { TRUE } else { FALSE });
        Ok(())
    }

    fn serialize_i8(self, v: i8) -> Result<(), MarshalError> {
        self.int(v.into());
        Ok(())
    }

    fn serialize_i16(self, v: i16) -> Result<(), MarshalError> {
        self.int(v.into());
        Ok(())
    }

    fn serialize_i32(self, v: i32) -> Result<(), MarshalError> {
        self.int(v.into());
        Ok(())
    }

    fn serialize_i64(self, v: i64) -> Result<(), MarshalError> {
        self.int(v);
        Ok(())
    }

    fn serialize_u8(self, v: u8) -> Result<(), MarshalError> {
        self.int(v.into());
        Ok(())
    }

    fn serialize_u16(self, v: u16) -> Result<(), MarshalError> {
        self.int(v.into());
        Ok(())
    }

    fn serialize_u32(self, v: u32) -> Result<(), MarshalError> {
        self.int(v.into());
        Ok(())
    }

    fn serialize_u64(self, v: u64) -> Result<(), MarshalError> {
        match i64::try_from(v) {
            Ok(v) => self.int(v),
            Err(_) => self.long(false, v),
        }
        Ok(())
    }

    fn serialize_f32(self, v: f32) -> Result<(), MarshalError> {
        self.serialize_f64(v.into())
    }

    fn serialize_f64(self, v: f64) -> Result<(), MarshalError> {
        self.out.push(BINARY_FLOAT);
        self.out.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), MarshalError> {
        self.str(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<(), MarshalError> {
        self.str(v)
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), MarshalError> {
        self.out.push(BYTES);
        self.u32(len32(v.len())?);
        self.out.extend_from_slice(v);
        Ok(())
    }

    fn serialize_none(self) -> Result<(), MarshalError> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), MarshalError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), MarshalError> {
        self.out.push(NONE);
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), MarshalError> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
    ) -> Result<(), MarshalError> {
        self.int(index.into());
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), MarshalError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        value: &T,
    ) -> Result<(), MarshalError> {
        let mut tuple = self.variant(index);
        tuple.element(value)?;
        tuple.end()
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a>, MarshalError> {
        Ok(self.list())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Compound<'a>, MarshalError> {
        Ok(self.open(TUPLE))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, MarshalError> {
        Ok(self.open(TUPLE))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, MarshalError> {
        Ok(self.variant(index))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a>, MarshalError> {
        self.out.push(DICT);
        let at = self.out.len();
        Ok(Compound {
            encoder: self,
            at,
            count: 0,
            list: false,
            own: None,
        })
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, MarshalError> {
        Ok(self.open(TUPLE))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, MarshalError> {
        Ok(self.variant(index))
    }
}

/// The positional compounds (sequences, tuples, tuple structs and variants): each value
/// is the next element.
macro_rules! positional {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = MarshalError;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), MarshalError> {
                self.element(value)
            }

            fn end(self) -> Result<(), MarshalError> {
                Compound::end(self)
            }
        }
    )*};
}

positional!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = MarshalError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), MarshalError> {
        key.serialize(&mut *self.encoder)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), MarshalError> {
        value.serialize(&mut *self.encoder)
    }

    fn end(self) -> Result<(), MarshalError> {
        self.encoder.out.push(NULL);
        Ok(())
    }
}

/// Structs and struct variants: fields in declaration order, their names dropped, a
/// skipped field written as `None`.
macro_rules! named {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = MarshalError;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                _key: &'static str,
                value: &T,
            ) -> Result<(), MarshalError> {
                self.element(value)
            }

            fn skip_field(&mut self, _key: &'static str) -> Result<(), MarshalError> {
                self.skipped()
            }

            fn end(self) -> Result<(), MarshalError> {
                Compound::end(self)
            }
        }
    )*};
}

named!(SerializeStruct, SerializeStructVariant);

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Serialize)]
    #[serde(rename_all = "kebab-case")]
    enum Kind {
        First,
        Second(String),
        Third { n: i32 },
    }

    #[derive(Serialize)]
    #[serde(tag = "kind", rename_all = "kebab-case")]
    enum Tagged {
        OneThing { x: bool },
    }

    #[derive(Serialize)]
    struct Record {
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        missing: Option<String>,
        kinds: Vec<Kind>,
        tagged: Tagged,
        big: u64,
        negative: i64,
        ratio: f64,
        again: String,
    }

    /// The bytes for a small record, written out by hand from CPython's marshal format
    /// (`marshal.loads` of these gives `('ab', None, [0, (1, 'ab'), (2, 7)], ('one-thing',
    /// True), 2**40, -5, 0.5, 'ab')`).
    #[test]
    fn writes_positional_marshal_data_with_shared_strings() {
        let record = Record {
            name: "ab".into(),
            missing: None,
            kinds: vec![Kind::First, Kind::Second("ab".into()), Kind::Third { n: 7 }],
            tagged: Tagged::OneThing { x: true },
            big: 1 << 40,
            negative: -5,
            ratio: 0.5,
            again: "ab".into(),
        };
        let mut want = vec![b'(', 8, 0, 0, 0];
        want.extend_from_slice(&[b'z' | 0x80, 2, b'a', b'b']);
        want.push(b'N');
        want.extend_from_slice(&[b'[', 3, 0, 0, 0]);
        want.extend_from_slice(&[b'i', 0, 0, 0, 0]);
        want.extend_from_slice(&[b'(', 2, 0, 0, 0, b'i', 1, 0, 0, 0, b'r', 0, 0, 0, 0]);
        want.extend_from_slice(&[b'(', 2, 0, 0, 0, b'i', 2, 0, 0, 0, b'i', 7, 0, 0, 0]);
        want.extend_from_slice(&[b'(', 2, 0, 0, 0, b'z' | 0x80, 9]);
        want.extend_from_slice(b"one-thing");
        want.push(b'T');
        // 2**40 = 1024 * 2**30 + 0 * 2**15 + 0: three 15-bit digits
        want.extend_from_slice(&[b'l', 3, 0, 0, 0, 0, 0, 0, 0, 0, 4]);
        want.extend_from_slice(&[b'i', 0xfb, 0xff, 0xff, 0xff]);
        want.push(b'g');
        want.extend_from_slice(&0.5f64.to_le_bytes());
        want.extend_from_slice(&[b'r', 0, 0, 0, 0]);
        assert_eq!(to_marshal(&record).unwrap(), want);
    }

    /// `[['ab'], ['ab', 'ab']]` with the inner lists deferred: each is `bytes` holding
    /// its own marshal data, with its own shared strings.
    #[test]
    fn deferred_sequences_are_marshal_data_of_their_own() {
        let value = vec![vec!["ab"], vec!["ab", "ab"]];
        let bytes = to_marshal_deferred(&value, 1).unwrap();
        let first = [b'[', 1, 0, 0, 0, b'z' | 0x80, 2, b'a', b'b'];
        let second = [
            b'[',
            2,
            0,
            0,
            0,
            b'z' | 0x80,
            2,
            b'a',
            b'b',
            b'r',
            0,
            0,
            0,
            0,
        ];
        let mut want = vec![b'[', 2, 0, 0, 0];
        want.extend_from_slice(&[b's', first.len() as u8, 0, 0, 0]);
        want.extend_from_slice(&first);
        want.extend_from_slice(&[b's', second.len() as u8, 0, 0, 0]);
        want.extend_from_slice(&second);
        assert_eq!(bytes, want);
        // Not deferred: one list of lists, one shared string.
        let mut inline = vec![b'[', 2, 0, 0, 0];
        inline.extend_from_slice(&first);
        inline.extend_from_slice(&[b'[', 2, 0, 0, 0, b'r', 0, 0, 0, 0, b'r', 0, 0, 0, 0]);
        assert_eq!(to_marshal(&value).unwrap(), inline);
    }

    #[test]
    fn long_and_non_ascii_strings_are_written_whole() {
        let long = "x".repeat(SHARED_MAX + 1);
        let bytes = to_marshal(&vec![long.clone(), long.clone(), "é".to_owned()]).unwrap();
        let mut want = vec![b'[', 3, 0, 0, 0];
        for _ in 0..2 {
            want.push(b'a');
            want.extend_from_slice(&257u32.to_le_bytes());
            want.extend_from_slice(long.as_bytes());
        }
        want.extend_from_slice(&[b'u' | 0x80, 2, 0, 0, 0]);
        want.extend_from_slice("é".as_bytes());
        assert_eq!(bytes, want);
    }
}
