/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Numbers written in place, for output that prints millions of lines a
 * second (replay): the digits go straight where they belong, with no
 * format parsing and no copy. Building them elsewhere and copying cost a
 * stalled store-to-load forwarding per number.
 */
#ifndef NVMETRACE_DIGITS_H
#define NVMETRACE_DIGITS_H

#include <stdint.h>
#include <string.h>

#define DIGITS_INLINE static inline __attribute__((always_inline))

/* "00" to "99". */
static const char digit_pairs[201] =
	"0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849"
	"5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";

/* How many decimal digits v has: from its bit length (log10(2) is about
 * 1233 / 4096), one comparison to settle the rest.
 */
DIGITS_INLINE size_t u64_len(uint64_t v)
{
	static const uint64_t pow10[20] = {
		1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
		10000000ull, 100000000ull, 1000000000ull, 10000000000ull,
		100000000000ull, 1000000000000ull, 10000000000000ull,
		100000000000000ull, 1000000000000000ull, 10000000000000000ull,
		100000000000000000ull, 1000000000000000000ull,
		10000000000000000000ull,
	};
	uint64_t w = v | 1;	/* 0 has one digit, as 1 */
	size_t n = (size_t)(64 - __builtin_clzll(w)) * 1233 >> 12;

	return n + (w >= pow10[n]);
}

/* v's digits backwards from p (where the last one ends), two a step:
 * half the multiplications. Returns where they start.
 */
DIGITS_INLINE char *u64_digits_back(char *p, uint64_t v)
{
	while (v >= 100) {
		p -= 2;
		memcpy(p, digit_pairs + v % 100 * 2, 2);
		v /= 100;
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, digit_pairs + v * 2, 2);
	} else {
		*--p = (char)('0' + v);
	}
	return p;
}

/* v in decimal at out, no terminator; returns the length. */
DIGITS_INLINE size_t u64_write(char *out, uint64_t v)
{
	size_t n = u64_len(v);

	u64_digits_back(out + n, v);
	return n;
}

/* "%0*llu": v with at least width digits (width <= 20). */
DIGITS_INLINE size_t u64_write_zeros(char *out, uint64_t v, size_t width)
{
	size_t n = u64_len(v);

	if (n < width) {
		memset(out, '0', width - n);
		n = width;
	}
	u64_digits_back(out + n, v);
	return n;
}

/* How many hex digits v has. */
DIGITS_INLINE size_t hex_len(uint64_t v)
{
	return v ? (size_t)(67 - __builtin_clzll(v)) / 4 : 1;
}

/* v's hex digits (lower case) backwards from p; returns where they start. */
DIGITS_INLINE char *hex_digits_back(char *p, uint64_t v)
{
	do
		*--p = "0123456789abcdef"[v & 0xf];
	while (v >>= 4);
	return p;
}

/* v in hex (lower case, no prefix) at out; returns the length. Writes 8
 * bytes at out for values below 2^32 (a whole word, then only the digits
 * count): the caller's buffer has that room.
 */
DIGITS_INLINE size_t hex_write(char *out, uint64_t v)
{
	size_t n = hex_len(v);

	if (v >> 32 || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__) {
		hex_digits_back(out + n, v);
		return n;
	}
	/* One nibble a byte, least significant in the lowest byte... */
	uint64_t x = v;

	x = (x | x << 16) & 0x0000ffff0000ffffull;
	x = (x | x << 8) & 0x00ff00ff00ff00ffull;
	x = (x | x << 4) & 0x0f0f0f0f0f0f0f0full;
	/* ...to ASCII: '0' + d, and 'a' - '0' - 10 more where d > 9... */
	x += 0x3030303030303030ull +
	     (((x + 0x0606060606060606ull) >> 4) & 0x0101010101010101ull) * 0x27;
	/* ...most significant first, the leading zeros shifted out. */
	x = __builtin_bswap64(x << (8 * (8 - n)));
	memcpy(out, &x, 8);
	return n;
}

#endif /* NVMETRACE_DIGITS_H */
