//! The pedestrian graph: which OSM ways people may walk on (the tag rules), the graph built
//! from them (nodes with real coordinates, edges with haversine lengths, CSR adjacency), a grid
//! over the edges for snapping a point onto the nearest point of a walkable segment, and the
//! bounded shortest-path search everything else is built on.
//!
//! Walking is two-way on every way (a `oneway` street is oneway for vehicles; pedestrians
//! walk both sides), so one search from a place serves both access and egress.

use super::osm::{OsmData, Way};
use super::straight::{Projection, distance_m};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// What kind of way an edge belongs to: how an unnamed way is described, and what the
/// wheelchair profile avoids.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WayKind {
    Footway,
    Sidewalk,
    Crossing,
    Path,
    Steps,
    Pedestrian,
    Street,
    Service,
    Cycleway,
    Track,
    Platform,
    Corridor,
    MajorRoad,
}

impl WayKind {
    /// How to call an unnamed way of this kind in directions.
    pub fn describe(self) -> &'static str {
        match self {
            WayKind::Footway => "footway",
            WayKind::Sidewalk => "sidewalk",
            WayKind::Crossing => "crosswalk",
            WayKind::Path => "path",
            WayKind::Steps => "steps",
            WayKind::Pedestrian => "pedestrian street",
            WayKind::Street => "street",
            WayKind::Service => "service road",
            WayKind::Cycleway => "cycleway",
            WayKind::Track => "track",
            WayKind::Platform => "platform",
            WayKind::Corridor => "corridor",
            WayKind::MajorRoad => "road",
        }
    }
}

/// The way is steps (`highway=steps`).
pub const STEPS: u8 = 1;
/// The way is tagged `wheelchair=no`.
pub const WHEELCHAIR_NO: u8 = 2;
/// The way carries any `wheelchair=*` tag (the map has information).
pub const WHEELCHAIR_TAGGED: u8 = 4;

/// The tag rules (ARCHITECTURE.md lists them with the reasons): `Some(kind, flags)` when people
/// may walk on the way.
pub fn classify(way: &Way) -> Option<(WayKind, u8)> {
    let hw = way.tag("highway")?;
    let foot = way.tag("foot");
    let foot_yes = matches!(foot, Some("yes" | "designated" | "permissive"));
    // `use_sidepath`: pedestrians must use the separately mapped sidewalk.
    if matches!(foot, Some("no" | "use_sidepath")) {
        return None;
    }
    if matches!(way.tag("access"), Some("no" | "private")) && !foot_yes {
        return None;
    }
    let has_sidewalk = matches!(
        way.tag("sidewalk"),
        Some("both" | "left" | "right" | "yes" | "separate")
    );
    let kind = match hw {
        "footway" => match way.tag("footway") {
            Some("sidewalk") => WayKind::Sidewalk,
            Some("crossing") => WayKind::Crossing,
            _ => WayKind::Footway,
        },
        "path" | "bridleway" => WayKind::Path,
        "steps" => WayKind::Steps,
        "pedestrian" => WayKind::Pedestrian,
        "residential" | "unclassified" | "living_street" | "road" => WayKind::Street,
        "service" => WayKind::Service,
        "cycleway" => WayKind::Cycleway,
        "track" => WayKind::Track,
        "platform" => WayKind::Platform,
        "corridor" => WayKind::Corridor,
        "primary" | "primary_link" | "secondary" | "secondary_link" | "tertiary"
        | "tertiary_link" => WayKind::MajorRoad,
        // Expressways: only with a sidewalk or an explicit foot permission.
        "trunk" | "trunk_link" if has_sidewalk || foot_yes => WayKind::MajorRoad,
        // Motorways never, unless the way itself says pedestrians may use it.
        "motorway" | "motorway_link" if foot_yes => WayKind::MajorRoad,
        _ => return None,
    };
    let mut flags = 0;
    if kind == WayKind::Steps {
        flags |= STEPS;
    }
    if let Some(w) = way.tag("wheelchair") {
        flags |= WHEELCHAIR_TAGGED;
        if w == "no" {
            flags |= WHEELCHAIR_NO;
        }
    }
    Some((kind, flags))
}

/// No name: the way is described by its kind.
pub const NO_NAME: u32 = u32::MAX;

/// One walkable segment between two consecutive nodes of a way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    pub a: u32,
    pub b: u32,
    /// Haversine metres between the two nodes.
    pub len: f64,
    /// Index into [`StreetGraph::names`], or [`NO_NAME`].
    pub name: u32,
    pub kind: WayKind,
    pub flags: u8,
}

impl Edge {
    /// The other end.
    #[inline]
    pub fn other(&self, n: u32) -> u32 {
        if n == self.a { self.b } else { self.a }
    }
}

/// Which ways a search may use.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// No steps, nothing tagged `wheelchair=no`.
    pub wheelchair: bool,
}

impl Profile {
    #[inline]
    pub fn allows(&self, e: &Edge) -> bool {
        !(self.wheelchair && e.flags & (STEPS | WHEELCHAIR_NO) != 0)
    }
}

/// A uniform grid over the edges, in projected metres: serializable (so the cached graph needs
/// no index rebuilt on load) and exact for "every edge within r of a point".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    pub cell: f64,
    /// Sorted cell keys, with CSR `start` into `items` (edge ids).
    pub keys: Vec<u64>,
    pub start: Vec<u32>,
    pub items: Vec<u32>,
}

fn cell_key(cx: i64, cy: i64) -> u64 {
    ((cx as i32 as u32 as u64) << 32) | (cy as i32 as u32 as u64)
}

impl Grid {
    fn cells_of(&self, key: u64) -> &[u32] {
        match self.keys.binary_search(&key) {
            Ok(i) => &self.items[self.start[i] as usize..self.start[i + 1] as usize],
            Err(_) => &[],
        }
    }
}

/// The compiled pedestrian graph.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StreetGraph {
    pub lat: Vec<f64>,
    pub lon: Vec<f64>,
    pub edges: Vec<Edge>,
    /// Edges at each node: CSR.
    pub adj_start: Vec<u32>,
    pub adj: Vec<u32>,
    pub names: Vec<String>,
    pub proj: Projection,
    pub grid: Grid,
    /// (min lat, min lon, max lat, max lon) of the nodes.
    pub bbox: [f64; 4],
    /// Ways with any `wheelchair=*` tag: 0 means the map says nothing about accessibility.
    pub wheelchair_tagged_ways: u32,
    /// Walkable ways read.
    pub ways: u32,
}

/// A point snapped onto an edge.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Snap {
    pub edge: u32,
    /// Position along the edge from `a` (0) to `b` (1).
    pub t: f64,
    /// The snapped point.
    pub lat: f64,
    pub lon: f64,
    /// Metres from the original point to the snapped point (walked in a straight line).
    pub dist: f64,
}

/// The result of a bounded search: metres from the sources to each node (`INFINITY` when not
/// reached within the bound) and the edge each node was reached by.
#[derive(Clone, Debug)]
pub struct Tree {
    pub dist: Vec<f64>,
    pub pred: Vec<u32>,
    pub limit: f64,
}

/// A walk along the graph.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    /// Metres along the graph, snaps excluded.
    pub metres: f64,
    /// Edges in walking order (the first and last may be partly walked).
    pub edges: Vec<u32>,
    /// (lat, lon) of every point, the snapped ends included.
    pub points: Vec<(f64, f64)>,
}

const NONE: u32 = u32::MAX;
/// Unnamed pieces of a walk shorter than this are not worth naming in directions.
pub const SHORT_UNNAMED_M: f64 = 60.0;
/// Grid cell size in metres.
const CELL_M: f64 = 100.0;

impl StreetGraph {
    /// Builds the graph from a map read by [`super::osm`]. Errors when nothing is walkable.
    pub fn build(data: &OsmData) -> Result<StreetGraph, String> {
        let mut g = StreetGraph::default();
        let mut index: HashMap<i64, u32> = HashMap::new();
        let mut names: HashMap<String, u32> = HashMap::new();
        for way in &data.ways {
            let Some((kind, flags)) = classify(way) else {
                continue;
            };
            g.ways += 1;
            if flags & WHEELCHAIR_TAGGED != 0 {
                g.wheelchair_tagged_ways += 1;
            }
            let name = match way.tag("name").or(way.tag("ref")) {
                Some(n) if !n.trim().is_empty() => {
                    let next = names.len() as u32;
                    *names.entry(n.trim().to_string()).or_insert_with(|| {
                        g.names.push(n.trim().to_string());
                        next
                    })
                }
                _ => NO_NAME,
            };
            let mut prev: Option<u32> = None;
            for id in &way.nodes {
                let Some(&(lat, lon)) = data.nodes.get(id) else {
                    // A node missing from an extract cuts the way there.
                    prev = None;
                    continue;
                };
                let n = *index.entry(*id).or_insert_with(|| {
                    g.lat.push(lat);
                    g.lon.push(lon);
                    g.lat.len() as u32 - 1
                });
                if let Some(p) = prev
                    && p != n
                {
                    let len = distance_m(
                        g.lat[p as usize],
                        g.lon[p as usize],
                        g.lat[n as usize],
                        g.lon[n as usize],
                    );
                    g.edges.push(Edge {
                        a: p,
                        b: n,
                        len,
                        name,
                        kind,
                        flags,
                    });
                }
                prev = Some(n);
            }
        }
        if g.edges.is_empty() {
            return Err(
                "no walkable ways in the map (footways, paths, steps, residential or service streets, roads without foot=no)"
                    .into(),
            );
        }
        // Adjacency.
        let n = g.lat.len();
        let mut deg = vec![0u32; n + 1];
        for e in &g.edges {
            deg[e.a as usize + 1] += 1;
            deg[e.b as usize + 1] += 1;
        }
        for i in 0..n {
            deg[i + 1] += deg[i];
        }
        let mut fill = deg.clone();
        g.adj = vec![0; g.edges.len() * 2];
        for (i, e) in g.edges.iter().enumerate() {
            for end in [e.a, e.b] {
                g.adj[fill[end as usize] as usize] = i as u32;
                fill[end as usize] += 1;
            }
        }
        g.adj_start = deg;
        g.proj = Projection::around_mean(g.lat.iter().copied());
        g.bbox = [
            g.lat.iter().copied().fold(f64::INFINITY, f64::min),
            g.lon.iter().copied().fold(f64::INFINITY, f64::min),
            g.lat.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            g.lon.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        ];
        g.grid = g.build_grid();
        Ok(g)
    }

    fn xy(&self, n: u32) -> [f64; 2] {
        self.proj.xy(self.lat[n as usize], self.lon[n as usize])
    }

    fn build_grid(&self) -> Grid {
        let cell = CELL_M;
        let mut pairs: Vec<(u64, u32)> = Vec::new();
        for (i, e) in self.edges.iter().enumerate() {
            let (p, q) = (self.xy(e.a), self.xy(e.b));
            let (x0, x1) = (
                (p[0].min(q[0]) / cell).floor(),
                (p[0].max(q[0]) / cell).floor(),
            );
            let (y0, y1) = (
                (p[1].min(q[1]) / cell).floor(),
                (p[1].max(q[1]) / cell).floor(),
            );
            for cx in x0 as i64..=x1 as i64 {
                for cy in y0 as i64..=y1 as i64 {
                    // Only the cells the segment comes near (a long diagonal crosses few of
                    // its bounding box's cells).
                    let c = [(cx as f64 + 0.5) * cell, (cy as f64 + 0.5) * cell];
                    if seg_dist(c, p, q).0 <= cell * std::f64::consts::FRAC_1_SQRT_2 + 1e-6 {
                        pairs.push((cell_key(cx, cy), i as u32));
                    }
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        let mut g = Grid {
            cell,
            ..Grid::default()
        };
        g.start.push(0);
        for (k, e) in pairs {
            if g.keys.last() != Some(&k) {
                if !g.keys.is_empty() {
                    g.start.push(g.items.len() as u32);
                }
                g.keys.push(k);
            }
            g.items.push(e);
        }
        g.start.push(g.items.len() as u32);
        g
    }

    /// Edges at node `n`.
    #[inline]
    pub fn edges_at(&self, n: u32) -> &[u32] {
        &self.adj[self.adj_start[n as usize] as usize..self.adj_start[n as usize + 1] as usize]
    }

    /// How to call edge `e` in directions: its name, else its kind.
    pub fn label(&self, e: u32) -> &str {
        let e = &self.edges[e as usize];
        match self.names.get(e.name as usize) {
            Some(n) => n,
            None => e.kind.describe(),
        }
    }

    /// Whether the point lies within the map's area (its nodes' bounding box, with `margin_m`).
    pub fn covers(&self, lat: f64, lon: f64, margin_m: f64) -> bool {
        let dlat = margin_m / 110_540.0;
        let dlon = margin_m / self.proj.kx.max(1.0);
        lat >= self.bbox[0] - dlat
            && lat <= self.bbox[2] + dlat
            && lon >= self.bbox[1] - dlon
            && lon <= self.bbox[3] + dlon
    }

    /// The nearest point of an edge the profile allows, within `max_m` metres: a projection
    /// onto the segment, not the nearest node. Ties go to the lower edge id.
    pub fn snap(&self, lat: f64, lon: f64, max_m: f64, profile: Profile) -> Option<Snap> {
        if !(lat.is_finite() && lon.is_finite()) || self.edges.is_empty() {
            return None;
        }
        let p = self.proj.xy(lat, lon);
        let cell = self.grid.cell;
        let reach = max_m * 1.02 + 1.0;
        let r = (reach / cell).ceil() as i64;
        let (cx, cy) = ((p[0] / cell).floor() as i64, (p[1] / cell).floor() as i64);
        let mut best: Option<(f64, u32, f64)> = None;
        for x in cx - r..=cx + r {
            for y in cy - r..=cy + r {
                for &e in self.grid.cells_of(cell_key(x, y)) {
                    let edge = &self.edges[e as usize];
                    if !profile.allows(edge) {
                        continue;
                    }
                    let (d, t) = seg_dist(p, self.xy(edge.a), self.xy(edge.b));
                    let better = match best {
                        None => true,
                        Some((bd, be, _)) => d < bd || (d == bd && e < be),
                    };
                    if better {
                        best = Some((d, e, t));
                    }
                }
            }
        }
        let (d, e, t) = best?;
        if d > reach {
            return None;
        }
        let edge = &self.edges[e as usize];
        let (pa, pb) = (self.xy(edge.a), self.xy(edge.b));
        let (slat, slon) = self
            .proj
            .latlon([pa[0] + t * (pb[0] - pa[0]), pa[1] + t * (pb[1] - pa[1])]);
        let dist = distance_m(lat, lon, slat, slon);
        (dist <= max_m).then_some(Snap {
            edge: e,
            t,
            lat: slat,
            lon: slon,
            dist,
        })
    }

    /// The graph nodes a snapped point starts from, with the metres along its edge.
    pub fn sources(&self, s: &Snap) -> [(u32, f64); 2] {
        let e = &self.edges[s.edge as usize];
        [(e.a, s.t * e.len), (e.b, (1.0 - s.t) * e.len)]
    }

    /// Dijkstra from `sources` over the edges the profile allows, up to `limit` metres.
    pub fn grow(&self, sources: &[(u32, f64)], limit: f64, profile: Profile) -> Tree {
        let n = self.lat.len();
        let mut dist = vec![f64::INFINITY; n];
        let mut pred = vec![NONE; n];
        let mut heap: BinaryHeap<Reverse<(u64, u32)>> = BinaryHeap::new();
        for &(s, d) in sources {
            if d <= limit && d < dist[s as usize] {
                dist[s as usize] = d;
                heap.push(Reverse((d.to_bits(), s)));
            }
        }
        // Non-negative f64 bit patterns order like the numbers.
        while let Some(Reverse((bits, u))) = heap.pop() {
            let d = f64::from_bits(bits);
            if d > dist[u as usize] {
                continue;
            }
            for &e in self.edges_at(u) {
                let edge = &self.edges[e as usize];
                if !profile.allows(edge) {
                    continue;
                }
                let v = edge.other(u);
                let nd = d + edge.len;
                if nd <= limit && nd < dist[v as usize] {
                    dist[v as usize] = nd;
                    pred[v as usize] = e;
                    heap.push(Reverse((nd.to_bits(), v)));
                }
            }
        }
        Tree { dist, pred, limit }
    }

    /// Metres along the graph from the tree's origin `from` to the snapped point `to` (snap
    /// distances excluded), with how it ends: `None` walked along the shared edge, `Some(n)`
    /// through node `n`.
    fn reach_end(&self, tree: &Tree, from: &Snap, to: &Snap) -> Option<(f64, Option<u32>)> {
        let e = &self.edges[to.edge as usize];
        let mut best: Option<(f64, Option<u32>)> = None;
        if from.edge == to.edge {
            best = Some(((from.t - to.t).abs() * e.len, None));
        }
        for (n, along) in [(e.a, to.t * e.len), (e.b, (1.0 - to.t) * e.len)] {
            let d = tree.dist[n as usize] + along;
            if d.is_finite() && best.is_none_or(|(b, _)| d < b) {
                best = Some((d, Some(n)));
            }
        }
        best.filter(|(d, _)| *d <= tree.limit)
    }

    /// Metres along the graph between two snapped points (snaps excluded), given the tree grown
    /// from `from`.
    pub fn reach(&self, tree: &Tree, from: &Snap, to: &Snap) -> Option<f64> {
        self.reach_end(tree, from, to).map(|(d, _)| d)
    }

    /// The walk itself: edges and points from `from` to `to`.
    pub fn path(&self, tree: &Tree, from: &Snap, to: &Snap) -> Option<Path> {
        let (metres, end) = self.reach_end(tree, from, to)?;
        let mut points = vec![(from.lat, from.lon)];
        let mut edges = Vec::new();
        if let Some(end) = end {
            let mut chain = Vec::new();
            let mut nodes = vec![end];
            let mut v = end;
            // Each step moves to a strictly nearer node, so this ends.
            while tree.pred[v as usize] != NONE {
                let e = tree.pred[v as usize];
                chain.push(e);
                v = self.edges[e as usize].other(v);
                nodes.push(v);
            }
            chain.reverse();
            nodes.reverse();
            // The snapped ends' edges count when some of them is walked (not a snap exactly on
            // the node the path leaves from).
            let part = |s: &Snap, n: u32| {
                let e = &self.edges[s.edge as usize];
                if n == e.a {
                    s.t * e.len
                } else {
                    (1.0 - s.t) * e.len
                }
            };
            if part(from, nodes[0]) > 0.5 {
                edges.push(from.edge);
            }
            edges.extend(chain);
            if part(to, end) > 0.5 {
                edges.push(to.edge);
            }
            for n in nodes {
                points.push((self.lat[n as usize], self.lon[n as usize]));
            }
        } else {
            edges.push(from.edge);
        }
        points.push((to.lat, to.lon));
        points.dedup();
        edges.dedup();
        Some(Path {
            metres,
            edges,
            points,
        })
    }

    /// The street names of a path in order, consecutive repeats merged. Short unnamed pieces
    /// (a crosswalk, a few metres of footway, under [`SHORT_UNNAMED_M`]) between named
    /// streets are left out: "SW 5th Ave, then crosswalk, then SW 5th Ave" is "SW 5th Ave".
    pub fn street_names(&self, path: &Path) -> Vec<String> {
        // (label, named, metres)
        fn merge(v: Vec<(String, bool, f64)>) -> Vec<(String, bool, f64)> {
            let mut out: Vec<(String, bool, f64)> = Vec::new();
            for r in v {
                match out.last_mut() {
                    Some(last) if last.0 == r.0 => last.2 += r.2,
                    _ => out.push(r),
                }
            }
            out
        }
        let runs = merge(
            path.edges
                .iter()
                .map(|&e| {
                    let edge = &self.edges[e as usize];
                    (self.label(e).to_string(), edge.name != NO_NAME, edge.len)
                })
                .collect(),
        );
        let runs = if runs.iter().any(|r| r.1) {
            merge(
                runs.into_iter()
                    .filter(|r| r.1 || r.2 >= SHORT_UNNAMED_M)
                    .collect(),
            )
        } else {
            runs
        };
        runs.into_iter().map(|r| r.0).collect()
    }
}

/// Distance from `p` to the segment `a`–`b` in the plane, and the position `t` in [0, 1] of
/// the nearest point.
fn seg_dist(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> (f64, f64) {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let l2 = dx * dx + dy * dy;
    let t = if l2 > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / l2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (qx, qy) = (a[0] + t * dx, a[1] + t * dy);
    (((p[0] - qx).powi(2) + (p[1] - qy).powi(2)).sqrt(), t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn way(tags: &[(&str, &str)]) -> Way {
        Way {
            id: 1,
            nodes: vec![1, 2],
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn tag_rules() {
        let walk = |t: &[(&str, &str)]| classify(&way(t)).map(|(k, _)| k);
        assert_eq!(walk(&[("highway", "footway")]), Some(WayKind::Footway));
        assert_eq!(
            walk(&[("highway", "footway"), ("footway", "sidewalk")]),
            Some(WayKind::Sidewalk)
        );
        assert_eq!(walk(&[("highway", "residential")]), Some(WayKind::Street));
        assert_eq!(walk(&[("highway", "primary")]), Some(WayKind::MajorRoad));
        assert_eq!(walk(&[("highway", "primary"), ("foot", "no")]), None);
        assert_eq!(walk(&[("highway", "motorway")]), None);
        assert_eq!(
            walk(&[("highway", "motorway"), ("foot", "yes")]),
            Some(WayKind::MajorRoad)
        );
        assert_eq!(walk(&[("highway", "trunk")]), None);
        assert_eq!(
            walk(&[("highway", "trunk"), ("sidewalk", "both")]),
            Some(WayKind::MajorRoad)
        );
        assert_eq!(walk(&[("highway", "service"), ("access", "private")]), None);
        assert_eq!(
            walk(&[
                ("highway", "service"),
                ("access", "private"),
                ("foot", "permissive")
            ]),
            Some(WayKind::Service)
        );
        assert_eq!(walk(&[("highway", "construction")]), None);
        assert_eq!(walk(&[("building", "yes")]), None);
        let steps = classify(&way(&[("highway", "steps")])).unwrap();
        assert_eq!(steps.1 & STEPS, STEPS);
        let no = classify(&way(&[("highway", "footway"), ("wheelchair", "no")])).unwrap();
        assert_eq!(no.1 & WHEELCHAIR_NO, WHEELCHAIR_NO);
        assert!(!Profile { wheelchair: true }.allows(&Edge {
            a: 0,
            b: 1,
            len: 1.0,
            name: NO_NAME,
            kind: WayKind::Steps,
            flags: STEPS
        }));
    }

    #[test]
    fn segment_projection() {
        let (d, t) = seg_dist([5.0, 3.0], [0.0, 0.0], [10.0, 0.0]);
        assert!((d - 3.0).abs() < 1e-12 && (t - 0.5).abs() < 1e-12);
        let (d, t) = seg_dist([-4.0, 3.0], [0.0, 0.0], [10.0, 0.0]);
        assert!((d - 5.0).abs() < 1e-12 && t == 0.0);
    }
}
