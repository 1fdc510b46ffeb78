//! The straight-line walking model: haversine distance times a detour factor. It is what
//! gethere used everywhere before it read street maps, and it remains the fallback wherever
//! there is no street map (no map given, a point outside the map or farther than
//! [`super::MAX_SNAP_M`] from any walkable way).

use serde::{Deserialize, Serialize};

/// Walking routes are longer than straight lines; this factor is the usual city detour.
pub const DETOUR_FACTOR: f64 = 1.3;

/// Straight-line distance in metres (haversine on the mean Earth radius).
pub fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    use geo::{Distance, Haversine, Point};
    Haversine.distance(Point::new(lon1, lat1), Point::new(lon2, lat2))
}

/// Seconds to walk `metres` straight-line metres at `speed` m/s, with the detour factor.
pub fn walk_secs(metres: u32, speed: f64) -> u32 {
    (metres as f64 * DETOUR_FACTOR / speed).ceil() as u32
}

/// Seconds to walk `metres` metres measured along streets (no detour factor: the metres are
/// already the route's).
pub fn street_secs(metres: u32, speed: f64) -> u32 {
    (metres as f64 / speed).ceil() as u32
}

/// A local equirectangular projection to metres around a reference latitude: accurate to
/// well under 1% over a city, which is what spatial indexes (R-tree, grid) need. Distances
/// reported to users are haversine, never projected.
#[derive(Copy, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    pub kx: f64,
    pub ky: f64,
}

impl Projection {
    /// The projection around latitude `lat0` (degrees).
    pub fn around(lat0: f64) -> Projection {
        let lat0 = if lat0.is_finite() { lat0 } else { 0.0 };
        Projection {
            kx: 111_320.0 * lat0.to_radians().cos().max(0.01),
            ky: 110_540.0,
        }
    }

    /// The projection around the mean latitude of `lats` (the equator when empty).
    pub fn around_mean(lats: impl Iterator<Item = f64>) -> Projection {
        let (mut sum, mut n) = (0.0, 0usize);
        for l in lats {
            sum += l;
            n += 1;
        }
        Projection::around(if n == 0 { 0.0 } else { sum / n as f64 })
    }

    /// Metres east, metres north.
    #[inline]
    pub fn xy(&self, lat: f64, lon: f64) -> [f64; 2] {
        [lon * self.kx, lat * self.ky]
    }

    /// Back to (lat, lon).
    #[inline]
    pub fn latlon(&self, p: [f64; 2]) -> (f64, f64) {
        (p[1] / self.ky, p[0] / self.kx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_and_times() {
        // One degree of latitude is about 111.2 km on the mean Earth radius.
        let d = distance_m(45.0, -122.0, 46.0, -122.0);
        assert!((d - 111_195.0).abs() < 10.0, "{d}");
        assert_eq!(walk_secs(100, 1.3), 100);
        assert_eq!(street_secs(120, 1.2), 100);
        let p = Projection::around(45.5);
        let (lat, lon) = p.latlon(p.xy(45.5, -122.6));
        assert!((lat - 45.5).abs() < 1e-12 && (lon + 122.6).abs() < 1e-12);
    }
}
