//! Arbitrary-precision cty numbers.
//!
//! Terraform numbers are 512-bit binary floats on its side, but on the wire they are whatever the encoder
//! found exact: a msgpack int, a float64, or a decimal string for everything else (big integers, `0.1`). A
//! `Number` keeps the exact decimal value, so nothing Terraform sends is rounded here, and two numbers
//! compare equal exactly when they are the same number however they were written (`1`, `1.0`, `"1e0"`).

use std::fmt;
use std::str::FromStr;

/// A cty number: an exact decimal, or positive or negative infinity. Never NaN.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Number(Repr);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Repr {
    Finite(Decimal),
    PositiveInfinity,
    NegativeInfinity,
}

/// `(-1)^negative × digits × 10^exponent`, kept canonical so that derived equality is numeric equality:
/// `digits` are ASCII digits without leading or trailing zeros, and zero is the empty digit string with
/// `negative == false` and `exponent == 0`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    exponent: i64,
}

/// Exponents beyond this are refused so that printing and comparing can never allocate without bound.
/// Terraform's own numbers stay far inside it.
const MAX_EXPONENT: i64 = 1 << 30;

/// Beyond this many zeros of padding, `Display` switches to scientific notation, which Terraform parses too.
const MAX_PLAIN_PADDING: i64 = 1000;

/// The text was not a decimal number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a decimal number")]
pub struct ParseNumberError(String);

impl Decimal {
    fn new(negative: bool, mut digits: Vec<u8>, mut exponent: i64) -> Decimal {
        let leading = digits.iter().take_while(|&&d| d == b'0').count();
        digits.drain(..leading);
        while digits.last() == Some(&b'0') {
            digits.pop();
            exponent += 1;
        }
        if digits.is_empty() {
            return Decimal {
                negative: false,
                digits,
                exponent: 0,
            };
        }
        Decimal {
            negative,
            digits,
            exponent,
        }
    }

    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// The value as an `i128` when it is an integer of at most 38 digits.
    fn to_i128(&self) -> Option<i128> {
        if self.exponent < 0 {
            return None;
        }
        let width = self.digits.len() as i64 + self.exponent;
        if width > 38 {
            return None;
        }
        let mut v: i128 = 0;
        for &d in &self.digits {
            v = v * 10 + i128::from(d - b'0');
        }
        for _ in 0..self.exponent {
            v *= 10;
        }
        Some(if self.negative { -v } else { v })
    }
}

impl Number {
    /// Positive infinity, which Terraform sends as a float64 infinity.
    pub fn positive_infinity() -> Number {
        Number(Repr::PositiveInfinity)
    }

    /// Negative infinity.
    pub fn negative_infinity() -> Number {
        Number(Repr::NegativeInfinity)
    }

    /// The exact value of `f`, or `None` for NaN, which cty has no place for.
    pub fn from_f64(f: f64) -> Option<Number> {
        if f.is_nan() {
            return None;
        }
        if f.is_infinite() {
            return Some(if f > 0.0 {
                Self::positive_infinity()
            } else {
                Self::negative_infinity()
            });
        }
        // A float is m·2^e; its exact decimal expansion has exactly -e fractional digits when e < 0, and Rust's
        // fixed-precision formatting is exact, so printing with that precision loses nothing.
        let bits = f.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i64;
        let exponent = if biased == 0 { -1074 } else { biased - 1075 };
        let precision = usize::try_from(-exponent).unwrap_or(0);
        format!("{f:.precision$}").parse().ok()
    }

    /// True for the infinities.
    pub fn is_infinite(&self) -> bool {
        !matches!(self.0, Repr::Finite(_))
    }

    /// True when the number is finite and has no fractional part.
    pub fn is_integer(&self) -> bool {
        matches!(&self.0, Repr::Finite(d) if d.exponent >= 0)
    }

    /// The value as an `i64` when it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        match &self.0 {
            Repr::Finite(d) => d.to_i128().and_then(|v| i64::try_from(v).ok()),
            _ => None,
        }
    }

    /// The value as a `u64` when it is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        match &self.0 {
            Repr::Finite(d) => d.to_i128().and_then(|v| u64::try_from(v).ok()),
            _ => None,
        }
    }

    /// The value as an `f64` when that is exact (as for every number Terraform sent as a float).
    pub fn as_f64_exact(&self) -> Option<f64> {
        let f = self.to_f64_lossy();
        (Number::from_f64(f).as_ref() == Some(self)).then_some(f)
    }

    /// The nearest `f64` (infinite when out of range).
    pub fn to_f64_lossy(&self) -> f64 {
        match &self.0 {
            Repr::PositiveInfinity => f64::INFINITY,
            Repr::NegativeInfinity => f64::NEG_INFINITY,
            // Rust's float parsing rounds correctly, and `Display` output is always parseable.
            Repr::Finite(_) => self.to_string().parse().unwrap_or(f64::NAN),
        }
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Number {
        Number(Repr::Finite(Decimal::new(
            v < 0,
            v.unsigned_abs().to_string().into_bytes(),
            0,
        )))
    }
}

impl From<u64> for Number {
    fn from(v: u64) -> Number {
        Number(Repr::Finite(Decimal::new(
            false,
            v.to_string().into_bytes(),
            0,
        )))
    }
}

impl From<i32> for Number {
    fn from(v: i32) -> Number {
        Number::from(i64::from(v))
    }
}

impl FromStr for Number {
    type Err = ParseNumberError;

    /// Parses decimal notation with an optional sign, fraction and exponent (`-12`, `0.5`, `1e+400`, `.5`),
    /// which covers JSON numbers and the strings Terraform writes for numbers no float can hold.
    fn from_str(s: &str) -> Result<Number, ParseNumberError> {
        let err = || ParseNumberError(s.to_owned());
        let bytes = s.as_bytes();
        let (negative, rest) = match bytes.first() {
            Some(b'-') => (true, &bytes[1..]),
            Some(b'+') => (false, &bytes[1..]),
            _ => (false, bytes),
        };
        let mantissa_end = rest
            .iter()
            .position(|&c| c == b'e' || c == b'E')
            .unwrap_or(rest.len());
        let (mantissa, exponent_part) = rest.split_at(mantissa_end);
        let (int_part, frac_part) = match mantissa.iter().position(|&c| c == b'.') {
            Some(dot) => (&mantissa[..dot], &mantissa[dot + 1..]),
            None => (mantissa, &[][..]),
        };
        let all_digits = |part: &[u8]| part.iter().all(u8::is_ascii_digit);
        if int_part.len() + frac_part.len() == 0 || !all_digits(int_part) || !all_digits(frac_part)
        {
            return Err(err());
        }
        let mut exponent: i64 = 0;
        if !exponent_part.is_empty() {
            let text = std::str::from_utf8(&exponent_part[1..]).map_err(|_| err())?;
            let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
            if unsigned.is_empty() || !all_digits(unsigned.as_bytes()) {
                return Err(err());
            }
            exponent = text.parse().map_err(|_| err())?;
        }
        let frac_len = i64::try_from(frac_part.len()).map_err(|_| err())?;
        let exponent = exponent.checked_sub(frac_len).ok_or_else(err)?;
        let mut digits = Vec::with_capacity(int_part.len() + frac_part.len());
        digits.extend_from_slice(int_part);
        digits.extend_from_slice(frac_part);
        let decimal = Decimal::new(negative, digits, exponent);
        let magnitude = decimal.exponent + decimal.digits.len() as i64;
        if decimal.exponent.abs() > MAX_EXPONENT || magnitude.abs() > MAX_EXPONENT {
            return Err(err());
        }
        Ok(Number(Repr::Finite(decimal)))
    }
}

impl fmt::Display for Number {
    /// Plain decimal notation like Terraform's own (`-0.25`, `18446744073709551616`), switching to scientific
    /// notation only for extreme exponents. Infinities print as `+Inf`/`-Inf`, as Go does.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = match &self.0 {
            Repr::PositiveInfinity => return f.write_str("+Inf"),
            Repr::NegativeInfinity => return f.write_str("-Inf"),
            Repr::Finite(d) => d,
        };
        if d.is_zero() {
            return f.write_str("0");
        }
        if d.negative {
            f.write_str("-")?;
        }
        // Digits are ASCII by construction.
        let digits = std::str::from_utf8(&d.digits).map_err(|_| fmt::Error)?;
        let len = d.digits.len() as i64;
        if d.exponent >= 0 && d.exponent <= MAX_PLAIN_PADDING {
            f.write_str(digits)?;
            (0..d.exponent).try_for_each(|_| f.write_str("0"))
        } else if d.exponent < 0 && -d.exponent < len {
            let split = (len + d.exponent) as usize;
            write!(f, "{}.{}", &digits[..split], &digits[split..])
        } else if d.exponent < 0 && -d.exponent - len <= MAX_PLAIN_PADDING {
            f.write_str("0.")?;
            (0..(-d.exponent - len)).try_for_each(|_| f.write_str("0"))?;
            f.write_str(digits)
        } else {
            let (first, rest) = digits.split_at(1);
            let scientific_exponent = d.exponent + len - 1;
            if rest.is_empty() {
                write!(f, "{first}e{scientific_exponent:+}")
            } else {
                write!(f, "{first}.{rest}e{scientific_exponent:+}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        s.parse().unwrap()
    }

    #[test]
    fn equal_numbers_compare_equal_however_written() {
        assert_eq!(n("1"), n("1.000"));
        assert_eq!(n("1"), Number::from(1i64));
        assert_eq!(n("100"), n("1e2"));
        assert_eq!(n("0.5"), Number::from_f64(0.5).unwrap());
        assert_eq!(n("-0"), n("0"));
        assert_eq!(Number::from_f64(-0.0).unwrap(), Number::from(0i64));
        assert_ne!(n("0.1"), Number::from_f64(0.1).unwrap());
    }

    #[test]
    fn floats_convert_exactly() {
        assert_eq!(
            Number::from_f64(0.1).unwrap().to_string(),
            "0.1000000000000000055511151231257827021181583404541015625"
        );
        assert_eq!(
            Number::from_f64(1e23).unwrap().to_string(),
            "99999999999999991611392"
        );
        assert_eq!(
            Number::from_f64(f64::MIN_POSITIVE / 4.0)
                .unwrap()
                .as_f64_exact(),
            Some(f64::MIN_POSITIVE / 4.0)
        );
        assert!(Number::from_f64(f64::NAN).is_none());
    }

    #[test]
    fn integer_accessors() {
        assert_eq!(n("9223372036854775807").as_i64(), Some(i64::MAX));
        assert_eq!(n("9223372036854775808").as_i64(), None);
        assert_eq!(n("9223372036854775808").as_u64(), Some(1 << 63));
        assert_eq!(n("-1").as_u64(), None);
        assert_eq!(n("1.5").as_i64(), None);
        assert_eq!(n("12e3").as_i64(), Some(12000));
        assert_eq!(Number::from(i64::MIN).as_i64(), Some(i64::MIN));
    }

    #[test]
    fn display_is_plain_decimal() {
        assert_eq!(n("-0.0025").to_string(), "-0.0025");
        assert_eq!(n("123.456").to_string(), "123.456");
        assert_eq!(n("1.5e3").to_string(), "1500");
        assert_eq!(n("1e5000").to_string(), "1e+5000");
        assert_eq!(n("-12.5e-5000").to_string(), "-1.25e-4999");
        for text in [
            "1e5000",
            "-12.5e-5000",
            "0.000001",
            "31415926535897932384626433832795028841971",
        ] {
            assert_eq!(n(&n(text).to_string()), n(text));
        }
    }

    #[test]
    fn rejects_non_numbers() {
        for bad in [
            "",
            "-",
            ".",
            "1e",
            "1e+",
            "abc",
            "1.2.3",
            "0x10",
            "NaN",
            "1e99999999999999999999",
            " 1",
        ] {
            assert!(bad.parse::<Number>().is_err(), "{bad:?} parsed");
        }
    }
}
