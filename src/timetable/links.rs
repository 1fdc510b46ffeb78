//! The compiled walking links between stops, as a compact byte stream per stop.
//!
//! Walking links are the largest per-stop data of a timetable (a stop of a dense city has about
//! two dozen served stops within [`super::compile::MAX_WALK_LINK_M`]), and every reader walks a
//! stop's list from the nearest link on (the router stops at its walking radius), so a list
//! need not be random-access. Each link is two LEB128 varints: the target's index minus the
//! source's (zigzag: stops of one area tend to be near each other in stops.txt, so this is
//! usually one byte) and the metres minus the previous link's (lists are sorted nearest first,
//! so never negative, and about 1000/24 on average: one byte). About 2.8 bytes a link on
//! Charlotte against the 8 of a (stop, metres) pair.
//!
//! A damaged stream cannot make a reader index out of bounds: [`WalkLinks`] ends a list at a
//! varint that runs past the stop's bytes or beyond 5 bytes, or at a target outside the
//! timetable's stops. So opening a cache validates only the offsets (CSR), not every link.
//! Street-map links (laid over at load time, not cached here) are read through the same
//! iterator from their (stop, metres) pairs.

use super::StopIdx;

pub(super) fn put_varint(out: &mut Vec<u8>, mut x: u64) {
    while x >= 0x80 {
        out.push((x as u8) | 0x80);
        x >>= 7;
    }
    out.push(x as u8);
}

/// Appends one stop's links (`from`, sorted nearest first) to `out`.
pub fn encode(from: StopIdx, links: &[(StopIdx, u32)], out: &mut Vec<u8>) {
    let mut prev = 0u32;
    for &(to, m) in links {
        let d = to.0 as i64 - from.0 as i64;
        put_varint(out, ((d << 1) ^ (d >> 63)) as u64);
        debug_assert!(m >= prev, "links are sorted nearest first");
        put_varint(out, m.wrapping_sub(prev) as u64);
        prev = m;
    }
}

/// The walking links of one stop, nearest first, as (target stop, metres).
#[derive(Clone, Debug)]
pub enum WalkLinks<'a> {
    /// The compiled straight-line links of stop `from` (see the module docs).
    Stream {
        bytes: &'a [u8],
        from: u32,
        metres: u32,
        stops: u32,
    },
    /// Links along a street map.
    Pairs(std::slice::Iter<'a, (StopIdx, u32)>),
}

impl<'a> WalkLinks<'a> {
    /// The links of stop `from` encoded in `bytes`, in a timetable of `stops` stops.
    pub fn stream(bytes: &'a [u8], from: StopIdx, stops: usize) -> Self {
        WalkLinks::Stream {
            bytes,
            from: from.0,
            metres: 0,
            stops: stops.min(u32::MAX as usize) as u32,
        }
    }
}

/// One varint from the front of `bytes`, or `None` (and no bytes left) when it is cut or
/// longer than 5 bytes.
#[inline]
pub(super) fn take_varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut x = 0u64;
    for i in 0..5 {
        let Some((&b, rest)) = bytes.split_first() else {
            break;
        };
        *bytes = rest;
        x |= ((b & 0x7f) as u64) << (7 * i);
        if b < 0x80 {
            return Some(x);
        }
    }
    *bytes = &[];
    None
}

impl Iterator for WalkLinks<'_> {
    type Item = (StopIdx, u32);
    #[inline]
    fn next(&mut self) -> Option<(StopIdx, u32)> {
        match self {
            WalkLinks::Stream {
                bytes,
                from,
                metres,
                stops,
            } => {
                if bytes.is_empty() {
                    return None;
                }
                let z = take_varint(bytes)?;
                let dm = take_varint(bytes)?;
                let d = (z >> 1) as i64 ^ -((z & 1) as i64);
                let to = *from as i64 + d;
                if !(0..*stops as i64).contains(&to) {
                    *bytes = &[];
                    return None;
                }
                *metres = metres.wrapping_add(dm as u32);
                Some((StopIdx(to as u32), *metres))
            }
            WalkLinks::Pairs(it) => it.next().copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_round_trip_and_damage_ends_a_list() {
        let links = [
            (StopIdx(4), 0),
            (StopIdx(2), 30),
            (StopIdx(4_000_000_000), 30),
            (StopIdx(0), 1000),
            (StopIdx(3), u32::MAX),
        ];
        let mut bytes = Vec::new();
        encode(StopIdx(3), &links, &mut bytes);
        let back: Vec<_> = WalkLinks::stream(&bytes, StopIdx(3), u32::MAX as usize).collect();
        assert_eq!(back, links);
        // Near targets and small steps take one byte each.
        let mut near = Vec::new();
        encode(
            StopIdx(100),
            &[(StopIdx(101), 40), (StopIdx(60), 90)],
            &mut near,
        );
        assert_eq!(near.len(), 4);
        // A target outside the timetable ends the list; so does a cut varint.
        let few: Vec<_> = WalkLinks::stream(&bytes, StopIdx(3), 5).collect();
        assert_eq!(few, links[..2]);
        let cut: Vec<_> = WalkLinks::stream(&near[..3], StopIdx(100), 200).collect();
        assert_eq!(cut, [(StopIdx(101), 40)]);
        let junk = [0xffu8; 12];
        assert_eq!(WalkLinks::stream(&junk, StopIdx(0), 10).count(), 0);
    }
}
