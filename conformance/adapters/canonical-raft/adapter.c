/* canonical-raft adapter: lets raftkit drive canonical raft (libraft 0.15, C, Debian
 * libraft-dev) in step mode, over conformance/PROTOCOL.md (one JSON request per line on
 * stdin, one reply per line on stdout, diagnostics on stderr).
 *
 * Every node of the cluster is one `struct raft` in this process, each with its own
 * in-memory `struct raft_io`: the library's I/O hooks are the adapter's.
 *   - time/random: a per-node logical clock in ms (TICK_MS per kit tick); random() returns
 *     its minimum, so the election timeout is exactly electionTicks (deterministic).
 *   - set_term/set_vote/append/truncate: the node's "disk", kept across crash + restart.
 *     append() writes at once and completes its callback at the end of the step.
 *   - send: the message becomes a model message in the step's reply; its callback also
 *     completes at the end of the step. Callbacks may start more I/O (a follower answers an
 *     AppendEntries from its append callback), so the adapter completes until none is left.
 *   - load: the persisted term, vote and entries, plus the cluster configuration as a
 *     snapshot at index 0 (canonical raft otherwise needs a configuration entry at index 1,
 *     which would shift every index and term the model talks about).
 * Timers: `timeout election` moves the node's clock to its election deadline and fires the
 * tick callback; `timeout heartbeat` moves a leader's clock by one heartbeat interval and
 * fires it; `tick` advances by TICK_MS per tick, firing the callback each time.
 * A crash closes the `struct raft` (raft_close) and keeps the disk; a restart runs
 * raft_init + raft_start again, which load()s the disk.
 */
#include <raft.h>
#include <stdint.h>

#include "../c-skeleton/rk_json.h"

#define PROTOCOL_VERSION 1
#define MAX_NODES 16
#define TICK_MS 100

/* Switches of issue 12 (SWITCHES.md) that describe canonical raft but that this branch's
 * model does not know yet. Build with -DRAFTKIT_DECLARE_PENDING_SWITCHES=1 once the model
 * has them (docs/implementations.md, canonical raft section, says which class each fixes). */
#ifndef RAFTKIT_DECLARE_PENDING_SWITCHES
#define RAFTKIT_DECLARE_PENDING_SWITCHES 1
#endif
#define PENDING_SWITCHES                                                                  \
    ",\"checkQuorum\":\"always\""          /* C5: tick.c:118-123, always on */          \
    ",\"leaderStickiness\":\"any-term-reply\"" /* C1, C11: recv_request_vote.c:58-64 */    \
    ",\"preVoteRefusalTerm\":\"echo\""      /* C2: recv_request_vote.c:111-113 */          \
    ",\"preVoteOwnTerm\":true"              /* C3: recv.c:147-154, election.c:205 */       \
    ",\"candidateRetry\":\"election\""      /* C4: tick.c:71-73 */                         \
    ",\"backoff\":\"hint\""                 /* C10: progress.c:243 */                      \
    ",\"electionTimerOnHigherTerm\":\"leader-or-candidate\"" /* recv.c:138-141, convert.c:136 */
/* With the switches, C5 is the kit's existing tolerance (granted with CheckQuorum on). */
#define PENDING_TOLERANCES ",\"stale-append-reply-unrejected\""

typedef struct {
    raft_term term;
    unsigned short type;
    char *value;
} disk_entry;

typedef struct pending {
    bool is_send;
    void *req;
    void *cb;
    struct pending *next;
} pending;

typedef struct node {
    char name[64];
    raft_id id;
    struct raft raft;
    struct raft_io io;
    struct raft_fsm fsm;
    bool running;
    /* the disk: survives crash and restart */
    raft_term term;
    raft_id vote;
    disk_entry *log;
    size_t n_log, cap_log;
    /* volatile I/O state */
    raft_time now;
    raft_io_tick_cb tick_cb;
    raft_io_recv_cb recv_cb;
    pending *pending_head;
    rk_buf outbox; /* model messages of this step, comma-separated */
    char error[300];
} node;

/* What canonical raft put in an AppendEntries result, by the model message it became, so
 * that delivering that message gives the leader the same rejected/last_log_index back. */
typedef struct {
    char key[200];
    raft_index rejected, last_log_index;
} emitted_result;

static struct {
    bool created;
    node nodes[MAX_NODES];
    unsigned n;
    unsigned election_ticks, heartbeat_ticks;
    bool pre_vote;
    emitted_result *emitted;
    size_t n_emitted, cap_emitted;
} cluster;

static node *node_of_io(struct raft_io *io) { return io->impl; }

static node *node_by_id(raft_id id) { return id >= 1 && id <= cluster.n ? &cluster.nodes[id - 1] : NULL; }

static node *node_by_name(const char *name)
{
    for (unsigned i = 0; i < cluster.n; i++)
        if (strcmp(cluster.nodes[i].name, name) == 0) return &cluster.nodes[i];
    return NULL;
}

static const char *name_of(raft_id id)
{
    node *n = node_by_id(id);
    return n ? n->name : "?";
}

/* ------------------------------------------------------------------ the disk */

static void disk_push(node *n, raft_term term, unsigned short type, const char *value, size_t len)
{
    if (n->n_log == n->cap_log) {
        n->cap_log = n->cap_log ? n->cap_log * 2 : 8;
        n->log = realloc(n->log, n->cap_log * sizeof *n->log);
        if (n->log == NULL) abort();
    }
    disk_entry *e = &n->log[n->n_log++];
    e->term = term;
    e->type = type;
    e->value = strndup(value, len);
}

static void disk_truncate(node *n, size_t keep)
{
    while (n->n_log > keep) free(n->log[--n->n_log].value);
}

/* ------------------------------------------------------------------ model messages out */

static void put_entries(rk_buf *b, const struct raft_entry *entries, unsigned n)
{
    rk_puts(b, "[");
    for (unsigned i = 0; i < n; i++) {
        char *value = strndup(entries[i].buf.base ? entries[i].buf.base : "", entries[i].buf.len);
        rk_printf(b, "%s{\"term\":%llu,\"value\":", i ? "," : "", entries[i].term);
        rk_put_str(b, entries[i].type == RAFT_COMMAND ? value : "");
        rk_puts(b, "}");
        free(value);
    }
    rk_puts(b, "]");
}

static void remember_result(const char *key, const struct raft_append_entries_result *r)
{
    if (cluster.n_emitted == cluster.cap_emitted) {
        cluster.cap_emitted = cluster.cap_emitted ? cluster.cap_emitted * 2 : 64;
        cluster.emitted = realloc(cluster.emitted, cluster.cap_emitted * sizeof *cluster.emitted);
        if (cluster.emitted == NULL) abort();
    }
    emitted_result *e = &cluster.emitted[cluster.n_emitted++];
    snprintf(e->key, sizeof e->key, "%s", key);
    e->rejected = r->rejected;
    e->last_log_index = r->last_log_index;
}

static void result_key(char *key, size_t len, const char *from, const char *to, raft_term term, bool success,
                       raft_index match)
{
    snprintf(key, len, "%s>%s t%llu %d m%llu", from, to, term, success, match);
}

/* Writes message m, sent by n, as a model message (models/types.ts); false if it has none. */
static bool put_message(rk_buf *b, node *n, const struct raft_message *m)
{
    rk_puts(b, "{\"from\":");
    rk_put_str(b, n->name);
    rk_puts(b, ",\"to\":");
    rk_put_str(b, name_of(m->server_id));
    switch (m->type) {
        case RAFT_IO_REQUEST_VOTE: {
            const struct raft_request_vote *v = &m->request_vote;
            rk_printf(b, ",\"type\":\"%s\",\"term\":%llu,\"lastLogIndex\":%llu,\"lastLogTerm\":%llu}",
                      v->pre_vote ? "PreVoteRequest" : "RequestVoteRequest", v->term, v->last_log_index,
                      v->last_log_term);
            return true;
        }
        case RAFT_IO_REQUEST_VOTE_RESULT: {
            const struct raft_request_vote_result *v = &m->request_vote_result;
            rk_printf(b, ",\"type\":\"%s\",\"term\":%llu,\"voteGranted\":%s}",
                      v->pre_vote == raft_tribool_true ? "PreVoteResponse" : "RequestVoteResponse", v->term,
                      v->vote_granted ? "true" : "false");
            return true;
        }
        case RAFT_IO_APPEND_ENTRIES: {
            const struct raft_append_entries *a = &m->append_entries;
            rk_printf(b, ",\"type\":\"AppendEntriesRequest\",\"term\":%llu,\"prevLogIndex\":%llu,\"prevLogTerm\":%llu,"
                         "\"leaderCommit\":%llu,\"entries\":",
                      a->term, a->prev_log_index, a->prev_log_term, a->leader_commit);
            put_entries(b, a->entries, a->n_entries);
            rk_puts(b, "}");
            return true;
        }
        case RAFT_IO_APPEND_ENTRIES_RESULT: {
            const struct raft_append_entries_result *a = &m->append_entries_result;
            bool success = a->rejected == 0;
            raft_index match = success ? a->last_log_index : 0;
            char key[200];
            result_key(key, sizeof key, n->name, name_of(m->server_id), a->term, success, match);
            remember_result(key, a);
            rk_printf(b, ",\"type\":\"AppendEntriesResponse\",\"term\":%llu,\"success\":%s,\"matchIndex\":%llu",
                      a->term, success ? "true" : "false", match);
            /* the follower's last index: where the leader moves nextIndex on a rejection */
            if (!success) rk_printf(b, ",\"rejectHint\":%llu", a->last_log_index);
            rk_puts(b, "}");
            return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------------ struct raft_io */

static int io_init(struct raft_io *io, raft_id id, const char *address)
{
    (void)io, (void)id, (void)address;
    return 0;
}

static void io_close(struct raft_io *io, raft_io_close_cb cb)
{
    node_of_io(io)->running = false;
    if (cb != NULL) cb(io);
}

static struct raft_snapshot *configuration_snapshot(void)
{
    struct raft_snapshot *s = raft_calloc(1, sizeof *s);
    raft_configuration_init(&s->configuration);
    for (unsigned i = 0; i < cluster.n; i++)
        raft_configuration_add(&s->configuration, cluster.nodes[i].id, cluster.nodes[i].name, RAFT_VOTER);
    s->bufs = raft_malloc(sizeof *s->bufs);
    s->bufs[0].base = raft_malloc(1);
    s->bufs[0].len = 1;
    s->n_bufs = 1;
    return s;
}

static int io_load(struct raft_io *io, raft_term *term, raft_id *voted_for, struct raft_snapshot **snapshot,
                   raft_index *start_index, struct raft_entry *entries[], size_t *n_entries)
{
    node *n = node_of_io(io);
    *term = n->term;
    *voted_for = n->vote;
    *snapshot = configuration_snapshot();
    *start_index = 1;
    *n_entries = n->n_log;
    *entries = n->n_log ? raft_calloc(n->n_log, sizeof **entries) : NULL;
    for (size_t i = 0; i < n->n_log; i++) {
        size_t len = strlen(n->log[i].value);
        struct raft_entry *e = &(*entries)[i];
        e->term = n->log[i].term;
        e->type = n->log[i].type;
        e->buf.base = raft_malloc(len + 1);
        memcpy(e->buf.base, n->log[i].value, len + 1);
        e->buf.len = len;
        e->batch = e->buf.base;
    }
    return 0;
}

static int io_start(struct raft_io *io, unsigned msecs, raft_io_tick_cb tick, raft_io_recv_cb recv)
{
    (void)msecs; /* the kit's ticks and timeouts drive the tick callback */
    node *n = node_of_io(io);
    n->tick_cb = tick;
    n->recv_cb = recv;
    return 0;
}

static int io_unused_conf(struct raft_io *io, const struct raft_configuration *conf)
{
    (void)conf;
    snprintf(io->errmsg, sizeof io->errmsg, "bootstrap/recover: not used by the adapter");
    return RAFT_CANTBOOTSTRAP;
}

static int io_set_term(struct raft_io *io, raft_term term)
{
    node *n = node_of_io(io);
    n->term = term;
    n->vote = 0;
    return 0;
}

static int io_set_vote(struct raft_io *io, raft_id server_id)
{
    node_of_io(io)->vote = server_id;
    return 0;
}

static void enqueue(node *n, bool is_send, void *req, void *cb)
{
    pending *p = malloc(sizeof *p), **tail = &n->pending_head;
    if (p == NULL) abort();
    *p = (pending){is_send, req, cb, NULL};
    while (*tail != NULL) tail = &(*tail)->next;
    *tail = p;
}

static int io_send(struct raft_io *io, struct raft_io_send *req, const struct raft_message *m, raft_io_send_cb cb)
{
    node *n = node_of_io(io);
    rk_buf one = {0};
    if (!put_message(&one, n, m)) {
        snprintf(n->error, sizeof n->error, "%s sent raft message type %d to %s, which has no counterpart in the model",
                 n->name, m->type, name_of(m->server_id));
    } else {
        if (n->outbox.len > 0) rk_puts(&n->outbox, ",");
        rk_puts(&n->outbox, one.data);
    }
    free(one.data);
    enqueue(n, true, req, cb);
    return 0;
}

static int io_append(struct raft_io *io, struct raft_io_append *req, const struct raft_entry entries[], unsigned count,
                     raft_io_append_cb cb)
{
    node *n = node_of_io(io);
    for (unsigned i = 0; i < count; i++)
        disk_push(n, entries[i].term, entries[i].type, entries[i].buf.base ? entries[i].buf.base : "",
                  entries[i].buf.len);
    enqueue(n, false, req, cb);
    return 0;
}

static int io_truncate(struct raft_io *io, raft_index index)
{
    node *n = node_of_io(io);
    disk_truncate(n, index > 0 ? index - 1 : 0);
    return 0;
}

static int io_snapshot_put(struct raft_io *io, unsigned trailing, struct raft_io_snapshot_put *req,
                           const struct raft_snapshot *snapshot, raft_io_snapshot_put_cb cb)
{
    (void)trailing, (void)req, (void)snapshot, (void)cb;
    snprintf(io->errmsg, sizeof io->errmsg, "snapshots are not part of the model");
    return RAFT_IOERR;
}

static int io_snapshot_get(struct raft_io *io, struct raft_io_snapshot_get *req, raft_io_snapshot_get_cb cb)
{
    (void)req, (void)cb;
    snprintf(io->errmsg, sizeof io->errmsg, "snapshots are not part of the model");
    return RAFT_IOERR;
}

static raft_time io_time(struct raft_io *io) { return node_of_io(io)->now; }

static int io_random(struct raft_io *io, int min, int max)
{
    (void)io, (void)max;
    return min; /* the election timeout is exactly election_timeout: deterministic */
}

/* Completes every outstanding send and append with success, in issue order, including
 * those the callbacks themselves start. */
static void complete_io(node *n)
{
    while (n->pending_head != NULL) {
        pending *p = n->pending_head;
        n->pending_head = p->next;
        if (p->is_send) ((raft_io_send_cb)p->cb)(p->req, 0);
        else ((raft_io_append_cb)p->cb)(p->req, 0);
        free(p);
    }
}

/* ------------------------------------------------------------------ the FSM (no state) */

static int fsm_apply(struct raft_fsm *fsm, const struct raft_buffer *buf, void **result)
{
    (void)fsm, (void)buf;
    *result = NULL;
    return 0;
}

static int fsm_snapshot(struct raft_fsm *fsm, struct raft_buffer *bufs[], unsigned *n_bufs)
{
    (void)fsm, (void)bufs, (void)n_bufs;
    return RAFT_IOERR;
}

static int fsm_restore(struct raft_fsm *fsm, struct raft_buffer *buf)
{
    (void)fsm;
    raft_free(buf->base); /* snapshotRestore hands the buffer over */
    return 0;
}

/* ------------------------------------------------------------------ nodes */

static void wire_io(node *n)
{
    memset(&n->io, 0, sizeof n->io);
    n->io.version = 1;
    n->io.impl = n;
    n->io.init = io_init;
    n->io.close = io_close;
    n->io.load = io_load;
    n->io.start = io_start;
    n->io.bootstrap = io_unused_conf;
    n->io.recover = io_unused_conf;
    n->io.set_term = io_set_term;
    n->io.set_vote = io_set_vote;
    n->io.send = io_send;
    n->io.append = io_append;
    n->io.truncate = io_truncate;
    n->io.snapshot_put = io_snapshot_put;
    n->io.snapshot_get = io_snapshot_get;
    n->io.time = io_time;
    n->io.random = io_random;
    memset(&n->fsm, 0, sizeof n->fsm);
    n->fsm.version = 1;
    n->fsm.apply = fsm_apply;
    n->fsm.snapshot = fsm_snapshot;
    n->fsm.restore = fsm_restore;
}

/* raft_init + raft_start on the node's disk; NULL or what went wrong. */
static const char *boot(node *n)
{
    static char why[400];
    wire_io(n);
    memset(&n->raft, 0, sizeof n->raft);
    int rv = raft_init(&n->raft, &n->io, &n->fsm, n->id, n->name);
    if (rv != 0) {
        snprintf(why, sizeof why, "raft_init(%s): %s", n->name, raft_strerror(rv));
        return why;
    }
    raft_set_election_timeout(&n->raft, cluster.election_ticks * TICK_MS);
    raft_set_heartbeat_timeout(&n->raft, cluster.heartbeat_ticks * TICK_MS);
    raft_set_snapshot_threshold(&n->raft, UINT32_MAX);
    raft_set_pre_vote(&n->raft, cluster.pre_vote);
    n->running = true;
    rv = raft_start(&n->raft);
    if (rv != 0) {
        snprintf(why, sizeof why, "raft_start(%s): %s (%s)", n->name, raft_strerror(rv), raft_errmsg(&n->raft));
        return why;
    }
    return NULL;
}

static void crash(node *n)
{
    if (!n->running) return;
    raft_close(&n->raft, NULL);
    complete_io(n);
    n->running = false;
}

static void reset_cluster(void)
{
    for (unsigned i = 0; i < cluster.n; i++) {
        node *n = &cluster.nodes[i];
        crash(n);
        disk_truncate(n, 0);
        free(n->log);
        free(n->outbox.data);
    }
    free(cluster.emitted);
    memset(&cluster, 0, sizeof cluster);
}

static const char *role_of(node *n)
{
    if (!n->running) return "crashed";
    switch (raft_state(&n->raft)) {
        case RAFT_FOLLOWER: return "follower";
        case RAFT_CANDIDATE: return n->raft.candidate_state.in_pre_vote ? "preCandidate" : "candidate";
        case RAFT_LEADER: return "leader";
    }
    return NULL; /* RAFT_UNAVAILABLE: the library gave up after an error */
}

static void put_state(rk_buf *b, node *n)
{
    raft_term term = n->running ? n->raft.current_term : n->term;
    raft_id vote = n->running ? n->raft.voted_for : n->vote;
    rk_puts(b, "{\"id\":");
    rk_put_str(b, n->name);
    rk_printf(b, ",\"role\":\"%s\",\"currentTerm\":%llu,\"votedFor\":", role_of(n), term);
    if (vote == 0) rk_puts(b, "null");
    else rk_put_str(b, name_of(vote));
    rk_puts(b, ",\"log\":[");
    for (size_t i = 0; i < n->n_log; i++) {
        rk_printf(b, "%s{\"term\":%llu,\"value\":", i ? "," : "", n->log[i].term);
        rk_put_str(b, n->log[i].type == RAFT_COMMAND ? n->log[i].value : "");
        rk_puts(b, "}");
    }
    rk_printf(b, "],\"commitIndex\":%llu}", n->running ? n->raft.commit_index : 0ULL);
}

/* ------------------------------------------------------------------ requests */

typedef struct {
    int code; /* 0: ok */
    char text[512];
} outcome;

static outcome ok(void) { return (outcome){0, ""}; }

static outcome failed(int code, const char *fmt, ...)
{
    outcome o = {code, ""};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o.text, sizeof o.text, fmt, ap);
    va_end(ap);
    return o;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Puts the initial persistent state of `create` on the node's disk. */
static outcome load_initial(node *n, const rk_json *init)
{
    n->term = (raft_term)rk_num(rk_get(init, "currentTerm"), 0);
    const rk_json *vote = rk_get(init, "votedFor");
    if (rk_has(vote, RK_STR)) {
        node *v = node_by_name(vote->str);
        if (v == NULL) return failed(13, "create: %s votedFor unknown node \"%s\"", n->name, vote->str);
        n->vote = v->id;
    }
    const rk_json *log = rk_get(init, "log");
    for (const rk_json *e = rk_has(log, RK_ARR) ? log->child : NULL; e != NULL; e = e->next) {
        const char *value = rk_str(rk_get(e, "value"), "");
        disk_push(n, (raft_term)rk_num(rk_get(e, "term"), 0), RAFT_COMMAND, value, strlen(value));
    }
    return ok();
}

static outcome read_timing(const rk_json *req)
{
    const rk_json *timing = rk_get(req, "timing");
    cluster.election_ticks = (unsigned)rk_num(rk_get(timing, "electionTicks"), 10);
    cluster.heartbeat_ticks = (unsigned)rk_num(rk_get(timing, "heartbeatTicks"), 1);
    if (cluster.heartbeat_ticks == 0 || cluster.heartbeat_ticks >= cluster.election_ticks)
        return failed(10, "canonical raft needs 0 < heartbeatTicks < electionTicks (raft_start asserts it), got %u and %u",
                      cluster.heartbeat_ticks, cluster.election_ticks);
    return ok();
}

static outcome create_nodes(const rk_json *req)
{
    const rk_json *list = rk_get(req, "nodes");
    char *names[MAX_NODES];
    unsigned count = 0;
    for (const rk_json *e = rk_has(list, RK_ARR) ? list->child : NULL; e != NULL; e = e->next) {
        if (!rk_has(e, RK_STR) || count == MAX_NODES)
            return failed(12, "create: expected 'nodes' as at most %d strings", MAX_NODES);
        names[count++] = e->str;
    }
    if (count == 0) return failed(12, "create: expected a non-empty 'nodes' list");
    qsort(names, count, sizeof *names, cmp_names);
    for (unsigned i = 0; i < count; i++) {
        snprintf(cluster.nodes[i].name, sizeof cluster.nodes[i].name, "%s", names[i]);
        cluster.nodes[i].id = i + 1;
    }
    cluster.n = count;
    return ok();
}

static outcome create(const rk_json *req, rk_buf *out)
{
    reset_cluster();
    cluster.pre_vote = rk_bool(rk_get(rk_get(req, "features"), "preVote"), false);
    outcome o = read_timing(req);
    if (o.code == 0) o = create_nodes(req);
    const rk_json *initial = rk_get(req, "initial");
    for (const rk_json *m = rk_has(initial, RK_OBJ) ? initial->child : NULL; o.code == 0 && m != NULL; m = m->next) {
        node *n = node_by_name(m->key);
        o = n ? load_initial(n, m) : failed(13, "create: initial state for unknown node \"%s\"", m->key);
    }
    for (unsigned i = 0; o.code == 0 && i < cluster.n; i++) {
        const char *why = boot(&cluster.nodes[i]);
        if (why != NULL) o = failed(20, "create: %s", why);
    }
    if (o.code != 0) return o;
    cluster.created = true;
    rk_puts(out, "\"states\":[");
    for (unsigned i = 0; i < cluster.n; i++) {
        if (i) rk_puts(out, ",");
        put_state(out, &cluster.nodes[i]);
    }
    rk_printf(out, "],\"electionTimeoutTicks\":{\"min\":%u,\"max\":%u},\"heartbeatTicks\":%u", cluster.election_ticks,
              cluster.election_ticks, cluster.heartbeat_ticks);
    return ok();
}

/* ------------------------------------------------------------------ model messages in */

static bool need_num(const rk_json *m, const char *field, unsigned long long *out, outcome *o)
{
    const rk_json *v = rk_get(m, field);
    if (!rk_has(v, RK_NUM)) {
        *o = failed(12, "%s: expected a number in field \"%s\"", rk_str(rk_get(m, "type"), "message"), field);
        return false;
    }
    *out = (unsigned long long)v->num;
    return true;
}

static bool need_bool(const rk_json *m, const char *field, bool *out, outcome *o)
{
    const rk_json *v = rk_get(m, field);
    if (!rk_has(v, RK_BOOL)) {
        *o = failed(12, "%s: expected a boolean in field \"%s\"", rk_str(rk_get(m, "type"), "message"), field);
        return false;
    }
    *out = v->boolean;
    return true;
}

/* The entries of an AppendEntriesRequest in one batch, as canonical raft's receiver expects
 * (recvAppendEntries frees entries[0].batch and the array). */
static outcome to_raft_entries(const rk_json *list, struct raft_append_entries *a)
{
    size_t count = 0, bytes = 1;
    for (const rk_json *e = list->child; e != NULL; e = e->next, count++)
        bytes += strlen(rk_str(rk_get(e, "value"), "")) + 1;
    a->n_entries = (unsigned)count;
    a->entries = count ? raft_calloc(count, sizeof *a->entries) : NULL;
    char *batch = count ? raft_malloc(bytes) : NULL, *w = batch;
    size_t i = 0;
    for (const rk_json *e = list->child; e != NULL; e = e->next, i++) {
        const char *value = rk_str(rk_get(e, "value"), "");
        size_t len = strlen(value);
        memcpy(w, value, len + 1);
        a->entries[i] = (struct raft_entry){(raft_term)rk_num(rk_get(e, "term"), 0), RAFT_COMMAND, {w, len}, batch};
        w += len + 1;
    }
    return ok();
}

static outcome to_raft_vote(const rk_json *m, struct raft_message *out, bool pre_vote)
{
    outcome o = ok();
    unsigned long long index, term;
    if (!need_num(m, "lastLogIndex", &index, &o) || !need_num(m, "lastLogTerm", &term, &o)) return o;
    out->type = RAFT_IO_REQUEST_VOTE;
    out->request_vote = (struct raft_request_vote){out->request_vote.term, out->server_id, index, term, false, pre_vote};
    return o;
}

static outcome to_raft_append(const rk_json *m, struct raft_message *out)
{
    outcome o = ok();
    unsigned long long prev, prev_term, commit;
    if (!need_num(m, "prevLogIndex", &prev, &o) || !need_num(m, "prevLogTerm", &prev_term, &o) ||
        !need_num(m, "leaderCommit", &commit, &o))
        return o;
    const rk_json *entries = rk_get(m, "entries");
    if (!rk_has(entries, RK_ARR)) return failed(12, "AppendEntriesRequest: expected an array in field \"entries\"");
    out->type = RAFT_IO_APPEND_ENTRIES;
    struct raft_append_entries *a = &out->append_entries;
    a->prev_log_index = prev;
    a->prev_log_term = prev_term;
    a->leader_commit = commit;
    return to_raft_entries(entries, a);
}

/* A result this adapter emitted goes back as canonical raft sent it; one a scenario wrote
 * is translated: success → last_log_index = matchIndex; a rejection names the index the
 * leader probed (its nextIndex - 1 for that follower), with a hint that backs off by one. */
static outcome to_raft_append_result(const rk_json *m, struct raft_message *out, node *to, node *from)
{
    outcome o = ok();
    bool success;
    unsigned long long match;
    if (!need_bool(m, "success", &success, &o) || !need_num(m, "matchIndex", &match, &o)) return o;
    out->type = RAFT_IO_APPEND_ENTRIES_RESULT;
    struct raft_append_entries_result *r = &out->append_entries_result;
    char key[200];
    result_key(key, sizeof key, from->name, to->name, r->term, success, success ? match : 0);
    for (size_t i = cluster.n_emitted; i-- > 0;) {
        if (strcmp(cluster.emitted[i].key, key) != 0) continue;
        r->rejected = cluster.emitted[i].rejected;
        r->last_log_index = cluster.emitted[i].last_log_index;
        return o;
    }
    r->rejected = 0;
    r->last_log_index = match;
    if (!success && to->running && raft_state(&to->raft) == RAFT_LEADER) {
        raft_index next = to->raft.leader_state.progress[from->id - 1].next_index;
        r->rejected = next > 1 ? next - 1 : 1;
        r->last_log_index = r->rejected - 1;
    }
    return o;
}

static outcome to_raft_message(const rk_json *m, struct raft_message *out, node **to)
{
    const char *type = rk_str(rk_get(m, "type"), "");
    node *from = node_by_name(rk_str(rk_get(m, "from"), ""));
    *to = node_by_name(rk_str(rk_get(m, "to"), ""));
    if (from == NULL || *to == NULL)
        return failed(13, "message %s from \"%s\" to \"%s\": unknown node", type, rk_str(rk_get(m, "from"), ""),
                      rk_str(rk_get(m, "to"), ""));
    unsigned long long term;
    outcome o = ok();
    if (!need_num(m, "term", &term, &o)) return o;
    memset(out, 0, sizeof *out);
    out->server_id = from->id;
    out->server_address = from->name;
    out->request_vote.term = term; /* every message kind starts with its term */
    if (strcmp(type, "RequestVoteRequest") == 0) return to_raft_vote(m, out, false);
    if (strcmp(type, "PreVoteRequest") == 0) return to_raft_vote(m, out, true);
    if (strcmp(type, "RequestVoteResponse") == 0 || strcmp(type, "PreVoteResponse") == 0) {
        bool granted;
        if (!need_bool(m, "voteGranted", &granted, &o)) return o;
        out->type = RAFT_IO_REQUEST_VOTE_RESULT;
        out->request_vote_result.vote_granted = granted;
        out->request_vote_result.pre_vote = TO_RAFT_TRIBOOL(type[0] == 'P');
        return o;
    }
    if (strcmp(type, "AppendEntriesRequest") == 0) return to_raft_append(m, out);
    if (strcmp(type, "AppendEntriesResponse") == 0) return to_raft_append_result(m, out, *to, from);
    return failed(12, "message: expected a type of models/types.ts, found \"%s\"", type);
}

/* ------------------------------------------------------------------ steps */

static void fire_tick(node *n)
{
    if (n->running && n->tick_cb != NULL) n->tick_cb(&n->io);
}

/* The follower's or candidate's election deadline: election_timer_start + its randomized
 * timeout (tick.c electionTimerExpired). */
static raft_time election_deadline(node *n)
{
    unsigned timeout = raft_state(&n->raft) == RAFT_FOLLOWER ? n->raft.follower_state.randomized_election_timeout
                                                             : n->raft.candidate_state.randomized_election_timeout;
    return n->raft.election_timer_start + timeout;
}

static void timeout_election(node *n)
{
    if (!n->running) return;
    if (raft_state(&n->raft) == RAFT_LEADER) {
        /* A leader's election timer is CheckQuorum (tick.c tickLeader); the model of this
         * branch has no ElectionTimeout at a leader, so neither does the adapter. */
        if (!RAFTKIT_DECLARE_PENDING_SWITCHES) return;
        n->now = n->raft.election_timer_start + n->raft.election_timeout;
    } else if (election_deadline(n) > n->now) {
        n->now = election_deadline(n);
    }
    fire_tick(n);
}

/* A leader's heartbeat: one heartbeat interval later than its latest send to any follower
 * (replicationHeartbeat sends where now - last_send >= heartbeat_timeout). */
static void timeout_heartbeat(node *n)
{
    if (!n->running || raft_state(&n->raft) != RAFT_LEADER) return;
    raft_time latest = n->now;
    for (unsigned i = 0; i < n->raft.configuration.n; i++)
        if (n->raft.leader_state.progress[i].last_send > latest) latest = n->raft.leader_state.progress[i].last_send;
    n->now = latest + n->raft.heartbeat_timeout;
    fire_tick(n);
}

static void apply_done(struct raft_apply *req, int status, void *result)
{
    (void)status, (void)result;
    free(req);
}

static void propose(node *n, const char *value)
{
    if (!n->running || raft_state(&n->raft) != RAFT_LEADER) return; /* the model: ignored */
    struct raft_buffer buf = {raft_malloc(strlen(value) + 1), strlen(value)};
    memcpy(buf.base, value, buf.len + 1);
    struct raft_apply *req = calloc(1, sizeof *req);
    if (raft_apply(&n->raft, req, &buf, 1, apply_done) != 0) {
        raft_free(buf.base);
        free(req);
    }
}

static outcome deliver(const rk_json *req, node **stepped)
{
    const rk_json *m = rk_get(req, "message");
    if (!rk_has(m, RK_OBJ)) return failed(12, "deliver: expected a 'message' object");
    struct raft_message msg;
    outcome o = to_raft_message(m, &msg, stepped);
    if (o.code != 0) return o;
    if ((*stepped)->running) (*stepped)->recv_cb(&(*stepped)->io, &msg);
    else if (msg.type == RAFT_IO_APPEND_ENTRIES && msg.append_entries.entries != NULL) {
        raft_free(msg.append_entries.entries[0].batch);
        raft_free(msg.append_entries.entries);
    }
    return ok();
}

static outcome one_node(const rk_json *req, node **n)
{
    const char *name = rk_str(rk_get(req, "node"), "");
    *n = node_by_name(name);
    return *n ? ok() : failed(13, "unknown node \"%s\"", name);
}

/* Runs one stepping command; *stepped is the node that took the step. */
static outcome step(const char *type, const rk_json *req, node **stepped)
{
    if (strcmp(type, "deliver") == 0) return deliver(req, stepped);
    outcome o = one_node(req, stepped);
    if (o.code != 0) return o;
    node *n = *stepped;
    if (strcmp(type, "timeout") == 0) {
        const char *timer = rk_str(rk_get(req, "timer"), "");
        if (strcmp(timer, "election") == 0) timeout_election(n);
        else if (strcmp(timer, "heartbeat") == 0) timeout_heartbeat(n);
        else return failed(12, "timeout: expected timer \"election\" or \"heartbeat\", found \"%s\"", timer);
    } else if (strcmp(type, "tick") == 0) {
        for (int i = 0; i < (int)rk_num(rk_get(req, "ticks"), 1) && n->running; i++) {
            n->now += TICK_MS;
            fire_tick(n);
            complete_io(n);
        }
    } else if (strcmp(type, "propose") == 0) {
        propose(n, rk_str(rk_get(req, "value"), ""));
    } else if (strcmp(type, "crash") == 0) {
        crash(n);
    } else if (strcmp(type, "restart") == 0) {
        const char *why = n->running ? NULL : boot(n);
        if (why != NULL) return failed(20, "restart: %s", why);
    } else {
        return failed(10, "unknown request type \"%s\"", type);
    }
    return ok();
}

/* Completes the step's I/O and writes the stepped node's state and messages. */
static outcome finish_step(node *n, rk_buf *out)
{
    complete_io(n);
    if (n->error[0] != '\0') {
        outcome o = failed(20, "%s", n->error);
        n->error[0] = '\0';
        n->outbox.len = 0;
        return o;
    }
    if (role_of(n) == NULL)
        return failed(20, "canonical raft on %s became unavailable (an internal error stopped it): %s", n->name,
                      raft_errmsg(&n->raft));
    rk_puts(out, "\"state\":");
    put_state(out, n);
    rk_puts(out, ",\"messages\":[");
    if (n->outbox.len > 0) rk_puts(out, n->outbox.data);
    rk_puts(out, "]");
    n->outbox.len = 0;
    return ok();
}

static void put_init(rk_buf *out)
{
    rk_printf(out, "\"protocol\":%d,\"implementation\":", PROTOCOL_VERSION);
    rk_put_str(out, "canonical raft 0.15 (libraft, Debian libraft-dev), in-memory raft_io");
    rk_puts(out, ",\"features\":{\"preVote\":true,\"ticks\":true,\"restartWithPersistence\":true");
    if (RAFTKIT_DECLARE_PENDING_SWITCHES) rk_puts(out, PENDING_SWITCHES);
    /* Opt-in tolerances of docs/conformance.md that canonical raft needs, each classified in
     * docs/implementations.md (canonical raft section). */
    rk_puts(out, "},\"tolerances\":[");
    if (RAFTKIT_DECLARE_PENDING_SWITCHES) rk_puts(out, PENDING_TOLERANCES + 1);
    /* recv_request_vote_result.c:87-95 counts match == 0; with the switches, preVoteOwnTerm */
    else rk_puts(out, "\"stale-pre-vote-grant-counted\"");
    rk_puts(out, "]");
}

/* Every node's state, and the messages sent outside any step (none: I/O completes in it). */
static outcome inspect(rk_buf *out)
{
    rk_puts(out, "\"states\":[");
    for (unsigned i = 0; i < cluster.n; i++) {
        if (i) rk_puts(out, ",");
        put_state(out, &cluster.nodes[i]);
    }
    rk_puts(out, "],\"messages\":[]");
    return ok();
}

static bool is_step(const char *type)
{
    static const char *const steps[] = {"deliver", "timeout", "tick", "propose", "crash", "restart"};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
        if (strcmp(type, steps[i]) == 0) return true;
    return false;
}

static outcome handle(const char *type, const rk_json *req, rk_buf *out)
{
    if (strcmp(type, "init") == 0) {
        int asked = (int)rk_num(rk_get(req, "protocol"), -1);
        if (asked != PROTOCOL_VERSION)
            return failed(10, "this adapter speaks protocol %d, the kit asked for %d", PROTOCOL_VERSION, asked);
        put_init(out);
        return ok();
    }
    if (strcmp(type, "shutdown") == 0) return ok();
    if (strcmp(type, "create") == 0) return create(req, out);
    if (!cluster.created) return failed(14, "%s before create", type);
    if (strcmp(type, "inspect") == 0) return inspect(out);
    node *n = NULL;
    if (strcmp(type, "state") == 0 || strcmp(type, "drain") == 0) {
        outcome o = one_node(req, &n);
        if (o.code != 0) return o;
        complete_io(n);
        if (type[0] == 's') {
            rk_puts(out, "\"state\":");
            put_state(out, n);
        } else {
            rk_printf(out, "\"messages\":[%s]", n->outbox.len ? n->outbox.data : "");
            n->outbox.len = 0;
        }
        return ok();
    }
    if (!is_step(type)) return failed(10, "unknown request type \"%s\"", type);
    outcome o = step(type, req, &n);
    return o.code != 0 ? o : finish_step(n, out);
}

static void reply(const rk_json *req, const char *line, const char *parse_error)
{
    rk_buf body = {0}, out = {0};
    const char *type = rk_str(rk_get(req, "type"), "");
    outcome o = req ? handle(type, req, &body) : failed(12, "expected one JSON request object, found %.200s (%s)", line, parse_error);
    rk_printf(&out, "{\"in_reply_to\":%lld,\"type\":", (long long)rk_num(rk_get(req, "id"), 0));
    if (o.code != 0) {
        rk_printf(&out, "\"error\",\"code\":%d,\"text\":", o.code);
        rk_put_str(&out, o.text);
    } else {
        rk_printf(&out, "\"%s_ok\"", type);
        if (body.len > 0) {
            rk_puts(&out, ",");
            rk_puts(&out, body.data);
        }
    }
    rk_puts(&out, "}\n");
    fwrite(out.data, 1, out.len, stdout);
    fflush(stdout);
    free(body.data);
    free(out.data);
}

int main(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, stdin)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
        if (len == 0) continue;
        char err[200];
        rk_json *req = rk_parse(line, err, sizeof err);
        reply(req, line, err);
        bool done = strcmp(rk_str(rk_get(req, "type"), ""), "shutdown") == 0;
        rk_free(req);
        if (done) break;
    }
    free(line);
    reset_cluster();
    return 0;
}
