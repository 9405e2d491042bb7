/*
 * kiln/tuner.h: search spaces, strategies, the tuning database, the tuning loop.
 *
 * Nothing here prints: progress goes to a callback, errors to an err buffer.
 */
#ifndef KILN_TUNER_H
#define KILN_TUNER_H

#include <stddef.h>
#include <stdint.h>
#include "kiln/kernel.h"
#include "kiln/lookup.h"

/* ---- constraint expressions ------------------------------------------- */

/* Integer expressions over named values: literals, names, parentheses,
 * unary - ! ~, * / % + - << >> < <= > >= == != & ^ | && || and ?:,
 * with C precedence; min(a,b), max(a,b) calls. Division or modulo by zero is
 * an evaluation error, never a crash. */
typedef struct kiln_cexpr kiln_cexpr;

/* NULL on a syntax error; err then reads "column 7: expected ')' ...". */
kiln_cexpr *kiln_cexpr_parse(const char *text, char *err, size_t errlen);
void kiln_cexpr_free(kiln_cexpr *e);
/* lookup returns 0 and sets *value, or -1 for an unknown name. */
typedef int (*kiln_lookup_fn)(void *user, const char *name, long long *value);
/* 0 ok, -1 with err (unknown name, division by zero). */
int kiln_cexpr_eval(const kiln_cexpr *e, kiln_lookup_fn lookup, void *user, long long *out,
                    char *err, size_t errlen);

/* ---- search space ----------------------------------------------------- */

typedef struct kiln_space kiln_space;

/* The kernel's parameters and constraints for one problem size. NULL with err
 * if a constraint does not parse or names an unknown parameter. Constraints
 * read the parameters, the size (n, nx, ny, nz) and the device's limits
 * (local_mem_bytes, max_wg_size): the defaults below until
 * kiln_space_set_limits gives a device's. */
kiln_space *kiln_space_new(const kiln_kernel *k, const kiln_size *size, char *err, size_t errlen);
/* Limits a space assumes without a device: the local memory and work-group
 * size that OpenCL guarantees a GPU-class device (32 KiB, 256 work-items). */
#define KILN_SPACE_DEFAULT_LOCAL_MEM 32768
#define KILN_SPACE_DEFAULT_MAX_WG 256
/* The device's local memory size in bytes and its largest work-group, as the
 * constraints' local_mem_bytes and max_wg_size; a value <= 0 (a device that
 * reports no limit) keeps the default. */
void kiln_space_set_limits(kiln_space *s, long long local_mem_bytes, long long max_wg_size);
/* The same from an open device's description. */
void kiln_space_set_device(kiln_space *s, const kiln_device_info *dev);
void kiln_space_free(kiln_space *s);
/* Number of points before constraints (product of value counts). */
uint64_t kiln_space_total(const kiln_space *s);
/* Number of points satisfying every constraint (enumerates). */
uint64_t kiln_space_count_valid(const kiln_space *s);
/* The point of index i (mixed radix over the value lists, last parameter fastest). */
void kiln_space_point(const kiln_space *s, uint64_t index, kiln_config *out);
/* 1 valid, 0 rejected (why names the constraint), -1 error. */
int kiln_space_check(const kiln_space *s, const kiln_config *c, char *why, size_t whylen);
/* The kernel's default configuration. */
void kiln_space_default(const kiln_space *s, kiln_config *out);
/* Parses "name=value" settings onto a configuration (starting from the default);
 * -1 with err for an unknown name or a value outside the parameter's list. */
int kiln_space_set(const kiln_space *s, kiln_config *c, const char *assignment, char *err, size_t errlen);

/* Strategies read a space's parameters by position. A parameter is ordinal
 * (its values are ordered, neighbours are near: tile sizes, unroll factors)
 * unless it names its values or its kiln_param says `categorical`. */
int kiln_space_nparams(const kiln_space *s);
const kiln_param *kiln_space_param(const kiln_space *s, int i);
int kiln_space_categorical(const kiln_space *s, int i);
/* The per-parameter value indices of configuration c (idx[i] indexes
 * kiln_space_param(s, i)->values): 0, or -1 when a value is not in its
 * parameter's list or a parameter is missing. */
int kiln_space_indices(const kiln_space *s, const kiln_config *c, int *idx);
/* The configuration of per-parameter value indices idx (each in range). */
void kiln_space_from_indices(const kiln_space *s, const int *idx, kiln_config *out);
/* The point index (kiln_space_point's numbering) of per-parameter indices. */
uint64_t kiln_space_index_of(const kiln_space *s, const int *idx);
/* 1 when point `index` satisfies every constraint, 0 when not (a constraint
 * that cannot be evaluated there counts as not). */
int kiln_space_index_valid(const kiln_space *s, uint64_t index);
/* The first valid point at or after index `from`, kiln_space_total(s) when
 * there is none: what walking kiln_space_index_valid up from `from` finds,
 * without visiting every point of a subtree a constraint already rejects. */
uint64_t kiln_space_next_valid(const kiln_space *s, uint64_t from);

/* ---- strategies ------------------------------------------------------- */

typedef enum kiln_verdict {
    KILN_OK = 0, KILN_WRONG, KILN_BUILD_ERROR, KILN_RUN_ERROR, KILN_TIMEOUT, KILN_CRASHED,
    KILN_SKIPPED, /* rejected by the description itself (kiln_fail) */
    KILN_RUNNING  /* in flight: stored before a variant runs, replaced by its result */
} kiln_verdict;
const char *kiln_verdict_name(kiln_verdict v);
/* The verdict named `name` ("ok", "wrong", ...): 0, or -1 for an unknown name. */
int kiln_verdict_parse(const char *name, kiln_verdict *out);

/* How one configuration did, as a strategy hears it. */
typedef struct kiln_observation {
    const kiln_config *config;
    kiln_verdict verdict;      /* KILN_OK, or why it has no figure (wrong, build error, timeout...) */
    double objective;          /* what the run minimises (ns for time); >= 0 when verdict is KILN_OK, else -1 */
    double time_ns;            /* the median time; -1 when not measured */
    int resumed;               /* read back from the database, not measured now */
} kiln_observation;

/* What a strategy is started with. */
typedef struct kiln_strategy_ctx {
    const kiln_space *space;
    uint64_t budget;           /* evaluations the run allows (0 = no limit); the loop enforces it too */
    double time_budget_s;      /* 0 = none */
    uint64_t seed;             /* the same seed and the same reports give the same proposals */
    const kiln_device_info *device; /* NULL when simulated */
    const kiln_size *size;
    /* results already stored for this kernel, device, size and data (the
     * default configuration's among them once measured), in storage order */
    const kiln_observation *history;
    size_t nhistory;
} kiln_strategy_ctx;

/* A strategy proposes configurations and hears back how each one did; a
 * table of functions, so that every strategy slots in behind one interface.
 *
 * propose() fills out[0 .. max) with valid configurations not proposed before
 * and returns how many. The loop may evaluate a batch in parallel and in any
 * order, and may ask again before every earlier proposal is reported: a
 * strategy that must wait for results returns 0 then. 0 while none of its
 * proposals is unreported ends the search. Every proposal is reported once,
 * including one the loop did not measure again (the default configuration,
 * measured first; a result already stored): such reports come at once. */
typedef struct kiln_strategy {
    const char *name;
    const char *help;
    /* state is malloc'ed by init and freed by fini; NULL when it cannot start */
    void *(*init)(const kiln_strategy_ctx *ctx);
    size_t (*propose)(void *state, kiln_config *out, size_t max);
    void (*report)(void *state, const kiln_observation *obs);
    void (*fini)(void *state);
} kiln_strategy;

const kiln_strategy *kiln_strategy_find(const char *name); /* "exhaustive", "random", ... */
const kiln_strategy *const *kiln_strategies(void);           /* NULL-terminated */

/* ---- simulation -------------------------------------------------------- */

/* A search replayed on recorded results instead of a device: the strategy
 * proposes, the record answers (autotuner/simulate.c). */
typedef struct kiln_sim_record {
    kiln_config config;
    kiln_verdict verdict;
    double objective;          /* ns when verdict is KILN_OK, else -1 */
} kiln_sim_record;

typedef struct kiln_sim_opts {
    const kiln_space *space;
    const kiln_strategy *strategy;
    uint64_t budget;           /* proposals answered at most (0 = no limit) */
    uint64_t seed;
    size_t batch;              /* proposals asked for at a time (0 = 1) */
    /* stop once within this fraction of the recorded optimum (0: at the optimum) */
    double stop_within;
} kiln_sim_opts;

typedef struct kiln_sim_result {
    uint64_t evaluations;      /* proposals answered */
    uint64_t unmeasured;       /* of them, configurations the record has no result for (answered as failed) */
    kiln_config first_unmeasured;
    uint64_t recorded;         /* recorded results of valid points of the space */
    uint64_t valid;            /* valid points of the space (0 when too many to count) */
    double optimum;            /* the lowest recorded objective (-1 when none is ok) */
    double best;               /* the lowest found (-1 when none) */
    kiln_config best_config;
    uint64_t best_after;       /* evaluations when it was found */
    /* evaluations after which the best found was within 5%, 1%, 0% of the optimum (0 = never) */
    uint64_t within5, within1, at_optimum;
} kiln_sim_result;

/* Replays opts->strategy over the n records: the strategy starts with no
 * history, proposals are answered in the order given, batch by batch, until
 * the strategy ends, the budget is spent or the optimum (within
 * stop_within) is found. Records of points outside the space are ignored.
 * 0, or -1 with err (out of memory, the strategy cannot start). */
int kiln_simulate(const kiln_sim_opts *opts, const kiln_sim_record *records, size_t n, kiln_sim_result *out,
                  char *err, size_t errlen);

/* ---- tuning database (SQLite) ----------------------------------------- */

typedef struct kiln_db kiln_db;


/* Opens or creates a kiln database (WAL, schema migrations by PRAGMA
 * user_version). A file that exists and is not a kiln database is refused and
 * left untouched. NULL with err. */
kiln_db *kiln_db_open(const char *path, char *err, size_t errlen);
/* Opens an existing kiln database for reading only (show, best, export, the
 * lookup API): creates, migrates and writes nothing, works on a read-only file
 * or directory. A missing, empty or foreign file is refused. NULL with err. */
kiln_db *kiln_db_open_readonly(const char *path, char *err, size_t errlen);
void kiln_db_close(kiln_db *db);
const char *kiln_db_errmsg(const kiln_db *db);
/* Path used when none is given: $KILN_DB or ./kiln.db */
const char *kiln_db_default_path(void);

int64_t kiln_db_device(kiln_db *db, const kiln_device_info *dev);          /* id, -1 on error */
/* A variant's source keyed by its hash; kernel rows are shared between runs. */
int64_t kiln_db_kernel_source(kiln_db *db, const char *kernel, const char *lang,
                              const char *source_hash, const char *source);
int64_t kiln_db_run_begin(kiln_db *db, const char *kernel, int64_t device_id, const char *strategy,
                          uint64_t budget, uint64_t seed, const char *size, const char *command);
int kiln_db_run_end(kiln_db *db, int64_t run_id, const char *status);

/* Wall time of the steps of one evaluation, ns (-1: not taken). */
typedef struct kiln_phase_ns {
    double generate_ns, build_ns, verify_ns, measure_ns;
} kiln_phase_ns;

typedef struct kiln_result {
    int64_t run_id, device_id;
    const char *kernel;
    const char *lang;
    const char *size;          /* "512x512" */
    const char *config_json;   /* canonical */
    const char *source_hash;   /* hash of generated source and build options */
    const char *data_hash;     /* hash of the verification data (inputs and reference) */
    int crashes;               /* a marker: times the variant took kiln down before */
    int attempts;              /* runs behind the verdict (0 = 1): a timeout is final at 2 */
    kiln_verdict verdict;
    kiln_time_stats time;      /* valid when verdict is OK (or WRONG, for the record) */
    double gflops, gbytes_per_s;
    double max_abs_err, max_rel_err;
    int64_t worst_index;
    const char *error_text;    /* build log, run error, verification summary */
    const char *counters_json; /* hardware counters where available, else NULL */
    kiln_phase_ns phase;       /* where the evaluation's time went (all 0: not recorded) */
} kiln_result;

/* One transaction per result. A finished result supersedes the current rows
 * of the same kernel, device, size and configuration (they are kept, marked
 * superseded_by the new row): the database answers with the latest identity
 * of each configuration, and the history stays. */
int kiln_db_result_add(kiln_db *db, const kiln_result *r);
/* The in-flight marker: r stored with verdict "running" and this process as
 * its owner (pid, host, process start) before the variant runs (returns the
 * row id, -1 on error), then replaced by the measured result in one
 * transaction. A "running" row whose owner is gone is a variant that took kiln
 * down (a driver crash, kill -9): the tuner retries it once
 * (kiln_db_result_retry) and records it crashed the second time. */
int64_t kiln_db_result_begin(kiln_db *db, const kiln_result *r);
int kiln_db_result_finish(kiln_db *db, int64_t row_id, const kiln_result *r);
/* What an in-flight marker's variant was doing (its error text): a variant
 * built ahead of its measurement is marked before its build (a compiler in
 * kiln's process can take it down) and waits, built, until it runs. One
 * left waiting by a process that died never ran, and took nothing down. */
#define KILN_STAGE_BUILDING "building"
#define KILN_STAGE_WAITING "built, waiting to run"
#define KILN_STAGE_RUNNING "in flight"
/* Sets the stage of this process's marker. */
int kiln_db_result_stage(kiln_db *db, int64_t row_id, const char *stage);
/* Takes over a marker left by a dead owner: this process owns it now and its
 * crash count becomes `crashes`. */
int kiln_db_result_retry(kiln_db *db, int64_t row_id, int crashes);
/* Removes this process's in-flight marker (the variant was not measured). */
int kiln_db_result_abandon(kiln_db *db, int64_t row_id);
/* 1 when a current result with this identity exists (resume), 0 when not, -1 on error. */
int kiln_db_result_exists(kiln_db *db, const char *kernel, const char *source_hash, const char *data_hash,
                          int64_t device_id, const char *size, const char *config_json);

/* A stored result, owned by the caller after kiln_db_row_free. Figures not
 * measured read -1 (samples 0). */
typedef struct kiln_db_row {
    char *kernel, *lang, *size, *config_json, *source_hash, *device_name, *device_fp;
    char *verdict, *error_text, *created;
    char *data_hash;           /* hash of the verification data (inputs, reference); NULL before schema 2 */
    double median_ns, min_ns, max_ns, gflops, gbytes_per_s, max_abs_err, max_rel_err;
    int samples;
    double mad_ns, iqr_ns;     /* spread of the samples */
    int noisy;                 /* the spread was too large for the median to rank variants */
    /* confirmed figures: re-measured at the end of a run, interleaved with the
     * other fastest variants (confirmed_rounds 0 when never confirmed) */
    double confirmed_median_ns, confirmed_mad_ns;
    int confirmed_rounds;
    int crashes;               /* times this variant was in flight when kiln went down */
    int attempts;              /* runs behind the verdict: a timeout is final once two agree */
    long long owner_pid;       /* a running marker's owner (0 when none recorded) */
    char *owner_host, *owner_start;
    int64_t superseded_by;     /* 0 when current, else the row that replaced it */
    uint64_t seed;             /* the run's seed (verification data) */
    char *counters_json;       /* events and energy per run (kiln_counts_json), NULL if not counted */
    kiln_phase_ns phase;       /* where the evaluation's time went; -1 each before schema 9 or not taken */
    int stopped_early;         /* the race against the best so far ended its timed runs early */
    int64_t run_id;
    int64_t id;                /* the result's row id */
} kiln_db_row;
void kiln_db_row_free(kiln_db_row *r);

/* The fastest OK current (not superseded) result of a kernel for a device
 * fingerprint and size, from the database alone: confirmed figures first,
 * ranked by the confirmed median, then the others by their median. Device fp
 * NULL = any device; size NULL = any size. Returns 1 found, 0 none, -1 error. */
int kiln_db_best(kiln_db *db, const char *kernel, const char *device_fp, const char *size,
                 kiln_db_row *out);
/* Says whether a stored result's identity is one the caller can vouch for:
 * 1 yes, 0 stale, -1 error (the message in err). */
typedef int (*kiln_db_vouch_fn)(void *user, const kiln_db_row *row, char *err, size_t errlen);
/* kiln_db_best, answering only with a row that vouch accepts (in the same
 * order): a caller with the kernel at hand passes kiln_identity_vouch. */
int kiln_db_best_vouched(kiln_db *db, const char *kernel, const char *device_fp, const char *size,
                         kiln_db_vouch_fn vouch, void *user, kiln_db_row *out);
/* kiln_db_best_vouched with the fallback of `kiln best` and the lookup API
 * (kiln/lookup.h has the rules): this device at this size, this device at
 * the nearest tuned size, any device at this size, any device at the nearest
 * size. *from says which answered (KILN_FROM_DEFAULT when none did). A NULL
 * (or empty) size makes any size this size; a NULL device, any device this
 * device. vouch may be NULL. 1 found, 0 none, -1 error. */
int kiln_db_best_fallback(kiln_db *db, const char *kernel, const char *device_fp, const char *size,
                          kiln_db_vouch_fn vouch, void *user, kiln_db_row *out, kiln_provenance *from);
/* The fingerprint of the device `name` names: a stored fingerprint, else a
 * case-insensitive part of a device's name (or, failing that, its
 * platform's), the latest seen first. 1 found, 0 none, -1 error. */
int kiln_db_device_named(kiln_db *db, const char *name, char fp[17]);
/* The stored source of a variant (kernel, identity hash) and its language
 * ("cl", "c"), both malloc'ed. 1 found, 0 not stored, -1 error. */
int kiln_db_variant_source(kiln_db *db, const char *kernel, const char *source_hash, char **lang, char **source);
/* A stored configuration ({"name":integer,...}) read without its kernel:
 * for answers from the database alone (the lookup API, exports). */
typedef struct kiln_config_pairs {
    int count;
    char *names[KILN_MAX_PARAMS];  /* malloc'ed; kiln_config_pairs_clear frees them */
    long long values[KILN_MAX_PARAMS];
} kiln_config_pairs;
/* 0 ok, -1 when json is not such an object (out is left empty). */
int kiln_config_pairs_parse(const char *json, kiln_config_pairs *out);
void kiln_config_pairs_clear(kiln_config_pairs *p);
/* 0 and *value set, -1 when there is no such name. */
int kiln_config_pairs_get(const kiln_config_pairs *p, const char *name, long long *value);
/* Iterates results (filters may be NULL) in insertion order, superseded ones
 * included (row->superseded_by says); cb returns nonzero to stop. */
int kiln_db_foreach(kiln_db *db, const char *kernel, const char *device_fp, const char *size,
                    int (*cb)(void *user, const kiln_db_row *row), void *user);
/* Stores the confirmed figures of a result; noisy flags it (the rounds disagree). */
int kiln_db_result_confirm(kiln_db *db, int64_t row_id, double median_ns, double mad_ns, int rounds, int noisy);

/* Removes stored results. Filters may be NULL (verdict: a verdict name); with
 * every filter NULL nothing is removed unless all is set. *removed gets the
 * count. 0 ok, -1 error. */
int kiln_db_forget(kiln_db *db, const char *kernel, const char *device_fp, const char *size,
                   const char *verdict, int all, int64_t *removed);

/* One tuning process per device: a claim row (device, kernel, size, pid,
 * host, process start) taken in a transaction. 0 claimed (a claim of a dead
 * process is taken over), 1 held by another live process (holder describes
 * it), -1 error. */
int kiln_db_claim_device(kiln_db *db, int64_t device_id, const char *kernel, const char *size,
                         char *holder, size_t holderlen);
int kiln_db_release_device(kiln_db *db, int64_t device_id);
/* Runs of this host whose process died without ending them (kill -9, a
 * crash) get the status "died" (their end time stays unknown). */
int kiln_db_close_dead_runs(kiln_db *db, int64_t *closed);
/* Closes what this process left open in the database at path, through a
 * connection of its own (safe from another thread while a tuning loop runs):
 * its in-flight markers are removed, its open runs end with `status`, its
 * device claims are released. 0 ok, -1 with err. */
int kiln_db_abandon(const char *path, const char *status, char *err, size_t errlen);

/* ---- the tuning loop -------------------------------------------------- */

/* What a tuning run minimises: the median time, the energy of a run, or the
 * energy-delay product (energy x time). Energy and EDP need the device's
 * energy measured (kiln_rt_set_energy). */
typedef enum kiln_objective { KILN_OBJECTIVE_TIME = 0, KILN_OBJECTIVE_ENERGY, KILN_OBJECTIVE_EDP } kiln_objective;
const char *kiln_objective_name(kiln_objective o);
int kiln_objective_parse(const char *name, kiln_objective *out); /* 0, or -1 for an unknown name */
/* The objective's value of a correct result (ns; J; J s), -1 when what it
 * needs was not measured. */
double kiln_objective_value(kiln_objective o, double median_ns, double energy_j);
/* kiln_counts_json of c with what the kernel declares beside it:
 * "declared_flops", "declared_bytes" and "bytes_per_flop" per run (where
 * declared, > 0), and where a floating-point event was counted (PAPI_FP_OPS,
 * PAPI_SP_OPS or PAPI_DP_OPS, the first of them) "counted_gflops" (that
 * event over the run's time) and "counted_over_declared" (a check of the
 * declared count: 1 when they agree). -1 when it does not fit. */
int kiln_counts_json_derived(const kiln_counts *c, double declared_flops, double declared_bytes, char *out,
                             size_t len);
/* What kiln_db_best and its fallbacks rank by (default time: the confirmed
 * median first, then the median). Under energy or edp only rows whose
 * counters hold an energy are answers, ranked by it (edp: times the
 * confirmed median, else the median). */
void kiln_db_set_objective(kiln_db *db, kiln_objective o);
/* The figure `name` of a stored counters JSON (kiln_counts_json: an event
 * such as "sw:task-clock", or "energy_j", "power_w", "threads"...), -1 when
 * absent (every figure kiln stores is >= 0). */
double kiln_counters_figure(const char *counters_json, const char *name);
/* kiln_counters_figure(counters_json, "energy_j"). */
double kiln_counters_energy_j(const char *counters_json);

typedef struct kiln_tune_opts {
    const kiln_kernel *kernel;
    kiln_size size;
    const kiln_strategy *strategy;
    uint64_t budget;           /* max configurations evaluated (0 = all) */
    double time_budget_s;      /* stop after this long (0 = none) */
    uint64_t seed;
    int openmp;                /* C target: OpenMP on the work-group loop */
    int timeout_ms;            /* per-run limit (0 = none) */
    kiln_time_opts timing;
    const char *command;       /* recorded with the run */
    volatile int *stop;        /* set nonzero (signal handler) to stop after the variant in flight */
    unsigned rerun;            /* stored results of these verdicts (bits 1 << kiln_verdict) are measured
                                  again; the new row supersedes the old one */
    int confirm_top;           /* re-measure the fastest N at the end of a finished run (0 = none) */
    int confirm_rounds;        /* interleaved rounds of that (0 = 5) */
    kiln_objective objective;  /* what strategy reports and the summary's best_objective minimise */
    int jobs;                  /* threads generating and building variants ahead of the measurement
                                  (0 = one per core online) */
    int no_race;               /* time every variant fully: no race against the best so far
                                  (kiln_time_opts.race_ns; the race runs under the time objective only) */
} kiln_tune_opts;

typedef struct kiln_tune_event {
    uint64_t index, total;     /* variants evaluated so far / planned */
    const kiln_config *config;
    const char *config_json;
    kiln_verdict verdict;
    int resumed;               /* already in the database: not run again */
    double median_ns;
    double gflops, gbytes_per_s;
    const char *error_text;
} kiln_tune_event;

typedef struct kiln_tune_summary {
    int64_t run_id;
    uint64_t evaluated, resumed, ok, failed;
    uint64_t retried;          /* variants left in flight by a run that died, run again */
    int confirmed;             /* results re-measured at the end */
    double best_ns, slowest_ns, default_ns; /* default_ns < 0 when the default config was not measured */
    int default_in_space;      /* the default configuration satisfies the (possibly restricted) space */
    char stopped[320];         /* why the run stopped early ("" when it did not): the device is unusable */
    kiln_config best;
    char best_json[512];
    /* the lowest objective value among correct results (-1 when none had it) */
    double best_objective;
    char best_objective_json[512];
    /* seconds of the search (the confirmation round not counted), and the
     * part of them the device waited for a variant to be built ahead */
    double search_s, waited_s;
    int build_procs;           /* kiln-build processes the builds could use (kiln_rt_build_procs) */
} kiln_tune_summary;

/* Tunes one kernel on one device into the database; each variant becomes one
 * row whatever its verdict. Returns 0 (even when variants failed), -1 when the
 * run itself could not go on (err says why). */
int kiln_tune(kiln_db *db, kiln_rt *rt, const kiln_tune_opts *opts,
              void (*progress)(void *user, const kiln_tune_event *ev), void *user,
              kiln_tune_summary *summary, char *err, size_t errlen);

/* Evaluates one configuration (build, run, time, verify) without the database:
 * fills verdict, stats, errors; the caller frees *source and *error_text. */
typedef struct kiln_eval {
    kiln_verdict verdict;
    kiln_time_stats time;
    kiln_verify_report verify;
    char *source;              /* generated source */
    char source_hash[17];
    char *error_text;
    char *counters_json;       /* kiln_counts_json of a counted series, when asked for */
    /* where the time went (wall ns): the description and the generator, the
     * build (ahead and where it runs), verification (read-backs and
     * comparisons), the timed runs; -1 for a step not taken */
    kiln_phase_ns phase;
} kiln_eval;
int kiln_evaluate(kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg, const kiln_size *size,
                  const kiln_tune_opts *opts, kiln_eval *out, char *err, size_t errlen);
void kiln_eval_clear(kiln_eval *e);

/* The identity a caller with the kernel at hand can vouch for: the hash of
 * each configuration's generated source and build options on rt, and the
 * hash of the verification data of a seed. */
typedef struct kiln_identity kiln_identity;
kiln_identity *kiln_identity_new(kiln_rt *rt, const kiln_kernel *k, const kiln_size *size, int openmp,
                                 char *err, size_t errlen);
void kiln_identity_free(kiln_identity *id);
/* A result's identity hash: the source's and the build options' (out: 16 hex digits). */
int kiln_identity_source_hash(kiln_identity *id, const kiln_config *cfg, char out[17], char *err, size_t errlen);
/* kiln_db_vouch_fn over a kiln_identity: the row's data hash is today's for
 * its size and seed, and, for a row of rt's device, its source hash too (a
 * row of another device is vouched for by its data alone: its language and
 * build options are not rt's). */
int kiln_identity_vouch(void *identity, const kiln_db_row *row, char *err, size_t errlen);
/* Parses a stored configuration ({"a":1,...}) onto the kernel's parameters. -1 with err. */
int kiln_config_from_json(const kiln_kernel *k, const char *json, kiln_config *out, char *err, size_t errlen);

#endif
