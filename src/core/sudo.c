/* SPDX-License-Identifier: MIT */
#include "sudo.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <shadow.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "command.h"
#include "config.h"
#include "fileio.h"
#include "cleanup.h"
#include "ovh-error.h"
#include "paths.h"

#define MARK_CTL "# Written by openvscodectl sudo enable; openvscodectl sudo disable removes it."
#define MARK_ENVIRONMENT                                                                                               \
        "# Written by openvscode-launcher --prepare-unit from SUDO_PASSWORD or SUDO_PASSWORD_HASH in\n"                \
        "# /etc/openvscode-server/environment; removing the variable removes it at the next start."

static const char *mark(OvhSudoOrigin origin) {
        return origin == OVH_SUDO_BY_ENVIRONMENT ? MARK_ENVIRONMENT : MARK_CTL;
}

void ovh_sudo_paths_init(OvhSudoPaths *p, const char *config_file) {
        g_autofree char *confdir = g_path_get_dirname(config_file);
        g_autofree char *dropins = g_strconcat(config_file, ".d", NULL);

        p->sudoers = g_strdup(OVH_SUDOERS_FILE);
        p->unit_dropin = g_strdup(OVH_SUDO_UNIT_DROPIN);
        p->config_dropin = g_build_filename(dropins, OVH_SUDO_CONFIG_NAME, NULL);
        p->saved_password = g_build_filename(confdir, OVH_SUDO_SAVED_PASSWORD_NAME, NULL);
}

void ovh_sudo_paths_clear(OvhSudoPaths *p) {
        g_clear_pointer(&p->sudoers, g_free);
        g_clear_pointer(&p->unit_dropin, g_free);
        g_clear_pointer(&p->config_dropin, g_free);
        g_clear_pointer(&p->saved_password, g_free);
}

int ovh_sudo_check_hash(const char *hash, const char *origin, GError **error) {
        struct crypt_data data = {};

        if (!hash || !*hash)
                return ovh_fail(error, EX_DATAERR, EINVAL, "%s: the password hash is empty; give a crypt(5) hash",
                                origin);
        if (hash[0] == '!' || hash[0] == '*')
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "%s: the password hash is a locked one (starts with %c); give a usable crypt(5) "
                                "hash, e.g. from: mkpasswd --method=yescrypt",
                                origin, hash[0]);
        for (const char *p = hash; *p; p++)
                if (!g_ascii_isalnum(*p) && !strchr("$./=,-_", *p))
                        return ovh_fail(error, EX_DATAERR, EINVAL,
                                        "%s: the password hash has a character a crypt(5) hash never has; give the "
                                        "whole hash, e.g. from: mkpasswd --method=yescrypt",
                                        origin);
        /* A complete hash hashes a probe to a string of its own length; a
         * bare salt or an unknown method does not. */
        const char *probe = crypt_rn("openvscode-host probe", hash, &data, sizeof(data));
        const char *last = strrchr(hash, '$');
        size_t setting_length = last ? (size_t) (last - hash) : 0;
        if (!probe || probe[0] == '*' || strlen(probe) != strlen(hash) || strncmp(probe, hash, setting_length) != 0)
                return ovh_fail(error, EX_DATAERR, EINVAL,
                                "%s: not a complete crypt(5) hash of a method this system supports; make one "
                                "with: mkpasswd --method=yescrypt (package whois) or openssl passwd -6",
                                origin);
        return 0;
}

int ovh_sudo_hash_password(const char *password, char **ret_hash, GError **error) {
        struct crypt_data data = {};
        char setting[CRYPT_GENSALT_OUTPUT_SIZE];

        if (!password || !*password)
                return ovh_fail(error, EX_DATAERR, EINVAL, "the password is empty; give a non-empty one");
        if (!crypt_gensalt_rn(NULL, 0, NULL, 0, setting, sizeof(setting)))
                return ovh_fail(error, EX_OSERR, errno, "cannot make a salt: %s", g_strerror(errno));
        const char *hash = crypt_rn(password, setting, &data, sizeof(data));
        if (!hash || hash[0] == '*')
                return ovh_fail(error, EX_OSERR, errno, "cannot hash the password: %s", g_strerror(errno));
        *ret_hash = g_strdup(hash);
        explicit_bzero(&data, sizeof(data));
        return 0;
}

bool ovh_sudo_password_matches(const char *password, const char *hash) {
        struct crypt_data data = {};
        if (!password || !hash || !*hash || hash[0] == '!' || hash[0] == '*')
                return false;
        const char *h = crypt_rn(password, hash, &data, sizeof(data));
        size_t n = strlen(hash);
        if (!h || strlen(h) != n)
                return false;
        unsigned char diff = 0;
        for (size_t i = 0; i < n; i++)
                diff |= (unsigned char) (h[i] ^ hash[i]);
        explicit_bzero(&data, sizeof(data));
        return diff == 0;
}

char *ovh_sudo_sudoers_text(const char *account, OvhSudoOrigin origin) {
        return g_strdup_printf("%s\n"
                               "# sudo in the IDE's terminal, with the account's password (the container's\n"
                               "# SUDO_PASSWORD). A privilege-escalation path by design.\n"
                               "# The package expires its service account so that nothing (ssh, cron, at,\n"
                               "# su, a user manager) starts a session outside the service; sudo's PAM\n"
                               "# account stage would refuse the expired account too. The password is\n"
                               "# still asked.\n"
                               "Defaults:%s !pam_acct_mgmt\n"
                               "%s ALL=(ALL:ALL) ALL\n",
                               mark(origin), account, account);
}

char *ovh_sudo_unit_dropin_text(OvhSudoOrigin origin) {
        return g_strdup_printf("%s\n"
                               "# sudo in the IDE's terminal: a privilege-escalation path by design.\n"
                               "# The setuid sudo can only raise privileges without no_new_privs. Without\n"
                               "# it, loading a seccomp filter needs CAP_SYS_ADMIN (the launcher loads its\n"
                               "# filter while still root, systemd its SystemCallFilter=), and sudo\n"
                               "# writes its audit record with CAP_AUDIT_WRITE where the kernel audits.\n"
                               "# The launcher starts as root (User= and Group= reset), with the\n"
                               "# capabilities it needs to become the account and nothing more; it\n"
                               "# loads its seccomp filter before it switches. This does not bound\n"
                               "# sudo: root asks systemd for a new process (sudo systemd-run) that\n"
                               "# has none of this unit's settings. It is root on the host.\n"
                               "[Service]\n"
                               "User=\n"
                               "Group=\n"
                               "NoNewPrivileges=no\n"
                               "CapabilityBoundingSet=" OVH_LAUNCHER_ROOT_CAPABILITIES " " OVH_SUDO_CAPABILITIES "\n",
                               mark(origin));
}

char *ovh_sudo_config_text(OvhSudoOrigin origin) {
        return g_strdup_printf("%s\n"
                               "[Sandbox]\n"
                               "AllowSudo=yes\n",
                               mark(origin));
}

static const char *find_tool(const char *const *candidates) {
        for (; *candidates; candidates++)
                if (access(*candidates, X_OK) == 0)
                        return *candidates;
        return NULL;
}

static const char *sudo_binary(void) {
        return find_tool((const char *const[]){ "/usr/bin/sudo", "/bin/sudo", NULL });
}
static const char *visudo_binary(void) {
        return find_tool((const char *const[]){ "/usr/sbin/visudo", "/sbin/visudo", NULL });
}
static const char *chpasswd_binary(void) {
        return find_tool((const char *const[]){ "/usr/sbin/chpasswd", "/sbin/chpasswd", NULL });
}

static bool file_has(const char *path, const char *needle) {
        g_autofree char *data = NULL;
        return g_file_get_contents(path, &data, NULL, NULL) && strstr(data, needle);
}

void ovh_sudo_read_state(const OvhSudoPaths *p, OvhSudoState *s) {
        *s = (OvhSudoState){
                .sudoers = ovh_file_exists(p->sudoers),
                .unit_dropin = ovh_file_exists(p->unit_dropin),
                .config_dropin = ovh_file_exists(p->config_dropin),
                .sudo_installed = sudo_binary() != NULL,
        };
        s->by_environment = file_has(p->sudoers, "--prepare-unit") || file_has(p->unit_dropin, "--prepare-unit") ||
                            file_has(p->config_dropin, "--prepare-unit");
}

char *ovh_sudo_current_hash(const char *account) {
        struct spwd *sp = getspnam(account);
        return sp && sp->sp_pwdp ? g_strdup(sp->sp_pwdp) : NULL;
}

static int set_password_field(const char *account, const char *field, GError **error) {
        const char *chpasswd = chpasswd_binary();
        g_autofree char *input = g_strdup_printf("%s:%s\n", account, field);
        g_autofree char *what = g_strdup_printf("chpasswd -e for %s", account);
        int r;

        if (!chpasswd)
                return ovh_fail(error, EX_UNAVAILABLE, ENOENT,
                                "chpasswd is not installed; install the passwd (shadow-utils) package");
        r = ovh_command_run_checked((char *[]){ (char *) chpasswd, (char *) "-e", NULL }, input, what, error);
        explicit_bzero(input, strlen(input));
        return r;
}

static bool sudoers_name_valid(const char *account) {
        if (!g_ascii_isalpha(account[0]) && account[0] != '_')
                return false;
        for (const char *p = account; *p; p++)
                if (!g_ascii_isalnum(*p) && !strchr("_-.", *p))
                        return false;
        return true;
}

/* Writes the sudoers rule next to its final place under a name sudo
 * ignores (it starts with '.'), validates it with visudo -c and only then
 * renames it into place. Returns the temporary file's path. Hand-written,
 * not g_file_set_contents_full(): visudo -c must see it before it is live. */
static int prepare_sudoers(const char *path, const char *text, char **ret_tmp, GError **error) {
        g_autofree char *dir = g_path_get_dirname(path);
        g_autofree char *base = g_path_get_basename(path);
        g_autofree char *tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
        g_autoptr(GError) check_error = NULL;
        const char *visudo = visudo_binary();
        _cleanup_close_ int fd = -1;
        int r, e;

        if (!visudo)
                return ovh_fail(error, EX_UNAVAILABLE, ENOENT, "visudo is not installed; install sudo");
        if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
                return ovh_fail(error, EX_UNAVAILABLE, ENOENT,
                                "%s does not exist; install sudo (its sudoers includes that directory)", dir);
        fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0440);
        if (fd < 0)
                return ovh_fail(error, EX_CANTCREAT, errno, "cannot create a file in %s: %s; run as root", dir,
                                g_strerror(errno));
        size_t n = strlen(text);
        errno = 0;
        if (fchmod(fd, 0440) < 0 || write(fd, text, n) != (ssize_t) n || fsync(fd) < 0) {
                e = errno ? errno : EIO;
                (void) unlink(tmp);
                return ovh_fail(error, EX_IOERR, e, "cannot write %s: %s", tmp, g_strerror(e));
        }
        ovh_closep(&fd);

        r = ovh_command_run_checked(
                (char *[]){ (char *) visudo, (char *) "-c", (char *) "-q", (char *) "-f", tmp, NULL }, NULL,
                "visudo -c", &check_error);
        if (r < 0) {
                (void) unlink(tmp);
                if (r != -EIO) {
                        g_propagate_error(error, g_steal_pointer(&check_error));
                        return r;
                }
                /* Our own rule rejected is a bug of ours, not of the system. */
                return ovh_fail(error, EX_SOFTWARE, EINVAL,
                                "the sudoers rule for %s was rejected: %s; nothing was changed", path,
                                check_error->message);
        }
        *ret_tmp = g_steal_pointer(&tmp);
        return 0;
}

char *ovh_sudo_enabled_account(const OvhSudoPaths *p) {
        g_autofree char *text = NULL;

        if (g_file_get_contents(p->saved_password, &text, NULL, NULL)) {
                char *colon = strchr(text, ':');
                char *name = colon && colon > text ? g_strndup(text, (gsize) (colon - text)) : NULL;
                explicit_bzero(text, strlen(text));
                if (name)
                        return name;
        }
        g_clear_pointer(&text, g_free);
        if (!g_file_get_contents(p->sudoers, &text, NULL, NULL))
                return NULL;
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        for (char **l = lines; *l; l++) {
                const char *rule = strstr(*l, " ALL=(ALL:ALL) ALL");
                if (rule && rule > *l && (*l)[0] != '#' && rule[strlen(" ALL=(ALL:ALL) ALL")] == '\0')
                        return g_strndup(*l, (gsize) (rule - *l));
        }
        return NULL;
}

int ovh_sudo_enable(const OvhSudoPaths *p, const char *account, const char *hash, OvhSudoOrigin origin,
                    bool *ret_unit_changed, GError **error) {
        g_autofree char *sudoers_text = ovh_sudo_sudoers_text(account, origin);
        g_autofree char *unit_text = ovh_sudo_unit_dropin_text(origin);
        g_autofree char *config_text = ovh_sudo_config_text(origin);
        g_autofree char *tmp = NULL;
        g_autofree char *current = NULL;
        g_autofree char *unit_dir = g_path_get_dirname(p->unit_dropin);
        g_autofree char *sudoers_dir = g_path_get_dirname(p->sudoers);
        int r;

        *ret_unit_changed = false;
        /* Everything that can be checked is checked before any change. */
        r = ovh_sudo_check_hash(hash, "the password hash", error);
        if (r < 0)
                return r;
        if (!sudo_binary())
                return ovh_fail(error, EX_UNAVAILABLE, ENOENT,
                                "sudo is not installed; install it (apt install sudo, or dnf install sudo) first");
        if (!chpasswd_binary())
                return ovh_fail(error, EX_UNAVAILABLE, ENOENT,
                                "chpasswd is not installed; install the passwd (shadow-utils) package");
        if (!sudoers_name_valid(account))
                return ovh_fail(error, EX_CONFIG, EINVAL,
                                "account name %s cannot be written in a sudoers rule as it is; use an account "
                                "whose name has only letters, digits, '_', '-' and '.'",
                                account);
        /* One account at a time: enabling it for another would leave the
         * first one's hash and rule behind, and disable could restore only
         * one of the two. */
        g_autofree char *enabled_for = ovh_sudo_enabled_account(p);
        if (enabled_for && !g_str_equal(enabled_for, account))
                return ovh_fail(error, EX_CONFIG, EBUSY,
                                "sudo is enabled for %s, not for %s; run openvscodectl sudo disable first (it "
                                "restores %s's password), then enable it again",
                                enabled_for, account, enabled_for);
        current = ovh_sudo_current_hash(account);
        if (!current)
                return ovh_fail(error, EX_NOUSER, ENOENT,
                                "%s has no entry in /etc/shadow; run as root, or create the account with "
                                "systemd-sysusers or useradd",
                                account);
        r = prepare_sudoers(p->sudoers, sudoers_text, &tmp, error);
        if (r < 0)
                return r;

        /* The password the account had before, restored by disable. Only
         * the first enable saves it: later ones would save our own hash. */
        if (!ovh_file_exists(p->saved_password) && !ovh_file_exists(p->sudoers)) {
                g_autofree char *saved = g_strdup_printf("%s:%s\n", account, current);
                r = ovh_file_replace(p->saved_password, saved, 0600, error);
                explicit_bzero(saved, strlen(saved));
                if (r < 0)
                        goto fail;
        }
        if (!g_str_equal(current, hash)) {
                r = set_password_field(account, hash, error);
                if (r < 0)
                        goto fail;
        }
        if (rename(tmp, p->sudoers) < 0) {
                r = ovh_fail(error, EX_IOERR, errno, "cannot move the sudoers rule to %s: %s", p->sudoers,
                             g_strerror(errno));
                goto fail;
        }
        g_clear_pointer(&tmp, g_free);
        ovh_fsync_directory(sudoers_dir);
        /* 0644: the launcher reads its configuration as the account. */
        r = ovh_file_replace(p->config_dropin, config_text, 0644, error);
        if (r < 0)
                goto fail;
        if (g_mkdir_with_parents(unit_dir, 0755) < 0) {
                r = ovh_fail(error, EX_CANTCREAT, errno, "cannot create %s: %s", unit_dir, g_strerror(errno));
                goto fail;
        }
        r = ovh_file_replace(p->unit_dropin, unit_text, 0644, error);
        if (r < 0)
                goto fail;
        *ret_unit_changed = r > 0;
        explicit_bzero(current, strlen(current));
        return 0;

fail:
        if (tmp)
                (void) unlink(tmp);
        explicit_bzero(current, strlen(current));
        return r;
}

int ovh_sudo_disable(const OvhSudoPaths *p, const char *current_account, bool *ret_unit_changed, GError **error) {
        g_autofree char *saved = NULL;
        g_autofree char *enabled_for = ovh_sudo_enabled_account(p);
        int r;

        /* The account it was enabled for gets its password back, even when
         * the service runs as another one now; that other account is not
         * touched. */
        const char *account = enabled_for ? enabled_for : current_account;
        *ret_unit_changed = false;
        /* The rule goes first: from here on sudo refuses, whatever else
         * happens. */
        bool had_rule = ovh_file_exists(p->sudoers);
        r = ovh_file_remove(p->sudoers, error);
        if (r < 0)
                return r;

        if (g_file_get_contents(p->saved_password, &saved, NULL, NULL)) {
                g_strchomp(saved);
                size_t n = strlen(account);
                const char *field = strncmp(saved, account, n) == 0 && saved[n] == ':' ? saved + n + 1 : "!*";
                r = set_password_field(account, field, error);
                explicit_bzero(saved, strlen(saved));
                if (r < 0)
                        return r;
                r = ovh_file_remove(p->saved_password, error);
                if (r < 0)
                        return r;
        } else if (had_rule) {
                r = set_password_field(account, "!*", error);
                if (r < 0)
                        return r;
        }
        r = ovh_file_remove(p->config_dropin, error);
        if (r < 0)
                return r;
        r = ovh_file_remove(p->unit_dropin, error);
        if (r < 0)
                return r;
        *ret_unit_changed = r > 0;
        return 0;
}

int ovh_sudo_apply_environment(const OvhConfig *config, const char *config_file, const char *account,
                               OvhSudoAction *ret_action, bool *ret_changed, GError **error) {
        g_autofree char *hash = NULL;
        OvhSudoPaths paths = {};
        OvhSudoState state;
        int r = 0;

        *ret_action = OVH_SUDO_UNTOUCHED;
        *ret_changed = false;
        ovh_sudo_paths_init(&paths, config_file);
        ovh_sudo_read_state(&paths, &state);

        if (config->sudo_password_hash) {
                r = ovh_sudo_check_hash(config->sudo_password_hash,
                                        ovh_config_origin(config, "Sudo", "SUDO_PASSWORD_HASH"), error);
                if (r >= 0)
                        hash = g_strdup(config->sudo_password_hash);
        } else if (config->sudo_password) {
                /* Keep the hash when it already is this password's: a new
                 * salt at every start would be a change. */
                hash = ovh_sudo_current_hash(account);
                if (!hash || !ovh_sudo_password_matches(config->sudo_password, hash)) {
                        g_clear_pointer(&hash, g_free);
                        r = ovh_sudo_hash_password(config->sudo_password, &hash, error);
                }
        }

        if (r >= 0 && hash && !state.sudo_installed)
                r = ovh_fail(error, EX_CONFIG, ENOENT,
                             "%s is set, but sudo is not installed; install sudo or remove the variable from %s",
                             config->sudo_password_hash ? "SUDO_PASSWORD_HASH" : "SUDO_PASSWORD", OVH_ENVIRONMENT_FILE);
        else if (r >= 0 && hash) {
                /* PUID/User= changed since the last start: the previous
                 * account gets its password back first. */
                g_autofree char *enabled_for = ovh_sudo_enabled_account(&paths);
                if (enabled_for && !g_str_equal(enabled_for, account) && state.by_environment)
                        r = ovh_sudo_disable(&paths, enabled_for, ret_changed, error);
                if (r >= 0)
                        r = ovh_sudo_enable(&paths, account, hash, OVH_SUDO_BY_ENVIRONMENT, ret_changed, error);
                if (r >= 0)
                        *ret_action = OVH_SUDO_ENABLED_FROM_ENVIRONMENT;
        } else if (r >= 0 && ovh_sudo_state_enabled(&state) && state.by_environment) {
                r = ovh_sudo_disable(&paths, account, ret_changed, error);
                if (r >= 0)
                        *ret_action = OVH_SUDO_DISABLED_FROM_ENVIRONMENT;
        }

        if (hash)
                explicit_bzero(hash, strlen(hash));
        ovh_sudo_paths_clear(&paths);
        return r < 0 ? r : 0;
}
