//! Fuzzing on stable Rust, as proptest strategies: CI has no nightly, so the decoders' fuzz targets
//! are property tests that run a bounded number of cases in every `cargo xtask test`.
//!
//! Random bytes rarely get past a decoder's first byte, so [`damaged`] starts from an input that
//! decodes and damages it the ways broken or hostile peers do: flipped bits, bytes set to the values
//! length prefixes and type markers turn on (0x00, 0x7f, 0x80, 0xff, msgpack's 0xc0–0xdf), runs
//! inserted, removed or repeated, and cuts. [`config`] is the run's budget.

use proptest::prelude::*;
use proptest::test_runner::Config;

/// Cases per target in one run when `TINESAUDIT_FUZZ_CASES` does not say otherwise.
pub const DEFAULT_CASES: u32 = 2000;

/// The proptest configuration every fuzz target runs with: [`DEFAULT_CASES`] cases, or
/// `TINESAUDIT_FUZZ_CASES` of them (set it high for a long run on a workstation).
pub fn config() -> Config {
    let cases = std::env::var("TINESAUDIT_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    Config {
        cases,
        // A failure is shrunk towards the smallest input that still fails, which then becomes a
        // named regression test beside the code it broke: no seed files to keep.
        failure_persistence: None,
        ..Config::default()
    }
}

/// One change to a byte string, at a position taken modulo its length (plus one, where the end is a
/// place too).
#[derive(Clone, Debug)]
enum Edit {
    FlipBit(usize, u8),
    Set(usize, u8),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
    Repeat(usize, usize, usize),
    Cut(usize),
}

/// Bytes that mean something to a decoder: zero, the ends of the signed and unsigned ranges, and
/// msgpack's markers (nil, bool, bin, ext, float, the wide ints, str8–32, array16/32, map16/32).
fn telling_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => prop::sample::select(vec![0x00, 0x01, 0x7f, 0x80, 0xff, b'"', b'{', b'[', b']', b'}', b',', b':', b'\\']),
        2 => 0xc0u8..=0xdf,
        1 => any::<u8>(),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    let at = any::<usize>;
    prop_oneof![
        (at(), 0u8..8).prop_map(|(at, bit)| Edit::FlipBit(at, bit)),
        (at(), telling_byte()).prop_map(|(at, byte)| Edit::Set(at, byte)),
        (at(), prop::collection::vec(telling_byte(), 1..6))
            .prop_map(|(at, bytes)| Edit::Insert(at, bytes)),
        (at(), 1usize..8).prop_map(|(at, len)| Edit::Remove(at, len)),
        (at(), 1usize..16, 1usize..4).prop_map(|(at, len, times)| Edit::Repeat(at, len, times)),
        at().prop_map(Edit::Cut),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let at = |index: &usize, len: usize| index % (len + 1);
    match edit {
        Edit::FlipBit(index, bit) if !bytes.is_empty() => {
            let i = index % bytes.len();
            bytes[i] ^= 1 << bit;
        }
        Edit::Set(index, byte) if !bytes.is_empty() => {
            let i = index % bytes.len();
            bytes[i] = *byte;
        }
        Edit::Insert(index, inserted) => {
            let i = at(index, bytes.len());
            bytes.splice(i..i, inserted.iter().copied());
        }
        Edit::Remove(index, len) => {
            let i = at(index, bytes.len());
            let end = (i + len).min(bytes.len());
            bytes.drain(i..end);
        }
        Edit::Repeat(index, len, times) => {
            let i = at(index, bytes.len());
            let end = (i + len).min(bytes.len());
            let run = bytes[i..end].to_vec();
            for _ in 0..*times {
                bytes.splice(end..end, run.iter().copied());
            }
        }
        Edit::Cut(index) => {
            let i = at(index, bytes.len());
            bytes.truncate(i);
        }
        Edit::FlipBit(..) | Edit::Set(..) => {}
    }
}

/// `seed` with one to eight edits applied in turn.
pub fn damaged(seed: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(edit(), 1..8).prop_map(move |edits| {
        let mut bytes = seed.clone();
        for edit in &edits {
            apply(&mut bytes, edit);
        }
        bytes
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_edit_changes_the_bytes_as_it_says() {
        let cases: [(Edit, &[u8]); 6] = [
            (Edit::FlipBit(0, 0), b"`bcd"),
            (Edit::Set(0, b'z'), b"zbcd"),
            (Edit::Insert(0, b"xy".to_vec()), b"xyabcd"),
            (Edit::Remove(0, 2), b"cd"),
            (Edit::Repeat(0, 2, 2), b"abababcd"),
            (Edit::Cut(0), b""),
        ];
        for (edit, expected) in cases {
            let mut bytes = b"abcd".to_vec();
            apply(&mut bytes, &edit);
            assert_eq!(bytes, expected, "{edit:?}");
        }
    }
}
