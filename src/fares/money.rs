//! Money without floats: an amount is an integer count of the currency's minor units (cents
//! for USD, yen for JPY), parsed from and printed as a decimal string. ISO 4217 decides how many
//! minor units a currency has; a code that is not in ISO 4217 is refused, not guessed.

use serde::{Deserialize, Serialize};

/// An amount of one currency, in its minor units.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Minor units (cents for USD): never a float.
    pub minor: i64,
    /// The ISO 4217 code, upper case.
    pub currency: [u8; 3],
    /// The currency's minor units (decimals), looked up once when parsed.
    pub units: u8,
}

/// Active ISO 4217 codes (2024 list). Everything not here is "an unknown currency".
const ISO_4217: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND \
BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF \
DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR \
IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA \
MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR \
PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB \
TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG \
XOF XPF YER ZAR ZMW ZWG ZWL";

/// How many decimal places (minor units) an ISO 4217 currency has; `None` for an unknown code.
pub fn minor_units(code: &str) -> Option<u32> {
    if code.len() != 3 || !ISO_4217.split_whitespace().any(|c| c == code) {
        return None;
    }
    Some(match code {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        "CLF" | "UYW" => 4,
        _ => 2,
    })
}

impl Money {
    /// Parses a GTFS price (`2.5`, `2.50`, `300`) in `currency`. Refuses negative amounts,
    /// unknown currencies, and more decimals than the currency has (`2.505 USD`); trailing
    /// zeros beyond them are fine (`2.500`).
    pub fn parse(amount: &str, currency: &str) -> Result<Money, String> {
        let code = currency.trim().to_ascii_uppercase();
        let Some(units) = minor_units(&code) else {
            return Err(format!(
                "unknown currency '{currency}' (not an ISO 4217 code)"
            ));
        };
        let a = amount.trim();
        if a.starts_with('-') {
            return Err(format!("negative price {a}"));
        }
        let (int, frac) = a.split_once('.').unwrap_or((a, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() && frac.is_empty() || !digits(int) || !digits(frac) {
            return Err(format!("price '{a}' is not a decimal number"));
        }
        let (keep, extra) = frac.split_at(frac.len().min(units as usize));
        if extra.bytes().any(|b| b != b'0') {
            return Err(format!(
                "price {a} has more decimals than {code} has minor units ({units})"
            ));
        }
        let mut minor: i64 = 0;
        for b in int.bytes().chain(keep.bytes()) {
            minor = minor
                .checked_mul(10)
                .and_then(|m| m.checked_add((b - b'0') as i64))
                .ok_or_else(|| format!("price {a} is too large"))?;
        }
        for _ in keep.len()..units as usize {
            minor = minor
                .checked_mul(10)
                .ok_or_else(|| format!("price {a} is too large"))?;
        }
        let mut cur = [0u8; 3];
        cur.copy_from_slice(code.as_bytes());
        Ok(Money {
            minor,
            currency: cur,
            units: units as u8,
        })
    }

    /// The currency code as text.
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.currency).unwrap_or("XXX")
    }

    /// The amount as a decimal string with the currency's minor units: `2.50`, `300` (JPY).
    pub fn decimal(&self) -> String {
        decimal(self.minor, self.units as u32)
    }

    /// The amount as riders read it: `$2.50`, `€1.90`, `¥300`, or `2.50 CHF`.
    pub fn display(&self) -> String {
        let d = self.decimal();
        match self.code() {
            "USD" | "CAD" | "AUD" | "NZD" => format!("${d}"),
            "EUR" => format!("€{d}"),
            "GBP" => format!("£{d}"),
            "JPY" => format!("¥{d}"),
            other => format!("{d} {other}"),
        }
    }
}

/// `minor` units as a decimal string with `units` decimals (negative amounts keep their sign).
pub fn decimal(minor: i64, units: u32) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    if units == 0 {
        return format!("{sign}{m}");
    }
    let p = 10u64.pow(units);
    format!("{sign}{}.{:0width$}", m / p, m % p, width = units as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exact_minor_units() {
        assert_eq!(Money::parse("2.5", "USD").unwrap().minor, 250);
        assert_eq!(Money::parse("2.80", "usd").unwrap().minor, 280);
        assert_eq!(Money::parse("0.00", "USD").unwrap().minor, 0);
        assert_eq!(Money::parse("300", "JPY").unwrap().minor, 300);
        assert_eq!(Money::parse("1.250", "BHD").unwrap().minor, 1250);
        assert_eq!(Money::parse("2.500", "USD").unwrap().minor, 250);
        assert_eq!(Money::parse(".5", "USD").unwrap().minor, 50);
    }

    #[test]
    fn refuses_what_it_cannot_price() {
        assert!(
            Money::parse("-1.00", "USD")
                .unwrap_err()
                .contains("negative")
        );
        assert!(
            Money::parse("2.505", "USD")
                .unwrap_err()
                .contains("decimals")
        );
        assert!(Money::parse("2.5", "JPY").unwrap_err().contains("decimals"));
        assert!(
            Money::parse("2.50", "XYZ")
                .unwrap_err()
                .contains("unknown currency")
        );
        assert!(Money::parse("", "USD").is_err());
        assert!(Money::parse("2,50", "EUR").is_err());
        assert!(Money::parse("99999999999999999999", "USD").is_err());
    }

    #[test]
    fn prints_decimal_strings_never_floats() {
        let m = Money::parse("2.5", "USD").unwrap();
        assert_eq!(m.decimal(), "2.50");
        assert_eq!(m.display(), "$2.50");
        assert_eq!(Money::parse("300", "JPY").unwrap().decimal(), "300");
        assert_eq!(Money::parse("1.9", "CHF").unwrap().display(), "1.90 CHF");
        assert_eq!(decimal(5, 2), "0.05");
    }
}
