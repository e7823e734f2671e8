/* SPDX-License-Identifier: MIT */
#include "account.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "ovh-error.h"

void ovh_account_free(OvhAccount *account) {
        if (!account)
                return;
        g_free(account->name);
        g_free(account->group_name);
        g_free(account->home);
        g_free(account->shell);
        g_free(account->groups);
        g_free(account);
}

static bool parse_numeric(const char *s, unsigned long *ret) {
        char *end = NULL;

        if (!g_ascii_isdigit(s[0]))
                return false;
        errno = 0;
        *ret = strtoul(s, &end, 10);
        return errno == 0 && *end == '\0';
}

int ovh_account_resolve(const char *user, const char *group, const char *origin, OvhAccount **ret, GError **error) {
        g_autoptr(OvhAccount) account = g_new0(OvhAccount, 1);
        struct passwd *pw;
        unsigned long id;

        errno = 0;
        pw = parse_numeric(user, &id) ? getpwuid((uid_t) id) : getpwnam(user);
        if (!pw)
                return ovh_fail(error, EX_NOUSER, ENOENT,
                                "%s: user %s does not exist; create it (systemd-sysusers creates "
                                "openvscode-server) or set [Account] User= to an existing account",
                                origin, user);
        if (pw->pw_uid == 0)
                return ovh_fail(error, EX_CONFIG, EPERM,
                                "%s: refusing to run the IDE as root (user %s); set [Account] User= to an "
                                "unprivileged account",
                                origin, user);
        if (!pw->pw_dir || !g_path_is_absolute(pw->pw_dir) || g_str_equal(pw->pw_dir, "/"))
                return ovh_fail(error, EX_CONFIG, EINVAL,
                                "user %s has no usable home directory (%s); give the account a home such as "
                                "/var/lib/openvscode-server (usermod -d)",
                                pw->pw_name, pw->pw_dir ? pw->pw_dir : "none");

        account->name = g_strdup(pw->pw_name);
        account->uid = pw->pw_uid;
        account->gid = pw->pw_gid;
        account->home = g_strdup(pw->pw_dir);
        account->shell = g_strdup(pw->pw_shell && pw->pw_shell[0] ? pw->pw_shell : "/bin/sh");

        struct group *gr;
        if (group) {
                gr = parse_numeric(group, &id) ? getgrgid((gid_t) id) : getgrnam(group);
                if (!gr)
                        return ovh_fail(error, EX_NOUSER, ENOENT,
                                        "group %s does not exist; create it (groupadd) or fix [Account] Group=", group);
                account->gid = gr->gr_gid;
        } else {
                gr = getgrgid(account->gid);
        }
        account->group_name = gr ? g_strdup(gr->gr_name) : g_strdup_printf("%u", (unsigned) account->gid);

        /* The supplementary groups initgroups() would set: the account's
         * memberships plus its (possibly overridden) primary group. */
        int n = 32;
        for (;;) {
                g_free(account->groups);
                account->groups = g_new(gid_t, n);
                int have = n;
                if (getgrouplist(account->name, account->gid, account->groups, &have) >= 0) {
                        account->n_groups = have;
                        break;
                }
                if (have <= n)
                        return ovh_fail(error, EX_OSERR, EIO, "cannot list the groups of %s", account->name);
                n = have;
        }

        *ret = g_steal_pointer(&account);
        return 0;
}

char *ovh_account_describe_self(void) {
        uid_t uid = geteuid();
        gid_t gid = getegid();
        struct passwd *pw = getpwuid(uid);
        struct group *gr = getgrgid(gid);
        g_autofree char *user = pw ? g_strdup(pw->pw_name) : g_strdup_printf("%u", (unsigned) uid);
        g_autofree char *group = gr ? g_strdup(gr->gr_name) : g_strdup_printf("%u", (unsigned) gid);
        return g_strdup_printf("%s:%s (uid %u, gid %u)", user, group, (unsigned) uid, (unsigned) gid);
}
