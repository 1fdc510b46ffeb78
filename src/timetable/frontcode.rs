//! A front-coded string table: sorted strings in blocks of [`BLOCK`], each block's first string
//! whole and every next one as (bytes shared with the previous string, the rest) — the
//! SSTable / Lucene terms layout. Stop names are the use: sorted, "Main St & 5th" and "Main St &
//! 6th" share most of their bytes (Charlotte's 2,202 distinct names: 57.7 KB of bytes and 8.8 KB
//! of offsets → 34.7 KB and 0.6 KB).
//!
//! Random access decodes one block, from its first string up to the one asked for (at most
//! [`BLOCK`] − 1 steps, each a truncate and an append). Only `ends` (one offset a block) is an
//! index: it is checked on open ([`FrontCoded::valid`]); the bytes are not, and a damaged block
//! decodes as "" (a length running past the block, a shared prefix longer than the previous
//! string, or bytes that are not UTF-8), never a panic — like [`super::StrTable`].
//!
//! Layout of a block: `varint(len) bytes` for its first string, then per string
//! `varint(shared) varint(len − shared) bytes[shared..]` (LEB128 varints).

use super::Store;

/// Strings per block.
pub const BLOCK: usize = 16;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrontCoded {
    /// Byte end of each block in `bytes`.
    pub ends: Store<u32>,
    pub bytes: Store<u8>,
}

fn put_varint(out: &mut Vec<u8>, mut x: usize) {
    while x >= 0x80 {
        out.push((x as u8) | 0x80);
        x >>= 7;
    }
    out.push(x as u8);
}

/// One varint from the front of `b` (at most 5 bytes), advancing it. Almost every one is a
/// single byte (prefix and suffix lengths of names), so that case is inlined.
#[inline(always)]
fn take_varint(b: &mut &[u8]) -> Option<usize> {
    match b.first() {
        Some(&c) if c < 0x80 => {
            *b = &b[1..];
            Some(c as usize)
        }
        _ => take_long_varint(b),
    }
}

#[inline(never)]
fn take_long_varint(b: &mut &[u8]) -> Option<usize> {
    let mut x = 0usize;
    for i in 0..5 {
        let (&c, rest) = b.split_first()?;
        *b = rest;
        x |= ((c & 0x7f) as usize) << (7 * i);
        if c < 0x80 {
            return Some(x);
        }
    }
    None
}

/// String `k` of a block into `buf` (see [`FrontCoded::get_into`]); `None` if the block is
/// damaged (a length past its end, a prefix longer than the previous string).
fn decode(block: &[u8], k: usize, buf: &mut Vec<u8>) -> Option<()> {
    // Per string up to k: (shared prefix, suffix offset in the block).
    let mut steps = [(0u32, 0u32); BLOCK];
    let (mut rest, mut len) = (block, 0usize);
    for (j, step) in steps.iter_mut().enumerate().take(k + 1) {
        let shared = if j == 0 { 0 } else { take_varint(&mut rest)? };
        let n = take_varint(&mut rest)?;
        if shared > len || n > rest.len() {
            return None;
        }
        *step = (shared as u32, (block.len() - rest.len()) as u32);
        rest = &rest[n..];
        len = shared + n;
    }
    // Backwards: bytes [shared, need) of the string come from string j's suffix, the rest from
    // the strings before it; then the pieces, in order.
    let mut pieces = [(0u32, 0u32); BLOCK];
    let (mut count, mut need) = (0, len);
    for &(shared, at) in steps[..=k].iter().rev() {
        let shared = shared as usize;
        if need > shared {
            pieces[count] = (at, (need - shared) as u32);
            count += 1;
            need = shared;
        }
    }
    buf.reserve_exact(len);
    for &(at, n) in pieces[..count].iter().rev() {
        buf.extend_from_slice(&block[at as usize..(at + n) as usize]);
    }
    Some(())
}

impl FrontCoded {
    /// The table of `strings`, string `i` at index `i`. Any order is stored exactly; sorted
    /// strings share the most.
    pub fn build<S: AsRef<[u8]>>(strings: &[S]) -> Self {
        let mut bytes = Vec::new();
        let mut ends = Vec::with_capacity(strings.len().div_ceil(BLOCK));
        for block in strings.chunks(BLOCK) {
            let mut prev: &[u8] = &[];
            for (k, s) in block.iter().enumerate() {
                let s = s.as_ref();
                let shared = if k == 0 {
                    0
                } else {
                    prev.iter().zip(s).take_while(|(a, b)| a == b).count()
                };
                if k > 0 {
                    put_varint(&mut bytes, shared);
                }
                put_varint(&mut bytes, s.len() - shared);
                bytes.extend_from_slice(&s[shared..]);
                prev = s;
            }
            ends.push(bytes.len() as u32);
        }
        FrontCoded {
            ends: ends.into(),
            bytes: bytes.into(),
        }
    }

    /// How many indices are valid: whole blocks, so up to [`BLOCK`] − 1 more than strings were
    /// stored (those read as "").
    pub fn capacity(&self) -> usize {
        self.ends.len() * BLOCK
    }

    /// Are the block offsets in order and inside the bytes (checked on open)?
    pub fn valid(&self) -> bool {
        self.ends.windows(2).all(|w| w[0] <= w[1])
            && self.ends.last().map_or(0, |&e| e as usize) == self.bytes.len()
    }

    /// Writes string `i` into `buf` (cleared first); `false`, with `buf` empty, if there is no
    /// such string or its block is damaged.
    ///
    /// One pass over the block's varints finds where each string's suffix lies; then the string
    /// is filled from its own suffix backwards through the prefixes it shares, so each of its
    /// bytes is copied once (stop-name matching decodes every stop's name).
    pub fn get_into(&self, i: u32, buf: &mut Vec<u8>) -> bool {
        buf.clear();
        let (b, k) = (i as usize / BLOCK, i as usize % BLOCK);
        let Some(&end) = self.ends.get(b) else {
            return false;
        };
        let start = if b == 0 { 0 } else { self.ends[b - 1] };
        let ok = self
            .bytes
            .get(start as usize..end as usize)
            .and_then(|block| decode(block, k, buf))
            .is_some()
            && std::str::from_utf8(buf).is_ok();
        if !ok {
            buf.clear();
        }
        ok
    }

    /// Every string, index `i` at `i` ([`FrontCoded::capacity`] of them, "" past the last or
    /// in a damaged block): one pass over the bytes, each string built from the previous one,
    /// for scans of the whole table (stop-name matching).
    pub fn decode_all(&self) -> Vec<String> {
        let mut out = Vec::with_capacity(self.capacity());
        let mut start = 0usize;
        for &end in self.ends.iter() {
            let mut block = self.bytes.get(start..end as usize).unwrap_or(&[]);
            start = end as usize;
            let mut prev: Vec<u8> = Vec::new();
            let mut ok = true;
            for j in 0..BLOCK {
                let shared = if j == 0 {
                    Some(0)
                } else {
                    take_varint(&mut block)
                };
                let step = shared.zip(take_varint(&mut block)).and_then(|(shared, n)| {
                    (ok && shared <= prev.len() && n <= block.len()).then_some((shared, n))
                });
                let text = match step {
                    Some((shared, n)) => {
                        prev.truncate(shared);
                        prev.extend_from_slice(&block[..n]);
                        block = &block[n..];
                        std::str::from_utf8(&prev).unwrap_or("")
                    }
                    None => {
                        ok = false;
                        ""
                    }
                };
                out.push(text.to_string());
            }
        }
        out
    }

    /// String `i`; "" if there is none or it is damaged.
    pub fn get(&self, i: u32) -> String {
        let mut buf = Vec::new();
        self.get_into(i, &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }

    /// String `i`, or `None` for [`super::NO_STRING`].
    pub fn opt(&self, i: u32) -> Option<String> {
        (i != super::NO_STRING).then(|| self.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(strings: &[&str]) -> FrontCoded {
        let t = FrontCoded::build(strings);
        assert!(t.valid());
        assert_eq!(t.ends.len(), strings.len().div_ceil(BLOCK));
        let all = t.decode_all();
        assert_eq!(all.len(), t.capacity());
        for (i, s) in strings.iter().enumerate() {
            assert_eq!(t.get(i as u32), *s, "string {i}");
            assert_eq!(all[i], *s, "string {i}");
        }
        assert!(all[strings.len()..].iter().all(String::is_empty));
        // Past the last string: "" (inside the last block or beyond it).
        for i in strings.len()..t.capacity() + BLOCK {
            assert_eq!(t.get(i as u32), "");
        }
        t
    }

    #[test]
    fn strings_round_trip() {
        round_trip(&[]);
        round_trip(&[""]);
        round_trip(&["Main St"]);
        let long = "x".repeat(200_000);
        let mut names: Vec<String> = (0..40)
            .map(|i| format!("Main St & {i}th Ave"))
            .chain(["", "é", "éa", "Ωmega", "Ωmegaa", "Ω"].map(String::from))
            .chain([long.clone(), long.clone() + "y", long[..5].to_string()])
            .collect();
        let unsorted: Vec<&str> = names.iter().map(String::as_str).collect();
        round_trip(&unsorted);
        names.sort();
        let sorted: Vec<&str> = names.iter().map(String::as_str).collect();
        let t = round_trip(&sorted);
        // Shared prefixes are stored once: far fewer bytes than the strings.
        let streets: Vec<&str> = sorted
            .iter()
            .copied()
            .filter(|s| s.starts_with("Main"))
            .collect();
        let raw: usize = streets.iter().map(|s| s.len()).sum();
        let st = round_trip(&streets);
        assert!(st.bytes.len() < raw * 6 / 10, "{} of {raw}", st.bytes.len());
        // A block of exactly BLOCK strings, then one more.
        round_trip(&sorted[..BLOCK]);
        round_trip(&sorted[..BLOCK + 1]);
        assert_eq!(t.opt(crate::timetable::NO_STRING), None);
        assert_eq!(t.opt(1).as_deref(), Some(sorted[1]));
    }

    #[test]
    fn damage_reads_as_empty() {
        let names = ["Elm St", "Elm St & 1st", "Elm St & 2nd", "Oak"];
        let good = FrontCoded::build(&names);
        // Any byte changed to anything: never a panic, the string or another one or "".
        for at in 0..good.bytes.len() {
            for v in [0u8, 1, 7, 0x7f, 0x80, 0xc3, 0xff] {
                let mut t = good.clone();
                t.bytes.modify(|b| b[at] = v);
                let all = t.decode_all();
                for i in 0..5 {
                    let one = t.get(i);
                    assert!(one.is_empty() || all[i as usize].is_empty() || one == all[i as usize]);
                }
            }
        }
        // A cut block, and offsets out of order or past the bytes.
        let mut t = good.clone();
        t.bytes = good.bytes[..good.bytes.len() - 2].to_vec().into();
        assert!(!t.valid());
        assert_eq!(t.get(3), "");
        let mut t = good.clone();
        t.ends.modify(|e| e[0] = 3);
        assert!(!t.valid());
        let two = FrontCoded::build(&(0..20).map(|i| format!("s{i}")).collect::<Vec<_>>());
        let mut t = two.clone();
        t.ends.modify(|e| e.swap(0, 1));
        assert!(!t.valid());
        // A shared prefix longer than the previous string; bytes that are not UTF-8.
        let mut t = good.clone();
        let second = 1 + "Elm St".len();
        t.bytes.modify(|b| b[second] = 50);
        assert_eq!(t.get(1), "");
        let mut t = FrontCoded::build(&["ab"]);
        t.bytes.modify(|b| b[1] = 0xff);
        assert_eq!(t.get(0), "");
    }
}
