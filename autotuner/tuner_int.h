/* tuner_int.h: what the tuning loop shares with the evaluator. */
#ifndef KILN_TUNER_INT_H
#define KILN_TUNER_INT_H

#include "kiln/tuner.h"

/* Builds the tree and the source of one configuration (source, hash into out);
 * kernel_name receives the procedure's name. -1 with out->verdict set on failure. */
int kiln_variant_prepare(kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg,
                         const kiln_size *size, const kiln_tune_opts *opts, kiln_eval *out,
                         char *kernel_name, size_t name_len);
/* Builds a prepared variant ahead (kiln_program_compile), from any thread:
 * -1 with out->verdict KILN_BUILD_ERROR and the log in out->error_text when
 * it does not build. Its time goes to out->phase.build_ns. */
int kiln_variant_build_ahead(kiln_rt *rt, const char *kernel_name, kiln_eval *out);
/* Builds, runs, verifies and times a prepared variant (out->source set). */
int kiln_variant_measure(kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg, const kiln_size *size,
                         const kiln_tune_opts *opts, const char *kernel_name, kiln_eval *out);
/* A prepared variant kept built, its arguments bound and its first run
 * verified, to be timed again (the confirmation rounds) without building,
 * uploading or verifying again. NULL with out->verdict and error_text when
 * it fails there. The reference data it reads is the evaluator's cache: one
 * (kernel, size, seed) at a time. */
typedef struct kiln_kept_variant kiln_kept_variant;
kiln_kept_variant *kiln_variant_keep(kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg,
                                     const kiln_size *size, const kiln_tune_opts *opts, const char *kernel_name,
                                     kiln_eval *out);
/* kiln_program_time on a kept variant: 0, or the runtime's status. */
int kiln_variant_retime(kiln_kept_variant *kept, const kiln_time_opts *topts, kiln_time_stats *out);
void kiln_variant_release(kiln_kept_variant *kept);
/* 16-hex hash of every argument's input bytes, the reference and the
 * magnitudes for (kernel, size, seed): what a stored verdict was verified
 * against. Computes and caches them as kiln_variant_measure does. 0 ok, -1
 * with err (a callback missing or misusing its arguments). */
int kiln_eval_data_hash(const kiln_kernel *k, const kiln_size *size, uint64_t seed, char out[17], char *err,
                        size_t errlen);
/* Everything about kernel k that can be wrong in every configuration,
 * checked once before tuning: kiln_kernel_check on the default configuration
 * (or the first valid one), then the inputs and the reference generated for
 * (size, seed). 0 ok, -1 with err naming the argument or parameter. */
int kiln_eval_precheck(const kiln_kernel *k, const kiln_space *space, const kiln_size *size, uint64_t seed, char *err,
                       size_t errlen);
/* Frees the cached reference outputs. */
void kiln_eval_release_cache(void);
/* The device buffers kept with rt across variants, released. */
void kiln_eval_release_device(kiln_rt *rt);
/* The kept device buffer of argument arg (NULL: none kept, or a scalar). */
kiln_buf *kiln_eval_kept_buf(kiln_rt *rt, int arg);
/* snprintf into an err buffer the caller may leave NULL. */
void kiln_tuner_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A result's identity hash from its source hash and the build options. */
void kiln_identity_hash(const char *source_hash, const char *build_options, char out[17]);

/* Re-measures the fastest current results of opts' kernel on this device and
 * size (at most opts->confirm_top), interleaved over opts->confirm_rounds
 * rounds, and stores their confirmed figures; summary->confirmed gets the
 * count, and summary->best the fastest confirmed.
 * -1 on a database error (the message in kiln_db_errmsg). */
int kiln_tune_confirm(kiln_db *db, kiln_rt *rt, const kiln_tune_opts *opts, const char *size,
                      const char *data_hash, const char *build_options, kiln_tune_summary *summary);

/* Who owns an in-flight marker or a device claim. */
typedef struct kiln_owner {
    long long pid;
    char host[256];
    char start[32];    /* the process's start time (boot ticks where /proc has them), so a reused pid differs */
} kiln_owner;
void kiln_owner_self(kiln_owner *out);
/* 1 the owner runs (same host, pid alive, same start), 0 it is gone, and
 * 1 as well when it runs on another host (it cannot be checked from here). */
int kiln_owner_alive(const kiln_owner *o);

/* ---- building ahead (ahead.c) ------------------------------------------ */

/* Worker threads that work items in the order pushed, one thread each. An
 * item embeds this header first; the pool owns it between push and done. */
typedef enum kiln_ahead_state { KILN_AHEAD_QUEUED, KILN_AHEAD_WORKING, KILN_AHEAD_DONE } kiln_ahead_state;
typedef struct kiln_ahead_item {
    kiln_ahead_state state;
    struct kiln_ahead_item *next;
} kiln_ahead_item;
typedef struct kiln_ahead kiln_ahead;
typedef void (*kiln_ahead_fn)(void *user, kiln_ahead_item *item);
/* NULL when no thread could be started. */
kiln_ahead *kiln_ahead_new(int threads, kiln_ahead_fn work, void *user);
void kiln_ahead_push(kiln_ahead *a, kiln_ahead_item *item);
/* Until item is done: 1 when a worker worked it, 0 when the pool was paused
 * and no worker had taken it (it is then out of the pool, not worked). */
int kiln_ahead_wait(kiln_ahead *a, kiln_ahead_item *item);
/* No worker takes a new item until resume; returns once none is working. */
void kiln_ahead_pause(kiln_ahead *a);
void kiln_ahead_resume(kiln_ahead *a);
/* Joins the workers after the items they are working; items no worker took are left undone. */
void kiln_ahead_free(kiln_ahead *a);

/* A second connection to db's file (for the workers building ahead, which
 * store their in-flight markers); NULL with err. */
kiln_db *kiln_db_reopen(kiln_db *db, char *err, size_t errlen);

/* Tests: limits the database file to `pages` pages (PRAGMA max_page_count),
 * so that a full disk can be played. */
int kiln_db_limit_pages(kiln_db *db, int pages);

#endif
