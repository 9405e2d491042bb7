/*
 * ahead.c: the worker threads that generate and build variants ahead of
 * the measurement. Items are worked in the order they were pushed, each by
 * one thread; the tuning loop waits for the item it measures next, and can
 * hold the workers (pause: none is working when it returns) while a variant
 * runs with nothing else in flight.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include "autotuner/tuner_int.h"

struct kiln_ahead {
    pthread_mutex_t lock;
    pthread_cond_t changed;    /* an item was pushed or done, a pause ended, or the pool is closing */
    kiln_ahead_item *head, *tail; /* pushed, not yet taken by a worker */
    kiln_ahead_fn work;
    void *user;
    int busy;                  /* workers working an item */
    int paused, closing;
    int nthreads;
    pthread_t *threads;
};

static void *worker(void *arg)
{
    kiln_ahead *a = arg;
    pthread_mutex_lock(&a->lock);
    for (;;) {
        while (!a->closing && (a->paused || !a->head))
            pthread_cond_wait(&a->changed, &a->lock);
        if (a->closing)
            break;
        kiln_ahead_item *it = a->head;
        a->head = it->next;
        if (!a->head)
            a->tail = NULL;
        it->state = KILN_AHEAD_WORKING;
        a->busy++;
        pthread_mutex_unlock(&a->lock);
        a->work(a->user, it);
        pthread_mutex_lock(&a->lock);
        it->state = KILN_AHEAD_DONE;
        a->busy--;
        pthread_cond_broadcast(&a->changed);
    }
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

kiln_ahead *kiln_ahead_new(int threads, kiln_ahead_fn work, void *user)
{
    kiln_ahead *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->threads = calloc((size_t)(threads > 0 ? threads : 1), sizeof *a->threads);
    if (!a->threads) {
        free(a);
        return NULL;
    }
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->changed, NULL);
    a->work = work;
    a->user = user;
    /* Signals are the caller's (Ctrl-C stops the loop): the workers start with them blocked. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&a->threads[i], NULL, worker, a) != 0)
            break;
        a->nthreads++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (a->nthreads == 0) {
        kiln_ahead_free(a);
        return NULL;
    }
    return a;
}

void kiln_ahead_push(kiln_ahead *a, kiln_ahead_item *it)
{
    it->next = NULL;
    pthread_mutex_lock(&a->lock);
    it->state = KILN_AHEAD_QUEUED;
    if (a->tail)
        a->tail->next = it;
    else
        a->head = it;
    a->tail = it;
    pthread_cond_broadcast(&a->changed);
    pthread_mutex_unlock(&a->lock);
}

/* Takes it out of the queue when no worker has it yet: 1, else 0. */
static int unqueue(kiln_ahead *a, kiln_ahead_item *it)
{
    for (kiln_ahead_item **at = &a->head, *prev = NULL; *at; prev = *at, at = &(*at)->next) {
        if (*at != it)
            continue;
        *at = it->next;
        if (a->tail == it)
            a->tail = prev;
        it->state = KILN_AHEAD_DONE;
        return 1;
    }
    return 0;
}

int kiln_ahead_wait(kiln_ahead *a, kiln_ahead_item *it)
{
    pthread_mutex_lock(&a->lock);
    int worked = 1;
    /* Paused, the loop itself does what no worker has started. */
    if (a->paused && it->state == KILN_AHEAD_QUEUED && unqueue(a, it))
        worked = 0;
    while (it->state != KILN_AHEAD_DONE)
        pthread_cond_wait(&a->changed, &a->lock);
    pthread_mutex_unlock(&a->lock);
    return worked;
}

void kiln_ahead_pause(kiln_ahead *a)
{
    pthread_mutex_lock(&a->lock);
    a->paused = 1;
    while (a->busy > 0)
        pthread_cond_wait(&a->changed, &a->lock);
    pthread_mutex_unlock(&a->lock);
}

void kiln_ahead_resume(kiln_ahead *a)
{
    pthread_mutex_lock(&a->lock);
    a->paused = 0;
    pthread_cond_broadcast(&a->changed);
    pthread_mutex_unlock(&a->lock);
}

void kiln_ahead_free(kiln_ahead *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->lock);
    a->closing = 1;
    pthread_cond_broadcast(&a->changed);
    pthread_mutex_unlock(&a->lock);
    for (int i = 0; i < a->nthreads; i++)
        pthread_join(a->threads[i], NULL);
    /* what no worker took is left undone */
    for (kiln_ahead_item *it = a->head; it; it = it->next)
        it->state = KILN_AHEAD_DONE;
    pthread_cond_destroy(&a->changed);
    pthread_mutex_destroy(&a->lock);
    free(a->threads);
    free(a);
}
