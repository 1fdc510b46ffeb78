//! The timetable's stops, decoded only when a query reads them.
//!
//! A country has hundreds of thousands of stops; decoding all of them (names, codes, zones) on
//! every start would cost more than the search. So each [`Stop`] is kept as a postcard record
//! in a flat section and decoded on first access (`stops[i]`, [`Stops::iter`]); what the
//! whole-network passes need — stop ids (`stop:<id>` lookups), coordinates (the spatial
//! index) and parent stations (validated on open) — are plain columns beside the records.
//! The compiler's stops are all decoded already (built from a `Vec<Stop>`).

use super::flat::{Store, StrTable};
use super::{Stop, StopIdx};
use std::sync::OnceLock;

/// No parent station (in [`Stops::parents`]).
const NO_PARENT: u32 = u32::MAX;

#[derive(Clone, Default)]
pub struct Stops {
    /// postcard(Stop) per stop: record `i` is `rec_bytes[rec_ends[i-1]..rec_ends[i]]`.
    pub rec_ends: Store<u32>,
    pub rec_bytes: Store<u8>,
    /// stop_id per stop.
    pub ids: StrTable,
    pub lats: Store<f64>,
    pub lons: Store<f64>,
    /// Parent station per stop, or `u32::MAX`.
    pub parents: Store<u32>,
    decoded: Vec<OnceLock<Box<Stop>>>,
}

impl Stops {
    pub fn len(&self) -> usize {
        self.rec_ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rec_ends.is_empty()
    }

    /// Makes room for lazily decoded stops after the columns were loaded.
    pub(super) fn reset(&mut self) {
        self.decoded = (0..self.len()).map(|_| OnceLock::new()).collect();
    }

    /// Stop `i`, decoded on first use. A record that does not decode (a damaged cache) reads
    /// as a stop named "?" at its column's coordinates, never a panic.
    pub fn get(&self, i: usize) -> Option<&Stop> {
        let cell = self.decoded.get(i)?;
        Some(cell.get_or_init(|| Box::new(self.decode(i))))
    }

    fn decode(&self, i: usize) -> Stop {
        let a = if i == 0 {
            0
        } else {
            self.rec_ends[i - 1] as usize
        };
        let b = self.rec_ends[i] as usize;
        let mut s = self
            .rec_bytes
            .get(a..b)
            .and_then(|r| postcard::from_bytes::<Stop>(r).ok())
            .unwrap_or_else(|| Stop {
                id: self.id(i).to_string(),
                code: None,
                name: "?".into(),
                lat: 0.0,
                lon: 0.0,
                parent: None,
                location_type: 0,
                wheelchair: Default::default(),
                platform_code: None,
                timezone: None,
            });
        // The columns are what open validated: they win over the record.
        s.parent = self.parent(i);
        s.lat = self.lats[i];
        s.lon = self.lons[i];
        s
    }

    /// The stop_id of stop `i`.
    pub fn id(&self, i: usize) -> &str {
        self.ids.get(i as u32)
    }

    pub fn lat(&self, i: usize) -> f64 {
        self.lats[i]
    }

    pub fn lon(&self, i: usize) -> f64 {
        self.lons[i]
    }

    pub fn parent(&self, i: usize) -> Option<StopIdx> {
        let p = self.parents[i];
        (p != NO_PARENT).then_some(StopIdx(p))
    }

    /// Every stop, decoding those not read yet.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Stop> + '_ {
        (0..self.len()).map(|i| &self[i])
    }
}

impl std::ops::Index<usize> for Stops {
    type Output = Stop;
    fn index(&self, i: usize) -> &Stop {
        match self.get(i) {
            Some(s) => s,
            None => panic!("stop index {i} out of range ({} stops)", self.len()),
        }
    }
}

impl From<Vec<Stop>> for Stops {
    fn from(v: Vec<Stop>) -> Self {
        let mut ends = Vec::with_capacity(v.len());
        let mut bytes = Vec::new();
        let mut id_table = StrTable::default();
        for s in &v {
            // postcard writes plain data into a Vec without failing.
            bytes.extend(postcard::to_stdvec(s).unwrap_or_default());
            ends.push(bytes.len() as u32);
            id_table.push(&s.id);
        }
        Stops {
            rec_ends: ends.into(),
            rec_bytes: bytes.into(),
            ids: id_table,
            lats: v.iter().map(|s| s.lat).collect::<Vec<_>>().into(),
            lons: v.iter().map(|s| s.lon).collect::<Vec<_>>().into(),
            parents: v
                .iter()
                .map(|s| s.parent.map_or(NO_PARENT, |p| p.0))
                .collect::<Vec<_>>()
                .into(),
            decoded: v.into_iter().map(|s| OnceLock::from(Box::new(s))).collect(),
        }
    }
}

impl std::fmt::Debug for Stops {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}
