//! `gethere feed info`: what a feed holds and what a user must know before trusting it
//! (expired, not yet valid, days without any service).

use crate::timetable::{FeedCounts, Timetable};
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct AgencyInfo {
    pub id: Option<String>,
    pub name: String,
    pub timezone: String,
    pub url: String,
}

/// One feed of several, in `feed info`.
#[derive(Clone, Debug, Serialize)]
pub struct FeedSummary {
    pub key: String,
    pub feed: String,
    pub content_hash: String,
    pub publisher: Option<String>,
    pub version: Option<String>,
    pub timezone: String,
    pub service_start: Option<NaiveDate>,
    pub service_end: Option<NaiveDate>,
    pub counts: FeedCounts,
}

/// The `feed info` answer.
#[derive(Clone, Debug, Serialize)]
pub struct FeedInfo {
    pub feed: String,
    pub content_hash: String,
    pub publisher: Option<String>,
    pub version: Option<String>,
    pub timezone: String,
    pub agencies: Vec<AgencyInfo>,
    pub counts: FeedCounts,
    /// The first and last day with any service.
    pub service_start: Option<NaiveDate>,
    pub service_end: Option<NaiveDate>,
    /// Days inside that range with no service at all.
    pub days_without_service: Vec<NaiveDate>,
    /// What the user must see: expired, not yet valid, gaps, rows skipped while compiling.
    pub warnings: Vec<String>,
    /// Which fare model prices journeys: `v2` (wins when a feed has both), `v1` or `none`.
    pub fares: crate::fares::FareModel,
    /// The fare tables in words (and that v2 supersedes v1 when both are present).
    pub fares_detail: String,
    /// With several feeds: each of them (the fields above are then the region's union).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub feeds: Vec<FeedSummary>,
    /// With several feeds: the days on which every feed has service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_feeds_start: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_feeds_end: Option<NaiveDate>,
}

/// Builds the report. `today` is the date the user runs gethere on (never read from the clock
/// in the library).
pub fn info(tt: &Timetable, feed: &str, today: NaiveDate) -> FeedInfo {
    let range = tt.service_range();
    let mut days_without = tt.days_without_service();
    if let Some((a, b)) = range {
        days_without.retain(|d| *d >= a && *d <= b);
    }
    let mut warnings = Vec::new();
    if let Some((a, b)) = range {
        if today > b {
            warnings.push(format!(
                "feed expired: its last day of service is {b}, {} days before today ({today}); fetch a newer feed",
                (today - b).num_days()
            ));
        } else if today < a {
            warnings.push(format!(
                "feed not yet valid: service starts {a}, {} days after today ({today})",
                (a - today).num_days()
            ));
        }
    }
    if !days_without.is_empty() {
        let shown: Vec<String> = days_without
            .iter()
            .take(10)
            .map(|d| d.to_string())
            .collect();
        let more = days_without.len().saturating_sub(10);
        warnings.push(format!(
            "{} day(s) with no service at all: {}{}",
            days_without.len(),
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    let feeds: Vec<FeedSummary> = if tt.feeds.len() > 1 {
        tt.feeds
            .iter()
            .map(|f| {
                let r = tt.feed_service_range(f);
                FeedSummary {
                    key: f.key.clone(),
                    feed: f.name.clone(),
                    content_hash: f.meta.content_hash.clone(),
                    publisher: f.meta.publisher.clone(),
                    version: f.meta.version.clone(),
                    timezone: f.timezone.clone(),
                    service_start: r.map(|r| r.0),
                    service_end: r.map(|r| r.1),
                    counts: f.meta.counts.clone(),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let all = feeds
        .iter()
        .map(|f| f.service_start.zip(f.service_end))
        .collect::<Option<Vec<_>>>()
        .and_then(|v| {
            let a = v.iter().map(|r| r.0).max()?;
            let b = v.iter().map(|r| r.1).min()?;
            (a <= b).then_some((a, b))
        });
    if !feeds.is_empty() {
        if all.is_none() {
            warnings.push(
                "no day on which every feed has service: journeys that need two feeds cannot be found".into(),
            );
        }
        warnings.extend(tt.feed_date_warnings(today));
    }
    warnings.extend(tt.meta.warnings.iter().cloned());
    FeedInfo {
        feed: feed.to_string(),
        content_hash: tt.meta.content_hash.clone(),
        publisher: tt.meta.publisher.clone(),
        version: tt.meta.version.clone(),
        timezone: tt.timezone.clone(),
        agencies: tt
            .agencies
            .iter()
            .map(|a| AgencyInfo {
                id: a.id.clone(),
                name: a.name.clone(),
                timezone: a.timezone.clone(),
                url: a.url.clone(),
            })
            .collect(),
        counts: tt.meta.counts.clone(),
        service_start: range.map(|r| r.0),
        service_end: range.map(|r| r.1),
        days_without_service: days_without,
        warnings,
        fares: tt.fares.model(),
        fares_detail: tt.fares.describe(),
        feeds,
        all_feeds_start: all.map(|r| r.0),
        all_feeds_end: all.map(|r| r.1),
    }
}

impl FeedInfo {
    pub fn render_text(&self) -> String {
        let c = &self.counts;
        let mut s = format!("feed: {}\n", self.feed);
        if let Some(p) = &self.publisher {
            s.push_str(&format!("publisher: {p}"));
            if let Some(v) = &self.version {
                s.push_str(&format!(" (version {v})"));
            }
            s.push('\n');
        }
        if !self.feeds.is_empty() {
            s.push_str(&format!("feeds: {}\n", self.feeds.len()));
            for f in &self.feeds {
                let range = match (f.service_start, f.service_end) {
                    (Some(a), Some(b)) => format!("{a} to {b}"),
                    _ => "no service".into(),
                };
                s.push_str(&format!(
                    "  {}: {} ({}; {}; {} stops, {} trips, {} stop times)\n",
                    f.key,
                    f.feed,
                    f.timezone,
                    range,
                    f.counts.stops,
                    f.counts.trips,
                    f.counts.stop_times
                ));
            }
            if let (Some(a), Some(b)) = (self.all_feeds_start, self.all_feeds_end) {
                s.push_str(&format!("all feeds run: {a} to {b}\n"));
            }
        }
        s.push_str(&format!("time zone: {}\n", self.timezone));
        s.push_str("agencies:\n");
        for a in &self.agencies {
            s.push_str(&format!(
                "  {} {} ({})\n",
                a.id.as_deref().unwrap_or("-"),
                a.name,
                a.timezone
            ));
        }
        match (self.service_start, self.service_end) {
            (Some(a), Some(b)) => s.push_str(&format!("service: {a} to {b}\n")),
            _ => s.push_str("service: none\n"),
        }
        s.push_str(&format!(
            "counts: {} stops, {} routes, {} trips, {} stop times, {} frequency-based trips, {} transfers.txt rules\n",
            c.stops, c.routes, c.trips, c.stop_times, c.frequency_trips, c.transfers
        ));
        s.push_str(&format!(
            "compiled: {} trips in {} patterns, {} stop times interpolated\n",
            c.trips_expanded, c.patterns, c.interpolated_stop_times
        ));
        s.push_str(&format!("fares: {}\n", self.fares_detail));
        for w in &self.warnings {
            s.push_str(&format!("warning: {w}\n"));
        }
        s
    }
}
