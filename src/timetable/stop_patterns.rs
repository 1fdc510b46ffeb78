//! Stop → (pattern, position): which patterns serve a stop, and where in their stop sequence.
//!
//! Every RAPTOR round reads this for each marked stop, and the departure scan for each origin,
//! so it stays a flat CSR (`start` per stop) over one array of words borrowed from the mapped
//! cache. It is also, after the stop times, the largest index of a timetable (one entry per
//! pattern stop), so an entry is one `u32` word: the pattern index shifted left by `pos_bits`,
//! OR the position. `pos_bits` is chosen per timetable, just enough for the longest pattern's
//! positions; when the pattern index does not fit in the bits left over (more than 2^(32 −
//! pos_bits) patterns), every entry takes two words, pattern then position ([`WIDE`]), as the
//! 8-byte pairs did before. Readers go through [`PatternsAt`], which yields the pairs either
//! way: `next` branches on the form per entry (always the same way), `fold` — behind
//! `for_each`, `any`, `collect` — once per stop, which the RAPTOR marking loop uses.

use super::{Pattern, PatternIdx, StopIdx, Store};
use serde::{Deserialize, Serialize};

/// `pos_bits` of the two-words-an-entry form.
pub const WIDE: u32 = 32;

/// The stop → (pattern, position) index (see the module docs).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StopPatterns {
    /// CSR offsets per stop, counted in entries (not words).
    #[serde(skip)]
    pub start: Store<u32>,
    /// The entries, by stop then pattern then position.
    #[serde(skip)]
    pub words: Store<u32>,
    /// Low bits of a word holding the position, or [`WIDE`].
    pub pos_bits: u32,
}

/// How many bits hold every value `0..n` (0 for `n ≤ 1`).
fn bits_for(n: u64) -> u32 {
    64 - n.saturating_sub(1).leading_zeros()
}

/// The form for `num_patterns` patterns of at most `longest` stops: the bits for the
/// positions, if the pattern index fits in the rest of a word, else [`WIDE`].
fn pos_bits_for(longest: u64, num_patterns: usize) -> u32 {
    let pos_bits = bits_for(longest);
    if pos_bits < 32 && bits_for(num_patterns as u64) <= 32 - pos_bits {
        pos_bits
    } else {
        WIDE
    }
}

impl StopPatterns {
    /// The index of `patterns` over `num_stops` stops, in the narrowest form that holds it.
    pub fn build(num_stops: usize, patterns: &[Pattern], pattern_stops: &[StopIdx]) -> Self {
        let entries = patterns.iter().enumerate().flat_map(|(pi, p)| {
            let s = p.stops_start as usize;
            pattern_stops[s..s + p.num_stops as usize]
                .iter()
                .enumerate()
                .map(move |(pos, &st)| (st, PatternIdx(pi as u32), pos as u32))
        });
        let longest = patterns.iter().map(|p| p.num_stops as u64).max();
        let pos_bits = pos_bits_for(longest.unwrap_or(0), patterns.len());
        Self::from_entries(num_stops, entries, pos_bits)
    }

    /// The index of `(stop, pattern, position)` entries in the form `pos_bits` (which must
    /// hold them: [`StopPatterns::build`] chooses it). Entries of one stop keep their order.
    pub fn from_entries(
        num_stops: usize,
        entries: impl Iterator<Item = (StopIdx, PatternIdx, u32)>,
        pos_bits: u32,
    ) -> Self {
        let mut list: Vec<(StopIdx, PatternIdx, u32)> = entries.collect();
        list.sort_by_key(|e| e.0);
        let mut start = vec![0u32; num_stops + 1];
        for e in &list {
            start[e.0.ix() + 1] += 1;
        }
        for k in 0..num_stops {
            start[k + 1] += start[k];
        }
        let mut words = Vec::with_capacity(list.len() * if pos_bits == WIDE { 2 } else { 1 });
        for (_, p, pos) in list {
            if pos_bits == WIDE {
                words.extend([p.0, pos]);
            } else {
                debug_assert!(pos >> pos_bits == 0 && (p.0 as u64) << pos_bits <= u32::MAX as u64);
                words.push(p.0 << pos_bits | pos);
            }
        }
        StopPatterns {
            start: start.into(),
            words: words.into(),
            pos_bits,
        }
    }

    /// Words per entry.
    fn width(&self) -> usize {
        1 << self.wide_shift()
    }

    /// log2 of the words per entry: 1 for [`WIDE`], else 0.
    #[inline]
    fn wide_shift(&self) -> usize {
        (self.pos_bits >= 32) as usize
    }

    fn reader<'a>(&self, words: &'a [u32]) -> PatternsAt<'a> {
        // Branch-free: for WIDE, shift and mask are unused.
        let shift = self.pos_bits & 31;
        PatternsAt {
            words: words.iter(),
            shift,
            mask: (1u32 << shift).wrapping_sub(1),
            wide: self.pos_bits >= 32,
        }
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.words.len() / self.width()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The (pattern, position) pairs at stop `s`.
    #[inline]
    pub fn at(&self, s: StopIdx) -> PatternsAt<'_> {
        let a = self.start[s.ix()] as usize;
        let b = self.start[s.ix() + 1] as usize;
        let w = self.wide_shift();
        self.reader(&self.words[a << w..b << w])
    }

    /// Every entry, by stop.
    pub fn all(&self) -> PatternsAt<'_> {
        self.reader(&self.words)
    }

    /// Is the form consistent (checked on open: `start` a CSR over `num_stops` stops and the
    /// words, `pos_bits` a form, and every entry a position inside its pattern)?
    pub fn valid(&self, num_stops: usize, patterns: &[Pattern]) -> bool {
        let w = self.width();
        let s = &self.start;
        (self.pos_bits < 32 || self.pos_bits == WIDE)
            && self.words.len().is_multiple_of(w)
            && s.len() == num_stops + 1
            && s[0] == 0
            && s[num_stops] as usize == self.len()
            && s.windows(2).all(|x| x[0] <= x[1])
            && self.all().fold(true, |ok, (p, pos)| {
                ok & patterns.get(p.ix()).is_some_and(|p| pos < p.num_stops)
            })
    }
}

/// The (pattern, position) pairs of one stop ([`StopPatterns::at`]).
#[derive(Clone, Debug)]
pub struct PatternsAt<'a> {
    words: std::slice::Iter<'a, u32>,
    /// Packed form: pattern = word >> shift, position = word & mask.
    shift: u32,
    mask: u32,
    /// Two words an entry.
    wide: bool,
}

impl PatternsAt<'_> {
    /// Does no pattern serve the stop?
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.words.len() == 0
    }
}

impl Iterator for PatternsAt<'_> {
    type Item = (PatternIdx, u32);
    #[inline]
    fn next(&mut self) -> Option<(PatternIdx, u32)> {
        let w = *self.words.next()?;
        if !self.wide {
            Some((PatternIdx(w >> self.shift), w & self.mask))
        } else {
            // The second word exists: the length is a multiple of two (checked on open).
            let pos = self.words.next().copied().unwrap_or(0);
            Some((PatternIdx(w), pos))
        }
    }

    /// The form is decided once, not per entry (`for_each`, `any`, `collect` … use this).
    #[inline(always)]
    fn fold<B, F: FnMut(B, Self::Item) -> B>(self, init: B, mut f: F) -> B {
        let (shift, mask) = (self.shift, self.mask);
        if !self.wide {
            self.words
                .fold(init, |acc, &w| f(acc, (PatternIdx(w >> shift), w & mask)))
        } else {
            self.words
                .as_slice()
                .chunks_exact(2)
                .fold(init, |acc, w| f(acc, (PatternIdx(w[0]), w[1])))
        }
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.words.len() >> self.wide as usize;
        (n, Some(n))
    }
}

impl ExactSizeIterator for PatternsAt<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timetable::RouteIdx;

    fn pattern(stops_start: u32, num_stops: u32) -> Pattern {
        Pattern {
            route: RouteIdx(0),
            stops_start,
            num_stops,
            trips_start: 0,
            num_trips: 0,
            times_start: 0,
            max_time: 0,
            zone: 0,
            rec_start: 0,
            windows_start: 0,
            num_windows: 0,
        }
    }

    fn round_trip(num_stops: usize, entries: &[(u32, u32, u32)], pos_bits: u32) {
        let sp = StopPatterns::from_entries(
            num_stops,
            entries
                .iter()
                .map(|&(s, p, pos)| (StopIdx(s), PatternIdx(p), pos)),
            pos_bits,
        );
        assert_eq!(sp.pos_bits, pos_bits);
        assert_eq!(sp.len(), entries.len());
        for s in 0..num_stops as u32 {
            let want: Vec<(PatternIdx, u32)> = entries
                .iter()
                .filter(|e| e.0 == s)
                .map(|&(_, p, pos)| (PatternIdx(p), pos))
                .collect();
            let got = sp.at(StopIdx(s));
            assert_eq!(got.len(), want.len());
            assert_eq!(got.is_empty(), want.is_empty());
            assert_eq!(got.collect::<Vec<_>>(), want, "stop {s}");
        }
    }

    #[test]
    fn entries_round_trip_in_every_form() {
        // Empty, one entry, the extremes of a packed word, and the two-word form.
        round_trip(0, &[], 0);
        round_trip(3, &[], 5);
        round_trip(1, &[(0, 0, 0)], 0);
        round_trip(2, &[(1, u32::MAX, 0)], 0);
        round_trip(2, &[(1, 7, 3), (0, 2, 0), (1, 8, 0)], 2);
        round_trip(
            3,
            &[(2, (1 << 20) - 1, (1 << 12) - 1), (0, 0, (1 << 12) - 1)],
            12,
        );
        round_trip(2, &[(0, 1, (1 << 31) - 1), (0, 0, 5)], 31);
        round_trip(
            3,
            &[(0, u32::MAX, u32::MAX), (2, 0, 0), (0, 5, 1 << 20)],
            WIDE,
        );
    }

    #[test]
    fn the_form_is_the_narrowest_that_holds_every_entry() {
        assert_eq!(
            (
                bits_for(0),
                bits_for(1),
                bits_for(2),
                bits_for(3),
                bits_for(4)
            ),
            (0, 0, 1, 2, 2)
        );
        assert_eq!(bits_for(1 << 32), 32);
        // Patterns of 1, 3 and 5 stops: positions 0..5 take 3 bits.
        let ps = [pattern(0, 1), pattern(1, 3), pattern(4, 5)];
        let stops: Vec<StopIdx> = [0, 0, 1, 2, 2, 1, 0, 3, 1].map(StopIdx).to_vec();
        let sp = StopPatterns::build(4, &ps, &stops);
        assert_eq!(sp.pos_bits, 3);
        assert!(sp.valid(4, &ps));
        let at = |s: u32| sp.at(StopIdx(s)).collect::<Vec<_>>();
        assert_eq!(
            at(0),
            [(PatternIdx(0), 0), (PatternIdx(1), 0), (PatternIdx(2), 2)]
        );
        assert_eq!(
            at(1),
            [(PatternIdx(1), 1), (PatternIdx(2), 1), (PatternIdx(2), 4)]
        );
        assert_eq!(at(3), [(PatternIdx(2), 3)]);
        // One-stop patterns only: no position bits at all.
        let one = StopPatterns::build(1, &[pattern(0, 1), pattern(1, 1)], &[StopIdx(0); 2]);
        assert_eq!(one.pos_bits, 0);
        assert_eq!(
            one.at(StopIdx(0)).collect::<Vec<_>>(),
            [(PatternIdx(0), 0), (PatternIdx(1), 0)]
        );
        // Pattern index and position must fit one word together; else two words an entry.
        assert_eq!(pos_bits_for(5, 1 << 29), 3);
        assert_eq!(pos_bits_for(5, (1 << 29) + 1), WIDE);
        assert_eq!(pos_bits_for(1 << 31, 2), 31);
        assert_eq!(pos_bits_for(1 << 31, 3), WIDE);
        assert_eq!(pos_bits_for((1 << 31) + 1, 1), WIDE);
        assert_eq!(pos_bits_for(1, usize::MAX), WIDE);
        assert_eq!(pos_bits_for(1, 1 << 32), 0);
        // A damaged entry or offset is invalid.
        let mut bad = StopPatterns::build(4, &ps, &stops);
        bad.words.modify(|w| w[0] = 7 << 3);
        assert!(!bad.valid(4, &ps));
        let mut bad = StopPatterns::build(4, &ps, &stops);
        bad.words.modify(|w| w[0] |= 6);
        assert!(!bad.valid(4, &ps));
        let mut bad = StopPatterns::build(4, &ps, &stops);
        bad.start.modify(|s| s[4] += 1);
        assert!(!bad.valid(4, &ps));
        let mut bad = StopPatterns::build(4, &ps, &stops);
        bad.pos_bits = 40;
        assert!(!bad.valid(4, &ps));
    }
}
