/* A raftkit step-protocol adapter for a C Raft library, in one page: the plumbing is done,
 * the four functions marked YOUR LIBRARY are where you call yours. Until they are filled
 * in, every stepping command answers error 10 (not supported) and the kit skips the
 * scenario with that reason. Protocol: conformance/PROTOCOL.md. A complete adapter built
 * the same way: conformance/adapters/canonical-raft/adapter.c.
 *
 *   cc -std=gnu11 -Wall -o skeleton conformance/adapters/c-skeleton/skeleton.c   (+ your library)
 *   npx raftkit conform --adapter-cmd ./skeleton
 */
#include "rk_json.h"

#define MAX_NODES 16

typedef struct {
    char name[64];
    /* YOUR LIBRARY: the node object, its "disk" (term, vote, log: survives crash), outbox. */
} node;

static node nodes[MAX_NODES];
static unsigned n_nodes;

/* ---- YOUR LIBRARY: four hooks ---------------------------------------------------------- */

/* Creates node n from the `initial` state of `create` (may be NULL: term 0, no vote, empty
 * log). Return NULL, or a message saying what failed. */
static const char *lib_create(node *n, const rk_json *initial, const rk_json *features)
{
    (void)n, (void)initial, (void)features;
    return NULL;
}

/* One step of node n: type is deliver/timeout/tick/propose/crash/restart, req the request.
 * Return 0, or an error code of PROTOCOL.md §8 (10 = not supported) with *why filled in. */
static int lib_step(node *n, const char *type, const rk_json *req, const char **why)
{
    static char text[120];
    (void)n, (void)req;
    snprintf(text, sizeof text, "'%s' is not connected to a Raft library yet (skeleton.c lib_step)", type);
    *why = text;
    return 10;
}

/* Writes n's state object: {"id","role","currentTerm","votedFor","log":[{term,value}],"commitIndex"}. */
static void lib_state(node *n, rk_buf *out)
{
    rk_puts(out, "{\"id\":");
    rk_put_str(out, n->name);
    rk_puts(out, ",\"role\":\"follower\",\"currentTerm\":0,\"votedFor\":null,\"log\":[],\"commitIndex\":0}");
}

/* Writes, comma-separated, the model messages n sent during the last step, and forgets them. */
static void lib_drain(node *n, rk_buf *out) { (void)n, (void)out; }

/* ---- plumbing: you should not need to change anything below ----------------------------- */

static node *find(const char *name)
{
    for (unsigned i = 0; i < n_nodes; i++)
        if (strcmp(nodes[i].name, name) == 0) return &nodes[i];
    return NULL;
}

static int create(const rk_json *req, rk_buf *out, const char **why)
{
    n_nodes = 0;
    const rk_json *list = rk_get(req, "nodes");
    for (const rk_json *e = rk_has(list, RK_ARR) ? list->child : NULL; e && n_nodes < MAX_NODES; e = e->next) {
        node *n = &nodes[n_nodes++];
        memset(n, 0, sizeof *n);
        snprintf(n->name, sizeof n->name, "%s", rk_str(e, "?"));
        if ((*why = lib_create(n, rk_get(rk_get(req, "initial"), n->name), rk_get(req, "features")))) return 20;
    }
    rk_puts(out, ",\"states\":[");
    for (unsigned i = 0; i < n_nodes; i++) {
        if (i) rk_puts(out, ",");
        lib_state(&nodes[i], out);
    }
    rk_puts(out, "]");
    return 0;
}

/* Handles one request; returns 0 (reply fields written to out) or an error code. */
static int handle(const char *type, const rk_json *req, rk_buf *out, const char **why)
{
    if (strcmp(type, "init") == 0) {
        rk_puts(out, ",\"protocol\":1,\"implementation\":\"my raft (C skeleton)\",\"features\":{}");
        return 0;
    }
    if (strcmp(type, "create") == 0) return create(req, out, why);
    if (strcmp(type, "shutdown") == 0) return 0;
    const rk_json *m = rk_get(req, "message");
    node *n = find(rk_str(rk_get(m ? m : req, m ? "to" : "node"), ""));
    if (strcmp(type, "inspect") == 0 || n == NULL) {
        *why = n_nodes == 0 ? "no cluster: send create first" : "unknown node or command";
        return n_nodes == 0 ? 14 : strcmp(type, "inspect") == 0 ? 10 : 13;
    }
    if (strcmp(type, "state") != 0 && strcmp(type, "drain") != 0) {
        int code = lib_step(n, type, req, why);
        if (code != 0) return code;
    }
    if (strcmp(type, "drain") != 0) rk_puts(out, ",\"state\":"), lib_state(n, out);
    if (strcmp(type, "state") != 0) rk_puts(out, ",\"messages\":["), lib_drain(n, out), rk_puts(out, "]");
    return 0;
}

int main(void)
{
    char *line = NULL, err[200];
    size_t cap = 0;
    while (getline(&line, &cap, stdin) > 0) {
        rk_json *req = rk_parse(line, err, sizeof err);
        const char *type = rk_str(rk_get(req, "type"), ""), *why = err;
        rk_buf body = {0};
        int code = req ? handle(type, req, &body, &why) : 12;
        printf("{\"in_reply_to\":%lld,\"type\":", (long long)rk_num(rk_get(req, "id"), 0));
        if (code == 0) printf("\"%s_ok\"%s}\n", type, body.data ? body.data : "");
        else {
            rk_buf text = {0};
            rk_put_str(&text, why);
            printf("\"error\",\"code\":%d,\"text\":%s}\n", code, text.data);
            free(text.data);
        }
        fflush(stdout);
        free(body.data);
        bool done = strcmp(type, "shutdown") == 0;
        rk_free(req);
        if (done) break;
    }
    free(line);
    return 0;
}
