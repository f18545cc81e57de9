//! Compact JSON of shiftplan's model and plans, byte for byte serde_json's `to_string`, written
//! through one writer type so that each `Serialize` impl is compiled once for both of its uses (the
//! fingerprints, and the WebAssembly build's results).
//!
//! A crate of its own for the WebAssembly build's sake: that build is made for size (opt-level
//! "z"), where serde_json's string escaping loop, which runs over every byte written, is several
//! times slower than at "s". This crate is built at "s" there (Cargo.toml) and compiles that loop
//! for our writer itself ([`write_str`]); the core, built at "z", uses this copy instead of making
//! its own (rustc shares generic instances with crates built for size).

use std::io;

use serde::Serialize;

/// serde_json's compact JSON of `value`, appended to `out`. Fails only for a map whose keys do not
/// serialise as strings, which no type of this crate has.
pub fn write_compact<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
) -> Result<(), serde_json::Error> {
    serde_json::to_writer(JsonWriter(out), value)
}

/// A JSON string of `value`. Non-generic, so that this crate compiles serde_json's string writing
/// for [`JsonWriter`] (see the crate's documentation).
pub fn write_str(out: &mut Vec<u8>, value: &str) -> Result<(), serde_json::Error> {
    write_compact(out, value)
}

/// serde_json's compact JSON of `value` as a string (what `serde_json::to_string` gives).
pub fn to_compact_string<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let mut out = Vec::new();
    write_compact(&mut out, value)?;
    // serde_json writes UTF-8 only (its strings come from `str`s, escaped or not).
    String::from_utf8(out).map_err(|e| serde::ser::Error::custom(e.utf8_error()))
}

/// Compact JSON of `value` with every non-ASCII character written as a `\uXXXX` escape (UTF-16
/// code units, as JSON spells them): the same value for any JSON reader, in ASCII text. For
/// results handed to JavaScript: V8 keeps an ASCII string one byte per character, and decodes and
/// `JSON.parse`s it faster than the same text with one `→` in it, which makes the whole string two
/// bytes per character.
pub fn to_ascii_string<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let text = to_compact_string(value)?;
    if text.is_ascii() {
        return Ok(text);
    }
    // Non-ASCII characters can only be inside JSON strings, where an escape means the same.
    // ASCII runs are copied whole.
    let mut ascii = String::with_capacity(text.len() + 64);
    let mut rest = text.as_str();
    while let Some(at) = rest.bytes().position(|b| !b.is_ascii()) {
        ascii.push_str(&rest[..at]);
        let Some(c) = rest[at..].chars().next() else {
            break;
        };
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            ascii.push_str("\\u");
            for shift in [12, 8, 4, 0] {
                ascii.push(char::from(HEX[usize::from((*unit >> shift) & 0xf)]));
            }
        }
        rest = &rest[at + c.len_utf8()..];
    }
    ascii.push_str(rest);
    Ok(ascii)
}

/// Appends to a byte vector. Most of serde_json's writes are one byte (quotes, colons, commas,
/// brackets): those are pushed, which the small-size WebAssembly build runs several times faster
/// than a one-byte copy.
struct JsonWriter<'a>(&'a mut Vec<u8>);

impl io::Write for JsonWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match buf {
            [byte] => self.0.push(*byte),
            _ => self.0.extend_from_slice(buf),
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_as_serde_json() {
        let value = serde_json::json!({
            "a": [1, -2.5, true, null, "x\"y\\z\n\u{1}é😀"],
            "": {},
            "b": [],
            "c": {"d": "", "e": [[]]}
        });
        assert_eq!(
            to_compact_string(&value).unwrap(),
            serde_json::to_string(&value).unwrap()
        );
        let mut out = b"[".to_vec();
        write_compact(&mut out, "a").unwrap();
        assert_eq!(out, b"[\"a\"");
    }

    #[test]
    fn ascii_text_means_the_same_value() {
        let value = serde_json::json!({"é→😀": ["a → b", "plain", "\"q\" é", "\u{7f}\u{80}"]});
        let ascii = to_ascii_string(&value).unwrap();
        assert!(ascii.is_ascii());
        assert!(ascii.contains("\\ud83d\\ude00"), "{ascii}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&ascii).unwrap(),
            value
        );
        // ASCII-only values are written as serde_json writes them.
        let plain = serde_json::json!({"a": ["b\n", 1]});
        assert_eq!(
            to_ascii_string(&plain).unwrap(),
            serde_json::to_string(&plain).unwrap()
        );
    }
}
