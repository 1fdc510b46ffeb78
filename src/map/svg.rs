//! Writes a [`Map`] as SVG 1.1: presentation attributes only (no `<style>`, so an inline map
//! cannot restyle the page around it), every id prefixed with the map's id, coordinates with one
//! decimal. Drawing order: background, streets (paths, minor, major), transit lines (casing,
//! then colour), walks, stops, places and entrances, labels, legend, scale bar, north arrow,
//! attribution.

use super::{ATTRIB_FONT, LabelKind, LegendItem, Map, PlaceKind, Px, StreetClass, text_width};
use std::fmt::Write;

const INK: &str = "#1d1d1f";
const FONT: &str = "DejaVu Sans,Verdana,Arial,sans-serif";

/// A coordinate with one decimal, without a trailing ".0" (and never "-0").
pub(crate) fn num(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r == 0.0 {
        return "0".into();
    }
    let s = format!("{r:.1}");
    match s.strip_suffix(".0") {
        Some(i) => i.to_string(),
        None => s,
    }
}

pub(crate) use crate::escape::xml as esc;

/// Path data for polylines: "M x y L x y x y …" per part.
fn path_d(parts: &[Vec<Px>]) -> String {
    let mut d = String::new();
    for p in parts {
        for (i, q) in p.iter().enumerate() {
            let cmd = match i {
                0 => "M",
                1 => "L",
                _ => " ",
            };
            let _ = write!(d, "{cmd}{} {}", num(q[0]), num(q[1]));
        }
    }
    d
}

fn stop_symbol(o: &mut String, at: Px, rail: bool, title: &str) {
    let _ = writeln!(
        o,
        "<circle class=\"stop\" cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"#ffffff\" stroke=\"{INK}\" stroke-width=\"2\"><title>{}</title></circle>",
        num(at[0]),
        num(at[1]),
        if rail { "4.5" } else { "3.5" },
        esc(title)
    );
}

fn place_symbol(o: &mut String, at: Px, kind: PlaceKind, title: &str) {
    let (x, y) = (at[0], at[1]);
    let t = esc(title);
    let _ = match kind {
        PlaceKind::Venue => writeln!(
            o,
            "<rect class=\"venue\" x=\"{}\" y=\"{}\" width=\"14\" height=\"14\" fill=\"{INK}\" stroke=\"#ffffff\" stroke-width=\"2\"><title>{t}</title></rect>",
            num(x - 7.0),
            num(y - 7.0)
        ),
        // A bullseye: unlike a stop's plain ring.
        PlaceKind::Start => writeln!(
            o,
            "<g class=\"place-start\"><title>{t}</title><circle cx=\"{x}\" cy=\"{y}\" r=\"7\" fill=\"#ffffff\" stroke=\"{INK}\" stroke-width=\"3\"/><circle cx=\"{x}\" cy=\"{y}\" r=\"2.5\" fill=\"{INK}\"/></g>",
            x = num(x),
            y = num(y)
        ),
        PlaceKind::End => writeln!(
            o,
            "<circle class=\"place-end\" cx=\"{}\" cy=\"{}\" r=\"7\" fill=\"{INK}\" stroke=\"#ffffff\" stroke-width=\"2\"><title>{t}</title></circle>",
            num(x),
            num(y)
        ),
    };
}

fn entrance_symbol(o: &mut String, at: Px, title: &str) {
    let (x, y) = (at[0], at[1]);
    let _ = writeln!(
        o,
        "<path class=\"entrance\" d=\"M{} {}L{} {} {} {} {} {}Z\" fill=\"{INK}\" stroke=\"#ffffff\" stroke-width=\"1.5\"><title>{}</title></path>",
        num(x),
        num(y - 5.0),
        num(x + 5.0),
        num(y),
        num(x),
        num(y + 5.0),
        num(x - 5.0),
        num(y),
        esc(title)
    );
}

/// The SVG document.
pub fn write(m: &Map) -> String {
    let (w, h) = (m.view.width, m.view.height);
    let id = esc(&m.id);
    let mut o = String::with_capacity(64 * 1024);
    let _ = writeln!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"gethere-map\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" font-family=\"{FONT}\" style=\"max-width:100%;height:auto\">",
        num(w),
        num(h),
        num(w),
        num(h)
    );
    let _ = writeln!(o, "<title id=\"{id}-title\">{}</title>", esc(&m.title));
    let _ = writeln!(o, "<desc id=\"{id}-desc\">{}</desc>", esc(&m.desc));
    let _ = writeln!(
        o,
        "<rect width=\"{}\" height=\"{}\" fill=\"#f1f0ec\"/>",
        num(w),
        num(h)
    );

    // Streets: paths thin and dashed; streets white with a grey edge, major ones wider.
    if m.streets.iter().any(|(_, p)| !p.is_empty()) {
        let _ = writeln!(
            o,
            "<g class=\"streets\" fill=\"none\" stroke-linecap=\"round\" stroke-linejoin=\"round\">"
        );
        for (class, parts) in &m.streets {
            if parts.is_empty() {
                continue;
            }
            let d = path_d(parts);
            match class {
                StreetClass::Path => {
                    let _ = writeln!(
                        o,
                        "<path class=\"street-path\" stroke=\"#a3a3a3\" stroke-width=\"0.8\" stroke-dasharray=\"2 2\" d=\"{d}\"/>"
                    );
                }
                StreetClass::Minor => {
                    let _ = writeln!(
                        o,
                        "<path class=\"street-minor-edge\" stroke=\"#c9c9c9\" stroke-width=\"5.5\" d=\"{d}\"/>\n<path class=\"street-minor\" stroke=\"#ffffff\" stroke-width=\"4\" d=\"{d}\"/>"
                    );
                }
                StreetClass::Major => {
                    let _ = writeln!(
                        o,
                        "<path class=\"street-major-edge\" stroke=\"#a8a8a8\" stroke-width=\"9\" d=\"{d}\"/>\n<path class=\"street-major\" stroke=\"#ffffff\" stroke-width=\"7\" d=\"{d}\"/>"
                    );
                }
            }
        }
        let _ = writeln!(o, "</g>");
    }

    // Transit lines: a white casing under each, then the line in its colour and dash pattern.
    if !m.lines.is_empty() {
        let _ = writeln!(
            o,
            "<g class=\"lines\" fill=\"none\" stroke-linecap=\"butt\" stroke-linejoin=\"round\">"
        );
        for l in &m.lines {
            let _ = writeln!(
                o,
                "<path class=\"line-casing\" stroke=\"#ffffff\" stroke-width=\"{}\" d=\"{}\"/>",
                num(l.width + 3.0),
                path_d(&l.parts)
            );
        }
        for l in &m.lines {
            let dash = if l.dash.is_empty() {
                String::new()
            } else {
                format!(" stroke-dasharray=\"{}\"", l.dash)
            };
            let _ = writeln!(
                o,
                "<path class=\"line\" stroke=\"{}\" stroke-width=\"{}\"{dash} d=\"{}\"><title>{} ({})</title></path>",
                l.color,
                num(l.width),
                path_d(&l.parts),
                esc(&l.name),
                l.mode
            );
        }
        let _ = writeln!(o, "</g>");
    }

    // Walks: dark dots, readable on any background.
    if !m.walks.is_empty() {
        let _ = writeln!(
            o,
            "<g class=\"walks\" fill=\"none\" stroke-linecap=\"round\" stroke-linejoin=\"round\">\n<path class=\"walk-casing\" stroke=\"#ffffff\" stroke-width=\"5\" stroke-opacity=\"0.8\" d=\"{d}\"/>\n<path class=\"walk\" stroke=\"{INK}\" stroke-width=\"3\" stroke-dasharray=\"0.1 5\" d=\"{d}\"><title>Walk</title></path>\n</g>",
            d = path_d(&m.walks)
        );
    }

    // Stops, then places and their entrances on top.
    if !m.stops.is_empty() {
        let _ = writeln!(o, "<g class=\"stops\">");
        for s in &m.stops {
            stop_symbol(&mut o, s.at, s.rail, &s.title);
        }
        let _ = writeln!(o, "</g>");
    }
    if !m.places.is_empty() {
        let _ = writeln!(o, "<g class=\"places\">");
        for p in &m.places {
            for (n, e) in &p.entrances {
                entrance_symbol(&mut o, *e, &format!("{}: {n}", p.name));
            }
            place_symbol(&mut o, p.at, p.kind, &p.name);
        }
        let _ = writeln!(o, "</g>");
    }

    // Labels with a white halo.
    if !m.labels.is_empty() {
        let _ = writeln!(
            o,
            "<g class=\"labels\" fill=\"{INK}\" stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\">"
        );
        for l in &m.labels {
            let style = match l.kind {
                LabelKind::Place => " font-weight=\"bold\"",
                LabelKind::Stop => " font-weight=\"bold\" fill=\"#333333\"",
                LabelKind::Entrance => " font-style=\"italic\"",
                LabelKind::Street => " fill=\"#555555\" font-style=\"italic\"",
            };
            let rot = if l.angle.abs() > 0.05 {
                format!(
                    " transform=\"rotate({} {} {})\"",
                    num(l.angle),
                    num(l.at[0]),
                    num(l.at[1])
                )
            } else {
                String::new()
            };
            // A two-line label: one <tspan> per row, each back at x.
            let body = if l.text.contains('\n') {
                l.text
                    .split('\n')
                    .enumerate()
                    .map(|(i, row)| {
                        let dy = if i == 0 {
                            String::new()
                        } else {
                            format!(" dy=\"{}em\"", super::LINE_HEIGHT)
                        };
                        format!("<tspan x=\"{}\"{dy}>{}</tspan>", num(l.at[0]), esc(row))
                    })
                    .collect::<String>()
            } else {
                esc(&l.text)
            };
            let _ = writeln!(
                o,
                "<text x=\"{}\" y=\"{}\" font-size=\"{}\"{style}{rot}>{body}</text>",
                num(l.at[0]),
                num(l.at[1]),
                num(l.size),
            );
        }
        let _ = writeln!(o, "</g>");
    }

    // Legend: what each symbol and line means (the lines by name, so colour is not needed).
    if !m.legend.is_empty() {
        let [x, y, bw, bh] = m.legend_box;
        let _ = writeln!(
            o,
            "<g class=\"legend\" font-size=\"10\">\n<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.9\" stroke=\"#8a8a8a\" stroke-width=\"0.8\"/>",
            num(x),
            num(y),
            num(bw),
            num(bh)
        );
        for (i, item) in m.legend.iter().enumerate() {
            let cy = y + 11.0 + i as f64 * 14.0;
            let (sx, tx) = (x + 17.0, x + 34.0);
            let text = match item {
                LegendItem::Place(kind, name) => {
                    place_symbol_small(&mut o, [sx, cy], *kind);
                    name.clone()
                }
                LegendItem::Stop => {
                    let _ = writeln!(
                        o,
                        "<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"#ffffff\" stroke=\"{INK}\" stroke-width=\"2\"/>",
                        num(sx),
                        num(cy)
                    );
                    "Stop".into()
                }
                LegendItem::Walk => {
                    let _ = writeln!(
                        o,
                        "<path d=\"M{} {}h20\" stroke=\"{INK}\" stroke-width=\"3\" stroke-linecap=\"round\" stroke-dasharray=\"0.1 5\"/>",
                        num(sx - 10.0),
                        num(cy)
                    );
                    "Walk".into()
                }
                LegendItem::Line(k) => {
                    let l = &m.lines[*k];
                    let dash = if l.dash.is_empty() {
                        String::new()
                    } else {
                        format!(" stroke-dasharray=\"{}\"", l.dash)
                    };
                    let _ = writeln!(
                        o,
                        "<path d=\"M{} {}h20\" stroke=\"{}\" stroke-width=\"{}\"{dash}/>",
                        num(sx - 10.0),
                        num(cy),
                        l.color,
                        num(l.width)
                    );
                    l.name.clone()
                }
                LegendItem::More(n) => format!("+ {n} more lines"),
            };
            // Clip long names to the box.
            let max = ((bw - 38.0) / (10.0 * super::EM_ADVANCE)).floor().max(4.0) as usize;
            let text = if text.chars().count() > max {
                let t: String = text.chars().take(max - 1).collect();
                format!("{}…", t.trim_end())
            } else {
                text
            };
            let _ = writeln!(
                o,
                "<text x=\"{}\" y=\"{}\" fill=\"{INK}\">{}</text>",
                num(tx),
                num(cy + 3.5),
                esc(&text)
            );
        }
        let _ = writeln!(o, "</g>");
    }

    if let Some(n) = &m.note {
        let _ = writeln!(
            o,
            "<text class=\"note\" x=\"{}\" y=\"{}\" font-size=\"12\" font-style=\"italic\" text-anchor=\"middle\" fill=\"{INK}\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
            num(w / 2.0),
            num(h - 44.0),
            esc(n)
        );
    }

    // Scale bar, bottom left: two halves, black and white.
    let (len, text) = &m.scale;
    let (x0, y0) = (10.0, h - 14.0);
    let _ = writeln!(
        o,
        "<g class=\"scale\" font-size=\"10\">\n<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"5\" fill=\"{INK}\" stroke=\"{INK}\" stroke-width=\"1\"/>\n<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"5\" fill=\"#ffffff\" stroke=\"{INK}\" stroke-width=\"1\"/>\n<text x=\"{}\" y=\"{}\" fill=\"{INK}\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>\n</g>",
        num(x0),
        num(y0),
        num(len / 2.0),
        num(x0 + len / 2.0),
        num(y0),
        num(len / 2.0),
        num(x0 + len + 5.0),
        num(y0 + 5.0),
        esc(text)
    );

    // North arrow, top right.
    let nx = w - 16.0;
    let _ = writeln!(
        o,
        "<g class=\"north\"><title>North is up</title>\n<path d=\"M{} 6L{} 26 {} 21 {} 26Z\" fill=\"{INK}\" stroke=\"#ffffff\" stroke-width=\"1\"/>\n<text x=\"{}\" y=\"38\" font-size=\"11\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"{INK}\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">N</text>\n</g>",
        num(nx),
        num(nx + 6.0),
        num(nx),
        num(nx - 6.0),
        num(nx)
    );

    // Attribution, bottom right.
    if !m.attribution.is_empty() {
        let n = m.attribution.len() as f64;
        let lh = ATTRIB_FONT + 2.0;
        let aw = m
            .attribution
            .iter()
            .map(|s| text_width(s, ATTRIB_FONT))
            .fold(0.0, f64::max);
        let _ = writeln!(
            o,
            "<g class=\"attribution\" font-size=\"{}\" fill=\"#333333\" text-anchor=\"end\">\n<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#ffffff\" fill-opacity=\"0.8\"/>",
            num(ATTRIB_FONT),
            num(w - aw - 6.0),
            num(h - n * lh - 3.0),
            num(aw + 6.0),
            num(n * lh + 3.0)
        );
        for (i, line) in m.attribution.iter().enumerate() {
            let _ = writeln!(
                o,
                "<text x=\"{}\" y=\"{}\">{}</text>",
                num(w - 3.0),
                num(h - 4.0 - (n - 1.0 - i as f64) * lh),
                esc(line)
            );
        }
        let _ = writeln!(o, "</g>");
    }
    o.push_str("</svg>\n");
    o
}

fn place_symbol_small(o: &mut String, at: Px, kind: PlaceKind) {
    let _ = match kind {
        PlaceKind::Venue => writeln!(
            o,
            "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{INK}\"/>",
            num(at[0] - 5.0),
            num(at[1] - 5.0)
        ),
        PlaceKind::Start => writeln!(
            o,
            "<circle cx=\"{x}\" cy=\"{y}\" r=\"5\" fill=\"#ffffff\" stroke=\"{INK}\" stroke-width=\"2\"/><circle cx=\"{x}\" cy=\"{y}\" r=\"1.8\" fill=\"{INK}\"/>",
            x = num(at[0]),
            y = num(at[1])
        ),
        PlaceKind::End => writeln!(
            o,
            "<circle cx=\"{}\" cy=\"{}\" r=\"5\" fill=\"{INK}\"/>",
            num(at[0]),
            num(at[1])
        ),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_stable() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.04), "12");
        assert_eq!(num(-0.04), "0");
        assert_eq!(num(3.25), "3.3");
        assert_eq!(num(-7.46), "-7.5");
    }
}
