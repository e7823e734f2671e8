/* SPDX-License-Identifier: MIT */
#pragma once

/* Automatic cleanup for what GLib's g_auto* do not cover: file
 * descriptors and libcap's cap_t. Every owned resource in src/ has a
 * cleanup attribute, so a function returns from any step without a goto
 * chain and without leaking a descriptor into the server it execs. */

#include <errno.h>
#include <stdio.h>
#include <sys/capability.h>
#include <unistd.h>

/* Closes *fd when it is open. errno survives, so a caller that returns
 * -errno after a failed call reports that call's error, not close()'s. */
static inline void ovh_closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
                *fd = -1;
        }
}
#define _cleanup_close_ __attribute__((cleanup(ovh_closep)))

/* Both ends of a pipe. */
static inline void ovh_close_pairp(int (*pair)[2]) {
        ovh_closep(&(*pair)[0]);
        ovh_closep(&(*pair)[1]);
}
#define _cleanup_close_pair_ __attribute__((cleanup(ovh_close_pairp)))

/* Hands an fd over to a new owner (the caller, a struct): the cleanup of
 * the old variable then does nothing. */
static inline int ovh_steal_fd(int *fd) {
        int r = *fd;
        *fd = -1;
        return r;
}

static inline void ovh_cap_freep(cap_t *c) {
        if (*c)
                cap_free(*c);
}
#define _cleanup_cap_ __attribute__((cleanup(ovh_cap_freep)))

static inline void ovh_fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ __attribute__((cleanup(ovh_fclosep)))
