/* SPDX-License-Identifier: MIT */
#include "privileges.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cleanup.h"
#include "ovh-error.h"
#include "paths.h"

/* The caller's own supplementary groups, saved when it first acts as
 * someone else and put back when it acts as itself again. */
static gid_t self_groups[NGROUPS_MAX];
static int n_self_groups = -1;

/* setfs[ug]id() report the previous value and cannot fail loudly; read
 * back with an invalid id (-1) to verify. The supplementary groups follow
 * too: with root's (group 0) kept, a file readable by group root, such as
 * sudoers (0440), would still open while "acting as" the account. */
static bool take_fs_identity(uid_t uid, gid_t gid, const gid_t *groups, int n_groups) {
        if (n_self_groups < 0) {
                n_self_groups = getgroups(NGROUPS_MAX, self_groups);
                if (n_self_groups < 0)
                        return false;
        }
        if (setgroups((size_t) n_groups, groups) < 0)
                return false;
        setfsgid(gid);
        setfsuid(uid);
        return (uid_t) setfsuid((uid_t) -1) == uid && (gid_t) setfsgid((gid_t) -1) == gid;
}

int ovh_privileges_act_as(const OvhAccount *account, GError **error) {
        if (geteuid() != 0)
                return 0;
        if (!take_fs_identity(account->uid, account->gid, account->groups, account->n_groups))
                return ovh_fail(error, EX_OSERR, EPERM,
                                "cannot take the file-system identity of %s; the unit must keep CAP_SETUID and "
                                "CAP_SETGID in CapabilityBoundingSet=",
                                account->name);
        return 0;
}

int ovh_acting_as_begin(OvhActingAs *scope, const OvhAccount *account, GError **error) {
        int r = ovh_privileges_act_as(account, error);
        scope->acting = r >= 0;
        return r;
}

int ovh_acting_as_begin_ids(OvhActingAs *scope, uid_t uid, gid_t gid, GError **error) {
        scope->acting = false;
        if (geteuid() != 0)
                return 0;
        scope->acting = true; /* even half taken, the identity must come back */
        if (!take_fs_identity(uid, gid, &gid, 1))
                return ovh_fail(error, EX_OSERR, EPERM,
                                "cannot take the file-system identity of uid %u gid %u; the unit must keep "
                                "CAP_SETUID and CAP_SETGID in CapabilityBoundingSet=",
                                (unsigned) uid, (unsigned) gid);
        return 0;
}

void ovh_acting_as_end(OvhActingAs *scope) {
        if (!scope->acting)
                return;
        scope->acting = false;
        /* Going on with the account's file-system identity would let every
         * later root step act with the wrong identity; this cannot happen
         * while we hold CAP_SETUID (which the act_as step proved), so stop
         * as the explicit form always did: one line, EX_OSERR. */
        if (ovh_privileges_act_as_self(NULL) < 0) {
                fputs("<3>cannot restore the file-system identity\n", stderr);
                _exit(EX_OSERR);
        }
}

int ovh_privileges_act_as_self(GError **error) {
        setfsuid(geteuid());
        setfsgid(getegid());
        if ((uid_t) setfsuid((uid_t) -1) != geteuid() ||
            (n_self_groups >= 0 && setgroups((size_t) n_self_groups, self_groups) < 0))
                return ovh_fail(error, EX_OSERR, EPERM, "cannot restore the file-system identity");
        return 0;
}

static int drop_bounding_set(GError **error) {
        for (cap_value_t c = 0; c <= CAP_LAST_CAP || cap_valid(c); c++) {
                if (prctl(PR_CAPBSET_READ, (unsigned long) c, 0, 0, 0) <= 0)
                        continue; /* not in the set, or unknown to this kernel */
                if (cap_drop_bound(c) < 0)
                        return ovh_fail(error, EX_OSERR, errno,
                                        "cannot drop capability %d from the bounding set: %s; the unit must keep "
                                        "CAP_SETPCAP in CapabilityBoundingSet=",
                                        (int) c, g_strerror(errno));
        }
        return 0;
}

static int verify_no_capabilities(bool check_bounding, GError **error) {
        _cleanup_cap_ cap_t now = cap_get_proc();
        _cleanup_cap_ cap_t none = cap_init();

        if (!now || !none || cap_compare(now, none) != 0)
                return ovh_fail(error, EX_OSERR, EPERM, "capabilities are still set after dropping them");
        for (cap_value_t c = 0; cap_valid(c); c++) {
                if (check_bounding && prctl(PR_CAPBSET_READ, (unsigned long) c, 0, 0, 0) > 0)
                        return ovh_fail(error, EX_OSERR, EPERM, "capability %d is still in the bounding set", (int) c);
                if (cap_get_ambient(c) > 0)
                        return ovh_fail(error, EX_OSERR, EPERM, "capability %d is still ambient", (int) c);
        }
        return 0;
}

int ovh_privileges_drop(const OvhAccount *account, bool keep_for_sudo, GError **error) {
        uid_t ruid, euid, suid;
        gid_t rgid, egid, sgid;
        bool was_root = geteuid() == 0;
        int r;

        if (!was_root) {
                /* Unprivileged start (a user running their own instance): the
                 * identity is already the account; nothing may change it. */
                if (getuid() != account->uid || geteuid() != account->uid)
                        return ovh_fail(error, EX_NOPERM, EPERM,
                                        "only root can start the server as %s (running as uid %u); run as root or "
                                        "as %s",
                                        account->name, (unsigned) getuid(), account->name);
        } else {
                if (!keep_for_sudo) {
                        r = drop_bounding_set(error);
                        if (r < 0)
                                return r;
                }
                if (cap_reset_ambient() < 0 && errno != EINVAL)
                        return ovh_fail(error, EX_OSERR, errno, "cannot clear ambient capabilities: %s",
                                        g_strerror(errno));
                if (setgroups((size_t) account->n_groups, account->groups) < 0)
                        return ovh_fail(error, EX_OSERR, errno, "setgroups() for %s failed: %s", account->name,
                                        g_strerror(errno));
                if (setresgid(account->gid, account->gid, account->gid) < 0)
                        return ovh_fail(error, EX_OSERR, errno, "setresgid(%u) failed: %s", (unsigned) account->gid,
                                        g_strerror(errno));
                if (setresuid(account->uid, account->uid, account->uid) < 0)
                        return ovh_fail(error, EX_OSERR, errno, "setresuid(%u) failed: %s", (unsigned) account->uid,
                                        g_strerror(errno));
        }

        if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0 || ruid != account->uid ||
            euid != account->uid || suid != account->uid || rgid != account->gid || egid != account->gid ||
            sgid != account->gid)
                return ovh_fail(error, EX_OSERR, EPERM, "the identity switch to %s did not take effect", account->name);
        /* The switch must be irreversible. */
        if (setuid(0) == 0 || setresuid(0, 0, 0) == 0)
                return ovh_fail(error, EX_OSERR, EPERM, "could regain uid 0 after switching to %s; aborting",
                                account->name);

        /* setresuid() cleared permitted and effective; inheritable survives. */
        _cleanup_cap_ cap_t none = cap_init();
        if (!none || cap_set_proc(none) < 0)
                return ovh_fail(error, EX_OSERR, errno, "cannot clear capabilities: %s", g_strerror(errno));
        if (cap_reset_ambient() < 0 && errno != EINVAL)
                return ovh_fail(error, EX_OSERR, errno, "cannot clear ambient capabilities: %s", g_strerror(errno));

        /* An unprivileged start cannot shrink the bounding set (that needs
         * CAP_SETPCAP); it holds no capabilities to use it with either. */
        r = verify_no_capabilities(!keep_for_sudo && was_root, error);
        if (r < 0)
                return r;

        if (!keep_for_sudo && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return ovh_fail(error, EX_OSERR, errno, "cannot set no_new_privs: %s", g_strerror(errno));
        return 0;
}

bool ovh_privileges_no_new_privs(void) {
        g_autofree char *status = NULL;
        if (!g_file_get_contents("/proc/self/status", &status, NULL, NULL))
                return false;
        const char *line = strstr(status, "\nNoNewPrivs:");
        return line && strtol(line + strlen("\nNoNewPrivs:"), NULL, 10) == 1;
}

int ovh_privileges_check_start(const OvhConfig *config, const OvhAccount *account, const char *origin, GError **error) {
        if (geteuid() == 0)
                return 0;
        if (geteuid() != account->uid || getegid() != account->gid) {
                g_autofree char *self = ovh_account_describe_self();
                return ovh_fail(error, EX_NOPERM, EPERM,
                                "%s names %s:%s, but the launcher was started as %s and cannot switch; restart the "
                                "service (systemctl restart " OVH_SERVICE_UNIT "), whose ExecStartPre=+ sets "
                                "User=/Group= from the configuration, or start the launcher as root",
                                origin, account->name, account->group_name, self);
        }
        if (config->allow_sudo && config->seccomp)
                return ovh_fail(error, EX_CONFIG, EPERM,
                                "%s: [Sandbox] AllowSudo=yes, but the launcher was not started as root, so it could "
                                "not load its seccomp filter without no_new_privs; enable sudo with openvscodectl "
                                "sudo enable (it writes the unit drop-in that starts it as root)",
                                ovh_config_origin(config, "Sandbox", "AllowSudo"));
        return 0;
}
