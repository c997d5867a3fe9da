/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Executor of Go text/template trees (exec.go's structure and messages).
 * Values are struct tv in a secure arena; walk() returns CK_OK, a negative
 * error, or WALK_BREAK / WALK_CONTINUE travelling up to the enclosing range.
 *
 * Where Go's message would print a value (range over a string, comparing
 * maps) we print its type instead: the values are secrets.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ck/err.h"
#include "tmpl_int.h"

#define WALK_BREAK 1
#define WALK_CONTINUE 2
#define MAX_EXEC_DEPTH 1000
#define MAX_STEPS ((size_t)10000000)
#define ARGV_STACK 8

static int xerrorf(struct tstate *s, const char *fmt, ...) CK_PRINTF(2, 3);

static int xerrorf(struct tstate *s, const char *fmt, ...)
{
	char msg[CK_ERR_MSG_MAX];
	struct ck_buf ctx = CK_BUF_INIT, q = CK_BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s->node == NULL)
		return ck_err_set(CK_EINVAL, "template: %s: %s", s->cur->name, msg);
	{
		uint32_t pos = s->node->pos, line = 1, col, k, nl = UINT32_MAX;

		for (k = 0; k < pos && k < s->t->srclen; k++) {
			if (s->t->src[k] == '\n') {
				line++;
				nl = k;
			}
		}
		col = nl == UINT32_MAX ? pos : pos - (nl + 1);
		ck_buf_init(&ctx, 4096);
		ck_buf_init(&q, 4096);
		if (ck_ext__node_string(&ctx, s->node) < 0)
			ck_buf_reset(&ctx);
		if (ck_ext__fmt_quote(&q, s->cur->name, strlen(s->cur->name)) < 0)
			ck_buf_reset(&q);
		if (ck_buf_len(&ctx) > 20)
			rc = ck_err_set(CK_EINVAL, "template: %s:%u:%u: executing %s at <%.20s...>: %s",
			                s->t->name, line, col, ck_buf_cstr(&q), ck_buf_cstr(&ctx), msg);
		else
			rc = ck_err_set(CK_EINVAL, "template: %s:%u:%u: executing %s at <%s>: %s",
			                s->t->name, line, col, ck_buf_cstr(&q), ck_buf_cstr(&ctx), msg);
		ck_buf_dispose(&ctx);
		ck_buf_dispose(&q);
	}
	return rc;
}

/* Function failures are wrapped as Go does: "error calling NAME: MSG". */
static _Thread_local int func_failed;
static _Thread_local char func_buf[CK_ERR_MSG_MAX];

int ck_ext__func_fail(struct tstate *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(func_buf, sizeof(func_buf), fmt, ap);
	va_end(ap);
	func_failed = 1;
	return CK_EINVAL;
}

static int step(struct tstate *s)
{
	size_t max = s->t->max_steps ? s->t->max_steps : MAX_STEPS;

	if (++s->steps > max)
		return ck_err_set(CK_ETOOBIG, "template: %s: execution exceeded %zu steps",
		                  s->t->name, max);
	return CK_OK;
}

/* ---------------------------------------------------------------- variables */

static int push_var(struct tstate *s, const char *name, struct tv v)
{
	if (s->nvars == s->capvars) {
		size_t ncap = s->capvars ? s->capvars * 2 : 16;
		struct tvar *nv = ck_ext__arena_alloc(s->a, ncap * sizeof(*nv));

		if (nv == NULL)
			return ck_err_last()->code;
		if (s->nvars)
			memcpy(nv, s->vars, s->nvars * sizeof(*nv));
		s->vars = nv;
		s->capvars = ncap;
	}
	s->vars[s->nvars].name = name;
	s->vars[s->nvars].v = v;
	s->nvars++;
	return CK_OK;
}

static int set_var(struct tstate *s, const char *name, struct tv v)
{
	size_t k;

	for (k = s->nvars; k-- > 0;) {
		if (strcmp(s->vars[k].name, name) == 0) {
			s->vars[k].v = v;
			return CK_OK;
		}
	}
	return xerrorf(s, "undefined variable: %s", name);
}

static int var_value(struct tstate *s, const char *name, struct tv *out)
{
	size_t k;

	for (k = s->nvars; k-- > 0;) {
		if (strcmp(s->vars[k].name, name) == 0) {
			*out = s->vars[k].v;
			return CK_OK;
		}
	}
	return xerrorf(s, "undefined variable: %s", name);
}

/* -------------------------------------------------------------- evaluation */

static int eval_pipeline(struct tstate *s, struct tv dot, const struct tnode *pipe,
                         struct tv *out);
static int eval_arg(struct tstate *s, struct tv dot, int ptype, const struct tnode *n,
                    struct tv *out);
static int walk(struct tstate *s, struct tv dot, const struct tnode *n);

static const char *ptype_name(int p)
{
	switch (p) {
	case P_STR: return "string";
	case P_INT: return "int";
	case P_INT64: return "int64";
	case P_BOOL: return "bool";
	case P_FLOAT: return "float64";
	case P_MAP: return "map[string]interface {}";
	case P_VALUE: return "reflect.Value";
	default: return "interface {}";
	}
}

/* Go's validateType for our parameter types. */
static int validate(struct tstate *s, struct tv v, int p, struct tv *out)
{
	int ok;

	if (v.kind == TV_NIL && !(v.flags & TV_F_IFACE)) {
		switch (p) {
		case P_ANY:
		case P_VALUE:
			*out = tv_nil();
			return CK_OK;
		case P_MAP:
			out->kind = TV_MAP;
			out->flags = 0;
			out->u.m = NULL; /* nil map */
			return CK_OK;
		default:
			return xerrorf(s, "invalid value; expected %s", ptype_name(p));
		}
	}
	switch (p) {
	case P_ANY:
	case P_VALUE: ok = 1; break;
	case P_STR: ok = v.kind == TV_STR; break;
	case P_INT: ok = v.kind == TV_INT; break;
	case P_INT64: ok = v.kind == TV_INT64; break;
	case P_BOOL: ok = v.kind == TV_BOOL; break;
	case P_FLOAT: ok = v.kind == TV_FLOAT; break;
	case P_MAP: ok = v.kind == TV_MAP; break;
	default: ok = 0;
	}
	if (!ok)
		return xerrorf(s, "wrong type for value; expected %s; got %s", ptype_name(p),
		               ck_ext__tv_typename(&v));
	*out = v;
	return CK_OK;
}

static int ideal_constant(struct tstate *s, const struct tnode *n, struct tv *out)
{
	int hexint = n->srclen > 2 && n->src[0] == '0' && (n->src[1] == 'x' || n->src[1] == 'X') &&
	             !memchr(n->src, 'p', n->srclen) && !memchr(n->src, 'P', n->srclen);

	s->node = n;
	if (n->is_float && !hexint && !n->is_char &&
	    (memchr(n->src, '.', n->srclen) || memchr(n->src, 'e', n->srclen) ||
	     memchr(n->src, 'E', n->srclen) || memchr(n->src, 'p', n->srclen) ||
	     memchr(n->src, 'P', n->srclen))) {
		*out = tv_float(n->f);
		return CK_OK;
	}
	if (n->is_int) {
		*out = tv_int(TV_INT, n->i);
		return CK_OK;
	}
	if (n->is_uint)
		return xerrorf(s, "%.*s overflows int", (int)n->srclen, n->src);
	*out = tv_nil();
	return CK_OK;
}

static int eval_field(struct tstate *s, const char *name, int has_args, struct tv recv,
                      struct tv *out)
{
	size_t nlen = strlen(name);

	if (recv.kind == TV_NIL && !(recv.flags & TV_F_IFACE)) {
		if (s->t->missingkey == CK_TMPL_MISSING_ERROR)
			return xerrorf(s, "nil data; no entry for key \"%s\"", name);
		*out = tv_nil();
		return CK_OK;
	}
	if (recv.kind == TV_NIL)
		return xerrorf(s, "nil pointer evaluating interface {}.%s", name);
	if (recv.kind == TV_MAP || recv.kind == TV_SMAP) {
		struct tv *v;

		if (has_args)
			return xerrorf(s, "%s is not a method but has arguments", name);
		v = ck_ext__map_get(recv.u.m, name, nlen);
		if (v != NULL) {
			*out = *v;
			return CK_OK;
		}
		switch (s->t->missingkey) {
		case CK_TMPL_MISSING_ZERO:
			if (recv.kind == TV_SMAP) {
				*out = tv_str("", 0);
			} else {
				*out = tv_nil();
				out->flags = TV_F_IFACE;
			}
			return CK_OK;
		case CK_TMPL_MISSING_ERROR:
			return xerrorf(s, "map has no entry for key \"%s\"", name);
		default:
			*out = tv_nil();
			return CK_OK;
		}
	}
	return xerrorf(s, "can't evaluate field %s in type %s", name, ck_ext__tv_typename(&recv));
}

static int eval_field_chain(struct tstate *s, struct tv recv, const char *const *idents,
                            size_t n, int has_args, struct tv *out)
{
	size_t k;
	int rc;

	for (k = 0; k + 1 < n; k++)
		if ((rc = eval_field(s, idents[k], 0, recv, &recv)) < 0)
			return rc;
	return eval_field(s, idents[n - 1], has_args, recv, out);
}

static int not_a_function(struct tstate *s, size_t nargs, const struct tv *final,
                          const struct tnode *first)
{
	if (nargs > 1 || final != NULL) {
		struct ck_buf b = CK_BUF_INIT;
		int rc;

		ck_buf_init(&b, 4096);
		if (ck_ext__node_string(&b, first) < 0)
			ck_buf_reset(&b);
		rc = xerrorf(s, "can't give argument to non-function %s", ck_buf_cstr(&b));
		ck_buf_dispose(&b);
		return rc;
	}
	return CK_OK;
}

static int eval_variable(struct tstate *s, const struct tnode *n, size_t nargs,
                         const struct tv *final, struct tv *out)
{
	struct tv v;
	int rc;

	s->node = n;
	if ((rc = var_value(s, n->idents[0], &v)) < 0)
		return rc;
	if (n->nidents == 1) {
		if ((rc = not_a_function(s, nargs, final, n)) < 0)
			return rc;
		*out = v;
		return CK_OK;
	}
	return eval_field_chain(s, v, n->idents + 1, n->nidents - 1, nargs > 1 || final != NULL,
	                        out);
}

static int eval_chain(struct tstate *s, struct tv dot, const struct tnode *n, size_t nargs,
                      const struct tv *final, struct tv *out)
{
	struct tv recv;
	int rc;

	s->node = n;
	if (n->pipe->type == TN_NIL)
		return xerrorf(s, "indirection through explicit nil in %s", "chain");
	if ((rc = eval_arg(s, dot, P_ANY, n->pipe, &recv)) < 0)
		return rc;
	return eval_field_chain(s, recv, n->idents, n->nidents, nargs > 1 || final != NULL, out);
}

static int eval_call(struct tstate *s, struct tv dot, const struct tfunc *f,
                     const struct tnode *node, const struct tnode *const *args, size_t nargs,
                     const struct tv *final, struct tv *out)
{
	struct tv stackv[ARGV_STACK], *argv = stackv;
	size_t numin = nargs + (final != NULL), numfixed = nargs, i;
	int variadic = (f->flags & TF_VARIADIC) != 0;
	int rc;

	if (variadic) {
		numfixed = (size_t)f->nin - 1;
		if (numin < numfixed)
			return xerrorf(s, "wrong number of args for %s: want at least %zu got %zu",
			               f->name, numfixed, nargs);
	} else if (numin != f->nin) {
		return xerrorf(s, "wrong number of args for %s: want %u got %zu", f->name,
		               (unsigned)f->nin, numin);
	}
	/* and / or short-circuit, returning the deciding value */
	if ((f->flags & TF_BUILTIN) && (strcmp(f->name, "and") == 0 || strcmp(f->name, "or") == 0)) {
		int is_or = f->name[0] == 'o';
		struct tv v = tv_nil();

		for (i = 0; i < nargs; i++) {
			if ((rc = eval_arg(s, dot, P_VALUE, args[i], &v)) < 0)
				return rc;
			if (ck_ext__tv_truth(&v) == is_or) {
				*out = v;
				return CK_OK;
			}
		}
		if (final != NULL && (rc = validate(s, *final, P_VALUE, &v)) < 0)
			return rc;
		*out = v;
		return CK_OK;
	}
	if (numin > ARGV_STACK &&
	    (argv = ck_ext__arena_alloc(s->a, numin * sizeof(*argv))) == NULL)
		return ck_err_last()->code;
	for (i = 0; i < numfixed && i < nargs; i++)
		if ((rc = eval_arg(s, dot, f->params[i], args[i], &argv[i])) < 0)
			return rc;
	if (variadic)
		for (; i < nargs; i++)
			if ((rc = eval_arg(s, dot, f->params[f->nin - 1], args[i], &argv[i])) < 0)
				return rc;
	if (final != NULL) {
		int p = f->params[f->nin - 1];

		if (variadic && numin - 1 < numfixed)
			p = f->params[numin - 1];
		if ((rc = validate(s, *final, p, &argv[i])) < 0)
			return rc;
	}
	func_failed = 0;
	*out = tv_nil();
	rc = f->fn(s, out, argv, numin);
	if (rc < 0) {
		if (func_failed) {
			char msg[CK_ERR_MSG_MAX];

			func_failed = 0;
			s->node = node;
			memcpy(msg, func_buf, sizeof(msg));
			return xerrorf(s, "error calling %s: %s", f->name, msg);
		}
		return rc;
	}
	return CK_OK;
}

static int eval_function(struct tstate *s, struct tv dot, const struct tnode *ident,
                         const struct tnode *cmd, const struct tnode *const *args, size_t nargs,
                         const struct tv *final, struct tv *out)
{
	s->node = ident;
	return eval_call(s, dot, ident->fn, cmd, args, nargs, final, out);
}

static int eval_arg(struct tstate *s, struct tv dot, int p, const struct tnode *n, struct tv *out)
{
	struct tv v;
	int rc;

	s->node = n;
	if ((rc = step(s)) < 0)
		return rc;
	switch (n->type) {
	case TN_DOT:
		return validate(s, dot, p, out);
	case TN_NIL:
		switch (p) {
		case P_ANY:
		case P_VALUE:
			*out = tv_nil();
			if (p == P_ANY)
				out->flags = TV_F_IFACE;
			return CK_OK;
		case P_MAP:
			out->kind = TV_MAP;
			out->flags = 0;
			out->u.m = NULL;
			return CK_OK;
		default:
			return xerrorf(s, "cannot assign nil to %s", ptype_name(p));
		}
	case TN_FIELD:
		s->node = n;
		if ((rc = eval_field_chain(s, dot, n->idents, n->nidents, 0, &v)) < 0)
			return rc;
		return validate(s, v, p, out);
	case TN_VAR:
		if ((rc = eval_variable(s, n, 0, NULL, &v)) < 0)
			return rc;
		return validate(s, v, p, out);
	case TN_PIPE:
		if ((rc = eval_pipeline(s, dot, n, &v)) < 0)
			return rc;
		return validate(s, v, p, out);
	case TN_IDENT:
		if ((rc = eval_function(s, dot, n, n, NULL, 0, NULL, &v)) < 0)
			return rc;
		return validate(s, v, p, out);
	case TN_CHAIN:
		if ((rc = eval_chain(s, dot, n, 0, NULL, &v)) < 0)
			return rc;
		return validate(s, v, p, out);
	default:
		break;
	}
	switch (p) {
	case P_BOOL:
		if (n->type == TN_BOOL) {
			*out = tv_bool(n->b);
			return CK_OK;
		}
		break;
	case P_FLOAT:
		if (n->type == TN_NUM && n->is_float) {
			*out = tv_float(n->f);
			return CK_OK;
		}
		break;
	case P_INT:
	case P_INT64:
		if (n->type == TN_NUM && n->is_int) {
			*out = tv_int(p == P_INT ? TV_INT : TV_INT64, n->i);
			return CK_OK;
		}
		break;
	case P_STR:
		if (n->type == TN_STR) {
			*out = tv_str(n->text, n->len);
			return CK_OK;
		}
		break;
	case P_ANY:
	case P_VALUE:
		if (n->type == TN_BOOL) {
			*out = tv_bool(n->b);
			return CK_OK;
		}
		if (n->type == TN_NUM)
			return ideal_constant(s, n, out);
		if (n->type == TN_STR) {
			*out = tv_str(n->text, n->len);
			return CK_OK;
		}
		break;
	default:
		break;
	}
	{
		struct ck_buf b = CK_BUF_INIT;
		const char *what = p == P_BOOL ? "bool" : p == P_FLOAT ? "float"
		                 : (p == P_INT || p == P_INT64) ? "integer" : "string";

		ck_buf_init(&b, 4096);
		if (ck_ext__node_string(&b, n) < 0)
			ck_buf_reset(&b);
		if (p == P_MAP)
			rc = xerrorf(s, "can't handle %s for arg of type %s", ck_buf_cstr(&b),
			             ptype_name(p));
		else
			rc = xerrorf(s, "expected %s; found %s", what, ck_buf_cstr(&b));
		ck_buf_dispose(&b);
		return rc;
	}
}

static int eval_command(struct tstate *s, struct tv dot, const struct tnode *cmd,
                        const struct tv *final, struct tv *out)
{
	const struct tnode *first = cmd->kids[0];
	const struct tnode *const *args = (const struct tnode *const *)cmd->kids;
	int rc;

	if ((rc = step(s)) < 0)
		return rc;
	switch (first->type) {
	case TN_FIELD:
		s->node = first;
		return eval_field_chain(s, dot, first->idents, first->nidents,
		                        cmd->nkids > 1 || final != NULL, out);
	case TN_CHAIN:
		return eval_chain(s, dot, first, cmd->nkids, final, out);
	case TN_IDENT:
		return eval_function(s, dot, first, cmd, args + 1, cmd->nkids - 1, final, out);
	case TN_PIPE:
		if ((rc = not_a_function(s, cmd->nkids, final, first)) < 0)
			return rc;
		return eval_pipeline(s, dot, first, out);
	case TN_VAR:
		return eval_variable(s, first, cmd->nkids, final, out);
	default:
		break;
	}
	s->node = first;
	if ((rc = not_a_function(s, cmd->nkids, final, first)) < 0)
		return rc;
	switch (first->type) {
	case TN_BOOL:
		*out = tv_bool(first->b);
		return CK_OK;
	case TN_DOT:
		*out = dot;
		return CK_OK;
	case TN_NIL:
		return xerrorf(s, "nil is not a command");
	case TN_NUM:
		return ideal_constant(s, first, out);
	case TN_STR:
		*out = tv_str(first->text, first->len);
		return CK_OK;
	default:
		return xerrorf(s, "can't evaluate command");
	}
}

static int eval_pipeline(struct tstate *s, struct tv dot, const struct tnode *pipe, struct tv *out)
{
	struct tv v = tv_nil();
	size_t k;
	int rc, have = 0;

	if (pipe == NULL) {
		*out = tv_nil();
		return CK_OK;
	}
	s->node = pipe;
	for (k = 0; k < pipe->nkids; k++) {
		struct tv prev = v;

		if ((rc = eval_command(s, dot, pipe->kids[k], have ? &prev : NULL, &v)) < 0)
			return rc;
		have = 1;
		/* a nil interface{} result becomes "no value" (Go digs into interfaces) */
		if (v.kind == TV_NIL)
			v.flags = 0;
	}
	for (k = 0; k < pipe->ndecl; k++) {
		if (pipe->is_assign)
			rc = set_var(s, pipe->decl[k]->idents[0], v);
		else
			rc = push_var(s, pipe->decl[k]->idents[0], v);
		if (rc < 0)
			return rc;
	}
	*out = v;
	return CK_OK;
}

/* ------------------------------------------------------------------- walk */

static int print_value(struct tstate *s, const struct tnode *n, const struct tv *v)
{
	s->node = n;
	if (v->kind == TV_NIL)
		return ck_buf_puts(s->out, "<no value>");
	return ck_ext__fmt_value(s->out, v);
}

static int walk_if_with(struct tstate *s, struct tv dot, const struct tnode *n)
{
	size_t mark = s->nvars;
	struct tv v;
	int rc;

	if ((rc = eval_pipeline(s, dot, n->pipe, &v)) < 0)
		return rc;
	if (ck_ext__tv_truth(&v))
		rc = walk(s, n->type == TN_WITH ? v : dot, n->list);
	else if (n->elselist != NULL)
		rc = walk(s, dot, n->elselist);
	s->nvars = mark;
	return rc;
}

/* One range iteration: set the loop variables, walk the body. */
static int range_iter(struct tstate *s, const struct tnode *r, size_t mark, struct tv index,
                      struct tv elem)
{
	int rc;

	if (r->pipe->ndecl > 0) {
		if (r->pipe->is_assign) {
			/* with two variables index comes first; with one it gets the element */
			rc = set_var(s, r->pipe->decl[0]->idents[0], r->pipe->ndecl > 1 ? index : elem);
			if (rc >= 0 && r->pipe->ndecl > 1)
				rc = set_var(s, r->pipe->decl[1]->idents[0], elem);
			if (rc < 0)
				return rc;
		} else {
			s->vars[s->nvars - 1].v = elem;
			if (r->pipe->ndecl > 1)
				s->vars[s->nvars - 2].v = index;
		}
	}
	rc = walk(s, elem, r->list);
	s->nvars = mark;
	return rc;
}

static int walk_range(struct tstate *s, struct tv dot, const struct tnode *r)
{
	size_t mark0 = s->nvars, mark, k;
	struct tv v;
	int rc, ran = 0;

	s->node = r;
	if ((rc = eval_pipeline(s, dot, r->pipe, &v)) < 0)
		return rc;
	mark = s->nvars;
	switch (v.kind) {
	case TV_LIST:
	case TV_SLIST:
		for (k = 0; v.u.l != NULL && k < v.u.l->n; k++) {
			ran = 1;
			rc = range_iter(s, r, mark, tv_int(TV_INT, (int64_t)k), v.u.l->v[k]);
			if (rc == WALK_BREAK)
				break;
			if (rc < 0)
				goto out;
		}
		break;
	case TV_MAP:
	case TV_SMAP:
		for (k = 0; v.u.m != NULL && k < v.u.m->n; k++) {
			ran = 1;
			rc = range_iter(s, r, mark, tv_str(v.u.m->k[k].p, v.u.m->k[k].n), v.u.m->v[k]);
			if (rc == WALK_BREAK)
				break;
			if (rc < 0)
				goto out;
		}
		break;
	case TV_INT:
	case TV_INT64:
	case TV_UINT8:
		if (r->pipe->ndecl > 1) {
			rc = xerrorf(s, "can't use %lld to iterate over more than one variable",
			             (long long)v.u.i);
			goto out;
		}
		for (k = 0; (int64_t)k < v.u.i; k++) {
			struct tv iv = tv_int(v.kind, (int64_t)k);

			ran = 1;
			rc = range_iter(s, r, mark, iv, iv);
			if (rc == WALK_BREAK)
				break;
			if (rc < 0)
				goto out;
		}
		break;
	case TV_NIL:
		break; /* a nil map or slice: like an empty one */
	default:
		s->node = r;
		rc = xerrorf(s, "range can't iterate over value of type %s", ck_ext__tv_typename(&v));
		goto out;
	}
	rc = CK_OK;
	if (!ran && r->elselist != NULL)
		rc = walk(s, dot, r->elselist);
out:
	s->nvars = mark0;
	return rc;
}

static const struct tdef *find_def(const struct ck_tmpl *t, const char *name, size_t n)
{
	size_t k;

	for (k = 0; k < t->ndefs; k++)
		if (strlen(t->defs[k].name) == n && memcmp(t->defs[k].name, name, n) == 0)
			return &t->defs[k];
	return NULL;
}

static int walk_template(struct tstate *s, struct tv dot, const struct tnode *n)
{
	const struct tdef *d = find_def(s->t, n->text, n->len), *save_cur;
	struct tvar *save_vars;
	size_t save_n, save_cap;
	struct tv v;
	int rc;

	s->node = n;
	if (d == NULL) {
		struct ck_buf q = CK_BUF_INIT;

		ck_buf_init(&q, 4096);
		if (ck_ext__fmt_quote(&q, n->text, n->len) < 0)
			ck_buf_reset(&q);
		rc = xerrorf(s, "template %s not defined", ck_buf_cstr(&q));
		ck_buf_dispose(&q);
		return rc;
	}
	if (s->depth >= MAX_EXEC_DEPTH)
		return xerrorf(s, "exceeded maximum template depth (%d)", MAX_EXEC_DEPTH);
	if ((rc = eval_pipeline(s, dot, n->pipe, &v)) < 0)
		return rc;
	/* no dynamic scoping: the callee sees only $ */
	save_vars = s->vars;
	save_n = s->nvars;
	save_cap = s->capvars;
	save_cur = s->cur;
	s->vars = NULL;
	s->nvars = s->capvars = 0;
	s->cur = d;
	s->depth++;
	if ((rc = push_var(s, "$", v)) >= 0)
		rc = walk(s, v, d->root);
	s->depth--;
	s->cur = save_cur;
	s->vars = save_vars;
	s->nvars = save_n;
	s->capvars = save_cap;
	return rc;
}

static int walk(struct tstate *s, struct tv dot, const struct tnode *n)
{
	struct tv v;
	size_t k;
	int rc;

	s->node = n;
	if ((rc = step(s)) < 0)
		return rc;
	switch (n->type) {
	case TN_ACTION:
		if ((rc = eval_pipeline(s, dot, n->pipe, &v)) < 0)
			return rc;
		if (n->pipe->ndecl == 0)
			return print_value(s, n, &v);
		return CK_OK;
	case TN_BREAK:
		return WALK_BREAK;
	case TN_CONTINUE:
		return WALK_CONTINUE;
	case TN_COMMENT:
		return CK_OK;
	case TN_IF:
	case TN_WITH:
		return walk_if_with(s, dot, n);
	case TN_LIST:
		for (k = 0; k < n->nkids; k++) {
			rc = walk(s, dot, n->kids[k]);
			if (rc != CK_OK)
				return rc == WALK_CONTINUE ? WALK_CONTINUE : rc;
		}
		return CK_OK;
	case TN_RANGE:
		return walk_range(s, dot, n);
	case TN_TEMPLATE:
		return walk_template(s, dot, n);
	case TN_TEXT:
		return ck_buf_put(s->out, n->text, n->len);
	default:
		return xerrorf(s, "unknown node");
	}
}

static int exec_with(struct ck_buf *out, const struct ck_tmpl *t, struct ck_ext_arena *a,
                     struct tv dot)
{
	struct tstate s;
	struct ck_buf scratch;
	const struct tdef *d = find_def(t, t->name, strlen(t->name));
	size_t mark = ck_buf_len(out);
	int rc;

	memset(&s, 0, sizeof(s));
	s.t = t;
	s.a = a;
	s.out = out;
	s.cur = d;
	ck_buf_init_secure(&scratch, CK_BUF_MAX);
	s.scratch = &scratch;
	if (d == NULL || d->root == NULL) {
		rc = ck_err_set(CK_EINVAL, "template: %s: \"%s\" is an incomplete or empty template",
		                t->name, t->name);
		goto out;
	}
	if ((rc = push_var(&s, "$", dot)) < 0)
		goto out;
	rc = walk(&s, dot, d->root);
	if (rc > 0)
		rc = CK_OK; /* break/continue cannot escape a range: the parser checks */
out:
	ck_buf_dispose(&scratch);
	/* core's ck_buf_truncate trips UBSan on a never-grown buffer: guard */
	if (rc < 0 && ck_buf_len(out) > mark)
		ck_buf_truncate(out, mark);
	return rc;
}

int ck_tmpl_exec(struct ck_buf *out, const struct ck_tmpl *t, const struct ck_tmpl_kv *kv,
                 size_t n)
{
	struct ck_ext_arena a;
	struct tv dot;
	struct tv_map *m;
	size_t k;
	int rc = CK_EINTERNAL;

	ck_ext__arena_init(&a, 1, t->max_mem);
	if ((m = ck_ext__map_new(&a, n)) == NULL) {
		rc = ck_err_last()->code;
		goto out;
	}
	for (k = 0; k < n; k++) {
		if ((rc = ck_ext__map_set(&a, m, kv[k].key, kv[k].klen,
		                          tv_str((const char *)kv[k].val, kv[k].vlen))) < 0)
			goto out;
	}
	dot.kind = TV_SMAP;
	dot.flags = 0;
	dot.u.m = m;
	rc = exec_with(out, t, &a, dot);
out:
	ck_ext__arena_dispose(&a);
	return rc;
}

int ck_tmpl_exec_json(struct ck_buf *out, const struct ck_tmpl *t, const char *json, size_t n)
{
	struct ck_ext_arena a;
	struct tv dot;
	int rc;

	ck_ext__arena_init(&a, 1, t->max_mem);
	if ((rc = ck_ext__json_decode(&a, &dot, json, n, 0)) < 0) {
		ck_err_context("template: %s: data", t->name);
		goto out;
	}
	if (dot.kind == TV_NIL)
		dot.flags = 0;
	rc = exec_with(out, t, &a, dot);
out:
	ck_ext__arena_dispose(&a);
	return rc;
}

int ck_tmpl_render(struct ck_buf *out, const char *name, const char *text, size_t n,
                   const struct ck_tmpl_opts *opts, const struct ck_tmpl_kv *kv, size_t nkv)
{
	struct ck_tmpl *t = NULL;
	int rc;

	if ((rc = ck_tmpl_parse(&t, name, text, n, opts)) >= 0)
		rc = ck_tmpl_exec(out, t, kv, nkv);
	ck_tmpl_free(t);
	return rc;
}
