/* rk_json.h: the little JSON a raftkit step-protocol adapter needs, in one C header.
 *
 * The protocol (conformance/PROTOCOL.md) is one JSON object per line. This header parses a
 * line into a tree (objects, arrays, strings, numbers, true/false/null) and writes replies
 * into a growing buffer. No dependency beyond libc, so an adapter builds with the system
 * compiler alone. Include it in exactly one .c file (all functions are static).
 *
 *   rk_json *req = rk_parse(line, errbuf, sizeof errbuf);   NULL + message on bad input
 *   const char *type = rk_str(rk_get(req, "type"), "");
 *   rk_buf out = {0}; rk_puts(&out, "{\"type\":"); rk_put_str(&out, "init_ok"); ...
 *   rk_free(req);
 */
#ifndef RK_JSON_H
#define RK_JSON_H

#if defined(__GNUC__)
#define RK_UNUSED __attribute__((unused))
#else
#define RK_UNUSED
#endif

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { RK_NULL, RK_BOOL, RK_NUM, RK_STR, RK_ARR, RK_OBJ } rk_kind;

typedef struct rk_json {
    rk_kind kind;
    bool boolean;
    double num;
    char *str;               /* RK_STR */
    char *key;               /* the member name, when this value is inside an object */
    struct rk_json *child;   /* first element / member (RK_ARR, RK_OBJ) */
    struct rk_json *next;    /* next sibling */
} rk_json;

typedef struct {
    const char *p;
    char *err;
    size_t errlen;
} rk_parser;

static rk_json *rk_value(rk_parser *ps);

static RK_UNUSED void rk_free(rk_json *j)
{
    while (j != NULL) {
        rk_json *next = j->next;
        rk_free(j->child);
        free(j->str);
        free(j->key);
        free(j);
        j = next;
    }
}

static rk_json *rk_fail(rk_parser *ps, const char *expected)
{
    if (ps->err[0] == '\0') {
        snprintf(ps->err, ps->errlen, "expected %s at \"%.20s\"", expected, ps->p);
    }
    return NULL;
}

static void rk_skip(rk_parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' || *ps->p == '\n') ps->p++;
}

static rk_json *rk_new(rk_kind kind)
{
    rk_json *j = calloc(1, sizeof *j);
    if (j == NULL) abort();
    j->kind = kind;
    return j;
}

/* Appends the UTF-8 encoding of code point cp to out; returns the bytes written. */
static int rk_utf8(char *out, unsigned cp)
{
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) { out[0] = (char)(0xC0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

static char *rk_string(rk_parser *ps)
{
    if (*ps->p != '"') return (char *)rk_fail(ps, "a string");
    ps->p++;
    char *out = malloc(strlen(ps->p) + 1), *w = out;
    if (out == NULL) abort();
    while (*ps->p != '"') {
        char c = *ps->p++;
        if (c == '\0') { free(out); return (char *)rk_fail(ps, "a closing quote"); }
        if (c != '\\') { *w++ = c; continue; }
        c = *ps->p++;
        switch (c) {
            case 'n': *w++ = '\n'; break;
            case 't': *w++ = '\t'; break;
            case 'r': *w++ = '\r'; break;
            case 'b': *w++ = '\b'; break;
            case 'f': *w++ = '\f'; break;
            case 'u': {
                unsigned cp = 0;
                if (sscanf(ps->p, "%4x", &cp) != 1) { free(out); return (char *)rk_fail(ps, "4 hex digits"); }
                ps->p += 4;
                w += rk_utf8(w, cp); /* surrogate pairs are kept as two 3-byte sequences */
                break;
            }
            case '"': case '\\': case '/': *w++ = c; break;
            default: free(out); return (char *)rk_fail(ps, "an escape sequence");
        }
    }
    ps->p++;
    *w = '\0';
    return out;
}

/* Parses the members of an object or the elements of an array after its opening bracket. */
static rk_json *rk_items(rk_parser *ps, rk_json *parent, char close)
{
    rk_json **tail = &parent->child;
    rk_skip(ps);
    if (*ps->p == close) { ps->p++; return parent; }
    for (;;) {
        char *key = NULL;
        rk_skip(ps);
        if (parent->kind == RK_OBJ) {
            if ((key = rk_string(ps)) == NULL) break;
            rk_skip(ps);
            if (*ps->p++ != ':') { free(key); rk_fail(ps, "':'"); break; }
        }
        rk_json *item = rk_value(ps);
        if (item == NULL) { free(key); break; }
        item->key = key;
        *tail = item;
        tail = &item->next;
        rk_skip(ps);
        if (*ps->p == ',') { ps->p++; continue; }
        if (*ps->p == close) { ps->p++; return parent; }
        rk_fail(ps, close == '}' ? "',' or '}'" : "',' or ']'");
        break;
    }
    rk_free(parent);
    return NULL;
}

static rk_json *rk_value(rk_parser *ps)
{
    rk_skip(ps);
    char c = *ps->p;
    if (c == '{' || c == '[') { ps->p++; return rk_items(ps, rk_new(c == '{' ? RK_OBJ : RK_ARR), c == '{' ? '}' : ']'); }
    if (c == '"') {
        char *s = rk_string(ps);
        if (s == NULL) return NULL;
        rk_json *j = rk_new(RK_STR);
        j->str = s;
        return j;
    }
    if (strncmp(ps->p, "true", 4) == 0 || strncmp(ps->p, "false", 5) == 0) {
        rk_json *j = rk_new(RK_BOOL);
        j->boolean = c == 't';
        ps->p += j->boolean ? 4 : 5;
        return j;
    }
    if (strncmp(ps->p, "null", 4) == 0) { ps->p += 4; return rk_new(RK_NULL); }
    char *end;
    double num = strtod(ps->p, &end);
    if (end == ps->p) return rk_fail(ps, "a JSON value");
    ps->p = end;
    rk_json *j = rk_new(RK_NUM);
    j->num = num;
    return j;
}

/* Parses one JSON text; on error returns NULL and writes what was expected into err. */
static RK_UNUSED rk_json *rk_parse(const char *text, char *err, size_t errlen)
{
    rk_parser ps = {text, err, errlen};
    err[0] = '\0';
    rk_json *j = rk_value(&ps);
    rk_skip(&ps);
    if (j != NULL && *ps.p != '\0') { rk_free(j); return rk_fail(&ps, "the end of the line"); }
    return j;
}

static RK_UNUSED rk_json *rk_get(const rk_json *obj, const char *key)
{
    if (obj == NULL || obj->kind != RK_OBJ) return NULL;
    for (rk_json *m = obj->child; m != NULL; m = m->next)
        if (strcmp(m->key, key) == 0) return m;
    return NULL;
}

static RK_UNUSED const char *rk_str(const rk_json *j, const char *fallback) { return j && j->kind == RK_STR ? j->str : fallback; }
static RK_UNUSED double rk_num(const rk_json *j, double fallback) { return j && j->kind == RK_NUM ? j->num : fallback; }
static RK_UNUSED bool rk_bool(const rk_json *j, bool fallback) { return j && j->kind == RK_BOOL ? j->boolean : fallback; }
static RK_UNUSED bool rk_has(const rk_json *j, rk_kind kind) { return j != NULL && j->kind == kind; }

/* ------------------------------------------------------------------ writing */

typedef struct {
    char *data;
    size_t len, cap;
} rk_buf;

static void rk_putn(rk_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->data = realloc(b->data, b->cap);
        if (b->data == NULL) abort();
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static RK_UNUSED void rk_puts(rk_buf *b, const char *s) { rk_putn(b, s, strlen(s)); }

static RK_UNUSED void rk_printf(rk_buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    rk_putn(b, tmp, n < (int)sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Writes s as a JSON string literal, escaping quotes, backslashes and control characters. */
static RK_UNUSED void rk_put_str(rk_buf *b, const char *s)
{
    rk_putn(b, "\"", 1);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') { char e[2] = {'\\', (char)c}; rk_putn(b, e, 2); }
        else if (c < 0x20) rk_printf(b, "\\u%04x", c);
        else rk_putn(b, (const char *)&c, 1);
    }
    rk_putn(b, "\"", 1);
}

#endif /* RK_JSON_H */
