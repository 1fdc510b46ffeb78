//! HTML rendering: a self-contained fragment (inline styles only, no scripts, no external
//! resources) that survives being pasted into a CMS or a newsletter. Every text is escaped.

use super::Announcement;
use crate::timetable::Timetable;

pub(crate) use crate::escape::xml as esc;

/// A colour from routes.txt, validated (it goes into a style attribute).
fn color(c: &Option<String>) -> String {
    match c {
        Some(c) if c.len() == 6 && c.chars().all(|x| x.is_ascii_hexdigit()) => format!("#{c}"),
        _ => "#555555".into(),
    }
}

const SECTION: &str = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:42rem;color:#1d1d1f;line-height:1.45;border:1px solid #d0d4da;border-radius:10px;padding:1rem 1.25rem;background:#ffffff";
const H2: &str = "font-size:1.35rem;margin:0 0 .35rem 0";
const H3: &str = "font-size:1.05rem;margin:1.1rem 0 .4rem 0;border-bottom:1px solid #e3e6ea;padding-bottom:.2rem";
const MUTED: &str = "color:#555b63;font-size:.9rem";
const UL: &str = "margin:.2rem 0 .4rem 1.1rem;padding:0";
const BADGE: &str = "display:inline-block;padding:0 .45rem;border-radius:4px;color:#ffffff;font-weight:600;font-size:.85rem";
const STEPS: &str = "margin:.3rem 0 .8rem 0;padding:.4rem .6rem;background:#f5f7f9;border-radius:6px;font-size:.92rem;list-style:none";
const ROW: &str = "display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-start";
const FIGURE: &str = "margin:0;flex:0 1 480px;max-width:100%";
const FIGURE_SMALL: &str = "margin:.5rem 0 0 0;flex:0 1 280px;max-width:100%";
const CAUTION: &str =
    "background:#fff4e5;border-left:4px solid #e08600;padding:.5rem .75rem;margin:.6rem 0";

/// Renders the announcement as an HTML fragment.
pub fn render_html(a: &Announcement, tt: &Timetable) -> String {
    let day = crate::time::local_date(tt.tz(), a.event.start_t);
    let mut h = String::new();
    h.push_str(&format!(
        "<section class=\"gethere\" style=\"{SECTION}\">\n"
    ));
    h.push_str(&format!(
        "<h2 style=\"{H2}\">Getting to {} by transit</h2>\n",
        esc(&a.venue.name)
    ));
    h.push_str(&format!(
        "<p style=\"margin:0\"><strong>{}</strong>, {}{}</p>\n",
        esc(&a.event.date_text),
        esc(&a.event.time_text),
        a.venue
            .address
            .as_ref()
            .map(|x| format!(" · {}", esc(x)))
            .unwrap_or_default()
    ));
    if let Some(n) = &a.venue.notes {
        h.push_str(&format!("<p style=\"{MUTED}\">{}</p>\n", esc(n)));
    }
    if let Some(s) = &a.stale {
        h.push_str(&format!(
            "<p style=\"{CAUTION}\"><strong>Caution:</strong> {}</p>\n",
            esc(&s.message)
        ));
    }
    if !a.reachable {
        h.push_str(&format!(
            "<p style=\"{CAUTION}\"><strong>{}</strong></p>\n",
            super::unreachable_text(a)
        ));
    }

    h.push_str(&format!("<h3 style=\"{H3}\">Nearest stops</h3>\n"));
    // With a map: the list and the map side by side, the map below on narrow screens.
    if a.maps.is_some() {
        h.push_str(&format!(
            "<div style=\"{ROW}\">\n<div style=\"flex:1 1 12rem\">\n"
        ));
    }
    if a.stops.is_empty() {
        h.push_str("<p>No transit stop is within walking distance of the venue.</p>\n");
    } else {
        h.push_str(&format!("<ul style=\"{UL}\">\n"));
        for s in &a.stops {
            h.push_str(&format!(
                "<li><strong>{}</strong> — {} m, {} min walk{}</li>\n",
                esc(&s.name),
                s.distance_m,
                s.walk_min,
                esc(&super::text::platforms(s))
            ));
        }
        h.push_str("</ul>\n");
    }
    if let Some(m) = &a.maps {
        h.push_str(&format!(
            "</div>\n<figure style=\"{FIGURE}\">\n{}</figure>\n</div>\n",
            m.venue
        ));
    }

    if !a.lines.is_empty() {
        h.push_str(&format!(
            "<h3 style=\"{H3}\">Lines <span style=\"{MUTED}\">(how often they run in the hour before {})</span></h3>\n<ul style=\"{UL}\">\n",
            esc(&a.arrive_by)
        ));
        for l in &a.lines {
            let dirs: Vec<String> = l
                .directions
                .iter()
                .map(|d| format!("towards {}: {}", esc(&d.headsign), esc(&d.frequency_text)))
                .collect();
            h.push_str(&format!(
                "<li><span style=\"{BADGE};background:{}\">{}</span> <span style=\"{MUTED}\">{}</span><br>{}</li>\n",
                color(&l.color),
                esc(&l.name),
                esc(l.mode),
                dirs.join("<br>")
            ));
        }
        h.push_str("</ul>\n");
    }

    if !a.journeys.is_empty() {
        h.push_str(&format!(
            "<h3 style=\"{H3}\">Suggested journeys <span style=\"{MUTED}\">(arriving by {})</span></h3>\n",
            esc(&a.arrive_by)
        ));
        for (oi, o) in a.journeys.iter().enumerate() {
            if let Some(note) = &o.note {
                h.push_str(&format!(
                    "<p><strong>From {}</strong>: {}</p>\n",
                    esc(&o.name),
                    esc(note)
                ));
                continue;
            }
            for (k, opt) in o.options.iter().enumerate() {
                let (head, legs) = opt.itinerary.text_lines(tt, day);
                let map = a.maps.as_ref().and_then(|m| m.last_mile.get(oi)?.get(k));
                if map.is_some() {
                    h.push_str(&format!(
                        "<div style=\"{ROW}\">\n<div style=\"flex:1 1 14rem\">\n"
                    ));
                }
                h.push_str(&format!(
                    "<p style=\"margin:.5rem 0 0 0\"><strong>From {}</strong> <span style=\"{MUTED}\">({})</span><br>{}</p>\n<ol style=\"{STEPS}\">\n",
                    esc(&o.name),
                    esc(opt.label),
                    esc(&head)
                ));
                for l in legs {
                    h.push_str(&format!("<li>{}</li>\n", esc(l.trim_start())));
                }
                h.push_str("</ol>\n");
                if let Some(svg) = map {
                    h.push_str(&format!(
                        "</div>\n<figure style=\"{FIGURE_SMALL}\">\n{svg}</figure>\n</div>\n"
                    ));
                }
            }
        }
    }

    if let Some(f) = &a.fares {
        h.push_str(&format!(
            "<h3 style=\"{H3}\">Fares</h3>\n<ul style=\"{UL}\">\n"
        ));
        for l in f.lines() {
            h.push_str(&format!("<li>{}</li>\n", esc(&l)));
        }
        h.push_str("</ul>\n");
    }

    if let Some(last) = &a.last_departures {
        let end = a.event.end_text.clone().unwrap_or_default();
        h.push_str(&format!(
            "<h3 style=\"{H3}\">Getting home <span style=\"{MUTED}\">(the event ends at {})</span></h3>\n",
            esc(&end)
        ));
        if last.is_empty() {
            h.push_str("<p>No departures from the nearby stops after the event.</p>\n");
        } else {
            h.push_str(&format!("<ul style=\"{UL}\">\n"));
            for l in last {
                let warn = l
                    .warning
                    .as_ref()
                    .map(|w| {
                        format!(
                            " <strong style=\"color:#b34700\">— note: {}</strong>",
                            esc(w)
                        )
                    })
                    .unwrap_or_default();
                h.push_str(&format!(
                    "<li><strong>{}</strong> towards {}: {}{warn}</li>\n",
                    esc(&l.line),
                    esc(&l.headsign),
                    esc(&super::text::last_text(l))
                ));
            }
            h.push_str("</ul>\n");
        }
    }

    if !a.alerts.is_empty() {
        h.push_str(&format!(
            "<h3 style=\"{H3}\">Service alerts</h3>\n<ul style=\"{UL}\">\n"
        ));
        for al in &a.alerts {
            h.push_str(&format!(
                "<li><strong>{}</strong>: {}",
                esc(al.effect),
                esc(&al.header)
            ));
            if let Some(d) = &al.description {
                h.push_str(&format!(" — {}", esc(d)));
            }
            // Only http(s) URLs survive `realtime::alerts::safe_url`; escaped all the same.
            if let Some(u) = &al.url {
                h.push_str(&format!(
                    " <a href=\"{}\" rel=\"nofollow noopener\">details</a>",
                    esc(u)
                ));
            }
            h.push_str("</li>\n");
        }
        h.push_str("</ul>\n");
    }

    if !a.accessibility.is_empty() {
        h.push_str(&format!(
            "<h3 style=\"{H3}\">Accessibility</h3>\n<ul style=\"{UL}\">\n"
        ));
        for n in &a.accessibility {
            h.push_str(&format!("<li>{}</li>\n", esc(n)));
        }
        h.push_str("</ul>\n");
    }
    h.push_str(&format!(
        "<p style=\"{MUTED};margin-top:1rem\">{}</p>\n</section>\n",
        esc(&a.attribution.text)
    ));
    h
}
