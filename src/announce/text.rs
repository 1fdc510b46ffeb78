//! Markdown and plain-text renderings of an announcement: ready to paste into Meetup or a
//! mailing list. One function writes both; only the markup differs.

use super::Announcement;
use crate::timetable::Timetable;

#[derive(Copy, Clone, PartialEq, Eq)]
pub enum Style {
    Markdown,
    Text,
}

struct W {
    style: Style,
    out: String,
}

impl W {
    fn h2(&mut self, s: &str) {
        match self.style {
            Style::Markdown => self.out.push_str(&format!("## {s}\n\n")),
            Style::Text => self
                .out
                .push_str(&format!("{s}\n{}\n\n", "=".repeat(s.chars().count()))),
        }
    }
    fn h3(&mut self, s: &str) {
        match self.style {
            Style::Markdown => self.out.push_str(&format!("### {s}\n\n")),
            Style::Text => self
                .out
                .push_str(&format!("{s}\n{}\n\n", "-".repeat(s.chars().count()))),
        }
    }
    fn bold(&self, s: &str) -> String {
        match self.style {
            Style::Markdown => format!("**{}**", md_escape(s)),
            Style::Text => s.to_string(),
        }
    }
    fn plain(&self, s: &str) -> String {
        match self.style {
            Style::Markdown => md_escape(s),
            Style::Text => s.to_string(),
        }
    }
    fn para(&mut self, s: &str) {
        self.out.push_str(s);
        self.out.push_str("\n\n");
    }
    fn item(&mut self, s: &str) {
        self.out.push_str(&format!("- {s}\n"));
    }
    fn end_list(&mut self) {
        self.out.push('\n');
    }
}

/// Escapes the characters that would turn names into markup (`*`, `_`, `[`, …).
fn md_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '_' | '[' | ']' | '`' | '<' | '>' | '#' | '|') {
            o.push('\\');
        }
        o.push(c);
    }
    o
}

/// A link target: spaces and parentheses percent-encoded so the markdown link stays one link.
fn md_link(s: &str) -> String {
    s.replace('%', "%25")
        .replace(' ', "%20")
        .replace('(', "%28")
        .replace(')', "%29")
        .replace('<', "%3C")
        .replace('>', "%3E")
}

/// Renders the announcement as markdown or text.
pub fn render(a: &Announcement, tt: &Timetable, style: Style) -> String {
    let mut w = W {
        style,
        out: String::new(),
    };
    let day = crate::time::local_date(tt.tz(), a.event.start_t);
    w.h2(&format!("Getting to {} by transit", a.venue.name));
    let mut head = format!(
        "{}, {}",
        w.bold(&a.event.date_text),
        w.plain(&a.event.time_text)
    );
    if let Some(addr) = &a.venue.address {
        head.push_str(&format!(" · {}", w.plain(addr)));
    }
    w.para(&head);
    if let Some(n) = &a.venue.notes {
        let n = w.plain(n);
        w.para(&n);
    }
    if let Some(st) = &a.stale {
        let m = match style {
            Style::Markdown => format!("> **Caution:** {}", md_escape(&st.message)),
            Style::Text => format!("CAUTION: {}", st.message),
        };
        w.para(&m);
    }
    if !a.reachable {
        let m = w.bold(super::unreachable_text(a));
        w.para(&m);
    }

    w.h3("Nearest stops");
    if a.stops.is_empty() {
        w.para("No transit stop is within walking distance of the venue.");
    } else {
        for s in &a.stops {
            let line = format!(
                "{} — {} m, {} min walk{}",
                w.bold(&s.name),
                s.distance_m,
                s.walk_min,
                platforms(s)
            );
            w.item(&line);
        }
        w.end_list();
    }
    if let Some(file) = a.maps.as_ref().and_then(|m| m.file.as_deref()) {
        let line = match style {
            Style::Markdown => format!(
                "[Map of the venue and its nearest stops]({})",
                md_link(file)
            ),
            Style::Text => format!("Map of the venue and its nearest stops: {file}"),
        };
        w.para(&line);
    }

    if !a.lines.is_empty() {
        w.h3(&format!(
            "Lines (how often they run in the hour before {})",
            a.arrive_by
        ));
        for l in &a.lines {
            let dirs: Vec<String> = l
                .directions
                .iter()
                .map(|d| format!("towards {}: {}", w.plain(&d.headsign), d.frequency_text))
                .collect();
            let line = format!("{} ({}) — {}", w.bold(&l.name), l.mode, dirs.join("; "));
            w.item(&line);
        }
        w.end_list();
    }

    if !a.journeys.is_empty() {
        w.h3(&format!("Suggested journeys (arriving by {})", a.arrive_by));
        for o in &a.journeys {
            let from = format!("From {}", o.name);
            if let Some(note) = &o.note {
                let line = format!("{}: {}", w.bold(&from), w.plain(note));
                w.para(&line);
                continue;
            }
            for opt in &o.options {
                let (head, legs) = opt.itinerary.text_lines(tt, day);
                let line = format!("{} ({}): {}", w.bold(&from), opt.label, w.plain(&head));
                w.para(&line);
                for l in legs {
                    let l = match style {
                        Style::Markdown => format!("- {}", md_escape(l.trim_start())),
                        Style::Text => format!("    {l}"),
                    };
                    w.out.push_str(&l);
                    w.out.push('\n');
                }
                w.out.push('\n');
            }
        }
    }

    if let Some(f) = &a.fares {
        w.h3("Fares");
        for l in f.lines() {
            let l = w.plain(&l);
            w.item(&l);
        }
        w.end_list();
    }

    if let Some(last) = &a.last_departures {
        let end = a.event.end_text.clone().unwrap_or_default();
        w.h3(&format!("Getting home (the event ends at {end})"));
        if last.is_empty() {
            w.para("No departures from the nearby stops after the event.");
        } else {
            for l in last {
                let mut line = format!(
                    "{} towards {}: {}",
                    w.bold(&l.line),
                    w.plain(&l.headsign),
                    w.plain(&last_text(l))
                );
                if let Some(warn) = &l.warning {
                    line.push_str(&format!(" — {}", w.bold(&format!("note: {warn}"))));
                }
                w.item(&line);
            }
            w.end_list();
        }
    }

    if !a.alerts.is_empty() {
        w.h3("Service alerts");
        for al in &a.alerts {
            let mut line = format!("{}: {}", w.bold(al.effect), w.plain(&al.header));
            if let Some(d) = &al.description {
                line.push_str(&format!(" — {}", w.plain(d)));
            }
            if let Some(u) = &al.url {
                line.push_str(&match style {
                    Style::Markdown => format!(" (<{u}>)"),
                    Style::Text => format!(" ({u})"),
                });
            }
            w.item(&line);
        }
        w.end_list();
    }

    if !a.accessibility.is_empty() {
        w.h3("Accessibility");
        for n in &a.accessibility {
            let n = w.plain(n);
            w.item(&n);
        }
        w.end_list();
    }

    let attr = w.plain(&a.attribution.text);
    match style {
        Style::Markdown => w.para(&format!("---\n\n*{attr}*")),
        Style::Text => w.para(&format!("--\n{attr}")),
    }
    while w.out.ends_with("\n\n") {
        w.out.pop();
    }
    w.out
}

/// "last departure 23:26 from SW 5th & Oak MAX Station", or why there is none.
pub fn last_text(l: &super::LastDeparture) -> String {
    if l.time.is_some() {
        format!("last departure {}", l.text)
    } else {
        l.text.clone()
    }
}

/// " (2 platforms)" for a station with several platforms near the venue, " (2 stops)" for
/// stops of one name close together.
pub fn platforms(s: &super::StopView) -> String {
    match s.stop_ids.len() {
        0 | 1 => String::new(),
        n if s.corner => format!(" ({n} stops)"),
        n => format!(" ({n} platforms)"),
    }
}
