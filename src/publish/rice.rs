//! Golomb-Rice coding of sorted numbers (the gaps between them): about `k + 2` bits a number
//! when the gaps average `2^k`, which is what lets the hidden state name 5,000 failing
//! repositories in under 15% of the body. Decoding is bounded: a state someone edited cannot
//! make it loop or allocate past what it claims.

/// The Rice parameter for `n` values spread over `2^bits`: the gaps average `2^bits / n`.
pub fn parameter(n: usize, bits: u32) -> u32 {
    let n = n.max(1) as u64;
    let mean = (1u64 << bits) / n;
    // k ≈ log2(mean · ln 2), the optimum for geometric gaps.
    let target = (mean as f64 * std::f64::consts::LN_2).max(1.0);
    (target.log2().floor() as u32).min(bits)
}

/// Sorted, distinct values as Rice-coded gaps (the first from 0), most significant bit first.
pub fn pack(sorted: &[u32], k: u32) -> Vec<u8> {
    let mut w = Writer::default();
    let mut last = 0u32;
    for (i, &v) in sorted.iter().enumerate() {
        let gap = if i == 0 { v } else { v - last - 1 };
        last = v;
        for _ in 0..(gap >> k) {
            w.bit(true);
        }
        w.bit(false);
        for b in (0..k).rev() {
            w.bit(gap >> b & 1 == 1);
        }
    }
    w.bytes
}

/// `n` values back, each below `2^bits`; `None` for anything malformed.
pub fn unpack(bytes: &[u8], k: u32, n: usize, bits: u32) -> Option<Vec<u32>> {
    // Every value takes at least k + 1 bits: a count the bytes cannot hold is a lie.
    if k >= 32 || n.saturating_mul(k as usize + 1) > bytes.len() * 8 {
        return None;
    }
    let limit = 1u64 << bits;
    let mut r = Reader { bytes, at: 0 };
    let mut out = Vec::with_capacity(n);
    let mut next = 0u64;
    for _ in 0..n {
        let mut q = 0u64;
        while r.bit()? {
            q += 1;
            if q << k >= limit {
                return None;
            }
        }
        let mut rem = 0u64;
        for _ in 0..k {
            rem = rem << 1 | u64::from(r.bit()?);
        }
        let value = next + (q << k | rem);
        if value >= limit {
            return None;
        }
        out.push(value as u32);
        next = value + 1;
    }
    Some(out)
}

#[derive(Default)]
struct Writer {
    bytes: Vec<u8>,
    used: u32,
}

impl Writer {
    fn bit(&mut self, one: bool) {
        if self.used.is_multiple_of(8) {
            self.bytes.push(0);
        }
        if one {
            let last = self.bytes.len() - 1;
            self.bytes[last] |= 0x80 >> (self.used % 8);
        }
        self.used += 1;
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn bit(&mut self) -> Option<bool> {
        let byte = self.bytes.get(self.at / 8)?;
        let one = byte & (0x80 >> (self.at % 8)) != 0;
        self.at += 1;
        Some(one)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_is_small() {
        let bits = 24;
        let values: Vec<u32> = {
            let mut v: Vec<u32> = (0..3558u32)
                .map(|i| i.wrapping_mul(2_654_435_761) >> (32 - bits))
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let k = parameter(values.len(), bits);
        let packed = pack(&values, k);
        assert!(
            packed.len() * 8 < values.len() * 15,
            "{} bytes",
            packed.len()
        );
        assert_eq!(unpack(&packed, k, values.len(), bits), Some(values.clone()));
        assert_eq!(pack(&[0, 1, 2], 0), vec![0b0000_0000]);
        assert_eq!(unpack(&[], 3, 0, bits), Some(Vec::new()));
    }

    #[test]
    fn malformed_input_is_refused_without_looping() {
        // All ones: an endless quotient, stopped at the limit.
        assert_eq!(unpack(&[0xff; 64], 0, 1, 24), None);
        // More values than the bytes can hold.
        assert_eq!(unpack(&[0], 4, 1000, 24), None);
        // A value past 2^bits.
        assert_eq!(unpack(&pack(&[1 << 20], 4), 4, 1, 16), None);
    }
}
