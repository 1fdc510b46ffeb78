//! GTFS `stop_sequence` values per trip record, kept in the compiled timetable so that a
//! `StopTimeUpdate` keyed by `stop_sequence` finds its pattern position. Most feeds number a
//! trip's stops consecutively (0.. or 1..): such a trip costs one `u32`; others keep a list.

use crate::timetable::{Pattern, Trip};
use serde::{Deserialize, Serialize};

/// Marks a per-trip entry as an offset into [`StopSeqs::list`].
const LISTED: u32 = 1 << 31;
/// No sequence known for this trip (it then matches by stop_id only).
const NONE: u32 = u32::MAX;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StopSeqs {
    /// Per trip: the first stop_sequence when they are consecutive; else `LISTED | offset`.
    #[serde(skip)]
    pub first: crate::timetable::Store<u32>,
    #[serde(skip)]
    pub list: crate::timetable::Store<u32>,
}

impl StopSeqs {
    /// The pattern position of `seq` on the trip whose record is `rec` (see
    /// [`crate::timetable::Timetable::record_of`]; runs of a frequency template share one),
    /// whose pattern has `n` stops.
    pub fn position(&self, rec: usize, n: usize, seq: u32) -> Option<usize> {
        let f = *self.first.get(rec)?;
        if f == NONE {
            None
        } else if f & LISTED == 0 {
            let pos = seq.checked_sub(f)? as usize;
            (pos < n).then_some(pos)
        } else {
            let o = (f & !LISTED) as usize;
            self.list.get(o..o + n)?.binary_search(&seq).ok()
        }
    }

    /// The stop_sequence of position `pos` on the trip whose record is `rec`.
    pub fn seq_of(&self, rec: usize, n: usize, pos: usize) -> Option<u32> {
        let f = *self.first.get(rec)?;
        if f == NONE || pos >= n {
            None
        } else if f & LISTED == 0 {
            Some(f + pos as u32)
        } else {
            self.list.get((f & !LISTED) as usize + pos).copied()
        }
    }

    /// A copy of record `rec`'s entry for a new record (a frequency pattern made scheduled by
    /// realtime, whose runs get records of their own).
    pub fn copy_record(&mut self, rec: usize, new: usize) {
        let f = self.first.get(rec).copied().unwrap_or(NONE);
        while self.first.len() < new {
            self.first.push(NONE);
        }
        if self.first.len() == new {
            self.first.push(f);
        }
    }
}

/// Built by the compiler from its `(trip row, stop_sequence, stop_times row)` list sorted by trip
/// row and sequence, one entry per trip record. A trip whose rows do not match its pattern one
/// to one gets no sequence.
pub fn stop_sequences(trips: &[Trip], patterns: &[Pattern], order: &[(u32, u32, u32)]) -> StopSeqs {
    let mut first = vec![NONE; trips.len()];
    let mut list = Vec::new();
    for p in patterns {
        let n = p.num_stops as usize;
        let recs = p.rec_start as usize..(p.rec_start + p.num_records()) as usize;
        for (t, f) in trips
            .get(recs.clone())
            .unwrap_or(&[])
            .iter()
            .zip(&mut first[recs])
        {
            let a = order.partition_point(|&(k, _, _)| k < t.key);
            let b = order.partition_point(|&(k, _, _)| k <= t.key);
            let seqs: Vec<u32> = order[a..b].iter().map(|&(_, s, _)| s).collect();
            *f = if seqs.len() != n || n == 0 {
                NONE
            } else if seqs[0] < LISTED
                && seqs.windows(2).all(|w| w[1] == w[0] + 1)
                && seqs[n - 1] < LISTED
            {
                seqs[0]
            } else if list.len() < LISTED as usize {
                let f = LISTED | list.len() as u32;
                list.extend_from_slice(&seqs);
                f
            } else {
                NONE
            };
        }
    }
    StopSeqs {
        first: first.into(),
        list: list.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_and_listed_sequences() {
        let s = StopSeqs {
            first: vec![1, LISTED, NONE].into(),
            list: vec![5, 10, 40].into(),
        };
        assert_eq!(s.position(0, 3, 1), Some(0));
        assert_eq!(s.position(0, 3, 3), Some(2));
        assert_eq!(s.position(0, 3, 4), None);
        assert_eq!(s.position(0, 3, 0), None);
        assert_eq!(s.position(1, 3, 10), Some(1));
        assert_eq!(s.position(1, 3, 11), None);
        assert_eq!(s.seq_of(1, 3, 2), Some(40));
        assert_eq!(s.position(2, 3, 1), None);
        assert_eq!(s.position(9, 3, 1), None);
    }
}
