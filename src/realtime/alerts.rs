//! Service alerts as data for the renderers: resolved against the timetable's ids, matched by
//! `informed_entity` and `active_period`, with their text made safe to show.
//!
//! Alert text comes from the network and is untrusted: it is cut to a bounded length, control
//! characters (CR/LF included) become spaces, and only `http`/`https` URLs are kept as links.
//! Each renderer escapes it like any other feed text (HTML entities, markdown, ICS TEXT).

use super::proto;
use crate::time::Instant;
use crate::timetable::{RouteIdx, StopIdx, Timetable, TripIdx};
use serde::Serialize;

/// Longest header shown (characters).
pub const MAX_HEADER: usize = 160;
/// Longest description shown (characters).
pub const MAX_DESCRIPTION: usize = 600;
/// Longest URL kept.
pub const MAX_URL: usize = 400;

/// Which trips and stops an alert is about (one `informed_entity`); every field given must
/// match. An id the timetable does not know makes the selector match nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selector {
    pub agency: Option<u32>,
    pub route: Option<RouteIdx>,
    pub route_type: Option<i32>,
    pub trip_id: Option<String>,
    pub stop: Option<StopIdx>,
    pub direction: Option<u8>,
    /// An id was not found: the selector matches nothing.
    pub unknown: bool,
    /// From a `KEY=` source: only that feed's routes.
    pub routes_in: Option<std::ops::Range<u32>>,
}

/// A time range; `None` ends are open.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Period {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    #[serde(skip)]
    pub start_t: Option<Instant>,
    #[serde(skip)]
    pub end_t: Option<Instant>,
}

/// An alert ready to show.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AlertView {
    pub id: String,
    pub effect: &'static str,
    pub cause: &'static str,
    pub header: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Empty: always active.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub active: Vec<Period>,
    #[serde(skip)]
    pub selectors: Vec<Selector>,
}

/// Text safe to show anywhere after the renderer's own escaping: controls become spaces,
/// runs of spaces one, and at most `max` characters (with "…").
pub fn clean_text(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut space = false;
    let mut n = 0;
    for c in s.chars() {
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' {
            if space || out.is_empty() {
                continue;
            }
            space = true;
        } else {
            space = false;
        }
        if n == max {
            let t = out.trim_end().len();
            out.truncate(t);
            out.push('…');
            return out;
        }
        out.push(c);
        n += 1;
    }
    out.trim_end().to_string()
}

/// Only absolute http(s) URLs without spaces, quotes, angle brackets or controls.
pub fn safe_url(s: &str) -> Option<String> {
    let s = s.trim();
    let lower = s.to_ascii_lowercase();
    let ok = (lower.starts_with("https://") || lower.starts_with("http://"))
        && s.len() <= MAX_URL
        && s.len() > 8
        && !s
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || "\"'<>`\\".contains(c));
    ok.then(|| s.to_string())
}

/// The translation for `lang` (exact, then the same language, then untagged, then the first).
pub fn pick(ts: &Option<proto::TranslatedString>, lang: Option<&str>) -> Option<String> {
    let list = &ts.as_ref()?.translation;
    let text = |t: &proto::Translation| t.text.clone().filter(|x| !x.trim().is_empty());
    let base = |l: &str| {
        l.split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    if let Some(want) = lang {
        if let Some(t) = list.iter().find(|t| {
            t.language
                .as_deref()
                .is_some_and(|l| l.eq_ignore_ascii_case(want))
        }) {
            return text(t);
        }
        if let Some(t) = list
            .iter()
            .find(|t| t.language.as_deref().is_some_and(|l| base(l) == base(want)))
        {
            return text(t);
        }
    }
    list.iter()
        .find(|t| t.language.as_deref().is_none_or(str::is_empty))
        .or_else(|| list.first())
        .and_then(text)
}

/// Every alert of `messages`, resolved against `tt`, in a stable order (by id).
pub fn collect(tt: &Timetable, messages: &[super::Decoded], lang: Option<&str>) -> Vec<AlertView> {
    let mut out = Vec::new();
    for m in messages {
        for e in &m.msg.entity {
            if e.is_deleted == Some(true) {
                continue;
            }
            let Some(a) = &e.alert else { continue };
            let header = pick(&a.header_text, lang)
                .or_else(|| pick(&a.description_text, lang))
                .unwrap_or_else(|| "Service alert".into());
            let selectors = a
                .informed_entity
                .iter()
                .map(|s| resolve(tt, s, m.feed.as_deref()))
                .collect();
            let active = a
                .active_period
                .iter()
                .map(|p| {
                    let s = p.start.filter(|&x| x > 0).map(|x| x as i64);
                    let e = p.end.filter(|&x| x > 0).map(|x| x as i64);
                    Period {
                        start: s.map(|t| crate::time::format_iso(tt.tz(), t)),
                        end: e.map(|t| crate::time::format_iso(tt.tz(), t)),
                        start_t: s,
                        end_t: e,
                    }
                })
                .collect();
            out.push(AlertView {
                id: clean_text(e.id.as_deref().unwrap_or(""), 64),
                effect: proto::effect_name(a.effect.unwrap_or(8)),
                cause: proto::cause_name(a.cause.unwrap_or(1)),
                header: clean_text(&header, MAX_HEADER),
                description: pick(&a.description_text, lang)
                    .map(|d| clean_text(&d, MAX_DESCRIPTION))
                    .filter(|d| !d.is_empty() && *d != clean_text(&header, MAX_HEADER)),
                url: pick(&a.url, lang).and_then(|u| safe_url(&u)),
                active,
                selectors,
            });
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.header.cmp(&b.header)));
    out
}

/// An informed entity, with ids of feed `feed` (a `KEY=` source) or, unbound, of whichever
/// single feed has them (an id two feeds share is unknown).
fn resolve(tt: &Timetable, s: &proto::EntitySelector, feed: Option<&str>) -> Selector {
    let scope = feed.and_then(|k| tt.feeds.iter().find(|f| f.key == k));
    let mut sel = Selector {
        route_type: s.route_type,
        direction: s.direction_id.map(|d| d as u8),
        routes_in: scope.map(|f| f.routes.clone()),
        ..Default::default()
    };
    if let Some(a) = &s.agency_id {
        match tt.agencies.iter().enumerate().position(|(i, x)| {
            x.id.as_deref() == Some(a.as_str())
                && scope.is_none_or(|f| f.agencies.contains(&(i as u32)))
        }) {
            Some(i) => sel.agency = Some(i as u32),
            // A single-agency feed may leave agency_id out.
            None if tt.agencies.len() == 1 && tt.agencies[0].id.is_none() => sel.agency = Some(0),
            None => sel.unknown = true,
        }
    }
    let route_id = s
        .route_id
        .as_ref()
        .or(s.trip.as_ref().and_then(|t| t.route_id.as_ref()));
    if let Some(r) = route_id {
        let found: Vec<usize> = tt
            .routes
            .iter()
            .enumerate()
            .filter(|(i, x)| &x.id == r && scope.is_none_or(|f| f.routes.contains(&(*i as u32))))
            .map(|(i, _)| i)
            .collect();
        match found.as_slice() {
            [i] => sel.route = Some(RouteIdx(*i as u32)),
            _ => sel.unknown = true,
        }
    }
    if let Some(t) = s.trip.as_ref().and_then(|t| t.trip_id.clone()) {
        sel.trip_id = Some(t);
    }
    if let Some(st) = &s.stop_id {
        let found: Vec<crate::timetable::StopIdx> = tt
            .stops_with_id(st)
            .into_iter()
            .filter(|s| scope.is_none_or(|f| f.stops.contains(&s.0)))
            .collect();
        match found.as_slice() {
            [i] => sel.stop = Some(*i),
            _ => sel.unknown = true,
        }
    }
    if sel == Selector::default() {
        sel.unknown = true; // an empty selector informs nothing
    }
    sel
}

impl AlertView {
    /// Active at some time in `[from, to]`?
    pub fn active_during(&self, from: Instant, to: Instant) -> bool {
        self.active.is_empty()
            || self
                .active
                .iter()
                .any(|p| p.start_t.is_none_or(|s| s <= to) && p.end_t.is_none_or(|e| e >= from))
    }

    /// Does it inform a ride on trip `t` between the stops `stops` (boarding and alighting)?
    pub fn about_ride(&self, tt: &Timetable, t: TripIdx, stops: &[StopIdx]) -> bool {
        let trip = tt.trip(t);
        let route = &tt.routes[trip.route.ix()];
        self.selectors.iter().any(|s| {
            !s.unknown
                && s.agency.is_none_or(|a| a == route.agency)
                && s.route.is_none_or(|r| r == trip.route)
                && s.route_type.is_none_or(|x| x == route.route_type)
                && s.direction.is_none_or(|d| trip.direction() == Some(d))
                && s.trip_id.as_deref().is_none_or(|id| id == tt.trip_id(t))
                && s.routes_in
                    .as_ref()
                    .is_none_or(|x| x.contains(&trip.route.0))
                && s.stop
                    .is_none_or(|x| stops.iter().any(|&y| same_place(tt, x, y)))
        })
    }

    /// Does it inform stop `stop` itself (a selector naming only a stop, or its station)?
    pub fn about_stop(&self, tt: &Timetable, stop: StopIdx) -> bool {
        self.selectors.iter().any(|s| {
            !s.unknown
                && s.route.is_none()
                && s.trip_id.is_none()
                && s.route_type.is_none()
                && s.stop.is_some_and(|x| same_place(tt, x, stop))
        })
    }

    /// Does it inform route `r` as a whole (no stop, no trip named)?
    pub fn about_route(&self, tt: &Timetable, r: RouteIdx) -> bool {
        let route = &tt.routes[r.ix()];
        self.selectors.iter().any(|s| {
            !s.unknown
                && s.stop.is_none()
                && s.trip_id.is_none()
                && (s.route.is_some() || s.route_type.is_some() || s.agency.is_some())
                && s.route.is_none_or(|x| x == r)
                && s.routes_in.as_ref().is_none_or(|x| x.contains(&r.0))
                && s.route_type.is_none_or(|x| x == route.route_type)
                && s.agency.is_none_or(|a| a == route.agency)
        })
    }

    /// One line for text output: "DETOUR: Green Line buses replace trains (https://…)".
    pub fn line(&self) -> String {
        let mut s = format!("{}: {}", self.effect, self.header);
        if let Some(u) = &self.url {
            s.push_str(&format!(" ({u})"));
        }
        s
    }
}

/// The same stop, or one is the station of the other.
fn same_place(tt: &Timetable, a: StopIdx, b: StopIdx) -> bool {
    a == b || tt.stops[b.ix()].parent == Some(a) || tt.stops[a.ix()].parent == Some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_removes_controls_and_bounds_length() {
        assert_eq!(
            clean_text("a\r\nBEGIN:VEVENT\tb  c", 100),
            "a BEGIN:VEVENT b c"
        );
        assert_eq!(clean_text("  abcdef", 3), "abc…");
        assert_eq!(clean_text("ab cd", 3), "ab…");
        assert_eq!(clean_text("\u{7}", 10), "");
    }

    #[test]
    fn only_plain_http_urls_survive() {
        assert_eq!(
            safe_url(" https://trimet.org/alerts?x=1 ").as_deref(),
            Some("https://trimet.org/alerts?x=1")
        );
        assert!(safe_url("HTTP://EXAMPLE.ORG/A").is_some());
        for bad in [
            "javascript:alert(1)",
            "data:text/html,<script>",
            "https://a.example/\"onmouseover=x",
            "https://a.example/<x>",
            "https://a.example/a b",
            "ftp://a.example/",
            "https://",
            "//a.example/",
        ] {
            assert_eq!(safe_url(bad), None, "{bad}");
        }
        assert_eq!(
            safe_url(&format!("https://a.example/{}", "x".repeat(MAX_URL))),
            None
        );
    }

    #[test]
    fn translations_by_language_then_untagged_then_first() {
        let ts = |v: &[(&str, Option<&str>)]| {
            Some(proto::TranslatedString {
                translation: v
                    .iter()
                    .map(|(t, l)| proto::Translation {
                        text: Some(t.to_string()),
                        language: l.map(str::to_string),
                    })
                    .collect(),
            })
        };
        let s = ts(&[
            ("Hola", Some("es")),
            ("Hello", None),
            ("Bonjour", Some("fr-CA")),
        ]);
        assert_eq!(pick(&s, Some("es")).as_deref(), Some("Hola"));
        assert_eq!(pick(&s, Some("fr")).as_deref(), Some("Bonjour"));
        assert_eq!(pick(&s, Some("de")).as_deref(), Some("Hello"));
        assert_eq!(pick(&s, None).as_deref(), Some("Hello"));
        let only = ts(&[("Hola", Some("es"))]);
        assert_eq!(pick(&only, Some("en")).as_deref(), Some("Hola"));
        assert_eq!(pick(&None, Some("en")), None);
    }
}
