//! Properties comparing the street graph's shortest walks with a slow, plain reference: a
//! Dijkstra over an adjacency list built straight from the `.osm` XML of a random small map,
//! with the tag rules for the map's small vocabulary written out here independently. Random
//! maps are grids (about 50 m, jittered) with random ways along grid lines and random tags
//! (motorways, `foot=no`, `access=private` with or without `foot=yes`, steps, `wheelchair=no`).
//!
//! The product is asked node to node (a point exactly on a node snaps onto it), unbounded and
//! bounded, with and without the wheelchair profile, and must agree with the reference.

use gethere::walk::{Profile, build_graph};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const CASES: u32 = 300;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES)
}

const HIGHWAYS: [&str; 8] = [
    "footway",
    "residential",
    "steps",
    "motorway",
    "service",
    "primary",
    "path",
    "construction",
];

#[derive(Clone, Debug)]
struct RandomWay {
    start: (usize, usize),
    moves: Vec<u8>,
    highway: usize,
    foot: u8,
    private: bool,
    wheelchair_no: bool,
}

#[derive(Clone, Debug)]
struct RandomMap {
    w: usize,
    h: usize,
    jitter: Vec<(f64, f64)>,
    ways: Vec<RandomWay>,
}

fn random_map() -> impl Strategy<Value = RandomMap> {
    (2usize..6, 2usize..6).prop_flat_map(|(w, h)| {
        let way = (
            (0..w, 0..h),
            prop::collection::vec(0u8..4, 1..7),
            0..HIGHWAYS.len(),
            0u8..6,
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.15),
        )
            .prop_map(
                |(start, moves, highway, foot, private, wheelchair_no)| RandomWay {
                    start,
                    moves,
                    highway,
                    foot,
                    private,
                    wheelchair_no,
                },
            );
        (
            Just(w),
            Just(h),
            prop::collection::vec((-5.0f64..5.0, -5.0f64..5.0), w * h),
            prop::collection::vec(way, 1..14),
        )
            .prop_map(|(w, h, jitter, ways)| RandomMap { w, h, jitter, ways })
    })
}

impl RandomMap {
    fn node_id(&self, x: usize, y: usize) -> i64 {
        (y * self.w + x) as i64 + 1
    }

    fn coord(&self, x: usize, y: usize) -> (f64, f64) {
        let (jx, jy) = self.jitter[y * self.w + x];
        let lat = 45.0 + (y as f64 * 50.0 + jy) / 111_000.0;
        let lon = -122.0 + (x as f64 * 50.0 + jx) / 78_700.0;
        (lat, lon)
    }

    /// The map as `.osm` XML. Moves off the grid are skipped.
    fn xml(&self) -> String {
        let mut s = String::from("<?xml version=\"1.0\"?>\n<osm version=\"0.6\">\n");
        for y in 0..self.h {
            for x in 0..self.w {
                let (lat, lon) = self.coord(x, y);
                s.push_str(&format!(
                    "  <node id=\"{}\" lat=\"{lat:.9}\" lon=\"{lon:.9}\"/>\n",
                    self.node_id(x, y)
                ));
            }
        }
        for (i, w) in self.ways.iter().enumerate() {
            s.push_str(&format!("  <way id=\"{}\">\n", i + 1));
            let (mut x, mut y) = w.start;
            s.push_str(&format!("    <nd ref=\"{}\"/>\n", self.node_id(x, y)));
            for m in &w.moves {
                let (nx, ny) = match m {
                    0 => (x + 1, y),
                    1 => (x.wrapping_sub(1), y),
                    2 => (x, y + 1),
                    _ => (x, y.wrapping_sub(1)),
                };
                if nx < self.w && ny < self.h {
                    (x, y) = (nx, ny);
                    s.push_str(&format!("    <nd ref=\"{}\"/>\n", self.node_id(x, y)));
                }
            }
            s.push_str(&format!(
                "    <tag k=\"highway\" v=\"{}\"/>\n",
                HIGHWAYS[w.highway]
            ));
            match w.foot {
                0 => s.push_str("    <tag k=\"foot\" v=\"no\"/>\n"),
                1 => s.push_str("    <tag k=\"foot\" v=\"yes\"/>\n"),
                _ => {}
            }
            if w.private {
                s.push_str("    <tag k=\"access\" v=\"private\"/>\n");
            }
            if w.wheelchair_no {
                s.push_str("    <tag k=\"wheelchair\" v=\"no\"/>\n");
            }
            s.push_str("  </way>\n");
        }
        s.push_str("</osm>\n");
        s
    }
}

fn hav(a: (f64, f64), b: (f64, f64)) -> f64 {
    let r = 6_371_008.8_f64;
    let (p1, p2) = (a.0.to_radians(), b.0.to_radians());
    let dp = (b.0 - a.0).to_radians();
    let dl = (b.1 - a.1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().asin()
}

/// The reference: an adjacency list read from the XML with quick-xml, the tag rules of this
/// vocabulary, and an O(n²) Dijkstra.
struct Reference {
    coords: BTreeMap<i64, (f64, f64)>,
    /// node → [(neighbour, metres)]
    adj: BTreeMap<i64, Vec<(i64, f64)>>,
}

impl Reference {
    fn from_xml(xml: &str, wheelchair: bool) -> Reference {
        use quick_xml::events::Event;
        let mut r = quick_xml::Reader::from_str(xml);
        let mut coords = BTreeMap::new();
        let mut ways: Vec<(Vec<i64>, BTreeMap<String, String>)> = Vec::new();
        let attr = |e: &quick_xml::events::BytesStart, k: &[u8]| -> String {
            e.attributes()
                .flatten()
                .find(|a| a.key.as_ref() == k)
                .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                .unwrap_or_default()
        };
        loop {
            match r.read_event().unwrap() {
                Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                    b"node" => {
                        coords.insert(
                            attr(&e, b"id").parse().unwrap(),
                            (
                                attr(&e, b"lat").parse().unwrap(),
                                attr(&e, b"lon").parse().unwrap(),
                            ),
                        );
                    }
                    b"way" => ways.push((Vec::new(), BTreeMap::new())),
                    b"nd" => ways
                        .last_mut()
                        .unwrap()
                        .0
                        .push(attr(&e, b"ref").parse().unwrap()),
                    b"tag" => {
                        ways.last_mut()
                            .unwrap()
                            .1
                            .insert(attr(&e, b"k"), attr(&e, b"v"));
                    }
                    _ => {}
                },
                Event::Eof => break,
                _ => {}
            }
        }
        let mut adj: BTreeMap<i64, Vec<(i64, f64)>> = BTreeMap::new();
        for (nodes, tags) in &ways {
            let t = |k: &str| tags.get(k).map(String::as_str);
            let foot_yes = t("foot") == Some("yes");
            let hw = t("highway").unwrap_or("");
            let highway_ok = match hw {
                "footway" | "residential" | "steps" | "service" | "primary" | "path" => true,
                "motorway" => foot_yes,
                _ => false,
            };
            let barred = t("foot") == Some("no") || (t("access") == Some("private") && !foot_yes);
            let wheelchair_barred = wheelchair && (hw == "steps" || t("wheelchair") == Some("no"));
            let walkable = highway_ok && !barred && !wheelchair_barred;
            if !walkable {
                continue;
            }
            for w in nodes.windows(2) {
                if w[0] == w[1] {
                    continue;
                }
                let d = hav(coords[&w[0]], coords[&w[1]]);
                adj.entry(w[0]).or_default().push((w[1], d));
                adj.entry(w[1]).or_default().push((w[0], d));
            }
        }
        Reference { coords, adj }
    }

    fn dijkstra(&self, from: i64) -> BTreeMap<i64, f64> {
        let mut dist: BTreeMap<i64, f64> = BTreeMap::new();
        let mut done: BTreeSet<i64> = BTreeSet::new();
        dist.insert(from, 0.0);
        while let Some((&u, &d)) = dist
            .iter()
            .filter(|(n, _)| !done.contains(n))
            .min_by(|a, b| a.1.total_cmp(b.1))
        {
            done.insert(u);
            for &(v, w) in self.adj.get(&u).map(Vec::as_slice).unwrap_or(&[]) {
                let nd = d + w;
                if dist.get(&v).is_none_or(|&old| nd < old) {
                    dist.insert(v, nd);
                }
            }
        }
        dist
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn shortest_walks_match_the_reference(
        m in random_map(),
        picks in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 1..6),
        wheelchair in any::<bool>(),
        bound in 0.0f64..400.0,
    ) {
        let xml = m.xml();
        let reference = Reference::from_xml(&xml, wheelchair);
        let product = build_graph(xml.as_bytes(), "random.osm");
        // The product's graph ignores the profile; the reference's any-profile graph says
        // whether there is anything walkable at all.
        let any = Reference::from_xml(&xml, false);
        if any.adj.is_empty() {
            prop_assert!(product.is_err(), "nothing walkable must be an error");
            return Ok(());
        }
        let g = product.expect("a map with walkable ways builds");
        let nodes: Vec<i64> = reference.adj.keys().copied().collect();
        prop_assume!(!nodes.is_empty());
        let profile = Profile { wheelchair };
        for (a, b) in picks {
            let (a, b) = (nodes[a.index(nodes.len())], nodes[b.index(nodes.len())]);
            let want = reference.dijkstra(a).get(&b).copied();
            let (pa, pb) = (reference.coords[&a], reference.coords[&b]);
            let from = g.snap(pa.0, pa.1, 300.0, profile).expect("a node of the map snaps");
            let to = g.snap(pb.0, pb.1, 300.0, profile).expect("a node of the map snaps");
            prop_assert!(from.dist < 1e-3 && to.dist < 1e-3, "{from:?} {to:?}");
            let tree = g.grow(&g.sources(&from), f64::INFINITY, profile);
            let got = g.reach(&tree, &from, &to).map(|d| d + from.dist + to.dist);
            match (got, want) {
                (Some(x), Some(y)) => prop_assert!((x - y).abs() < 1e-3, "{a}→{b}: product {x}, reference {y}\n{xml}"),
                (None, None) => {}
                _ => prop_assert!(false, "{a}→{b}: product {got:?}, reference {want:?}\n{xml}"),
            }
            // Bounded: reached within the bound exactly when the reference says so.
            if let Some(y) = want && (y - bound).abs() > 1e-3 {
                let tree = g.grow(&g.sources(&from), bound - from.dist, profile);
                let got = g.reach(&tree, &from, &to);
                prop_assert_eq!(got.is_some(), y <= bound, "{}→{} bound {}: reference {}", a, b, bound, y);
            }
        }
    }
}
