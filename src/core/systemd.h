/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

/* systemd's manager over sd-bus: the calls systemctl would make, with
 * systemd's own merged view of each unit, and without parsing any tool's
 * output. */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus, sd_bus_flush_close_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_message, sd_bus_message_unref)

/* Connects to the manager: root uses systemd's private socket
 * (/run/systemd/private), which works without a D-Bus daemon, as systemctl
 * does; anyone else the system bus. EX_UNAVAILABLE when neither answers. */
int ovh_systemd_connect(sd_bus **ret, GError **error);

/* systemctl daemon-reload: returns when the manager has reloaded. Does
 * nothing when the machine was not booted with systemd (a chroot, a test
 * outside nspawn). */
int ovh_systemd_reload(GError **error);

/* What `systemctl show -p LoadState,ActiveState,SubState,UnitFileState,
 * MainPID UNIT` says. The unit is loaded first when it is not (LoadUnit),
 * as systemctl show does, so an installed unit nobody started is
 * "loaded" and one that does not exist "not-found". main_pid is 0 for a
 * unit that is not a service. */
typedef struct {
        char *load_state;
        char *active_state;
        char *sub_state;
        char *unit_file_state;
        uint32_t main_pid;
} OvhUnitState;

void ovh_unit_state_clear(OvhUnitState *state);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OvhUnitState, ovh_unit_state_clear)
int ovh_systemd_unit_state(sd_bus *bus, const char *unit, OvhUnitState *ret, GError **error);

/* `systemctl show -P Listen SOCKET_UNIT`: one "ADDRESS (TYPE)" per
 * address, as systemctl prints them ("[::]:3000 (Stream)",
 * "/run/x.sock (Stream)"). An empty list when the unit listens nowhere. */
int ovh_systemd_socket_listen(sd_bus *bus, const char *unit, char ***ret, GError **error);

/* What a service's LoadCredential=, LoadCredentialEncrypted=,
 * SetCredential= and SetCredentialEncrypted= say about the credential
 * `name`, in systemd's merged view (drop-ins read, specifiers such as %i
 * expanded, empty assignments applied). systemd keeps one LoadCredential*
 * and one SetCredential* entry per name. */
typedef struct {
        char *load; /* LoadCredential=NAME:PATH: PATH (a path, or a credstore name) */
        char *load_encrypted; /* LoadCredentialEncrypted=NAME:PATH: PATH */
        bool set; /* SetCredential=NAME:VALUE */
        bool set_encrypted; /* SetCredentialEncrypted=NAME:VALUE */
} OvhUnitCredential;

void ovh_unit_credential_clear(OvhUnitCredential *credential);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OvhUnitCredential, ovh_unit_credential_clear)
int ovh_systemd_service_credential(sd_bus *bus, const char *unit, const char *name, OvhUnitCredential *ret,
                                   GError **error);

/* systemctl try-restart UNIT and systemctl stop UNIT: the job is queued
 * with mode "replace" and waited for, as systemctl does; a job that ends
 * with another result than "done" (or "skipped": a condition said no)
 * fails with EX_OSERR. */
int ovh_systemd_try_restart(sd_bus *bus, const char *unit, GError **error);
int ovh_systemd_stop(sd_bus *bus, const char *unit, GError **error);

/* The names of the units matching `pattern` (a glob, e.g.
 * openvscode-server@*.service) that are active, activating or reloading. */
int ovh_systemd_running_units(sd_bus *bus, const char *pattern, char ***ret, GError **error);

/* Running one command in a service's sandbox, the way `systemd-run
 * --pipe --wait` would, but with the sandbox copied from a loaded service:
 * a transient service (StartTransientUnit, mode "fail") named
 * NAME_PREFIX-RANDOM.service with
 *
 *   the sandbox of `service` as systemd sees it (drop-ins and %i applied):
 *     every property of ovh_systemd_sandbox_properties that the manager
 *     reports for it, copied value for value;
 *   User=/Group= the account, NoNewPrivileges=yes, CapabilityBoundingSet=
 *     and AmbientCapabilities= empty, whatever the service says (its sudo
 *     drop-in starts it as root);
 *   `bind_paths` added to BindPaths= (ProtectHome=tmpfs with them) and
 *     `read_write_paths` to ReadWritePaths=: what the account drop-in adds
 *     at the service's next start;
 *   Type=oneshot, RemainAfterExit=yes (the exit status stays readable until
 *     it is stopped), stdin /dev/null, stdout and stderr pipes to us, no
 *     tty, a session of its own (a service has neither), TimeoutStartSec=
 *     timeout_sec.
 *
 * Waits for it while collecting its output, reads ExecMainCode/Status,
 * then stops it (or resets it when it failed) so it leaves nothing behind.
 * SIGINT, SIGTERM and SIGHUP meanwhile stop the unit and fail with
 * EX_TEMPFAIL; so does the timeout. */
extern const char *const ovh_systemd_sandbox_properties[];

typedef struct {
        const char *service; /* the unit whose sandbox is copied */
        const char *name_prefix; /* the transient unit's name before -RANDOM.service */
        const char *description;
        char *const *argv; /* ExecStart=; argv[0] absolute */
        const char *user;
        const char *group;
        char *const *bind_paths; /* NULL or absolute paths */
        char *const *read_write_paths;
        int timeout_sec; /* > 0 */
} OvhSandboxedCommand;

typedef struct {
        char *unit; /* the transient unit's name */
        int status; /* the exit status, or 128 + the signal */
        GString *out; /* what it wrote on stdout, unfiltered */
        GString *err; /* and on stderr */
} OvhSandboxedResult;

void ovh_sandboxed_result_clear(OvhSandboxedResult *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OvhSandboxedResult, ovh_sandboxed_result_clear)
int ovh_systemd_run_sandboxed(sd_bus *bus, const OvhSandboxedCommand *command, OvhSandboxedResult *ret, GError **error);
