/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The staged-file classifier: by name, size and a cheap byte scan, decide
 * which checks a file needs before anything parses it. Most files of a
 * repository are code or manifests without secrets; they get the pattern
 * scan only.
 */
#include <string.h>

#include "hook_int.h"

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && memcmp(s + a - b, suf, b) == 0;
}

static int contains(const void *data, size_t n, const char *needle)
{
	return memmem(data, n, needle, strlen(needle)) != NULL;
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
	size_t probe = n < 8000 ? n : 8000;

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
	if (strcmp(b, ".sops.yaml") == 0) {
		out->kind = CK_HOOK_K_SOPS_CONFIG;
		return;
	}
	if (strcmp(b, ".cloak.yaml") == 0 && b == path) {
		out->kind = CK_HOOK_K_CLOAK_CONFIG;
		return;
	}
	if (strcmp(b, "kustomization.yaml") == 0 || strcmp(b, "kustomization.yml") == 0 ||
	    strcmp(b, "Kustomization") == 0)
		out->kind = CK_HOOK_K_KUSTOMIZATION;
	else if (ends_with(b, ".yaml") || ends_with(b, ".yml"))
		out->kind = CK_HOOK_K_YAML;
	else if (ends_with(b, ".json"))
		out->kind = CK_HOOK_K_JSON;
	else if (ends_with(b, ".env") || strcmp(b, ".env") == 0)
		out->kind = CK_HOOK_K_DOTENV;
	else if (ends_with(b, ".ini"))
		out->kind = CK_HOOK_K_INI;
	if (out->kind == CK_HOOK_K_TEXT || out->kind == CK_HOOK_K_DOTENV || out->kind == CK_HOOK_K_INI)
		return;
	/* Parse only what could be a Secret, a SealedSecret, a SOPS file or a generator. */
	if (contains(data, n, "Secret"))
		out->flags |= CK_HOOK_C_SECRET;
	if (contains(data, n, "sops"))
		out->flags |= CK_HOOK_C_SOPS;
	if (contains(data, n, "secretGenerator"))
		out->flags |= CK_HOOK_C_SECRETGEN;
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
