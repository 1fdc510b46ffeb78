//! Walking: the one module that knows how people get on foot from one point to another.
//!
//! - [`straight`]: the straight-line model (haversine × [`DETOUR_FACTOR`]), used when there is
//!   no street map and as the fallback for points off the map;
//! - [`osm`]: reading `.osm.pbf` and `.osm` XML;
//! - [`graph`]: the tag rules, the pedestrian graph, snapping onto the nearest point of a
//!   walkable edge, and the bounded shortest-path search;
//! - [`links`]: walking links between stops along the streets, for the router's changes;
//! - [`store`]: the graph and links on disk (header, content-hash keys, atomic writes).
//!
//! Everything outside this module sees walking as data: `Access` lists (stop, seconds,
//! metres) for the router's first and last legs, the timetable's walking links for changes,
//! and [`StreetWalk`]s (metres, street names, geometry) for the legs shown to riders.

pub mod graph;
pub mod links;
pub mod osm;
pub mod store;
pub mod straight;

pub use graph::{Profile, Snap, StreetGraph};
pub use straight::{DETOUR_FACTOR, Projection, distance_m, street_secs, walk_secs};

use crate::error::{Error, Result};
use graph::Tree;
use std::path::{Path, PathBuf};

/// A point farther than this from every walkable way is walked straight-line.
pub const MAX_SNAP_M: f64 = 300.0;

/// The bundled street map's name (its file in `data/`).
pub const BUNDLED_MAP_NAME: &str = "data/portland-central-filtered.osm.pbf";
/// The bundled street map, in the binary so an installed `gethere` needs no data folder.
pub static BUNDLED_MAP: &[u8] = include_bytes!("../../data/portland-central-filtered.osm.pbf");
/// Printed wherever gethere prints attribution and used OpenStreetMap data (ODbL 1.0 §4.3).
pub const OSM_ATTRIBUTION: &str = "Street map data © OpenStreetMap contributors, available under the ODbL 1.0 (openstreetmap.org/copyright)";

const GRAPH_MAGIC: &[u8; 8] = b"GHSTRT1\0";
const LINKS_MAGIC: &[u8; 8] = b"GHLINK1\0";

/// Where the street map comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum MapSource {
    /// The central-Portland extract in the binary.
    Bundled,
    Path(PathBuf),
    Url(String),
    /// `--streets none`: straight-line walking only.
    None,
}

impl MapSource {
    pub fn parse(s: &str) -> MapSource {
        let s = s.trim();
        if s.eq_ignore_ascii_case("none") {
            MapSource::None
        } else if s.starts_with("http://") || s.starts_with("https://") {
            MapSource::Url(s.to_string())
        } else {
            MapSource::Path(PathBuf::from(s))
        }
    }
}

fn check_download(p: &Path) -> std::result::Result<(), String> {
    let bytes = std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    osm::read(&bytes)
        .and_then(|d| StreetGraph::build(&d).map(|_| ()))
        .map_err(|r| format!("the download is not a usable street map: {r}"))
}

/// Street maps downloaded from a URL: `<cache>/maps/*.osm`, checked by reading and building
/// them before they replace the last good copy.
pub const MAP_DOWNLOAD: crate::feed::fetch::Kind = crate::feed::fetch::Kind {
    dir: "maps",
    ext: "osm",
    check: check_download,
};

/// A street map ready for searches.
#[derive(Clone, Debug)]
pub struct Streets {
    pub graph: StreetGraph,
    /// The file or URL, for messages.
    pub name: String,
    pub map_hash: String,
}

/// How loading went, for `--stats` and benchmarks.
#[derive(Clone, Debug, Default)]
pub struct MapStats {
    pub from_cache: bool,
    pub read_ms: f64,
    pub build_ms: f64,
    pub cache_path: PathBuf,
    pub cache_rejected: Option<String>,
}

fn ms(t: std::time::Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Reads and builds a map without any cache. The error names the map.
pub fn build_graph(bytes: &[u8], name: &str) -> Result<StreetGraph> {
    let unusable = |reason: String| Error::MapUnusable {
        map: name.to_string(),
        reason,
    };
    let data = osm::read(bytes).map_err(unusable)?;
    StreetGraph::build(&data).map_err(unusable)
}

/// The graph of the map with these bytes: from the cache when a valid copy is there, else
/// built and cached. A cache that cannot be written does not fail the load.
pub fn load_graph(bytes: &[u8], name: &str, cache_dir: &Path) -> Result<(Streets, MapStats)> {
    let mut stats = MapStats::default();
    let map_hash = blake3::hash(bytes).to_hex().to_string();
    let path = store::graph_path(cache_dir, &map_hash);
    stats.cache_path = path.clone();
    let t0 = std::time::Instant::now();
    match store::read::<StreetGraph>(&path, GRAPH_MAGIC, &map_hash) {
        Ok(graph) if graph.adj_start.len() == graph.lat.len() + 1 => {
            stats.from_cache = true;
            stats.read_ms = ms(t0);
            return Ok((
                Streets {
                    graph,
                    name: name.to_string(),
                    map_hash,
                },
                stats,
            ));
        }
        Ok(_) => stats.cache_rejected = Some(format!("{}: inconsistent", path.display())),
        Err(store::Miss::Absent) => {}
        Err(store::Miss::Invalid(why)) => stats.cache_rejected = Some(why),
    }
    let t1 = std::time::Instant::now();
    let spinner = crate::progress::Spinner::start(format!("building the street graph of {name}"));
    let graph = build_graph(bytes, name);
    spinner.finish();
    let graph = graph?;
    stats.build_ms = ms(t1);
    if let Err(e) = store::write(&path, GRAPH_MAGIC, &map_hash, &graph) {
        stats.cache_rejected = Some(e.to_string());
    }
    Ok((
        Streets {
            graph,
            name: name.to_string(),
            map_hash,
        },
        stats,
    ))
}

/// The walking links of `tt`'s stops on this map: cached by both content hashes.
pub fn load_links(
    streets: &Streets,
    tt: &crate::timetable::Timetable,
    cache_dir: &Path,
) -> links::Links {
    let key = store::links_key(&streets.map_hash, &tt.meta.content_hash);
    let path = store::links_path(cache_dir, &key);
    if let Ok(l) = store::read::<links::Links>(&path, LINKS_MAGIC, &key)
        && l.any.start.len() == tt.stops.len() + 1
        && l.step_free.start.len() == tt.stops.len() + 1
        && l.any
            .list
            .iter()
            .chain(&l.step_free.list)
            .all(|(s, _)| s.ix() < tt.stops.len())
    {
        return l;
    }
    let l = links::compute(&streets.graph, tt);
    // A cache that cannot be written only costs the next run the computation.
    let _ = store::write(&path, LINKS_MAGIC, &key, &l);
    l
}

/// Lays the street links over the timetable: the router's changes then walk along streets.
pub fn apply_links(tt: &mut crate::timetable::Timetable, l: links::Links) {
    tt.street_links = Some(std::sync::Arc::new(l));
}

/// How far and how long a walk is.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Walked {
    pub metres: u32,
    pub secs: u32,
    /// `false`: a straight-line estimate (no map, or an end off the map).
    pub along_streets: bool,
}

/// Walks from each of a place's points (its entrances, or itself), searched once up to
/// `max_secs`: asked for the shortest walk the whole way to any point of another place.
/// `plan`, `meet` and `announce` offer that walk as walking the whole way.
pub struct WalksFrom<'a> {
    walks: Vec<WalkFrom<'a>>,
    max_secs: u32,
    speed: f64,
}

impl<'a> WalksFrom<'a> {
    pub fn new(
        streets: Option<&'a Streets>,
        from: &[(f64, f64)],
        max_secs: u32,
        speed: f64,
        profile: Profile,
    ) -> WalksFrom<'a> {
        let limit = max_secs as f64 * speed;
        WalksFrom {
            walks: from
                .iter()
                .map(|&(la, lo)| walk_from(streets, la, lo, limit, profile))
                .collect(),
            max_secs,
            speed,
        }
    }

    /// The shortest walk to any of `to`, if one takes at most `max_secs`.
    pub fn to_any(&self, to: &[(f64, f64)]) -> Option<Walked> {
        self.walks
            .iter()
            .flat_map(|w| to.iter().filter_map(|&(la, lo)| w.to(la, lo, self.speed)))
            .min_by_key(|w| (w.secs, w.metres))
            .filter(|w| w.secs <= self.max_secs)
    }
}

/// The shortest walk the whole way from any of `from` to any of `to` (see [`WalksFrom`]).
pub fn whole_walk(
    streets: Option<&Streets>,
    from: &[(f64, f64)],
    to: &[(f64, f64)],
    max_secs: u32,
    speed: f64,
    profile: Profile,
) -> Option<Walked> {
    WalksFrom::new(streets, from, max_secs, speed, profile).to_any(to)
}

/// A walk as riders follow it.
#[derive(Clone, Debug, PartialEq)]
pub struct StreetWalk {
    pub metres: u32,
    pub secs: u32,
    /// Street names in order, consecutive repeats merged; unnamed ways by their kind.
    pub streets: Vec<String>,
    /// (lon, lat) points, GeoJSON order, from the start point to the end point.
    pub geometry: Vec<[f64; 2]>,
    pub along_streets: bool,
}

/// Walks from one point: snapped and searched once, then asked about many targets.
pub struct WalkFrom<'a> {
    streets: Option<&'a Streets>,
    lat: f64,
    lon: f64,
    profile: Profile,
    origin: Option<(Snap, Tree)>,
}

/// Starts walks from `(lat, lon)` up to `limit_m` walking metres. Without a map, or off it,
/// every walk is the straight-line estimate.
pub fn walk_from<'a>(
    streets: Option<&'a Streets>,
    lat: f64,
    lon: f64,
    limit_m: f64,
    profile: Profile,
) -> WalkFrom<'a> {
    let origin = streets.and_then(|s| {
        let g = &s.graph;
        let snap = g.snap(lat, lon, MAX_SNAP_M, profile)?;
        let tree = g.grow(&g.sources(&snap), (limit_m - snap.dist).max(0.0), profile);
        Some((snap, tree))
    });
    WalkFrom {
        streets,
        lat,
        lon,
        profile,
        origin,
    }
}

impl WalkFrom<'_> {
    /// Whether walks from here follow the streets (the point snapped onto the map).
    pub fn on_map(&self) -> bool {
        self.origin.is_some()
    }

    fn straight(&self, lat: f64, lon: f64, speed: f64) -> Walked {
        let d = distance_m(self.lat, self.lon, lat, lon);
        let m = if d.is_finite() { d.ceil() as u32 } else { 0 };
        Walked {
            metres: m,
            secs: walk_secs(m, speed),
            along_streets: false,
        }
    }

    /// The walk to `(lat, lon)`: along streets when both ends are on the map (`None` when the
    /// streets do not connect them within the limit), else straight-line.
    pub fn to(&self, lat: f64, lon: f64, speed: f64) -> Option<Walked> {
        let (Some(s), Some((from, tree))) = (self.streets, &self.origin) else {
            return Some(self.straight(lat, lon, speed));
        };
        let g = &s.graph;
        let Some(to) = g.snap(lat, lon, MAX_SNAP_M, self.profile) else {
            return Some(self.straight(lat, lon, speed));
        };
        let m = (from.dist + g.reach(tree, from, &to)? + to.dist).ceil() as u32;
        Some(Walked {
            metres: m,
            secs: street_secs(m, speed),
            along_streets: true,
        })
    }

    /// The walk to `(lat, lon)` with its streets and geometry.
    pub fn path_to(&self, lat: f64, lon: f64, speed: f64) -> Option<StreetWalk> {
        let straight = |w: Walked| StreetWalk {
            metres: w.metres,
            secs: w.secs,
            streets: Vec::new(),
            geometry: vec![[self.lon, self.lat], [lon, lat]],
            along_streets: false,
        };
        let (Some(s), Some((from, tree))) = (self.streets, &self.origin) else {
            return Some(straight(self.straight(lat, lon, speed)));
        };
        let g = &s.graph;
        let Some(to) = g.snap(lat, lon, MAX_SNAP_M, self.profile) else {
            return Some(straight(self.straight(lat, lon, speed)));
        };
        let path = g.path(tree, from, &to)?;
        let m = (from.dist + path.metres + to.dist).ceil() as u32;
        // 7 decimals, as OpenStreetMap stores coordinates (about 1 cm).
        let r7 = |x: f64| (x * 1e7).round() / 1e7;
        let mut geometry = vec![[self.lon, self.lat]];
        geometry.extend(path.points.iter().map(|&(la, lo)| [r7(lo), r7(la)]));
        geometry.push([lon, lat]);
        geometry.dedup();
        Some(StreetWalk {
            metres: m,
            secs: street_secs(m, speed),
            streets: g.street_names(&path),
            geometry,
            along_streets: true,
        })
    }
}

/// "along NW 6th Ave, then SW Oak St" (at most five names; more are summarised).
pub fn along_text(streets: &[String]) -> String {
    match streets.len() {
        0 => String::new(),
        1 => format!("along {}", streets[0]),
        n if n <= 5 => format!(
            "along {}, then {}",
            streets[..n - 1].join(", then "),
            streets[n - 1]
        ),
        n => format!(
            "along {}, … ({} more), then {}",
            streets[..3].join(", then "),
            n - 4,
            streets[n - 1]
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_map_builds_and_snaps() {
        let g = build_graph(BUNDLED_MAP, BUNDLED_MAP_NAME).unwrap();
        assert!(g.ways > 5000 && g.edges.len() > 30_000, "{} ways", g.ways);
        // New Relic's entrance on SW 5th & Oak snaps within a street's width.
        let s = g
            .snap(45.52175, -122.67590, MAX_SNAP_M, Profile::default())
            .unwrap();
        assert!(s.dist < 30.0, "{s:?}");
        // Mid-Pacific is off the map.
        assert!(
            g.snap(40.0, -140.0, MAX_SNAP_M, Profile::default())
                .is_none()
        );
    }
}
