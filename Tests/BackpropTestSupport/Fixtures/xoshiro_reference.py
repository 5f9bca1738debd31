#!/usr/bin/env python3
"""Independent reference for Backprop's SeededGenerator (docs/randomness.md).

Written from the published definitions, not from the Swift code:
  - SplitMix64 (Steele, Lea, Flood 2014; Vigna's splitmix64.c) fills the state,
  - xoshiro256** 1.0 (Blackman and Vigna 2018, xoshiro256starstar.c) gives next(),
  - nextUniform() = (next() >> 11) * 2**-53,
  - nextInt(below: n) = Lemire's nearly divisionless method (2019), 64-bit.
Run it with python3 (no dependencies) to print test vectors for Tests/BackpropTests/Core/SeededGeneratorTests.swift.
"""

MASK = (1 << 64) - 1


def splitmix64(seed):
    """Yields the SplitMix64 sequence started at `seed`."""
    x = seed & MASK
    while True:
        x = (x + 0x9E3779B97F4A7C15) & MASK
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        yield z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


class Xoshiro256StarStar:
    def __init__(self, seed):
        sm = splitmix64(seed)
        self.s = [next(sm) for _ in range(4)]

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def next_uniform(self):
        return (self.next() >> 11) * 2.0**-53  # exact: a 53-bit integer times a power of two

    def next_uniform_in(self, low, high):
        return low + (high - low) * self.next_uniform()

    def next_int(self, n):
        """Lemire: x·n as a 128-bit product; reject while its low half is below 2^64 mod n."""
        assert n > 0
        product = self.next() * n
        low = product & MASK
        if low < n:
            threshold = ((1 << 64) - n) % n  # (0 &- n) % n in 64-bit arithmetic = 2^64 mod n
            while low < threshold:
                product = self.next() * n
                low = product & MASK
        return product >> 64

    def shuffle(self, items):
        """Fisher–Yates from the end: for i = n−1 down to 1, swap i with next_int(i + 1)."""
        for i in range(len(items) - 1, 0, -1):
            j = self.next_int(i + 1)
            items[i], items[j] = items[j], items[i]


if __name__ == "__main__":
    for seed in (0, 42):
        g = Xoshiro256StarStar(seed)
        values = [g.next() for _ in range(5)]
        print(f"seed {seed}: state after seeding = {[f'0x{w:016x}' for w in Xoshiro256StarStar(seed).s]}")
        print(f"seed {seed}: next() x5 = {values}")
        print(f"seed {seed}: next() x5 (hex) = {[f'0x{v:016x}' for v in values]}")
    g = Xoshiro256StarStar(42)
    print(f"seed 42: nextUniform() x3 = {[repr(g.next_uniform()) for _ in range(3)]}")
    g = Xoshiro256StarStar(7)
    print(f"seed 7: nextInt(below: 10) x10 = {[g.next_int(10) for _ in range(10)]}")
    g = Xoshiro256StarStar(9)
    items = list(range(10))
    g.shuffle(items)
    print(f"seed 9: shuffle(0..<10) = {items}")
