//! A small seeded generator for tests that pick at random (kill times, shuffles): the
//! same seed gives the same picks on every run, so a failure can be replayed, and no
//! randomness crate is needed.

/// SplitMix64: small, fast, and good enough for choosing test cases.
pub struct Rng(u64);

impl Rng {
    /// A generator that starts from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// An index into something `len` long (`len > 0`).
    pub fn index(&mut self, len: usize) -> usize {
        let n = u64::try_from(len).expect("a length fits in u64");
        usize::try_from(self.below(n)).expect("below a usize")
    }
}
