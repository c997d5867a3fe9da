/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The staged-file classifier: by name, size and a cheap byte scan, decide
 * which checks a file needs before anything parses it. Most files of a
 * repository are code or manifests without secrets; they get the pattern
 * scan only.
 */
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "hook_int.h"

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

/* s (length a) is the literal w; ends with the literal suf */
#define IS(s, a, w) ((a) == sizeof(w) - 1 && memcmp(s, w, sizeof(w) - 1) == 0)
#define ENDS(s, a, suf) ((a) >= sizeof(suf) - 1 && memcmp((s) + (a) - (sizeof(suf) - 1), suf, sizeof(suf) - 1) == 0)

/*
 * memmem() for the classifier's needles (2 bytes or more): a needle's first
 * and last bytes are compared at 16 positions at a time, the middle only
 * where both match (W. Mula's SIMD substring search).
 */
static int contains(const void *data, size_t n, const char *needle)
{
	const unsigned char *p = data;
	size_t nl = strlen(needle), i = 0;

	if (n < nl)
		return 0;
#if defined(__SSE2__)
	{
		const __m128i f = _mm_set1_epi8(needle[0]), l = _mm_set1_epi8(needle[nl - 1]);
		size_t last = n - nl; /* the last start position */

		for (; i + 16 <= last + 1; i += 16) {
			__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
			__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + i + nl - 1));
			uint32_t m = (uint32_t)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, f), _mm_cmpeq_epi8(b, l)));

			while (m != 0) {
				unsigned k = (unsigned)__builtin_ctz(m);

				if (memcmp(p + i + k + 1, needle + 1, nl - 2) == 0)
					return 1;
				m &= m - 1;
			}
		}
	}
#endif
	if (n - i > 64)
		return memmem(p + i, n - i, needle, nl) != NULL;
	for (; i + nl <= n; i++) /* a short tail: memmem's set-up costs more */
		if (p[i] == (unsigned char)needle[0] && memcmp(p + i + 1, needle + 1, nl - 1) == 0)
			return 1;
	return 0;
}

/*
 * contains() for "Secret", "sops" and "secretGenerator" at once: one pass
 * over a manifest instead of three.
 */
static unsigned needles(const void *data, size_t n)
{
	static const struct {
		const char *s;
		size_t len;
		unsigned flag;
	} nd[3] = { { "Secret", 6, CK_HOOK_C_SECRET }, { "sops", 4, CK_HOOK_C_SOPS },
		    { "secretGenerator", 15, CK_HOOK_C_SECRETGEN } };
	const unsigned char *p = data;
	unsigned f = 0, k;
	size_t i = 0;

#if defined(__SSE2__)
	/* first and last bytes: S....t, s..s, s..............r */
	for (; i + 30 <= n && f != (CK_HOOK_C_SECRET | CK_HOOK_C_SOPS | CK_HOOK_C_SECRETGEN); i += 16) {
		__m128i a0 = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i a3 = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 3));
		__m128i a5 = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 5));
		__m128i a14 = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 14));
		__m128i s0 = _mm_cmpeq_epi8(a0, _mm_set1_epi8('s'));
		uint32_t m[3];

		m[0] = (uint32_t)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a0, _mm_set1_epi8('S')),
		                                                 _mm_cmpeq_epi8(a5, _mm_set1_epi8('t'))));
		m[1] = (uint32_t)_mm_movemask_epi8(_mm_and_si128(s0, _mm_cmpeq_epi8(a3, _mm_set1_epi8('s'))));
		m[2] = (uint32_t)_mm_movemask_epi8(_mm_and_si128(s0, _mm_cmpeq_epi8(a14, _mm_set1_epi8('r'))));
		if ((m[0] | m[1] | m[2]) == 0)
			continue;
		for (k = 0; k < 3; k++) {
			size_t nl = nd[k].len;

			while (m[k] != 0 && !(f & nd[k].flag)) {
				unsigned b = (unsigned)__builtin_ctz(m[k]);

				if (memcmp(p + i + b + 1, nd[k].s + 1, nl - 2) == 0)
					f |= nd[k].flag;
				m[k] &= m[k] - 1;
			}
		}
	}
#endif
	for (k = 0; k < 3; k++)
		if (!(f & nd[k].flag) && contains(p + i, n - i, nd[k].s))
			f |= nd[k].flag;
	return f;
}

/* A Helm chart template: a templates/ directory (Go templates, not YAML). */
static int in_templates(const char *path)
{
	return strncmp(path, "templates/", 10) == 0 || strstr(path, "/templates/") != NULL;
}

void ck_hook_classify(struct ck_hook_class *out, const char *path, const void *data, size_t n,
                      size_t max_size)
{
	const char *b = base_name(path);
	size_t probe = n < 8000 ? n : 8000, bl;

	out->kind = CK_HOOK_K_TEXT;
	out->flags = 0;
	if (n > max_size) {
		out->kind = CK_HOOK_K_TOO_BIG;
		return;
	}
	/* git's binary test: a NUL byte in the first 8000 bytes */
	if (probe > 0 && memchr(data, 0, probe) != NULL) {
		out->kind = CK_HOOK_K_BINARY;
		return;
	}
	bl = strlen(b);
	if (IS(b, bl, ".sops.yaml")) {
		out->kind = CK_HOOK_K_SOPS_CONFIG;
		return;
	}
	if (IS(b, bl, ".cloak.yaml") && b == path) {
		out->kind = CK_HOOK_K_CLOAK_CONFIG;
		return;
	}
	if (IS(b, bl, "kustomization.yaml") || IS(b, bl, "kustomization.yml") || IS(b, bl, "Kustomization"))
		out->kind = CK_HOOK_K_KUSTOMIZATION;
	else if (ENDS(b, bl, ".yaml") || ENDS(b, bl, ".yml"))
		out->kind = CK_HOOK_K_YAML;
	else if (ENDS(b, bl, ".json"))
		out->kind = CK_HOOK_K_JSON;
	else if (ENDS(b, bl, ".env"))
		out->kind = CK_HOOK_K_DOTENV;
	else if (ENDS(b, bl, ".ini"))
		out->kind = CK_HOOK_K_INI;
	if (out->kind == CK_HOOK_K_TEXT || out->kind == CK_HOOK_K_DOTENV || out->kind == CK_HOOK_K_INI)
		return;
	/* Parse only what could be a Secret, a SealedSecret, a SOPS file or a generator. */
	out->flags |= needles(data, n);
	if (in_templates(path) && contains(data, n, "{{"))
		out->flags |= CK_HOOK_C_TEMPLATE;
}

const char *ck_hook_kind_name(enum ck_hook_kind k)
{
	switch (k) {
	case CK_HOOK_K_TEXT: return "text";
	case CK_HOOK_K_YAML: return "yaml";
	case CK_HOOK_K_JSON: return "json";
	case CK_HOOK_K_DOTENV: return "dotenv";
	case CK_HOOK_K_INI: return "ini";
	case CK_HOOK_K_KUSTOMIZATION: return "kustomization";
	case CK_HOOK_K_SOPS_CONFIG: return "sops-config";
	case CK_HOOK_K_CLOAK_CONFIG: return "cloak-config";
	case CK_HOOK_K_BINARY: return "binary";
	case CK_HOOK_K_TOO_BIG: return "too-big";
	}
	return "?";
}
