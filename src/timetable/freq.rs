//! Frequency-based trips (frequencies.txt) in compact form: a *frequency pattern* holds one
//! template trip's times relative to its run's start (one offset per stop, arrivals and
//! departures, in the pattern's `arr`/`dep` rows) and the trip's headway windows; its runs are
//! *virtual trips* `0..num_trips` in departure order, so trip positions and [`super::TripIdx`]
//! keep their meaning everywhere (a run is `trips_start + run`), and all runs share the
//! template's one [`super::Trip`] record.
//!
//! Time of run `r` at a stop: `window.start + (r - window.first_run) · window.headway +
//! offset`, the window found by binary search over the (few) windows' first runs. Runs of one
//! template never overtake each other (same offsets), and the windows of a pattern are sorted
//! and do not overlap (the compiler checks it, else it expands the template into scheduled
//! trips as before), so every stop column is ascending: "the first run at or after t" is
//! arithmetic ([`Column::first_at_least`]), not a search over rows.
//!
//! exact_times=0 and =1 are both read as "runs every headway from start_time" for routing (as
//! OpenTripPlanner does); each window keeps its exact_times for honest output ("every N min").

use super::Pod;

/// One frequencies.txt row of a frequency pattern's template trip.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct FreqWindow {
    /// The first run's departure from the pattern's first stop (start_time), in seconds of its
    /// service day.
    pub start: u32,
    /// headway_secs (≥ 1).
    pub headway: u32,
    /// Runs in this window (≥ 1): departures `start + k·headway < end_time`.
    pub runs: u32,
    /// The pattern-local index of its first run: the runs of the windows before it.
    pub first_run: u32,
    /// frequencies.txt exact_times (1: schedule-based; 0: about every headway).
    pub exact: u32,
}

// SAFETY: repr(C), five u32s: integers only, no padding.
unsafe impl Pod for FreqWindow {}
const _: () = assert!(std::mem::size_of::<FreqWindow>() == 20);

impl FreqWindow {
    /// The departure from the first stop of its last run.
    #[inline]
    pub fn last_start(&self) -> u64 {
        self.start as u64 + self.runs.saturating_sub(1) as u64 * self.headway as u64
    }
}

/// The window that run `r` of a frequency pattern belongs to (windows are validated: the
/// first starts at run 0 and they cover `0..num_trips`).
#[inline]
pub fn window_of(windows: &[FreqWindow], r: usize) -> &FreqWindow {
    let w = windows.partition_point(|w| w.first_run as usize <= r);
    &windows[w.saturating_sub(1).min(windows.len().saturating_sub(1))]
}

/// The departure of run `r` from the pattern's first stop.
#[inline]
pub fn run_start(windows: &[FreqWindow], r: usize) -> u32 {
    let w = window_of(windows, r);
    (w.start as u64 + (r as u64).saturating_sub(w.first_run as u64) * w.headway as u64) as u32
}

/// The times of all trips of a pattern at one stop (arrivals or departures), ascending: a row
/// of a scheduled pattern's stop-major columns, or a frequency pattern's runs at one offset.
#[derive(Copy, Clone, Debug)]
pub enum Column<'a> {
    Rows(&'a [u32]),
    Runs {
        windows: &'a [FreqWindow],
        offset: u32,
        len: usize,
    },
}

impl<'a> Column<'a> {
    #[inline]
    pub fn len(&self) -> usize {
        match *self {
            Column::Rows(c) => c.len(),
            Column::Runs { len, .. } => len,
        }
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The time of trip `k` (< `len`).
    #[inline]
    pub fn get(&self, k: usize) -> u32 {
        match *self {
            Column::Rows(c) => c[k],
            Column::Runs {
                windows, offset, ..
            } => run_start(windows, k).wrapping_add(offset),
        }
    }

    pub fn first(&self) -> Option<u32> {
        (!self.is_empty()).then(|| self.get(0))
    }

    pub fn last(&self) -> Option<u32> {
        (!self.is_empty()).then(|| self.get(self.len() - 1))
    }

    /// The first trip whose time is ≥ `v` (`len` if none): `partition_point(|x| x < v)`.
    #[inline]
    pub fn first_at_least(&self, v: i64) -> usize {
        match *self {
            Column::Rows(c) => c.partition_point(|&x| (x as i64) < v),
            Column::Runs {
                windows,
                offset,
                len,
            } => {
                // The first run whose start is ≥ v − offset.
                let v = v - offset as i64;
                let w = windows.partition_point(|w| (w.last_start() as i64) < v);
                match windows.get(w) {
                    None => len,
                    Some(w) if v <= w.start as i64 => w.first_run as usize,
                    Some(w) => {
                        let h = w.headway.max(1) as i64;
                        let j = (v - w.start as i64 + h - 1) / h;
                        (w.first_run as usize + j as usize).min(len)
                    }
                }
            }
        }
    }

    /// The first trip whose time is > `v` (`len` if none): `partition_point(|x| x <= v)`.
    #[inline]
    pub fn first_above(&self, v: i64) -> usize {
        self.first_at_least(v.saturating_add(1))
    }

    /// [`Self::first_at_least`] when it is below `end` (`None` otherwise), for a caller that
    /// keeps the least of many: one comparison decides, and the search is over `..end` only.
    #[inline]
    pub fn first_at_least_below(&self, v: i64, end: usize) -> Option<usize> {
        if end == 0 || (self.get(end - 1) as i64) < v {
            return None;
        }
        Some(match *self {
            Column::Rows(c) => c[..end - 1].partition_point(|&x| (x as i64) < v),
            _ => self.first_at_least(v),
        })
    }

    /// [`Self::first_above`] when it is above `start` (`None` otherwise): the mirror of
    /// [`Self::first_at_least_below`], searching `start + 1..` only.
    #[inline]
    pub fn first_above_beyond(&self, v: i64, start: usize) -> Option<usize> {
        if start >= self.len() || (self.get(start) as i64) > v {
            return None;
        }
        Some(match *self {
            Column::Rows(c) => start + 1 + c[start + 1..].partition_point(|&x| (x as i64) <= v),
            _ => self.first_above(v),
        })
    }

    /// The times in trip order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.len()).map(|k| self.get(k))
    }

    pub fn to_vec(&self) -> Vec<u32> {
        self.iter().collect()
    }
}

/// A column as the router's earliest-trip search reads it: a scheduled pattern's row (a plain
/// slice, so that search is monomorphised without a branch per time) or a [`Column`].
pub trait Times: Copy {
    /// The time of trip `k`.
    fn at(self, k: usize) -> u32;
    /// The first trip whose time is ≥ `v`.
    fn at_least(self, v: i64) -> usize;
    /// The first trip whose time is > `v`.
    fn above(self, v: i64) -> usize;
}

impl Times for &[u32] {
    #[inline(always)]
    fn at(self, k: usize) -> u32 {
        self[k]
    }
    #[inline(always)]
    fn at_least(self, v: i64) -> usize {
        self.partition_point(|&x| (x as i64) < v)
    }
    #[inline(always)]
    fn above(self, v: i64) -> usize {
        self.partition_point(|&x| (x as i64) <= v)
    }
}

impl Times for Column<'_> {
    #[inline]
    fn at(self, k: usize) -> u32 {
        self.get(k)
    }
    #[inline]
    fn at_least(self, v: i64) -> usize {
        self.first_at_least(v)
    }
    #[inline]
    fn above(self, v: i64) -> usize {
        self.first_above(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn windows() -> Vec<FreqWindow> {
        vec![
            // 06:00, 06:10, 06:20
            FreqWindow {
                start: 6 * 3600,
                headway: 600,
                runs: 3,
                first_run: 0,
                exact: 1,
            },
            // 06:20 again (a window starting where the last ended), 06:50
            FreqWindow {
                start: 6 * 3600 + 1200,
                headway: 1800,
                runs: 2,
                first_run: 3,
                exact: 0,
            },
        ]
    }

    #[test]
    fn arithmetic_matches_a_search_over_the_expanded_column() {
        let w = windows();
        let col = Column::Runs {
            windows: &w,
            offset: 90,
            len: 5,
        };
        let rows: Vec<u32> = col.iter().collect();
        assert_eq!(
            rows,
            vec![21690, 22290, 22890, 22890, 24690],
            "offset added to each run"
        );
        let as_rows = Column::Rows(&rows);
        for v in 21_000..25_000 {
            assert_eq!(col.first_at_least(v), as_rows.first_at_least(v), "≥ {v}");
            assert_eq!(col.first_above(v), as_rows.first_above(v), "> {v}");
        }
        for col in [col, as_rows] {
            for v in 21_000..25_000 {
                for bound in 0..=5 {
                    let below = Some(col.first_at_least(v)).filter(|&x| x < bound);
                    assert_eq!(
                        col.first_at_least_below(v, bound),
                        below,
                        "≥ {v} below {bound}"
                    );
                    let beyond = Some(col.first_above(v)).filter(|&x| x > bound);
                    assert_eq!(
                        col.first_above_beyond(v, bound),
                        beyond,
                        "> {v} beyond {bound}"
                    );
                }
            }
        }
        assert_eq!(col.first(), Some(21690));
        assert_eq!(col.last(), Some(24690));
        assert_eq!(window_of(&w, 3).exact, 0);
        assert_eq!(window_of(&w, 2).exact, 1);
    }
}
