//! Maps people can look at: a small area around a venue, a set of stops, or an itinerary,
//! drawn as a self-contained SVG (no tiles, scripts or fonts from elsewhere).
//!
//! Two steps, one model:
//! - [`Scene`] says *what* to show in geographic terms (places, stops, walks, rides, whether
//!   to draw the lines serving the stops), built by `announce`, `plan` and `stops`;
//! - [`Map::build`] resolves it against the timetable and the street map into a [`Map`]:
//!   the view (projection, scale), every line already in pixels and clipped, and the labels
//!   placed (a greedy placement in priority order that drops what would overlap);
//! - [`svg`] writes the model. Fixed one-decimal coordinates and a fixed drawing order make
//!   the bytes depend on the inputs only.
//!
//! Readable in grayscale: transit lines differ by dash pattern and width as well as colour and
//! are named in a legend; walks are dotted; stops, places and entrances have distinct symbols.
//! Every name is real `<text>` (or a `<title>`), with a `<title>` and `<desc>` for the map.

pub mod scenes;
pub mod svg;

use crate::timetable::{PatternIdx, RouteIdx, StopIdx, Timetable};
use crate::walk::StreetGraph;
use crate::walk::graph::WayKind;

/// What a place marker stands for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum PlaceKind {
    /// The event's venue (a filled square).
    Venue,
    /// Where a journey starts (a ring).
    Start,
    /// Where a journey ends, when it is not a venue (a filled circle).
    End,
}

/// A named point on the map (a venue, a journey's start or end) with its entrances.
#[derive(Clone, Debug)]
pub struct PlaceMark {
    pub name: String,
    pub kind: PlaceKind,
    pub lat: f64,
    pub lon: f64,
    /// (name, lat, lon) of each entrance.
    pub entrances: Vec<(String, f64, f64)>,
}

/// A ride: pattern `pattern` from stop position `from` to `to`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Ride {
    pub pattern: PatternIdx,
    pub from: u32,
    pub to: u32,
}

/// What to show, in geographic terms.
#[derive(Clone, Debug)]
pub struct Scene {
    /// The map's `<title>`.
    pub title: String,
    /// Sentences for the map's `<desc>` (what a screen reader says about it).
    pub desc: Vec<String>,
    /// Size in pixels.
    pub width: u32,
    pub height: u32,
    /// Prefix of every id in the SVG, so several maps can share one HTML page.
    pub id: String,
    pub places: Vec<PlaceMark>,
    /// Stops drawn with a symbol each; labelled by station name, nearest first.
    pub stops: Vec<StopIdx>,
    /// Walks as (lat, lon) lines.
    pub walks: Vec<Vec<(f64, f64)>>,
    /// Rides: drawn along their shapes, in their route's colour.
    pub rides: Vec<Ride>,
    /// Whether the view is fitted around the rides too (a last-mile map shows only where the
    /// ride ends).
    pub rides_in_focus: bool,
    /// Also draw the whole lines of every route serving `stops` (clipped to the map).
    pub lines_at_stops: bool,
    /// Points the view must include besides the places, stops, walks and rides (e.g. a
    /// search radius).
    pub extra_focus: Vec<(f64, f64)>,
    /// Whether the legend explains the symbols (places, stops, walks) besides naming the
    /// lines: a small map beside a bigger one on the same page names its lines only.
    pub legend_symbols: bool,
    /// A sentence printed on the map itself (e.g. that no stop is near), besides the `<desc>`.
    pub note: Option<String>,
    /// The smallest span shown, in metres (a venue map shows its neighbourhood even when the
    /// nearest stop is next door).
    pub min_span_m: f64,
}

impl Scene {
    /// An empty scene of this size.
    pub fn new(id: &str, title: String, width: u32, height: u32) -> Scene {
        Scene {
            title,
            desc: Vec::new(),
            width,
            height,
            id: id.to_string(),
            places: Vec::new(),
            stops: Vec::new(),
            walks: Vec::new(),
            rides: Vec::new(),
            rides_in_focus: true,
            lines_at_stops: false,
            extra_focus: Vec::new(),
            legend_symbols: true,
            note: None,
            min_span_m: 300.0,
        }
    }
}

/// A pixel point.
pub type Px = [f64; 2];

/// A line as (lat, lon) points.
pub type GeoLine = Vec<(f64, f64)>;

/// The view: a local equirectangular projection scaled to pixels, north up.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct View {
    pub lat0: f64,
    pub lon0: f64,
    /// Metres per degree east and north at `lat0`.
    pub kx: f64,
    pub ky: f64,
    /// Metres per pixel.
    pub mpp: f64,
    pub width: f64,
    pub height: f64,
}

impl View {
    /// The view centred on the box of `pts` that shows all of them with a margin, at least
    /// `min_span_m` across.
    pub fn fit(pts: &[(f64, f64)], width: f64, height: f64, min_span_m: f64) -> View {
        let pts: Vec<(f64, f64)> = pts
            .iter()
            .copied()
            .filter(|(a, b)| a.is_finite() && b.is_finite())
            .collect();
        let (mut la0, mut la1, mut lo0, mut lo1) = (90.0f64, -90.0f64, 180.0f64, -180.0f64);
        for &(la, lo) in &pts {
            la0 = la0.min(la);
            la1 = la1.max(la);
            lo0 = lo0.min(lo);
            lo1 = lo1.max(lo);
        }
        if pts.is_empty() {
            (la0, la1, lo0, lo1) = (0.0, 0.0, 0.0, 0.0);
        }
        let lat0 = (la0 + la1) / 2.0;
        let lon0 = (lo0 + lo1) / 2.0;
        let p = crate::walk::Projection::around(lat0);
        let span_x = ((lo1 - lo0) * p.kx).max(min_span_m);
        let span_y = ((la1 - la0) * p.ky).max(min_span_m * height / width);
        // A margin for labels and the symbols' own size: 14% of each side.
        let mpp = (span_x / (width * 0.72)).max(span_y / (height * 0.72));
        View {
            lat0,
            lon0,
            kx: p.kx,
            ky: p.ky,
            mpp,
            width,
            height,
        }
    }

    /// Pixel position of (lat, lon).
    #[inline]
    pub fn px(&self, lat: f64, lon: f64) -> Px {
        [
            self.width / 2.0 + (lon - self.lon0) * self.kx / self.mpp,
            self.height / 2.0 - (lat - self.lat0) * self.ky / self.mpp,
        ]
    }

    /// Is `p` inside the map, with `margin` pixels to spare?
    pub fn inside(&self, p: Px, margin: f64) -> bool {
        p[0] >= margin
            && p[1] >= margin
            && p[0] <= self.width - margin
            && p[1] <= self.height - margin
    }
}

/// How a street is drawn.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum StreetClass {
    /// Footways, paths, steps, cycleways, pedestrian streets: thin.
    Path,
    /// Streets and service roads.
    Minor,
    /// Primary, secondary and tertiary roads: wide.
    Major,
}

/// A transit line as drawn: one path per route.
#[derive(Clone, Debug)]
pub struct LineDraw {
    pub route: RouteIdx,
    pub name: String,
    pub mode: &'static str,
    /// `#rrggbb`.
    pub color: String,
    /// SVG dash array ("" for solid): lines differ in grayscale too.
    pub dash: &'static str,
    pub width: f64,
    pub parts: Vec<Vec<Px>>,
}

/// A stop symbol.
#[derive(Clone, Debug)]
pub struct StopDraw {
    pub at: Px,
    /// The full name and id, for the symbol's `<title>`.
    pub title: String,
    /// Rail stops (light rail, subway, train, streetcar) get a bigger symbol.
    pub rail: bool,
}

/// A place symbol.
#[derive(Clone, Debug)]
pub struct PlaceDraw {
    pub at: Px,
    pub kind: PlaceKind,
    pub name: String,
    pub entrances: Vec<(String, Px)>,
}

/// Label styles.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LabelKind {
    Place,
    Stop,
    Entrance,
    Street,
}

/// A placed label: `at` is the text anchor (start, baseline) before rotation by `angle`
/// degrees about `at`.
#[derive(Clone, Debug)]
pub struct Label {
    pub text: String,
    pub at: Px,
    pub angle: f64,
    pub size: f64,
    pub kind: LabelKind,
    /// The box the placement reserved for it (x0, y0, x1, y1): no two labels' boxes meet.
    pub bbox: [f64; 4],
}

/// A legend row.
#[derive(Clone, Debug)]
pub enum LegendItem {
    Place(PlaceKind, String),
    Stop,
    Walk,
    Line(usize),
    /// "+ N more lines" when there are too many to list (all are named in the description and
    /// in each line's `<title>`).
    More(usize),
}

/// The legend lists at most this many lines.
const MAX_LEGEND_LINES: usize = 8;

/// The resolved map: everything in pixels, labels placed.
#[derive(Clone, Debug)]
pub struct Map {
    pub id: String,
    pub title: String,
    pub desc: String,
    pub view: View,
    /// Street polylines by class (drawn Path, Minor, Major).
    pub streets: Vec<(StreetClass, Vec<Vec<Px>>)>,
    pub lines: Vec<LineDraw>,
    pub walks: Vec<Vec<Px>>,
    pub stops: Vec<StopDraw>,
    pub places: Vec<PlaceDraw>,
    pub labels: Vec<Label>,
    pub legend: Vec<LegendItem>,
    /// Legend box (x, y, w, h).
    pub legend_box: [f64; 4],
    /// Boxes of the legend, scale bar, north arrow and attribution (x0, y0, x1, y1).
    pub furniture: Vec<[f64; 4]>,
    /// Scale bar: length in pixels and its text ("200 m").
    pub scale: (f64, String),
    /// Attribution lines, bottom right.
    pub attribution: Vec<String>,
    /// A sentence shown centred near the bottom.
    pub note: Option<String>,
}

/// Approximate advance of a character, in ems, for the sans-serif fonts maps are shown in
/// (DejaVu Sans is the widest common one; narrower fonts only leave more room).
pub(crate) const EM_ADVANCE: f64 = 0.6;
/// Rows of a two-line label are this many ems apart.
pub(crate) const LINE_HEIGHT: f64 = 1.15;

/// `text` broken at the space nearest its middle ("Portland State University\n(Urban
/// Center)"), if it has one.
fn two_lines(text: &str) -> Option<String> {
    let n = text.chars().count();
    let (i, _) = text
        .char_indices()
        .filter(|&(_, c)| c == ' ')
        .min_by_key(|&(i, _)| (text[..i].chars().count() as i64 - n as i64 / 2).abs())?;
    Some(format!("{}\n{}", &text[..i], &text[i + 1..]))
}

/// Bold text is this much wider than regular (DejaVu Sans Bold against Book).
const BOLD_FACTOR: f64 = 1.15;
const STOP_FONT: f64 = 11.0;
const PLACE_FONT: f64 = 12.5;
const STREET_FONT: f64 = 9.5;
const LEGEND_FONT: f64 = 10.0;
pub(crate) const ATTRIB_FONT: f64 = 8.5;

/// Dash patterns given to lines in turn (solid first), so lines differ without colour.
const DASHES: [&str; 5] = ["", "9 3", "3 2", "12 3 3 3", "6 6"];

/// Text width estimate in pixels.
pub fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * EM_ADVANCE
}

/// A stop's short label: the station's name without a trailing " Station" (and the mode
/// word before it: "SW 5th & Oak MAX Station" → "SW 5th & Oak"), at most 34 characters.
pub fn short_stop_name(name: &str) -> String {
    let mut s = name.trim();
    for suffix in [" Station", " Stn"] {
        if let Some(x) = s.strip_suffix(suffix) {
            s = x;
            for mode in [
                " MAX",
                " Streetcar",
                " Rail",
                " Light Rail",
                " Transit Center",
            ] {
                if let Some(y) = s.strip_suffix(mode)
                    && !y.is_empty()
                {
                    s = y;
                    break;
                }
            }
            break;
        }
    }
    let s = if s.is_empty() { name.trim() } else { s };
    if s.chars().count() > 34 {
        let cut: String = s.chars().take(33).collect();
        format!("{}…", cut.trim_end())
    } else {
        s.to_string()
    }
}

/// A street's name as maps print it: the usual abbreviations of a leading direction and a
/// trailing street type ("Northwest Couch Street" → "NW Couch St"), so more names fit.
pub fn short_street_name(name: &str) -> String {
    let mut words: Vec<&str> = name.split_whitespace().collect();
    if words.len() >= 2 {
        let dir = match words[0] {
            "Northwest" => Some("NW"),
            "Northeast" => Some("NE"),
            "Southwest" => Some("SW"),
            "Southeast" => Some("SE"),
            "North" => Some("N"),
            "South" => Some("S"),
            "East" => Some("E"),
            "West" => Some("W"),
            _ => None,
        };
        if let Some(d) = dir {
            words[0] = d;
        }
        let last = words.len() - 1;
        let kind = match words[last] {
            "Street" => Some("St"),
            "Avenue" => Some("Ave"),
            "Boulevard" => Some("Blvd"),
            "Drive" => Some("Dr"),
            "Road" => Some("Rd"),
            "Parkway" => Some("Pkwy"),
            "Place" => Some("Pl"),
            "Terrace" => Some("Ter"),
            "Court" => Some("Ct"),
            "Lane" => Some("Ln"),
            "Highway" => Some("Hwy"),
            _ => None,
        };
        if let Some(k) = kind {
            words[last] = k;
        }
    }
    words.join(" ")
}

/// Axis-aligned boxes already taken by symbols and labels.
#[derive(Default)]
struct Occupied {
    boxes: Vec<[f64; 4]>,
}

impl Occupied {
    fn free(&self, b: [f64; 4]) -> bool {
        !self
            .boxes
            .iter()
            .any(|o| b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3])
    }
    fn take(&mut self, b: [f64; 4]) {
        self.boxes.push(b);
    }
}

/// Clips a polyline to the rectangle [x0, x1] × [y0, y1] (Liang–Barsky per segment); the
/// visible runs, each with at least two points.
pub fn clip(line: &[Px], r: [f64; 4]) -> Vec<Vec<Px>> {
    let mut out: Vec<Vec<Px>> = Vec::new();
    let mut cur: Vec<Px> = Vec::new();
    for w in line.windows(2) {
        match clip_segment(w[0], w[1], r) {
            Some((a, b)) => {
                if cur.last() != Some(&a) {
                    if cur.len() >= 2 {
                        out.push(std::mem::take(&mut cur));
                    }
                    cur.clear();
                    cur.push(a);
                }
                cur.push(b);
            }
            None => {
                if cur.len() >= 2 {
                    out.push(std::mem::take(&mut cur));
                }
                cur.clear();
            }
        }
    }
    if cur.len() >= 2 {
        out.push(cur);
    }
    out
}

fn clip_segment(a: Px, b: Px, r: [f64; 4]) -> Option<(Px, Px)> {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a[0] - r[0]),
        (dx, r[2] - a[0]),
        (-dy, a[1] - r[1]),
        (dy, r[3] - a[1]),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
            if t0 > t1 {
                return None;
            }
        }
    }
    let at = |t: f64| [a[0] + dx * t, a[1] + dy * t];
    Some((
        if t0 > 0.0 { at(t0) } else { a },
        if t1 < 1.0 { at(t1) } else { b },
    ))
}

/// Pixel polylines rounded to 0.1 px with repeated points dropped (what the SVG will hold),
/// then simplified to a quarter pixel.
fn tidy(line: Vec<Px>) -> Vec<Px> {
    let r = |x: f64| (x * 10.0).round() / 10.0;
    let mut v: Vec<Px> = line.into_iter().map(|p| [r(p[0]), r(p[1])]).collect();
    v.dedup();
    if v.len() > 2 {
        let keep = crate::timetable::shapes::simplify(&v, 0.25);
        v = keep.into_iter().map(|i| v[i]).collect();
    }
    v
}

/// A route's colour from routes.txt, validated (`#rrggbb`); `None` when the feed gives none
/// (or white, which would vanish on the map).
pub fn route_color(c: Option<&str>) -> Option<String> {
    match c {
        Some(c) if c.len() == 6 && c.chars().all(|x| x.is_ascii_hexdigit()) => {
            let c = c.to_ascii_lowercase();
            (c != "ffffff").then(|| format!("#{c}"))
        }
        _ => None,
    }
}

/// Colours for routes the feed gives none (Okabe–Ito, distinguishable with colour-vision
/// deficiencies), taken in drawing order; dash patterns tell them apart in grayscale.
const PALETTE: [&str; 7] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#555555",
];

fn is_rail(route_type: i32) -> bool {
    matches!(route_type, 0..=2 | 5 | 7 | 12 | 100..=199 | 400..=499 | 900..=999)
}

impl Map {
    /// Resolves a scene against the timetable and (when given) the street map.
    ///
    /// The view is fitted around what the scene names; when the legend, scale bar, north
    /// arrow or attribution would cover a stop, place or entrance, the map zooms out a step
    /// and is drawn again (at most a few times).
    pub fn build(tt: &Timetable, streets: Option<&StreetGraph>, scene: &Scene) -> Map {
        let mut zoom = 1.0;
        loop {
            let m = Map::build_at(tt, streets, scene, zoom);
            let covered = m
                .stops
                .iter()
                .map(|s| s.at)
                .chain(m.places.iter().map(|p| p.at))
                .chain(
                    m.places
                        .iter()
                        .flat_map(|p| p.entrances.iter().map(|e| e.1)),
                )
                .any(|p| {
                    m.furniture.iter().any(|b| {
                        p[0] > b[0] - 6.0
                            && p[0] < b[2] + 6.0
                            && p[1] > b[1] - 6.0
                            && p[1] < b[3] + 6.0
                    })
                });
            if !covered || zoom > 1.6 {
                return m;
            }
            zoom *= 1.15;
        }
    }

    fn build_at(tt: &Timetable, streets: Option<&StreetGraph>, scene: &Scene, zoom: f64) -> Map {
        let (w, h) = (scene.width as f64, scene.height as f64);
        // --- the view: everything the scene names must be on the map ---------------------------
        let mut focus: Vec<(f64, f64)> = scene.extra_focus.clone();
        for p in &scene.places {
            focus.push((p.lat, p.lon));
            focus.extend(p.entrances.iter().map(|e| (e.1, e.2)));
        }
        focus.extend(
            scene
                .stops
                .iter()
                .map(|&s| (tt.stop(s).lat, tt.stop(s).lon)),
        );
        for wk in &scene.walks {
            focus.extend(wk.iter().copied());
        }
        let ride_lines: Vec<(Ride, Vec<(f64, f64)>)> = scene
            .rides
            .iter()
            .map(|r| {
                (
                    *r,
                    tt.shapes
                        .ride_line(tt, r.pattern, r.from as usize, r.to as usize),
                )
            })
            .collect();
        if scene.rides_in_focus {
            for (_, l) in &ride_lines {
                focus.extend(l.iter().copied());
            }
        }
        let mut view = View::fit(&focus, w, h, scene.min_span_m);
        view.mpp *= zoom;
        let rect = [-8.0, -8.0, w + 8.0, h + 8.0];
        let project = |pts: &[(f64, f64)]| -> Vec<Px> {
            pts.iter()
                .filter(|(a, b)| a.is_finite() && b.is_finite())
                .map(|&(la, lo)| view.px(la, lo))
                .collect()
        };

        // --- streets: finer classes drop out as the map covers more ground ---------------------
        let mut street_parts: Vec<(StreetClass, Vec<Vec<Px>>)> = vec![
            (StreetClass::Path, Vec::new()),
            (StreetClass::Minor, Vec::new()),
            (StreetClass::Major, Vec::new()),
        ];
        // (class, name, polyline) for street labels.
        let mut named: Vec<(StreetClass, u32, Vec<Px>)> = Vec::new();
        if let Some(g) = streets {
            let class_of = |k: WayKind| match k {
                WayKind::MajorRoad => Some(StreetClass::Major),
                WayKind::Street | WayKind::Service => Some(StreetClass::Minor),
                WayKind::Footway
                | WayKind::Path
                | WayKind::Steps
                | WayKind::Pedestrian
                | WayKind::Cycleway
                | WayKind::Track => Some(StreetClass::Path),
                // Sidewalks and crossings run along and across the streets already drawn;
                // platforms and corridors are inside stations.
                WayKind::Sidewalk | WayKind::Crossing | WayKind::Platform | WayKind::Corridor => {
                    None
                }
            };
            let min_class = if view.mpp > 12.0 {
                None
            } else if view.mpp > 4.0 {
                Some(StreetClass::Major)
            } else if view.mpp > 2.0 {
                Some(StreetClass::Minor)
            } else {
                Some(StreetClass::Path)
            };
            if let Some(min_class) = min_class {
                // Consecutive edges of one way share a node: chain them into one polyline.
                let mut cur: Option<(StreetClass, u32, u32, Vec<Px>)> = None;
                let flush =
                    |c: Option<(StreetClass, u32, u32, Vec<Px>)>,
                     parts: &mut Vec<(StreetClass, Vec<Vec<Px>>)>,
                     named: &mut Vec<(StreetClass, u32, Vec<Px>)>| {
                        if let Some((class, name, _, line)) = c {
                            let pieces = clip(&line, rect);
                            if name != crate::walk::graph::NO_NAME && class >= StreetClass::Minor {
                                for p in &pieces {
                                    named.push((class, name, p.clone()));
                                }
                            }
                            parts[class as usize].1.extend(pieces);
                        }
                    };
                for e in &g.edges {
                    let Some(class) = class_of(e.kind).filter(|c| *c >= min_class) else {
                        continue;
                    };
                    let a = view.px(g.lat[e.a as usize], g.lon[e.a as usize]);
                    let b = view.px(g.lat[e.b as usize], g.lon[e.b as usize]);
                    // Quick reject: both ends off the same side.
                    if (a[0] < rect[0] && b[0] < rect[0])
                        || (a[0] > rect[2] && b[0] > rect[2])
                        || (a[1] < rect[1] && b[1] < rect[1])
                        || (a[1] > rect[3] && b[1] > rect[3])
                    {
                        flush(cur.take(), &mut street_parts, &mut named);
                        continue;
                    }
                    match &mut cur {
                        Some((c, n, last, line)) if *c == class && *n == e.name && *last == e.a => {
                            line.push(b);
                            *last = e.b;
                        }
                        _ => {
                            flush(cur.take(), &mut street_parts, &mut named);
                            cur = Some((class, e.name, e.b, vec![a, b]));
                        }
                    }
                }
                flush(cur.take(), &mut street_parts, &mut named);
            }
            for (_, parts) in &mut street_parts {
                let lines = std::mem::take(parts);
                *parts = lines
                    .into_iter()
                    .map(tidy)
                    .filter(|l| l.len() >= 2)
                    .collect();
            }
        }

        // --- transit lines: one drawing per route --------------------------------------------
        let mut by_route: Vec<(RouteIdx, Vec<GeoLine>)> = Vec::new();
        let mut add = |route: RouteIdx, line: Vec<(f64, f64)>| match by_route
            .iter_mut()
            .find(|(r, _)| *r == route)
        {
            Some((_, v)) => {
                if !v.contains(&line) {
                    v.push(line)
                }
            }
            None => by_route.push((route, vec![line])),
        };
        for (r, l) in &ride_lines {
            add(tt.pattern(r.pattern).route, l.clone());
        }
        if scene.lines_at_stops {
            // Each distinct shape (or stop sequence) of the routes at the stops, once.
            let mut seen: Vec<(RouteIdx, Option<u32>, Vec<StopIdx>)> = Vec::new();
            for &s in &scene.stops {
                for (p, _) in tt.patterns_at(s) {
                    let pat = tt.pattern(p);
                    let shape = tt.shapes.shape_of(p);
                    let key_stops = if shape.is_some() {
                        Vec::new()
                    } else {
                        tt.pattern_stops(pat).to_vec()
                    };
                    if seen
                        .iter()
                        .any(|(r, sh, st)| *r == pat.route && *sh == shape && *st == key_stops)
                    {
                        continue;
                    }
                    seen.push((pat.route, shape, key_stops));
                    add(pat.route, tt.shapes.pattern_line(tt, p));
                }
            }
        }
        by_route.sort_by(|a, b| {
            let (ra, rb) = (&tt.routes[a.0.ix()], &tt.routes[b.0.ix()]);
            is_rail(rb.route_type)
                .cmp(&is_rail(ra.route_type))
                .then_with(|| ra.display_name().cmp(&rb.display_name()))
                .then_with(|| ra.id.cmp(&rb.id))
        });
        let mut lines: Vec<LineDraw> = Vec::new();
        for (route, geo_lines) in by_route {
            let r = &tt.routes[route.ix()];
            let parts: Vec<Vec<Px>> = geo_lines
                .iter()
                .flat_map(|l| clip(&project(l), rect))
                .map(tidy)
                .filter(|l| l.len() >= 2)
                .collect();
            if parts.is_empty() {
                continue;
            }
            let k = lines.len();
            lines.push(LineDraw {
                route,
                name: r.display_name(),
                mode: r.mode_name(),
                color: route_color(r.color.as_deref())
                    .unwrap_or_else(|| PALETTE[k % PALETTE.len()].to_string()),
                dash: DASHES[k % DASHES.len()],
                width: if is_rail(r.route_type) { 5.0 } else { 3.5 },
                parts,
            });
        }

        // --- walks, stops, places ------------------------------------------------------------
        let walks: Vec<Vec<Px>> = scene
            .walks
            .iter()
            .flat_map(|wk| clip(&project(wk), rect))
            .map(tidy)
            .filter(|l| l.len() >= 2)
            .collect();
        let rail_stop = |s: StopIdx| {
            tt.patterns_at(s)
                .any(|(p, _)| is_rail(tt.routes[tt.pattern(p).route.ix()].route_type))
        };
        let mut stops: Vec<StopDraw> = Vec::new();
        let mut stop_labels: Vec<(String, Px)> = Vec::new();
        for &s in &scene.stops {
            let st = tt.stop(s);
            let at = view.px(st.lat, st.lon);
            if !view.inside(at, 0.0) {
                continue;
            }
            let station = st.parent.map(|p| tt.stop(p)).unwrap_or(st);
            stops.push(StopDraw {
                at,
                title: format!("{} (stop {})", st.name, st.id),
                rail: rail_stop(s),
            });
            let label = short_stop_name(&station.name);
            if !stop_labels.iter().any(|(l, _)| *l == label) {
                stop_labels.push((label, at));
            }
        }
        let places: Vec<PlaceDraw> = scene
            .places
            .iter()
            .map(|p| PlaceDraw {
                at: view.px(p.lat, p.lon),
                kind: p.kind,
                name: p.name.clone(),
                entrances: p
                    .entrances
                    .iter()
                    .map(|(n, la, lo)| (n.clone(), view.px(*la, *lo)))
                    .collect(),
            })
            .collect();

        // --- legend, scale bar, attribution: fixed furniture the labels avoid -----------------
        let mut legend: Vec<LegendItem> = Vec::new();
        for p in places.iter().filter(|_| scene.legend_symbols) {
            if !legend
                .iter()
                .any(|l| matches!(l, LegendItem::Place(k, _) if *k == p.kind))
            {
                // The venue's entry names it: its label on the map may not fit among the stops.
                let what = match p.kind {
                    PlaceKind::Venue => p.name.clone(),
                    PlaceKind::Start => "Start".into(),
                    PlaceKind::End => "Destination".into(),
                };
                legend.push(LegendItem::Place(p.kind, what));
            }
        }
        if !stops.is_empty() && scene.legend_symbols {
            legend.push(LegendItem::Stop);
        }
        if !walks.is_empty() && scene.legend_symbols {
            legend.push(LegendItem::Walk);
        }
        if lines.len() <= MAX_LEGEND_LINES {
            legend.extend((0..lines.len()).map(LegendItem::Line));
        } else {
            legend.extend((0..MAX_LEGEND_LINES - 1).map(LegendItem::Line));
            legend.push(LegendItem::More(lines.len() - (MAX_LEGEND_LINES - 1)));
        }
        let legend_text = |l: &LegendItem| match l {
            LegendItem::Place(_, s) => s.clone(),
            LegendItem::Stop => "Stop".into(),
            LegendItem::Walk => "Walk".into(),
            LegendItem::Line(i) => lines[*i].name.clone(),
            LegendItem::More(n) => format!("+ {n} more lines"),
        };
        let legend_w = legend
            .iter()
            .map(|l| text_width(&legend_text(l), LEGEND_FONT))
            .fold(0.0, f64::max)
            + 40.0;
        let legend_box = if legend.is_empty() {
            [0.0; 4]
        } else {
            [
                6.0,
                6.0,
                legend_w.min(w * 0.6),
                8.0 + legend.len() as f64 * 14.0,
            ]
        };
        let scale = scale_bar(view.mpp, w);
        let mut agencies: Vec<String> = Vec::new();
        for l in &lines {
            let a = tt.routes[l.route.ix()].agency as usize;
            if let Some(ag) = tt.agencies.get(a)
                && !agencies.contains(&ag.name)
            {
                agencies.push(ag.name.clone());
            }
        }
        if agencies.is_empty() && !stops.is_empty() {
            agencies.extend(tt.agencies.iter().map(|a| a.name.clone()));
        }
        let has_streets = streets.is_some() && street_parts.iter().any(|(_, p)| !p.is_empty());
        // One line when it fits beside the scale bar, else a line per source.
        let attribution = attribution_lines(has_streets, &agencies, w - scale.0 - 80.0);

        let mut occ = Occupied::default();
        // Scale bar (bottom left), north arrow (top right), attribution (bottom right), legend
        // (top left).
        let attr_h = attribution.len() as f64 * (ATTRIB_FONT + 2.0) + 4.0;
        let attr_w = attribution
            .iter()
            .map(|s| text_width(s, ATTRIB_FONT))
            .fold(0.0, f64::max);
        let mut furniture = vec![
            [
                0.0,
                h - 24.0,
                scale.0 + 16.0 + text_width(&scale.1, 10.0),
                h,
            ],
            [w - 28.0, 0.0, w, 42.0],
            [w - attr_w - 8.0, h - attr_h - 2.0, w, h],
        ];
        if !legend.is_empty() {
            let b = legend_box;
            furniture.push([b[0], b[1], b[0] + b[2], b[1] + b[3]]);
        }
        for b in &furniture {
            occ.take(*b);
        }
        for p in &places {
            occ.take(square(p.at, 8.0));
            for (_, e) in &p.entrances {
                occ.take(square(*e, 4.0));
            }
        }
        for s in &stops {
            occ.take(square(s.at, if s.rail { 5.0 } else { 4.0 }));
        }

        // --- labels, in priority order; what does not fit is left out -----------------------
        let mut labels = Vec::new();
        let mut place_label =
            |text: &str, at: Px, r: f64, size: f64, kind: LabelKind, occ: &mut Occupied| {
                // Place and stop labels are bold: wider. A place name that fits nowhere on one
                // line is tried again on two.
                let bold = matches!(kind, LabelKind::Place | LabelKind::Stop);
                let mut tries = vec![text.to_string()];
                if kind == LabelKind::Place
                    && let Some(two) = two_lines(text)
                {
                    tries.push(two);
                }
                for text in tries {
                    let rows: Vec<&str> = text.split('\n').collect();
                    let tw = rows.iter().map(|r| text_width(r, size)).fold(0.0, f64::max)
                        * if bold { BOLD_FACTOR } else { 1.0 };
                    // Extra height of the rows after the first.
                    let more = size * LINE_HEIGHT * (rows.len() - 1) as f64;
                    let gap = r + 4.0;
                    // Right, left, above, below, then the diagonals; every box clear of the symbol.
                    let mid = at[1] + size * 0.35 - more / 2.0;
                    let (up, down) = (at[1] - gap - size * 0.3 - more, at[1] + gap + size * 0.9);
                    let candidates = [
                        [at[0] + gap, mid],
                        [at[0] - gap - tw, mid],
                        [at[0] - tw / 2.0, up],
                        [at[0] - tw / 2.0, down],
                        [at[0] + gap * 0.7, up],
                        [at[0] + gap * 0.7, down],
                        [at[0] - gap * 0.7 - tw, up],
                        [at[0] - gap * 0.7 - tw, down],
                    ];
                    for c in candidates {
                        let b = [
                            c[0] - 1.0,
                            c[1] - size * 0.85,
                            c[0] + tw + 1.0,
                            c[1] + more + size * 0.25,
                        ];
                        if b[0] >= 2.0
                            && b[1] >= 2.0
                            && b[2] <= w - 2.0
                            && b[3] <= h - 2.0
                            && occ.free(b)
                        {
                            occ.take(b);
                            labels.push(Label {
                                text: text.clone(),
                                at: c,
                                angle: 0.0,
                                size,
                                kind,
                                bbox: b,
                            });
                            return;
                        }
                    }
                }
            };
        // Small maps get smaller place names.
        let place_font = if w < 400.0 { STOP_FONT } else { PLACE_FONT };
        for p in &places {
            if view.inside(p.at, 0.0) {
                place_label(&p.name, p.at, 8.0, place_font, LabelKind::Place, &mut occ);
            }
        }
        for (text, at) in &stop_labels {
            place_label(text, *at, 5.0, STOP_FONT, LabelKind::Stop, &mut occ);
        }
        for p in &places {
            for (n, e) in &p.entrances {
                if view.inside(*e, 0.0) {
                    place_label(n, *e, 4.0, STREET_FONT, LabelKind::Entrance, &mut occ);
                }
            }
        }
        // Street names along the longest straight piece of each street, larger streets first.
        if let Some(g) = streets {
            let mut cands: Vec<(StreetClass, f64, u32, Px, Px)> = Vec::new();
            for (class, name, line) in &named {
                let simple: Vec<Px> = crate::timetable::shapes::simplify(line, 1.5)
                    .into_iter()
                    .map(|i| line[i])
                    .collect();
                for s in simple.windows(2) {
                    let len = ((s[1][0] - s[0][0]).powi(2) + (s[1][1] - s[0][1]).powi(2)).sqrt();
                    cands.push((*class, len, *name, s[0], s[1]));
                }
            }
            cands.sort_by(|a, b| {
                b.0.cmp(&a.0)
                    .then(b.1.total_cmp(&a.1))
                    .then(a.2.cmp(&b.2))
                    .then(a.3[0].total_cmp(&b.3[0]))
                    .then(a.3[1].total_cmp(&b.3[1]))
            });
            let mut done: Vec<u32> = Vec::new();
            for (_, len, name, a, b) in cands {
                if done.contains(&name) {
                    continue;
                }
                let text = &short_street_name(&g.names[name as usize]);
                let tw = text_width(text, STREET_FONT);
                if tw + 16.0 > len {
                    continue;
                }
                // Reading left to right (or bottom to top).
                let (a, b) = if b[0] < a[0] || (b[0] == a[0] && b[1] > a[1]) {
                    (b, a)
                } else {
                    (a, b)
                };
                let (dx, dy) = ((b[0] - a[0]) / len, (b[1] - a[1]) / len);
                let mid = [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0];
                // Centre the text on the street: start half a width back, a third of the
                // size down (perpendicular to the street).
                let (nx, ny) = (-dy, dx);
                let at = [
                    mid[0] - dx * tw / 2.0 + nx * STREET_FONT * 0.35,
                    mid[1] - dy * tw / 2.0 + ny * STREET_FONT * 0.35,
                ];
                // The rotated text's bounding box.
                let hh = STREET_FONT * 0.6;
                let ex = (dx * tw / 2.0).abs() + (nx * hh).abs();
                let ey = (dy * tw / 2.0).abs() + (ny * hh).abs();
                let bx = [mid[0] - ex, mid[1] - ey, mid[0] + ex, mid[1] + ey];
                if bx[0] < 2.0 || bx[1] < 2.0 || bx[2] > w - 2.0 || bx[3] > h - 2.0 || !occ.free(bx)
                {
                    continue;
                }
                occ.take(bx);
                done.push(name);
                labels.push(Label {
                    text: text.to_string(),
                    at,
                    angle: dy.atan2(dx).to_degrees(),
                    size: STREET_FONT,
                    kind: LabelKind::Street,
                    bbox: bx,
                });
            }
        }

        let mut desc = scene.desc.clone();
        if !lines.is_empty() {
            let names: Vec<String> = lines
                .iter()
                .map(|l| {
                    let look = match l.dash {
                        "" => "solid",
                        "3 2" => "dotted",
                        _ => "dashed",
                    };
                    format!("{} ({}, {look} line)", l.name, l.mode)
                })
                .collect();
            desc.push(format!("Lines shown: {}.", names.join(", ")));
        }
        Map {
            id: scene.id.clone(),
            title: scene.title.clone(),
            desc: desc.join(" "),
            view,
            streets: street_parts,
            lines,
            walks,
            stops,
            places,
            labels,
            legend,
            legend_box,
            furniture,
            scale,
            attribution,
            note: scene.note.clone(),
        }
    }

    /// The map as SVG (see [`svg`]).
    pub fn to_svg(&self) -> String {
        svg::write(self)
    }
}

/// Writes an SVG map to `path` atomically, leaving the file untouched when its content is
/// the same; `Ok(false)` when unchanged.
pub fn write_file(path: &std::path::Path, svg: &str) -> crate::error::Result<bool> {
    if std::fs::read(path).is_ok_and(|old| old == svg.as_bytes()) {
        return Ok(false);
    }
    crate::fsutil::write_atomic(path, svg.as_bytes())?;
    Ok(true)
}

/// How a document at `doc` (or on stdout) links a map written to `map`: the file name when
/// both are in one directory, else the path as given.
pub fn link_target(map: &std::path::Path, doc: Option<&std::path::Path>) -> String {
    let dir = |p: &std::path::Path| {
        p.parent()
            .map(|d| d.to_path_buf())
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or_else(|| std::path::PathBuf::from("."))
    };
    match (doc, map.file_name()) {
        (Some(d), Some(name)) if dir(d) == dir(map) => name.to_string_lossy().into_owned(),
        (None, Some(name)) if dir(map) == std::path::Path::new(".") => {
            name.to_string_lossy().into_owned()
        }
        _ => map.display().to_string(),
    }
}

fn square(p: Px, r: f64) -> [f64; 4] {
    [p[0] - r, p[1] - r, p[0] + r, p[1] + r]
}

/// The longest round length (1, 2, 2.5 or 5 × 10^k metres) at most a fifth of the map wide.
pub fn scale_bar(mpp: f64, width: f64) -> (f64, String) {
    let max_m = width * 0.22 * mpp;
    let mut best = 10.0;
    for k in 0..6 {
        let p = 10f64.powi(k);
        for m in [1.0, 2.0, 2.5, 5.0] {
            if m * p <= max_m {
                best = m * p;
            }
        }
    }
    let text = if best >= 1000.0 {
        let km = best / 1000.0;
        if km.fract() == 0.0 {
            format!("{km:.0} km")
        } else {
            format!("{km} km")
        }
    } else {
        format!("{best:.0} m")
    };
    (best / mpp, text)
}

/// The attribution as lines no wider than `max_w` pixels: one line when it fits, else a line
/// per source, the map's in its short form when even that is too wide.
fn attribution_lines(osm: bool, agencies: &[String], max_w: f64) -> Vec<String> {
    let fits = |s: &str| text_width(s, ATTRIB_FONT) <= max_w;
    let mut parts = Vec::new();
    if osm {
        let long = "Map data © OpenStreetMap contributors";
        parts.push(
            if fits(long) {
                long
            } else {
                "© OpenStreetMap contributors"
            }
            .to_string(),
        );
    }
    if !agencies.is_empty() {
        parts.push(format!("Transit: {}", agencies.join(", ")));
    }
    let joined = parts.join(" · ");
    if parts.is_empty() {
        Vec::new()
    } else if parts.len() == 1 || fits(&joined) {
        vec![joined]
    } else {
        parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every bundled venue's map on the bundled feed and street map: no two labels overlap,
    /// no label leaves the map, every stop and place is drawn, and the bytes are stable.
    #[test]
    fn bundled_venue_maps_place_labels_without_overlap() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let raw = crate::feed::load::read_raw(
            &root.join("data/trimet-2021-max-green-streetcar.gtfs.zip"),
        )
        .unwrap();
        let tt = crate::timetable::compile::compile(&raw, "trimet", String::new()).unwrap();
        let g = crate::walk::build_graph(crate::walk::BUNDLED_MAP, "bundled").unwrap();
        let venues = crate::venues::Venues::load(&root.join("data/venues.toml")).unwrap();
        let index = crate::nearby::StopIndex::new(&tt);
        for (key, v) in &venues.venues {
            let near: Vec<StopIdx> = index
                .within(&tt, v.lat, v.lon, 400)
                .into_iter()
                .map(|(s, _)| s)
                .collect();
            let scene = scenes::venue_scene(key, v, &near, &[]);
            for streets in [Some(&g), None] {
                let m = Map::build(&tt, streets, &scene);
                let (w, h) = (m.view.width, m.view.height);
                for (i, a) in m.labels.iter().enumerate() {
                    let b = a.bbox;
                    assert!(
                        b[0] >= 0.0 && b[1] >= 0.0 && b[2] <= w && b[3] <= h,
                        "{key}: {a:?}"
                    );
                    for c in &m.labels[i + 1..] {
                        let o = c.bbox;
                        let overlap = b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3];
                        assert!(!overlap, "{key}: {:?} overlaps {:?}", a.text, c.text);
                    }
                }
                assert_eq!(m.places.len(), 1);
                let inside = near
                    .iter()
                    .filter(|&&s| {
                        m.view
                            .inside(m.view.px(tt.stop(s).lat, tt.stop(s).lon), 0.0)
                    })
                    .count();
                assert_eq!(m.stops.len(), inside, "{key}");
                assert_eq!(inside, near.len(), "{key}: every near stop is in view");
                assert_eq!(m.to_svg(), Map::build(&tt, streets, &scene).to_svg());
            }
        }
    }

    #[test]
    fn long_place_names_break_near_the_middle() {
        assert_eq!(
            two_lines("Portland State University (Urban Center)").as_deref(),
            Some("Portland State University\n(Urban Center)")
        );
        assert_eq!(two_lines("Union"), None);
    }

    #[test]
    fn short_names() {
        assert_eq!(short_stop_name("SW 5th & Oak MAX Station"), "SW 5th & Oak");
        assert_eq!(short_stop_name("NW 10th & Couch"), "NW 10th & Couch");
        assert_eq!(short_stop_name("Station"), "Station");
        assert_eq!(
            short_stop_name("A very long stop name that goes on and on and on"),
            "A very long stop name that goes o…"
        );
    }

    #[test]
    fn street_names_are_abbreviated_at_the_ends_only() {
        assert_eq!(short_street_name("Northwest Couch Street"), "NW Couch St");
        assert_eq!(
            short_street_name("Southeast Martin Luther King Junior Boulevard"),
            "SE Martin Luther King Junior Blvd"
        );
        assert_eq!(short_street_name("Street"), "Street");
        assert_eq!(
            short_street_name("Avenue of the Stars"),
            "Avenue of the Stars"
        );
    }

    #[test]
    fn clipping_keeps_the_visible_runs() {
        let r = [0.0, 0.0, 10.0, 10.0];
        let parts = clip(
            &[
                [-5.0, 5.0],
                [5.0, 5.0],
                [15.0, 5.0],
                [15.0, 8.0],
                [5.0, 8.0],
            ],
            r,
        );
        assert_eq!(
            parts,
            vec![
                vec![[0.0, 5.0], [5.0, 5.0], [10.0, 5.0]],
                vec![[10.0, 8.0], [5.0, 8.0]]
            ]
        );
        assert!(clip(&[[20.0, 20.0], [30.0, 30.0]], r).is_empty());
    }

    #[test]
    fn scale_bars_are_round() {
        assert_eq!(scale_bar(1.0, 640.0).1, "100 m");
        assert_eq!(scale_bar(2.0, 640.0).1, "250 m");
        assert_eq!(scale_bar(20.0, 640.0).1, "2.5 km");
        assert_eq!(scale_bar(40.0, 640.0).1, "5 km");
    }
}
