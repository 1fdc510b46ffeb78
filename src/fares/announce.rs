//! The "Fares" section of an announcement: the ticket an attendee needs for each suggested
//! journey, what to pay with (fare media), where to buy (the agencies' `agency_fare_url`), and
//! "free" where the price is 0. Built once from the announcement's priced itineraries; the
//! renderers only print it.

use super::FareModel;
use crate::announce::OriginView;
use crate::timetable::Timetable;
use serde::Serialize;

/// One suggested journey's fare.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JourneyFare {
    /// "Union Station" (the origin's name).
    pub from: String,
    /// "latest departure", "fewest transfers".
    pub label: String,
    /// "$2.50 (valid 2 h 30 min)", "free", "unknown …".
    pub text: String,
}

/// Where an agency sells its fares.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BuyAt {
    pub agency: String,
    pub url: String,
}

/// The section.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FaresSection {
    pub model: FareModel,
    pub journeys: Vec<JourneyFare>,
    /// Fare media the products above can be bought on.
    pub media: Vec<String>,
    pub buy_at: Vec<BuyAt>,
}

/// Builds the section from the suggested journeys (whose itineraries carry their fare).
/// `None` when there is no suggested journey.
pub fn section(tt: &Timetable, origins: &[OriginView]) -> Option<FaresSection> {
    let mut journeys = Vec::new();
    let mut media: Vec<String> = Vec::new();
    let mut agencies: Vec<u32> = Vec::new();
    for o in origins {
        for opt in &o.options {
            let it = &opt.itinerary;
            for l in &it.legs {
                if let Some(r) = &l.route
                    && let Some(route) = tt.routes.iter().find(|x| x.id == r.id)
                    && !agencies.contains(&route.agency)
                {
                    agencies.push(route.agency);
                }
            }
            let Some(f) = &it.fare else { continue };
            for p in &f.products {
                for m in &p.media {
                    if !media.contains(m) {
                        media.push(m.clone());
                    }
                }
            }
            journeys.push(JourneyFare {
                from: o.name.clone(),
                label: opt.label.to_string(),
                text: f.text.strip_prefix("fare ").unwrap_or(&f.text).to_string(),
            });
        }
    }
    if journeys.is_empty() {
        return None;
    }
    agencies.sort_unstable();
    let buy_at = agencies
        .iter()
        .filter_map(|&a| {
            let agency = tt.agencies.get(a as usize)?;
            let url = tt
                .fares
                .agency_fare_urls
                .get(a as usize)
                .cloned()
                .flatten()
                .unwrap_or_else(|| agency.url.clone());
            Some(BuyAt {
                agency: agency.name.clone(),
                url,
            })
        })
        .collect();
    Some(FaresSection {
        model: tt.fares.model(),
        journeys,
        media,
        buy_at,
    })
}

impl FaresSection {
    /// The section's lines as plain text (renderers escape and mark them up).
    pub fn lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .journeys
            .iter()
            .map(|j| format!("From {} ({}): {}", j.from, j.label, j.text))
            .collect();
        if !self.media.is_empty() {
            out.push(format!("Pay with: {}", super::or_list(&self.media)));
        }
        for b in &self.buy_at {
            out.push(format!("Fares and tickets ({}): {}", b.agency, b.url));
        }
        out
    }
}
