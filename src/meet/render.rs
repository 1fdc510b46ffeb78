//! Text, markdown and HTML renderings of a [`Meet`]: the ranking with every cell, then the
//! winner with each person's journey as `plan` shows it. The JSON form is the model itself.

use super::{CellView, Meet, VenueRow};
use crate::announce::html::esc;
use crate::cli::Rank;
use crate::itinerary::{minutes, whole_minutes};
use crate::time::{format_hm, local_date, to_local};
use crate::timetable::Timetable;

/// People beyond this many are listed as rows of their own table instead of as columns.
const MAX_PEOPLE_COLUMNS: usize = 6;

fn label(m: &Meet, i: usize) -> String {
    let l = &m.people[i].label;
    if l.trim().is_empty() {
        format!("person {}", i + 1)
    } else {
        l.clone()
    }
}

fn venue_name(v: &VenueRow) -> &str {
    &v.venue.name
}

fn headline(m: &Meet, tt: &Timetable) -> String {
    let tz = tt.tz();
    let t = m.time;
    let day = to_local(tz, t).format("%a %-d %b %Y");
    if m.window_s > 0 {
        format!(
            "arrive between {} and {} on {day}",
            format_hm(tz, t - m.window_s as i64),
            format_hm(tz, t)
        )
    } else {
        format!("arrive by {} on {day}", format_hm(tz, t))
    }
}

fn rank_words(r: Rank) -> &'static str {
    match r {
        Rank::Worst => "the longest trip",
        Rank::Mean => "the mean trip",
        Rank::Median => "the median trip",
    }
}

fn summary(m: &Meet) -> String {
    format!(
        "{} {}, {} venue{}; ranked by how many can get there, then {}, then the mean; \"no way\" means nothing leaves within {} before the time",
        m.people.len(),
        if m.people.len() == 1 {
            "person"
        } else {
            "people"
        },
        m.venues.len(),
        if m.venues.len() == 1 { "" } else { "s" },
        rank_words(m.rank),
        minutes(m.max_duration_s as i64)
    )
}

fn opt_min(s: Option<i64>) -> String {
    s.map(minutes).unwrap_or_else(|| "—".into())
}

/// A cell in a table: "27 min (17:03)", "here", "no way".
fn cell_text(m: &Meet, tt: &Timetable, c: &CellView) -> String {
    let day = local_date(tt.tz(), m.time);
    match c {
        CellView::Reached { here: true, .. } => "here".into(),
        CellView::Reached { dep_t, .. } => format!(
            "{} ({})",
            whole_minutes(c.shown_minutes().unwrap_or(0)),
            crate::itinerary::when(tt, *dep_t, day)
        ),
        CellView::None { .. } => "no way".into(),
    }
}

/// The ranking as rows of cells (header first): venue, reach, measures and, when there are
/// few people, one column per person.
fn ranking_rows(m: &Meet, tt: &Timetable) -> Vec<Vec<String>> {
    let wide = m.people.len() <= MAX_PEOPLE_COLUMNS;
    let mut head: Vec<String> = ["#", "Venue", "Reach", "Longest", "Mean", "Median"]
        .map(String::from)
        .to_vec();
    if wide {
        head.extend((0..m.people.len()).map(|i| label(m, i)));
    }
    let mut rows = vec![head];
    for (i, v) in m.venues.iter().enumerate() {
        let mut r = vec![
            format!("{}", i + 1),
            venue_name(v).to_string(),
            format!("{}/{}", v.reachable, m.people.len()),
            // The longest of the cells as they are shown (mean and median are of seconds).
            v.worst_s
                .and(v.cells.iter().filter_map(CellView::shown_minutes).max())
                .map_or_else(|| "—".into(), whole_minutes),
            opt_min(v.mean_s),
            opt_min(v.median_s),
        ];
        if wide {
            r.extend(v.cells.iter().map(|c| cell_text(m, tt, c)));
        }
        rows.push(r);
    }
    rows
}

/// People × venues (by rank number), for many people.
fn people_rows(m: &Meet, tt: &Timetable) -> Vec<Vec<String>> {
    let mut head = vec!["Person".to_string()];
    head.extend((1..=m.venues.len()).map(|i| format!("#{i}")));
    let mut rows = vec![head];
    for p in 0..m.people.len() {
        let mut r = vec![label(m, p)];
        r.extend(m.venues.iter().map(|v| cell_text(m, tt, &v.cells[p])));
        rows.push(r);
    }
    rows
}

fn text_table(rows: &[Vec<String>]) -> String {
    let cols = rows.first().map(|r| r.len()).unwrap_or(0);
    let width: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map(|x| x.chars().count()).unwrap_or(0))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut s = String::new();
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(c, x)| format!("{x}{}", " ".repeat(width[c] - x.chars().count())))
            .collect();
        s.push_str(line.join("  ").trim_end());
        s.push('\n');
    }
    s
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

fn md_table(rows: &[Vec<String>]) -> String {
    let mut s = String::new();
    for (i, r) in rows.iter().enumerate() {
        let cells: Vec<String> = r.iter().map(|x| md_escape(x)).collect();
        s.push_str(&format!("| {} |\n", cells.join(" | ")));
        if i == 0 {
            s.push_str(&format!("|{}\n", "---|".repeat(r.len())));
        }
    }
    s
}

/// The winner's sentence: who reaches it and the longest trip.
fn winner_line(m: &Meet, w: &VenueRow) -> String {
    let everyone = w.reachable == m.people.len();
    let longest = w
        .cells
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.shown_minutes().map(|d| (d, i)))
        .max_by_key(|&(d, i)| (d, std::cmp::Reverse(i)));
    let who = if everyone {
        "everyone can get there".to_string()
    } else {
        format!("{} of {} can get there", w.reachable, m.people.len())
    };
    match longest {
        Some((d, i)) => format!(
            "{who}; the longest trip is {} (from {})",
            whole_minutes(d),
            label(m, i)
        ),
        None => who,
    }
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Each person's journey to the winner: (label, summary line, steps).
fn journeys(m: &Meet, tt: &Timetable, w: &VenueRow) -> Vec<(String, String, Vec<String>)> {
    let day = local_date(tt.tz(), m.time);
    let list = w.journeys.as_deref().unwrap_or(&[]);
    w.cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (head, steps) = match (c, list.get(i).and_then(|x| x.as_ref())) {
                (_, Some(it)) => it.text_lines(tt, day),
                (CellView::Reached { here: true, .. }, _) => {
                    ("already at the venue's stop".to_string(), Vec::new())
                }
                _ => (
                    format!(
                        "no way within {} before the time",
                        minutes(m.max_duration_s as i64)
                    ),
                    Vec::new(),
                ),
            };
            (label(m, i), head, steps)
        })
        .collect()
}

/// Plain text, for a terminal.
pub fn render_text(m: &Meet, tt: &Timetable) -> String {
    let mut s = format!(
        "Where to meet: {} · times in {}\n{}\n\n",
        headline(m, tt),
        m.timezone,
        summary(m)
    );
    s.push_str(&text_table(&ranking_rows(m, tt)));
    if m.people.len() > MAX_PEOPLE_COLUMNS {
        s.push('\n');
        s.push_str(&text_table(&people_rows(m, tt)));
    }
    match m.winner() {
        Some(w) => {
            s.push_str(&format!(
                "\nWinner: {} — {}\n",
                venue_name(w),
                winner_line(m, w)
            ));
            for (who, head, steps) in journeys(m, tt, w) {
                s.push_str(&format!("\n{who}: {head}\n"));
                for l in steps {
                    s.push_str(&format!("   {l}\n"));
                }
            }
        }
        None => s.push_str("\nNo venue can be reached by anyone.\n"),
    }
    s
}

/// Markdown, to paste into a poll or an announcement.
pub fn render_markdown(m: &Meet, tt: &Timetable) -> String {
    let mut s = format!(
        "## Where to meet: {}\n\n{} (times in {}).\n\n",
        headline(m, tt),
        summary(m),
        m.timezone
    );
    s.push_str(&md_table(&ranking_rows(m, tt)));
    if m.people.len() > MAX_PEOPLE_COLUMNS {
        s.push('\n');
        s.push_str(&md_table(&people_rows(m, tt)));
    }
    match m.winner() {
        Some(w) => {
            s.push_str(&format!(
                "\n### Winner: {}\n\n{}.\n",
                md_escape(venue_name(w)),
                capitalized(&winner_line(m, w))
            ));
            for (who, head, steps) in journeys(m, tt, w) {
                s.push_str(&format!("\n**{}**: {head}\n", md_escape(&who)));
                if !steps.is_empty() {
                    s.push('\n');
                }
                for l in steps {
                    s.push_str(&format!("- {}\n", l.trim_start()));
                }
            }
        }
        None => s.push_str("\nNo venue can be reached by anyone.\n"),
    }
    s
}

const SECTION: &str = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:60rem;color:#1d1d1f;line-height:1.45;border:1px solid #d0d4da;border-radius:10px;padding:1rem 1.25rem;background:#ffffff";
const CELL: &str = "border-bottom:1px solid #e3e6ea;padding:0.2rem 0.6rem;text-align:left";

fn html_table(rows: &[Vec<String>]) -> String {
    let mut s = String::from("<table style=\"border-collapse:collapse\">\n");
    for (i, r) in rows.iter().enumerate() {
        let tag = if i == 0 { "th" } else { "td" };
        s.push_str("<tr>");
        for x in r {
            s.push_str(&format!("<{tag} style=\"{CELL}\">{}</{tag}>", esc(x)));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</table>\n");
    s
}

/// An HTML fragment (inline styles, everything escaped), like `announce --format html`.
pub fn render_html(m: &Meet, tt: &Timetable) -> String {
    let mut s = format!("<section style=\"{SECTION}\">\n");
    s.push_str(&format!(
        "<h2>Where to meet: {}</h2>\n<p>{} (times in {}).</p>\n",
        esc(&headline(m, tt)),
        esc(&summary(m)),
        esc(&m.timezone)
    ));
    s.push_str(&html_table(&ranking_rows(m, tt)));
    if m.people.len() > MAX_PEOPLE_COLUMNS {
        s.push_str(&html_table(&people_rows(m, tt)));
    }
    match m.winner() {
        Some(w) => {
            s.push_str(&format!(
                "<h3>Winner: {}</h3>\n<p>{}.</p>\n",
                esc(venue_name(w)),
                esc(&capitalized(&winner_line(m, w)))
            ));
            for (who, head, steps) in journeys(m, tt, w) {
                s.push_str(&format!(
                    "<p><strong>{}</strong>: {}</p>\n",
                    esc(&who),
                    esc(&head)
                ));
                if !steps.is_empty() {
                    s.push_str("<ul>\n");
                    for l in steps {
                        s.push_str(&format!("<li>{}</li>\n", esc(l.trim_start())));
                    }
                    s.push_str("</ul>\n");
                }
            }
        }
        None => s.push_str("<p>No venue can be reached by anyone.</p>\n"),
    }
    s.push_str("</section>\n");
    s
}
